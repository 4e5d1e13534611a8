"""``train_models``: many small networks trained at once, reproducibly.

Specs that differ only in seed, width and lr are *batch-mates*: they share a group
(:mod:`.grouping`), an :class:`Ensemble` of ``slots`` models padded to a common width bucket,
trained by one set of batched kernels. On a CPU, groups run one at a time per worker process (one
per core), each worker single-threaded and ended by the kernel if this process dies
(:func:`.lifetime.die_with_parent`), each chunk of steps one call of the fused C step
(:mod:`.fused`) where it can run; on a GPU they run in this process, each full chunk of steps
replayed as one CUDA graph. Results come back to the calling process as each group finishes, so
``on_result`` can commit them at once.

Determinism is by construction, not by luck: a model's result depends on its spec alone, never on
its batch-mates or on how many workers ran. That holds because

* its initial weights come from ``spec.init_seed`` (or the construction ``spec.init`` names) and its
  batches from its own seed's stream;
* a group's shape depends on its key alone: the width is the spec's bucket and the slot count is
  its key's (:mod:`.grouping`) — a model trained alone sits in a group with dummy (all-zero) slots and
  runs exactly the kernels it would run in a grid, on exactly the same numbers (a different batch
  count could pick different matmul kernels, and L1's sign makes training chaotic); the fused C
  step goes further: each slot's products are its model's own size, so not even the bucket enters;
* slots never mix (see :mod:`.ensemble`), and each kernel runs on one thread, whose blocking and
  summation order depend on shapes alone;
* which step trains a CPU group — fused C or torch kernels — depends on the spec's setup and the
  machine alone (:func:`fused_cpu_step`).
"""
# ruff: noqa: E402 — fused.warm_cache() and a paused collector come before `import torch` (see there)

from __future__ import annotations

import gc
import math
import multiprocessing
import os
import queue
import signal
import time
import traceback
from contextlib import contextmanager, nullcontext
from typing import Callable, Iterable, Iterator

from . import fused

fused.warm_cache()      # the C step compiles (first run on a machine) while torch imports

# These imports (torch's above all) make ~10⁶ objects and no garbage cycles: with the cyclic
# collector paused, none of its passes over them runs (≈ 0.2–0.3 s of a process's start-up).
_collecting = gc.isenabled()
gc.disable()
import torch

from .._openblas import one_thread
from ..activations import get_activation
from ..checks import positive_int
from ..errors import DepthsepError
from .data import chunk_steps, cpu_cache_share, evaluation_set, stream_chunk
from .ensemble import Ensemble, input_rows
from .grouping import Group, check_memory, device_free_bytes, plan_groups
from .lifetime import die_with_parent
from .optim import make_optimizer
from .spec import ModelSpec, RunResult
from .warm import starting_parameters

if _collecting:
    gc.enable()

CUDA_GRAPHS = True               # replay each full data chunk as one CUDA graph (see _TorchSteps)
FUSED_CPU = True                 # train CPU groups with the fused C step where it can (see _step_runner)


def fused_cpu_step(spec: ModelSpec) -> bool:
    """Whether a CPU group of this spec trains with the fused C step (:mod:`.fused`): a function of
    the spec and the machine alone, so batch-mates cannot change a model's path."""
    return (FUSED_CPU and fused.unavailable_reason() is None
            and fused.supports(get_activation(spec.activation).name, spec.loss, spec.optimizer, spec.layers))


def resolve_device(device=None) -> torch.device:
    if device is None:
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    try:
        return torch.device(device)
    except (RuntimeError, TypeError):
        raise DepthsepError(f"unknown device {device!r}") from None


def local_device(device=None) -> torch.device:
    """:func:`resolve_device`, refusing (one line) a GPU this machine does not have."""
    device = resolve_device(device)
    if device.type == "cuda" and not torch.cuda.is_available():
        raise DepthsepError(f"device {str(device)!r} asked for, but torch {torch.__version__} sees no CUDA GPU here")
    if device.type == "cuda" and device.index is not None and device.index >= torch.cuda.device_count():
        raise DepthsepError(f"device {str(device)!r} asked for, but this machine has "
                            f"{torch.cuda.device_count()} CUDA GPU(s)")
    return device


