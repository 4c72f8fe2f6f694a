"""Records ▾ → Records database… used at once: the window's records become the clinic's server
without a restart (the person chosen stays when the server knows them), never in the middle of a
recording, and the next session goes to the server."""

from __future__ import annotations

import pytest

from app.session.controller import SimulatedChoice
from app.storage import db_url
from app.storage.store import Store
from app.ui import records_database
from app.ui.app import configure_pyqtgraph
from app.ui.main_window import MainWindow


@pytest.fixture
def chosen_here(monkeypatch, qsettings):  # type: ignore[no-untyped-def]
    monkeypatch.delenv(db_url.ENV, raising=False)
    before = db_url.choose(None)
    records_database.apply_saved_choice(qsettings)
    yield
    db_url.choose(before)
    records_database._chosen_elsewhere = False


def test_the_window_switches_to_the_server_when_saved(qtbot, qsettings, tmp_path, pg_url, chosen_here):
    configure_pyqtgraph()
    with Store() as mine:  # this computer's file (a temp one in the tests)
        mine.add_person("Ann")
        mine.add_person("Bo")
    with Store(pg_url) as server:
        server.add_person("Ann")
    win = MainWindow(settings=qsettings, recordings_dir=tmp_path / "rec", seed=3)
    qtbot.addWidget(win)
    win.controller.choose_person("Ann")
    ctl = win.controller
    mine_path = ctl.store.path
    typo = win.records.open_database()  # a mistyped address first: Save tests it, Save anyway keeps it for later
    typo.url.setText(pg_url.replace("?host=", "?host=/nonexistent"))
    typo.save()
    assert typo.isVisible() and typo.save_btn.text() == "Save anyway" and "cannot be reached" in typo.said.text()
    typo.save()
    assert not typo.isVisible() and ctl.store.path == mine_path  # this window kept its records
    assert "keeps the ones it has" in win.status.message.full_text()
    d = win.records.open_database()
    d.url.setText(pg_url)
    d.save()
    assert ctl.store is not None and ctl.store.shared and ctl.person == "Ann"
    assert win.status.message.full_text().startswith("Records: postgresql://")
    assert ctl.people() == ["Ann"]  # the server's people, not this computer's
    ctl.connect(SimulatedChoice(("gluteus_maximus_L", "hamstring_L"), seed=1))
    try:
        ctl.start_recording()
        d2 = win.records.open_database()
        d2.url.setText("")
        d2.save()  # during a recording: saved, not switched
        assert ctl.store.shared and "stays in the records it started in" in win.status.message.full_text()
        assert ctl.wait_samples(ctl.stream.worker.processed_samples + 300, 10)
        ctl.stop_recording()
    finally:
        ctl.disconnect()
    with Store(pg_url) as server:
        (s,) = server.all_sessions()
        assert server.person(s.person_id).name == "Ann" and not s.summary.get("in_progress")
    win.controller.close()
