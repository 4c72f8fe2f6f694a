"""A session's recording on this workstation: its own file when it is here, otherwise the copy the
clinic's records hold (uploaded by the workstation that recorded it, ``sync.py``), fetched once
into this user's cache and checked against its SHA-256.

Review, traces and reports all read a file, so they call ``with_local_recording`` first and
another treatment room's session opens like one recorded here. A recording neither here nor in
the records leaves the record as it is: the review then says in one sentence that its traces
cannot be shown.
"""

from __future__ import annotations

import sqlite3
from dataclasses import replace
from pathlib import Path

from platformdirs import user_cache_dir

from app.errors import UserError
from app.storage.private import make_private_dir
from app.storage.store import SessionRecord, Store, stored_name


def cache_dir() -> Path:
    """Where recordings fetched from the records are kept (per user; safe to delete)."""
    return Path(user_cache_dir("GluteFire", "GluteFire")) / "recordings"


def with_local_recording(store: Store, record: SessionRecord, cache: Path | None = None) -> tuple[SessionRecord, str]:
    """(the record with ``csv_path`` naming a readable file, a sentence or "").

    The sentence says where the file came from when it was fetched, or why the records' copy
    could not be used; the record is returned unchanged when there is nothing better.
    """
    if record.csv_path and Path(record.csv_path).is_file():
        return record, ""
    if not record.uuid:
        return record, ""
    try:
        info = store.recording_info(record.uuid)
    except (UserError, sqlite3.Error) as exc:  # the server is away: the review says the file is not here
        return record, f"The records' copy of this recording cannot be read now ({exc})."
    if info is None:
        return record, ""
    name, size, _ = info
    folder = (cache or cache_dir()) / record.uuid
    out = folder / stored_name(name)
    if out.is_file() and out.stat().st_size == size:  # fetched before (checked then)
        return replace(record, csv_path=str(out)), ""
    try:
        make_private_dir(folder)
        out = store.fetch_recording(record.uuid, folder)
    except OSError as exc:
        return record, f"The records' copy of this recording could not be saved in {folder}: {exc.strerror or exc}."
    except UserError as exc:
        return record, str(exc)
    except sqlite3.Error as exc:  # the server went away half-way: nothing half-written is kept
        return record, f"The records' copy of this recording could not be fetched ({exc})."
    return replace(record, csv_path=str(out)), f"The recording was fetched from the records ({name})."
