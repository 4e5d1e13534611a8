"""Sweeps: resumable, never doubled, survive SIGKILL, safe to start twice at once; the old keywords
still mean the same."""

import signal
import sqlite3
import subprocess
import sys
import textwrap
import time
from statistics import fmean

import pytest

from depthsep.errors import DepthsepError
from depthsep.train.config import RunOptions, TrainingConfig
from depthsep.train.store import KEY_COLUMNS, ResultStore
from killing import kill_after_rows
from depthsep.train.sweep import grid_specs, run_specs, sweep

TINY = TrainingConfig(steps=20, batch_size=16, test_size=200)
QUIET = RunOptions(progress=False, workers=1)


def rows_of(path):
    with ResultStore(path, readonly=True) as store:
        return store.rows()


def test_a_second_sweep_trains_nothing(tmp_path):
    store = tmp_path / "runs.db"
    args = ("product:4", [1, 2], [4, 8], ["tanh"], [0, 1], store, TINY, QUIET)
    first = sweep(*args)
    assert first["total"] == 8 and first["trained"] == 8 and first["skipped"] == 0
    rows = rows_of(store)
    again = sweep(*args)
    assert again["trained"] == 0 and again["skipped"] == 8 and again["store"] == str(store)
    assert again["best"] == first["best"] and again["worst"] == first["worst"]   # read from the store
    # Growing the grid trains only the new cells.
    more = sweep("product:4", [1, 2, 3], [4, 8], ["tanh"], [0, 1], store, TINY, QUIET)
    assert (more["trained"], more["skipped"]) == (4, 8)
    assert rows_of(store)[:8] == rows


def test_the_summary_names_the_best_and_the_worst_cell_of_this_grid(tmp_path):
    store = tmp_path / "runs.db"
    # Another grid in the same store (another target) must not enter this grid's summary.
    sweep("product:3", [1], [4], ["tanh"], [0], store, TINY, QUIET)
    summary = sweep("product:4", [1, 2], [4, 8], ["tanh", "relu"], [0, 1], store, TINY, QUIET)
    cells = {}
    for row in rows_of(store):
        if row["target"] == "product:4":
            cells.setdefault((row["layers"], row["width"], row["activation"]), []).append(row["test_mae"])
    means = {cell: fmean(maes) for cell, maes in cells.items()}
    best, worst = min(means, key=means.get), max(means, key=means.get)
    assert summary["best"] == {"layers": best[0], "width": best[1], "activation": best[2],
                               "test_mae": pytest.approx(means[best]), "seeds": 2}
    assert summary["worst"] == {"layers": worst[0], "width": worst[1], "activation": worst[2],
                                "test_mae": pytest.approx(means[worst]), "seeds": 2}
    assert summary["best"]["test_mae"] < summary["worst"]["test_mae"]
    # A run over several targets says which one a cell belongs to.
    both = run_specs(grid_specs("product:3", [1], [4], ["tanh"], [0], TINY)
                     + grid_specs("product:4", [1], [4], ["tanh"], [0], TINY), store, QUIET)
    assert {both["best"]["target"], both["worst"]["target"]} == {"product:3", "product:4"}


def test_diverged_runs_are_stored_as_diverged(tmp_path):
    store = tmp_path / "runs.db"
    wild = TINY.with_(optimizer="sgd", lr=1e6, loss="l2")
    summary = sweep("product:4", [2], [8], ["tanh"], [0, 1], store, wild, QUIET)
    assert summary["diverged"] == 2 and summary["best"] is None and summary["worst"] is None
    rows = rows_of(store)
    assert [r["status"] for r in rows] == ["diverged", "diverged"]
    assert all(r["test_mae"] is None for r in rows)
    assert sweep("product:4", [2], [8], ["tanh"], [0, 1], store, wild, QUIET)["trained"] == 0  # finished work too


@pytest.mark.parametrize("empty", ["layers", "widths", "activations", "seeds"])
def test_an_empty_grid_is_an_error(tmp_path, empty):
    axes = {**dict(layers=[1], widths=[4], activations=["tanh"], seeds=[0]), empty: []}
    with pytest.raises(DepthsepError, match=f"{empty} needs at least one value"):
        sweep("product:4", store_path=tmp_path / "runs.db", **axes, config=TINY, run=QUIET)
    assert not (tmp_path / "runs.db").exists()


@pytest.mark.parametrize("bad", [dict(seeds=[-1]), dict(layers="0"), dict(widths=[2.5])])
def test_bad_axes_are_refused_before_the_store_is_touched(tmp_path, bad):
    axes = {**dict(layers=[1], widths=[4], activations=["tanh"], seeds=[0]), **bad}
    with pytest.raises(DepthsepError) as info:
        sweep("product:4", store_path=tmp_path / "runs.db", **axes, config=TINY, run=QUIET)
    assert "\n" not in str(info.value)
    assert not (tmp_path / "runs.db").exists()


