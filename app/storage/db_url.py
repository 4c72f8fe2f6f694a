"""Where the records are: a SQLite file (the default, one per user) or a PostgreSQL server.

Chosen, first found wins: ``--db``/``--database`` on the command line, the window's "Records
database" setting, ``GLUTEFIRE_DATABASE_URL``, else the per-user SQLite file. A server is a libpq
URL (``postgresql://user@host/db?sslmode=verify-full``, https://www.postgresql.org/docs/current/
libpq-connect.html#LIBPQ-CONNSTRING-URIS) or ``postgresql:///?service=clinic`` naming a section of
the libpq service file. Passwords belong in libpq's password file (~/.pgpass) or the service
file, not in the URL; one given in a URL anyway is never shown: every message, log line and
record uses ``redact``.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

ENV = "GLUTEFIRE_DATABASE_URL"
_SCHEMES = ("postgresql://", "postgres://")


def is_server(target: str | Path | None) -> bool:
    return isinstance(target, str) and target.strip().lower().startswith(_SCHEMES)


def from_environment() -> str | None:
    value = os.environ.get(ENV, "").strip()
    return value or None


#: ``glutefire --database`` (or the window's setting) for this run; ``choose`` sets it
_for_this_run: str | None = None


def choose(target: str | None) -> str | None:
    """The records this run uses unless a command names others (``--db``); returns the earlier choice."""
    global _for_this_run
    before, _for_this_run = _for_this_run, (target.strip() or None) if target else None
    return before


def chosen(explicit: str | Path | None) -> str | Path | None:
    """The records the user chose (None: the default SQLite file)."""
    if explicit is not None and str(explicit).strip():
        return explicit
    return _for_this_run or from_environment()


# user:password@ in the authority, and password=... in the query string (libpq accepts both)
_USERINFO = re.compile(r"^(?P<scheme>[A-Za-z][A-Za-z0-9+.-]*://)(?P<user>[^:@/?#]*):(?P<pw>[^@/?#]*)@")
_QUERY_PW = re.compile(r"(?i)([?&]password=)[^&#]*")


def redact(text: str) -> str:
    """``text`` with any password in a database URL replaced by ``***``."""
    text = _USERINFO.sub(lambda m: f"{m['scheme']}{m['user']}:***@", text)
    return _QUERY_PW.sub(r"\1***", text)


def password_of(url: str) -> str | None:
    """The password a URL carries, so a driver's message can be cleaned of it too."""
    from urllib.parse import parse_qs, unquote, urlsplit

    parts = urlsplit(url)
    if parts.password:
        return unquote(parts.password)
    given = parse_qs(parts.query).get("password")
    return given[0] if given else None


def scrub(message: str, url: str) -> str:
    """A driver's message about ``url`` with the URL's password gone, wherever it appears."""
    message = redact(message)
    secret = password_of(url)
    if secret:
        message = message.replace(secret, "***")
    return message
