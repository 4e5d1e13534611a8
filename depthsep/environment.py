"""`depthsep doctor`: what a bug report needs — versions, device, threads, cores, CPU matmul, Ray.

    >>> from depthsep.environment import doctor
    >>> doctor()["versions"]["torch"]                                 # doctest: +SKIP
    '2.13.0+cpu'

Versions come from the installed distributions' metadata (nothing heavy is imported for them, so a
broken optional package cannot break the report); torch is imported for the device facts.
:func:`environment` is the same without Ray: what a result's record (a figure's ``.run.json``) says
it was made with.
"""

from __future__ import annotations

import os
import platform
import sys
from importlib import metadata

NOT_INSTALLED = "not installed"

#: Report key → distribution name.
PACKAGES = {"depthsep": "depthsep", "torch": "torch", "numpy": "numpy", "sympy": "sympy",
            "flint": "python-flint", "onnx": "onnx", "onnxruntime": "onnxruntime", "ray": "ray"}


def _version(distribution: str) -> str:
    try:
        return metadata.version(distribution)
    except metadata.PackageNotFoundError:
        return NOT_INSTALLED


def _cores() -> dict:
    usable = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else None
    return {"cpu_count": os.cpu_count(), "usable_cpus": usable if usable is not None else os.cpu_count()}


def _device() -> dict:
    try:
        import torch
    except ImportError:                                   # depthsep needs torch, but report anyway
        return {"cuda": False, "cuda_version": None, "device": "unknown (torch not importable)", "gpus": [],
                "torch_threads": None, "torch_interop_threads": None}
    cuda = bool(torch.cuda.is_available())
    gpus = [torch.cuda.get_device_name(i) for i in range(torch.cuda.device_count())] if cuda else []
    return {"cuda": cuda, "cuda_version": torch.version.cuda, "device": "cuda" if cuda else "cpu",
            "gpus": gpus, "torch_threads": torch.get_num_threads(),
            "torch_interop_threads": torch.get_num_interop_threads()}


def _ray(version: str) -> dict:
    if version == NOT_INSTALLED:
        return {"available": False, "note": "pip install 'depthsep[ray]' for --backend ray"}
    try:
        import ray  # noqa: F401 — importable, not just installed
    except Exception as exc:                              # noqa: BLE001 — report, never crash
        return {"available": False, "note": f"installed but not importable: {type(exc).__name__}: {exc}"}
    return {"available": True, "address_env": os.environ.get("RAY_ADDRESS")}


def blas_report() -> dict:
    """Which CPU matmul the engine's hidden layers use, and why (see depthsep._openblas)."""
    from ._openblas import NEEDED_FLAGS, avx512_gemm, cpu_flags

    try:
        from threadpoolctl import threadpool_info
        openblas = [i for i in threadpool_info() if i.get("internal_api") == "openblas"]
    except ImportError:
        openblas = []
    core = openblas[0].get("architecture") if openblas else None
    pinned = os.environ.get("OPENBLAS_CORETYPE")
    fast = avx512_gemm()
    note = None
    if not fast and NEEDED_FLAGS <= cpu_flags():
        note = (f"this CPU has AVX-512 but OpenBLAS runs its {core} kernels"
                + (f" because OPENBLAS_CORETYPE={pinned} is set; unset it for 1.7-2.2x faster hidden layers"
                   if pinned else ""))
    return {"openblas_core": core, "openblas_coretype_env": pinned,
            "hidden_layer_matmul": "numpy/OpenBLAS (AVX-512)" if fast else "torch/MKL (oneDNN from width 96)",
            "blas_note": note}


def cpu_step() -> str:
    """How CPU groups train on this machine: the fused C step (and what it implements), or why not."""
    from .train import fused

    why = fused.unavailable_reason()
    if why is not None:
        return f"torch kernels (fused C step unavailable: {why})"
    return (f"fused C step for {'/'.join(fused.ACTIVATIONS)}, {'/'.join(fused.LOSSES)}, "
            f"{'/'.join(fused.OPTIMIZERS)}; torch kernels otherwise")


def processor() -> str:
    """The CPU's model name (Linux's /proc/cpuinfo), else what :mod:`platform` knows of it."""
    try:
        with open("/proc/cpuinfo") as fh:
            for line in fh:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def environment() -> dict:
    """What a result is made with — versions, platform, processor, device, threads, cores, CPU matmul
    and training step — as one JSON-able dict: :func:`doctor` without Ray (nothing a result depends
    on, and its import alone takes about half a second), for the records results carry."""
    versions = {"python": platform.python_version()}
    versions.update({key: _version(dist) for key, dist in PACKAGES.items()})
    return {
        "versions": versions,
        "platform": platform.platform(),
        "processor": processor(),
        **_device(),
        **_cores(),
        **blas_report(),
        "cpu_step": cpu_step(),
    }


def doctor() -> dict:
    """Versions, platform, processor, device, threads, cores and Ray availability, as one JSON-able dict."""
    facts = environment()
    return {**facts, "python_executable": sys.executable, "ray": _ray(facts["versions"]["ray"])}


__all__ = ["blas_report", "cpu_step", "doctor", "environment", "processor"]
