"""The live window, offscreen with pytest-qt: connect, plot, firing tile, targets, record, marks,
people, calibration, checks, and the defects a new user hit in the first minute."""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np
import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QDialog, QLabel

from app.analysis.mvic import MvicReference
from app.devices.scenarios import MVIC_UV
from app.session.controller import State
from app.storage.reader import load_recording
from app.ui.app import configure_pyqtgraph
from app.ui.main_window import MainWindow

TWO = "Glute max + hamstring (left)"
FOUR = "Glute max + hamstring, both sides"
THREE = "Glute max, hamstring, lumbar (left)"
EIGHT = "All four muscles, both sides (8)"


@pytest.fixture
def window(qtbot, qsettings, tmp_path, store):
    configure_pyqtgraph()
    win = MainWindow(settings=qsettings, recordings_dir=tmp_path / "rec", seed=3, store=store)
    qtbot.addWidget(win)
    win.resize(1280, 720)
    win.show()
    yield win
    win.disconnect_source()


def choose(combo, data) -> None:
    combo.setCurrentIndex(combo.findData(data))


def pump_until(qtbot, cond, timeout_ms: int) -> None:
    qtbot.waitUntil(cond, timeout=timeout_ms)


def test_opens_with_simulated_patch_offered(window):
    assert window.toolbar.source.itemData(0) == "sim"
    assert "GluteFire" in window.windowTitle()
    assert window.channels.placeholder.isVisible()
    assert window.status.rec.text() == "Not recording"


def test_connect_fills_the_plot_within_a_second(window, qtbot):
    t0 = time.monotonic()
    qtbot.mouseClick(window.toolbar.connect_btn, Qt.MouseButton.LeftButton)
    assert len(window.rows) == 2
    qtbot.waitUntil(lambda: window.rows[0].env_curve.getData()[0] is not None
                    and len(window.rows[0].env_curve.getData()[0]) > 5, timeout=1000)  # 25 points per second
    assert time.monotonic() - t0 < 1.0
    x, y = window.rows[0].raw_curve.getData()
    assert x.max() <= 0.0 and x.min() >= -10.0 and np.isfinite(y).any()
    qtbot.waitUntil(lambda: "Hz" in window.status.rate.text(), timeout=1000)
    assert "Simulated patch" in window.status.source.text()
    assert "0 packets lost" in window.status.lost.text()
    assert window.toolbar.connect_btn.text() == "Disconnect"


def _manual_press_lights_the_tile(window, qtbot, target) -> None:
    tile = window.rows[0].tile
    qtbot.wait(300)
    window.frame_timer.stop()  # drive frames by hand to count them
    window.refresh()
    assert tile.firing is False and tile.state.text() == "Below target"
    worker = window.controller.stream.worker
    qtbot.keyPress(target, Qt.Key.Key_Space)
    qtbot.waitUntil(lambda: bool(worker.firing.firing[0]), timeout=2000)
    window.refresh()  # the very next frame shows it
    assert tile.firing is True and tile.state.text() == "FIRING"
    qtbot.wait(600)
    window.refresh()
    assert 0.4 <= float(tile.held.text().split()[0]) <= 1.2
    qtbot.keyRelease(target, Qt.Key.Key_Space)
    qtbot.waitUntil(lambda: not worker.firing.firing[0], timeout=2000)
    window.refresh()
    assert tile.firing is False


def test_contraction_lights_the_tile_within_one_frame(window, qtbot):
    choose(window.toolbar.scenario, "manual")
    assert window.channels.contract_btn.isVisible()
    window.connect_source()
    _manual_press_lights_the_tile(window, qtbot, window.rows[0].plot)


def test_space_contracts_whatever_has_the_focus(window, qtbot):
    """Regression: after choosing "Manual" in the Exercise box the focus stayed on the box and
    Space reopened it instead of contracting."""
    box = window.toolbar.scenario
    box.setFocus()
    choose(box, "manual")
    window.connect_source()
    box.setFocus()  # whatever the box does with focus, Space is the contraction key
    _manual_press_lights_the_tile(window, qtbot, box)
    assert QApplication.activePopupWidget() is None  # the box did not open


