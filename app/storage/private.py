"""Health data stays the person's: everything GluteFire writes — the records database, recordings,
per-rep tables, reports — is readable by its owner only (files 0600, folders GluteFire creates
0700). The entry points also set the process umask to 077, so files other code writes for us
(SQLite's -wal/-shm, Qt's PDF writer) are private too; the helpers here make the library calls
private without relying on it. On Windows the modes are ignored (per-user profile folders are
already private there). See docs/privacy.md.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path
from typing import IO

FILE_MODE = 0o600
DIR_MODE = 0o700


def private_umask() -> None:
    """New files 0600 and folders 0700 for the rest of this process (POSIX)."""
    if hasattr(os, "umask"):
        os.umask(0o077)


def make_private_dir(path: Path) -> None:
    """Create ``path`` (and missing parents) 0700; an existing folder is left as the user set it."""
    missing = []
    p = path
    while not p.exists():
        missing.append(p)
        p = p.parent
    path.mkdir(parents=True, exist_ok=True)
    for m in missing:
        try:
            os.chmod(m, DIR_MODE)
        except OSError:
            pass


def open_private(path: Path, mode: str = "w", **kw: object) -> IO[str]:
    """``open`` for writing, the file created 0600 (an existing one is made 0600 too)."""
    flags = os.O_WRONLY | os.O_CREAT | (os.O_APPEND if "a" in mode else os.O_TRUNC)
    fd = os.open(path, flags, FILE_MODE)
    try:
        os.chmod(path, FILE_MODE)
    except OSError:
        pass
    return os.fdopen(fd, mode, **kw)  # type: ignore[call-overload]


def make_private(path: Path) -> None:
    """Owner-only for a file something else wrote (SQLite, Qt)."""
    try:
        if path.exists() and stat.S_IMODE(path.stat().st_mode) != FILE_MODE:
            os.chmod(path, FILE_MODE)
    except OSError:
        pass


def write_private_bytes(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` owner-only and whole or not at all: a temporary file next to
    it, fsync'd, then renamed over it (a full disk leaves no half report). Raises ``OSError``."""
    tmp = path.with_name(path.name + ".part")
    try:
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, FILE_MODE)
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except OSError:
        try:
            tmp.unlink(missing_ok=True)
        except OSError:
            pass
        raise
