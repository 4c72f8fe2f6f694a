"""Records in the window (pytest-qt, offscreen): create a person in People, calibrate, two
recorded sessions on the simulated person four (faked) weeks apart, the history with both and the
retest in words, the review with a rep's traces, the report PDF's text; delete with confirmation."""

from __future__ import annotations

import sqlite3
from dataclasses import replace

from pypdf import PdfReader
from PySide6.QtCore import Qt

from app.exercises.library import LIBRARY
from tests.ui.test_practice import _calibrate


def _session(window, qtbot, persona: str) -> int:
    """Connect with ``persona`` following the prompts, record a 1 x 3 glute bridge, stop."""
    window.prefs.set_persona(persona)
    window.connect_source()
    window.start_recording()
    ex = LIBRARY["glute_bridge"]
    window.controller.start_practice(ex, replace(ex.protocol, sets=1, reps=3, hold_s=1.5, rest_s=1.5))
    qtbot.waitUntil(lambda: window.controller.practice is None, timeout=30_000)
    window.refresh()
    assert window.practice.strip.review_btn.isVisible()  # Review… next to the set summary
    window.stop_recording()
    window.disconnect_source()
    sid = window.controller.last_session_id
    assert sid is not None
    return sid


def test_person_sessions_history_review_and_report(window, qtbot, store, tmp_path):
    window.toolbar.people.emit()  # Records ▾ → People…
    people = window.records.people
    assert people is not None and people.isVisible()
    qtbot.mouseClick(people.new_btn, Qt.MouseButton.LeftButton)
    qtbot.keyClicks(people.name, "Ann Example")
    qtbot.keyClicks(people.pseudonym, "P-017")
    people.side_r.setChecked(True)
    qtbot.mouseClick(people.save_btn, Qt.MouseButton.LeftButton)
    ann = store.require_person("Ann Example")
    assert (ann.pseudonym, ann.sides) == ("P-017", ("R",)) and people.message.text() == "Added Ann Example."
    assert window.panel.person_box.findText("Ann Example") >= 0  # the window's person box knows her now
    people.grab().save(str(tmp_path / "people.png"))
    people.close()

    window.prefs.set_persona("amnesia")
    window.connect_source()
    _calibrate(window, qtbot, "Ann Example")
    window.disconnect_source()
    assert set(store.latest_mvic(ann.id)) == {"gluteus_maximus_L", "hamstring_L", "lumbar_erector_L"}
    assert store.latest_mvic(ann.id)["gluteus_maximus_L"].position.startswith("prone")
    first = _session(window, qtbot, "amnesia")
    with sqlite3.connect(store.path) as db:  # four weeks pass
        db.execute("UPDATE session SET started_at = '2026-11-01T10:00:00+01:00' WHERE id = ?", (first,))
        db.execute("UPDATE mvic SET recorded_at = '2026-11-01T09:50:00+01:00'")
    second = _session(window, qtbot, "healthy")

    window.toolbar.history.emit()  # Records ▾ → History and trends…
    hist = window.records.history
    assert hist is not None and hist.table.rowCount() == 2
    text = hist.retest.text()
    assert "Four-week retest: Glute bridge" in text and "The glute now fires first in 3 of 3 reps, was 0 of 3." in text
    assert hist.plots["glute_led_share"].listDataItems()[0].yData.tolist() == [0.0, 100.0]
    hist.grab().save(str(tmp_path / "history.png"))
    hist.exercise_box.setCurrentText("Glute bridge")
    assert hist.table.rowCount() == 2

    hist.review(1)  # the older session (newest first)
    review = window.records.review
    assert review is not None and review.session_id == first and review.table.rowCount() == 3
    qtbot.waitUntil(lambda: bool(review.plot.listDataItems()), timeout=5000)  # rep 1's traces from the file
    review.show_rep(2)
    assert review.message.text().startswith("Rep 1·3: no, ") and "helpers took over" in review.message.text()
    review.grab().save(str(tmp_path / "review.png"))

    out = tmp_path / "progress.pdf"
    assert hist.write_report("progress", out).startswith(f"Wrote {out}")
    text = " ".join(p.extract_text() for p in PdfReader(str(out)).pages)
    assert "Progress report: Ann Example" in " ".join(text.split())
    hist.table.selectRow(0)
    out = tmp_path / "session.pdf"
    hist.write_report("session", out)
    flat = " ".join(" ".join(p.extract_text().split()) for p in PdfReader(str(out)).pages)
    assert "Session report: Glute bridge" in flat and "was 0 of 3" in flat and "Normalisation" in flat
    assert store.session(second).csv_path and (tmp_path / "rec").is_dir()


def test_deleting_a_person_asks_first(window, qtbot, store, monkeypatch):
    ann = store.add_person("Ann Example")
    store.add_session(ann.id, "Glute bridge", None, {})
    window.toolbar.people.emit()
    people = window.records.people
    asked = []
    monkeypatch.setattr(people, "confirm", lambda text: asked.append(text) or False)
    people.list.setCurrentRow(0)
    qtbot.mouseClick(people.delete_btn, Qt.MouseButton.LeftButton)
    assert "1 session(s)" in asked[0] and store.find_person("Ann Example") is not None
    assert people.message.text() == "Nothing was deleted."
    monkeypatch.setattr(people, "confirm", lambda text: True)
    qtbot.mouseClick(people.archive_btn, Qt.MouseButton.LeftButton)
    assert store.find_person("Ann Example").archived and people.list.count() == 0
    people.show_archived.setChecked(True)
    people.list.setCurrentRow(0)
    qtbot.mouseClick(people.delete_btn, Qt.MouseButton.LeftButton)
    assert store.find_person("Ann Example") is None and store.all_sessions() == []
    assert people.message.text() == "Deleted Ann Example and 1 session(s)."


def test_review_the_last_session_before_any_says_so(window):
    window.toolbar.review_last.emit()
    assert "No session has been saved" in window.status.message.text()


def test_renaming_or_deleting_the_chosen_person_follows_in_the_window(window, qtbot, store, monkeypatch):
    store.add_person("Ann Example")
    window._fill_people()
    window.panel.person_box.choose("Ann Example")
    assert window.controller.person == "Ann Example"
    window.toolbar.people.emit()
    people = window.records.people
    people.name.setText("Ann E.")
    qtbot.mouseClick(people.save_btn, Qt.MouseButton.LeftButton)
    assert window.controller.person == "Ann E." and window.prefs.person() == "Ann E."
    monkeypatch.setattr(people, "confirm", lambda text: True)
    qtbot.mouseClick(people.delete_btn, Qt.MouseButton.LeftButton)
    assert window.controller.person == "" and window.panel.person_box.currentIndex() == 0


def test_the_history_of_an_empty_records_file_says_what_to_do(window):
    window.toolbar.history.emit()
    hist = window.records.history
    assert "Nobody in the records yet" in hist.retest.text()
    assert not hist.progress_btn.isEnabled() and not hist.review_btn.isEnabled()
    assert all(not p.getPlotItem().getAxis("left").isVisible() for p in hist.plots.values())
