"""The results store: one SQLite file, one row per (configuration, seed), safe to kill at any moment.

    >>> from depthsep.train.store import ResultStore
    >>> with ResultStore("runs.db") as store:                      # doctest: +SKIP
    ...     train_models(specs, on_result=store.add)
    ...     store.rows({"target": "product:20", "status": "done"})

Guarantees:

* **No doubles.** ``runs`` has a UNIQUE constraint over the configuration columns + seed
  (:data:`KEY_COLUMNS`); :meth:`ResultStore.add` is ``INSERT … ON CONFLICT DO NOTHING``, so adding
  a result twice (or two sweeps racing on one file) keeps the first row and changes nothing.
* **Safe to create twice at once.** A new store's tables are made inside ``BEGIN IMMEDIATE`` (the
  write lock, waited for up to 60 s): of two processes opening one new file at the same moment,
  one creates the schema and the other finds it there, checks it, and uses it.
* **Crash safety.** WAL journal, and every result is committed the moment it arrives: a sweep killed
  with SIGKILL loses at most the models still training, and :meth:`ResultStore.done_keys` lets the
  next run skip everything already stored.
* **Never damage what is there.** A file that is not SQLite, is corrupt, or is a SQLite database of
  someone else's schema is refused with one line (:class:`DepthsepError`) *before* anything is
  written to it — it is first inspected through a read-only connection. Parent directories are never
  created: a missing or unwritable directory is an error, not a surprise ``mkdir``.

Schema version 2 (``meta.schema_version``). Columns: :data:`COLUMNS`. **Older stores migrate
forward** when opened (in one transaction, rows kept; a read-only open migrates first if the file is
writable); a store from a *newer* depthsep is refused. Version 0 (pre-release) lacked ``domain``,
``test_size`` and ``created``: its runs were all on U[0, 2] with 100 000 test points. Version 1
lacked ``init`` (where a model's weights started, part of its identity): its runs all started from
``random``.
"""

from __future__ import annotations

import csv
import io
import json
import math
import os
import sqlite3
import time
import sys
from datetime import datetime, timezone
from typing import IO, Iterable

from .. import __version__
from ..checks import choice
from ..errors import DepthsepError
from .spec import ModelSpec, RunResult

SCHEMA_VERSION = 2
SQLITE_MAGIC = b"SQLite format 3\x00"

#: The configuration + seed: a row's identity. ``n`` follows from ``target`` and is left out.
KEY_COLUMNS = ("target", "layers", "width", "activation", "optimizer", "lr", "loss", "steps",
               "batch_size", "seed", "domain", "test_size", "init")
#: Every column of ``runs`` but the row id, in table order.
COLUMNS = ("target", "n", "layers", "width", "activation", "optimizer", "lr", "loss", "steps",
           "batch_size", "seed", "domain", "test_size", "init", "test_mae", "test_rmse", "status", "wall_s",
           "device", "version", "created")
STATUSES = ("done", "diverged")

_SCHEMA = f"""
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE runs (
    id         INTEGER PRIMARY KEY,
    target     TEXT    NOT NULL,
    n          INTEGER NOT NULL,
    layers     INTEGER NOT NULL,
    width      INTEGER NOT NULL,
    activation TEXT    NOT NULL,
    optimizer  TEXT    NOT NULL,
    lr         REAL    NOT NULL,
    loss       TEXT    NOT NULL,
    steps      INTEGER NOT NULL,
    batch_size INTEGER NOT NULL,
    seed       INTEGER NOT NULL,
    domain     TEXT    NOT NULL,
    test_size  INTEGER NOT NULL,
    init       TEXT    NOT NULL DEFAULT 'random',
    test_mae   REAL,
    test_rmse  REAL,
    status     TEXT    NOT NULL CHECK (status IN ({", ".join(repr(s) for s in STATUSES)})),
    wall_s     REAL    NOT NULL,   -- seconds of this model's own: its group's time / the models in it
    device     TEXT    NOT NULL,
    version    TEXT    NOT NULL,
    created    TEXT    NOT NULL,
    UNIQUE ({", ".join(KEY_COLUMNS)})
);
CREATE INDEX runs_by_cell ON runs (target, activation, layers, width);
"""


def spec_key(spec: ModelSpec) -> tuple:
    """A spec's identity in the store: its :data:`KEY_COLUMNS` values, as the store returns them."""
    row = spec.row()
    return tuple(row[c] for c in KEY_COLUMNS)