def describe_device(device: torch.device) -> str:
    if device.type == "cuda":
        index = device.index if device.index is not None else torch.cuda.current_device()
        return f"cuda:{index} {torch.cuda.get_device_name(index)}"
    return device.type


def train_group(group: Group, device, progress: Callable[[int], None] | None = None,
                keep: list | None = None) -> list[tuple[int, RunResult]]:
    """Train one group to the end and score it: [(caller's index, result)] for its members.

    ``progress(k)`` is told of k more model-steps after each data chunk. ``keep``, if given, receives
    the trained :class:`Ensemble` (for tests and inspection).
    """
    start_time = time.perf_counter()
    device = torch.device(device)
    spec, G, members = group.spec, group.slots, group.members
    if device.type == "cuda":
        check_memory(group, device_free_bytes(device), describe_device(device))
    target, n, B = spec.target_fn, spec.n, spec.batch_size
    ensemble = Ensemble(n, spec.layers, group.width, G, spec.activation, device)
    for slot, (_, member) in enumerate(members):
        ensemble.load(slot, starting_parameters(member))
    # A rate per slot: lr sweeps share groups, and dummy slots (rate 0) never move.
    rates = [member.lr for _, member in members] + [0.0] * (G - len(members))
    optimizer = make_optimizer(spec.optimizer, ensemble.params, ensemble.grads, ensemble.per_slot(rates))

    run_steps = _step_runner(ensemble, optimizer, spec, chunk_steps(B, n))
    alive = [True] * len(members)
    for chunk in range(math.ceil(spec.steps / run_steps.T)):
        for slot, (_, member) in enumerate(members):
            if alive[slot]:
                run_steps.feed(slot, *stream_chunk(target, spec.domain, B, member.seed, chunk, device))
        steps = min(run_steps.T, spec.steps - chunk * run_steps.T)
        run_steps(steps)
        # A diverged model is frozen at zero with no data, so it can never disturb the others
        # (it could not anyway — slots never mix — but NaNs would keep the check below slow).
        for slot, finite in enumerate(ensemble.finite_slots()[:len(members)]):
            if alive[slot] and not finite:
                alive[slot] = False
                ensemble.reset(slot, *optimizer.state(), optimizer.lr)
                run_steps.clear(slot)
        if progress is not None:
            progress(steps * len(members))

    abs_sum = torch.zeros(G, dtype=torch.float64)
    sq_sum = torch.zeros(G, dtype=torch.float64)
    for xs, ys in evaluation_set(target, spec.domain, spec.test_size):
        err = run_steps.predict(xs).cpu().double() - ys
        abs_sum += err.abs().sum(dim=1)
        sq_sum += err.square().sum(dim=1)
    wall = (time.perf_counter() - start_time) / len(members)
    where = describe_device(device)
    results = []
    for slot, (index, member) in enumerate(members):
        mae = abs_sum[slot].item() / spec.test_size
        rmse = math.sqrt(sq_sum[slot].item() / spec.test_size)
        if alive[slot] and math.isfinite(mae) and math.isfinite(rmse):
            results.append((index, RunResult(member, mae, rmse, "done", wall, where)))
        else:
            results.append((index, RunResult(member, None, None, "diverged", wall, where)))
    if keep is not None:
        keep.append(ensemble)
    return results


def _step_runner(ensemble: Ensemble, optimizer, spec: ModelSpec, T: int):
    """What trains a group, chunk by chunk: ``feed(slot, x, y)`` gives a slot its data chunk (x (T, n,
    B) feature-major, y (T, B), as :func:`.data.stream_chunk` makes them), ``clear(slot)`` takes a
    diverged slot's away, ``run(k)`` trains every live slot on the first k steps of its chunk and
    ``run.predict(x)`` scores every slot at the points x (m, n).

    On a CPU, the fused C step (:mod:`.fused`: one call per chunk, reading the chunks in place)
    where this machine can build it and it implements the setup, else a loop over the torch
    kernels (:class:`_TorchSteps`).
    """
    if ensemble.device.type == "cpu" and fused_cpu_step(spec):
        return fused.FusedSteps(ensemble, optimizer, T, spec.batch_size, get_activation(spec.activation).name,
                                spec.loss, spec.optimizer)
    return _TorchSteps(ensemble, optimizer, spec, T)


