"""The clinic's records: people, their %MVIC references, their sessions, their screening results,
the exercises a clinician adapted, and (on a server) the recordings themselves.

One ``Store`` API on two backends: a SQLite file (the default, one per user) or a PostgreSQL server
the clinic's workstations share (``pg.py`` says why psycopg and the store's own SQL). The schema
is versioned: one list of forward migrations (``migrations.py``), each applied in its own
transaction when an older database is opened, the same history on both. A database from a newer
release is refused, not downgraded. One ``Store`` per thread; the UI owns one.

SQLite: standard-library ``sqlite3`` with WAL journaling (a crash never corrupts earlier records).
Several writers at once (two windows, the window and a ``glutefire`` command): every write is one
``BEGIN IMMEDIATE`` transaction, so a writer takes the file's write lock before it reads what it
changes, and waits for another (``busy_timeout``, 30 s) instead of failing or interleaving
(SQLite's locking: https://www.sqlite.org/lockingv3.html, https://www.sqlite.org/wal.html).
Foreign keys are on for every connection. PostgreSQL: the same transactions under its MVCC; a
session is written with ``INSERT … ON CONFLICT (uuid)``, so a retried write never duplicates it.
Errors of both are ``db_errors`` (subclasses of ``sqlite3``'s, so older callers catch them).
"""

from __future__ import annotations

import datetime as _dt
import hashlib
import json
import os
import sqlite3
import uuid as _uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, Protocol

from platformdirs import user_data_dir

from app.analysis.mvic import MvicReference
from app.errors import UserError
from app.storage import db_url
from app.storage.db_errors import RecordsError
from app.storage.migrations import MIGRATIONS, SCHEMA_V1, SCHEMA_VERSION
from app.storage.private import make_private_dir, open_private

__all__ = ["BUSY_TIMEOUT_S", "SCHEMA_VERSION", "Person", "SessionRecord", "Store", "default_path", "parse_sides"]

#: how long a writer waits for another one's transaction before giving up
BUSY_TIMEOUT_S = 30.0
#: a stored recording's piece (bytes): one row each, so no value nears PostgreSQL's 1 GB limit
RECORDING_CHUNK = 1 << 20


def default_path() -> Path:
    return Path(user_data_dir("GluteFire", "GluteFire")) / "glutefire.sqlite3"


def _now() -> str:
    return _dt.datetime.now(_dt.UTC).astimezone().isoformat(timespec="seconds")


@dataclass(frozen=True)
class Person:
    """Someone with records: a name (or only a pseudonymous ID), the sides of interest, notes."""

    id: int
    name: str
    notes: str
    created_at: str
    pseudonym: str = ""
    sides: tuple[str, ...] = ()
    archived_at: str | None = None

    @property
    def archived(self) -> bool:
        return self.archived_at is not None

    def shown(self, pseudonymous: bool = False) -> str:
        """The name, or the pseudonymous ID where a report must not carry the name."""
        if not pseudonymous:
            return self.name
        return self.pseudonym or f"person {self.id}"


_PERSON = "id, name, notes, created_at, pseudonym, sides, archived_at"


def _person(row: tuple[Any, ...]) -> Person:
    sides = tuple(x for x in str(row[5]).split(",") if x)
    return Person(int(row[0]), str(row[1]), str(row[2]), str(row[3]), str(row[4]), sides, row[6])


def parse_sides(text: str) -> tuple[str, ...]:
    """'L,R' / 'l' / 'left, right' -> ('L', 'R'); anything else is a sentence."""
    out: list[str] = []
    for part in text.replace(" ", ",").split(","):
        p = part.strip().upper()
        if not p:
            continue
        side = {"L": "L", "LEFT": "L", "R": "R", "RIGHT": "R"}.get(p)
        if side is None:
            raise UserError(f"Unknown side {part.strip()!r}; use L, R or L,R.")
        if side not in out:
            out.append(side)
    return tuple(sorted(out))


@dataclass(frozen=True)
class SessionRecord:
    id: int
    person_id: int | None
    started_at: str
    exercise: str
    csv_path: str | None
    summary: dict[str, Any]
    uuid: str = ""  # the same on every workstation and in the server's copy of the recording


