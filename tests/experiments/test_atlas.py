"""The width atlas: tiny atlases end to end, the store as the search's only memory (resume after
kill -9), the JSON contract, one-target atlases, the budget check, bad inputs."""

import json
import math
import signal
import textwrap

import pytest

from depthsep.errors import DepthsepError
from depthsep.experiments import atlas as atlas_module
from depthsep.experiments.atlas import (atlas, atlas_plan, atlas_preset, atlas_state, atlas_table, budget_check,
                                        plot_atlas)
from depthsep.train.config import RunOptions
from depthsep.train.store import ResultStore
from killing import kill_after_rows

QUIET = RunOptions(workers=1, progress=False)
# Tiny: three n, two depths, two seeds, a few dozen steps, a cap of 8 (grid 2, 3, 4, 6, 8).
TINY = dict(n=[2, 3, 4], layers=[1, 2], seeds=[0, 1], steps=60, max_width=8, threshold=0.5)


def _rows(store):
    with ResultStore(store, readonly=True) as opened:
        return opened.rows()


def test_tiny_atlas_follows_the_json_contract_and_resumes_for_free(tmp_path):
    store = tmp_path / "atlas.db"
    result = atlas(**TINY, store=store, out=tmp_path / "atlas.png", run=QUIET)
    json.dumps(result)                                              # JSON-ready
    assert result["threshold"] == 0.5 and "RMSE" in result["metric"] and result["n"] == [2, 3, 4]
    assert len(result["rows"]) == 3 * 2 and {f["layers"] for f in result["fits"]} == {1, 2}
    for row in result["rows"]:
        assert {"n", "layers", "min_width", "min_neurons", "status", "probes"} <= set(row)
        assert row["status"] in ("found", "above_cap", "skipped")
        assert row["tree_neurons"] > 0
        if row["status"] == "found":
            assert row["min_neurons"] == row["layers"] * row["min_width"]
            assert row["at_min"]["success"] and row["at_min"]["best"] <= 0.5
        for probe in row["probes"]:
            assert len(probe["errors"]) == 2 and probe["width"] in result["setup"]["widths"]
            assert probe["success"] == (probe["best"] is not None and probe["best"] <= 0.5)
    for fit in result["fits"]:
        assert {"layers", "beta", "beta_low", "beta_high", "verdict"} <= set(fit)
    assert result["setup"]["domain"] == "-1.73205:1.73205" and result["setup"]["loss"] == "l2"
    stored = _rows(store)
    assert result["trained"] == len(stored) > 0 and result["rounds"] >= 2
    probed = sum(len(r["probes"]) for r in result["rows"] if r["status"] != "skipped")
    assert len(stored) <= 2 * probed + 2 * 2 * 6                   # the probes, and little else
    assert all(f.endswith((".png", ".svg")) for f in result["files"]) and len(result["files"]) == 2
    table = atlas_table(result)
    assert table.splitlines()[1].split() == ["n", "k=1", "k=2"]

    again = atlas(**TINY, store=store, out=None, run=QUIET)
    assert again["trained"] == 0 and again["rounds"] == 0 and again["rows"] == result["rows"]


def test_the_state_is_read_from_the_store_alone(tmp_path):
    store = tmp_path / "atlas.db"
    plan = atlas_plan(**TINY)
    empty = atlas_state(store, plan)
    assert not store.exists()                                       # reading made nothing
    # the first n asks for its first probe (the smallest width), all seeds; larger n wait for it
    assert sorted((s.target, s.layers, s.width, s.seed) for s in empty.todo) == sorted(
        ("product:2", k, 2, seed) for k in (1, 2) for seed in (0, 1))
    assert [c.waiting for c in empty.cells] == [False, False, True, True, True, True]
    from depthsep.train.sweep import run_specs

    run_specs(empty.todo, store, QUIET)                 # one round by hand: n = 3 may follow now
    second = atlas_state(store, plan)
    asked = {(s.target, s.width) for s in second.todo}
    assert ("product:3", 2) in asked and not any(t == "product:4" for t, _ in asked)
    assert [c.waiting for c in second.cells if c.n == 4] == [True, True]
    atlas(**TINY, store=store, out=None, run=QUIET)
    final = atlas_state(store, plan)
    assert final.todo == [] and not any(c.open for c in final.cells)


def test_open_ended_axis_stops_where_one_layer_is_above_the_cap(tmp_path):
    result = atlas(layers=[1, 2], seeds=[0], steps=40, max_width=4, threshold=0.6, store=tmp_path / "a.db",
                   out=None, run=QUIET)
    shallow = {r["n"]: r["status"] for r in result["rows"] if r["layers"] == 1}
    last = max(result["n"])
    assert result["n"] == list(range(2, last + 1)) and shallow[last] == "above_cap"
    assert all(status == "found" for n, status in shallow.items() if n < last)


