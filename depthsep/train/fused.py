"""The CPU training step as one C call per chunk of steps (``fused_step.c``).

Why: a step of a small group is ~50 torch kernels of a few µs each; at the widths of Figure 2 the
per-kernel cost (Python, dispatch, allocation checks) is most of the engine's time on a CPU. The C
loop runs the same step — forward, loss gradient, backward, optimizer — over a whole data chunk
(up to 64 steps) with no interpreter in between: only the matrix products (numpy's OpenBLAS sgemm,
the library that already runs the torch path's hidden layers) and vectorised elementwise loops.
Scoring on the test set runs the same forward in C too, 128 points a block (≈ 2× torch's).

It reads and writes the :class:`~.ensemble.Ensemble`'s own buffers and the optimizer's state in
place, so everything around the step (loading, data, divergence checks) is unchanged, and a chunk
can be handed to either path. The numbers agree with the torch path to round-off, not bit for bit
(other summation orders, a rational tanh); which path trains depends on the spec's setup and the
machine alone — the C compiler and numpy's BLAS present, the activation, loss and optimizer
supported — never on a model's batch-mates, so a model's result still depends on its spec alone
(per machine type).

Built on first use: the source is compiled with the system's C compiler (``-O3 -march=native``)
into a per-user cache, keyed by the source, the compiler and the CPU, so a machine compiles it
once (≈ 0.5–1 s, on a thread while torch imports: :func:`warm_cache`). ``DEPTHSEP_FUSED=0`` turns
it off; ``DEPTHSEP_CACHE`` moves the cache. Where anything is missing the engine keeps its torch
path (:func:`unavailable_reason` says why).
"""

from __future__ import annotations

import ctypes
import hashlib
import os
import platform
import shutil
import subprocess
import sysconfig
import tempfile
import threading
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import torch

SOURCE = Path(__file__).with_name("fused_step.c")
FLAGS = ("-O3", "-march=native", "-fPIC", "-shared", "-std=c11", "-fno-math-errno")
# What the C step implements, by the codes of its enums (fused_step.c).
ACTIVATIONS = {"tanh": 0, "relu": 1}
LOSSES = {"l1": 0, "l2": 1}
OPTIMIZERS = {"adadelta": 0, "adam": 1, "sgd": 2}
#: cblas_sgemm as numpy's OpenBLAS builds name it: numpy ≥ 2 wheels (scipy-openblas, 64-bit
#: integers), then the usual ILP64 and LP64 names.
SGEMM_SYMBOLS = (("scipy_cblas_sgemm64_", True), ("scipy_cblas_sgemm", False),
                 ("cblas_sgemm64_", True), ("cblas_sgemm", False))


class Setup(ctypes.Structure):
    """fused_step.c's ``Setup``, field for field."""

    _fields_ = [("sgemm", ctypes.c_void_p), ("ilp64", ctypes.c_int),
                ("G", ctypes.c_int), ("L", ctypes.c_int), ("W", ctypes.c_int), ("R0", ctypes.c_int),
                ("B", ctypes.c_int), ("n", ctypes.c_int), ("activation", ctypes.c_int), ("loss", ctypes.c_int),
                ("optimizer", ctypes.c_int), ("rho", ctypes.c_float), ("eps", ctypes.c_float),
                ("beta1", ctypes.c_float), ("beta2", ctypes.c_float)]


def cache_dir() -> Path:
    if os.environ.get("DEPTHSEP_CACHE"):
        return Path(os.environ["DEPTHSEP_CACHE"])
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "depthsep"


def _compiler() -> str | None:
    for name in (os.environ.get("CC"), sysconfig.get_config_var("CC"), "cc", "gcc", "clang"):
        if name and shutil.which(name.split()[0]):
            return name.split()[0]
    return None


def _cpu_identity() -> str:
    # -march=native bakes the CPU's instruction set into the library: one build per CPU model.
    try:
        with open("/proc/cpuinfo") as fh:
            lines = [line for line in fh if line.startswith(("model name", "flags"))][:2]
    except OSError:
        lines = []
    return platform.machine() + "".join(lines)


def _compile(cc: str) -> Path:
    """The library for this source, compiler and CPU: from the cache, else built into it (or, where
    the cache cannot be written, into a per-user folder of the temporary directory)."""
    source = SOURCE.read_bytes()
    version = subprocess.run([cc, "--version"], capture_output=True, text=True).stdout
    key = hashlib.sha256(b"\0".join([source, " ".join(FLAGS).encode(), version.encode(),
                                     _cpu_identity().encode()])).hexdigest()[:16]
    name = f"fused_step-{key}.so"
    folders = [cache_dir(), Path(tempfile.gettempdir()) / f"depthsep-{os.getuid()}"]
    for folder in folders:
        if (folder / name).exists():
            return folder / name
    error: OSError | None = None
    for folder in folders:
        try:
            return _build(cc, folder / name)
        except PermissionError as exc:       # a read-only cache: try the next folder
            error = exc
    raise OSError(f"cannot write the compiled step: {error}")