def _fail(path: str, why: str) -> DepthsepError:
    return DepthsepError(f"results store {path}: {why}")


def _inspect_existing(path: str) -> int | None:
    """Check an existing file read-only: its schema version if it is our store (possibly older than
    :data:`SCHEMA_VERSION`, to migrate), None for an empty database to set up.

    Raises (one line) for anything else; writes nothing, ever.
    """
    try:
        with open(path, "rb") as fh:
            head = fh.read(len(SQLITE_MAGIC))
    except OSError as exc:
        raise _fail(path, f"cannot read it ({exc.strerror or exc})") from None
    if not head:
        return None                                     # a 0-byte file: nothing to lose
    if head != SQLITE_MAGIC:
        raise _fail(path, "not a SQLite database (refusing to touch it)")
    try:
        # A long timeout: another process may be creating or migrating this store right now.
        con = sqlite3.connect(f"file:{_uri_path(path)}?mode=ro", uri=True, timeout=60.0)
    except sqlite3.Error as exc:
        raise _fail(path, f"cannot open it read-only ({exc})") from None
    try:
        tables = {name for (name,) in con.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table'")}
        if not tables:
            return None
        if not {"meta", "runs"} <= tables:
            raise _fail(path, "a SQLite database without the depthsep runs schema (refusing to touch it)")
        found = con.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()
        if found is None:
            raise _fail(path, "a SQLite database without a depthsep schema_version (refusing to touch it)")
        try:
            version = int(str(found[0]))
        except ValueError:
            raise _fail(path, f"unreadable schema version {found[0]!r} (refusing to touch it)") from None
        if version > SCHEMA_VERSION:
            raise _fail(path, f"schema version {version} is newer than this depthsep reads "
                              f"({SCHEMA_VERSION}); upgrade depthsep")
        if version not in _MIGRATIONS and version != SCHEMA_VERSION:
            raise _fail(path, f"schema version {version} cannot be migrated (refusing to touch it)")
        columns = {row[1] for row in con.execute("PRAGMA table_info(runs)")}
        wanted = _VERSION_COLUMNS.get(version, COLUMNS)
        missing = [c for c in wanted if c not in columns]
        if missing:
            raise _fail(path, f"table runs lacks column(s) {', '.join(missing)}")
        check = con.execute("PRAGMA quick_check").fetchone()
        if check is None or check[0] != "ok":
            raise _fail(path, f"the database is corrupt ({check[0] if check else 'no answer'})")
    except sqlite3.DatabaseError as exc:
        raise _fail(path, f"corrupt or unreadable SQLite file ({exc})") from None
    finally:
        con.close()
    return version


# -- migrations: each takes a connection in an open transaction and leaves the next version --------

#: The runs columns of a version-0 store (the first release's minimum row).
_V0_COLUMNS = ("target", "n", "layers", "width", "activation", "optimizer", "lr", "loss", "steps",
               "batch_size", "seed", "test_mae", "test_rmse", "status", "wall_s", "device", "version")


def _migrate_0_to_1(con: sqlite3.Connection) -> None:
    con.execute("ALTER TABLE runs RENAME TO runs_v0")
    con.execute("DROP INDEX IF EXISTS runs_by_cell")
    for statement in _SCHEMA.split(";"):
        if "CREATE TABLE runs" in statement or "CREATE INDEX" in statement:
            con.execute(statement)
    created = con.execute("SELECT value FROM meta WHERE key = 'created'").fetchone()
    old = ", ".join(_V0_COLUMNS)
    con.execute(f"INSERT OR IGNORE INTO runs ({old}, domain, test_size, created) "
                f"SELECT {old}, '0:2', 100000, ? FROM runs_v0 ORDER BY rowid",
                [created[0] if created else _now()])
    con.execute("DROP TABLE runs_v0")


#: The runs columns of a version-1 store: no ``init`` (every run started from random weights).
_V1_COLUMNS = tuple(c for c in COLUMNS if c != "init")
_VERSION_COLUMNS = {0: _V0_COLUMNS, 1: _V1_COLUMNS}


def _rebuild_runs(con: sqlite3.Connection, old: tuple, extra: dict) -> None:
    """Re-make ``runs`` (and its index) in the current schema from the old table's ``old`` columns,
    the new ones set to ``extra``'s values; rows keep their order (and ids)."""
    con.execute("ALTER TABLE runs RENAME TO runs_old")
    con.execute("DROP INDEX IF EXISTS runs_by_cell")
    for statement in _SCHEMA.split(";"):
        if "CREATE TABLE runs" in statement or "CREATE INDEX" in statement:
            con.execute(statement)
    names = ", ".join(old)
    added = "".join(f", {c}" for c in extra)
    con.execute(f"INSERT OR IGNORE INTO runs (id, {names}{added}) "
                f"SELECT rowid, {names}{', ?' * len(extra)} FROM runs_old ORDER BY rowid", list(extra.values()))
    con.execute("DROP TABLE runs_old")


def _migrate_1_to_2(con: sqlite3.Connection) -> None:
    _rebuild_runs(con, _V1_COLUMNS, {"init": "random"})


_MIGRATIONS = {0: _migrate_0_to_1, 1: _migrate_1_to_2}


def _migrate(path: str, version: int) -> None:
    """Bring the store at ``path`` from ``version`` to :data:`SCHEMA_VERSION`, atomically."""
    if not os.access(path, os.W_OK) or not os.access(os.path.dirname(os.path.abspath(path)), os.W_OK):
        raise _fail(path, f"schema version {version} must be migrated to {SCHEMA_VERSION}, "
                          "but the file is not writable")
    try:
        con = sqlite3.connect(path, timeout=60.0, isolation_level=None)
    except sqlite3.Error as exc:
        raise _fail(path, f"cannot open it to migrate ({exc})") from None
    try:
        con.execute("BEGIN IMMEDIATE")
        try:
            while version < SCHEMA_VERSION:
                _MIGRATIONS[version](con)
                version += 1
            con.execute("UPDATE meta SET value = ? WHERE key = 'schema_version'", [str(version)])
            con.execute("INSERT OR REPLACE INTO meta (key, value) VALUES ('migrated', ?)",
                        [f"{_now()} by depthsep {__version__}"])
            con.execute("COMMIT")
        except BaseException:
            con.execute("ROLLBACK")
            raise
    except sqlite3.Error as exc:
        raise _fail(path, f"cannot migrate it to schema version {SCHEMA_VERSION} ({exc}); "
                          "nothing was changed") from None
    finally:
        con.close()


def _wal(con: sqlite3.Connection, patience: float = 60.0) -> None:
    """Put the store in WAL mode (a setting kept in the file). Switching needs the database to
    itself, and SQLite answers "database is locked" at once, without its busy timeout, while another
    process that has just created the store holds it open: so retry, as a busy timeout would."""
    deadline = time.monotonic() + patience
    while True:
        try:
            if con.execute("PRAGMA journal_mode").fetchone()[0].lower() != "wal":
                con.execute("PRAGMA journal_mode = WAL")
            return
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) or time.monotonic() > deadline:
                raise
            time.sleep(0.05)