def test_space_still_types_a_space_in_a_name(window, qtbot):
    """Regression (found driving the window under Xvfb): in the manual exercise, typing "Sam Tester"
    into the calibration's person box gave "SamTester" — the contraction key ate the space."""
    choose(window.toolbar.scenario, "manual")
    window.connect_source()
    window.toolbar.calibrate.emit()
    box = window.routine.person
    box.setFocus()
    qtbot.keyClicks(box, "Sam Tester")
    assert box.currentText() == "Sam Tester"
    assert not window.controller.source._pressed


def test_target_typed_or_dragged_reaches_the_dsp_and_persists(window, qtbot, qsettings, tmp_path):
    window.connect_source()
    row = window.rows[0]
    row.tile.target.setValue(120.0)
    assert window.controller.stream.thresholds[0] == 120.0
    assert row.target_line.value() == 120.0
    row.target_line.setValue(87.4)
    row.target_line.sigPositionChangeFinished.emit(row.target_line)
    assert row.tile.target.value() == 87.0
    assert window.controller.stream.worker.firing.thresholds[0] == 87.0
    window.close()
    again = MainWindow(settings=qsettings, recordings_dir=tmp_path)
    qtbot.addWidget(again)
    again.connect_source()
    assert again.controller.stream.thresholds[0] == 87.0 and again.rows[0].tile.target.value() == 87.0
    again.disconnect_source()


def test_record_mark_with_a_note_and_stop_write_a_csv(window, qtbot, tmp_path, store):
    window.connect_source()
    window.add_mark()
    assert "Not recording: press Record first" in window.status.message.full_text()
    qtbot.mouseClick(window.toolbar.record_btn, Qt.MouseButton.LeftButton)
    assert window.controller.recording is not None and window.toolbar.record_btn.text() == "■ Stop"
    qtbot.wait(700)
    window.update_status()
    assert "Recording" in window.status.rec.text()
    window.add_mark()
    dlg = window.mark_dialog
    assert dlg.isVisible() and not dlg.isModal()  # the recording and the traces go on meanwhile
    dlg.setTextValue("left knee caved in")
    dlg.accept()
    qtbot.waitUntil(lambda: "Mark 1" in window.status.message.full_text(), timeout=2000)
    window.refresh()
    line = window.rows[0]._marks[0]
    assert line.isVisible() and -2.0 < line.value() <= 0 and "left knee caved in" in line.label.format
    window.update_status()
    assert window.status.rec.isVisible() and "Recording" in window.status.rec.text()  # not hidden by the message
    qtbot.wait(300)
    qtbot.mouseClick(window.toolbar.record_btn, Qt.MouseButton.LeftButton)
    files = list((tmp_path / "rec").glob("*.csv"))
    assert len(files) == 1
    rec = load_recording(files[0])
    assert 0.8 <= rec.duration_s <= 2.0
    events = [e for _, e in rec.events]
    assert "mark 1" in events and "mark 1 note: left knee caved in" in events
    assert window.status.rec.text() == "Not recording"
    (session,) = store.all_sessions()
    assert session.csv_path == str(files[0]) and session.person_id is None
    assert set(session.summary) >= {"reps", "firing_order_summary", "symmetry", "fatigue", "quality"}


def test_status_messages_never_cover_the_link_figures(window, qtbot):
    """Regression: "Saved … to …csv" was painted over the rate and packet labels; "Mark added"
    hid the recording indicator."""
    window.connect_source()
    window.start_recording()
    qtbot.wait(300)
    window.update_status()
    window.status.say("Saved 12.3 s to /home/someone/Documents/GluteFire/recordings/2026-12-01_120000_holds.csv " * 3)
    qtbot.wait(50)
    message = window.status.message.geometry()
    for w in (window.status.source, window.status.rate, window.status.lost, window.status.rec):
        assert w.isVisible() and w.text()
        assert not message.intersects(w.geometry()), w.text()
        assert w.fontMetrics().horizontalAdvance(w.text()) <= w.width() + 1, w.text()
    window.stop_recording()


