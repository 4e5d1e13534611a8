"""`logexp-sizes`: each planned count is the network that is built, the tree column is Theorem 5.1's
count for every ε, refusals are recorded and left as gaps, bad arguments refused in one line."""

import pytest

from depthsep.construct import logexp
from depthsep.errors import DepthsepError
from depthsep.experiments import logexp_sizes as module
from depthsep.experiments.logexp_sizes import (TREE_LAYERS, logexp_sizes, logexp_sizes_grid, logexp_sizes_table,
                                               product)
from depthsep.theory.tree import optimal_tree

SMALL = dict(n=(2, 3, 6), epsilons=(0.1, 0.05), domains="0:2,-1:1", sweep_n=3, sweep_epsilons=(0.5, 0.1))


@pytest.fixture(scope="module")
def small():
    return logexp_sizes(out=None, **SMALL)


def test_rows_cover_the_grid_and_the_tree_is_theorem_5_1(small):
    assert len(small["rows"]) == 3 * 2 * 2 and len(small["sweep"]) == 2
    assert [r["epsilon"] for r in small["sweep"]] == [0.5, 0.1]          # 1/ε increasing
    for r in small["rows"] + small["sweep"]:
        for k in TREE_LAYERS:
            assert r[f"tree_k{k}"] == optimal_tree(r["n"], k).neurons
        assert r["logexp_neurons"] == sum(r["logexp_widths"])
        assert r["logexp_bound"] <= r["epsilon"]
        # native depth: 2 hidden layers on a box with a >= 0, 3 where the sign is computed
        assert r["logexp_layers"] == (3 if r["domain"] == "-1:1" else 2)
    # the tree does not depend on ε or the box; the log-exp count does depend on ε
    by = {(r["domain"], r["epsilon"], r["n"]): r for r in small["rows"]}
    assert by["0:2", 0.1, 6]["tree_k2"] == by["-1:1", 0.05, 6]["tree_k2"]
    assert by["0:2", 0.05, 6]["logexp_neurons"] > by["0:2", 0.1, 6]["logexp_neurons"]


@pytest.mark.parametrize("domain", ["0:2", "-1:1"])
def test_built_network_has_the_planned_widths(small, domain):
    """One source of truth: the network `build` writes out (and measures below ε) has the row's widths."""
    row = next(r for r in small["rows"] if r["domain"] == domain and r["n"] == 3 and r["epsilon"] == 0.1)
    network, report = logexp.build(product(3), domain, "mae", 0.1, "tanh")
    assert network.hidden_widths == row["logexp_widths"]
    assert network.neurons == row["logexp_neurons"]
    assert report["error"] < 0.1


def test_assembled_network_has_the_planned_widths(small):
    for row in small["rows"]:
        if row["n"] == 6 and row["epsilon"] == 0.05:
            network = logexp.assemble(logexp.plan(product(6), row["domain"], "mae", 0.05, "tanh"))
            assert network.hidden_widths == row["logexp_widths"]
            assert network.neurons == row["logexp_neurons"]


def test_table_and_figure(small, tmp_path):
    text = logexp_sizes_table(small)
    assert "tree k=2" in text and "tree k=3" in text and "-1:1" in text
    from depthsep.experiments.logexp_sizes import plot_logexp_sizes

    files = plot_logexp_sizes(small, tmp_path / "sizes.png")
    assert files == [str(tmp_path / "sizes.png"), str(tmp_path / "sizes.svg")]
    assert all((tmp_path / f).stat().st_size > 0 for f in ("sizes.png", "sizes.svg"))


def test_a_refused_plan_is_recorded_and_left_as_a_gap(monkeypatch, tmp_path):
    real = module.plan

    def plan(poly, domain, *args):
        if poly == product(3):
            raise DepthsepError("tanh needs more than 4096 neurons for one piece on [0, 1]; ask for a larger epsilon")
        return real(poly, domain, *args)

    monkeypatch.setattr(module, "plan", plan)
    out = logexp_sizes(n=(2, 3), epsilons=0.1, domains="0:2", sweep_n=3, sweep_epsilons=(0.5, 0.2),
                       out=tmp_path / "refused.png")
    refused = [r for r in out["rows"] + out["sweep"] if r["n"] == 3]
    assert refused and all(r["logexp_neurons"] == "refused" and "4096" in r["refused"] for r in refused)
    assert all(r["tree_k3"] == optimal_tree(3, 3).neurons for r in refused)
    assert "refused" in logexp_sizes_table(out)
    assert (tmp_path / "refused.png").exists() and (tmp_path / "refused.svg").exists()