def _uri_path(path: str) -> str:
    from urllib.parse import quote
    return quote(os.path.abspath(path))


class ResultStore:
    """An open results store. Use as a context manager, or call :meth:`close`.

    ``readonly=True`` opens an existing store for reading only (for plots and exports); otherwise
    the store is created if the file does not exist (its directory must exist and be writable).
    """

    def __init__(self, path: str | os.PathLike, readonly: bool = False):
        self.path = path = os.fspath(path)
        self.readonly = readonly
        parent = os.path.dirname(os.path.abspath(path))
        if os.path.isdir(path):
            raise _fail(path, "is a directory, expected a database file")
        if not os.path.isdir(parent):
            raise _fail(path, f"directory {parent} does not exist")
        exists = os.path.exists(path)
        if readonly and not exists:
            raise _fail(path, "no such file")
        version = _inspect_existing(path) if exists else None
        if version is not None and version < SCHEMA_VERSION:
            _migrate(path, version)
        ours = version is not None
        if not readonly:
            if not os.access(parent, os.W_OK | os.X_OK):
                raise _fail(path, f"directory {parent} is not writable")
            if exists and not os.access(path, os.W_OK):
                raise _fail(path, "file is not writable")
        try:
            if readonly:
                # Where we may write, still a read-write connection (this object refuses writes):
                # the last connection to close deletes the WAL's -wal and -shm files, but only if it
                # can write — a read-only one leaves them beside the store after every plot.
                writable = os.access(path, os.W_OK) and os.access(parent, os.W_OK | os.X_OK)
                self._con = sqlite3.connect(f"file:{_uri_path(path)}?mode={'rw' if writable else 'ro'}",
                                            uri=True, timeout=60.0)
                self._con.execute("PRAGMA schema_version")   # a read: closing then tidies up even unread
            else:
                self._con = sqlite3.connect(path, timeout=60.0)
                self._con.execute("PRAGMA busy_timeout = 60000")
        except sqlite3.Error as exc:
            raise _fail(path, f"cannot open it ({exc})") from None
        if not readonly and not ours and not self._create():
            # Another process set the store up between our look and our lock: check what it made
            # as any existing file is checked (this raises, and closes, if it is not our store).
            try:
                version = _inspect_existing(path)
                if version is not None and version < SCHEMA_VERSION:
                    _migrate(path, version)
            except BaseException:
                self.close()
                raise
        if not readonly:
            try:
                _wal(self._con)
                self._con.execute("PRAGMA synchronous = NORMAL")
            except sqlite3.Error as exc:
                self.close()
                raise _fail(path, f"cannot open it ({exc})") from None
        self._con.row_factory = sqlite3.Row

    def _create(self) -> bool:
        """Make the schema in an empty database, atomically. False, changing nothing, if the
        database is not empty any more when the write lock is ours."""
        con = self._con
        try:
            con.execute("BEGIN IMMEDIATE")
            try:
                if con.execute("SELECT count(*) FROM sqlite_master").fetchone()[0]:
                    con.rollback()
                    return False
                for statement in _SCHEMA.split(";"):
                    if statement.strip():
                        con.execute(statement)
                con.executemany("INSERT INTO meta (key, value) VALUES (?, ?)", [
                    ("schema_version", str(SCHEMA_VERSION)), ("created_by", f"depthsep {__version__}"),
                    ("created", _now())])
                con.commit()
            except BaseException:
                con.rollback()
                raise
        except sqlite3.Error as exc:
            self.close()
            raise _fail(self.path, f"cannot create it ({exc})") from None
        return True

    # -- context manager -----------------------------------------------------------------------

    def __enter__(self) -> "ResultStore":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def close(self) -> None:
        if getattr(self, "_con", None) is not None:
            self._con.close()
            self._con = None

    # -- writing ---------------------------------------------------------------------------------

    def add(self, result: RunResult) -> bool:
        """Store one result and commit at once. False if that (configuration, seed) was already there."""
        if self.readonly:
            raise _fail(self.path, "opened read-only")
        if not isinstance(result, RunResult):
            raise DepthsepError(f"the store takes RunResult values, got {type(result).__name__}")
        if result.status not in STATUSES:
            raise DepthsepError(f"unknown run status {result.status!r}")
        row = {**result.row(), "version": __version__, "created": _now()}
        for name in ("test_mae", "test_rmse"):          # never store NaN/inf as a number
            value = row[name]
            if value is not None and not math.isfinite(value):
                row[name] = None
        sql = (f"INSERT INTO runs ({', '.join(COLUMNS)}) VALUES ({', '.join('?' * len(COLUMNS))}) "
               f"ON CONFLICT ({', '.join(KEY_COLUMNS)}) DO NOTHING")
        try:
            with self._con:
                cursor = self._con.execute(sql, [row[c] for c in COLUMNS])
        except sqlite3.Error as exc:
            raise _fail(self.path, f"cannot write ({exc})") from None
        return cursor.rowcount == 1

    def add_all(self, results: Iterable[RunResult]) -> int:
        """Add each result (one commit each); return how many were new."""
        return sum(self.add(r) for r in results)

    # -- reading ---------------------------------------------------------------------------------

    def done_keys(self) -> set[tuple]:
        """The :func:`spec_key` of every stored run (done or diverged: both are finished work)."""
        return {tuple(row) for row in self._query(f"SELECT {', '.join(KEY_COLUMNS)} FROM runs", [])}

    def has(self, spec: ModelSpec) -> bool:
        return spec_key(spec) in self.done_keys()

    def rows(self, filters: dict | None = None, **more) -> list[dict]:
        """Rows as dicts (insertion order). ``filters``: column → value, or a list/tuple for IN."""
        filters = {**(filters or {}), **more}
        clauses, args = [], []
        for column, value in filters.items():
            if column not in COLUMNS and column != "id":
                raise DepthsepError(f"unknown column '{column}' (choose from {', '.join(COLUMNS)})")
            if isinstance(value, (list, tuple, set, frozenset)):
                values = list(value)
                if not values:
                    return []
                clauses.append(f"{column} IN ({', '.join('?' * len(values))})")
                args.extend(values)
            elif value is None:
                clauses.append(f"{column} IS NULL")
            else:
                clauses.append(f"{column} = ?")
                args.append(value)
        where = f" WHERE {' AND '.join(clauses)}" if clauses else ""
        return [dict(row) for row in self._query(f"SELECT * FROM runs{where} ORDER BY id", args)]

    def count(self) -> int:
        return self._query("SELECT COUNT(*) FROM runs", [])[0][0]

    def _query(self, sql: str, args: list) -> list:
        try:
            return self._con.execute(sql, args).fetchall()
        except sqlite3.Error as exc:
            raise _fail(self.path, f"cannot read ({exc})") from None

    # -- export ----------------------------------------------------------------------------------

    def export_csv(self, out: str | os.PathLike | IO[str], filters: dict | None = None) -> int:
        """Write rows as CSV (header = ``id`` + :data:`COLUMNS`) to a path or text file; return the count."""
        return write_rows(self.rows(filters), out, "csv")

    def export_json(self, out: str | os.PathLike | IO[str], filters: dict | None = None) -> int:
        """Write rows as a JSON list of objects to a path or text file; return the count."""
        return write_rows(self.rows(filters), out, "json")


