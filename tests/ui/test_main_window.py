"""The live window, offscreen with pytest-qt: connect, plot, firing tile, targets, record, prefs."""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np
import pytest
from PySide6.QtCore import Qt

from app.storage.reader import load_recording
from app.ui.app import configure_pyqtgraph
from app.ui.main_window import MainWindow


@pytest.fixture
def window(qtbot, qsettings, tmp_path):
    configure_pyqtgraph()
    win = MainWindow(settings=qsettings, recordings_dir=tmp_path / "rec", seed=3)
    qtbot.addWidget(win)
    win.show()
    yield win
    win.disconnect_source()


def choose(combo, data) -> None:
    combo.setCurrentIndex(combo.findData(data))


def test_opens_with_simulated_patch_offered(window):
    assert window.source_box.itemData(0) == "sim"
    assert "GluteFire" in window.windowTitle()
    assert window.placeholder.isVisible()
    assert window.status_rec.text() == "Not recording"


def test_connect_fills_the_plot_within_a_second(window, qtbot):
    t0 = time.monotonic()
    qtbot.mouseClick(window.connect_btn, Qt.MouseButton.LeftButton)
    assert len(window.rows) == 2
    qtbot.waitUntil(lambda: window.rows[0].env_curve.getData()[0] is not None
                    and len(window.rows[0].env_curve.getData()[0]) > 20, timeout=1000)
    assert time.monotonic() - t0 < 1.0
    x, y = window.rows[0].raw_curve.getData()
    assert x.max() <= 0.0 and x.min() >= -10.0 and np.isfinite(y).any()
    qtbot.waitUntil(lambda: "Hz" in window.status_rate.text(), timeout=1000)
    assert "Simulated patch" in window.status_source.text()
    assert "0 packets lost" in window.status_lost.text()


def test_contraction_lights_the_tile_within_one_frame(window, qtbot):
    choose(window.scenario_box, "manual")
    assert window.contract_btn.isVisible()
    window.connect_source()
    qtbot.wait(300)
    tile = window.rows[0].tile
    assert tile.firing is False and tile.state.text() == "Below target"
    worker = window.stream.worker
    window.frame_timer.stop()  # drive frames by hand to count them
    qtbot.keyPress(window, Qt.Key.Key_Space)
    qtbot.waitUntil(lambda: bool(worker.firing.firing[0]), timeout=2000)
    window.refresh()  # the very next frame shows it
    assert tile.firing is True and tile.state.text() == "FIRING"
    qtbot.wait(600)
    window.refresh()
    held = float(tile.held.text().split()[0])
    assert 0.4 <= held <= 1.2
    qtbot.keyRelease(window, Qt.Key.Key_Space)
    qtbot.waitUntil(lambda: not worker.firing.firing[0], timeout=2000)
    window.refresh()
    assert tile.firing is False


def test_target_typed_or_dragged_reaches_the_dsp_and_persists(window, qtbot, qsettings, tmp_path):
    window.connect_source()
    row = window.rows[0]
    row.tile.target.setValue(120.0)
    assert window.stream.thresholds[0] == 120.0
    assert row.target_line.value() == 120.0
    row.target_line.setValue(87.4)
    row.target_line.sigPositionChangeFinished.emit(row.target_line)
    assert row.tile.target.value() == 87.0
    assert window.stream.worker.firing.thresholds[0] == 87.0
    window.close()
    again = MainWindow(settings=qsettings, recordings_dir=tmp_path)
    qtbot.addWidget(again)
    again.connect_source()
    assert again.rows[0].threshold == 87.0
    again.disconnect_source()


def test_record_and_stop_write_a_csv(window, qtbot, tmp_path):
    window.connect_source()
    qtbot.mouseClick(window.record_btn, Qt.MouseButton.LeftButton)
    assert window.stream.recorder is not None
    qtbot.waitUntil(lambda: "Recording" in window.status_rec.text(), timeout=1000)
    qtbot.wait(700)
    window.add_mark()
    qtbot.wait(300)
    qtbot.mouseClick(window.record_btn, Qt.MouseButton.LeftButton)
    files = list((tmp_path / "rec").glob("*.csv"))
    assert len(files) == 1
    rec = load_recording(files[0])
    assert 0.8 <= rec.duration_s <= 2.0
    assert any(e == "mark" for _, e in rec.events)
    assert window.status_rec.text() == "Not recording"
    (session,) = window.store.all_sessions()
    assert session.csv_path == str(files[0]) and session.person_id is None
    assert set(session.summary) >= {"reps", "firing_order_summary", "symmetry", "fatigue", "quality"}


