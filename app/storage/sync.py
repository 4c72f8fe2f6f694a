"""Finished sessions on their way to the clinic's server, kept on this workstation until they are there.

When a recording stops, its session (person, exercise, live figures, the recording's path) is
written here first, one small JSON file per session named by its UUID, then sent: the session
row (``Store.put_session``) and the recording itself (``Store.put_recording``, the whole file in
the database, so History, Review and reports on another workstation can open its traces). The file
goes only when both are on the server. A server that is away (network, restart) or a program that
quits meanwhile loses nothing: the recording stays on disk, the entry stays here, and the next
start, the frame loop's retry or ``glutefire database sync`` sends it. Sending twice is harmless:
both writes are keyed by the session's UUID.

Why the recordings go into the database (``recording_chunk``: 1 MiB ``bytea`` rows), not a shared
folder: one thing to set up, back up (``pg_dump``) and grant per role; the same TLS and
credentials as the records; an upload is one transaction (a lost connection leaves nothing half
stored). Large objects would stream but need their own permissions and clean-up; one ``bytea``
per file would hold a long session whole in memory on both ends.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from platformdirs import user_data_dir

from app.storage.db_errors import transient
from app.storage.private import make_private_dir, write_private_bytes
from app.storage.store import Store


def default_folder() -> Path:
    return Path(user_data_dir("GluteFire", "GluteFire")) / "outbox"


@dataclass(frozen=True)
class PendingSession:
    uuid: str
    person: str | None  # by name: ids differ between databases
    exercise: str
    csv_path: str
    summary: dict[str, Any]
    started_at: str | None = None


class Outbox:
    """This workstation's sessions not yet on the server (a folder of ``<uuid>.json``)."""

    def __init__(self, folder: str | Path | None = None) -> None:
        self.folder = Path(folder) if folder is not None else default_folder()

    def put(self, entry: PendingSession) -> None:
        make_private_dir(self.folder)
        write_private_bytes(self.folder / f"{entry.uuid}.json", json.dumps(asdict(entry)).encode())

    def entries(self) -> list[PendingSession]:
        if not self.folder.is_dir():
            return []
        out = []
        for f in sorted(self.folder.glob("*.json"), key=lambda p: p.stat().st_mtime):
            try:
                out.append(PendingSession(**json.loads(f.read_text(encoding="utf-8"))))
            except (OSError, ValueError, TypeError):
                continue  # half-written by a crash before write_private_bytes' rename: never sent, never lost
        return out

    def __len__(self) -> int:
        return len(self.entries())

    def send(self, store: Store, entry: PendingSession) -> int:
        """The session row and its recording to ``store``, then the entry goes; its session id."""
        person = store.ensure_person(entry.person) if entry.person else None
        row = store.put_session(entry.uuid, person.id if person else None, entry.exercise, entry.csv_path,
                                entry.summary, entry.started_at)
        if Path(entry.csv_path).is_file():
            store.put_recording(entry.uuid, entry.csv_path)
        (self.folder / f"{entry.uuid}.json").unlink(missing_ok=True)
        return row.id

    def send_all(self, store: Store) -> tuple[int, int]:
        """Every entry that can go now: (sent, still waiting). Stops at the first sign that the
        server is away (the rest wait with it); raises other errors."""
        entries = self.entries()
        for n, entry in enumerate(entries):
            try:
                self.send(store, entry)
            except Exception as exc:
                if transient(exc):
                    return n, len(entries) - n
                raise
        return len(entries), 0