def test_recording_carries_the_persons_references(window, qtbot, tmp_path, store):
    window.connect_source()
    ann = store.add_person("Ann Example")
    store.save_mvic(ann.id, MvicReference("gluteus_maximus_L", 300.0, "maximal", 500.0, 3, 1.0))
    window._fill_people()
    window.panel.person_box.choose("Ann Example")
    assert isinstance(window.controller.references["gluteus_maximus_L"], MvicReference)
    assert window.panel.person.text() == "Ann Example — levels in % MVIC"
    window.start_recording(tmp_path / "ann.csv")
    qtbot.wait(400)
    window.stop_recording()
    rec = load_recording(tmp_path / "ann.csv")
    assert rec.person == "Ann Example" and rec.mvic["gluteus_maximus_L"].value_uv == 300.0
    assert [s.person_id for s in store.sessions(ann.id)] == [ann.id]


def test_preferences_survive_restart(window, qtbot, qsettings, tmp_path):
    choose(window.toolbar.scenario, "bridges")
    choose(window.toolbar.preset, "Glute max left / right")
    window.close()
    again = MainWindow(settings=qsettings, recordings_dir=tmp_path)
    qtbot.addWidget(again)
    assert again.toolbar.scenario.currentData() == "bridges"
    assert again.toolbar.preset.currentData() == "Glute max left / right"


def test_bad_filter_settings_are_a_message_not_a_crash(window, qtbot):
    from app.ui.settings_dialog import SettingsDialog

    dlg = SettingsDialog(window.prefs, False, window)
    qtbot.addWidget(dlg)
    dlg.hp.setValue(200.0)
    dlg.lp.setValue(100.0)
    dlg.accept()
    assert "low-pass corner must be above" in dlg.error.text()
    assert dlg.result() == 0


def test_a_typed_high_pass_of_500_hz_gets_a_message_not_50(window, qtbot):
    """Regression: Settings silently turned a typed high-pass of 500 Hz into 50 Hz."""
    from app.ui.settings_dialog import SettingsDialog

    dlg = SettingsDialog(window.prefs, False, window)
    qtbot.addWidget(dlg)
    dlg.show()
    dlg.hp.lineEdit().selectAll()
    qtbot.keyClicks(dlg.hp.lineEdit(), "500")
    qtbot.keyClick(dlg.hp.lineEdit(), Qt.Key.Key_Tab)
    assert dlg.hp.value() == 500.0
    dlg.accept()
    assert "The high-pass corner must be above 0 Hz and below 450 Hz" in dlg.error.text()
    assert dlg.result() == 0 and window.prefs.filters().highpass_hz == 20.0


def test_stopping_rule_is_a_setting_the_next_session_uses(window, qtbot, monkeypatch):
    from app.ui import settings_dialog

    def fill(dlg):
        dlg.stop_fraction.setValue(85)
        dlg.stop_reps.setValue(2)
        dlg.accept()
        return 1

    monkeypatch.setattr(settings_dialog.SettingsDialog, "exec", fill)
    window.open_settings()
    assert window.prefs.stopping_rule() == (0.85, 2)
    window.connect_source()
    snap = window.controller.live.snapshot()
    assert (snap.stop_fraction, snap.stop_consecutive) == (0.85, 2)


def test_disconnect_leaves_no_tile_firing(window, qtbot):
    """Regression: after Disconnect a tile still showed green "FIRING · 6.0 s above target"."""
    choose(window.toolbar.scenario, "holds")
    window.connect_source()
    qtbot.waitUntil(lambda: window.rows[0].tile.firing is True, timeout=6000)
    window.disconnect_source()
    for row in window.rows:
        assert row.tile.firing is False and row.tile.state.text() == "Not connected"
        assert row.tile.held.text() == "" and row.tile.level.text() == ""
    assert window.controller.state is State.IDLE and window.toolbar.connect_btn.text() == "Connect"
    # review finding: a target typed while disconnected stayed in the box, the DSP used another
    tile = window.rows[0].tile
    assert not tile.target.isEnabled() and not window.rows[0].target_line.movable
    window.connect_source()
    window.refresh()
    assert tile.target.isEnabled() and tile.target.value() == window.controller.frame().channels[0].target