_SESSION = "id, person_id, started_at, exercise, csv_path, summary, uuid"


def _session(row: tuple[Any, ...]) -> SessionRecord:
    return SessionRecord(int(row[0]), row[1], str(row[2]), str(row[3]), row[4], json.loads(row[5]), str(row[6] or ""))


def stored_name(name: str) -> str:
    """A stored recording's file name as a plain name (another workstation's path, even a
    Windows one, never leads out of the folder it is fetched into)."""
    base = Path(name.replace("\\", "/")).name
    return base if base not in ("", ".", "..") else "recording.csv"


class _Db(Protocol):
    """A connection to one backend: SQLite here, PostgreSQL in ``pg.PgDb``."""

    dialect: str
    like: str
    where: str

    def execute(self, sql: str, args: tuple[Any, ...] | list[Any] = ()) -> Any: ...
    def begin(self, schema: bool) -> None: ...
    def commit(self) -> None: ...
    def rollback(self) -> None: ...
    def set_patience(self, seconds: float) -> None: ...
    def json_true(self, column: str, key: str) -> str: ...
    def table_exists(self, name: str) -> bool: ...
    def ddl(self, sql: str) -> str: ...
    def close(self) -> None: ...


class _SqliteDb:
    """The per-user file, in autocommit mode: every write is an explicit ``BEGIN IMMEDIATE``."""

    dialect = "sqlite"
    like = "LIKE"

    def __init__(self, path: Path) -> None:
        self.where = str(path)
        self._conn = sqlite3.connect(path, timeout=BUSY_TIMEOUT_S, isolation_level=None)
        self._conn.execute("PRAGMA foreign_keys = ON")
        self._conn.execute("PRAGMA journal_mode = WAL")

    def execute(self, sql: str, args: tuple[Any, ...] | list[Any] = ()) -> Any:
        return self._conn.execute(sql, args)

    def begin(self, schema: bool) -> None:
        self._conn.execute("BEGIN IMMEDIATE")  # the write lock from the start: the file's one writer

    def commit(self) -> None:
        self._conn.execute("COMMIT")

    def rollback(self) -> None:
        self._conn.execute("ROLLBACK")

    def set_patience(self, seconds: float) -> None:
        self._conn.execute(f"PRAGMA busy_timeout = {int(seconds * 1000)}")

    def json_true(self, column: str, key: str) -> str:
        return f"json_extract({column}, '$.{key}') = 1"  # SQLite's JSON functions

    def table_exists(self, name: str) -> bool:
        return self._conn.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?",
                                  (name,)).fetchone() is not None

    def ddl(self, sql: str) -> str:
        return sql

    def close(self) -> None:
        self._conn.close()


def new_uuid() -> str:
    """A session's or screening result's key, made where it is recorded (RFC 9562 version 4)."""
    return str(_uuid.uuid4())


