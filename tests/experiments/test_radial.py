"""The radial experiment, in both input laws (ball, radius): stored, resumable after SIGKILL, redrawn
from its store alone."""

import math
import signal
import sqlite3
import textwrap

import pytest
import torch

from depthsep.errors import DepthsepError
from depthsep.experiments.radial import PRESET, law_std, plot_experiment, radial_experiment
from depthsep.train.config import RunOptions
from depthsep.train.store import ResultStore
from depthsep.train.targets import make_target
from killing import kill_after_rows

QUIET = RunOptions(workers=1, progress=False)


def _rows(store):
    with ResultStore(store, readonly=True) as opened:
        return opened.rows()


def test_experiment_radius_trains_and_plots(tmp_path):
    result = radial_experiment(phis=("cos(pi*t)", "sin(2*pi*D*t)"), dims=(2, 3), widths=(4, 8), steps=30,
                               seeds=(0, 1), distribution="radius", store=tmp_path / "radial.db",
                               out=tmp_path / "exp.png", run=QUIET, test_size=1024)
    assert result["distribution"] == "radius" and "U[0, 1]" in result["input_law"]
    assert len(result["rows"]) == 2 * 2 * 2
    assert result["trained"] == 2 * 2 * 2 * 2 * 2 and result["skipped"] == 0
    assert result["store"] == str(tmp_path / "radial.db") and len(_rows(tmp_path / "radial.db")) == result["trained"]
    for row in result["rows"]:
        assert row["target"].endswith(":radius")
        trained = make_target(row["target"])              # φ scaled to unit std under the input law
        x = trained.draw(torch.Generator().manual_seed(1), 20_000)
        assert float(trained(x.double()).std()) == pytest.approx(1.0, abs=0.03)
        assert all(e is not None and e > 0 for e in row["errors"].values())
        if row["phi"] == "cos(pi*t)":  # |x| ~ U[0, 1] in every d: std cos(πU) = 1/√2
            assert row["target_std"] == pytest.approx(math.sqrt(0.5), abs=0.01)
    assert (tmp_path / "exp.png").stat().st_size > 0 and (tmp_path / "exp.svg").stat().st_size > 0


def test_experiment_ball_uses_the_ball_law(tmp_path):
    result = radial_experiment(phis="cos(pi*t)", dims=(2,), widths=(4,), steps=10, distribution="ball",
                               store=tmp_path / "radial.db", run=QUIET, test_size=1024)
    # no law suffix: the ball; the factor is 1/std of cos(π|x|) in the unit disc, to 6 digits
    assert result["distribution"] == "ball" and result["rows"][0]["target"] == "radial:173243*cos(pi*t)/100000:2"
    stored = _rows(tmp_path / "radial.db")            # one model per depth, under the same self-describing name
    assert [(r["target"], r["layers"]) for r in stored] == [("radial:173243*cos(pi*t)/100000:2", 1),
                                                            ("radial:173243*cos(pi*t)/100000:2", 2)]


def test_experiment_seeds_average_the_single_seed_runs(tmp_path):
    """Each (seed, width) model is the same with or without batch-mates, so a two-seed run's
    per-width error is exactly the mean of the two one-seed runs."""
    kwargs = dict(phis=("cos(pi*t)",), dims=(2, 3), widths=(4, 8), steps=40, run=QUIET, test_size=1024)
    both = radial_experiment(seeds=(0, 1), store=tmp_path / "both.db", out=tmp_path / "exp.png", **kwargs)
    one = radial_experiment(seeds=(0,), store=tmp_path / "one.db", **kwargs)
    two = radial_experiment(seeds=1, store=tmp_path / "two.db", **kwargs)
    assert both["seeds"] == [0, 1] and one["seeds"] == [0] and (tmp_path / "exp.svg").exists()
    for rb, r0, r1 in zip(both["rows"], one["rows"], two["rows"], strict=True):
        assert (rb["dim"], rb["layers"]) == (r0["dim"], r0["layers"])
        for w, error in rb["errors"].items():
            assert error == pytest.approx((r0["errors"][w] + r1["errors"][w]) / 2, rel=1e-12)
            assert rb["errors_min"][w] == min(r0["errors"][w], r1["errors"][w])
            assert rb["errors_max"][w] == max(r0["errors"][w], r1["errors"][w])
        reached = [int(w) for w, e in rb["errors"].items() if e <= both["target_error"]]
        assert rb["smallest_width"] == (min(reached) if reached else None)


