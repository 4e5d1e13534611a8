"""Training batches and test sets, reproducible from names and seeds alone.

Training data is a stream per (target, domain, batch size, seed): fresh points every step, cut into
chunks of ``chunk_steps`` steps, chunk k drawn from its own generator seeded by
``stable_seed("data", target, domain, batch, seed, k)``. So step t of a seed is the same batch for
every model that uses that seed — whichever architecture, batch-mates, process or chunk it was asked
for first (common random numbers across the architectures of a grid) — and chunks can be made in
any order. A bounded cache keeps recent chunks: every group of a grid reads the same few streams
(per device type; a CPU's, while it trains, gets a share of the memory available: :func:`cpu_cache_share`).

The test set of a target is fixed by (target name, domain) only: blocks of ``TEST_BLOCK`` points,
block i from ``stable_seed("test", target, domain, i)``, so every model of a target is scored on the
same points, and a larger test set extends a smaller one. Labels are float64.

A target with a ``draw(generator, count) -> (count, n)`` method supplies its own inputs (radial
targets: uniform in a ball) and the spec's cube ``domain`` only enters the seeds.

Streams are made on the device that trains: on a GPU by CUDA's generator, so a GPU's stream for a
seed is not the CPU's (nor are its kernels) — a result is reproducible per device type. Making
them there matters: a full Figure 2 draws ~10¹⁰ numbers, minutes of one CPU core.
"""

from __future__ import annotations

import os
from collections import OrderedDict
from contextlib import contextmanager
from functools import lru_cache
from typing import Iterator

import torch
from torch import Tensor

from .spec import ModelSpec, stable_seed
from .targets import Target, make_target

TEST_BLOCK = 8192                 # test points per block; also the evaluation chunk
_CHUNK_ELEMENTS = 1 << 19         # aim for ≈ 2 MB of inputs per stream chunk
_CACHE_BYTES = 512 << 20          # per process and device; the least a CPU's gets (see cpu_cache_share)


def chunk_steps(batch_size: int, n: int) -> int:
    """Steps per stream chunk: a power of two in [1, 64], fixed by the batch shape alone."""
    steps = 1
    while steps < 64 and 2 * steps * batch_size * n <= _CHUNK_ELEMENTS:
        steps *= 2
    return steps


def _draw(generator: torch.Generator, shape, domain) -> Tensor:
    a, b = domain
    return torch.rand(shape, generator=generator, device=generator.device).mul_(b - a).add_(a)


class _ChunkCache:
    """LRU by bytes. Keys are full stream coordinates, so sharing can never mix streams."""

    def __init__(self, capacity: int):
        self.capacity, self.size, self.items = capacity, 0, OrderedDict()

    def get(self, key, make):
        if key in self.items:
            self.items.move_to_end(key)
            return self.items[key]
        value = make()
        self.items[key] = value
        self.size += _nbytes(value)
        self.trim()
        return value

    def trim(self) -> None:
        """Evict the least recently used chunks until within capacity (the newest always stays)."""
        while self.size > self.capacity and len(self.items) > 1:
            _, old = self.items.popitem(last=False)
            self.size -= _nbytes(old)


def _nbytes(chunk: tuple[Tensor, ...]) -> int:
    return sum(t.numel() * t.element_size() for t in chunk)


# One cache per device type: a GPU's holds device memory, which its groups' memory model budgets
# (grouping.GPU_RESERVE_BYTES), so only the CPU's grows with the machine.
_caches: dict[str, _ChunkCache] = {}


def _cache_for(device: torch.device) -> _ChunkCache:
    if device.type not in _caches:
        _caches[device.type] = _ChunkCache(_CACHE_BYTES)
    return _caches[device.type]


