"""The clinic's records in one SQLite file: people, their %MVIC references, their sessions, their
screening results and the exercises a clinician adapted.

Standard-library ``sqlite3`` with WAL journaling (a crash never corrupts earlier records) and a
versioned schema: version 1 is the first release's; each later version is one forward migration
in ``_MIGRATIONS``, applied in order in its own transaction when an older file is opened. A file
from a newer release is refused, not downgraded. One ``Store`` per thread; the UI owns one.

Several writers at once (two windows, the window and a ``glutefire`` command): every write is one
``BEGIN IMMEDIATE`` transaction, so a writer takes the file's write lock before it reads what it
changes, and waits for another (``busy_timeout``, 30 s) instead of failing or interleaving
(SQLite's locking: https://www.sqlite.org/lockingv3.html, https://www.sqlite.org/wal.html).
Foreign keys are on for every connection.
"""

from __future__ import annotations

import datetime as _dt
import json
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from platformdirs import user_data_dir

from app.analysis.mvic import MvicReference
from app.errors import UserError
from app.storage.private import make_private_dir, open_private

_SCHEMA = """
CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS person (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,
    notes TEXT NOT NULL DEFAULT '',
    created_at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS mvic (
    id INTEGER PRIMARY KEY,
    person_id INTEGER NOT NULL REFERENCES person(id) ON DELETE CASCADE,
    label TEXT NOT NULL,
    value_uv REAL NOT NULL CHECK (value_uv > 0),
    method TEXT NOT NULL,
    window_ms REAL NOT NULL,
    n_contractions INTEGER NOT NULL,
    fraction REAL NOT NULL DEFAULT 1.0,
    recorded_at TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS mvic_person_label ON mvic(person_id, label, recorded_at);
CREATE TABLE IF NOT EXISTS session (
    id INTEGER PRIMARY KEY,
    person_id INTEGER REFERENCES person(id) ON DELETE SET NULL,
    started_at TEXT NOT NULL,
    exercise TEXT NOT NULL,
    csv_path TEXT,
    summary TEXT NOT NULL DEFAULT '{}'
);
CREATE INDEX IF NOT EXISTS session_person ON session(person_id, started_at);
"""

#: version -> the SQL that brings version - 1 to it
_MIGRATIONS: dict[int, str] = {
    2: """
CREATE TABLE screening (
    id INTEGER PRIMARY KEY,
    person_id INTEGER REFERENCES person(id) ON DELETE CASCADE,
    test TEXT NOT NULL,
    taken_at TEXT NOT NULL,
    flagged INTEGER NOT NULL,
    result TEXT NOT NULL
);
CREATE INDEX screening_person ON screening(person_id, test, taken_at);
CREATE TABLE exercise (
    id TEXT PRIMARY KEY,
    custom_of TEXT,
    name TEXT NOT NULL,
    definition TEXT NOT NULL,
    saved_at TEXT NOT NULL
);
""",
}
_MIGRATIONS[3] = """
ALTER TABLE person ADD COLUMN pseudonym TEXT NOT NULL DEFAULT '';
ALTER TABLE person ADD COLUMN sides TEXT NOT NULL DEFAULT '';
ALTER TABLE person ADD COLUMN archived_at TEXT;
ALTER TABLE mvic ADD COLUMN position TEXT NOT NULL DEFAULT '';
CREATE INDEX session_csv ON session(csv_path)
"""
SCHEMA_VERSION = max(_MIGRATIONS)
#: how long a writer waits for another one's transaction before giving up
BUSY_TIMEOUT_S = 30.0


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


def _session(row: tuple[Any, ...]) -> SessionRecord:
    return SessionRecord(int(row[0]), row[1], str(row[2]), str(row[3]), row[4], json.loads(row[5]))