def test_bad_store_fails_before_training(tmp_path):
    path = tmp_path / "runs.db"
    path.write_bytes(b"not a database at all" * 10)
    with pytest.raises(DepthsepError):
        sweep("product:4", [1], [4], ["tanh"], [0], path, TINY, QUIET)
    assert path.read_bytes() == b"not a database at all" * 10
    with pytest.raises(DepthsepError):
        sweep("product:4", [1], [4], ["tanh"], [0], tmp_path / "no" / "runs.db", TINY, QUIET)


def test_the_old_keywords_still_work_and_mean_the_same(tmp_path):
    new = sweep("product:4", [1], [4], ["tanh"], [0], tmp_path / "a.db", TINY, QUIET)
    old = sweep("product:4", [1], [4], ["tanh"], [0], tmp_path / "a.db", steps=20, batch_size=16,
                test_size=200, progress=False, workers=1)
    assert old["skipped"] == 1 and old["trained"] == 0 and old["best"] == new["best"]
    assert grid_specs("product:4", [1], [4], ["tanh"], [0], steps=20, batch_size=16, test_size=200) == \
        grid_specs("product:4", [1], [4], ["tanh"], [0], TINY)
    with pytest.raises(TypeError, match="epochs"):
        sweep("product:4", [1], [4], ["tanh"], [0], tmp_path / "a.db", epochs=3)


# -- faults ----------------------------------------------------------------------------------------

def test_a_killed_sweep_resumes_without_doubles(tmp_path):
    store = tmp_path / "runs.db"
    # Many small groups (one per layers × width bucket) so rows land one group at a time.
    grid = dict(target="product:4", layers=[1, 2, 3, 4, 5, 6], widths=[4, 12, 20, 28],
                activations=["tanh"], seeds=[0, 1])
    config = TrainingConfig(steps=400, batch_size=32, test_size=200)
    total = 6 * 4 * 2
    code = textwrap.dedent(f"""
        from depthsep.train.config import RunOptions, TrainingConfig
        from depthsep.train.sweep import sweep
        sweep(store_path={str(store)!r}, config=TrainingConfig(steps=400, batch_size=32, test_size=200),
              run=RunOptions(progress=False, workers=1), **{grid!r})
    """)
    status = kill_after_rows(code, store, rows=2, timeout=60)
    assert status == -signal.SIGKILL, "the sweep finished before it could be killed"
    before = rows_of(store)
    assert 2 <= len(before) < total
    summary = sweep(**grid, store_path=store, config=config, run=RunOptions(progress=False))
    assert summary["skipped"] == len(before) and summary["trained"] == total - len(before)
    after = rows_of(store)
    assert len(after) == total
    keys = [(r["layers"], r["width"], r["seed"]) for r in after]
    assert len(set(keys)) == total
    assert after[:len(before)] == before                 # earlier rows unchanged


def test_sweeps_started_together_on_a_new_store_both_finish_without_doubles(tmp_path):
    # Each process sleeps until the same instant, after its imports: both then create the store.
    rounds, racers = 3, 2
    start = time.time() + 8
    code = textwrap.dedent("""
        import sys, time
        from depthsep.train.config import RunOptions, TrainingConfig
        from depthsep.train.sweep import sweep
        time.sleep(max(0.0, {start} - time.time()))
        sweep("product:4", [1, 2], [4], ["tanh"], [0, 1], sys.argv[1],
              TrainingConfig(steps=20, batch_size=16, test_size=200), RunOptions(progress=False, workers=1))
    """)
    stores = [tmp_path / f"runs{i}.db" for i in range(rounds)]
    procs = [subprocess.Popen([sys.executable, "-c", code.format(start=start), str(path)],
                              stderr=subprocess.PIPE, text=True)
             for path in stores for _ in range(racers)]
    outcomes = [(proc.wait(timeout=120), proc.stderr.read()) for proc in procs]
    assert all(code == 0 for code, _ in outcomes), [err[-500:] for code, err in outcomes if code]
    for path in stores:
        rows = rows_of(path)
        assert len(rows) == 4 and len({(r["layers"], r["seed"]) for r in rows}) == 4
        # The rows are keyed: a UNIQUE index over exactly the key columns.
        con = sqlite3.connect(path)
        unique = [{c for (_, _, c) in con.execute(f"PRAGMA index_info('{name}')")}
                  for (_, name, is_unique, *_) in con.execute("PRAGMA index_list(runs)") if is_unique]
        con.close()
        assert set(KEY_COLUMNS) in unique