def test_cells_past_an_above_cap_n_are_skipped(tmp_path):
    # one step learns nothing: every cell is above a cap of 3, so only the first n is searched to the end
    result = atlas(n=[2, 3, 4], layers=[1], seeds=[0], steps=1, max_width=3, store=tmp_path / "a.db",
                   out=None, run=QUIET)
    assert [r["status"] for r in result["rows"]] == ["above_cap", "skipped", "skipped"]
    # n = 3 trailed n = 2 by a round: it never paid for the cap; n = 4 never started
    assert [p["width"] for p in result["rows"][1]["probes"]] == [2] and result["rows"][2]["probes"] == []
    assert "-" in atlas_table(result)


def test_a_killed_atlas_resumes_to_the_same_atlas(tmp_path):
    store = tmp_path / "atlas.db"
    settings = dict(n=[2, 3, 4, 5], layers=[1, 2], seeds=[0, 1], steps=1500, max_width=16, threshold=0.3)
    code = textwrap.dedent(f"""
        from depthsep.experiments.atlas import atlas
        from depthsep.train.config import RunOptions
        atlas(store={str(store)!r}, out=None, run=RunOptions(workers=1, progress=False), **{settings!r})
    """)
    status = kill_after_rows(code, store, rows=12, timeout=180)
    assert status == -signal.SIGKILL, "the atlas finished before it could be killed"
    before = _rows(store)
    resumed = atlas(**settings, store=store, out=None, run=QUIET)
    after = _rows(store)
    assert after[:len(before)] == before                            # kept as they were
    assert len({(r["target"], r["layers"], r["width"], r["seed"]) for r in after}) == len(after)
    assert resumed["trained"] == len(after) - len(before)
    fresh = atlas(**settings, store=tmp_path / "fresh.db", out=None, run=QUIET)
    assert fresh["rows"] == resumed["rows"] and fresh["fits"] == resumed["fits"]
    assert fresh["trained"] == len(after)                           # the same probes, no more


def test_one_target_atlas_has_one_row_per_depth_and_the_bounds(tmp_path):
    result = atlas(target="poly:x1*x2 + x3^2", layers=[1, 2], seeds=[0], steps=80, max_width=8,
                   store=tmp_path / "a.db", out=tmp_path / "poly.png", run=QUIET)
    assert result["n"] is None and result["fits"] == [] and [r["layers"] for r in result["rows"]] == [1, 2]
    assert all(r["n"] == 3 and r["target"] == "poly:x1*x2 + x3^2" for r in result["rows"])
    assert {"shallow_lower", "shallow_upper", "deep_upper"} <= set(result["theory"])
    assert result["std"] == ["exact"] and len(result["files"]) == 2


def test_radial_target_measures_against_the_test_set_std(tmp_path):
    result = atlas(target="radial:cos(pi*t):2:radius", layers=[1], seeds=[0], steps=40, max_width=4,
                   store=tmp_path / "a.db", out=None, run=QUIET)
    assert result["std"] == ["estimated from the 8192 test points"] and result["theory"] is None
    assert result["rows"][0]["probes"]


def test_budget_check_reruns_the_frontier_at_twice_the_steps(tmp_path):
    store = tmp_path / "atlas.db"
    base = atlas(**TINY, store=store, out=None, run=QUIET)
    check = budget_check(**TINY, store=store, run=QUIET)
    assert check["factor"] == 2 and check["longer_steps"] == 2 * TINY["steps"]
    assert {(r["n"], r["layers"]) for r in check["rows"]} == {(n, k) for n in (3, 4) for k in (1, 2)}
    by = {(r["n"], r["layers"]): r for r in base["rows"]}
    for row in check["rows"]:
        assert row["min_width"] == by[(row["n"], row["layers"])]["min_width"]
        if row["grid_steps"] is not None:
            widths = base["setup"]["widths"]
            assert widths.index(row["longer_min_width"]) - widths.index(row["min_width"]) == row["grid_steps"]
    assert sum(check["summary"].values()) == len(check["rows"])
    steps = {r["steps"] for r in _rows(store)}
    assert steps == {60, 120}
    # the atlas still reads its own runs from the shared store, and trains nothing
    assert atlas(**TINY, store=store, out=None, run=QUIET)["trained"] == 0
    with pytest.raises(DepthsepError, match="not in the atlas"):
        budget_check(**TINY, cells=[(9, 1)], store=store, run=QUIET)


def test_construction_sizes_are_drawn_beside(tmp_path):
    sizes = {"test network": lambda n, k, threshold, domain: 4 * n * k if threshold >= 0.5 else None}
    result = atlas(n=[2, 3], layers=[1], seeds=[0], steps=30, max_width=4, threshold=0.5,
                   store=tmp_path / "a.db", out=tmp_path / "c.png", run=QUIET, constructions=sizes)
    assert [r["constructions"] for r in result["rows"]] == [{"test network": 8}, {"test network": 12}]
    assert list(atlas_module.CONSTRUCTIONS) == [atlas_module.LOGEXP]


