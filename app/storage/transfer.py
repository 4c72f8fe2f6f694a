"""``glutefire database copy``: a single machine's history into the clinic's server (or any store
into another), idempotent, with a summary of what moved.

Rows are matched by what they mean, not by their ids (which differ between databases): people by
name, sessions and screening results by their UUID, %MVIC references by muscle, time and value,
exercises by id. Copying again adds nothing; copying after more sessions adds only those. The
recordings a session points to go too when they are on this computer and the target is shared.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from app.storage.store import Store


@dataclass
class Moved:
    """How many of each went (``new``) and how many were there already (``known``)."""

    new: dict[str, int] = field(default_factory=dict)
    known: dict[str, int] = field(default_factory=dict)

    def count(self, what: str, added: bool) -> None:
        book = self.new if added else self.known
        book[what] = book.get(what, 0) + 1

    def summary(self, where: str) -> str:
        parts = [f"{self.new.get(w, 0)} {w}" + (f" ({self.known[w]} already there)" if self.known.get(w) else "")
                 for w in ("people", "%MVIC references", "sessions", "recordings", "screening results", "exercises")]
        return f"Copied to {where}: " + ", ".join(parts) + "."


def copy_records(source: Store, target: Store) -> Moved:
    moved = Moved()
    people: dict[int, int] = {}  # source id -> target id
    for p in source.people(include_archived=True):
        there, added = target.import_person(p)
        people[p.id] = there.id
        moved.count("people", added)
        known = {(m.label, m.recorded_at, m.value_uv) for m in target.mvic_history(there.id)}
        for ref in source.mvic_history(p.id):
            fresh = (ref.label, ref.recorded_at, ref.value_uv) not in known
            if fresh:
                target.save_mvic(there.id, ref)
            moved.count("%MVIC references", fresh)
    for s in source.all_sessions():
        fresh = target.session_by_uuid(s.uuid) is None
        if fresh:
            target.put_session(s.uuid, people.get(s.person_id) if s.person_id is not None else None, s.exercise,
                               s.csv_path, s.summary, s.started_at)
        moved.count("sessions", fresh)
        if target.shared and s.csv_path and Path(s.csv_path).is_file():
            moved.count("recordings", target.put_recording(s.uuid, s.csv_path))
    for person_id, result in source.all_screenings():
        key = str(result.pop("uuid"))
        test, taken_at = str(result.pop("test")), str(result.pop("taken_at"))
        result.pop("id")
        fresh = not target.has_screening(key)
        if fresh:
            target.add_screening(people.get(person_id) if person_id is not None else None, test, result, taken_at, key)
        moved.count("screening results", fresh)
    theirs = {e["id"]: e for e in target.custom_exercises()}
    for e in source.custom_exercises():
        fresh = theirs.get(e["id"]) != e
        if fresh:
            target.save_exercise(e)
        moved.count("exercises", fresh)
    return moved