EXPORT_FORMATS = ("csv", "json")


def read_rows(store_path, filters: dict | None = None) -> list[dict]:
    """The rows of the store at ``store_path`` as dicts, in insertion order (opened read-only;
    ``filters`` as for :meth:`ResultStore.rows`)."""
    with ResultStore(store_path, readonly=True) as store:
        return store.rows(filters)


def format_rows(rows: list[dict], fmt: str = "csv") -> str:
    """Store rows as CSV text (header = ``id`` + :data:`COLUMNS`; floats in full precision, None
    empty) or as a JSON list of objects."""
    choice(fmt, "format", EXPORT_FORMATS)
    buffer = io.StringIO()
    if fmt == "csv":
        _csv(buffer, rows)
    else:
        json.dump(rows, buffer, indent=1)
        buffer.write("\n")
    return buffer.getvalue()


def write_rows(rows: list[dict], out: str | os.PathLike | IO[str], fmt: str = "csv") -> int:
    """Write :func:`format_rows` to a path or a text file; return the count."""
    _write(out, format_rows(rows, fmt))
    return len(rows)


def _csv(fh: IO[str], rows: list[dict]) -> None:
    writer = csv.DictWriter(fh, fieldnames=("id",) + COLUMNS, lineterminator="\n")
    writer.writeheader()
    for row in rows:
        writer.writerow({k: ("" if v is None else repr(v) if isinstance(v, float) else v)
                         for k, v in row.items()})