def test_finished_experiment_trains_nothing_and_redraws_from_the_store(tmp_path):
    store, out = tmp_path / "radial.db", tmp_path / "exp.svg"
    kwargs = dict(phis="cos(pi*t)", dims=(2,), widths=(4, 8), steps=20, seeds=(0, 1), store=store, run=QUIET,
                  test_size=512)
    first = radial_experiment(out=out, **kwargs)
    assert first["trained"] == 2 * 2 * 2 and first["skipped"] == 0
    out.unlink()
    (tmp_path / "exp.png").unlink()
    again = radial_experiment(out=out, **kwargs)
    assert again["trained"] == 0 and again["skipped"] == first["trained"]
    assert again["rows"] == first["rows"] and again["figures"] == first["figures"]
    assert out.stat().st_size > 0 and (tmp_path / "exp.png").stat().st_size > 0
    # The numbers are read back from the store: change one stored RMSE and the report follows it.
    seed0, seed1 = sorted((r for r in _rows(store) if r["layers"] == 1 and r["width"] == 8), key=lambda r: r["seed"])
    with sqlite3.connect(store) as con:
        con.execute("UPDATE runs SET test_rmse = ? WHERE id = ?", (9.0, seed1["id"]))
    con.close()
    edited = radial_experiment(**kwargs)
    (one_layer,) = [r for r in edited["rows"] if r["layers"] == 1]
    (before,) = [r for r in first["rows"] if r["layers"] == 1]
    std = law_std(before["target"])
    assert edited["trained"] == 0 and one_layer["errors_max"]["8"] == 9.0 / std
    assert one_layer["errors"]["8"] == pytest.approx((seed0["test_rmse"] / std + 9.0 / std) / 2, rel=1e-12)
    assert one_layer["errors"]["4"] == before["errors"]["4"]
    # A grid that grows trains only the new models and keeps the old ones.
    grown = radial_experiment(**{**kwargs, "widths": (4, 8, 12)})
    assert grown["trained"] == 2 * 2 and grown["skipped"] == 2 * 2 * 2


def test_a_killed_experiment_resumes_without_doubles(tmp_path):
    store = tmp_path / "radial.db"
    # Many small groups (one per layers × width bucket × d) so rows land a group at a time.
    grid = dict(phis=("cos(pi*t)",), dims=(2, 3), widths=(4, 12, 20, 28), seeds=(0, 1), steps=500,
                batch_size=32, test_size=256)
    total = 2 * 2 * 4 * 2
    code = textwrap.dedent(f"""
        from depthsep.experiments.radial import radial_experiment
        from depthsep.train.config import RunOptions
        radial_experiment(store={str(store)!r}, run=RunOptions(workers=1, progress=False), **{grid!r})
    """)
    status = kill_after_rows(code, store, rows=2, timeout=120)
    assert status == -signal.SIGKILL, "the experiment finished before it could be killed"
    before = _rows(store)
    assert 2 <= len(before) < total
    resumed = radial_experiment(store=store, run=QUIET, **grid)
    assert resumed["skipped"] == len(before) and resumed["trained"] == total - len(before)
    after = _rows(store)
    assert len(after) == total
    assert len({(r["target"], r["layers"], r["width"], r["seed"]) for r in after}) == total
    assert after[:len(before)] == before                 # earlier rows unchanged
    # and the report is the one an uninterrupted run gives
    fresh = radial_experiment(store=tmp_path / "fresh.db", run=QUIET, **grid)
    assert fresh["trained"] == total and fresh["rows"] == resumed["rows"]


@pytest.mark.parametrize("kwargs", [dict(phis=""), dict(phis=()), dict(phis="t + y"), dict(phis="log(t)"),
                                    dict(dims="0"), dict(dims="2,x"), dict(widths=()), dict(widths="-4"),
                                    dict(layers=3), dict(seeds="x"), dict(seeds=-1), dict(steps=0),
                                    dict(steps=1.5), dict(distribution="sphere"), dict(target_error=0),
                                    dict(test_size=0), dict(lr="fast"), dict(out="/nonexistent-dir/exp.png"),
                                    dict(out="exp.pdf"), dict(store="/nonexistent-dir/radial.db"),
                                    dict(run=dict(backend="nope")), dict(run=dict(device="cuda:99"))])
def test_bad_inputs_are_one_line_and_touch_nothing(tmp_path, kwargs):
    args = dict(phis="cos(pi*t)", dims=(2,), widths=(4,), steps=5, store=tmp_path / "radial.db", test_size=64) | kwargs
    with pytest.raises(DepthsepError) as info:   # a bad run option may be refused as the options are made
        args["run"] = RunOptions(**{"workers": 1, "progress": False, **args.get("run", {})})
        radial_experiment(**args)
    assert "\n" not in str(info.value)
    assert not (tmp_path / "radial.db").exists()


def test_preset_is_the_documented_setup():
    assert PRESET.dims == (2, 4, 8, 16) and PRESET.widths == (8, 16, 32, 64, 128) and PRESET.layers == (1, 2)
    assert PRESET.distribution == "radius" and PRESET.target_error == 0.2
    t = PRESET.training
    assert (t.steps, t.batch_size, t.loss, t.optimizer, t.lr, t.test_size) == (4000, 128, "l2", "adam", 3e-3, 8192)


def test_plot_handles_unreached_and_diverged(tmp_path):
    rows = [{"phi": "cos(pi*t)", "dim": d, "layers": ell, "errors": {"4": e, "8": e}, "errors_min": {"4": e, "8": e},
             "errors_max": {"4": e, "8": e}, "smallest_width": 8 if e is not None and e < 0.2 else None}
            for d, e in [(2, 0.1), (4, 0.5), (8, None)] for ell in (1, 2)]
    result = {"phis": ["cos(pi*t)"], "dims": [2, 4, 8], "widths": [4, 8], "layers": [1, 2], "steps": 10,
              "batch_size": 128, "seeds": [0, 1], "distribution": "radius", "target_error": 0.2, "rows": rows}
    paths = plot_experiment(result, str(tmp_path / "fig.svg"))
    assert paths == [str(tmp_path / "fig.svg"), str(tmp_path / "fig.png")]
    assert all((tmp_path / name).stat().st_size > 0 for name in ("fig.svg", "fig.png"))
