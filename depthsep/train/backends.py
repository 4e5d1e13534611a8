"""Where a sweep's models train: ``local`` (this machine, :func:`~.engine.train_models`) or ``ray``.

    >>> from depthsep.train.backends import train
    >>> train(specs, RunOptions(backend="ray", address="head:6379"), on_result=store.add)  # doctest: +SKIP

Both backends call ``on_result`` *in the calling process* as each model is scored, so the caller
(the sweep) stays the only writer of the SQLite store, and both return the results in spec order.

**Ray.** The specs are planned into the same groups the local engine uses (:func:`~.grouping.plan_groups`:
batch-mates of one shape, :func:`~.grouping.group_slots` models per group) and each group becomes one Ray task
(:func:`~.engine.train_group`, single-threaded on CPU) that asks for one CPU — so a node runs as
many groups at once as it has cores — or one GPU when the cluster has GPUs. Results stream back
with ``ray.wait`` as each task finishes. Because a model's result depends on its spec alone (see
:mod:`.engine`), the Ray backend gives the same numbers as the local one on the same device type.

Faults: a task whose worker process dies (OOM killer, a lost node, ``kill -9``) is retried by Ray
up to ``max_retries`` times, and its models are committed once, by the driver. A killed driver loses
only the tasks in flight: re-running the sweep skips every model already in the store.

Without ``address`` a private Ray instance is started on loopback (127.0.0.1) with this machine's
cores and shut down at the end; with ``address`` (``HOST:6379`` of a ``ray start --head`` node)
the driver joins that cluster. Ray is an optional extra: ``pip install 'depthsep[ray]'``.

A private instance ends with its driver, even one killed with SIGKILL. Ray itself ties its GCS
server, raylet and monitors to the driver (the kernel kills them with it), and task workers exit
a few seconds after their raylet; but the raylet's dashboard and runtime-env agents were measured
still alive 20 s after a ``kill -9`` of the driver. So a :class:`~.lifetime.Watchdog` follows every
process the instance starts and kills what is left the moment the driver ends, however it ends.
"""

from __future__ import annotations

import logging
import os
import socket
from typing import Callable, Iterable

import torch

from .._openblas import one_thread
from ..errors import DepthsepError
from .config import RunOptions
from .data import grow_cpu_cache
from .engine import train_group, train_models, usable_cores
from .grouping import plan_groups
from .lifetime import Watchdog, children
from .spec import ModelSpec, RunResult

RAY_INSTALL_HINT = "the ray backend needs Ray: pip install 'depthsep[ray]' (or pip install 'ray[default]')"
MAX_RETRIES = 3             # Ray task retries when a worker process dies


def check_backend(run: RunOptions) -> None:
    """Check ``run``'s (backend, address) pair before any work: an address needs Ray, Ray must
    import, and a ``HOST:PORT`` address must answer."""
    if run.backend == "local" and run.address is not None:
        raise DepthsepError("--address needs --backend ray")
    if run.backend == "ray":
        import_ray()
        if run.address is not None:
            probe_address(str(run.address))


def probe_address(address: str, timeout: float = 5.0) -> None:
    """Fail fast (one line) when a ``HOST:PORT`` address does not answer: ``ray.init`` would retry
    for minutes. Other forms (``auto``, ``ray://…``) are left to Ray."""
    address = address.strip()
    if not address:
        raise DepthsepError("--address must be HOST:PORT of a Ray head node, got ''")
    host, sep, port = address.rpartition(":")
    if "://" in address or not sep or not port.isdigit():
        return
    try:
        socket.create_connection((host.strip("[]") or "127.0.0.1", int(port)), timeout=timeout).close()
    except (OSError, ValueError) as exc:
        raise DepthsepError(f"cannot reach a Ray head node at {address} "
                            f"({getattr(exc, 'strerror', None) or exc}); is `ray start --head` running there?") from None


def import_ray():
    """``import ray``, or a one-line :class:`DepthsepError` saying how to install it."""
    try:
        import ray
    except ImportError:
        raise DepthsepError(RAY_INSTALL_HINT) from None
    return ray


def ray_available() -> str | None:
    """Ray's version when importable, else None (for ``depthsep doctor``)."""
    try:
        import ray
    except ImportError:
        return None
    return getattr(ray, "__version__", "unknown")


def train(specs: Iterable[ModelSpec], run: RunOptions = RunOptions(), *,
          progress: Callable[[int, int], None] | None = None,
          on_result: Callable[[RunResult], None] | None = None,
          max_retries: int = MAX_RETRIES) -> list[RunResult]:
    """Train every spec where ``run`` says; same contract as :func:`~.engine.train_models`.

    ``run.workers`` only applies to ``local``; ``run.address`` and ``max_retries`` only to ``ray``.
    ``progress(done, total)``: work done and in all, as :func:`~.engine.train_models` counts it
    (``run.progress``, the bar, is the caller's).
    """
    check_backend(run)
    if run.backend == "local":
        return train_models(specs, device=run.device, progress=progress, on_result=on_result,
                            workers=run.workers)
    return train_ray(specs, address=run.address, device=run.device, progress=progress,
                     on_result=on_result, max_retries=max_retries)


# -- Ray ---------------------------------------------------------------------------------------------