class Store:
    """People, references, sessions and recordings in a real SQLite file or PostgreSQL server.

    ``target``: a file path, a ``postgresql://`` URL, or None for the user's choice
    (``GLUTEFIRE_DATABASE_URL``) or else the per-user file. ``path`` says where, for sentences
    (the file, or the server's URL without its password); ``shared`` is True on a server."""

    def __init__(self, target: str | Path | None = None) -> None:
        chosen = db_url.chosen(target)
        self._target = chosen
        self.shared = db_url.is_server(chosen)
        self._db: _Db
        if self.shared:
            from app.storage.pg import PgDb

            url = str(chosen).strip()
            self.path: Path | str = db_url.redact(url)
            try:
                self._db = PgDb(url, BUSY_TIMEOUT_S)
            except RecordsError as exc:
                raise UserError(f"Cannot open the records at {self.path}: {exc}.") from None
            try:
                self._open_schema()
            except RecordsError as exc:
                self._db.close()
                raise UserError(f"Cannot open the records at {self.path}: {exc}.") from None
            except BaseException:
                self._db.close()
                raise
            return
        self.path = path = Path(chosen) if chosen is not None else default_path()
        try:
            make_private_dir(path.parent)
            if not path.exists():  # created owner-only (SQLite gives its -wal/-shm the same mode)
                open_private(path, "a").close()
            else:
                self._look_before_writing(path)
            self._db = _SqliteDb(path)
            try:
                self._open_schema()
            except BaseException:
                self._db.close()
                raise
        except sqlite3.DatabaseError as exc:
            raise UserError(f"{path} is not a GluteFire database ({exc}).") from None
        except OSError as exc:
            raise UserError(f"Cannot open the records at {path}: {exc.strerror or exc}.") from None

    @staticmethod
    def _look_before_writing(path: Path) -> None:
        """Read an existing file first, without writing: a broken or newer file is refused
        untouched (opening it for writing would already switch it to WAL or add tables), so it
        stays as it was for recovery or for the newer GluteFire."""
        if path.stat().st_size == 0:
            return
        ro = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
        try:
            tables = {r[0] for r in ro.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
            if "schema_version" in tables:
                row = ro.execute("SELECT version FROM schema_version").fetchone()
                if row is not None and int(row[0]) > SCHEMA_VERSION:
                    raise UserError(f"{path} was written by a newer GluteFire (schema {int(row[0])}); "
                                    "update GluteFire.")
        finally:
            ro.close()

    @contextmanager
    def patience(self, seconds: float) -> Iterator[None]:
        """Wait at most ``seconds`` for another program's write lock (or, on a server, for a
        reconnect) in this block: the window's thread must not stand still for the usual 30 s.
        Raises ``RecordsUnavailable`` (on SQLite ``sqlite3.OperationalError`` "database is
        locked") after that."""
        self._db.set_patience(seconds)
        try:
            yield
        finally:
            self._db.set_patience(BUSY_TIMEOUT_S)

    @contextmanager
    def _tx(self, schema: bool = False) -> Iterator[_Db]:
        """One write transaction holding the write lock from its start (waits for another writer)."""
        self._db.begin(schema)
        try:
            yield self._db
        except BaseException:
            self._db.rollback()
            raise
        self._db.commit()

    def _open_schema(self) -> None:
        """Create a new database or bring an older one up to date: each migration in one
        transaction with its version bump, the version read again under the write lock (two
        programs opening an old database at once migrate it once). A database already at this
        version is only read (a clinician's role on a server may not create tables)."""
        db = self._db
        if db.table_exists("schema_version"):
            row = db.execute("SELECT version FROM schema_version").fetchone()
            if row is not None and int(row[0]) == SCHEMA_VERSION:
                return
            if row is not None and int(row[0]) > SCHEMA_VERSION:
                raise UserError(f"{self.path} was written by a newer GluteFire (schema {int(row[0])}); "
                                "update GluteFire.")
        with self._tx(schema=True) as db:
            for sql in SCHEMA_V1.split(";"):
                if sql.strip():
                    db.execute(db.ddl(sql))
            if db.execute("SELECT version FROM schema_version").fetchone() is None:
                db.execute("INSERT INTO schema_version VALUES (1)")
        while True:
            with self._tx(schema=True) as db:
                version = int(db.execute("SELECT version FROM schema_version").fetchone()[0])
                if version > SCHEMA_VERSION:
                    raise UserError(
                        f"{self.path} was written by a newer GluteFire (schema {version}); update GluteFire."
                    )
                if version == SCHEMA_VERSION:
                    return
                step = MIGRATIONS[version + 1]
                for sql in step.statements():
                    db.execute(db.ddl(sql))
                if step.backfill is not None:
                    step.backfill(db)
                db.execute("UPDATE schema_version SET version = ?", (version + 1,))

    @property
    def version(self) -> int:
        return int(self._db.execute("SELECT version FROM schema_version").fetchone()[0])

    def close(self) -> None:
        self._db.close()

    def reopen(self) -> Store:
        """Another connection to the same records (for a thread of its own)."""
        return Store(self._target)

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- people --
    def add_person(self, name: str, notes: str = "", pseudonym: str = "", sides: tuple[str, ...] = ()) -> Person:
        name = name.strip()
        if not name:
            raise UserError("A person needs a name (or a pseudonymous ID as their name).")
        try:
            with self._tx() as db:
                (new_id,) = db.execute(
                    "INSERT INTO person(name, notes, created_at, pseudonym, sides) VALUES (?, ?, ?, ?, ?) RETURNING id",
                    (name, notes, _now(), pseudonym.strip(), ",".join(sides)),
                ).fetchone()
        except sqlite3.IntegrityError:
            raise UserError(f"There is already a person called {name!r}.") from None
        return self.person(int(new_id))

    def ensure_person(self, name: str) -> Person:
        """The person called ``name``, added if nobody is: two workstations doing it at once get
        the same one (the insert does nothing when the name is already taken)."""
        key = name.strip()
        found = self.find_person(key)
        if found is not None:
            return found
        if not key:
            raise UserError("A person needs a name (or a pseudonymous ID as their name).")
        with self._tx() as db:
            db.execute("INSERT INTO person(name, notes, created_at) VALUES (?, '', ?) ON CONFLICT (name) DO NOTHING",
                       (key, _now()))
        return self.require_person(key)

    def update_person(self, person_id: int, *, name: str | None = None, notes: str | None = None,
                      pseudonym: str | None = None, sides: tuple[str, ...] | None = None) -> Person:
        """Change what is given; the rest stays."""
        old = self.person(person_id)
        new_name = old.name if name is None else name.strip()
        if not new_name:
            raise UserError("A person needs a name (or a pseudonymous ID as their name).")
        try:
            with self._tx() as db:
                db.execute(
                    "UPDATE person SET name = ?, notes = ?, pseudonym = ?, sides = ? WHERE id = ?",
                    (new_name, old.notes if notes is None else notes,
                     old.pseudonym if pseudonym is None else pseudonym.strip(),
                     ",".join(old.sides if sides is None else sides), person_id),
                )
        except sqlite3.IntegrityError:
            raise UserError(f"There is already a person called {new_name!r}.") from None
        return self.person(person_id)

    def archive_person(self, person_id: int, archived: bool = True) -> Person:
        """An archived person keeps every record but leaves the everyday lists."""
        self.person(person_id)
        with self._tx() as db:
            db.execute("UPDATE person SET archived_at = ? WHERE id = ?", (_now() if archived else None, person_id))
        return self.person(person_id)

    def delete_person(self, person_id: int) -> int:
        """The person and everything the records hold of them (references, sessions, screening
        results), in one transaction; returns how many sessions went. Recordings on disk stay."""
        self.person(person_id)
        with self._tx() as db:
            n = db.execute("DELETE FROM session WHERE person_id = ?", (person_id,)).rowcount
            db.execute("DELETE FROM person WHERE id = ?", (person_id,))  # references, screening: cascade
        return int(n)

    def person(self, person_id: int) -> Person:
        row = self._db.execute(f"SELECT {_PERSON} FROM person WHERE id = ?", (person_id,)).fetchone()
        if row is None:
            raise UserError(f"No person with id {person_id}.")
        return _person(row)

    def find_person(self, name: str) -> Person | None:
        """By name, or else by pseudonymous ID."""
        key = name.strip()
        row = self._db.execute(f"SELECT {_PERSON} FROM person WHERE name = ?", (key,)).fetchone()
        if row is None and key:
            row = self._db.execute(f"SELECT {_PERSON} FROM person WHERE pseudonym = ?", (key,)).fetchone()
        return _person(row) if row else None

    def require_person(self, name: str) -> Person:
        """``find_person`` or a sentence naming the file."""
        found = self.find_person(name)
        if found is None:
            raise UserError(f"No person named {name.strip()!r} in {self.path}; add them with "
                            f"'glutefire people add' or in People.")
        return found

    def people(self, include_archived: bool = False) -> list[Person]:
        where = "" if include_archived else " WHERE archived_at IS NULL"
        return [_person(r) for r in self._db.execute(f"SELECT {_PERSON} FROM person{where} ORDER BY name")]

    # -- %MVIC references --
    def save_mvic(self, person_id: int, ref: MvicReference) -> MvicReference:
        """Keep ``ref`` as the person's newest reference for its muscle; returns it as stored
        (with the time it was recorded, when it had none)."""
        if not ref.value_uv > 0:
            raise UserError(f"The reference for {ref.label} must be above 0 µV.")
        recorded = ref.recorded_at or _now()
        with self._tx():
            self._db.execute(
                "INSERT INTO mvic(person_id, label, value_uv, method, window_ms, n_contractions,"
                " fraction, recorded_at, position) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (person_id, ref.label, float(ref.value_uv), ref.method, float(ref.window_ms),
                 int(ref.n_contractions), float(ref.fraction), recorded, ref.position),
            )
        return replace(ref, recorded_at=recorded)

    _MVIC_COLUMNS = "label, value_uv, method, window_ms, n_contractions, fraction, recorded_at, position"

    def latest_mvic(self, person_id: int) -> dict[str, MvicReference]:
        """The newest reference per muscle label."""
        rows = self._db.execute(
            f"SELECT {self._MVIC_COLUMNS} FROM mvic WHERE person_id = ? ORDER BY recorded_at, id",
            (person_id,),
        ).fetchall()
        return {r[0]: MvicReference(*r) for r in rows}

    def mvic_history(self, person_id: int, label: str | None = None) -> list[MvicReference]:
        """Every reference of one muscle (or of all, ``label=None``), oldest first."""
        sql = f"SELECT {self._MVIC_COLUMNS} FROM mvic WHERE person_id = ?"
        args: tuple[Any, ...] = (person_id,)
        if label is not None:
            sql, args = sql + " AND label = ?", (person_id, label)
        rows = self._db.execute(sql + " ORDER BY recorded_at, id", args).fetchall()
        return [MvicReference(*r) for r in rows]

    # -- sessions --
    def add_session(
        self,
        person_id: int | None,
        exercise: str,
        csv_path: str | None,
        summary: dict[str, Any],
        started_at: str | None = None,
    ) -> SessionRecord:
        return self.put_session(new_uuid(), person_id, exercise, csv_path, summary, started_at)

    def put_session(self, session_uuid: str, person_id: int | None, exercise: str, csv_path: str | None,
                    summary: dict[str, Any], started_at: str | None = None) -> SessionRecord:
        """The session with this UUID, added or (when it is there already) given this exercise,
        recording and summary; its person and start stay. Idempotent: a write retried after a
        lost connection, or a history copied twice, leaves one session."""
        with self._tx() as db:
            (row_id,) = db.execute(
                "INSERT INTO session(person_id, started_at, exercise, csv_path, summary, uuid) VALUES (?, ?, ?, ?, ?, ?)"
                " ON CONFLICT (uuid) DO UPDATE SET exercise = excluded.exercise, csv_path = excluded.csv_path,"
                " summary = excluded.summary RETURNING id",
                (person_id, started_at or _now(), exercise, csv_path, json.dumps(summary), session_uuid),
            ).fetchone()
        return self.session(int(row_id))

    def session_by_uuid(self, session_uuid: str) -> SessionRecord | None:
        row = self._db.execute(f"SELECT {_SESSION} FROM session WHERE uuid = ?", (session_uuid,)).fetchone()
        return _session(row) if row else None

    def update_session(self, session_id: int, *, exercise: str | None = None,
                       summary: dict[str, Any] | None = None) -> SessionRecord:
        """Fill in a session opened at the start of its recording."""
        old = self.session(session_id)
        with self._tx() as db:
            db.execute("UPDATE session SET exercise = ?, summary = ? WHERE id = ?",
                       (old.exercise if exercise is None else exercise,
                        json.dumps(old.summary if summary is None else summary), session_id))
        return self.session(session_id)

    def unfinished_sessions(self) -> list[SessionRecord]:
        """Sessions whose recording never reached Stop (the program was killed or crashed)."""
        rows = self._db.execute(  # the database's JSON functions: only the open ones are read and parsed
            f"SELECT {_SESSION} FROM session"
            f" WHERE {self._db.json_true('summary', 'in_progress')} ORDER BY started_at, id").fetchall()
        return [_session(r) for r in rows]

    def session(self, session_id: int) -> SessionRecord:
        row = self._db.execute(
            f"SELECT {_SESSION} FROM session WHERE id = ?",
            (session_id,),
        ).fetchone()
        if row is None:
            raise UserError(f"No session with id {session_id}.")
        return _session(row)

    def all_sessions(self) -> list[SessionRecord]:
        """Every session, anyone's or nobody's, oldest first."""
        rows = self._db.execute(
            f"SELECT {_SESSION} FROM session ORDER BY started_at, id"
        ).fetchall()
        return [_session(r) for r in rows]

    def sessions(self, person_id: int, exercise: str | None = None, since: str | None = None,
                 until: str | None = None) -> list[SessionRecord]:
        """A person's sessions, oldest first; ``exercise`` matches a part of the name, ``since`` /
        ``until`` are ISO dates (inclusive)."""
        sql = f"SELECT {_SESSION} FROM session WHERE person_id = ?"
        args: list[Any] = [person_id]
        if exercise:
            sql += f" AND exercise {self._db.like} ?"
            args.append(f"%{exercise}%")
        if since:
            sql += " AND substr(started_at, 1, 10) >= ?"
            args.append(since[:10])
        if until:
            sql += " AND substr(started_at, 1, 10) <= ?"
            args.append(until[:10])
        rows = self._db.execute(sql + " ORDER BY started_at, id", args).fetchall()
        return [_session(r) for r in rows]

    def session_for_recording(self, csv_path: str | Path) -> SessionRecord | None:
        """The session a recording belongs to: its path as recorded, or else the one session whose
        recording had the same file name (the folder was moved or copied)."""
        target = Path(csv_path).resolve()
        rows = self._db.execute(  # only the sessions whose recording has this file name (the index narrows it)
            f"SELECT {_SESSION} FROM session WHERE csv_path {self._db.like} ?"
            " ORDER BY id DESC", (f"%{target.name}",)).fetchall()
        for r in rows:
            if Path(r[4]).resolve() == target:
                return _session(r)
        same_name = [r for r in rows if Path(r[4]).name == target.name]
        return _session(same_name[0]) if len(same_name) == 1 else None

    # -- screening results --
    def add_screening(self, person_id: int | None, test: str, result: dict[str, Any], taken_at: str | None = None,
                      result_uuid: str | None = None) -> int:
        """A screening test's result card (``ResultCard.to_dict()``), for the four-week retest;
        idempotent on ``result_uuid`` (made here when not given)."""
        with self._tx() as db:
            db.execute(
                "INSERT INTO screening(person_id, test, taken_at, flagged, result, uuid) VALUES (?, ?, ?, ?, ?, ?)"
                " ON CONFLICT (uuid) DO NOTHING",
                (person_id, test, taken_at or _now(), int(bool(result.get("flagged"))), json.dumps(result),
                 result_uuid := result_uuid or new_uuid()),
            )
            (row_id,) = db.execute("SELECT id FROM screening WHERE uuid = ?", (result_uuid,)).fetchone()
        return int(row_id)

    def screenings(self, person_id: int, test: str | None = None) -> list[dict[str, Any]]:
        """A person's screening results, oldest first (each with ``id`` and ``taken_at``)."""
        sql = "SELECT id, test, taken_at, result, uuid FROM screening WHERE person_id = ?"
        args: tuple[Any, ...] = (person_id,)
        if test is not None:
            sql, args = sql + " AND test = ?", (person_id, test)
        rows = self._db.execute(sql + " ORDER BY taken_at, id", args).fetchall()
        return [{"id": r[0], "test": r[1], "taken_at": r[2], "uuid": r[4], **json.loads(r[3])} for r in rows]

    # -- exercises a clinician adapted --
    def save_exercise(self, definition: dict[str, Any]) -> None:
        """Keep a clinician's version of an exercise (``Exercise.to_dict()``), replacing an earlier
        one with the same id."""
        with self._tx():
            self._db.execute(
                "INSERT INTO exercise(id, custom_of, name, definition, saved_at) VALUES (?, ?, ?, ?, ?)"
                " ON CONFLICT (id) DO UPDATE SET custom_of = excluded.custom_of, name = excluded.name,"
                " definition = excluded.definition, saved_at = excluded.saved_at",
                (definition["id"], definition.get("custom_of"), definition["name"], json.dumps(definition), _now()),
            )

    def custom_exercises(self) -> list[dict[str, Any]]:
        rows = self._db.execute("SELECT definition FROM exercise ORDER BY name").fetchall()
        return [json.loads(r[0]) for r in rows]

    def delete_exercise(self, exercise_id: str) -> None:
        with self._tx():
            self._db.execute("DELETE FROM exercise WHERE id = ?", (exercise_id,))

    # -- recordings (so another workstation can open them) --
    def put_recording(self, session_uuid: str, path: str | Path) -> bool:
        """Keep the finished recording at ``path`` in the database under its session's UUID, in
        ``RECORDING_CHUNK`` pieces, in one transaction (a connection lost half-way leaves nothing
        half-stored). Idempotent: False, and nothing written, when this very file (SHA-256) is
        there already."""
        path = Path(path)
        digest = hashlib.sha256()
        with open(path, "rb") as f:
            for block in iter(lambda: f.read(RECORDING_CHUNK), b""):
                digest.update(block)
        known = self._db.execute("SELECT sha256 FROM recording WHERE session_uuid = ?", (session_uuid,)).fetchone()
        if known is not None and known[0] == digest.hexdigest():
            return False
        with self._tx() as db, open(path, "rb") as f:
            db.execute("DELETE FROM recording WHERE session_uuid = ?", (session_uuid,))  # its chunks: cascade
            db.execute("INSERT INTO recording(session_uuid, name, size, sha256, uploaded_at) VALUES (?, ?, ?, ?, ?)",
                       (session_uuid, path.name, path.stat().st_size, digest.hexdigest(), _now()))
            for seq, block in enumerate(iter(lambda: f.read(RECORDING_CHUNK), b"")):
                db.execute("INSERT INTO recording_chunk(session_uuid, seq, data) VALUES (?, ?, ?)",
                           (session_uuid, seq, block))
        return True

    def recording_info(self, session_uuid: str) -> tuple[str, int, str] | None:
        """(file name, size in bytes, SHA-256) of the stored recording, or None."""
        row = self._db.execute("SELECT name, size, sha256 FROM recording WHERE session_uuid = ?",
                               (session_uuid,)).fetchone()
        return (str(row[0]), int(row[1]), str(row[2])) if row else None

    def fetch_recording(self, session_uuid: str, folder: str | Path) -> Path:
        """Write the stored recording into ``folder`` (under its own file name) and check it
        against its SHA-256; a sentence when there is none or it does not match."""
        info = self.recording_info(session_uuid)
        if info is None:
            raise UserError(f"The records at {self.path} hold no recording of session {session_uuid}.")
        name, _, sha = info
        out = Path(folder) / stored_name(name)
        digest = hashlib.sha256()
        tmp = out.with_name(out.name + ".part")
        try:
            with os.fdopen(os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600), "wb") as f:
                for (block,) in self._db.execute("SELECT data FROM recording_chunk WHERE session_uuid = ? ORDER BY seq",
                                                 (session_uuid,)).fetchall():
                    digest.update(bytes(block))
                    f.write(bytes(block))
        except BaseException:  # the server went away half-way, a full disk: no half file left
            tmp.unlink(missing_ok=True)
            raise
        if digest.hexdigest() != sha:
            tmp.unlink()
            raise UserError(f"The stored recording of session {session_uuid} is damaged (its checksum differs).")
        tmp.replace(out)
        return out

    # -- a whole history, for ``transfer.copy_records`` --
    def import_person(self, p: Person) -> tuple[Person, bool]:
        """The person of another database here, by name, with their own dates; (person, added)."""
        with self._tx() as db:
            added = db.execute(
                "INSERT INTO person(name, notes, created_at, pseudonym, sides, archived_at) VALUES (?, ?, ?, ?, ?, ?)"
                " ON CONFLICT (name) DO NOTHING RETURNING id",
                (p.name, p.notes, p.created_at, p.pseudonym, ",".join(p.sides), p.archived_at)).fetchone()
        return self.require_person(p.name), added is not None

    def all_screenings(self) -> list[tuple[int | None, dict[str, Any]]]:
        """Every screening result, anyone's or nobody's: (person id, result with its keys)."""
        rows = self._db.execute("SELECT person_id, id, test, taken_at, result, uuid FROM screening ORDER BY taken_at, id")
        return [(r[0], {"id": r[1], "test": r[2], "taken_at": r[3], "uuid": r[5], **json.loads(r[4])})
                for r in rows.fetchall()]

    def has_screening(self, result_uuid: str) -> bool:
        return self._db.execute("SELECT 1 FROM screening WHERE uuid = ?", (result_uuid,)).fetchone() is not None
