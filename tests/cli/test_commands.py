"""End-to-end: the `depthsep` command's JSON contract, its tables, and exit 2 + one line on bad input."""

import argparse
import json
import os
import subprocess
import sys

import pytest

from depthsep.cli import main


def run(capsys, *argv):
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def run_json(capsys, *argv):
    code, out, err = run(capsys, *argv, "--json")
    assert code == 0, err
    return json.loads(out)


def test_bounds_json_contract(capsys):
    data = run_json(capsys, "bounds", "x1^3*x2^2*x3")
    for key in ("variables", "degree", "sparsity", "derivative_rank", "shallow_lower", "shallow_upper", "deep_upper", "coefficient_lower"):
        assert key in data
    assert data["variables"] == ["x1", "x2", "x3"]
    assert (data["degree"], data["sparsity"], data["derivative_rank"], data["shallow_upper"]) == (6, 1, 24, 24)
    assert isinstance(data["derivative_rank"], int)


def test_bounds_of_a_sparse_polynomial_has_null_coefficient_bound(capsys):
    data = run_json(capsys, "bounds", "x1*x2 + 3*x3**2")
    assert data["coefficient_lower"] is None
    assert data["sparsity"] == 2


def test_huge_counts_stay_exact_in_json(capsys):
    text = "*".join(f"x{i}" for i in range(1, 61))
    data = run_json(capsys, "bounds", text)
    assert data["shallow_upper"] == 2**60  # beyond float precision: must be an exact integer


def test_tables_are_readable(capsys):
    code, out, _ = run(capsys, "bounds", "x1*x2*x3")
    assert code == 0 and "derivative_rank" in out and "exact" in out
    code, out, _ = run(capsys, "tree", "20", "--layers", "2")
    assert code == 0 and "112" in out
    code, out, _ = run(capsys, "poly", "2*x - y")
    assert code == 0 and "sparsity" in out


def test_tree_json_contract(capsys):
    data = run_json(capsys, "tree", "20", "--layers", "2")
    assert {"n", "layers", "neurons", "schedule", "continuous", "continuous_neurons"} <= set(data)
    assert (data["neurons"], data["schedule"]) == (112, [5, 1])
    assert data["continuous"] == pytest.approx([3.876, 5.159], abs=1e-3)


def test_advise_json(capsys):
    data = run_json(capsys, "advise", "20", "--max-width", "1024")
    assert data["layers"] >= 1 and max(data["widths"]) <= 1024


def test_activation_json(capsys):
    data = run_json(capsys, "activation", "tanh", "--degree", "4")
    assert [c["exact"] for c in data["coefficients"]] == ["0", "1", "0", "-1/3", "0"]


def test_figure1_writes_png_and_svg(capsys, tmp_path):
    code, out, err = run(capsys, "plot", "figure1", "--out", str(tmp_path / "fig1.png"), "--n-max", "200")
    assert code == 0, err
    for suffix in ("png", "svg"):
        assert (tmp_path / f"fig1.{suffix}").stat().st_size > 1000


@pytest.mark.parametrize(
    "argv",
    [
        ["bounds", "x^-1"],
        ["bounds", "x^0.5"],
        ["bounds", "sin(x)"],
        ["bounds", ""],
        ["bounds", "x +"],
        ["bounds"],
        ["tree", "0", "--layers", "2"],
        ["tree", "20", "--layers", "0"],
        ["tree", "twenty", "--layers", "2"],
        ["tree", "20"],
        ["advise", "20", "--max-width", "0"],
        ["activation", "nosuchthing"],
        ["activation", "tanh", "--point", "nan"],
        ["activation", "relu", "--degree", "3"],
        ["activation", "tanh", "--degree", "-1"],
        ["plot", "figure1", "--out", "/nonexistent-dir/fig.png"],
        ["frobnicate"],
        [],
    ],
)
def test_bad_input_exits_2_with_one_line(capsys, argv):
    code, out, err = run(capsys, *argv)
    assert code == 2
    assert err.startswith("depthsep: error: ")
    assert err.count("\n") == 1, err
    assert "Traceback" not in err


def test_console_script_has_no_traceback():
    exe = os.path.join(os.path.dirname(sys.executable), "depthsep")
    result = subprocess.run([exe, "bounds", "x^-1"], capture_output=True, text=True)
    assert result.returncode == 2
    assert result.stderr.strip() == "depthsep: error: negative exponent -1: 'x**-1' in 'x^-1'"
    ok = subprocess.run([exe, "bounds", "x1*x2", "--json"], capture_output=True, text=True)
    assert ok.returncode == 0 and json.loads(ok.stdout)["shallow_lower"] == 4


