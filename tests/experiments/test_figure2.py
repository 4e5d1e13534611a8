"""Figure 2: the presets, the sweep into a store, the constant baseline, which setup a heatmap draws."""

import csv
import json
import shlex

import numpy as np
import pytest
import torch

from depthsep.cli import main
from depthsep.errors import DepthsepError
from depthsep.experiments import figure2 as fig2
from depthsep.experiments._heatmap import column_position
from depthsep.experiments.figure2 import figure2, figure2_grid, heatmap, heatmap_data
from depthsep.train.config import RunOptions, TrainingConfig
from depthsep.train.data import evaluation_set
from depthsep.train.spec import RunResult
from depthsep.train.store import ResultStore, spec_key
from depthsep.train.sweep import grid_specs, run_specs
from depthsep.train.targets import make_target

RUN = RunOptions(progress=False, workers=1)
# Domain and test size unlike any default, so a baseline drawn from other points cannot agree.
TINY = TrainingConfig(steps=20, batch_size=16, test_size=300, domain="0:3")


def store_of(path, config=TINY, seeds=(0, 1), target="product:4", layers=(1, 2), widths=(4, 8)):
    specs = [config.spec(target, k, w, "tanh", s) for k in layers for w in widths for s in seeds]
    run_specs(specs, path, RUN)
    return path


def test_figure2_grid_presets():
    full, quick = figure2_grid("full"), figure2_grid("quick")
    assert full["widths"] == list(range(5, 101, 5)) and full["layers"] == list(range(1, 21))
    assert set(full["activations"]) == {"tanh", "relu"} and quick["activations"] == ["tanh"]
    for grid in (full, quick):
        assert grid["target"] == "product:20" and grid["domain"] == "0:2"
        assert grid["optimizer"] == "adadelta" and grid["loss"] == "l1" and grid["init"] == "glorot"
    specs = grid_specs(**quick)
    assert len(specs) == len(quick["layers"]) * len(quick["widths"]) * len(quick["seeds"]) == 120
    # The keys of the models in an existing figure2.db: the presets resume it only if these hold.
    assert spec_key(specs[0]) == ("product:20", 1, 5, "tanh", "adadelta", 1.0, "l1", 50_000, 128, 0, "0:2", 20_000,
                                  "glorot")
    assert spec_key(grid_specs(**full)[-1]) == ("product:20", 20, 100, "relu", "adadelta", 1.0, "l1", 60_000,
                                                128, 3, "0:2", 100_000, "glorot")
    with pytest.raises(DepthsepError, match="quick, full"):
        figure2_grid("huge")


def test_baseline_is_the_median_predictors_mae_on_the_test_points(tmp_path):
    data = heatmap_data(store_of(tmp_path / "runs.db"), "product:4", "tanh")
    # The points every model of the setup was scored on; labels recomputed here as the product.
    x = np.concatenate([x.double().numpy() for x, _ in evaluation_set(make_target("product:4"), (0.0, 3.0), 300)])
    assert x.shape == (300, 4) and x.min() >= 0 and x.max() > 2      # the setup's U[0, 3], not U[0, 2]
    y = x.prod(axis=1)
    median = np.median(y)
    assert data["baseline"]["constant"] == pytest.approx(median, rel=1e-12)
    assert data["baseline"]["mae"] == pytest.approx(np.abs(y - median).mean(), rel=1e-12)
    for other in (0.0, y.mean(), 0.9 * median, 1.1 * median):         # no constant does better
        assert np.abs(y - other).mean() > data["baseline"]["mae"]


def test_cells_hold_mean_and_seed_range(tmp_path):
    path = store_of(tmp_path / "runs.db", seeds=(0, 1, 2))
    data = heatmap_data(path, "product:4", "tanh")
    assert data["layers"] == [1, 2] and data["widths"] == [4, 8]
    with ResultStore(path, readonly=True) as store:
        cell = [r["test_mae"] for r in store.rows(layers=2, width=8)]
    assert len(cell) == 3 and data["seeds"][1][1] == 3 and data["diverged"][1][1] == 0
    assert data["mae"][1][1] == pytest.approx(sum(cell) / 3)
    assert (data["mae_min"][1][1], data["mae_max"][1][1]) == (min(cell), max(cell))


def test_setup_selection(tmp_path):
    path = store_of(tmp_path / "runs.db", seeds=(0, 1, 2))                # steps=20: 12 runs
    store_of(path, TINY.with_(steps=30), seeds=(0,))                      # steps=30: 4 runs
    default = heatmap_data(path, "product:4", "tanh")
    assert default["setup"]["steps"] == 20 and default["seeds"][0][0] == 3
    assert [(s["steps"], s["runs"]) for s in default["setups_left_out"]] == [(30, 4)]
    chosen = heatmap_data(path, "product:4", "tanh", setup={"steps": 30, "domain": (0, 3)})
    assert chosen["setup"] == {**default["setup"], "steps": 30} and chosen["seeds"][0][0] == 1
    assert [(s["steps"], s["runs"]) for s in chosen["setups_left_out"]] == [(20, 12)]
    with pytest.raises(DepthsepError) as info:
        heatmap_data(path, "product:4", "tanh", setup={"steps": 999})
    message = str(info.value)
    assert "\n" not in message and "steps=999" in message and "steps=20" in message and "steps=30" in message
    with pytest.raises(DepthsepError, match="no runs"):
        heatmap_data(path, "product:4", "tanh", setup={"domain": "0:2"})
    with pytest.raises(DepthsepError, match="unknown setup column"):
        heatmap_data(path, "product:4", "tanh", setup={"width": 4})
    with pytest.raises(DepthsepError, match="steps"):
        heatmap_data(path, "product:4", "tanh", setup={"steps": 0})