@pytest.mark.parametrize("preset", [TWO, FOUR, EIGHT])
def test_the_window_fits_1280_by_720_with_any_channel_count(window, qtbot, tmp_path, preset):
    """Regression: with 8 channels the minimum width became ~2070 px (the unwrapped firing-order
    line) and the session column and the newest data went off a 1600 px screen."""
    choose(window.toolbar.scenario, "amnesia")
    choose(window.toolbar.preset, preset)
    window.connect_source()
    qtbot.waitUntil(lambda: bool(window.controller.live.snapshot().contractions), timeout=12_000)
    window.refresh()
    qtbot.wait(100)
    hint = window.minimumSizeHint()
    assert hint.width() <= 1280 and hint.height() <= 720, hint
    assert window.width() == 1280 and window.height() == 720
    assert window.panel.geometry().right() < 1280  # the session column is on screen
    last_plot = window.rows[-1].plot
    assert last_plot.mapTo(window, last_plot.rect().bottomRight()).x() < window.panel.geometry().left()
    n = len(window.rows)
    if n == 8:  # all eight on screen at once, no scrolling
        assert window.channels.scroll_area.verticalScrollBar().maximum() == 0
    for row in window.rows:  # a compact row's scale is two labels ("100" and "0"), not four run together
        ticks = row.plot.getPlotItem().getAxis("left")._tickLevels
        if row.tile.compact:
            assert ticks is not None and len(ticks[0]) == 2 and ticks[0][0] == (0.0, "0")
            assert 0 < ticks[0][1][0] <= 0.7 * row.y_max
        else:
            assert ticks is None  # the tall rows keep pyqtgraph's own ticks
    window.grab().save(str(tmp_path / f"window-{n}ch.png"))


def test_toolbar_shows_every_button_and_whole_texts_at_1280(window, qtbot):
    """Regression: Exercise/Channels boxes cut their text, "Check ▾" showed two arrows, and at the
    minimum width Check and Settings hid behind "»"."""
    tb = window.toolbar
    for key in ("fatigue", "manual", "amnesia"):
        choose(tb.scenario, key)
        choose(tb.preset, EIGHT)
        tb.source.add_device("AA:BB:CC:DD:EE:FF", "openpatch", "GluteFire-ESP32-Clinic-2")
        tb.source.setCurrentIndex(1)
        tb.source.setCurrentIndex(0)
        window.resize(window.minimumSizeHint().width(), 720)
        qtbot.wait(50)
        for state in (State.CONNECTING, State.STREAMING, State.IDLE):  # "Cancel connecting" is the widest
            tb.set_state(state, recording=state is State.STREAMING)
            window.resize(window.minimumSizeHint().width(), 720)
            qtbot.wait(50)
            for b in (tb.connect_btn, tb.record_btn, tb.mark_btn, tb.check_btn, tb.practice_btn, tb.records_btn,
                      tb.settings_btn):
                assert b.isVisible(), (state, b.text())
                assert b.mapTo(window, b.rect().topRight()).x() <= window.width()
        for box in (tb.scenario, tb.preset, tb.source):
            assert box.width() >= box.sizeHint().width(), box.currentText()
    assert "▾" not in tb.check_btn.text() and tb.check_btn.menu() is not None


def test_tile_texts_are_never_cut(window, qtbot):
    """Regression: "Last rep: peak 191 µV · best 191 µ" was cut off."""
    for preset in (TWO, EIGHT):
        choose(window.toolbar.preset, preset)
        choose(window.toolbar.scenario, "bridges")
        window.connect_source()
        qtbot.waitUntil(lambda: window.controller.live.snapshot().rep_count >= 1, timeout=15_000)
        window.refresh()
        for row in window.rows:
            row.tile.show_rep("Last rep 1191 µV · best 1191 µV")
        qtbot.wait(50)
        for row in window.rows:
            for lb in row.tile.findChildren(QLabel):
                if lb.isVisible() and lb.text() and not lb.wordWrap():
                    assert lb.fontMetrics().horizontalAdvance(lb.text()) <= lb.width() + 1, lb.text()
        window.disconnect_source()