class _TorchSteps:
    """The step as torch kernels, on chunk buffers (T, G, rows, B) laid out as ``augment`` does (last
    row ones) and refilled in place; slots without data stay zero (x = 0, y = 0, zero weights: all
    their gradients are exactly zero).

    On a GPU, a step is ~6 kernels per layer on tiny tensors, and launching them from Python costs
    more than running them; so the first chunk runs eagerly (it also warms every lazy allocation
    and cuBLAS workspace), the next full chunk is recorded once as a CUDA graph of T steps, and
    every later full chunk replays it — one launch per chunk. The graph reads the chunk buffers it
    was recorded on, refilled in place. Replays run exactly the recorded kernels, so the result
    does not depend on batch-mates here either.
    """

    def __init__(self, ensemble: Ensemble, optimizer, spec: ModelSpec, T: int):
        self.ensemble, self.optimizer, self.loss, self.T, self.n = ensemble, optimizer, spec.loss, T, spec.n
        device = ensemble.device
        self.x = torch.zeros(T, ensemble.slots, input_rows(spec.n), spec.batch_size, device=device)
        self.y = torch.zeros(T, ensemble.slots, 1, spec.batch_size, device=device)
        self.predict = ensemble.predict
        self.graphs = device.type == "cuda" and CUDA_GRAPHS
        if self.graphs:
            self.stream, self.graph, self.chunks = torch.cuda.Stream(device), None, 0

    def feed(self, slot: int, x, y) -> None:
        self.x[:, slot, :self.n, :].copy_(x)
        self.x[:, slot, -1, :] = 1.0
        self.y[:, slot, 0, :].copy_(y)

    def clear(self, slot: int) -> None:
        self.x[:, slot].zero_()
        self.y[:, slot].zero_()

    def _eager(self, k: int) -> None:
        # No autograd here (the backward is hand-written): inference mode skips torch's autograd
        # dispatch on each of the ~50 small kernels of a step, 1–5 % of a group's time. Only
        # the step loop: the data chunks are cached and read by autograd code elsewhere
        # (the naive loop), which inference tensors would break.
        with torch.inference_mode():
            for x_t, y_t in zip(self.x[:k], self.y[:k]):
                self.ensemble.train_step(x_t, y_t, self.loss)
                self.optimizer.step()

    def __call__(self, k: int) -> None:
        if not self.graphs:
            return self._eager(k)
        device = self.ensemble.device
        self.stream.wait_stream(torch.cuda.current_stream(device))
        with torch.cuda.stream(self.stream):
            if k < self.T or self.chunks == 0:
                self._eager(k)
            else:
                if self.graph is None:
                    self.graph = torch.cuda.CUDAGraph()
                    with torch.cuda.graph(self.graph, stream=self.stream):
                        self._eager(self.T)
                self.graph.replay()
        torch.cuda.current_stream(device).wait_stream(self.stream)
        self.chunks += 1


@contextmanager
def _single_threaded():
    # One thread per kernel (torch's and OpenBLAS's): results must not depend on how a kernel was
    # split across threads, and two workers on two cores must not each start a thread pool.
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        with one_thread():
            yield
    finally:
        torch.set_num_threads(threads)


def _run_in_process(groups: list[Group], device) -> Iterator[tuple]:
    events: list[tuple] = []
    with _single_threaded() if device.type == "cpu" else nullcontext():
        for group in groups:
            weight = group.model_step_cost()
            results = train_group(group, device, progress=lambda k, w=weight: events.append(("progress", k * w)))
            yield from events
            events.clear()
            yield ("results", results)


def _worker(groups, device, tasks, events, parent_pid: int) -> None:
    # A worker never outlives the sweep: after a kill -9 of the parent nobody would read its
    # results, and it would keep its memory, its core and the caller's stdout.
    die_with_parent(parent_pid)
    # Ctrl-C is the parent's to handle: it stops the workers itself (a worker reporting the
    # KeyboardInterrupt as a failure would turn an interrupt into an internal error).
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        with _single_threaded():
            while (index := tasks.get()) is not None:
                weight = groups[index].model_step_cost()
                events.put(("results", train_group(groups[index], device,
                                                    progress=lambda k, w=weight: events.put(("progress", k * w)))))
    except BaseException:  # noqa: BLE001 — report anything, the parent re-raises
        events.put(("error", traceback.format_exc()))


