"""`depthsep expressible` and `sweep --init` from the command line, on a tiny grid."""

import json

import pytest

from depthsep.cli import main
from depthsep.experiments import expressible as ex

TINY_GRID = dict(target="product:4", domain="0:2", optimizer="adadelta", lr=None, loss="l1", layers=[1, 2],
                 widths=[16], activations=["tanh"], seeds=[0], steps=30, batch_size=16, test_size=400)


@pytest.fixture
def tiny(monkeypatch):
    monkeypatch.setattr(ex, "figure2_grid", lambda mode: dict(TINY_GRID))
    for name, value in (("C_VALUES", (1e-3,)), ("TOPS", (None,)), ("EPSILONS", (0.5,)), ("SELECT_SAMPLES", 2_000),
                        ("SAMPLES", 4_000)):
        monkeypatch.setattr(ex, name, value)


def test_expressible_table_and_files(tiny, tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert main(["expressible", "--no-progress"]) == 0
    out = capsys.readouterr().out
    assert "constructed MAE" in out and "does not fit" in out and "wrote expressible.png" in out
    for name in ("figure2.db", "expressible.json", "warmstart.db", "expressible.png", "expressible.svg"):
        assert (tmp_path / name).stat().st_size > 0
    again = json.loads((main(["expressible", "--no-progress", "--json"]), capsys.readouterr().out)[1])
    assert again["figure2"]["trained"] == 0 and again["warm_start"]["trained"] == 0


def test_expressible_without_warm_start_trains_only_figure2(tiny, tmp_path, capsys):
    argv = ["expressible", "--no-warm-start", "--no-progress", "--store", str(tmp_path / "f.db"),
            "--cells", str(tmp_path / "c.json"), "--out", str(tmp_path / "e.png"), "--json"]
    assert main(argv) == 0
    result = json.loads(capsys.readouterr().out)
    assert result["warm_start"] is None and not (tmp_path / "warmstart.db").exists()


@pytest.mark.parametrize("argv, says", [
    (["expressible", "--cells", "/no/such/dir/c.json"], "/no/such/dir"),
    (["sweep", "--target", "product:4", "--layers", "2", "--widths", "8", "--init", "bogus"], "init must be"),
    (["sweep", "--target", "product:4", "--layers", "2", "--widths", "8", "--init", "log-exp:log=x"], "log"),
])
def test_bad_input_exits_2_in_one_line(tmp_path, capsys, argv, says):
    code = main([*argv, "--store", str(tmp_path / "s.db")] if argv[0] == "sweep" else argv)
    err = capsys.readouterr().err
    assert code == 2 and err.count("\n") == 1 and says in err, err
    assert not (tmp_path / "s.db").exists()


def test_sweep_from_a_construction(tmp_path, capsys):
    argv = ["sweep", "--target", "product:4", "--layers", "2", "--widths", "16", "--steps", "10", "--domain", "0:2",
            "--test-size", "400", "--lr", "1e-9", "--init", "log-exp:log=4,exp=16,c=0.001", "--store", str(tmp_path / "s.db"),
            "--no-progress"]
    assert main(argv) == 0
    capsys.readouterr()
    assert main(["runs", "--store", str(tmp_path / "s.db"), "--json"]) == 0
    (row,) = json.loads(capsys.readouterr().out)
    # at a vanishing rate the model ends where the construction starts: far below the constant's MAE
    assert row["init"] == "log-exp:log=4,exp=16,c=0.001" and row["test_mae"] < 0.2
