"""`depthsep atlas` and `depthsep report` from the command line: their tables, and every bad input
exits 2 with one line, training nothing and leaving what is stored as it was."""

import json

import pytest

from depthsep.cli import main

TINY_ATLAS = ["--n", "2,3", "--layers", "1,2", "--seeds", "0", "--steps", "200", "--max-width", "8", "--no-progress"]


def _refused(argv, capsys) -> str:
    code = main(argv)
    err = capsys.readouterr().err
    assert code == 2 and err.count("\n") == 1 and "Traceback" not in err, err
    return err


def test_atlas_table_fit_and_resume(tmp_path, capsys):
    store = str(tmp_path / "a.db")
    assert main(["atlas", *TINY_ATLAS, "--store", store, "--out", str(tmp_path / "a.png")]) == 0
    out = capsys.readouterr().out
    assert "minimal neurons" in out and "k=1" in out and "k=2" in out and "verdict" in out
    assert (tmp_path / "a.png").stat().st_size > 0 and (tmp_path / "a.svg").stat().st_size > 0
    again = json.loads(_json(["atlas", *TINY_ATLAS, "--store", store, "--out", str(tmp_path / "b.png")], capsys))
    assert again["trained"] == 0 and {r["n"] for r in again["rows"]} == {2, 3}


def _json(argv, capsys) -> str:
    assert main([*argv, "--json"]) == 0
    return capsys.readouterr().out


@pytest.mark.parametrize("extra, says", [
    (["--threshold", "1.5"], "(0, 1)"),
    (["--max-width", "1"], "smallest width"),
    (["--target", "product:4", "--n", "3"], "product family"),
    (["--seeds", "-1"], "--seeds"),
    (["--domain", "2:1"], "domain"),
])
def test_atlas_bad_options_exit_2(tmp_path, capsys, extra, says):
    err = _refused(["atlas", *TINY_ATLAS, *extra, "--store", str(tmp_path / "a.db"), "--out", str(tmp_path / "a.png")],
                   capsys)
    assert says in err and not (tmp_path / "a.db").exists()


def test_atlas_on_a_corrupt_store_exits_2_and_keeps_it(tmp_path, capsys):
    store = tmp_path / "a.db"
    store.write_bytes(b"not a database at all" * 100)
    before = store.read_bytes()
    _refused(["atlas", *TINY_ATLAS, "--store", str(store), "--out", str(tmp_path / "a.png")], capsys)
    assert store.read_bytes() == before


def test_report_bad_inputs_exit_2(tmp_path, capsys):
    err = _refused(["report", "--smoke", "--out", str(tmp_path / "r"), "--sections", "nope"], capsys)
    assert "unknown report section 'nope'" in err
    assert "at least one" in _refused(["report", "--smoke", "--out", str(tmp_path / "r"), "--sections", ","], capsys)
    blocker = tmp_path / "file"
    blocker.write_text("a file, not a folder")
    assert "cannot create" in _refused(["report", "--smoke", "--out", str(blocker / "r")], capsys)
    assert blocker.read_text() == "a file, not a folder"
