"""Another treatment room's session opens with its traces: the recording is not on this
workstation, so review and report fetch the server's copy (uploaded by the room that recorded
it) into this user's cache, checked against its SHA-256, once."""

from __future__ import annotations

from pathlib import Path

from app.records.located import with_local_recording
from app.records.review import open_recording, rep_trace, review_record
from app.reports.make import session_document
from app.storage.store import Store, stored_name
from app.storage.transfer import copy_records


def _server_history(demo_records: Path, pg_url: str) -> Store:
    """Room 1's history on the server, its recordings uploaded; on this (second) workstation
    the paths the sessions name exist only on room 1's disk."""
    with Store(demo_records) as mine, Store(pg_url) as server:
        copy_records(mine, server)
    s = Store(pg_url)
    with s._tx() as db:
        db.execute("UPDATE session SET csv_path = '/home/room1/GluteFire/' || uuid || '.csv' WHERE csv_path IS NOT NULL")
    return s


def test_a_session_recorded_in_another_room_is_reviewed_with_its_traces(pg_url, demo_records, tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    s = _server_history(demo_records, pg_url)
    with Store(demo_records) as mine:
        original = mine.sessions(mine.require_person("P-017").id)[-1]
    ann = s.require_person("P-017")
    record = s.sessions(ann.id)[-1]
    assert record.uuid == original.uuid and not Path(record.csv_path).exists()
    before = review_record(record, ann.name)
    assert not before.can_show_traces and "no longer there" in before.recording_note
    got, note = with_local_recording(s, record)
    path = Path(got.csv_path)
    assert path.is_relative_to(tmp_path / "cache") and path.read_bytes() == Path(original.csv_path).read_bytes()
    assert note == f"The recording was fetched from the records ({Path(original.csv_path).name})."
    assert oct(path.parent.stat().st_mode & 0o777) == "0o700"
    again, note2 = with_local_recording(s, record)  # fetched once: the next review reads the cache
    assert again.csv_path == got.csv_path and note2 == ""
    review = review_record(got, ann.name)
    assert review.can_show_traces and len(review.rows) == 5
    rec, _ = open_recording(review.csv_path)
    assert rec is not None and rep_trace(rec, review.rows[0]).envelope.shape[0] == len(rec.labels)
    doc = session_document(s, record)  # the report has the envelope figure from the server's copy
    assert "envelope" in doc.images
    s.close()


def test_the_review_window_fetches_it_too(pg_url, demo_records, tmp_path, monkeypatch, qtbot):
    from app.ui.review_dialog import ReviewDialog

    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    s = _server_history(demo_records, pg_url)
    record = s.sessions(s.require_person("P-017").id)[-1]
    d = ReviewDialog(s, record.id)
    qtbot.addWidget(d)
    assert d.review.can_show_traces and Path(d.review.csv_path).is_relative_to(tmp_path / "cache")
    assert d.message.text().startswith("Rep 1")  # the first rep's traces are drawn
    s.close()


def test_nothing_here_and_nothing_stored_leaves_the_sentence(pg_url, tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    with Store(pg_url) as s:
        ann = s.add_person("Ann")
        record = s.add_session(ann.id, "Bridge", "/elsewhere/gone.csv", {})
        got, note = with_local_recording(s, record)
        assert got.csv_path == "/elsewhere/gone.csv" and note == ""
        assert "no longer there" in review_record(got, "Ann").recording_note


def test_a_stored_name_never_leads_out_of_the_cache():
    assert stored_name("C:\\Users\\pt\\GluteFire\\s1.csv") == "s1.csv"
    assert stored_name("../../.bashrc") == ".bashrc"
    assert stored_name("/x/..") == "recording.csv" and stored_name("") == "recording.csv"


def test_the_server_away_while_reviewing_is_one_sentence(pg_server, pg_url, demo_records, tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    s = _server_history(demo_records, pg_url)
    record = s.sessions(s.require_person("P-017").id)[-1]
    pg_server.stop()
    try:
        got, note = with_local_recording(s, record)
    finally:
        pg_server.start()
    assert got is record and note.startswith("The records' copy of this recording cannot be read now (")
    assert "Traceback" not in note and not list((tmp_path / "cache").glob("**/*.csv"))
    s.close()
