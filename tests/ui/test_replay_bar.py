"""Replaying a recording in the real window (offscreen): Records → Open recording…, the transport
bar and its keys, the file's gap and mark on the trace, a broken file said in the window."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFileDialog

from app.session.controller import State
from app.storage.reader import load_recording
from tests.session.test_replay import MARK_AT, write_recording


def _replaying(window, qtbot, path: Path) -> None:
    window.replay.open(path)
    qtbot.waitUntil(lambda: window.controller.state is State.STREAMING, timeout=10_000)
    qtbot.waitUntil(lambda: window.replay.bar.isVisible(), timeout=5_000)


def test_open_recording_from_the_records_menu_replays_it(window, qtbot, tmp_path, monkeypatch):
    path = write_recording(tmp_path / "bridges.csv", seconds=12.0)
    monkeypatch.setattr(QFileDialog, "getOpenFileName", lambda *a, **k: (str(path), ""))
    window.toolbar.open_recording.emit()
    qtbot.waitUntil(lambda: window.controller.state is State.STREAMING, timeout=10_000)
    bar = window.replay.bar
    qtbot.waitUntil(bar.isVisible, timeout=5_000)
    assert bar.title.text() == "▶ Replay: bridges.csv" and bar.play_btn.text() == "❚❚ Pause"
    assert [r.label for r in window.rows] == ["gluteus_maximus_L", "hamstring_L", "lumbar_erector_L"]
    assert not window.channels.contract_btn.isVisible()  # Space is no contraction key during a replay
    qtbot.waitUntil(lambda: window.status.source.text() == "Replay of bridges.csv", timeout=5_000)


def test_open_recording_while_recording_says_stop_first(window, qtbot, tmp_path, monkeypatch):
    path = write_recording(tmp_path / "bridges.csv", seconds=4.0)
    asked = []
    monkeypatch.setattr(QFileDialog, "getOpenFileName", lambda *a, **k: asked.append(1) or (str(path), ""))
    window.connect_source()
    qtbot.waitUntil(lambda: window.controller.state is State.STREAMING, timeout=10_000)
    window.start_recording()
    qtbot.keyClick(window, Qt.Key.Key_O, Qt.KeyboardModifier.ControlModifier)
    assert not asked and window.controller.recording is not None  # the session goes on, recorded
    assert window.status.message.full_text() == "Stop the recording first, then open a recording to replay."
    window.stop_recording()
    qtbot.keyClick(window, Qt.Key.Key_O, Qt.KeyboardModifier.ControlModifier)  # streaming, not recording: fine
    qtbot.waitUntil(lambda: window.replay.bar.isVisible(), timeout=10_000)
    assert asked == [1]


def test_the_transport_bar_and_its_keys(window, qtbot, tmp_path):
    path = write_recording(tmp_path / "bridges.csv", seconds=30.0)
    _replaying(window, qtbot, path)
    bar, ctl = window.replay.bar, window.controller
    qtbot.waitUntil(lambda: ctl.replay_state().position_s > 0.2, timeout=5_000)
    qtbot.keyClick(window, Qt.Key.Key_P)  # pause
    assert not ctl.replay_state().playing
    window.replay.refresh()
    assert bar.play_btn.text() == "▶ Play"
    held = ctl.newest_sample()
    qtbot.wait(200)
    assert ctl.newest_sample() == held  # paused: nothing flows
    bar.seek_to.emit(20.0)
    assert ctl.replay_state().position_s == 20.0 and not ctl.replay_state().playing  # a seek keeps the pause
    qtbot.keyClick(window, Qt.Key.Key_Right)
    assert ctl.replay_state().position_s == 25.0
    qtbot.keyClick(window, Qt.Key.Key_Left)
    assert ctl.replay_state().position_s == 20.0
    window.replay.refresh()
    assert bar.time.text() == "0:20 / 0:30" and bar.slider.value() == 200
    qtbot.keyClick(window, Qt.Key.Key_Plus)
    assert ctl.replay_state().speed == 2.0
    bar.speed.setCurrentIndex(bar.speed.findData(4.0))
    bar.speed.activated.emit(bar.speed.currentIndex())
    assert ctl.replay_state().speed == 4.0
    qtbot.keyClick(window, Qt.Key.Key_Minus)
    assert ctl.replay_state().speed == 2.0
    bar.play_clicked.emit()
    assert ctl.replay_state().playing
    qtbot.waitUntil(lambda: ctl.replay_state().ended, timeout=15_000)
    window.replay.refresh()
    assert bar.end.isVisible() and bar.play_btn.text() == "▶ Play"
    qtbot.waitUntil(lambda: "End of recording (0:30)." in window.status.message.full_text(), timeout=5_000)


def test_record_during_a_replay_writes_a_new_recording(window, qtbot, tmp_path):
    path = write_recording(tmp_path / "bridges.csv", seconds=12.0)
    _replaying(window, qtbot, path)
    window.controller.replay_speed(4.0)
    out = tmp_path / "again.csv"
    window.start_recording(out)
    assert window.toolbar.record_btn.text() == "■ Stop"
    qtbot.waitUntil(lambda: window.controller.replay_state().ended, timeout=15_000)
    qtbot.wait(100)
    window.stop_recording()
    again = load_recording(out)
    assert again.metadata["replayed_from"] == str(path.resolve())
    assert np.isnan(again.data).all(axis=0).sum() == 260  # the recording's link outage, as empty rows
    assert any(text == "mark 1: knee wobble" for _, text in again.events)
    offset = 6000 - int(np.flatnonzero(np.isnan(again.data).all(axis=0))[0])  # the file sample Record began at
    original = load_recording(path).data[:, offset : offset + again.data.shape[1]]
    assert np.array_equal(np.isnan(again.data), np.isnan(original))
    assert np.allclose(np.nan_to_num(again.data), np.nan_to_num(original), atol=1e-3)  # the samples, as replayed


def test_a_broken_file_is_a_message_in_the_window(window, qtbot, tmp_path):
    bad = tmp_path / "broken.csv"
    bad.write_text("# sample_rate_hz: 1000\ntime_s,a_uV,events\n0.000,1.0,\n0.001,oops,\n0.002,1.0,\n")
    window.replay.open(bad)
    qtbot.waitUntil(lambda: window.banner.isVisible(), timeout=10_000)
    assert window.banner.text() == f"Line 4 of {bad} has a value that is not a number: 'oops'."
    assert window.controller.state is State.IDLE and not window.replay.bar.isVisible()
    assert window.toolbar.connect_btn.text() == "Connect"


def test_screenshot_of_a_replay_with_its_gap_and_mark(window, qtbot, tmp_path):
    """The trace shows the recording's link outage (a break) and its mark (a violet line with the
    note) where they were; the bar above says which file, where and how fast."""
    path = write_recording(tmp_path / "bridges-2024-05-14.csv", seconds=30.0)
    _replaying(window, qtbot, path)
    ctl = window.controller
    ctl.replay_speed(4.0)
    qtbot.waitUntil(lambda: ctl.replay_state().position_s > MARK_AT / 1000 + 2.5, timeout=15_000)
    ctl.replay_play(False)
    qtbot.wait(150)
    window.refresh()
    window.replay.refresh()
    f = ctl.frame()
    assert [m.note for m in f.marks] == ["knee wobble"]
    gap = np.isnan(f.envelope).all(axis=0)
    assert gap.any() and not gap[-10:].any()  # the outage is on the trace, the newest samples are not
    window.grab().save(str(tmp_path / "replay.png"))
