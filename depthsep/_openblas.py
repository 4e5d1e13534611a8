"""numpy's OpenBLAS as the engine's CPU matmul: its AVX-512 kernels where the CPU has them, one thread.

Why: torch's CPU matmul is MKL, and MKL runs its AVX2 code on AMD processors — about half of what
AVX-512 gives on the ones that have it (measured here on an AMD EPYC with AVX-512: 2048² sgemm
105–118 GFLOP/s through MKL, 245 through AVX-512 kernels). numpy's bundled OpenBLAS has AVX-512
kernels but picks its cores by CPU model, and falls back to its Haswell (AVX2) ones on a model it
does not know — a recent EPYC, or any CPU behind a hypervisor that hides the model. Naming the core
in ``OPENBLAS_CORETYPE`` before OpenBLAS loads fixes that; it is read once, at load, so
:func:`prefer_avx512_kernels` runs when ``depthsep`` is imported and does nothing if numpy is already
loaded, if the variable is set, or if the CPU lacks the AVX-512 subsets those kernels use.

The engine then asks :func:`avx512_gemm` whether the loaded OpenBLAS runs an AVX-512 core, and
trains its hidden layers through ``numpy.matmul`` if so (:mod:`depthsep.train.ensemble`). The
answer depends on the machine alone, never on what a model is batched with, so results stay
independent of batch-mates. Training processes hold OpenBLAS to one thread (:func:`one_thread`):
two single-threaded workers on two cores, and a summation order fixed by shapes alone.

Only the standard library is imported at module level: this runs before numpy and torch.
"""

from __future__ import annotations

import os
import sys
from contextlib import contextmanager
from functools import lru_cache

CORE = "SkylakeX"             # OpenBLAS's AVX-512 core: needs AVX-512 F, CD, BW, DQ and VL
NEEDED_FLAGS = {"avx512f", "avx512cd", "avx512bw", "avx512dq", "avx512vl"}
AVX512_CORES = {"skylakex", "cooperlake", "sapphirerapids"}


def cpu_flags(cpuinfo: str = "/proc/cpuinfo") -> set[str]:
    """The CPU's feature flags (Linux), or an empty set where they cannot be read."""
    try:
        with open(cpuinfo) as fh:
            for line in fh:
                if line.startswith("flags"):
                    return set(line.split(":", 1)[1].split())
    except OSError:
        pass
    return set()


def prefer_avx512_kernels(environ=os.environ, modules=sys.modules, flags: set[str] | None = None) -> bool:
    """Set ``OPENBLAS_CORETYPE`` to the AVX-512 core if it can still take effect and the CPU has
    what it needs. Returns whether it set it."""
    if "numpy" in modules or "OPENBLAS_CORETYPE" in environ:
        return False
    if not NEEDED_FLAGS <= (cpu_flags() if flags is None else flags):
        return False
    environ["OPENBLAS_CORETYPE"] = CORE
    return True


@lru_cache(maxsize=1)
def avx512_gemm() -> bool:
    """Whether numpy's loaded OpenBLAS runs one of its AVX-512 cores (asks threadpoolctl)."""
    try:
        import numpy  # noqa: F401 — loads OpenBLAS, so that threadpoolctl can see it
        from threadpoolctl import threadpool_info
    except ImportError:
        return False
    return any(info.get("internal_api") == "openblas"
               and str(info.get("architecture", "")).lower() in AVX512_CORES
               for info in threadpool_info())


@contextmanager
def one_thread():
    """OpenBLAS (and any other BLAS numpy loaded) on one thread inside the block."""
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:
        yield
        return
    with threadpool_limits(limits=1, user_api="blas"):
        yield