def test_recording_carries_the_persons_references(window, qtbot, tmp_path):
    from app.analysis.mvic import MvicReference

    window.connect_source()
    ann = window.store.add_person("Ann Example")
    window.store.save_mvic(ann.id, MvicReference("gluteus_maximus_L", 300.0, "maximal", 500.0, 3, 1.0))
    window._fill_people()
    idx = window.person_box.findData("Ann Example")
    window.person_box.setCurrentIndex(idx)
    window._person_chosen(idx)
    assert isinstance(window.references["gluteus_maximus_L"], MvicReference)
    window.start_recording(tmp_path / "ann.csv")
    qtbot.wait(400)
    window.stop_recording()
    rec = load_recording(tmp_path / "ann.csv")
    assert rec.person == "Ann Example" and rec.mvic["gluteus_maximus_L"].value_uv == 300.0
    assert [s.person_id for s in window.store.sessions(ann.id)] == [ann.id]


def test_preferences_survive_restart(window, qtbot, qsettings, tmp_path):
    choose(window.scenario_box, "bridges")
    choose(window.preset_box, "Glute max left / right")
    window.close()
    again = MainWindow(settings=qsettings, recordings_dir=tmp_path)
    qtbot.addWidget(again)
    assert again.scenario_box.currentData() == "bridges"
    assert again.preset_box.currentData() == "Glute max left / right"


def test_bad_filter_settings_are_a_message_not_a_crash(window, qtbot):
    from app.ui.settings_dialog import SettingsDialog

    dlg = SettingsDialog(window.prefs, False, window)
    qtbot.addWidget(dlg)
    dlg.hp.setValue(200.0)
    dlg.lp.setValue(100.0)
    dlg.accept()
    assert "low-pass corner must be above" in dlg.error.text()
    assert dlg.result() == 0


def test_stopping_rule_is_a_setting_the_next_session_uses(window, qtbot):
    from app.ui.settings_dialog import SettingsDialog

    dlg = SettingsDialog(window.prefs, False, window)
    qtbot.addWidget(dlg)
    assert dlg.stop_fraction.value() == 90 and dlg.stop_reps.value() == 3
    dlg.stop_fraction.setValue(85)
    dlg.stop_reps.setValue(2)
    dlg.accept()
    assert window.prefs.stopping_rule() == (0.85, 2)
    window.connect_source()
    snap = window.live.snapshot()
    assert (snap.stop_fraction, snap.stop_consecutive) == (0.85, 2)


def test_screenshots(window, qtbot, tmp_path):
    """Grab every screen for a person to look at (saved under the test's temp dir)."""
    from app.ui.settings_dialog import SettingsDialog

    out = tmp_path / "shots"
    out.mkdir()
    window.resize(1280, 760)
    window.grab().save(str(out / "disconnected.png"))
    choose(window.scenario_box, "amnesia")
    choose(window.preset_box, "Glute max, hamstring, lumbar erector (left)")
    window.connect_source()
    qtbot.wait(2500)
    img = window.grab().toImage()
    img.save(str(out / "streaming.png"))
    dlg = SettingsDialog(window.prefs, True, window)
    qtbot.addWidget(dlg)
    dlg.show()
    dlg.grab().save(str(out / "settings.png"))
    # not blank: many distinct colours, traces painted
    colours = {img.pixel(x, y) for x in range(0, img.width(), 7) for y in range(0, img.height(), 7)}
    assert len(colours) > 20
    assert all(Path(out / f).stat().st_size > 5000 for f in ("disconnected.png", "streaming.png", "settings.png"))


def test_live_firing_order_sentence_for_amnesia(window, qtbot, tmp_path):
    choose(window.scenario_box, "amnesia")
    window.connect_source()
    assert window.insight.isVisible() and "Relax" in window.insight.text()
    qtbot.waitUntil(lambda: "Hamstring L led Gluteus maximus L by" in window.insight.text(), timeout=12_000)
    lag = int(window.insight.text().split(" by ")[1].split()[0])
    assert 120 <= lag <= 180
    window.grab().save(str(tmp_path / "amnesia-firing-order.png"))


def test_contact_check_says_each_channel_is_good(window, qtbot, tmp_path):
    window.connect_source()
    window.check_contact()
    dlg = window.contact_dialog
    qtbot.waitUntil(lambda: len(dlg.results) == 2, timeout=6000)
    assert all(q.ok for q in dlg.results)
    assert "Gluteus maximus L: good contact" in dlg.text.text()
    dlg.grab().save(str(tmp_path / "contact-check.png"))
    dlg.close()