def test_the_vertical_scale_stays_put_through_rest_and_holds(window, qtbot, store):
    """Regression: the trace rescaled by itself (≈70 µV at rest, 600 µV in a hold), so the target
    line jumped. With a %MVIC reference the scale holds a maximal effort and never moves; in µV it
    grows only when the envelope runs off the top, and never shrinks by itself."""
    ann = store.add_person("Ann")
    for lb in ("gluteus_maximus_L", "hamstring_L"):
        store.save_mvic(ann.id, MvicReference(lb, MVIC_UV[lb[:-2]], "maximal", 500.0, 3))
    choose(window.toolbar.scenario, "bridges")  # reps at 2 and 7 s (2.6 s each), rest between
    window.connect_source()
    window.panel.person_box.fill(["Ann"], "")
    window.panel.person_box.choose("Ann")
    row = window.rows[0]
    scales = set()
    end = time.monotonic() + 8.0  # rest, a rep, rest, the next rep
    while time.monotonic() < end:
        qtbot.wait(200)
        scales.add(row.y_max)
    assert scales == {150.0}
    row.fit_to_signal()  # on request: the smallest step holding the last 10 s (reps at ~70% MVIC)
    from app.ui.channel_row import Y_STEPS

    fitted = next(s for s in Y_STEPS if s >= max(row._envelope_peak * 1.15, row.target_line.value() * 1.2))
    assert row.y_max == fitted and row.y_max >= row._envelope_peak
    window.panel.person_box.choose("")  # µV: room for the 50 µV target, and the ~210 µV reps on screen
    qtbot.wait(100)
    assert 200.0 <= row.y_max <= 600.0 and row.y_max >= row._envelope_peak
    window.disconnect_source()
    window.connect_source()
    row = window.rows[0]
    seen = []
    end = time.monotonic() + 4.0
    while time.monotonic() < end:
        qtbot.wait(100)
        seen.append(row.y_max)
    assert seen == sorted(seen) and set(seen) <= {150.0, 200.0, 300.0}


def test_screenshots(window, qtbot, tmp_path):
    """Grab every screen for a person to look at (saved under the test's temp dir)."""
    from app.ui.settings_dialog import SettingsDialog

    out = tmp_path / "shots"
    out.mkdir()
    window.grab().save(str(out / "disconnected.png"))
    choose(window.toolbar.scenario, "amnesia")
    choose(window.toolbar.preset, THREE)
    window.connect_source()
    qtbot.wait(2500)
    img = window.grab().toImage()
    img.save(str(out / "streaming.png"))
    dlg = SettingsDialog(window.prefs, True, window)
    qtbot.addWidget(dlg)
    dlg.show()
    dlg.grab().save(str(out / "settings.png"))
    colours = {img.pixel(x, y) for x in range(0, img.width(), 7) for y in range(0, img.height(), 7)}
    assert len(colours) > 20
    assert all(Path(out / f).stat().st_size > 5000 for f in ("disconnected.png", "streaming.png", "settings.png"))


def test_live_firing_order_sentence_for_amnesia(window, qtbot, tmp_path):
    choose(window.toolbar.scenario, "amnesia")
    window.connect_source()
    insight = window.channels.insight
    assert insight.isVisible()
    qtbot.waitUntil(lambda: "Relax" in insight.text(), timeout=1000)
    qtbot.waitUntil(lambda: "Hamstring L led Gluteus maximus L by" in insight.text(), timeout=12_000)
    lag = int(insight.text().split(" by ")[1].split()[0])
    assert 120 <= lag <= 180
    window.grab().save(str(tmp_path / "amnesia-firing-order.png"))


def test_contact_check_says_each_channel_is_good(window, qtbot, tmp_path):
    window.connect_source()
    window.toolbar.contact_check.emit()  # Check ▾ → Check electrode contact
    panel = window.routine
    assert panel.isVisible() and "Relax" in panel.prompt.text()
    qtbot.waitUntil(lambda: "good contact" in panel.result.text(), timeout=6000)
    assert "Gluteus maximus L: good contact" in panel.result.text() and "Hamstring L: good contact" in panel.result.text()
    window.grab().save(str(tmp_path / "contact-check.png"))
    qtbot.mouseClick(panel.close_btn, Qt.MouseButton.LeftButton)
    assert not panel.isVisible()