class Store:
    """People, references and sessions in a real SQLite file."""

    def __init__(self, path: str | Path | None = None) -> None:
        self.path = Path(path) if path is not None else default_path()
        try:
            make_private_dir(self.path.parent)
            if not self.path.exists():  # created owner-only (SQLite gives its -wal/-shm the same mode)
                open_private(self.path, "a").close()
            else:
                self._look_before_writing()
            # autocommit mode: every write below is an explicit BEGIN IMMEDIATE transaction
            self._db = sqlite3.connect(self.path, timeout=BUSY_TIMEOUT_S, isolation_level=None)
            self._db.execute("PRAGMA foreign_keys = ON")
            self._db.execute("PRAGMA journal_mode = WAL")
            self._open_schema()
        except sqlite3.DatabaseError as exc:
            raise UserError(f"{self.path} is not a GluteFire database ({exc}).") from None
        except OSError as exc:
            raise UserError(f"Cannot open the records at {self.path}: {exc.strerror or exc}.") from None

    def _look_before_writing(self) -> None:
        """Read an existing file first, without writing: a broken or newer file is refused
        untouched (opening it for writing would already switch it to WAL or add tables), so it
        stays as it was for recovery or for the newer GluteFire."""
        if self.path.stat().st_size == 0:
            return
        ro = sqlite3.connect(f"{self.path.resolve().as_uri()}?mode=ro", uri=True)
        try:
            tables = {r[0] for r in ro.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
            if "schema_version" in tables:
                row = ro.execute("SELECT version FROM schema_version").fetchone()
                if row is not None and int(row[0]) > SCHEMA_VERSION:
                    raise UserError(f"{self.path} was written by a newer GluteFire (schema {int(row[0])}); "
                                    "update GluteFire.")
        finally:
            ro.close()

    @contextmanager
    def patience(self, seconds: float) -> Iterator[None]:
        """Wait at most ``seconds`` for another program's write lock in this block (the window's
        thread must not stand still for the usual 30 s); raises ``sqlite3.OperationalError``
        ("database is locked") after that."""
        self._db.execute(f"PRAGMA busy_timeout = {int(seconds * 1000)}")
        try:
            yield
        finally:
            self._db.execute(f"PRAGMA busy_timeout = {int(BUSY_TIMEOUT_S * 1000)}")

    @contextmanager
    def _tx(self) -> Iterator[sqlite3.Connection]:
        """One write transaction holding the write lock from its start (waits for another writer)."""
        self._db.execute("BEGIN IMMEDIATE")
        try:
            yield self._db
        except BaseException:
            self._db.execute("ROLLBACK")
            raise
        self._db.execute("COMMIT")

    def _open_schema(self) -> None:
        """Create a new file or bring an older one up to date: each migration in one transaction
        with its version bump, the version read again under the write lock (two programs opening
        an old file at once migrate it once)."""
        with self._tx() as db:
            for sql in _SCHEMA.split(";"):
                if sql.strip():
                    db.execute(sql)
            if db.execute("SELECT version FROM schema_version").fetchone() is None:
                db.execute("INSERT INTO schema_version VALUES (1)")
        while True:
            with self._tx() as db:
                version = int(db.execute("SELECT version FROM schema_version").fetchone()[0])
                if version > SCHEMA_VERSION:
                    raise UserError(
                        f"{self.path} was written by a newer GluteFire (schema {version}); update GluteFire."
                    )
                if version == SCHEMA_VERSION:
                    return
                for sql in _MIGRATIONS[version + 1].split(";"):
                    if sql.strip():
                        db.execute(sql)
                db.execute("UPDATE schema_version SET version = ?", (version + 1,))

    @property
    def version(self) -> int:
        return int(self._db.execute("SELECT version FROM schema_version").fetchone()[0])

    def close(self) -> None:
        self._db.close()

    # -- people --
    def add_person(self, name: str, notes: str = "", pseudonym: str = "", sides: tuple[str, ...] = ()) -> Person:
        name = name.strip()
        if not name:
            raise UserError("A person needs a name (or a pseudonymous ID as their name).")
        try:
            with self._tx() as db:
                cur = db.execute(
                    "INSERT INTO person(name, notes, created_at, pseudonym, sides) VALUES (?, ?, ?, ?, ?)",
                    (name, notes, _now(), pseudonym.strip(), ",".join(sides)),
                )
        except sqlite3.IntegrityError:
            raise UserError(f"There is already a person called {name!r}.") from None
        return self.person(int(cur.lastrowid or 0))

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
        with self._tx():
            cur = self._db.execute(
                "INSERT INTO session(person_id, started_at, exercise, csv_path, summary) VALUES (?, ?, ?, ?, ?)",
                (person_id, started_at or _now(), exercise, csv_path, json.dumps(summary)),
            )
        return self.session(int(cur.lastrowid or 0))

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
        rows = self._db.execute(  # SQLite's JSON functions: only the open ones are read and parsed
            "SELECT id, person_id, started_at, exercise, csv_path, summary FROM session"
            " WHERE json_extract(summary, '$.in_progress') = 1 ORDER BY started_at, id").fetchall()
        return [_session(r) for r in rows]

    def session(self, session_id: int) -> SessionRecord:
        row = self._db.execute(
            "SELECT id, person_id, started_at, exercise, csv_path, summary FROM session WHERE id = ?",
            (session_id,),
        ).fetchone()
        if row is None:
            raise UserError(f"No session with id {session_id}.")
        return _session(row)

    def all_sessions(self) -> list[SessionRecord]:
        """Every session, anyone's or nobody's, oldest first."""
        rows = self._db.execute(
            "SELECT id, person_id, started_at, exercise, csv_path, summary FROM session ORDER BY started_at, id"
        ).fetchall()
        return [_session(r) for r in rows]

    def sessions(self, person_id: int, exercise: str | None = None, since: str | None = None,
                 until: str | None = None) -> list[SessionRecord]:
        """A person's sessions, oldest first; ``exercise`` matches a part of the name, ``since`` /
        ``until`` are ISO dates (inclusive)."""
        sql = "SELECT id, person_id, started_at, exercise, csv_path, summary FROM session WHERE person_id = ?"
        args: list[Any] = [person_id]
        if exercise:
            sql += " AND exercise LIKE ?"
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
            "SELECT id, person_id, started_at, exercise, csv_path, summary FROM session WHERE csv_path LIKE ?"
            " ORDER BY id DESC", (f"%{target.name}",)).fetchall()
        for r in rows:
            if Path(r[4]).resolve() == target:
                return _session(r)
        same_name = [r for r in rows if Path(r[4]).name == target.name]
        return _session(same_name[0]) if len(same_name) == 1 else None

    # -- screening results --
    def add_screening(self, person_id: int | None, test: str, result: dict[str, Any], taken_at: str | None = None) -> int:
        """A screening test's result card (``ResultCard.to_dict()``), for the four-week retest."""
        with self._tx():
            cur = self._db.execute(
                "INSERT INTO screening(person_id, test, taken_at, flagged, result) VALUES (?, ?, ?, ?, ?)",
                (person_id, test, taken_at or _now(), int(bool(result.get("flagged"))), json.dumps(result)),
            )
        return int(cur.lastrowid or 0)

    def screenings(self, person_id: int, test: str | None = None) -> list[dict[str, Any]]:
        """A person's screening results, oldest first (each with ``id`` and ``taken_at``)."""
        sql = "SELECT id, test, taken_at, result FROM screening WHERE person_id = ?"
        args: tuple[Any, ...] = (person_id,)
        if test is not None:
            sql, args = sql + " AND test = ?", (person_id, test)
        rows = self._db.execute(sql + " ORDER BY taken_at, id", args).fetchall()
        return [{"id": r[0], "test": r[1], "taken_at": r[2], **json.loads(r[3])} for r in rows]

    # -- exercises a clinician adapted --
    def save_exercise(self, definition: dict[str, Any]) -> None:
        """Keep a clinician's version of an exercise (``Exercise.to_dict()``), replacing an earlier
        one with the same id."""
        with self._tx():
            self._db.execute(
                "INSERT OR REPLACE INTO exercise(id, custom_of, name, definition, saved_at) VALUES (?, ?, ?, ?, ?)",
                (definition["id"], definition.get("custom_of"), definition["name"], json.dumps(definition), _now()),
            )

    def custom_exercises(self) -> list[dict[str, Any]]:
        rows = self._db.execute("SELECT definition FROM exercise ORDER BY name").fetchall()
        return [json.loads(r[0]) for r in rows]

    def delete_exercise(self, exercise_id: str) -> None:
        with self._tx():
            self._db.execute("DELETE FROM exercise WHERE id = ?", (exercise_id,))