def test_build_then_verify(capsys, tmp_path):
    out = tmp_path / "net.json"
    data = run_json(capsys, "build", "x1^2*x2", "--layers", "deep", "--activation", "softplus", "--epsilon", "1e-5", "--out", str(out))
    assert data["sup_error"] < 1e-5 and data["out"] == [str(out)]
    checked = run_json(capsys, "verify", str(out), "x1^2*x2")
    assert checked["sup_error"] < 1e-5 and checked["neurons"] == data["neurons"]


def test_converge_shows_theorem_3_4(capsys, tmp_path):
    data = run_json(capsys, "converge", "x1*x2", "--epsilons", "1e-2,1e-4", "--activation", "exp", "--out", str(tmp_path / "c.png"))
    smooth = [row["neurons"] for row in data["rows"]]
    relu = [row["relu_neurons"] for row in data["rows"]]
    assert smooth[0] == smooth[1] == 4 and relu[0] < relu[1]
    assert (tmp_path / "c.svg").exists()


@pytest.mark.parametrize(
    "argv",
    [
        ["build", "x1*x2", "--activation", "tanh", "--model", "paper"],
        ["build", "x1*x2", "--activation", "bogus"],
        ["build", "x1*x2", "--epsilon", "0"],
        ["build", "x1*x2", "--radius", "-1"],
        ["build", "x1*x2", "--out", "/nonexistent-dir/n.json"],
        ["build", "x1*x2", "--out", "net.txt"],
        ["verify", "/nonexistent/net.json", "x1*x2"],
        ["converge", "x1*x2", "--epsilons", "0,abc"],
    ],
)
def test_bad_build_inputs_exit_2(capsys, argv):
    code, _, err = run(capsys, *argv)
    assert code == 2 and err.count("\n") == 1 and "Traceback" not in err


def test_sweep_runs_and_heatmap(capsys, tmp_path):
    store = str(tmp_path / "runs.db")
    argv = ["sweep", "--target", "product:3", "--layers", "1,2", "--widths", "4,8", "--seeds", "0",
            "--steps", "30", "--test-size", "500", "--store", store, "--no-progress"]
    first = run_json(capsys, *argv)
    assert (first["total"], first["trained"]) == (4, 4)
    again = run_json(capsys, *argv)
    assert (again["skipped"], again["trained"]) == (4, 0)  # resumed: nothing twice
    code, out, _ = run(capsys, "runs", "--store", store, "--json")
    rows = json.loads(out)
    assert code == 0 and len(rows) == 4 and {r["status"] for r in rows} == {"done"}
    code, out, err = run(capsys, "plot", "heatmap", "--store", store, "--target", "product:3", "--out", str(tmp_path / "h.png"))
    assert code == 0, err
    assert (tmp_path / "h.svg").stat().st_size > 1000


def test_a_store_with_both_drawn_inits_draws_either_on_request(capsys, tmp_path):
    store = str(tmp_path / "runs.db")
    argv = ["sweep", "--target", "product:3", "--layers", "1,2", "--widths", "4", "--seeds", "0", "--steps", "30",
            "--test-size", "500", "--store", store, "--no-progress"]
    for init in ("random", "glorot"):
        assert run_json(capsys, *argv, "--init", init)["trained"] == 2      # a new key: trained beside
    _, out, _ = run(capsys, "runs", "--store", store)
    assert out.count("random") == 2 and out.count("glorot") == 2
    drawn = {}
    for init in (None, "random", "glorot"):
        extra = [] if init is None else ["--init", init]
        code, out, err = run(capsys, "plot", "heatmap", "--store", store, "--target", "product:3",
                             "--out", str(tmp_path / f"{init}.png"), *extra)
        assert code == 0, err
        drawn[init] = out.splitlines()[0]
    assert "init glorot" in drawn[None] and "init random" in drawn["random"] and drawn["glorot"] == drawn[None]
    code, _, err = run(capsys, "plot", "heatmap", "--store", store, "--target", "product:3", "--init", "xavier",
                       "--out", str(tmp_path / "x.png"))
    assert code == 2 and err.count("\n") == 1 and "init" in err


def test_sweep_device_choice(capsys, tmp_path):
    import torch

    store = tmp_path / "runs.db"
    grid = ["sweep", "--target", "product:3", "--layers", "1", "--widths", "4", "--seeds", "0", "--steps", "10",
            "--test-size", "200", "--no-progress"]
    assert run_json(capsys, *grid, "--store", str(store), "--device", "cpu")["trained"] == 1
    _, out, _ = run(capsys, "runs", "--store", str(store), "--json")
    assert json.loads(out)[0]["device"] == "cpu"
    bad = ["warp-drive"] + ([] if torch.cuda.is_available() else ["cuda"])
    for device in bad:          # refused before the store is opened: one line, the rows intact
        code, out, err = run(capsys, *grid, "--store", str(tmp_path / "other.db"), "--device", device)
        assert code == 2 and err.count("\n") == 1 and "device" in err and "Traceback" not in err
        assert not (tmp_path / "other.db").exists()


