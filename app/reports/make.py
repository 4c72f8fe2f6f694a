"""Which data goes into a report: a session (from the records, or from a recording the records
do not know) with its earlier sessions and baseline, or a person's progress. The CLI and the
window both call these."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from app.errors import UserError
from app.records.history import load_history
from app.records.located import with_local_recording
from app.records.review import analyze_recording, build_review
from app.records.trends import Retest, against_baseline
from app.reports.document import ReportDocument, progress_report, session_report
from app.storage.reader import Recording, load_recording
from app.storage.store import Person, SessionRecord, Store


def session_document(store: Store, record: SessionRecord | None = None, csv_path: str | Path | None = None,
                     pseudonymous: bool = False) -> ReportDocument:
    """The report of ``record`` (a session in the records) or of the recording ``csv_path`` (its
    session is looked up; a recording the records do not know is analysed from the file)."""
    recording: Recording | None = None
    if csv_path is not None:
        path = Path(csv_path)
        if not path.is_file():
            raise UserError(f"No recording at {path}.")
        recording = load_recording(path)
        record = record or store.session_for_recording(path)
    elif record is not None:
        record, _ = with_local_recording(store, record)  # another workstation's session: the records' copy
        if record.csv_path and Path(record.csv_path).is_file():
            recording = load_recording(record.csv_path)
    person: Person | None = None
    if record is not None and record.person_id is not None:
        person = store.person(record.person_id)
    where = str(csv_path) if csv_path is not None else (record.csv_path if record is not None else None)
    if record is not None:
        review = build_review(record.summary, person=person.name if person else "", started=record.started_at,
                              exercise=record.exercise, csv_path=where, session_id=record.id, recording=recording)
    elif recording is not None:
        md = recording.metadata
        review = build_review(analyze_recording(recording).summary(), person=md.get("person", ""),
                              started=md.get("start_time", ""), exercise=md.get("exercise", "Recording"),
                              csv_path=where, recording=recording)
    else:
        raise UserError("Choose a session or a recording to report on.")
    if not review.rows:
        raise UserError(f"{where or review.title} has no reps to report (no contraction was found in it).")
    earlier = []
    retest: Retest | None = None
    if person is not None:
        history = load_history(store, person)
        earlier = [m for m in history.measures if m.session_id != review.measures.session_id]
        retest = against_baseline(earlier, review.measures, history.references)
    label = person.shown(pseudonymous) if person is not None else review.person
    return session_report(review, earlier, retest, recording, label)


def progress_document(store: Store, person: Person, exercise: str | None = None,
                      pseudonymous: bool = False) -> ReportDocument:
    """A person's progress report (all their sessions, or one exercise's)."""
    h = load_history(store, person, exercise)
    if not h.measures:
        raise UserError(f"{person.name} has no sessions yet" + (f" of {exercise}" if exercise else "") + ".")
    return progress_report(h, person.shown(pseudonymous))


def check_report_path(path: str | Path) -> Path:
    """The report's file, or a sentence saying why it cannot be written (before any work)."""
    out = Path(path)
    if out.suffix.lower() not in (".pdf", ".png"):
        raise UserError(f"A report is saved as .pdf or .png; got {out.name}.")
    if not out.parent.is_dir():
        raise UserError(f"There is no folder {out.parent} to write {out.name} into.")
    if not os.access(out.parent, os.W_OK) or _read_only(out.parent):
        raise UserError(f"Cannot write {out.name} into {out.parent}: the folder is read-only for this user.")
    return out


def _read_only(folder: Path) -> bool:
    """A folder the OS will not let us create a file in (tried, as ``os.access`` is no proof for
    root or on network and read-only mounts)."""
    try:
        with tempfile.TemporaryFile(dir=folder):
            return False
    except OSError:
        return True


def write_report(doc: ReportDocument, path: str | Path, png_too: bool = False) -> str:
    """Write ``doc`` as a PDF (``.pdf``, with its pages as PNG too when asked) or as PNG pages
    (``.png``); returns what was written, as a sentence."""
    from app.reports.render import write_pdf, write_png

    out = check_report_path(path)
    if out.suffix.lower() == ".png":
        names = write_png(doc, out)
        return f"Wrote {', '.join(str(n) for n in names)}."
    pages = write_pdf(doc, out)
    extra = ""
    if png_too:
        extra = f" and {len(write_png(doc, out.with_suffix('.png')))} PNG page(s)"
    return f"Wrote {out} ({pages} page{'s' if pages > 1 else ''}){extra}."