def test_heatmap_writes_png_and_svg(tmp_path):
    path = store_of(tmp_path / "runs.db")
    store_of(path, TINY.with_(steps=30), seeds=(0,))
    out = tmp_path / "fig" / "fig2.png"
    with pytest.raises(DepthsepError, match="does not exist"):
        heatmap(path, "product:4", "tanh", out)
    out.parent.mkdir()
    drawn = heatmap(path, "product:4", "tanh", out, setup={"steps": 30})
    assert drawn["files"] == [str(out), str(out.with_suffix(".svg"))]
    assert drawn["setup"]["steps"] == 30 and [s["steps"] for s in drawn["setups_left_out"]] == [20]
    # The cells as CSV beside the figure: one row per (layers, width), the numbers of heatmap_data.
    assert drawn["table"] == str(out.with_suffix(".csv"))
    with open(drawn["table"], newline="") as fh:
        rows = list(csv.DictReader(fh))
    data = heatmap_data(path, "product:4", "tanh", setup={"steps": 30})
    assert list(rows[0]) == list(fig2.CELL_COLUMNS)
    assert [(int(r["layers"]), int(r["width"])) for r in rows] == [(k, w) for k in data["layers"] for w in data["widths"]]
    assert [float(r["mae_mean"]) for r in rows] == [m for row in data["mae"] for m in row]
    assert {r["steps"] for r in rows} == {"30"} and {r["activation"] for r in rows} == {"tanh"}
    assert out.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and out.stat().st_size > 5000
    assert b"<svg" in out.with_suffix(".svg").read_bytes()[:2000]
    with pytest.raises(DepthsepError, match="no runs"):
        heatmap(path, "product:5", "tanh", out)
    with pytest.raises(DepthsepError, match="no runs"):
        heatmap(path, "product:4", "relu", out)


def test_a_grid_too_large_for_numbers_draws_its_seed_spread(tmp_path):
    path, rng = tmp_path / "runs.db", np.random.default_rng(0)
    with ResultStore(path) as store:                   # made-up errors: only the drawing is under test
        for spec in grid_specs("product:20", range(1, 10), range(5, 55, 5), ["tanh"], [0, 1], steps=10,
                               test_size=100):
            diverged = (spec.layers, spec.width) == (9, 5)
            store.add(RunResult(spec, None if diverged else float(rng.uniform(0.8, 1.1)), None if diverged else 1.0,
                                "diverged" if diverged else "done", 0.1, "cpu"))
    data = heatmap_data(path)
    assert data["mae"][8][0] is None and data["diverged"][8][0] == 2
    drawn = heatmap(path, out=tmp_path / "big.svg")
    assert drawn["files"] == [str(tmp_path / "big.svg"), str(tmp_path / "big.png")]
    assert (tmp_path / "big.png").stat().st_size > 5000


def test_theory_markers_land_in_the_column_of_their_width():
    widths = [5, 10, 20, 40, 80]
    assert column_position(widths, 40) == pytest.approx(3)
    assert column_position(widths, 20 * 2 ** 0.5) == pytest.approx(2.5)    # the edge between 20 and 40
    assert column_position(widths, 160) == pytest.approx(5)               # one doubling past the last
    assert column_position(widths, 2.5) == pytest.approx(-1)
    assert column_position([10], 20) == pytest.approx(1)


def test_figure2_sweeps_resumes_and_draws_each_activation(tmp_path, monkeypatch):
    grid = dict(target="product:4", domain="0:2", optimizer="adadelta", lr=None, loss="l1", layers=[1, 2],
                widths=[4], activations=["tanh", "relu"], seeds=[0], steps=20, batch_size=16, test_size=200)
    monkeypatch.setattr(fig2, "figure2_grid", lambda mode: dict(grid))
    store, out = tmp_path / "f.db", tmp_path / "f.png"
    with pytest.raises(DepthsepError, match="does not exist"):
        figure2("quick", store, tmp_path / "no" / "f.png", RUN)
    assert not store.exists()                                          # refused before training
    first = figure2("quick", store, out, RUN)
    assert (first["total"], first["trained"]) == (4, 4)
    assert first["files"] == [str(out), str(tmp_path / "f.svg"), str(tmp_path / "f-relu.png"),
                              str(tmp_path / "f-relu.svg")]
    assert all((tmp_path / name).stat().st_size > 1000 for name in ("f.png", "f.svg", "f-relu.png", "f-relu.svg"))
    assert first["tables"] == [str(tmp_path / "f.csv"), str(tmp_path / "f-relu.csv")]
    labels = np.concatenate([y.numpy() for _, y in evaluation_set(make_target("product:4"), (0.0, 2.0), 200)])
    assert first["baseline_mae"] == pytest.approx(np.abs(labels - np.median(labels)).mean())
    again = figure2("quick", store, out, RUN)
    assert (again["skipped"], again["trained"]) == (4, 0)


