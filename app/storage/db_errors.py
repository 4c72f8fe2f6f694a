"""What can go wrong with the records' database, the same on SQLite and PostgreSQL.

Subclasses of ``sqlite3``'s DB-API errors on purpose: every caller written for the one-file store
(``except sqlite3.Error``, ``sqlite3.IntegrityError``) handles the server's failures the same way,
without knowing which backend it has. ``RecordsUnavailable`` is the one to try again later: the
file is locked by another program, or the server cannot be reached (``later.RecordsLater``).
"""

from __future__ import annotations

import sqlite3


class RecordsError(sqlite3.DatabaseError):
    """The records' database refused or failed a request (one sentence, no password in it)."""


class RecordsUnavailable(RecordsError, sqlite3.OperationalError):
    """Busy or unreachable for now: the same write succeeds later (writes are idempotent)."""


class RecordsConflict(RecordsError, sqlite3.IntegrityError):
    """A uniqueness or reference rule said no (a second person with the same name, ...)."""


def transient(exc: BaseException) -> bool:
    """Worth trying again later: SQLite's "database is locked/busy" or a lost server."""
    if isinstance(exc, RecordsUnavailable):
        return True
    if isinstance(exc, sqlite3.OperationalError):
        text = str(exc).lower()
        return "locked" in text or "busy" in text
    return False
