"""The results store: round trip, no doubles, and it never damages a file it does not own."""

import csv
import io
import json
import os
import sqlite3

import pytest

import depthsep
from depthsep.errors import DepthsepError
from depthsep.train import ModelSpec, RunResult
from depthsep.train.store import COLUMNS, SCHEMA_VERSION, ResultStore, export, format_rows, read_rows, spec_key, write_rows


def result(seed=0, mae=0.5, status="done", **kw):
    spec = ModelSpec("product:4", layers=kw.pop("layers", 2), width=kw.pop("width", 8), seed=seed,
                     steps=10, batch_size=16, test_size=100, **kw)
    if status == "diverged":
        return RunResult(spec, None, None, "diverged", 0.01, "cpu")
    return RunResult(spec, mae, 2 * mae, status, 0.01, "cpu")


def test_round_trip_and_keys(tmp_path):
    path = tmp_path / "runs.db"
    with ResultStore(path) as store:
        assert store.add(result(0, 0.25)) and store.add(result(1, 0.75, status="diverged"))
    with ResultStore(path, readonly=True) as store:
        rows = store.rows()
        assert [r["seed"] for r in rows] == [0, 1]
        first = rows[0]
        assert set(COLUMNS) <= set(first)
        assert first["test_mae"] == 0.25 and first["test_rmse"] == 0.5 and first["n"] == 4
        assert first["domain"] == "0:2" and first["lr"] == 1.0 and first["version"] == depthsep.__version__
        assert rows[1]["status"] == "diverged" and rows[1]["test_mae"] is None
        assert store.done_keys() == {spec_key(result(0).spec), spec_key(result(1).spec)}
        assert store.rows({"status": "done"}) == [first] and store.rows(seed=[1])[0]["seed"] == 1
        with pytest.raises(DepthsepError):
            store.rows({"nope": 1})
        with pytest.raises(DepthsepError):
            store.add(result(2))                      # read-only
    con = sqlite3.connect(path)
    assert con.execute("SELECT value FROM meta WHERE key='schema_version'").fetchone() == (str(SCHEMA_VERSION),)
    assert con.execute("PRAGMA journal_mode").fetchone() == ("wal",)
    con.close()


def test_the_same_result_twice_is_one_row(tmp_path):
    with ResultStore(tmp_path / "runs.db") as store:
        assert store.add(result(0, 0.25)) is True
        assert store.add(result(0, 0.99)) is False    # same configuration + seed: first one kept
        assert store.add(result(0, 0.25, lr=0.5)) is True   # another lr is another configuration
        assert store.count() == 2
        assert store.rows(lr=1.0)[0]["test_mae"] == 0.25


def test_exports(tmp_path):
    path = tmp_path / "runs.db"
    with ResultStore(path) as store:
        store.add_all([result(0, 0.25), result(1, status="diverged")])
        store.export_csv(tmp_path / "runs.csv")
        store.export_json(tmp_path / "runs.json")
    rows = list(csv.DictReader(io.StringIO((tmp_path / "runs.csv").read_text())))
    assert len(rows) == 2 and float(rows[0]["test_mae"]) == 0.25 and rows[1]["test_mae"] == ""
    data = json.loads((tmp_path / "runs.json").read_text())
    assert data[0]["test_mae"] == 0.25 and data[1]["test_mae"] is None
    buffer = io.StringIO()
    assert export(path, "json", buffer) == 2 and json.loads(buffer.getvalue()) == data
    with pytest.raises(DepthsepError):
        export(path, "xml")
    # The same through read_rows / write_rows (what `depthsep runs` uses).
    assert read_rows(path) == data and read_rows(path, {"status": "diverged"}) == data[1:]
    assert write_rows(data, tmp_path / "again.json", "json") == 2
    assert json.loads((tmp_path / "again.json").read_text()) == data
    assert format_rows(data, "csv") == (tmp_path / "runs.csv").read_text()
    with pytest.raises(DepthsepError, match="format"):
        write_rows(data, tmp_path / "again.xml", "xml")
    with pytest.raises(DepthsepError):
        read_rows(tmp_path / "missing.db")