def test_mvic_calibration_on_the_simulated_person_without_covering_the_traces(window, qtbot, tmp_path, store):
    """Regression: the simulated patch ignored the prompts (3 prompted contractions gave "2
    contractions") and the calibration dialog hid the traces. Now the simulated person squeezes
    when told, whatever the exercise, and the prompts sit above the traces."""
    from app.session.routines import CalibrationPlan

    choose(window.toolbar.scenario, "bridges")
    window.connect_source()
    window.toolbar.calibrate.emit()  # Check ▾ → Calibrate %MVIC…
    panel = window.routine
    assert panel.isVisible() and panel.form.isVisible()
    panel.plan = CalibrationPlan(contractions=3, contract_s=1.5, rest_s=1.5, settle_s=1.5)
    panel.person.setCurrentText("Ann Example")
    qtbot.mouseClick(panel.start_btn, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: "Relax" in panel.prompt.text(), timeout=2000)
    qtbot.waitUntil(lambda: "Squeeze as hard as you can (1 of 3)" in panel.prompt.text(), timeout=4000)
    assert not [w for w in QApplication.topLevelWidgets() if isinstance(w, QDialog) and w.isVisible()]
    routine_box = panel.geometry()
    viewport = window.channels.scroll_area.viewport()
    for row in window.rows:  # every trace in view, none under the prompt
        top = row.mapTo(panel.parentWidget(), row.rect().topLeft()).y()
        bottom = row.mapTo(viewport, row.rect().bottomLeft()).y()
        assert row.plot.isVisible() and top >= routine_box.bottom() and bottom <= viewport.height()
    window.grab().save(str(tmp_path / "calibrating.png"))
    qtbot.waitUntil(lambda: panel.use_btn.isVisible() or "failed" in panel.prompt.text(), timeout=15_000)
    assert panel.use_btn.isVisible(), panel.result.text()
    run = window.controller.calibration
    ref = run.references["gluteus_maximus_L"]
    assert ref.n_contractions == 3 and ref.value_uv == pytest.approx(MVIC_UV["gluteus_maximus"], rel=0.1)
    window.grab().save(str(tmp_path / "calibrated.png"))
    qtbot.mouseClick(panel.use_btn, Qt.MouseButton.LeftButton)
    person = store.find_person("Ann Example")
    assert person is not None and store.latest_mvic(person.id)["gluteus_maximus_L"].value_uv == ref.value_uv
    assert window.panel.person_box.currentText() == "Ann Example" and not panel.isVisible()
    window.refresh()
    row = window.rows[0]
    tile = row.tile
    assert tile.target.value() == 40 and tile.target.suffix() == " % MVIC"
    assert window.controller.stream.thresholds[0] == pytest.approx(0.4 * ref.value_uv)
    assert row.plot.getPlotItem().getAxis("left").labelText == "% MVIC"
    assert "% MVIC" in tile.level.text()
    tile.target.setValue(55)  # the person's own target is kept in % MVIC
    assert window.controller.stream.thresholds[0] == pytest.approx(0.55 * ref.value_uv)
    window.panel.person_box.choose("")  # nobody: back to µV and the plain µV target
    window.refresh()
    assert tile.target.suffix() == " µV" and window.controller.stream.thresholds[0] == 50.0
    assert row.plot.getPlotItem().getAxis("left").labelText == "µV"
    window.panel.person_box.choose("Ann Example")
    window.refresh()
    assert tile.target.value() == 55 and window.controller.live.snapshot().channels[0].unit == "%MVIC"
    window.disconnect_source()  # the next session with the same person starts in % MVIC
    window.connect_source()
    assert window.rows[0].tile.target.value() == 55 and window.rows[0].tile.target.suffix() == " % MVIC"


