"""Figure 2 with what is expressible: log–exp networks at given widths, the warm start from them
(init in the spec, the embedding, the store's init column and its migration), and the experiment
end to end on a tiny grid."""

import json
import math
import sqlite3

import numpy as np
import pytest
import torch

from depthsep.construct import logexp
from depthsep.errors import DepthsepError
from depthsep.experiments import expressible as ex
from depthsep.train.config import RunOptions
from depthsep.train.naive import build_network
from depthsep.train.spec import ModelSpec, parse_init
from depthsep.train.store import COLUMNS, SCHEMA_VERSION, ResultStore, spec_key
from depthsep.train.sweep import run_specs
from depthsep.train.warm import construction, starting_parameters
from depthsep.verification import distribution_error

RUN = RunOptions(progress=False, workers=1)
P4 = "x1*x2*x3*x4"
INIT = "log-exp:log=3,exp=8,c=0.001"


def test_plan_widths_builds_the_given_widths_and_claims_no_bound():
    plan = logexp.plan_widths(P4, 3, 8, "0:2", "tanh")
    assert plan.widths == [12, 8] and plan.rule == "widths" and plan.epsilon is None and math.isnan(plan.bound)
    net = logexp.assemble(plan)
    assert net.hidden_widths == [12, 8]
    mae = distribution_error(net, P4, "0:2", "mae", samples=20_000)["mae"]
    assert mae < 0.15                                     # the constant predictor: ≈ 0.6 here
    wider = logexp.assemble(logexp.plan_widths(P4, 6, 16, "0:2", "tanh"))
    assert distribution_error(wider, P4, "0:2", "mae", samples=20_000)["mae"] < mae
    deep = logexp.plan_widths(P4, 3, 8, "0:2", "tanh", layers=4, top=2.0)
    assert deep.widths == [4, 4, 12, 8] and deep.exp_piece.hi == 2.0
    with pytest.raises(DepthsepError, match="a >= 0"):
        logexp.plan_widths(P4, 3, 8, "-1:1", "tanh")
    with pytest.raises(DepthsepError, match="at least 2 hidden layers"):
        logexp.plan_widths(P4, 3, 8, "0:2", "tanh", layers=1)


def test_init_is_checked_and_written_canonically():
    assert parse_init(None) == parse_init("random") == "random"
    assert parse_init("log-exp: log=3, exp=8, c=1e-3") == INIT
    assert parse_init("log-exp:c=0.001,exp=8,log=3,top=9") == INIT + ",top=9"
    assert parse_init("log-exp:eps=0.10") == "log-exp:eps=0.1"
    for bad in ("xavier", "log-exp:", "log-exp:log=3,exp=8", "log-exp:log=0,exp=8,c=1", "log-exp:eps=0.1,c=1",
                "log-exp:log=x,exp=8,c=1", "log-exp:log=3,log=3,exp=8,c=1"):
        with pytest.raises(DepthsepError):
            parse_init(bad)
    spec = ModelSpec("product:4", layers=2, width=16, init="log-exp:log=3, exp=8, c=0.001")
    assert spec.init == INIT and spec.row()["init"] == INIT and spec_key(spec)[-1] == INIT
    assert spec_key(spec) != spec_key(ModelSpec("product:4", layers=2, width=16))


def test_a_warm_start_computes_the_construction_and_its_extra_neurons_can_learn():
    spec = ModelSpec("product:4", layers=3, width=16, init=INIT, seed=5)
    net = construction(spec)
    assert net.hidden_widths == [4, 12, 8]
    params = starting_parameters(spec)
    assert [tuple(w.shape) for w, _ in params] == [(16, 4), (16, 16), (16, 16), (1, 16)]
    x = np.random.default_rng(0).uniform(0, 2, size=(500, 4))
    with torch.no_grad():
        ours = build_network(spec)(torch.tensor(x, dtype=torch.float32)).squeeze(-1).double().numpy()
    assert np.max(np.abs(ours - net(x))) < 1e-3 * max(1.0, np.max(np.abs(net(x))))
    for (w, _), true_out, true_in in zip(params[1:], net.hidden_widths, net.hidden_widths[1:] + [1]):
        assert torch.all(w[:, true_out:] == 0)            # extra neurons send nothing ...
    w0 = params[1][0]
    assert torch.any(w0[12:, :4] != 0)                   # ... but read the layer below (not dead under tanh)
    again = starting_parameters(ModelSpec("product:4", layers=3, width=16, init=INIT, seed=5))
    assert all(torch.equal(a, b) for (a, _), (b, _) in zip(params, again))


def test_a_grid_can_start_from_a_construction():
    from depthsep.train.sweep import grid_specs

    specs = grid_specs("product:4", [2, 3], [16], ["tanh"], [0, 1], init="log-exp:log=3,exp=8,c=1e-3")
    assert {s.init for s in specs} == {INIT} and len(specs) == 4
    assert {s.init for s in grid_specs("product:4", [2], [16], ["tanh"], [0])} == {"random"}


