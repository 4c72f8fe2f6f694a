"""The clinic's records in one SQLite file: people, their %MVIC references, their sessions, their
screening results and the exercises a clinician adapted.

Standard-library ``sqlite3`` with WAL journaling (a crash never corrupts earlier records) and a
versioned schema: version 1 is the first release's; each later version is one forward migration
in ``_MIGRATIONS``, applied in order in its own transaction when an older file is opened. A file
from a newer release is refused, not downgraded. One ``Store`` per thread; the UI owns one.
"""

from __future__ import annotations

import datetime as _dt
import json
import sqlite3
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from platformdirs import user_data_dir

from app.analysis.mvic import MvicReference
from app.errors import UserError

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
SCHEMA_VERSION = max(_MIGRATIONS)


def default_path() -> Path:
    return Path(user_data_dir("GluteFire", "GluteFire")) / "glutefire.sqlite3"


def _now() -> str:
    return _dt.datetime.now(_dt.UTC).astimezone().isoformat(timespec="seconds")


@dataclass(frozen=True)
class Person:
    id: int
    name: str
    notes: str
    created_at: str


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
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self._db = sqlite3.connect(self.path)
            self._db.execute("PRAGMA foreign_keys = ON")
            self._db.execute("PRAGMA journal_mode = WAL")
            self._db.executescript(_SCHEMA)
            row = self._db.execute("SELECT version FROM schema_version").fetchone()
            if row is None:
                self._db.execute("INSERT INTO schema_version VALUES (1)")
                self._db.commit()
                version = 1
            else:
                version = int(row[0])
            if version > SCHEMA_VERSION:
                raise UserError(
                    f"{self.path} was written by a newer GluteFire (schema {version}); update GluteFire."
                )
            self._migrate(version)
        except sqlite3.DatabaseError as exc:
            raise UserError(f"{self.path} is not a GluteFire database ({exc}).") from None
        except OSError as exc:
            raise UserError(f"Cannot open the records at {self.path}: {exc.strerror or exc}.") from None

    def _migrate(self, version: int) -> None:
        """Apply each migration after ``version``, each in one transaction with its version bump."""
        for v in range(version + 1, SCHEMA_VERSION + 1):
            statements = [s.strip() for s in _MIGRATIONS[v].split(";") if s.strip()]
            with self._db:
                for sql in statements:
                    self._db.execute(sql)
                self._db.execute("UPDATE schema_version SET version = ?", (v,))

    @property
    def version(self) -> int:
        return int(self._db.execute("SELECT version FROM schema_version").fetchone()[0])

    def close(self) -> None:
        self._db.close()

    # -- people --
    def add_person(self, name: str, notes: str = "") -> Person:
        name = name.strip()
        if not name:
            raise UserError("A person needs a name.")
        try:
            with self._db:
                cur = self._db.execute(
                    "INSERT INTO person(name, notes, created_at) VALUES (?, ?, ?)", (name, notes, _now())
                )
        except sqlite3.IntegrityError:
            raise UserError(f"There is already a person called {name!r}.") from None
        return self.person(int(cur.lastrowid or 0))

    def person(self, person_id: int) -> Person:
        row = self._db.execute(
            "SELECT id, name, notes, created_at FROM person WHERE id = ?", (person_id,)
        ).fetchone()
        if row is None:
            raise UserError(f"No person with id {person_id}.")
        return Person(*row)

    def find_person(self, name: str) -> Person | None:
        row = self._db.execute(
            "SELECT id, name, notes, created_at FROM person WHERE name = ?", (name.strip(),)
        ).fetchone()
        return Person(*row) if row else None

    def people(self) -> list[Person]:
        return [Person(*r) for r in self._db.execute("SELECT id, name, notes, created_at FROM person ORDER BY name")]

    # -- %MVIC references --
    def save_mvic(self, person_id: int, ref: MvicReference) -> MvicReference:
        """Keep ``ref`` as the person's newest reference for its muscle; returns it as stored
        (with the time it was recorded, when it had none)."""
        if not ref.value_uv > 0:
            raise UserError(f"The reference for {ref.label} must be above 0 µV.")
        recorded = ref.recorded_at or _now()
        with self._db:
            self._db.execute(
                "INSERT INTO mvic(person_id, label, value_uv, method, window_ms, n_contractions,"
                " fraction, recorded_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                (person_id, ref.label, float(ref.value_uv), ref.method, float(ref.window_ms),
                 int(ref.n_contractions), float(ref.fraction), recorded),
            )
        return replace(ref, recorded_at=recorded)

    _MVIC_COLUMNS = "label, value_uv, method, window_ms, n_contractions, fraction, recorded_at"

    def latest_mvic(self, person_id: int) -> dict[str, MvicReference]:
        """The newest reference per muscle label."""
        rows = self._db.execute(
            f"SELECT {self._MVIC_COLUMNS} FROM mvic WHERE person_id = ? ORDER BY recorded_at, id",
            (person_id,),
        ).fetchall()
        return {r[0]: MvicReference(*r) for r in rows}

    def mvic_history(self, person_id: int, label: str) -> list[MvicReference]:
        rows = self._db.execute(
            f"SELECT {self._MVIC_COLUMNS} FROM mvic WHERE person_id = ? AND label = ? ORDER BY recorded_at, id",
            (person_id, label),
        ).fetchall()
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
        with self._db:
            cur = self._db.execute(
                "INSERT INTO session(person_id, started_at, exercise, csv_path, summary) VALUES (?, ?, ?, ?, ?)",
                (person_id, started_at or _now(), exercise, csv_path, json.dumps(summary)),
            )
        return self.session(int(cur.lastrowid or 0))

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

    def sessions(self, person_id: int) -> list[SessionRecord]:
        rows = self._db.execute(
            "SELECT id, person_id, started_at, exercise, csv_path, summary FROM session"
            " WHERE person_id = ? ORDER BY started_at, id",
            (person_id,),
        ).fetchall()
        return [_session(r) for r in rows]

    # -- screening results --
    def add_screening(self, person_id: int | None, test: str, result: dict[str, Any], taken_at: str | None = None) -> int:
        """A screening test's result card (``ResultCard.to_dict()``), for the four-week retest."""
        with self._db:
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
        with self._db:
            self._db.execute(
                "INSERT OR REPLACE INTO exercise(id, custom_of, name, definition, saved_at) VALUES (?, ?, ?, ?, ?)",
                (definition["id"], definition.get("custom_of"), definition["name"], json.dumps(definition), _now()),
            )

    def custom_exercises(self) -> list[dict[str, Any]]:
        rows = self._db.execute("SELECT definition FROM exercise ORDER BY name").fetchall()
        return [json.loads(r[0]) for r in rows]

    def delete_exercise(self, exercise_id: str) -> None:
        with self._db:
            self._db.execute("DELETE FROM exercise WHERE id = ?", (exercise_id,))
