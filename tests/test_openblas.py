"""numpy's OpenBLAS as the engine's CPU matmul: when its AVX-512 core is asked for, and held to one
thread while the engine trains (its batch-mate independence is tested with the ensemble)."""

import os
import subprocess
import sys

import pytest

from depthsep import _openblas
from depthsep._openblas import NEEDED_FLAGS, cpu_flags, prefer_avx512_kernels


def test_the_core_is_asked_for_only_when_it_can_take_effect():
    flags = set(NEEDED_FLAGS) | {"fma"}
    env = {}
    assert prefer_avx512_kernels(env, {}, flags) and env == {"OPENBLAS_CORETYPE": "SkylakeX"}
    pinned = {"OPENBLAS_CORETYPE": "Haswell"}                     # the user's choice stands
    assert not prefer_avx512_kernels(pinned, {}, flags) and pinned == {"OPENBLAS_CORETYPE": "Haswell"}
    env = {}
    assert not prefer_avx512_kernels(env, {"numpy": object()}, flags) and env == {}   # too late
    assert not prefer_avx512_kernels(env, {}, flags - {"avx512vl"}) and env == {}     # would fault


def test_cpu_flags_are_read_from_cpuinfo(tmp_path):
    info = tmp_path / "cpuinfo"
    info.write_text("processor\t: 0\nvendor_id\t: AuthenticAMD\nflags\t\t: fpu sse2 avx2 avx512f avx512vl\n")
    assert cpu_flags(str(info)) == {"fpu", "sse2", "avx2", "avx512f", "avx512vl"}
    assert cpu_flags(str(tmp_path / "missing")) == set()


@pytest.mark.parametrize("preset", [None, "Haswell"])
def test_importing_depthsep_sets_the_core_before_numpy_loads(preset):
    env = {k: v for k, v in os.environ.items() if k != "OPENBLAS_CORETYPE"}
    if preset:
        env["OPENBLAS_CORETYPE"] = preset
    code = ("import os, depthsep, numpy; from depthsep._openblas import avx512_gemm; "
            "print(os.environ.get('OPENBLAS_CORETYPE'), avx512_gemm())")
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True).stdout.split()
    capable = NEEDED_FLAGS <= cpu_flags()
    if preset:
        assert out == [preset, "False"]
    elif capable:
        assert out == ["SkylakeX", "True"]
    else:
        assert out[0] == "None"


def test_the_engine_holds_openblas_to_one_thread():
    threadpoolctl = pytest.importorskip("threadpoolctl")
    with _openblas.one_thread():
        blas = [i for i in threadpoolctl.threadpool_info() if i["user_api"] == "blas"]
        assert blas and all(i["num_threads"] == 1 for i in blas)