def _write(out, text: str) -> None:
    if hasattr(out, "write"):
        out.write(text)
        return
    path = os.fspath(out)
    parent = os.path.dirname(os.path.abspath(path))
    if not os.path.isdir(parent):
        raise DepthsepError(f"cannot write {path}: directory {parent} does not exist")
    try:
        with open(path, "w", encoding="utf-8", newline="") as fh:
            fh.write(text)
    except OSError as exc:
        raise DepthsepError(f"cannot write {path}: {exc.strerror or exc}") from None


def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


def open_store(path, readonly: bool = False) -> ResultStore:
    """Open (or create) the store at ``path``; see :class:`ResultStore`."""
    return ResultStore(path, readonly=readonly)


def export(store_path, fmt: str = "csv", out: str | os.PathLike | IO[str] | None = None,
           filters: dict | None = None) -> int:
    """Write a store's rows as CSV or JSON (to stdout when ``out`` is None); return the count."""
    choice(fmt, "format", EXPORT_FORMATS)
    return write_rows(read_rows(store_path, filters), sys.stdout if out is None else out, fmt)


__all__ = ["COLUMNS", "EXPORT_FORMATS", "KEY_COLUMNS", "SCHEMA_VERSION", "ResultStore", "export",
           "format_rows", "open_store", "read_rows", "spec_key", "write_rows"]
