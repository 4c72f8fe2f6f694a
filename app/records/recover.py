"""Recover what a killed or crashed program left: finish the recording (``storage.recover``) and
fill in its session in the records from the file itself (the live figures died with the program;
the recording's own analysis replaces them, marked ``recovered``)."""

from __future__ import annotations

from pathlib import Path

from app.errors import UserError
from app.records.review import analyze_recording
from app.storage.reader import load_recording
from app.storage.recover import finish, is_finished
from app.storage.store import Store


def recover(path: str | Path, store: Store | None = None) -> str:
    """Finish ``path`` and give it a session in ``store``; returns what was done, as a sentence."""
    p = Path(path)
    done = finish(p)
    rec = load_recording(p)
    summary = {**analyze_recording(rec).summary(), "recovered": True}
    reps = max((int(v.get("count") or 0) for v in summary.get("reps", {}).values()), default=0)
    said = f"{done} {rec.duration_s:.1f} s, {reps} rep{'s' if reps != 1 else ''}"
    if store is None:
        return said + "."
    session = store.session_for_recording(p)
    if session is not None:
        if session.summary.get("in_progress"):
            store.update_session(session.id, summary=summary)
            return said + "; its session in the records is filled in."
        return said + "; its session was in the records already."
    person = store.find_person(rec.person) if rec.person else None
    store.add_session(person.id if person else None, rec.metadata.get("scenario", "Recording"), str(p.resolve()),
                      summary, started_at=rec.metadata.get("start_time") or None)
    return said + "; a session for it was added to the records."


def unfinished(store: Store) -> list[Path]:
    """Recordings of sessions that never reached Stop (their file still there)."""
    out = []
    for s in store.unfinished_sessions():
        if s.csv_path and Path(s.csv_path).is_file():
            out.append(Path(s.csv_path))
    return out


def recover_all(store: Store) -> list[str]:
    """Every unfinished session's recording, finished and filled in; a session whose file is gone
    is said and marked so."""
    lines = []
    for s in store.unfinished_sessions():
        if not s.csv_path or not Path(s.csv_path).is_file():
            store.update_session(s.id, summary={"in_progress": False, "lost": True})
            lines.append(f"The recording of session {s.id} ({s.started_at[:16]}) is gone; its session is marked lost.")
            continue
        try:
            lines.append(recover(s.csv_path, store))
        except UserError as exc:
            lines.append(str(exc))
    return lines or ["Nothing to recover: every recording was finished."]


__all__ = ["is_finished", "recover", "recover_all", "unfinished"]