def _ray_train_group(group, device: str):
    """The body of a Ray task: one group, trained single-threaded on CPU like a local worker."""
    if device == "cpu":
        # Ray keeps its worker processes from task to task: a cache sized once serves every group
        # this worker trains on the same seeds, as a local worker's does (data.cpu_cache_share).
        grow_cpu_cache(usable_cores())
        torch.set_num_threads(1)
        with one_thread():
            return train_group(group, device)
    torch.zeros(1, device=device)       # the worker's CUDA context: not charged to the group's models
    return train_group(group, device)


#: The watchdog of the private Ray instance this process started, while it runs.
_watchdog: Watchdog | None = None


def start_ray(address: str | None = None, num_cpus: int | None = None) -> bool:
    """Connect to ``address``, or start a private loopback instance whose processes end with this
    one. True if this call started Ray (the caller then calls :func:`stop_ray`); False if Ray was
    already initialised in this process."""
    global _watchdog
    ray = import_ray()
    if ray.is_initialized():
        return False
    quiet = dict(include_dashboard=False, log_to_driver=False, logging_level=logging.WARNING)
    if "OPENBLAS_CORETYPE" in os.environ:   # workers load OpenBLAS with the driver's core (see _openblas)
        quiet["runtime_env"] = {"env_vars": {"OPENBLAS_CORETYPE": os.environ["OPENBLAS_CORETYPE"]}}
    try:
        if address:
            ray.init(address=address, **quiet)
        else:
            if _watchdog is not None:            # an instance shut down without stop_ray
                _watchdog.close()
            _watchdog = Watchdog()
            before = children(os.getpid())
            try:
                # address="local": never silently join a cluster found via RAY_ADDRESS or /tmp/ray.
                ray.init(address="local", num_cpus=num_cpus or usable_cores(),
                         _node_ip_address="127.0.0.1", **quiet)
            finally:
                # Whatever ray.init started (GCS server, raylet, monitors): followed with their
                # descendants (agents, task workers) from now on — even if init failed half-way.
                _watchdog.watch(children(os.getpid()) - before - {_watchdog.pid})
    except (ConnectionError, ValueError, RuntimeError, TimeoutError) as exc:
        stop_ray()
        where = f"the Ray cluster at {address}" if address else "a local Ray instance"
        raise DepthsepError(f"cannot start or reach {where}: {exc}") from None
    return True


def stop_ray() -> None:
    """Shut down Ray in this process; a private instance's processes still alive are killed."""
    global _watchdog
    ray = import_ray()
    try:
        ray.shutdown()
    finally:
        if _watchdog is not None:
            _watchdog.close()
            _watchdog = None


def _ray_device(ray, device) -> torch.device:
    """The device the tasks train on: given, or CUDA when the cluster has GPUs, else CPU."""
    if device is not None:
        from .engine import resolve_device
        return resolve_device(device)
    return torch.device("cuda" if ray.cluster_resources().get("GPU", 0) > 0 else "cpu")


def train_ray(specs: Iterable[ModelSpec], address: str | None = None, device=None,
              progress: Callable[[int, int], None] | None = None,
              on_result: Callable[[RunResult], None] | None = None,
              max_retries: int = MAX_RETRIES, num_cpus: int | None = None) -> list[RunResult]:
    """Train the specs as Ray tasks, one group each; ``on_result`` runs here as each task lands."""
    ray = import_ray()
    specs = list(specs)
    for spec in specs:
        if not isinstance(spec, ModelSpec):
            raise DepthsepError(f"train takes ModelSpec values, got {type(spec).__name__}")
    results: list[RunResult | None] = [None] * len(specs)
    if not specs:
        return []
    started = start_ray(address, num_cpus)
    pending: dict = {}
    try:
        device = _ray_device(ray, device)
        groups = plan_groups(specs, device)
        need = {"num_gpus": 1, "num_cpus": 1} if device.type == "cuda" else {"num_cpus": 1}
        task = ray.remote(max_retries=max_retries, **need)(_ray_train_group)
        # Longest first, as the local engine does, so the tail of the sweep is short.
        for group in sorted(groups, key=lambda g: -g.cost()):
            pending[task.remote(group, str(device))] = group
        total, done = sum(group.cost() for group in groups), 0.0
        while pending:
            ready, _ = ray.wait(list(pending), num_returns=1, timeout=1.0)
            for ref in ready:
                group = pending.pop(ref)
                try:
                    landed = ray.get(ref)
                except ray.exceptions.RayError as exc:
                    raise RuntimeError(f"a Ray training task failed ({_first_line(exc)}); finished "
                                       "models are kept, run the same command again to resume") from exc
                for index, result in landed:
                    results[index] = result
                    if on_result is not None:
                        on_result(result)
                done += group.cost()
                if progress is not None:
                    progress(done, total)
    finally:
        if started:
            # Our private instance: shutting it down stops every task, and the watchdog kills what
            # is left. No ray.cancel here: force-cancelling a task whose reply is arriving aborts
            # the driver in Ray 2.60 ("Tried to complete task that was not pending"), which turned
            # about one Ctrl-C in five into exit status 1 with a C++ stack trace.
            stop_ray()
        else:
            for ref in pending:              # interrupted or failed: stop what is still running there
                try:
                    ray.cancel(ref, force=True)
                except Exception:            # noqa: BLE001 — best effort on the way out
                    pass
    return results  # type: ignore[return-value]


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return text[0] if text else type(exc).__name__


__all__ = ["MAX_RETRIES", "RAY_INSTALL_HINT", "check_backend", "import_ray", "ray_available",
           "start_ray", "stop_ray", "train", "train_ray"]