def _build(cc: str, target: Path, defines: tuple[str, ...] = ()) -> Path:
    """Compile the source into ``target``; ``defines`` (``NAME=VALUE``) override its layout
    constants (benchmarks/bench_fused_layout.py builds variants this way)."""
    target.parent.mkdir(parents=True, exist_ok=True)
    # Compiled beside the target and renamed into place: two processes compiling at once (Ray
    # workers on one node) each rename a complete library, never expose a half-written one.
    fd, tmp = tempfile.mkstemp(suffix=".so", dir=target.parent)
    os.close(fd)
    try:
        for flags in (FLAGS, tuple(f for f in FLAGS if f != "-march=native")):   # some compilers lack it
            done = subprocess.run([cc, *flags, *(f"-D{d}" for d in defines), str(SOURCE), "-o", tmp, "-lm"],
                                  capture_output=True, text=True)
            if done.returncode == 0:
                break
        else:
            last = done.stderr.strip().splitlines()[-1] if done.stderr.strip() else f"exit status {done.returncode}"
            raise OSError(f"{cc} could not compile {SOURCE.name}: {last}")
        os.replace(tmp, target)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)
    return target


def _sgemm() -> tuple[int, bool]:
    """(address, 64-bit integers?) of numpy's OpenBLAS cblas_sgemm."""
    import numpy  # noqa: F401 — loads OpenBLAS, so that threadpoolctl can see it
    from threadpoolctl import threadpool_info

    for info in threadpool_info():
        if info.get("internal_api") != "openblas":
            continue
        lib = ctypes.CDLL(info["filepath"])
        for symbol, ilp64 in SGEMM_SYMBOLS:
            try:
                return ctypes.cast(getattr(lib, symbol), ctypes.c_void_p).value, ilp64
            except AttributeError:
                continue
    raise OSError("numpy's BLAS is not OpenBLAS with a cblas_sgemm")


_warming: threading.Thread | None = None


def warm_cache() -> None:
    """Start compiling the step into the cache on a thread (where it is not there yet), so that the
    compiler runs while the caller goes on importing torch: each takes about a second on a CPU, and
    a first run would otherwise wait for one, then the other. The engine calls this as it loads.

    Only the file in the cache comes of it: :func:`_load` waits for the thread, then loads (or
    compiles, and reports why not) as it would without it. A non-daemon thread, so interpreter
    exit waits for it too and no compiler outlives its process; this module imports no torch, so
    the thread starts before torch does.
    """
    global _warming
    if _warming is None and os.environ.get("DEPTHSEP_FUSED", "1") != "0" and (cc := _compiler()):
        _warming = threading.Thread(target=_compile_quietly, args=(cc,), name="depthsep-fused-build")
        _warming.start()


def _compile_quietly(cc: str) -> None:
    try:
        _compile(cc)
    except OSError:         # _load tries again and says why
        pass


@lru_cache(maxsize=1)
def _load() -> tuple[ctypes.CDLL | None, tuple[int, bool] | None, str | None]:
    """(library, sgemm, None), or (None, None, why not)."""
    if _warming is not None:
        _warming.join()
    if os.environ.get("DEPTHSEP_FUSED", "1") == "0":
        return None, None, "DEPTHSEP_FUSED=0"
    cc = _compiler()
    if cc is None:
        return None, None, "no C compiler (cc) found"
    try:
        sgemm = _sgemm()
        lib = bind(ctypes.CDLL(str(_compile(cc))))
    except (OSError, ImportError) as exc:
        return None, None, str(exc)
    return lib, sgemm, None


def bind(lib: ctypes.CDLL) -> ctypes.CDLL:
    """A loaded build of ``fused_step.c`` with its functions' return and argument types set."""
    lib.depthsep_train_steps.restype = lib.depthsep_predict.restype = ctypes.c_int
    lib.depthsep_work_floats.restype = lib.depthsep_predict_floats.restype = ctypes.c_size_t
    lib.depthsep_work_floats.argtypes = [ctypes.c_int] * 3
    lib.depthsep_predict_floats.argtypes = [ctypes.c_int]
    lib.depthsep_activate.restype = None
    lib.depthsep_activate.argtypes = [ctypes.c_int, ctypes.c_void_p, ctypes.c_size_t, ctypes.c_float]
    return lib


def unavailable_reason() -> str | None:
    """None when the fused step can run on this machine, else why not (one line)."""
    return _load()[2]


def supports(activation: str, loss: str, optimizer: str, layers: int = 1) -> bool:
    """Whether the C step implements this training setup (else the torch path trains it)."""
    lib = _load()[0]
    return (lib is not None and activation in ACTIVATIONS and loss in LOSSES and optimizer in OPTIMIZERS
            and layers <= lib.depthsep_max_layers())