def test_session_column_fills_rep_by_rep_in_plain_words(window, qtbot, tmp_path):
    """Bridges: the column shows reps, the last reps against the best and signal; each tile its
    last rep. Regressions: "median delay behind the first muscle 0 ms" when the glute led,
    "100 · 95 · 100 % of best", and a headline "Rep 10" over a table of 9 reps."""
    choose(window.toolbar.scenario, "bridges")
    window.connect_source()
    assert "Relax" in window.panel.order.text()
    qtbot.waitUntil(lambda: window.controller.live.snapshot().rep_count >= 2, timeout=20_000)
    snap = window.controller.live.snapshot()
    window.show_snapshot(snap)  # the same snapshot as the asserts (the DSP thread may add a rep meanwhile)
    panel = window.panel
    assert panel.reps_box.isVisible() and panel.effort.isVisible()
    assert window.channels.insight.text() == snap.last_sentence and snap.last_sentence.startswith("Rep ")
    headline_rep = int(snap.last_sentence.split()[1].rstrip(":"))
    table = {c.text() for c in panel.reps_box.findChildren(QLabel)}
    assert str(headline_rep) in table and headline_rep <= min(len(ch.reps) for ch in snap.channels)
    assert panel.order.text() == snap.firing_summary.sentence()
    assert panel.order.text().startswith("The glute fired first") and " 0 ms" not in panel.order.text()
    assert "·" not in panel.effort.text() and panel.effort.text().startswith("Gluteus maximus L: 100%, ")
    assert "-0" not in panel.fatigue.text()
    assert window.rows[0].tile.rep.text().startswith("Last rep ")
    assert "Gluteus maximus L" in table and "Hamstring L" in table
    qtbot.wait(100)
    window.grab().save(str(tmp_path / "session-column.png"))


def test_tiles_warn_about_a_bad_electrode(window, qtbot):
    """A lead that comes off shows on its tile and in the column, in words."""
    from app.analysis.live import LiveAnalysis
    from app.devices.emg_model import Artefacts, synthesize
    from app.dsp.worker import ProcessedBlock

    window.connect_source()
    labels = window.controller.stream.labels
    fs = window.controller.stream.fs
    x = synthesize(np.zeros((len(labels), int(6 * fs))), fs, seed=2, artefacts=Artefacts(3.0, 0.0, 50, 0))
    x[1, int(2 * fs):] = 0.0
    offline = LiveAnalysis(fs, labels)
    for i in range(0, x.shape[1], 200):
        blk = x[:, i : i + 200]
        offline(ProcessedBlock(i, blk, blk, np.abs(blk), ()))
    offline.flush()
    window.show_snapshot(offline.snapshot())
    tile = window.rows[1].tile
    assert tile.signal.isVisibleTo(tile) and tile.signal.text() == "✖ no signal at all — the electrode or lead is off."
    assert not window.rows[0].tile.signal.isVisibleTo(tile)
    assert "Hamstring L</b>: no signal at all" in window.panel.signal.text()


def test_resting_level_can_be_measured_again(window, qtbot):
    window.connect_source()
    live = window.controller.live
    qtbot.waitUntil(lambda: live.snapshot().ready, timeout=5000)
    actions = [a.text() for a in window.toolbar.check_btn.menu().actions()]
    assert "Measure the resting level again (relax 2 s)" in actions
    window.remeasure_rest()
    assert window.channels.insight.text().startswith("Relax for 2 s")
    qtbot.waitUntil(lambda: not live.snapshot().ready, timeout=2000)
    qtbot.waitUntil(lambda: live.snapshot().ready, timeout=5000)


def test_a_window_frozen_for_two_seconds_loses_no_sample_and_catches_up(window, qtbot, tmp_path):
    """Issue 12: the window's thread stalls (a modal OS dialog, a slow redraw, a swapping laptop):
    the DSP and the disk go on without it; afterwards the traces move again and the recording
    has every sample, no gap."""
    window.connect_source()
    window.start_recording(tmp_path / "frozen.csv")
    qtbot.wait(500)
    processed = window.controller.stream.worker.processed_samples
    time.sleep(2.0)  # the window's own thread, frozen: no events, no frames
    assert window.controller.stream.worker.processed_samples - processed > 1500  # the DSP did not wait
    frames = window.frames
    qtbot.wait(500)
    assert window.frames - frames >= 10  # painting again
    window.stop_recording()
    st = window.controller.frame().status
    assert st is None or st.overrun_samples == 0
    rec = load_recording(tmp_path / "frozen.csv")
    assert rec.duration_s >= 2.8 and np.isfinite(rec.data).all()