def available_memory() -> int | None:
    """Bytes of memory available to new allocations now (Linux's MemAvailable), or None if unknown."""
    try:
        with open("/proc/meminfo") as fh:
            for line in fh:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        pass
    try:
        return os.sysconf("SC_AVPHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
    except (ValueError, OSError, AttributeError):
        return None


def _cpu_share(processes: int) -> int:
    """A quarter of the memory available now, split among ``processes`` (0 if unknown)."""
    memory = available_memory()
    return 0 if memory is None else memory // (4 * max(1, processes))


@contextmanager
def cpu_cache_share(processes: int) -> Iterator[int]:
    """While open, this process's CPU stream cache holds up to its share of a quarter of the memory
    available now, shared by ``processes`` training processes (never under ``_CACHE_BYTES``);
    yields the bytes. On exit the cache is trimmed back, so a long-lived caller keeps no more.

    Why: every group of a grid re-reads its seeds' streams from the start, and a cache smaller than
    them is no use under LRU (each chunk is evicted before its turn comes round again), so every
    group made its data anew: in Figure 2's quick grid (4 streams of 0.56 GB) that was 81 s of CPU
    out of 400. The size changes only speed, never a number: chunks are the same made or cached.
    """
    cache = _cache_for(torch.device("cpu"))
    before = cache.capacity
    try:
        yield grow_cpu_cache(processes)
    finally:
        cache.capacity = before
        cache.trim()


def grow_cpu_cache(processes: int) -> int:
    """For a process that only trains (a Ray worker, task after task): raise its CPU stream cache
    to its share, as :func:`cpu_cache_share` does, for the rest of its life; returns the bytes."""
    cache = _cache_for(torch.device("cpu"))
    cache.capacity = max(cache.capacity, _cpu_share(processes))
    return cache.capacity


def stream_chunk(target: Target, domain, batch_size: int, seed: int, index: int,
                 device: torch.device | str = "cpu") -> tuple[Tensor, Tensor]:
    """Chunk ``index`` of a stream: x (T, n, B) float32 — feature-major, as the engine reads it —
    and y = target(x) (T, B) float32, made on ``device``'s type of generator."""
    device = torch.device(device)
    key = (target.name, tuple(domain), batch_size, seed, index)

    def make():
        generator = torch.Generator(device=device).manual_seed(stable_seed("data", *key))
        steps = chunk_steps(batch_size, target.n)
        if hasattr(target, "draw"):  # targets with their own input distribution (radial: the ball)
            x = target.draw(generator, steps * batch_size).reshape(steps, batch_size, target.n).transpose(1, 2).contiguous()
        else:
            x = _draw(generator, (steps, target.n, batch_size), domain)
        return x, target(x.transpose(1, 2))

    return _cache_for(device).get((*key, str(device)), make)


def batches(spec: ModelSpec) -> Iterator[tuple[Tensor, Tensor]]:
    """The ``spec.steps`` training batches (x (B, n), y (B,)) of a spec, in order."""
    target, per_chunk = spec.target_fn, chunk_steps(spec.batch_size, spec.n)
    for step in range(spec.steps):
        x, y = stream_chunk(target, spec.domain, spec.batch_size, spec.seed, step // per_chunk)
        yield x[step % per_chunk].T.contiguous(), y[step % per_chunk]


@lru_cache(maxsize=128)
def _test_block(target_name: str, domain: tuple[float, float], index: int) -> tuple[Tensor, Tensor]:
    target = make_target(target_name)
    generator = torch.Generator().manual_seed(stable_seed("test", target_name, domain, index))
    x = target.draw(generator, TEST_BLOCK) if hasattr(target, "draw") else _draw(generator, (TEST_BLOCK, target.n), domain)
    return x, target(x.double())


def evaluation_set(target: Target, domain, size: int) -> Iterator[tuple[Tensor, Tensor]]:
    """The first ``size`` test points of (target, domain), as blocks (x (m, n) float32, y (m,) float64)."""
    for start in range(0, size, TEST_BLOCK):
        x, y = _test_block(target.name, tuple(domain), start // TEST_BLOCK)
        m = min(TEST_BLOCK, size - start)
        yield x[:m], y[:m]
