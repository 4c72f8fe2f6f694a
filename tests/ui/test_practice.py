"""Guided practice in the window (pytest-qt, offscreen): choose a person, calibrate on the simulated
person, run a protocol from the Practice menu, see per-rep scores and the set summary, hear the
cues the mixer really played; a screening test with its card; the at-home view; screenshots."""

from __future__ import annotations

import time
from dataclasses import replace

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialog

from app.exercises.library import LIBRARY
from app.session.routines import CalibrationPlan
from app.session.sound import Cue


def _calibrate(window, qtbot, name: str) -> None:
    window.toolbar.calibrate.emit()
    panel = window.routine
    panel.plan = CalibrationPlan(contractions=2, contract_s=1.0, rest_s=1.0, settle_s=1.0)
    panel.person.setCurrentText(name)
    qtbot.mouseClick(panel.start_btn, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: panel.use_btn.isVisible(), timeout=15_000)
    qtbot.mouseClick(panel.use_btn, Qt.MouseButton.LeftButton)


def _run_dialog(monkeypatch, cls, fill) -> None:
    """The next ``cls`` dialog is filled by ``fill(dlg)`` and started, as a person would."""
    def exec_(dlg):
        fill(dlg)
        dlg.accept()
        return dlg.result() == QDialog.DialogCode.Accepted

    monkeypatch.setattr(cls, "exec", exec_)


def test_calibrate_then_run_a_protocol_with_scores_sound_and_summary(window, qtbot, tmp_path, store, monkeypatch):
    from app.ui.practice_dialog import PracticeDialog

    window.connect_source()
    _calibrate(window, qtbot, "Ann Example")
    assert window.panel.person.text() == "Ann Example — levels in % MVIC"
    seen = {}

    def fill(dlg):
        seen["names"] = [dlg.list.item(i).text() for i in range(dlg.list.count())]
        dlg.list.setCurrentRow(list(LIBRARY).index("glute_bridge"))
        dlg.grab().save(str(tmp_path / "practice-dialog.png"))
        dlg.sets.setValue(1)
        dlg.reps.setValue(3)
        dlg.hold.setValue(1.5)
        dlg.rest.setValue(1.5)

    _run_dialog(monkeypatch, PracticeDialog, fill)
    window.toolbar.practice.emit()  # Practice ▾ → Exercise with a protocol…
    assert len(seen["names"]) >= 11 and "Glute bridge" in seen["names"]
    strip = window.practice.strip
    qtbot.waitUntil(lambda: strip.isVisible() and strip.step.text().startswith("HOLD"), timeout=8000)
    assert "Set 1 of 1 · Rep 1 of 3" in strip.title.text()
    roles = [r.tile.state.text() for r in window.rows]
    assert roles[1] in ("Helper calm", "TAKING OVER") and roles[0] in ("FIRING", "Below goal")
    window.grab().save(str(tmp_path / "runner.png"))
    qtbot.waitUntil(lambda: window.controller.practice is None, timeout=30_000)
    window.refresh()
    st = window.controller.frame().practice
    assert st is not None and st.finished and len(st.scores) == 3 and len(st.set_summaries) == 1
    assert st.scores[0].unit == "%MVIC" and all(s.glute_led for s in st.scores)
    assert strip.last.text().startswith("Set 1: ") and strip.stop_btn.text() == "Close"
    assert "✔" in window.panel.practice.text() and window.panel.practice.isVisible()
    window.grab().save(str(tmp_path / "runner-done.png"))
    started = {s.cue for s in window.sound.mixer.started} if window.sound.mixer else set()
    assert {Cue.HOLD, Cue.RELAX, Cue.REP_DONE, Cue.SET_DONE, Cue.GOAL} <= started
    (session,) = [s for s in store.all_sessions() if s.exercise == "Glute bridge"]
    assert session.person_id == store.find_person("Ann Example").id
    assert len(session.summary["practice"][0]["reps"]) == 3
    qtbot.mouseClick(strip.stop_btn, Qt.MouseButton.LeftButton)  # Close the summary
    window.refresh()
    assert not strip.isVisible()