def test_presets():
    assert logexp_sizes_grid("full")["n"] == list(range(2, 25))
    quick = logexp_sizes_grid("quick")
    assert len(quick["epsilons"]) >= 2 and set(quick["n"]) <= set(range(2, 25))
    assert max(logexp_sizes_grid("full")["sweep_epsilons"]) / min(logexp_sizes_grid("full")["sweep_epsilons"]) >= 50


@pytest.mark.parametrize("kwargs", [dict(epsilons=0), dict(epsilons="0.1,-1"), dict(epsilons="x"),
                                    dict(metric="max"), dict(domains="2:0"), dict(domains="a:b"), dict(domains=""),
                                    dict(n="0,3"), dict(n="2.5"), dict(mode="medium"), dict(activation="foo"),
                                    dict(activation="exp"), dict(sweep_n=0),
                                    dict(out="/nonexistent-dir/s.png"), dict(out="s.pdf")])
def test_bad_arguments_are_refused_in_one_line(kwargs, monkeypatch):
    monkeypatch.setattr(module, "plan", lambda *a: pytest.fail("planned before the arguments were checked"))
    args = dict(n=(2,), epsilons=(0.1,), domains="0:2,-1:1", out=None) | kwargs
    with pytest.raises(DepthsepError) as info:
        logexp_sizes(**args)
    assert "\n" not in str(info.value)


@pytest.mark.slow
def test_quick_mode(tmp_path):
    out = logexp_sizes("quick", out=tmp_path / "quick.png")
    assert out["wall_s"] < 120 and len(out["files"]) == 2
    assert all(isinstance(r["logexp_neurons"], int) for r in out["rows"])


@pytest.mark.parametrize("domain, metric, size", [("0:2", "mae", 1.0), ("-1:1", "mae", 0.125), ("-1:1", "sup", 1.0),
                                                  ("0:2", "rmse", (4 / 3) ** 1.5)])
def test_target_size_is_the_zero_networks_error(domain, metric, size):
    assert module.target_size(3, domain, metric) == pytest.approx(size, rel=1e-9)


def test_a_killed_run_resumes_from_its_cache(tmp_path):
    """kill -9 once some plans landed: the cache holds them whole, and the next run plans only the rest."""
    import json
    import os
    import signal
    import subprocess
    import sys
    import time

    cache = tmp_path / "plans.json"
    grid = dict(n=(2, 3, 4, 6, 8, 12, 16), epsilons=(0.05,), domains="0:2", sweep_n=16, sweep_epsilons=(0.05,))
    code = (f"from depthsep.experiments.logexp_sizes import logexp_sizes; "
            f"logexp_sizes(out=None, cache={str(cache)!r}, **{grid!r})")
    proc = subprocess.Popen([sys.executable, "-c", code], start_new_session=True,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.time() + 120
    try:
        while time.time() < deadline and proc.poll() is None and not cache.exists():
            time.sleep(0.01)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
    done = len(json.loads(cache.read_text())["plans"])
    assert done >= 1
    resumed = logexp_sizes(out=None, cache=cache, **grid)
    assert resumed["planned"] == 7 - done            # the sweep's (16, 0:2, 0.05) is a row already
    again = logexp_sizes(out=None, cache=cache, **grid)
    assert again["planned"] == 0 and again["rows"] == resumed["rows"]
    fresh = logexp_sizes(out=None, **grid)
    assert [r["logexp_widths"] for r in fresh["rows"]] == [r["logexp_widths"] for r in resumed["rows"]]


def test_a_file_that_is_not_a_cache_is_refused_and_kept(tmp_path):
    cache = tmp_path / "plans.json"
    cache.write_text("[1, 2, 3]")
    with pytest.raises(DepthsepError, match="not a logexp-sizes cache"):
        logexp_sizes(out=None, cache=cache, **SMALL)
    assert cache.read_text() == "[1, 2, 3]"


def test_progress_is_a_line_per_plan(tmp_path, capsys):
    logexp_sizes(out=None, progress=True, n=(2, 3), epsilons=(0.1,), domains="0:2", sweep_n=3, sweep_epsilons=(0.1,))
    err = capsys.readouterr().err
    assert err.count("\n") == 2 and "1/2 plans" in err and "2/2 plans" in err and "ETA" in err
