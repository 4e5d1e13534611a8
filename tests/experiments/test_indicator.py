"""The unit-ball indicator (Safran & Shamir 2017, Sec. 5): its target, and the experiment — stored,
resumable, analysed from its store alone."""

import math
import signal
import textwrap

import pytest
import torch

from depthsep.errors import DepthsepError
from depthsep.experiments.indicator import indicator, parameter_count
from depthsep.train import make_target
from depthsep.train.config import RunOptions
from depthsep.train.store import ResultStore
from killing import kill_after_rows

QUIET = RunOptions(workers=1, progress=False)
TINY = dict(dims=(3,), widths=(4, 8), steps=30, test_size=1024, run=QUIET)


def rows_of(path):
    with ResultStore(path, readonly=True) as store:
        return store.rows()


# -- the target ---------------------------------------------------------------------------------

def test_labels_are_exactly_the_indicator():
    target = make_target("ball:7")
    x = target.draw(torch.Generator().manual_seed(0), 20_000)
    assert x.dtype == torch.float32 and x.shape == (20_000, 7)
    inside = (x.double().norm(dim=1) <= 1.0).double()
    for y in (target(x.double()), target(x).double()):
        assert set(y.unique().tolist()) == {0.0, 1.0}
        assert torch.equal(y, inside)
    # on the sphere exactly (all coordinates and squares representable) counts as inside
    edge = torch.tensor([[1.0, 0, 0, 0, 0, 0, 0], [0, 0.5, 0.5, 0.5, 0.5, 0, 0], [0, 0, 0, 0, 0, 0, 1 + 2**-23]])
    assert target(edge).tolist() == target(edge.double()).tolist() == [1.0, 1.0, 0.0]


@pytest.mark.parametrize("text,radius", [("ball:50", 2.0), ("ball:4:3", 3.0)])
def test_draw_follows_the_papers_distribution(text, radius):
    """Direction uniform, |x| ~ U[0, R]: P(|x| ≤ 1) = 1/R in every dimension, E|x| = R/2."""
    target = make_target(text)
    x = target.draw(torch.Generator().manual_seed(1), 40_000).double()
    r = x.norm(dim=1)
    assert float(r.max()) <= radius * (1 + 1e-6)
    assert abs(float((r <= 1).double().mean()) - 1 / radius) < 0.01   # 4 standard errors
    assert abs(float((r <= radius / 4).double().mean()) - 0.25) < 0.01
    assert abs(float(r.mean()) - radius / 2) < 0.02 * radius
    u = x / r[:, None]
    assert float(u.mean(dim=0).abs().max()) < 0.03                      # no preferred direction


def test_same_seed_same_points():
    target = make_target("ball:5")
    a = target.draw(torch.Generator().manual_seed(3), 100)
    b = target.draw(torch.Generator().manual_seed(3), 100)
    c = target.draw(torch.Generator().manual_seed(4), 100)
    assert torch.equal(a, b) and not torch.equal(a, c)


@pytest.mark.parametrize("text,name", [("ball:10", "ball:10"), ("ball: 10 ", "ball:10"), ("ball:10:2", "ball:10"),
                                       ("ball:10:2.5", "ball:10:2.5"), ("ball:10:2.123456789", "ball:10:2.123456789")])
def test_canonical_name_round_trips(text, name):
    target = make_target(text)
    assert target.name == name
    again = make_target(target.name)
    assert again.name == name and again.radius == target.radius and again.n == target.n == 10


@pytest.mark.parametrize("bad", ["ball:", "ball:0", "ball:x", "ball:-3", "ball:2.5", "ball:3:1", "ball:3:0.5",
                                 "ball:3:nan", "ball:3:inf", "ball:3:y", "ball:3:2:1"])
def test_bad_ball_targets_are_refused(bad):
    with pytest.raises(DepthsepError) as info:
        make_target(bad)
    assert "\n" not in str(info.value)


def test_parameter_count():
    # the paper's comparison: 2-layer width 800 ≈ 81 K parameters at d = 100
    assert parameter_count(100, 1, 800) == 800 * 101 + 801
    assert parameter_count(100, 2, 100) == 100 * 101 + 100 * 101 + 101


# -- the experiment -----------------------------------------------------------------------------

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
