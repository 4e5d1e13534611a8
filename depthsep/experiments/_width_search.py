"""The smallest width that succeeds, found with few probes on a geometric grid — as a pure function
of the probes already made, so a search can be replayed from a results store at any point.

    >>> grid = width_grid(256)
    >>> grid[:8], grid[-1]
    ([2, 3, 4, 6, 8, 12, 16, 24], 256)
    >>> succeeds = lambda w: w >= 20                      # a made-up cell whose minimum is 24
    >>> search(grid, {w: succeeds(w) for w in (2, 4, 8, 16, 32)}).next
    24
    >>> state = search(grid, {w: succeeds(w) for w in (2, 4, 8, 16, 32, 24)})
    >>> state.status, state.min_width, state.below, state.probes
    ('found', 24, 16, (2, 4, 8, 16, 32, 24))

**The grid** runs 2, 3, 4, 6, 8, 12, 16, 24, … — powers of two and their midpoints 1.5·2^j, so
neighbours are about √2 apart (alternately ×1.5 and ×4/3) and every width is a round number that
the CPU engine's width buckets (multiples of 8 up to 64, of 16 up to 128, …) pad little. A cap that
is not on the grid is appended as its last point, so "above the cap" always means the cap itself
was probed and failed.

**The search**, on grid indices:

1. *gallop* — probe the smallest width, then double it (two grid steps) until a probe succeeds or
   the cap fails: a width W* is bracketed between a failure and a success at most 2× apart after
   about log2(W*) probes. Doubling, not a growing stride: training cost grows like W² for two or
   more hidden layers, and the probes of a doubling walk cost together about 4/3 of the last one,
   while a stride that doubles in index would overshoot W* by up to 4× (16× its cost);
2. *bisect* — between the largest failure and the smallest success until they are neighbours
   (on a √2 grid, one probe after a doubling walk): the smallest success is the minimum;
3. *confirm* — probe the grid point just above the minimum if nothing has yet (it is not probed
   when the gallop's success is the minimum itself). Gallop and bisection only ever probe between
   the largest failure and the smallest success, so by construction they can never see success
   go back to failure; the confirming probe is the one place where the search looks for it.

Success is assumed monotone in the width (wider nets can express more, but they are *trained*, and
a seed can fail where a narrower one succeeded). Any probed width that fails above a success makes
``monotone`` False; the minimum reported is then still the smallest width that succeeded.

The search reads only ``outcome`` (width → succeeded), so replaying it on the probes a store holds
asks for exactly the probe an uninterrupted search would make next.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Mapping

from ..checks import positive_int
from ..errors import DepthsepError

SMALLEST_WIDTH = 2     # the grid's first point: product:2 needs a few neurons, no fewer than 2
STATUSES = ("searching", "found", "above_cap")


def width_grid(max_width, smallest: int = SMALLEST_WIDTH) -> list[int]:
    """The widths ``smallest`` ≤ W ≤ ``max_width`` of the 2^j, 1.5·2^j grid, ``max_width`` last.

    ``smallest`` is rounded down to the grid. A cap below it is a one-line error (there would be
    nothing to probe).
    """
    cap = positive_int(max_width, "max width")
    if cap < smallest:
        raise DepthsepError(f"max width {cap} is below the smallest width probed ({smallest})")
    grid, power = [], 1
    while power <= cap:
        for width in (power, power * 3 // 2):
            if smallest <= width <= cap and width not in grid and (width != 1 or power == 1):
                grid.append(width)
        power *= 2
    grid = sorted(set(grid))
    if grid[-1] != cap:
        grid.append(cap)
    return grid


@dataclass(frozen=True)
class SearchState:
    """Where a search stands.

    ``status``: ``searching`` (``next`` is the width to probe), ``found`` (``min_width`` is the
    smallest width that succeeded, ``below`` the largest width that failed under it, None if it is
    the grid's first) or ``above_cap`` (every probe failed, the cap included; ``below`` is the cap).
    ``probes``: the widths the search has visited, in the order it visited them; ``monotone``:
    False when a probed width failed above one that succeeded.
    """

    status: str
    next: int | None
    min_width: int | None
    below: int | None
    probes: tuple[int, ...]
    monotone: bool

    @property
    def finished(self) -> bool:
        return self.status != "searching"


def search(grid: list[int], outcome: Mapping[int, bool], start: int = 0, confirm: bool = True) -> SearchState:
    """Replay the gallop–bisect–confirm search on ``grid`` (ascending widths) from ``outcome``, the
    probes made so far (width → success); returns the state after the last probe it knows.

    ``start``: the grid index the gallop begins at. Probes in ``outcome`` that the search would not
    make are ignored (they may come from another search of the same cell).
    """
    if not grid or list(grid) != sorted(set(grid)):
        raise DepthsepError("the width grid must be a non-empty list of distinct ascending widths")
    last = len(grid) - 1
    if not 0 <= start <= last:
        raise DepthsepError(f"search start {start} is outside the width grid (0…{last})")
    visited: list[int] = []

    def ask(index: int) -> bool | None:
        width = grid[index]
        if width not in outcome:
            return None
        if width not in visited:
            visited.append(width)
        return bool(outcome[width])

    def state(status, next_index=None, hi=None, lo=None) -> SearchState:
        seen = {w: bool(outcome[w]) for w in visited}
        successes = [w for w, ok in seen.items() if ok]
        monotone = not any(not ok and w > min(successes) for w, ok in seen.items()) if successes else True
        return SearchState(status, None if next_index is None else grid[next_index],
                           None if hi is None else grid[hi], None if lo is None or lo < 0 else grid[lo],
                           tuple(visited), monotone)

    # 1. gallop: double the width (two grid steps) until a success, or the cap fails
    lo, index = start - 1, start
    while True:
        result = ask(index)
        if result is None:
            return state("searching", index, lo=lo)
        if result:
            hi = index
            break
        lo = index
        if index == last:
            return state("above_cap", lo=lo)
        index = min(index + 2, last)
    # 2. bisect between the largest failure and the smallest success
    while hi - lo > 1:
        mid = (lo + hi) // 2
        result = ask(mid)
        if result is None:
            return state("searching", mid, hi=hi, lo=lo)
        if result:
            hi = mid
        else:
            lo = mid
    # 3. confirm: the grid point above the minimum, once
    if confirm and hi < last and ask(hi + 1) is None:
        return state("searching", hi + 1, hi=hi, lo=lo)
    return state("found", hi=hi, lo=lo)


__all__ = ["SMALLEST_WIDTH", "STATUSES", "SearchState", "search", "width_grid"]