def test_the_record_beside_the_figure_holds_a_command_that_makes_it_again(tmp_path, monkeypatch, capsys):
    grid = dict(target="product:4", domain="0:2", optimizer="adadelta", lr=None, loss="l1", layers=[1, 2],
                widths=[4], activations=["tanh"], seeds=[0, 1], steps=20, batch_size=16, test_size=200)
    monkeypatch.setattr(fig2, "figure2_grid", lambda mode: dict(grid))
    store, out = tmp_path / "f.db", tmp_path / "f.png"
    first = figure2("quick", store, out, RUN)
    assert first["record"] == str(tmp_path / "f.run.json")
    record = json.loads((tmp_path / "f.run.json").read_text())
    assert record["command"] == f"depthsep figure2 --quick --store {store} --out {out} --workers 1"
    assert record["models"] == {"total": 4, "skipped": 0, "trained": 4, "diverged": 0}
    with ResultStore(store, readonly=True) as stored:
        rows = stored.rows()
    assert record["store"] == {"path": str(store), "models": 4, "training_s": pytest.approx(sum(r["wall_s"] for r in rows), abs=1e-3),
                               "devices": ["cpu"], "depthsep_versions": sorted({r["version"] for r in rows})}
    assert record["store"]["training_s"] > 0 and 0 < record["wall_s"]
    assert record["environment"]["versions"]["torch"] == torch.__version__
    assert record["environment"]["device"] == "cpu" and record["environment"]["processor"]
    assert record["files"] == [str(out), str(tmp_path / "f.svg"), str(tmp_path / "f.csv")]

    # The recorded command, typed again, finds the result in its store and redraws it: a resumed
    # run's record keeps the whole result's training time, not this call's.
    argv = shlex.split(record["command"])
    assert argv[0] == "depthsep" and main([*argv[1:], "--no-progress"]) == 0
    assert "wrote " + str(tmp_path / "f.run.json") in capsys.readouterr().out
    again = json.loads((tmp_path / "f.run.json").read_text())
    assert again["models"] == {"total": 4, "skipped": 4, "trained": 0, "diverged": 0}
    assert again["store"] == record["store"]


def test_init_replaces_the_presets_draw_is_recorded_and_leaves_the_other_grid_alone(tmp_path, monkeypatch):
    grid = {**fig2.FIGURE2_SETUP, "target": "product:4", "layers": [1, 2], "widths": [4], "activations": ["tanh"],
            "seeds": [0], "steps": 20, "batch_size": 16, "test_size": 200}
    monkeypatch.setattr(fig2, "figure2_grid", lambda mode: dict(grid))
    store, out = tmp_path / "f.db", tmp_path / "f.png"
    assert figure2("quick", store, out, RUN)["trained"] == 2
    preset = (tmp_path / "f.csv").read_text()
    with pytest.raises(DepthsepError, match="--init"):
        figure2("quick", store, out, RUN, init="xavier")
    other = figure2("quick", store, out, RUN, init="random")
    assert other["trained"] == 2                                     # its own keys, beside the preset's
    assert "--init random" in json.loads((tmp_path / "f.run.json").read_text())["command"]
    with open(tmp_path / "f.csv") as fh:
        assert {r["init"] for r in csv.DictReader(fh)} == {"random"}
    with ResultStore(store, readonly=True) as stored:
        assert sorted(r["init"] for r in stored.rows()) == ["glorot", "glorot", "random", "random"]
    figure2("quick", store, out, RUN)                                # the preset again: its cells, unchanged
    assert (tmp_path / "f.csv").read_text() == preset


def test_warm_starts_in_the_same_store_leave_the_cells_unchanged(tmp_path):
    path = store_of(tmp_path / "runs.db")
    before = heatmap_data(path, "product:4", "tanh")
    warm = TINY.spec("product:4", 2, 8, "tanh", 0, init="log-exp:log=1,exp=8,c=1e-3")
    assert run_specs([warm], path, RUN)["trained"] == 1                   # same cell and seed, another init
    with ResultStore(path, readonly=True) as store:
        assert {r["init"] for r in store.rows(layers=2, width=8, seed=0)} == {"random", warm.init}
    assert heatmap_data(path, "product:4", "tanh") == before
    only_warm = tmp_path / "warm.db"
    run_specs([warm], only_warm, RUN)
    with pytest.raises(DepthsepError, match="no runs from drawn weights"):
        heatmap_data(only_warm, "product:4", "tanh")