def test_figure_of_a_synthetic_atlas(tmp_path):
    from depthsep.experiments._exponent_fit import fit_exponent

    rows = []
    for k in (1, 2, 3):
        for n in range(2, 9):
            width = 2 ** (n // k + 1)
            status = "found" if width <= 64 else "above_cap"
            rows.append({"n": n, "layers": k, "min_width": width if status == "found" else None,
                         "min_neurons": k * width if status == "found" else None, "status": status,
                         "monotone": n != 4, "probes": [], "tree_neurons": 2 ** n if k == 1 else 4 * n,
                         "constructions": {}})
    fits = [fit_exponent([r["n"] for r in rows if r["layers"] == k and r["status"] == "found"],
                         [math.log2(r["min_neurons"]) for r in rows if r["layers"] == k and r["status"] == "found"],
                         layers=k) for k in (1, 2, 3)]
    preset = atlas_preset("quick")
    result = {"n": list(range(2, 9)), "layers": [1, 2, 3], "rows": rows, "fits": fits, "threshold": 0.3,
              "target": "product",
              "setup": {**preset.training.as_dict(), "domain": "-1.73205:1.73205", "seeds": [0, 1, 2, 3],
                        "max_width": 64, "widths": [2, 64]}}
    files = plot_atlas(result, tmp_path / "synthetic.svg")
    assert files == [str(tmp_path / "synthetic.svg"), str(tmp_path / "synthetic.png")]
    assert all((tmp_path / f).stat().st_size > 0 for f in ("synthetic.svg", "synthetic.png"))
    assert "*" in atlas_table(result)                              # the non-monotone cell is marked


def test_presets_are_the_documented_budget():
    quick, full = atlas_preset("quick"), atlas_preset("full")
    assert quick.layers == (1, 2, 3) and quick.n is None and quick.threshold == 0.3 and quick.max_width == 128
    t = quick.training
    assert (t.steps, t.batch_size, t.loss, t.optimizer, t.lr, t.test_size) == (10_000, 256, "l2", "adam", 3e-3, 8192)
    assert t.domain == (-math.sqrt(3), math.sqrt(3))
    assert full.n == tuple(range(2, 25)) and full.layers == tuple(range(1, 7)) and full.max_width == 8192


@pytest.mark.parametrize("kwargs, message", [
    (dict(threshold=0), "threshold"), (dict(threshold=1), "(0, 1)"), (dict(threshold=1.5), "(0, 1)"),
    (dict(threshold="x"), "threshold"), (dict(n=""), "--n"), (dict(n=[]), "--n"), (dict(n=[0, 2]), "--n"),
    (dict(n="-3"), "--n"), (dict(layers=[]), "--layers"), (dict(layers="0"), "--layers"),
    (dict(target="nope:3"), "unknown target family"), (dict(target="poly:x1*x2", n=[2, 3]), "product family"),
    (dict(max_width=1), "smallest width"), (dict(max_width=0), "max-width"), (dict(steps=0), "steps"),
    (dict(seeds=[-1]), "seeds"), (dict(mode="huge"), "quick, full"), (dict(domain="2:1"), "domain"),
    (dict(out="/nonexistent-dir/a.png"), "directory"), (dict(out="a.pdf"), "png"),
])
def test_bad_inputs_are_one_line_and_touch_nothing(tmp_path, kwargs, message):
    args = {**TINY, "store": tmp_path / "atlas.db", "out": None, "run": QUIET, **kwargs}
    with pytest.raises(DepthsepError, match=message) as info:
        atlas(**args)
    assert "\n" not in str(info.value)
    assert not (tmp_path / "atlas.db").exists()


def test_a_store_of_another_setup_is_refused_and_kept(tmp_path):
    store = tmp_path / "atlas.db"
    atlas(n=[2], layers=[1], seeds=[0], steps=30, max_width=4, store=store, out=None, run=QUIET)
    before, raw = _rows(store), store.read_bytes()
    for other in (dict(steps=45), dict(domain="0:2")):
        with pytest.raises(DepthsepError, match="another training setup") as info:
            atlas(n=[2], layers=[1], seeds=[0], max_width=4, store=store, out=None, run=QUIET,
                  **{"steps": 30, **other})
        assert "\n" not in str(info.value)
        assert _rows(store) == before and store.read_bytes() == raw


def test_the_logexp_size_is_a_network_that_reaches_the_threshold():
    """The size drawn beside the atlas, checked by building the network and measuring its error."""
    from depthsep.construct import logexp
    from depthsep.train.moments import target_std
    from depthsep.train.targets import make_target
    from depthsep.verification import distribution_error

    domain, threshold = atlas_module.UNIT_DOMAIN, 0.3
    assert atlas_module.logexp_size(3, 2, threshold, domain) is None       # the sign needs a third layer
    size = atlas_module.logexp_size(3, 3, threshold, domain)
    box = f"{domain[0]!r}:{domain[1]!r}"
    std = target_std(make_target("product:3"), domain)
    net, _ = logexp.build("x1*x2*x3", box, "rmse", threshold * std, "tanh", layers=3)
    assert size == 3 * max(net.hidden_widths)
    measured = distribution_error(net, "x1*x2*x3", box, "rmse", samples=50_000, seed=0)
    assert measured["rmse"] / std <= threshold
    assert atlas_module.logexp_size(3, 2, threshold, (0.0, 2.0)) is not None  # a positive box: two layers