def test_a_construction_too_wide_for_the_model_is_refused_before_the_store(tmp_path):
    spec = ModelSpec("product:4", layers=2, width=10, init=INIT, steps=5, batch_size=8, test_size=100)
    with pytest.raises(DepthsepError, match="do not fit"):
        run_specs([spec], tmp_path / "runs.db", RUN)
    assert not (tmp_path / "runs.db").exists()


def test_warm_starts_go_into_the_store_beside_random_starts(tmp_path):
    # A rate too small to move anything: the engine must end where the construction starts.
    common = dict(layers=2, width=16, steps=30, batch_size=16, test_size=500, lr=1e-9)
    specs = [ModelSpec("product:4", init=init, seed=0, **common) for init in ("random", INIT)]
    summary = run_specs(specs, tmp_path / "runs.db", RUN)
    assert summary["trained"] == 2
    with ResultStore(tmp_path / "runs.db", readonly=True) as store:
        rows = {r["init"]: r for r in store.rows()}
    assert set(rows) == {"random", INIT}
    before = ex.test_set_mae(specs[1])
    assert before < 0.2 < rows["random"]["test_mae"]
    assert rows[INIT]["test_mae"] == pytest.approx(before, abs=1e-5)
    assert run_specs(specs, tmp_path / "runs.db", RUN)["trained"] == 0


def version_1_store(path):
    """A store as depthsep wrote it before ``init``: schema version 1, one finished run."""
    con = sqlite3.connect(path)
    old = [c for c in COLUMNS if c != "init"]
    con.executescript(f"""
        CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
        CREATE TABLE runs (id INTEGER PRIMARY KEY, {", ".join(old)},
            UNIQUE (target, layers, width, activation, optimizer, lr, loss, steps, batch_size, seed, domain, test_size));
        INSERT INTO meta VALUES ('schema_version', '1'), ('created', '2025-01-01T00:00:00+00:00');
    """)
    spec = ModelSpec("product:4", layers=1, width=4, steps=5, batch_size=8, test_size=100)
    row = {**spec.row(), "test_mae": 0.5, "test_rmse": 0.7, "status": "done", "wall_s": 0.1, "device": "cpu",
           "version": "0.9", "created": "2025-01-01T00:00:00+00:00"}
    con.execute(f"INSERT INTO runs ({', '.join(old)}) VALUES ({', '.join('?' * len(old))})", [row[c] for c in old])
    con.commit()
    con.close()
    return spec


def test_a_store_from_before_init_opens_migrated_and_resumes(tmp_path):
    path = tmp_path / "old.db"
    spec = version_1_store(path)
    with ResultStore(path, readonly=True) as store:
        (row,) = store.rows()
    assert row["init"] == "random" and row["test_mae"] == 0.5
    con = sqlite3.connect(path)
    assert con.execute("SELECT value FROM meta WHERE key='schema_version'").fetchone() == (str(SCHEMA_VERSION),)
    con.close()
    warm = ModelSpec("product:4", layers=2, width=16, steps=5, batch_size=8, test_size=100, init=INIT)
    summary = run_specs([spec, warm], path, RUN)
    assert summary["skipped"] == 1 and summary["trained"] == 1     # the old run is resumed, not redone


TINY_GRID = dict(target="product:4", domain="0:2", optimizer="adadelta", lr=None, loss="l1", init="glorot",
                 layers=[1, 2, 3], widths=[2, 16], activations=["tanh"], seeds=[0, 1], steps=40, batch_size=16, test_size=400)


@pytest.fixture
def tiny(monkeypatch):
    monkeypatch.setattr(ex, "figure2_grid", lambda mode: dict(TINY_GRID))
    monkeypatch.setattr(ex, "C_VALUES", (1e-3, 1e-2))
    monkeypatch.setattr(ex, "TOPS", (None,))
    monkeypatch.setattr(ex, "EPSILONS", (0.5,))
    monkeypatch.setattr(ex, "SELECT_SAMPLES", 2_000)
    monkeypatch.setattr(ex, "SAMPLES", 4_000)


