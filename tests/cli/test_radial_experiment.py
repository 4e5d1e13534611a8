"""``depthsep radial experiment`` on the command line: seeds, input law, the store, one-line errors."""

import json

from depthsep.cli import main

ARGV = ["radial", "experiment", "--phis", "cos(pi*t)", "--dims", "2", "--widths", "4", "--workers", "1",
        "--no-progress"]


def _one_line(err: str) -> bool:
    return err.count("\n") == 1 and "Traceback" not in err


def test_experiment_cli_seeds(capsys, tmp_path):
    argv = ARGV + ["--steps", "20", "--store", str(tmp_path / "radial.db"), "--seeds", "0,1", "--json"]
    assert main(argv) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["seeds"] == [0, 1] and {"errors", "errors_min", "errors_max", "smallest_width"} <= set(data["rows"][0])
    assert data["trained"] == 4 and data["skipped"] == 0 and data["store"] == str(tmp_path / "radial.db")
    assert main(argv[:-3] + ["--seeds", "x"]) == 2
    assert _one_line(capsys.readouterr().err)


def test_cli_distribution(capsys, tmp_path):
    argv = ARGV + ["--steps", "10", "--store", str(tmp_path / "radial.db"), "--json"]
    assert main(argv + ["--distribution", "ball"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["distribution"] == "ball" and data["rows"][0]["target"] == "radial:173243*cos(pi*t)/100000:2"
    assert main(argv[:-1]) == 0 and "|x| ~ U[0, 1]" in capsys.readouterr().out   # the default, in the title
    assert main(argv + ["--distribution", "sphere"]) == 2
    err = capsys.readouterr().err
    assert _one_line(err) and "--distribution" in err


def test_cli_rerun_trains_nothing_and_redraws(capsys, tmp_path):
    argv = ARGV + ["--steps", "10", "--store", str(tmp_path / "radial.db"), "--out", str(tmp_path / "exp.png")]
    assert main(argv + ["--json"]) == 0
    first = json.loads(capsys.readouterr().out)
    (tmp_path / "exp.png").unlink()
    assert main(argv) == 0
    text = capsys.readouterr().out
    assert "0 trained, 2 already in" in text and (tmp_path / "exp.png").stat().st_size > 0
    assert first["trained"] == 2


def test_cli_bad_store_and_out_are_one_line(capsys, tmp_path):
    for extra in (["--store", str(tmp_path / "missing" / "radial.db")], ["--out", str(tmp_path / "missing" / "e.png")],
                  ["--device", "cuda:99"], ["--dims", "0"]):
        assert main(ARGV + ["--steps", "5", "--store", str(tmp_path / "radial.db")] + extra) == 2
        assert _one_line(capsys.readouterr().err)
    assert not (tmp_path / "radial.db").exists()
