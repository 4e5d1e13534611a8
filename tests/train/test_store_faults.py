"""The results store survives corrupt, foreign, old, read-only and full files: a sweep or `runs` on one
exits 2 with one line and leaves the rows as they were; an old store is migrated forward."""

import os
import sqlite3

import pytest

from depthsep.cli import main
from depthsep.train import ModelSpec, RunResult
from depthsep.train.store import COLUMNS, SCHEMA_VERSION, ResultStore

TINY = ["--target", "product:4", "--layers", "1", "--widths", "4", "--steps", "20",
        "--batch-size", "16", "--test-size", "50", "--no-progress"]


def _one_line_or_ok(code: int, err: str) -> None:
    assert code in (0, 2), err
    if code == 2:
        assert err.endswith("\n") and err.count("\n") == 1 and "Traceback" not in err, err


def _sweep(store, seeds, capsys=None):
    code = main(["sweep", *TINY, "--seeds", seeds, "--store", str(store)])
    err = capsys.readouterr().err if capsys is not None else ""
    return code, err


def _rows(path):
    with ResultStore(path, readonly=True) as store:
        return store.rows()


@pytest.mark.parametrize("content", [b"garbage" * 500, b"SQLite format 3\x00" + os.urandom(4000)])
def test_corrupt_file_exits_2_untouched(tmp_path, capsys, content):
    path = tmp_path / "runs.db"
    path.write_bytes(content)
    for argv in (["sweep", *TINY, "--store", str(path)], ["runs", "--store", str(path)]):
        code = main(argv)
        _one_line_or_ok(code, capsys.readouterr().err)
        assert code == 2
    assert path.read_bytes() == content


def test_foreign_sqlite_exits_2_untouched(tmp_path, capsys):
    path = tmp_path / "other.db"
    con = sqlite3.connect(path)
    con.execute("CREATE TABLE meta (key TEXT, value TEXT)")
    con.execute("CREATE TABLE runs (x)")
    con.commit()
    con.close()
    before = path.read_bytes()
    code, err = _sweep(path, "0", capsys)
    assert code == 2 and "schema" in err
    _one_line_or_ok(code, err)
    assert path.read_bytes() == before


V0_COLUMNS = ("target", "n", "layers", "width", "activation", "optimizer", "lr", "loss", "steps",
              "batch_size", "seed", "test_mae", "test_rmse", "status", "wall_s", "device", "version")


def _write_v0_store(path, seeds):
    con = sqlite3.connect(path)
    con.executescript("""
        CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
        INSERT INTO meta VALUES ('schema_version', '0'), ('created', '2024-01-01T00:00:00+00:00');
        CREATE TABLE runs (id INTEGER PRIMARY KEY, target TEXT, n INTEGER, layers INTEGER,
            width INTEGER, activation TEXT, optimizer TEXT, lr REAL, loss TEXT, steps INTEGER,
            batch_size INTEGER, seed INTEGER, test_mae REAL, test_rmse REAL, status TEXT,
            wall_s REAL, device TEXT, version TEXT);
    """)
    for seed in seeds:
        con.execute(f"INSERT INTO runs ({', '.join(V0_COLUMNS)}) VALUES "
                    f"({', '.join('?' * len(V0_COLUMNS))})",
                    ["product:4", 4, 1, 4, "tanh", "adadelta", 1.0, "l1", 20, 16, seed,
                     0.5 + seed, 0.7 + seed, "done", 0.1, "cpu", "0.0.1"])
    con.commit()
    con.close()


def test_an_old_store_is_migrated_forward_rows_intact(tmp_path, capsys):
    path = tmp_path / "old.db"
    _write_v0_store(path, seeds=[0, 1])
    rows = _rows(path)                                   # a read-only open migrates first
    assert [(r["seed"], r["test_mae"], r["test_rmse"], r["version"]) for r in rows] == \
        [(0, 0.5, 0.7, "0.0.1"), (1, 1.5, 1.7, "0.0.1")]
    assert {r["domain"] for r in rows} == {"0:2"} and {r["test_size"] for r in rows} == {100_000}
    assert set(COLUMNS) <= set(rows[0])
    con = sqlite3.connect(path)
    assert con.execute("SELECT value FROM meta WHERE key='schema_version'").fetchone() == \
        (str(SCHEMA_VERSION),)
    con.close()
    # The migrated store works as any other: new rows go in, the old ones stay as they were.
    with ResultStore(path) as store:
        spec = ModelSpec("product:4", layers=1, width=4, steps=20, batch_size=16, seed=5,
                         test_size=100)
        assert store.add(RunResult(spec, 0.25, 0.5, "done", 0.1, "cpu"))
    after = _rows(path)
    assert after[:2] == rows and len(after) == 3


def test_a_newer_store_is_refused(tmp_path, capsys):
    path = tmp_path / "new.db"
    _sweep(path, "0")
    con = sqlite3.connect(path)
    con.execute("UPDATE meta SET value = '99' WHERE key = 'schema_version'")
    con.commit()
    con.close()
    code, err = _sweep(path, "1", capsys)
    assert code == 2 and "newer" in err
    _one_line_or_ok(code, err)


def test_read_only_store_exits_2_rows_intact(tmp_path, capsys, monkeypatch):
    path = tmp_path / "runs.db"
    assert _sweep(path, "0,1")[0] == 0
    before = _rows(path)
    path.chmod(0o444)
    try:
        if os.access(path, os.W_OK):                     # root ignores modes: pretend
            real = os.access
            monkeypatch.setattr("depthsep.train.store.os.access",
                                lambda p, mode: False if (os.fspath(p) == str(path) and mode & os.W_OK)
                                else real(p, mode))
        code, err = _sweep(path, "0,1,2", capsys)
        assert code == 2 and "not writable" in err
        _one_line_or_ok(code, err)
    finally:
        path.chmod(0o644)
    assert _rows(path) == before


class _FullDisk(sqlite3.Connection):
    """A connection whose commits fail like a full disk (the transaction is rolled back)."""

    def commit(self):
        self.rollback()
        raise sqlite3.OperationalError("database or disk is full")

    def __exit__(self, kind, value, tb):
        if kind is None:
            self.commit()
        self.rollback()
        return False


def test_a_failing_write_exits_2_rows_intact(tmp_path, capsys, monkeypatch):
    path = tmp_path / "runs.db"
    assert _sweep(path, "0")[0] == 0
    before = _rows(path)
    real = sqlite3.connect
    monkeypatch.setattr("depthsep.train.store.sqlite3.connect",
                        lambda *a, **kw: real(*a, **{**kw, "factory": _FullDisk}))
    code, err = _sweep(path, "0,1,2,3", capsys)
    assert code == 2 and "disk is full" in err
    _one_line_or_ok(code, err)
    monkeypatch.undo()
    assert _rows(path) == before
