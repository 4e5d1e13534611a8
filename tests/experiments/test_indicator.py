"""The unit-ball indicator experiment (Safran & Shamir 2017, Sec. 5): stored, resumable, analysed from
its store alone."""

import math
import signal
import textwrap

import pytest

from depthsep.errors import DepthsepError
from depthsep.experiments.indicator import indicator, parameter_count
from depthsep.train.config import RunOptions
from depthsep.train.store import ResultStore
from killing import kill_after_rows

QUIET = RunOptions(workers=1, progress=False)
TINY = dict(dims=(3,), widths=(4, 8), steps=30, test_size=1024, run=QUIET)


def rows_of(path):
    with ResultStore(path, readonly=True) as store:
        return store.rows()


# -- the experiment -----------------------------------------------------------------------------

def test_parameter_count():
    # the paper's comparison: 2-layer width 800 ≈ 81 K parameters at d = 100
    assert parameter_count(100, 1, 800) == 800 * 101 + 801
    assert parameter_count(100, 2, 100) == 100 * 101 + 100 * 101 + 101


def test_experiment_keys_and_figures(tmp_path):
    result = indicator(**TINY, seeds=(0, 1), store=tmp_path / "ind.db", out=tmp_path / "ball.png")
    for key in ("dims", "widths", "layers", "seeds", "steps", "batch_size", "lr", "optimizer", "loss", "radius",
                "distribution", "baseline_rmse", "error_measure", "rows", "summary", "train_s", "figures", "source",
                "preset", "test_size", "store", "trained", "skipped"):
        assert key in result
    assert result["baseline_rmse"] == 0.5 and result["batch_size"] == 100 and result["preset"] == "quick"
    assert (result["trained"], result["skipped"], result["store"]) == (8, 0, str(tmp_path / "ind.db"))
    assert len(result["rows"]) == 1 * 2 * 2  # d × depth × width
    for row in result["rows"]:
        assert {"dim", "layers", "depth", "width", "parameters", "rmse", "rmse_min", "rmse_max", "mae"} <= set(row)
        assert row["rmse_min"] <= row["rmse"] <= row["rmse_max"] and math.isfinite(row["rmse"])
        assert row["parameters"] == parameter_count(row["dim"], row["layers"], row["width"])
    assert [s["layers"] for s in result["summary"]] == [1, 2]
    assert result["figures"] == [str(tmp_path / "ball.png"), str(tmp_path / "ball.svg")]
    assert (tmp_path / "ball.png").stat().st_size > 0 and (tmp_path / "ball.svg").stat().st_size > 0


def test_a_finished_experiment_trains_nothing_and_redraws_from_its_store(tmp_path, monkeypatch):
    store = tmp_path / "ind.db"
    first = indicator(**TINY, seeds=(0, 1), store=store)
    stored = rows_of(store)
    assert first["trained"] == len(stored) == 8

    def no_training(*args, **kwargs):
        raise AssertionError("a finished experiment trained a model")

    monkeypatch.setattr("depthsep.train.sweep.train", no_training)
    again = indicator(**TINY, seeds=(0, 1), store=store, out=tmp_path / "again.svg")
    assert (again["trained"], again["skipped"]) == (0, 8)
    assert again["rows"] == first["rows"] and again["summary"] == first["summary"]
    assert (tmp_path / "again.svg").stat().st_size > 0 and (tmp_path / "again.png").stat().st_size > 0
    assert rows_of(store) == stored
    # the table is the store's: a row's numbers are the mean of its stored seeds
    row = again["rows"][0]
    mine = [r["test_rmse"] for r in stored if (r["target"], r["layers"], r["width"]) == ("ball:3", 1, 4)]
    assert len(mine) == 2 and row["rmse"] == pytest.approx(sum(mine) / 2, rel=1e-12)


def test_mean_is_the_mean_of_single_seeds_and_other_runs_in_the_store_stay_out(tmp_path):
    store = tmp_path / "ind.db"
    both = indicator(**TINY, seeds=(0, 1), store=store)
    # other steps in the same store: new models, kept apart from the first table
    longer = indicator(**(TINY | dict(steps=40)), seeds=(0, 1), store=store)
    assert longer["trained"] == 8 and longer["rows"] != both["rows"]
    one, two = (indicator(**TINY, seeds=(s,), store=store) for s in (0, 1))
    assert one["trained"] == two["trained"] == 0
    for rb, r0, r1 in zip(both["rows"], one["rows"], two["rows"]):
        assert rb["rmse"] == pytest.approx((r0["rmse"] + r1["rmse"]) / 2, rel=1e-12)
        assert (rb["rmse_min"], rb["rmse_max"]) == (min(r0["rmse"], r1["rmse"]), max(r0["rmse"], r1["rmse"]))
    fresh = indicator(**TINY, seeds=(0, 1), store=tmp_path / "fresh.db")
    assert fresh["rows"] == both["rows"]       # a seed gives the same numbers in any store


def test_a_killed_experiment_resumes_without_doubles(tmp_path):
    store = tmp_path / "ind.db"
    # Many small groups (one per d × layers × width bucket) so rows land one group at a time.
    grid = dict(dims=(2, 3), widths=(4, 12, 20), steps=400, batch_size=32, test_size=256, seeds=(0, 1))
    total = 2 * 2 * 3 * 2
    code = textwrap.dedent(f"""
        from depthsep.experiments.indicator import indicator
        from depthsep.train.config import RunOptions
        indicator(store={str(store)!r}, run=RunOptions(workers=1, progress=False), **{grid!r})
    """)
    status = kill_after_rows(code, store, rows=2, timeout=60)
    assert status == -signal.SIGKILL, "the experiment finished before it could be killed"
    before = rows_of(store)
    assert 2 <= len(before) < total
    result = indicator(**grid, store=store, run=QUIET)
    assert result["skipped"] == len(before) and result["trained"] == total - len(before)
    after = rows_of(store)
    assert len(after) == total
    assert len({(r["target"], r["layers"], r["width"], r["seed"]) for r in after}) == total
    assert after[:len(before)] == before                 # earlier rows unchanged
    assert all(row["rmse"] is not None for row in result["rows"])


@pytest.mark.parametrize("kwargs", [dict(dims=(0,)), dict(widths=()), dict(layers=(0,)), dict(seeds=()),
                                    dict(seeds=(-1,)), dict(radius=1.0), dict(radius="wide"), dict(preset="huge"),
                                    dict(widths=("x",)), dict(steps=0), dict(batch_size=1.5), dict(lr=-1e-3),
                                    dict(test_size=0)])
def test_experiment_bad_arguments(tmp_path, kwargs):
    with pytest.raises(DepthsepError) as info:
        indicator(**(TINY | kwargs), store=tmp_path / "ind.db")
    assert "\n" not in str(info.value)
    assert not (tmp_path / "ind.db").exists()        # refused before the store is touched


def test_bad_paths_are_refused_before_training(tmp_path):
    with pytest.raises(DepthsepError, match="does not exist"):
        indicator(**TINY, store=tmp_path / "ind.db", out=tmp_path / "missing" / "ball.png")
    with pytest.raises(DepthsepError):
        indicator(**TINY, store=tmp_path / "missing" / "ind.db")
    assert not (tmp_path / "ind.db").exists()