def _ptr(tensor) -> ctypes.c_void_p:
    return ctypes.c_void_p(None if tensor is None else tensor.data_ptr())


class FusedSteps:
    """``run.feed(slot, x, y)``: a slot's chunk of data, x (T, n, B) feature-major and y (T, B) float32
    as the stream cache holds them, read in place (no copy) until the next feed or ``clear(slot)``;
    ``run(k)``: train every live slot on the first k steps of its chunk, in one C call;
    ``run.predict(x)``: every slot at the points x, as :meth:`.Ensemble.predict` does, in one more.

    ``optimizer`` is the :mod:`.optim` object whose state buffers the C loop updates; ``T`` the
    steps a chunk holds, ``batch`` its points per step. ``build``: (library, (sgemm address, 64-bit
    integers?)) to run instead of this machine's build (a benchmark's variant, see :func:`bind`).
    """

    def __init__(self, ensemble, optimizer, T: int, batch: int, activation: str, loss: str, optimizer_name: str,
                 build: tuple | None = None):
        import torch

        lib, (address, ilp64) = build if build is not None else _load()[:2]
        for t in (ensemble.params, ensemble.grads, optimizer.lr, *optimizer.state()):
            assert t.is_contiguous() and t.dtype == torch.float32 and t.device.type == "cpu"
        self.lib, self.ensemble, self.optimizer, self.T = lib, ensemble, optimizer, T
        e = ensemble
        beta1, beta2 = getattr(optimizer, "betas", (0.0, 0.0))     # the hyperparameters the optimizer has
        self.setup = Setup(address, int(ilp64), e.slots, e.layers, e.width, e.shapes[0][0], batch, e.n_in,
                           ACTIVATIONS[activation], LOSSES[loss], OPTIMIZERS[optimizer_name],
                           getattr(optimizer, "rho", 0.0), getattr(optimizer, "eps", 0.0), beta1, beta2)
        self.work = torch.empty(lib.depthsep_work_floats(e.layers, e.width, batch))
        state = optimizer.state() + [None, None]
        self.state = state[:2]
        self.adam_t = getattr(optimizer, "t", None)   # Adam's step count: a 0-dim float64 tensor
        self.widths = (ctypes.c_int32 * e.slots)()
        self.x, self.y = (ctypes.c_void_p * e.slots)(), (ctypes.c_void_p * e.slots)()
        self.chunks: list[tuple | None] = [None] * e.slots     # held here while C reads them

    def feed(self, slot: int, x: torch.Tensor, y: torch.Tensor) -> None:
        import torch

        n, B = self.ensemble.n_in, self.setup.B
        assert x.shape == (self.T, n, B) and y.shape == (self.T, B) and x.device.type == y.device.type == "cpu"
        x, y = x.to(torch.float32).contiguous(), y.to(torch.float32).contiguous()      # as made: no copy
        self.chunks[slot] = (x, y)
        self.x[slot], self.y[slot] = x.data_ptr(), y.data_ptr()

    def clear(self, slot: int) -> None:
        self.chunks[slot] = None
        self.x[slot] = self.y[slot] = None

    def _update_widths(self) -> None:
        # Each slot trains at its true width (0: empty or diverged, skipped): its products never
        # touch the padding, so a model's arithmetic is the same in any bucket.
        for slot, width in enumerate(self.ensemble.slot_widths):
            self.widths[slot] = width

    def predict(self, x: torch.Tensor) -> torch.Tensor:
        """All slots at the points x (m, n) → (G, m) float32; empty slots predict 0."""
        import torch

        e = self.ensemble
        self._update_widths()
        points = x.to(torch.float32).T.contiguous()            # feature-major (n, m)
        out = torch.zeros(e.slots, x.shape[0])
        work = torch.empty(self.lib.depthsep_predict_floats(e.width))
        if self.lib.depthsep_predict(ctypes.byref(self.setup), _ptr(e.params), self.widths, _ptr(points),
                                     ctypes.c_int(x.shape[0]), _ptr(out), _ptr(work)):
            raise RuntimeError(f"fused step refused its setup ({e.layers} layers)")
        return out

    def __call__(self, k: int) -> None:
        e = self.ensemble
        assert 0 <= k <= self.T
        self._update_widths()
        for slot, width in enumerate(self.widths):
            if width and self.chunks[slot] is None:
                raise RuntimeError(f"slot {slot} is live but has no data chunk")
        status = self.lib.depthsep_train_steps(
            ctypes.byref(self.setup), ctypes.c_int(k), _ptr(e.params), _ptr(e.grads), _ptr(self.state[0]),
            _ptr(self.state[1]), _ptr(self.optimizer.lr), self.widths, self.x, self.y,
            _ptr(self.adam_t), _ptr(self.work))
        if status:
            raise RuntimeError(f"fused step refused its setup ({e.layers} layers)")