@pytest.mark.parametrize(
    "argv",
    [
        ["sweep", "--target", "nosuch:3", "--layers", "1", "--widths", "4"],
        ["sweep", "--target", "product:3", "--layers", "", "--widths", "4"],
        ["sweep", "--target", "product:3", "--layers", "1,x", "--widths", "4"],
        ["sweep", "--target", "product:3", "--layers", "1", "--widths", "4", "--store", "/nonexistent-dir/r.db"],
        ["runs", "--store", "/nonexistent-dir/r.db"],
        ["plot", "heatmap", "--store", "/nonexistent-dir/r.db", "--out", "h.png"],
        ["figure2", "--init", "xavier", "--store", "/nonexistent-dir/f.db"],
    ],
)
def test_bad_sweep_inputs_exit_2(capsys, argv):
    code, _, err = run(capsys, *argv)
    assert code == 2 and err.count("\n") == 1 and "Traceback" not in err


def test_radial_build_and_sizes(capsys, tmp_path):
    built = run_json(capsys, "radial", "build", "--phi", "cos(t)", "--dim", "3", "--epsilon", "0.05", "--out", str(tmp_path / "r.json"))
    assert built["sup_error"] <= 0.05 and built["neurons"] == built["predicted_neurons"]
    sizes = run_json(capsys, "radial", "sizes", "--phi", "cos(t)", "--dims", "2,4", "--epsilons", "0.1")
    assert {row["dim"] for row in sizes["rows"]} >= {2, 4}


@pytest.mark.parametrize("phi", ["x + 1", "__import__('os')", "log(t - 2)", "t*y"])
def test_bad_phi_exits_2(capsys, phi):
    code, _, err = run(capsys, "radial", "build", "--phi", phi, "--dim", "2")
    assert code == 2 and err.count("\n") == 1


def test_bench_train_bad_option_is_one_line(capsys):
    code, _, err = run(capsys, "bench", "train", "--bogus")
    assert code == 2 and err.count("\n") == 1


# -- the command table: one declaration per command, the API mirrors it ---------------------------
def _commands():
    from depthsep.cli.commands import COMMANDS

    return COMMANDS


def _parameters(command):
    """The API keywords a command's options fill (argparse's dests)."""
    from depthsep.cli import build_parser

    parser = build_parser()
    sub = parser
    for word in command.path:
        action = next(a for a in sub._actions if isinstance(a, argparse._SubParsersAction))
        sub = action.choices[word]
    return sub, [a for a in sub._actions if a.dest not in ("help", "_json") and not a.dest.startswith("_")]


@pytest.mark.parametrize("command", _commands(), ids=lambda c: " ".join(c.path))
def test_every_command_has_its_api_function_with_the_cli_names(command):
    import inspect

    import depthsep

    function = getattr(depthsep, command.api)          # exported by the package itself
    names = set(inspect.signature(function).parameters)
    _, actions = _parameters(command)
    missing = {a.dest for a in actions} - names
    assert not missing, f"depthsep.{command.api} lacks parameters {missing} that `{' '.join(command.path)}` has"


@pytest.mark.parametrize("command", _commands(), ids=lambda c: " ".join(c.path))
def test_every_option_states_its_default(command):
    _, actions = _parameters(command)
    for action in actions:
        if not action.option_strings:              # positionals are required by nature
            continue
        text = action.help or ""
        assert "(default" in text or "(required)" in text or "default)" in text, \
            f"`{' '.join(command.path)} {action.option_strings[0]}`: its help does not state its default: {text!r}"


def test_bench_train_help_is_reachable(capsys):
    with pytest.raises(SystemExit) as stop:
        main(["bench", "train", "--help"])
    assert stop.value.code == 0
    out = capsys.readouterr().out
    assert "--skip-naive" in out and "--steps" in out


def test_advise_table_names_the_curve_minimum_instead_of_none(capsys):
    code, out, _ = run(capsys, "advise", "1000", "--max-width", "1024")
    assert code == 0 and "None" not in out
    assert "never ≤ W" in out and "note: the rule of thumb" in out


@pytest.mark.parametrize("suffix", [".json", ".onnx", ".pt", ".pt2"])
def test_a_corrupt_network_file_is_one_line(tmp_path, suffix):
    # A process of its own: torch's loggers write to the real stderr, which capsys does not see.
    bad = tmp_path / f"net{suffix}"
    bad.write_bytes(b"not a network" * 10)
    done = subprocess.run([sys.executable, "-m", "depthsep", "verify", str(bad), "x1"], capture_output=True,
                          text=True, timeout=120)
    assert done.returncode == 2 and done.stderr.count("\n") == 1 and str(bad) in done.stderr, done.stderr