def test_a_read_only_recordings_folder_is_a_message_and_the_stream_goes_on(qtbot, qsettings, tmp_path, store):
    import os

    folder = Path("/sys/glutefire") if os.geteuid() == 0 else tmp_path / "ro" / "rec"
    if os.geteuid() != 0:
        folder.parent.mkdir()
        folder.parent.chmod(0o500)
    configure_pyqtgraph()
    win = MainWindow(settings=qsettings, recordings_dir=folder, seed=3, store=store)
    qtbot.addWidget(win)
    win.show()
    win.connect_source()
    qtbot.mouseClick(win.toolbar.record_btn, Qt.MouseButton.LeftButton)
    shown = win.banner.text() if win.banner.isVisible() else win.status.message.full_text()
    assert "Cannot write" in shown and "Traceback" not in shown
    assert win.controller.recording is None and win.toolbar.record_btn.text() != "■ Stop"
    frames = win.frames
    qtbot.wait(300)
    assert win.frames > frames  # still streaming
    win.disconnect_source()


def test_frames_follow_new_data_at_most_at_the_display_rate(window, qtbot):
    """Issue 13: the window paints when new samples were processed (no tick wait), at most about
    60 times a second, and only every 100 ms when nothing new arrives (no wasted frames)."""
    window.connect_source()
    qtbot.wait(500)
    frames = window.frames
    qtbot.wait(1000)
    streaming = window.frames - frames
    assert 35 <= streaming <= 75, streaming
    window.controller.stream.source.stop()  # the patch goes quiet
    qtbot.wait(200)
    frames = window.frames
    qtbot.wait(1000)
    quiet = window.frames - frames
    assert quiet <= 15 and quiet < streaming / 3, (quiet, streaming)


@pytest.mark.parametrize("content", [b"this is not sqlite" * 100, b"SQLite format 3\x00" + b"\x00" * 50, "newer"])
def test_a_broken_or_newer_records_file_opens_the_window_says_so_and_records(qtbot, qsettings, tmp_path, content):
    """Issue 12: garbage, truncated or newer-version records must not stop the window: it opens,
    says what is wrong, leaves the file as it is (for recovery) and records without it."""
    import sqlite3

    from app.storage.store import default_path

    db = default_path()
    db.parent.mkdir(parents=True, exist_ok=True)
    if content == "newer":
        con = sqlite3.connect(db)
        con.execute("CREATE TABLE schema_version (version INTEGER NOT NULL)")
        con.execute("INSERT INTO schema_version VALUES (99)")
        con.commit()
        con.close()
    else:
        db.write_bytes(content)
    before = db.read_bytes()
    configure_pyqtgraph()
    win = MainWindow(settings=qsettings, recordings_dir=tmp_path / "rec", seed=3)
    qtbot.addWidget(win)
    win.show()
    qtbot.waitUntil(lambda: win.banner.isVisible(), timeout=2000)  # said when the window opens
    assert "GluteFire" in win.banner.text() and "Traceback" not in win.banner.text()
    win.connect_source()
    qtbot.wait(300)
    assert win.banner.isVisible() and "does not go into the records" in win.banner.text()  # still said
    win.start_recording(tmp_path / "anyway.csv")
    qtbot.wait(400)
    win.stop_recording()
    assert load_recording(tmp_path / "anyway.csv").duration_s > 0.2
    assert db.read_bytes() == before
    win.disconnect_source()


def test_the_status_bar_shows_the_delay_and_warns_when_it_is_long(window, qtbot, monkeypatch):
    """Issue 13: the delay the person sees (packet arrival -> frame) is on screen; above 100 ms
    (a patch's long connection interval, a busy computer) it warns."""
    import re

    window.connect_source()
    qtbot.wait(1500)
    window.update_status()
    m = re.fullmatch(r"delay (\d+) ms", window.status.delay.text())
    assert m is not None and 0 < int(m.group(1)) < 100, window.status.delay.text()
    monkeypatch.setattr(window.controller, "delay_s", lambda shown: 0.25)
    qtbot.wait(1500)
    window.update_status()
    assert window.status.delay.text().startswith("⚠ delay 250 ms")
    window.disconnect_source()
    assert window.status.delay.text() == ""
