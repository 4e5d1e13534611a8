"""The atlas's width search: the grid, the minimum with few probes, replay, non-monotone success."""

import math

import pytest

from depthsep.errors import DepthsepError
from depthsep.experiments._width_search import search, width_grid


def run_search(grid, succeeds, **kwargs):
    """Drive the search to its end against a success function; return the state and the probes asked."""
    outcome, asked = {}, []
    while True:
        state = search(grid, outcome, **kwargs)
        if state.finished:
            return state, asked
        assert state.next not in outcome, "the search asked for a probe it already has"
        asked.append(state.next)
        outcome[state.next] = succeeds(state.next)


def test_grid_is_about_sqrt2_apart_and_ends_at_the_cap():
    grid = width_grid(8192)
    assert grid[:6] == [2, 3, 4, 6, 8, 12] and grid[-1] == 8192
    ratios = [b / a for a, b in zip(grid, grid[1:])]
    assert all(4 / 3 - 1e-9 <= r <= 1.5 + 1e-9 for r in ratios)
    assert math.prod(ratios) ** (1 / len(ratios)) == pytest.approx(math.sqrt(2), rel=0.01)
    assert width_grid(100)[-2:] == [96, 100]          # a cap off the grid is probed itself
    assert width_grid(2) == [2]
    with pytest.raises(DepthsepError, match="below the smallest width"):
        width_grid(1)


@pytest.mark.parametrize("needed", [1, 2, 3, 5, 7, 20, 33, 100, 128, 129, 1000, 5000, 8192])
def test_monotone_success_gives_the_minimum_with_few_probes(needed):
    grid = width_grid(8192)
    state, asked = run_search(grid, lambda w: w >= needed)
    assert state.status == "found" and state.monotone
    assert state.min_width == min(w for w in grid if w >= needed)
    below = [w for w in grid if w < needed]
    assert state.below == (below[-1] if below else None)
    # a doubling walk, one bisection and one confirming probe: about half the grid at worst
    assert len(asked) <= len(grid) // 2 + 3 < len(grid)
    assert len(asked) <= 2 * math.log2(max(needed, 2)) + 4
    assert list(state.probes) == asked


def test_above_the_cap_probes_the_cap_itself():
    grid = width_grid(100)
    state, asked = run_search(grid, lambda w: False)
    assert state.status == "above_cap" and state.min_width is None and state.below == 100
    assert asked[-1] == 100 and asked == [2, 4, 8, 16, 32, 64, 100]


def test_non_monotone_success_is_flagged():
    grid = width_grid(256)
    # succeeds at 32 but not at 48 (the confirming probe above the minimum sees it)
    state, asked = run_search(grid, lambda w: w == 32 or w >= 64)
    assert state.status == "found" and state.min_width == 32 and not state.monotone
    assert 48 in asked
    # monotone twin: the same probes, no flag
    assert run_search(grid, lambda w: w >= 32)[0].monotone
    # the confirming probe can be switched off, and then nothing is seen
    quiet, _ = run_search(grid, lambda w: w == 32 or w >= 64, confirm=False)
    assert quiet.monotone and quiet.min_width == 32


def test_search_is_a_pure_function_of_the_probes_made():
    grid = width_grid(512)
    succeeds = lambda w: w >= 40  # noqa: E731
    full, asked = run_search(grid, succeeds)
    for i in range(len(asked)):          # replaying any prefix asks for exactly the next probe
        state = search(grid, {w: succeeds(w) for w in asked[:i]})
        assert state.next == asked[i] and list(state.probes) == asked[:i]
    # probes the search would not make (another search's) change nothing
    extra = {w: succeeds(w) for w in grid}
    replay = search(grid, extra)
    assert (replay.status, replay.min_width, replay.probes) == (full.status, full.min_width, full.probes)


def test_bad_grid_or_start():
    with pytest.raises(DepthsepError):
        search([], {})
    with pytest.raises(DepthsepError):
        search([4, 2], {})
    with pytest.raises(DepthsepError):
        search([2, 4], {}, start=5)