def _assert_refused_untouched(path):
    before = path.read_bytes()
    with pytest.raises(DepthsepError) as info:
        ResultStore(path)
    assert "\n" not in str(info.value)
    with pytest.raises(DepthsepError):
        ResultStore(path, readonly=True)
    assert path.read_bytes() == before
    assert sorted(os.listdir(path.parent)) == [path.name]   # no -wal/-shm left behind either


def test_garbage_file_is_refused_and_untouched(tmp_path):
    path = tmp_path / "runs.db"
    path.write_bytes(os.urandom(4096))
    _assert_refused_untouched(path)


def test_truncated_sqlite_file_is_refused_and_untouched(tmp_path):
    path = tmp_path / "src.db"
    with ResultStore(path) as store:
        for s in range(50):
            store.add(result(s))
    con = sqlite3.connect(path)
    con.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    con.execute("PRAGMA journal_mode = DELETE")
    con.close()
    data = path.read_bytes()
    broken = tmp_path / "broken" / "runs.db"
    broken.parent.mkdir()
    broken.write_bytes(data[:100] + os.urandom(len(data) - 100))   # valid header, garbage pages
    _assert_refused_untouched(broken)


def test_foreign_sqlite_db_is_refused_and_untouched(tmp_path):
    path = tmp_path / "other.db"
    con = sqlite3.connect(path)
    con.execute("CREATE TABLE runs (id INTEGER PRIMARY KEY, name TEXT)")
    con.execute("INSERT INTO runs (name) VALUES ('not ours')")
    con.commit()
    con.close()
    _assert_refused_untouched(path)


def test_missing_or_unwritable_directory(tmp_path, monkeypatch):
    with pytest.raises(DepthsepError, match="does not exist"):
        ResultStore(tmp_path / "nowhere" / "runs.db")
    assert not (tmp_path / "nowhere").exists()           # never created silently
    (tmp_path / "file").write_text("x")
    with pytest.raises(DepthsepError):
        ResultStore(tmp_path / "file" / "runs.db")       # parent is a file
    with pytest.raises(DepthsepError):
        ResultStore(tmp_path)                            # a directory is not a store
    with pytest.raises(DepthsepError, match="no such file"):
        ResultStore(tmp_path / "absent.db", readonly=True)
    locked = tmp_path / "locked"
    locked.mkdir()
    locked.chmod(0o555)
    try:
        if os.access(locked, os.W_OK):                  # root ignores modes: pretend
            real = os.access
            monkeypatch.setattr("depthsep.train.store.os.access",
                                lambda p, mode: False if os.fspath(p) == str(locked) else real(p, mode))
        with pytest.raises(DepthsepError, match="not writable"):
            ResultStore(locked / "runs.db")
    finally:
        locked.chmod(0o755)


def test_an_empty_file_becomes_a_store(tmp_path):
    path = tmp_path / "runs.db"
    path.touch()
    with ResultStore(path) as store:
        store.add(result(0))
    with ResultStore(path) as store:
        assert store.count() == 1


def test_reading_a_store_leaves_no_wal_files_beside_it(tmp_path):
    path = tmp_path / "runs.db"
    with ResultStore(path) as store:
        store.add(result(0, 0.25))
    with ResultStore(path, readonly=True) as store:
        assert [r["seed"] for r in store.rows()] == [0]
        with pytest.raises(DepthsepError, match="read-only"):
            store.add(result(1, 0.5))
    assert sorted(p.name for p in tmp_path.iterdir()) == ["runs.db"]
    with ResultStore(path, readonly=True):     # an open that reads nothing
        pass
    assert sorted(p.name for p in tmp_path.iterdir()) == ["runs.db"]