def _run_in_workers(groups: list[Group], device, workers: int) -> Iterator[tuple]:
    # fork: workers inherit the imported torch and the plans (no re-import, nothing to pickle in).
    ctx = multiprocessing.get_context("fork")
    tasks, events = ctx.Queue(), ctx.Queue()
    for index in sorted(range(len(groups)), key=lambda i: -groups[i].cost()):  # longest first
        tasks.put(index)
    for _ in range(workers):
        tasks.put(None)
    procs = [ctx.Process(target=_worker, args=(groups, device, tasks, events, os.getpid()), daemon=True)
             for _ in range(workers)]
    # Move everything alive now (torch's modules, the plans) out of the cyclic GC's reach, as the
    # gc docs advise before fork(): the workers' collections then never write to these pages
    # (copy-on-write keeps them shared), and this process no longer traverses them on every full
    # collection — nor at exit, where that walk over torch's objects costs ≈ 0.3 s.
    gc.freeze()
    for proc in procs:
        proc.start()
    try:
        remaining = len(groups)
        while remaining:
            try:
                event = events.get(timeout=0.5)
            except queue.Empty:
                if not any(p.is_alive() for p in procs) and events.empty():
                    raise RuntimeError("training workers exited without finishing") from None
                continue
            if event[0] == "error":
                raise RuntimeError(f"training worker failed:\n{event[1]}")
            remaining -= event[0] == "results"
            yield event
    finally:
        for proc in procs:
            if proc.is_alive():
                proc.terminate()
            proc.join()


def usable_cores() -> int:
    """The cores this process may run on (its CPU affinity where the OS tells it)."""
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1


def default_workers(device: torch.device, groups: int) -> int:
    """One worker per usable core, at most one per group; GPUs train in this process."""
    if device.type != "cpu":
        return 1
    return max(1, min(usable_cores(), groups))


def train_models(
    specs: Iterable[ModelSpec],
    device=None,
    progress: Callable[[int, int], None] | None = None,
    on_result: Callable[[RunResult], None] | None = None,
    workers: int | None = None,
) -> list[RunResult]:
    """Train every spec; return their results in the order given.

    ``device``: None → CUDA when available, else CPU. ``progress(done, total)``: work done and in
    all, model-steps weighted by their group's :meth:`~.grouping.Group.cost` (so done/total is the
    fraction of the time an ETA needs; done reaches total at the end).
    ``on_result(result)`` is called in this process as soon as each model is scored. ``workers``:
    CPU processes (default: one per available core, at most one per group; 1 = in this process).
    The results do not depend on ``workers``.
    """
    specs = list(specs)
    for spec in specs:
        if not isinstance(spec, ModelSpec):
            raise DepthsepError(f"train_models takes ModelSpec values, got {type(spec).__name__}")
    device = local_device(device)
    if device.type == "cuda":
        torch.zeros(1, device=device)   # make the CUDA context now: no group's models are charged for it
    groups = plan_groups(specs, device)
    if device.type == "cuda" and groups:    # refuse before any training, not after hours of it
        check_memory(max(groups, key=Group.bytes), device_free_bytes(device), describe_device(device))
    workers = default_workers(device, len(groups)) if workers is None else positive_int(workers, "workers")
    if device.type == "cpu" and specs:
        fused.unavailable_reason()      # build the fused step once, here, before workers fork
    total, done = sum(group.cost() for group in groups), 0.0
    results: list[RunResult | None] = [None] * len(specs)
    # Sized before the workers fork: each inherits its share of memory for the data streams.
    with cpu_cache_share(workers) if device.type == "cpu" else nullcontext():
        events = (_run_in_workers(groups, device, workers) if workers > 1 and device.type == "cpu"
                  else _run_in_process(groups, device))
        for kind, payload in events:
            if kind == "progress":
                done += payload
                if progress is not None:
                    progress(done, total)
            else:
                for index, result in payload:
                    results[index] = result
                    if on_result is not None:
                        on_result(result)
    return results  # type: ignore[return-value]