def test_a_screening_test_from_the_menu_ends_with_its_card(window, qtbot, tmp_path, monkeypatch):
    from app.exercises import screening
    from app.ui import practice_dialog
    from app.ui.practice_dialog import ResultCardDialog, ScreeningDialog

    quick = replace(screening.SCREENING_TESTS["hip_drive"],
                    protocol=screening.ScreeningProtocol(1, 3, 1.5, 1.5, 0.0, 30.0))
    monkeypatch.setattr(practice_dialog, "SCREENING_TESTS", {"hip_drive": quick})
    window.prefs.set_persona("amnesia")
    window.connect_source()

    def fill(dlg):
        dlg.grab().save(str(tmp_path / "screening-dialog.png"))

    _run_dialog(monkeypatch, ScreeningDialog, fill)
    window.toolbar.screening.emit()
    qtbot.waitUntil(lambda: isinstance(window.practice.dialog, ResultCardDialog), timeout=30_000)
    card = window.practice.dialog
    qtbot.waitUntil(card.isVisible, timeout=2000)
    texts = " ".join(lb.text() for lb in card.findChildren(type(window.status.message).__mro__[1]))
    assert "The lower back starts the movement" in texts and "Rule:" in texts
    card.grab().save(str(tmp_path / "result-card.png"))
    card.accept()


def test_the_at_home_view_for_one_channel_with_the_helper_warning(window, qtbot, tmp_path, qsettings):
    window.prefs.set_persona("amnesia")
    window.connect_source()
    window.toolbar.home_view.emit()  # Practice ▾ → At-home view
    home = window.practice.home
    assert home is not None and home.isVisible()
    window.controller.start_practice(LIBRARY["glute_squeeze_hold"], replace(LIBRARY["glute_squeeze_hold"].protocol,
                                                                             sets=1, reps=2, hold_s=3.0, rest_s=2.0))
    qtbot.waitUntil(lambda: home.step.text().startswith("HOLD"), timeout=8000)
    assert list(home.indicators) == ["gluteus_maximus_L"]  # the target only: the helpers are not indicators
    qtbot.waitUntil(lambda: home.warning.isVisible(), timeout=4000)  # the amnesia person's hamstring takes over
    assert "Hamstring L taking over" in home.warning.text()
    home.showNormal()
    home.resize(1280, 720)  # readable from 3 m: the step word a tenth of the screen high, nothing cut
    qtbot.wait(200)
    window.refresh()
    assert home.step.fontMetrics().capHeight() >= 720 / 14
    for lb in (home.step, home.warning, home.indicators["gluteus_maximus_L"].level, home.title):
        assert lb.fontMetrics().horizontalAdvance(lb.text()) <= lb.width(), lb.text()
    home.grab().save(str(tmp_path / "home-view.png"))
    qtbot.keyClick(home, Qt.Key.Key_Space)  # a clicker's key pauses
    qtbot.waitUntil(lambda: window.controller.practice.state().paused, timeout=2000)
    window.refresh()
    assert home.step.text() == "PAUSED"
    qtbot.keyClick(home, Qt.Key.Key_PageDown)
    qtbot.waitUntil(lambda: not window.controller.practice.state().paused, timeout=2000)
    qtbot.keyClick(home, Qt.Key.Key_Escape)
    assert window.practice.home is None


def test_faded_feedback_hides_the_live_display_on_withheld_reps(window, qtbot):
    window.connect_source()
    ex = LIBRARY["glute_bridge"]
    run = window.controller.start_practice(ex, replace(ex.protocol, sets=1, reps=2, hold_s=1.5, rest_s=1.5),
                                           probes=True)  # rep 2 is the no-feedback probe
    qtbot.waitUntil(lambda: run.state().step.probe, timeout=15_000)
    window.refresh()
    tile = window.rows[0].tile
    assert tile.state.text() == "No screen this rep" and window.channels.insight.text().startswith("No screen")
    x, _ = window.rows[0].env_curve.getData()
    assert x is None or len(x) == 0
    t0 = time.monotonic()
    while window.controller.practice is not None and time.monotonic() - t0 < 15:
        qtbot.wait(100)
    st = window.controller.frame().practice
    assert st is not None and st.scores[-1].probe and st.set_summaries[0].probe is not None


