"""Sweeps: resumable, never doubled, survive SIGKILL."""

import signal
import sys
import textwrap

import pytest

from depthsep.errors import DepthsepError
from depthsep.train.store import ResultStore
from killing import kill_after_rows
from depthsep.train.sweep import sweep

TINY = dict(steps=20, batch_size=16, test_size=200, progress=False)


def rows_of(path):
    with ResultStore(path, readonly=True) as store:
        return store.rows()


def test_a_second_sweep_trains_nothing(tmp_path):
    store = tmp_path / "runs.db"
    args = ("product:4", [1, 2], [4, 8], ["tanh"], [0, 1], store)
    first = sweep(*args, **TINY, workers=1)
    assert first["total"] == 8 and first["trained"] == 8 and first["skipped"] == 0
    rows = rows_of(store)
    again = sweep(*args, **TINY, workers=1)
    assert again["trained"] == 0 and again["skipped"] == 8 and again["store"] == str(store)
    # Growing the grid trains only the new cells.
    more = sweep("product:4", [1, 2, 3], [4, 8], ["tanh"], [0, 1], store, **TINY, workers=1)
    assert (more["trained"], more["skipped"]) == (4, 8)
    assert rows_of(store)[:8] == rows


def test_diverged_runs_are_stored_as_diverged(tmp_path):
    store = tmp_path / "runs.db"
    summary = sweep("product:4", [2], [8], ["tanh"], [0, 1], store, optimizer="sgd", lr=1e6,
                    loss="l2", **TINY, workers=1)
    assert summary["diverged"] == 2
    rows = rows_of(store)
    assert [r["status"] for r in rows] == ["diverged", "diverged"]
    assert all(r["test_mae"] is None for r in rows)
    assert sweep("product:4", [2], [8], ["tanh"], [0, 1], store, optimizer="sgd", lr=1e6,
                 loss="l2", **TINY)["trained"] == 0            # diverged is finished work too


@pytest.mark.parametrize("empty", ["layers", "widths", "activations", "seeds"])
def test_an_empty_grid_is_an_error(tmp_path, empty):
    axes = {**dict(layers=[1], widths=[4], activations=["tanh"], seeds=[0]), empty: []}
    with pytest.raises(DepthsepError, match="empty"):
        sweep("product:4", store_path=tmp_path / "runs.db", **axes, **TINY)
    assert not (tmp_path / "runs.db").exists()


def test_bad_store_fails_before_training(tmp_path):
    path = tmp_path / "runs.db"
    path.write_bytes(b"not a database at all" * 10)
    with pytest.raises(DepthsepError):
        sweep("product:4", [1], [4], ["tanh"], [0], path, **TINY)
    assert path.read_bytes() == b"not a database at all" * 10
    with pytest.raises(DepthsepError):
        sweep("product:4", [1], [4], ["tanh"], [0], tmp_path / "no" / "runs.db", **TINY)


def test_a_killed_sweep_resumes_without_doubles(tmp_path):
    store = tmp_path / "runs.db"
    # Many small groups (one per layers × width bucket) so rows land one group at a time.
    grid = dict(target="product:4", layers=[1, 2, 3, 4, 5, 6], widths=[4, 12, 20, 28],
                activations=["tanh"], seeds=[0, 1], steps=400, batch_size=32, test_size=200)
    total = 6 * 4 * 2
    code = textwrap.dedent(f"""
        from depthsep.train.sweep import sweep
        sweep(store_path={str(store)!r}, progress=False, workers=1, **{grid!r})
    """)
    status = kill_after_rows(code, store, rows=2, timeout=60)
    assert status == -signal.SIGKILL, "the sweep finished before it could be killed"
    before = rows_of(store)
    assert 2 <= len(before) < total
    summary = sweep(**grid, store_path=store, progress=False)
    assert summary["skipped"] == len(before) and summary["trained"] == total - len(before)
    after = rows_of(store)
    assert len(after) == total
    keys = [(r["layers"], r["width"], r["seed"]) for r in after]
    assert len(set(keys)) == total
    assert after[:len(before)] == before                 # earlier rows unchanged
