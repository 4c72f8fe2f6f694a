"""The records server going away mid-session loses nothing: the recording stays on this computer,
the session waits in the outbox and reaches the server (with the recording itself) once it is
back, exactly once; one sentence says so meanwhile."""

from __future__ import annotations

import time

from app.session.controller import EventType, MemoryTargets, SessionController, SessionOptions, SimulatedChoice
from app.storage.reader import load_recording
from app.storage.store import Store
from app.storage.sync import Outbox, PendingSession

LABELS = ("gluteus_maximus_L", "hamstring_L")


def _controller(tmp_path, store=None, opener=None):  # type: ignore[no-untyped-def]
    c = SessionController(SessionOptions(recordings_dir=tmp_path / "rec"), MemoryTargets(), store=store,
                          store_opener=opener)
    c.outbox = Outbox(tmp_path / "outbox")
    c.events = []  # type: ignore[attr-defined]
    c.listeners.append(c.events.append)  # type: ignore[attr-defined]
    c._later.retry_every_s = 0.05
    return c


def _said(c, type_=EventType.INFO):  # type: ignore[no-untyped-def]
    return [e.message for e in c.events if e.type is type_]


def test_server_stopped_mid_session_then_back_syncs_one_copy(pg_server, pg_url, tmp_path):
    store = Store(pg_url)
    ctl = _controller(tmp_path, store)
    store.ensure_person("Ann")
    ctl.choose_person("Ann")
    ctl.connect(SimulatedChoice(LABELS, seed=2))
    try:
        path = ctl.start_recording()
        (opened,) = store.all_sessions()
        assert opened.summary == {"in_progress": True} and opened.uuid
        assert ctl.wait_samples(ctl.stream.worker.processed_samples + 400, 10)
        pg_server.stop()  # the server goes away mid-session
        assert ctl.wait_samples(ctl.stream.worker.processed_samples + 400, 10)  # the recording goes on
        saved = ctl.stop_recording()
        assert saved is not None and saved.session_id is None
        assert load_recording(path).duration_s > 0.3  # the local recording, whole
        (kept,) = _said(ctl)[-1:]
        assert "kept on this computer" in kept and "server" in kept and kept.count(". ") == 0  # one sentence
        assert len(ctl.outbox) == 1 and ctl._later.pending == 1
        ctl.frame()  # retries while the server is away change nothing
        assert len(ctl.outbox) == 1
    finally:
        pg_server.start()
    deadline = time.monotonic() + 30
    while ctl._later.pending and time.monotonic() < deadline:
        time.sleep(0.06)
        ctl.frame()
    assert ctl._later.pending == 0 and len(ctl.outbox) == 0
    assert any("is in them now" in m for m in _said(ctl))
    ctl.disconnect()
    (session,) = store.all_sessions()  # one session: the row opened at Record, finished
    assert session.uuid == opened.uuid and not session.summary.get("in_progress") and session.person_id is not None
    assert session.csv_path == str(path.resolve())
    # syncing again (another start, `glutefire database sync`) leaves one copy
    ctl.outbox.put(PendingSession(session.uuid, "Ann", session.exercise, str(path), session.summary))
    assert ctl.outbox.send_all(store) == (1, 0)
    assert len(store.all_sessions()) == 1 and store.recording_info(session.uuid)[:2] == (path.name, path.stat().st_size)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    fetched = store.fetch_recording(session.uuid, elsewhere)
    assert fetched.read_bytes() == path.read_bytes()  # another workstation opens the same traces
    store.close()


def test_a_program_quitting_while_the_server_is_away_sends_the_session_at_the_next_start(pg_server, pg_url, tmp_path):
    ctl = _controller(tmp_path, opener=lambda: Store(pg_url))
    assert ctl.store is not None
    ctl.connect(SimulatedChoice(LABELS, seed=3))
    path = ctl.start_recording()
    assert ctl.wait_samples(ctl.stream.worker.processed_samples + 300, 10)
    try:
        pg_server.stop()
        ctl.stop_recording()
        ctl.close()  # quits with the server still away: nothing lost, the outbox keeps it
    finally:
        pg_server.start()
    assert len(Outbox(tmp_path / "outbox")) == 1
    again = _controller(tmp_path, opener=lambda: Store(pg_url))
    store = again.store  # the next start sends what was kept
    assert store is not None and len(again.outbox) == 0
    (session,) = store.all_sessions()
    assert not session.summary.get("in_progress") and store.recording_info(session.uuid) is not None
    assert session.csv_path == str(path.resolve())
    again.close()
