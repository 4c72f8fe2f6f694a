"""The records' schema history: one list, applied in the same order on SQLite and PostgreSQL.

Written once in the SQL both understand (SQLite's type names; ``pg.ddl`` maps the three that
differ: ``INTEGER PRIMARY KEY``, ``REAL``, ``BLOB``). Version 1 is the first release's schema;
each later version is one forward step: SQL statements and, where SQL alone cannot say it in both
dialects, a Python step run in the same transaction (``backfill``). A database from a newer
release is refused, never downgraded.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol


class Executes(Protocol):
    """What a migration step needs of a connection (``store._Db``)."""

    def execute(self, sql: str, args: tuple[Any, ...] | list[Any] = ()) -> Any: ...


SCHEMA_V1 = """
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


def _backfill_uuids(db: Executes) -> None:
    """Sessions and screening results from before version 4 get their UUID (random, RFC 9562 v4)."""
    for table in ("session", "screening"):
        for (row_id,) in db.execute(f"SELECT id FROM {table} WHERE uuid IS NULL").fetchall():
            db.execute(f"UPDATE {table} SET uuid = ? WHERE id = ?", (str(uuid.uuid4()), row_id))


@dataclass(frozen=True)
class Migration:
    sql: str
    backfill: Callable[[Executes], None] | None = None

    def statements(self) -> list[str]:
        return [s.strip() for s in self.sql.split(";") if s.strip()]


#: version -> the step that brings version - 1 to it
MIGRATIONS: dict[int, Migration] = {
    2: Migration("""
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
"""),
    3: Migration("""
ALTER TABLE person ADD COLUMN pseudonym TEXT NOT NULL DEFAULT '';
ALTER TABLE person ADD COLUMN sides TEXT NOT NULL DEFAULT '';
ALTER TABLE person ADD COLUMN archived_at TEXT;
ALTER TABLE mvic ADD COLUMN position TEXT NOT NULL DEFAULT '';
CREATE INDEX session_csv ON session(csv_path)
"""),
    # clinic-wide records: every session and screening result has a UUID made where it was
    # recorded, so a write retried after a lost connection (or copied twice) lands once; the
    # finished recordings themselves, in 1 MiB chunks, keyed by their session's UUID
    4: Migration("""
ALTER TABLE session ADD COLUMN uuid TEXT;
CREATE UNIQUE INDEX session_uuid ON session(uuid);
ALTER TABLE screening ADD COLUMN uuid TEXT;
CREATE UNIQUE INDEX screening_uuid ON screening(uuid);
CREATE TABLE recording (
    session_uuid TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    size BIGINT NOT NULL,
    sha256 TEXT NOT NULL,
    uploaded_at TEXT NOT NULL
);
CREATE TABLE recording_chunk (
    session_uuid TEXT NOT NULL REFERENCES recording(session_uuid) ON DELETE CASCADE,
    seq INTEGER NOT NULL,
    data BLOB NOT NULL,
    PRIMARY KEY (session_uuid, seq)
)
""", _backfill_uuids),
}
SCHEMA_VERSION = max(MIGRATIONS)
#: every table the app reads and writes (the grants in docs/clinic.md name these)
TABLES = ("schema_version", "person", "mvic", "session", "screening", "exercise", "recording", "recording_chunk")