def test_mvic_calibration_guides_stores_and_switches_to_percent(window, qtbot, tmp_path):
    from app.storage.store import Store
    from app.ui.calibration_dialog import CalibrationDialog

    choose(window.scenario_box, "manual")
    window.connect_source()
    store = Store(tmp_path / "records.sqlite3")
    dlg = CalibrationDialog(window.stream, store, window, contractions=3, contract_s=1.2, rest_s=1.3, settle_s=1.5)
    qtbot.addWidget(dlg)
    # the simulated person squeezes whenever told to
    dlg.phase_changed.connect(lambda ph: window.stream.source.press(ph.startswith("contract")))
    dlg.person.setCurrentText("Ann Example")
    dlg.show()
    qtbot.mouseClick(dlg.start_btn, Qt.MouseButton.LeftButton)
    assert "Relax" in dlg.instruction.text()
    qtbot.waitUntil(lambda: dlg.save_btn.isEnabled() or "failed" in dlg.instruction.text(), timeout=15_000)
    assert dlg.save_btn.isEnabled(), dlg.result.text()
    ref = dlg.references["gluteus_maximus_L"]
    assert 150 <= ref.value_uv <= 220  # the manual squeeze is 60% of a 300 µV MVIC
    dlg.grab().save(str(tmp_path / "calibration.png"))
    dlg.accept()
    window.store = store
    window._calibrated("Ann Example", dlg.references)  # what Check ▾ > Calibrate wires to ``accepted``
    person = store.find_person("Ann Example")
    assert person is not None and store.latest_mvic(person.id)["gluteus_maximus_L"].value_uv == ref.value_uv
    assert window.person_box.currentText() == "Ann Example"
    row = window.rows[0]
    tile = row.tile
    assert tile.target.value() == 40 and tile.target.suffix() == " % MVIC"
    assert window.stream.thresholds[0] == pytest.approx(0.4 * ref.value_uv)
    assert row.plot.getPlotItem().getAxis("left").labelText == "% MVIC"
    assert tile.reference.text() == f"100% = {ref.value_uv:.0f} µV (maximal)"
    window.refresh()
    assert "% MVIC" in tile.level.text()
    window.grab().save(str(tmp_path / "after-calibration.png"))
    # the person's own target is kept in % MVIC
    tile.target.setValue(55)
    assert window.stream.thresholds[0] == pytest.approx(0.55 * ref.value_uv)
    # nobody: back to µV and the plain µV target
    nobody = window.person_box.findData("")
    window.person_box.setCurrentIndex(nobody)
    window._person_chosen(nobody)
    assert tile.mvic is None and tile.target.suffix() == " µV" and window.stream.thresholds[0] == 50.0
    assert row.plot.getPlotItem().getAxis("left").labelText == "µV"
    ann = window.person_box.findData("Ann Example")
    window.person_box.setCurrentIndex(ann)
    window._person_chosen(ann)
    assert tile.target.value() == 55 and window.live.snapshot().channels[0].unit == "%MVIC"
    # the next session with the same person shows %MVIC straight away, with their target
    window.disconnect_source()
    window.connect_source()
    assert window.rows[0].tile.mvic is not None
    assert window.rows[0].tile.mvic.value_uv == pytest.approx(ref.value_uv)
    assert window.rows[0].tile.target.value() == 55
    window.disconnect_source()
    store.close()


def test_session_column_fills_rep_by_rep(window, qtbot, tmp_path):
    """Bridges: the column shows reps, effort vs best and signal; each tile its last rep."""
    choose(window.scenario_box, "bridges")
    window.connect_source()
    assert "Relax" in window.panel.order.text()
    qtbot.waitUntil(lambda: window.live.snapshot().rep_count >= 2, timeout=15_000)
    window.refresh()
    snap = window.live.snapshot()
    assert window.panel.reps_box.isVisible() and window.panel.effort.isVisible()
    assert window.insight.text() == snap.last_sentence and snap.last_sentence.startswith("Rep ")
    assert window.panel.order.text() == snap.firing_summary.sentence()
    assert window.panel.order_summary.text().startswith(f"Rep {len(snap.contractions)}: ")
    assert window.rows[0].tile.rep.text().startswith("Last rep: peak ")
    cells = [w.text() for w in window.panel.findChildren(type(window.panel.order)) if w.parent() is window.panel.reps_box]
    assert "Gluteus maximus L" in cells and "Hamstring L" in cells
    qtbot.wait(100)  # let the layouts settle before the picture
    window.grab().save(str(tmp_path / "session-column.png"))


def test_tiles_warn_about_a_bad_electrode(window, qtbot):
    """A lead that comes off shows on its tile and in the column, in words."""
    from app.analysis.live import LiveAnalysis
    from app.devices.emg_model import Artefacts, synthesize

    window.connect_source()
    labels = window.stream.labels
    fs = window.stream.fs
    x = synthesize(np.zeros((len(labels), int(6 * fs))), fs, seed=2, artefacts=Artefacts(3.0, 0.0, 50, 0))
    x[1, int(2 * fs):] = 0.0
    offline = LiveAnalysis(fs, labels)
    from app.dsp.worker import ProcessedBlock

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
    qtbot.waitUntil(lambda: window.live.snapshot().ready, timeout=5000)
    actions = [a.text() for a in window.check_btn.menu().actions()]
    assert "Measure the resting level again (relax 2 s)" in actions
    window.remeasure_rest()
    assert window.insight.text().startswith("Relax for 2 s")
    qtbot.waitUntil(lambda: not window.live.snapshot().ready, timeout=2000)
    qtbot.waitUntil(lambda: window.live.snapshot().ready, timeout=5000)