def test_the_experiment_end_to_end_on_a_tiny_grid(tiny, tmp_path):
    paths = {k: tmp_path / f"{k}" for k in ("figure2.db", "cells.json", "warm.db")}
    result = ex.expressible("quick", store=paths["figure2.db"], cells=paths["cells.json"],
                            out=tmp_path / "fig.png", warm_store=paths["warm.db"], run=RUN)
    assert [p.rsplit(".", 1)[1] for p in result["files"]] == ["png", "svg"]
    cells = json.loads(paths["cells.json"].read_text())
    assert cells["format"] == ex.FORMAT
    by_cell = {(r["layers"], r["width"]): r for r in result["rows"]}
    assert not by_cell[(1, 16)]["fits"] and not by_cell[(2, 2)]["fits"]       # one layer; W < n
    fit = by_cell[(2, 16)]
    assert fit["fits"] and fit["hidden_widths"] == [16, 16] and fit["init"].startswith("log-exp:log=4,exp=16,")
    assert fit["constructed_mae"] < 0.2 and fit["standard_error"] < 0.01
    assert by_cell[(3, 16)]["hidden_widths"] == [4, 16, 16]
    assert fit["seeds"] == 2 and fit["verdict"] in ("improves", "keeps", "worsens", "destroys")
    assert fit["trained_mae"] is not None and fit["after"] is not None
    # The search tried the ε rule too, and said it does not fit.
    chosen = [c for c in cells["candidates"] if c["width"] == 16][0]
    assert any(t["init"] == "log-exp:eps=0.5" for t in chosen["tried"])
    # A second run reads the cells file and the stores: nothing is trained or rebuilt.
    again = ex.expressible("quick", store=paths["figure2.db"], cells=paths["cells.json"],
                           out=tmp_path / "fig.png", warm_store=paths["warm.db"], run=RUN)
    assert again["figure2"]["trained"] == again["warm_start"]["trained"] == 0
    assert again["rows"] == result["rows"]


def test_verdicts():
    assert ex.verdict(0.5, 0.45, 0.9) == "improves"
    assert ex.verdict(0.5, 0.505, 0.9) == "keeps"
    assert ex.verdict(0.5, 0.7, 0.9) == "worsens"
    assert ex.verdict(0.5, 0.95, 0.9) == "destroys"
    assert ex.verdict(0.5, None, 0.9) == "diverged"


def test_carry_layers_are_checked_by_evaluating_both_networks():
    shallow = construction(ModelSpec("product:4", layers=2, width=16, init=INIT))
    deep = construction(ModelSpec("product:4", layers=4, width=16, init=INIT))
    check = ex.carry_error(deep, shallow, P4, "0:2", samples=2_000)
    assert set(check) == {"float32", "float64"} and ex.carries(check)
    assert check["float64"]["max"] < 1e-5 and abs(check["float64"]["shift"]) <= check["float64"]["mean"]
    assert all(0 <= c["mean"] <= c["max"] and c["shift_se"] >= 0 for c in check.values())
    # The same points, the MAEs as distribution_error states them: the shift is their difference.
    mae = [distribution_error(net, P4, "0:2", "mae", samples=2_000, seed=ex.CHECK_SEED, dtype="float64")["mae"]
           for net in (deep, shallow)]
    assert check["float64"]["shift"] == pytest.approx(mae[0] - mae[1], abs=1e-12)
    other = construction(ModelSpec("product:4", layers=2, width=16, init="log-exp:log=3,exp=8,c=0.1"))
    assert not ex.carries(ex.carry_error(other, shallow, P4, "0:2", samples=2_000))


def test_deeper_cells_state_the_two_layer_maes_only_after_the_check(tiny, tmp_path, monkeypatch):
    cells = ex.construct_cells("quick", tmp_path / "cells.json")
    by_cell = {(r["layers"], r["width"]): r for r in cells["cells"]}
    two, three = by_cell[(2, 16)], by_cell[(3, 16)]
    assert two["measured_layers"] == three["measured_layers"] == 2
    assert two["carry_max_float64"] == two["carry_mean_float32"] == 0.0
    assert 0 < three["carry_max_float64"] < 1e-5 and abs(three["carry_shift_float32"]) <= ex.CARRY_TOLERANCE
    assert (three["mae"], three["mae_float64"]) == (two["mae"], two["mae_float64"])
    assert three["test_mae"] != two["test_mae"]                     # the test-set MAE is each cell's own
    assert cells["search"]["carry_tolerance"] == ex.CARRY_TOLERANCE
    # A check that fails: the deeper cell is measured itself, and agrees with what was stated.
    monkeypatch.setattr(ex, "CARRY_TOLERANCE", -1.0)
    full = ex.construct_cells("quick", tmp_path / "full.json")
    deep = {(r["layers"], r["width"]): r for r in full["cells"]}[(3, 16)]
    assert deep["measured_layers"] == 3 and deep["mae"] != two["mae"]
    assert deep["mae"] == pytest.approx(two["mae"], abs=1e-4)
    assert deep["mae_float64"] == pytest.approx(two["mae_float64"], abs=1e-6)


def test_a_cells_file_from_before_the_carry_check_is_rebuilt(tiny, tmp_path):
    path = tmp_path / "cells.json"
    cells = ex.construct_cells("quick", path)
    old = {**cells, "search": {k: v for k, v in cells["search"].items() if k not in ("check_samples", "check_seed",
                                                                                         "carry_tolerance")},
           "cells": [{k: v for k, v in c.items() if not k.startswith(("carry_", "measured_"))} for c in cells["cells"]]}
    path.write_text(json.dumps(old))
    assert ex.construct_cells("quick", path)["cells"] == cells["cells"]
    assert ex.construct_cells("quick", path) == json.loads(path.read_text())   # now read, not rebuilt