def test_a_clinician_keeps_their_own_version_of_an_exercise(window, qtbot, store):
    from app.ui.practice_dialog import PracticeDialog

    window.connect_source()
    dlg = PracticeDialog(window.controller.exercises(), window.controller.save_exercise, window)
    qtbot.addWidget(dlg)
    dlg.list.setCurrentRow(list(LIBRARY).index("clamshell"))
    dlg.reps.setValue(15)
    dlg.hold.setValue(3.0)
    qtbot.mouseClick(dlg.save_btn, Qt.MouseButton.LeftButton)
    assert dlg.error.text() == "Saved Clamshell (custom)." and dlg.current.custom_of == "clamshell"
    mine = [e for e in window.controller.exercises() if e.custom_of == "clamshell"]
    assert len(mine) == 1 and mine[0].protocol.reps == 15 and mine[0].protocol.hold_s == 3.0
    assert [d["name"] for d in store.custom_exercises()] == ["Clamshell (custom)"]
    dlg.reps.setValue(0)  # the box stops at 1: a hand-typed 0 never reaches the protocol
    assert dlg.reps.value() == 1


def test_the_at_home_view_with_one_patch_and_one_channel(window, qtbot):
    window.toolbar.preset.setCurrentIndex(window.toolbar.preset.findData("Glute max only (left)"))
    window.toolbar.scenario.setCurrentIndex(window.toolbar.scenario.findData("holds"))
    window.connect_source()
    window.toolbar.home_view.emit()
    home = window.practice.home
    qtbot.waitUntil(lambda: list(home.indicators) == ["gluteus_maximus_L"], timeout=3000)
    assert home.title.text() == "Squeeze when you are ready" and not home.warning.isVisible()
    qtbot.waitUntil(lambda: home.step.text() == "FIRING", timeout=6000)  # the hold at 2 s
    assert "FIRING" in home.indicators["gluteus_maximus_L"].state.text()
    home.close()


def test_stop_midway_keeps_the_reps_shown_and_in_the_records_until_close(window, qtbot, store):
    window.connect_source()
    ex = LIBRARY["glute_bridge"]
    run = window.controller.start_practice(ex, replace(ex.protocol, sets=2, reps=4, hold_s=1.0, rest_s=1.0))
    qtbot.waitUntil(lambda: len(run.scores) >= 2, timeout=15_000)
    strip = window.practice.strip
    qtbot.mouseClick(strip.stop_btn, Qt.MouseButton.LeftButton)  # the patient has had enough
    window.refresh()
    n = len(run.scores)
    assert strip.isVisible() and strip.step.text() == f"Stopped after {n} reps."
    assert strip.last.text().startswith(f"Set 1: {n - sum(not s.good for s in run.scores)} of {n} good reps")
    assert strip.stop_btn.text() == "Close" and not strip.pause_btn.isVisible()
    (session,) = store.all_sessions()
    assert len(session.summary["practice"][0]["reps"]) == n and session.summary["practice"][0]["stopped_early"]
    qtbot.mouseClick(strip.stop_btn, Qt.MouseButton.LeftButton)  # Close
    window.refresh()
    assert not strip.isVisible() and window.controller.practice is None


def test_a_result_card_with_long_lines_shows_every_line_whole(qtbot):
    from PySide6.QtWidgets import QLabel

    from app.exercises.scoring import RepScore
    from app.exercises.screening import screening_test
    from app.ui.practice_dialog import ResultCardDialog

    stances = [RepScore(1, 1, True, 30.0, v, "µV", 5.0, 0.2, (), True, False, True, side)
               for side, v in (("L", 94.0), ("R", 77.0))]
    dlg = ResultCardDialog(screening_test("trendelenburg").evaluate(stances))
    qtbot.addWidget(dlg)
    dlg.show()
    qtbot.waitExposed(dlg)
    labels = [lb for lb in dlg.findChildren(QLabel) if lb.text()]
    assert any(lb.text().startswith("Compared in µV") for lb in labels)
    for lb in labels:  # wrapped, never cut: each label is as tall as its text needs at its width
        assert lb.height() >= lb.heightForWidth(lb.width()) - 1, lb.text()
    assert dlg.width() >= 540
