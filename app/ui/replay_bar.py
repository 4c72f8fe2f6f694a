"""Replaying a recording in the live window: the transport bar above the traces and "Open
recording…" (Records menu, Ctrl+O).

The bar shows where the replay is (a seek slider with the time, the speed, "End of recording") and
passes play, pause, speed and seek to the session controller, which runs the replay as a source
(``app.session.replay``). Keys, chosen not to clash with the window's own (Space: the manual
contraction, M: mark): P play/pause, Left/Right 5 s back/on, - and + slower/faster, Ctrl+O open.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, Qt, QTimer, Signal
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QComboBox, QFileDialog, QFrame, QHBoxLayout, QLabel, QPushButton, QSlider, QWidget

from app.errors import UserError
from app.session.controller import State
from app.session.replay import SPEEDS, ReplayChoice, ReplayState, clock
from app.storage.reader import Recording

if TYPE_CHECKING:
    from app.ui.main_window import MainWindow

STYLE = """
QFrame#replay { background: #eff6ff; border: 1px solid #bfdbfe; border-radius: 8px; }
QFrame#replay QLabel { color: #1e3a8a; background: transparent; }
QLabel#replay_time { font-size: 15px; font-weight: 600; font-family: monospace; }
QLabel#replay_end { color: #92400e; font-weight: 600; }
QPushButton#replay_play { font-weight: 600; min-width: 78px; }
"""
STEP_S = 5.0
#: what the file dialog offers (the readers take any delimited text; EDF/XDF where installed)
FILE_FILTER = "Recordings (*.csv *.txt *.tsv *.edf *.bdf *.xdf);;All files (*)"
TICK_MS = 100  # the bar's clock: ten times a second is smooth enough for a time in seconds


class ReplayBar(QFrame):
    """``play_clicked``, ``step(seconds)``, ``seek_to(seconds)``, ``speed_chosen(x)``; ``show_state``."""

    play_clicked = Signal()
    step = Signal(float)
    seek_to = Signal(float)
    speed_chosen = Signal(float)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("replay")
        self.setStyleSheet(STYLE)
        lay = QHBoxLayout(self)
        lay.setContentsMargins(12, 6, 12, 6)
        lay.setSpacing(8)
        self.title = QLabel("")
        self.title.setToolTip("The recording being replayed")
        self.play_btn = self._button("❚❚ Pause", "Play or pause the replay (P)", self.play_clicked.emit)
        self.play_btn.setObjectName("replay_play")
        self.back_btn = self._button(f"« {STEP_S:g} s", "Back 5 s (Left arrow)", lambda: self.step.emit(-STEP_S))
        self.on_btn = self._button(f"{STEP_S:g} s »", "On 5 s (Right arrow)", lambda: self.step.emit(STEP_S))
        self._duration = 0.0
        self.time = QLabel("0:00 / 0:00")
        self.time.setObjectName("replay_time")
        self.slider = QSlider(Qt.Orientation.Horizontal)
        self.slider.setToolTip("Drag to go to another moment of the recording")
        self.slider.setFocusPolicy(Qt.FocusPolicy.NoFocus)  # Space stays the contraction key, arrows step
        self.slider.sliderReleased.connect(lambda: self.seek_to.emit(self.slider.value() / 10.0))
        self.slider.sliderMoved.connect(lambda v: self.time.setText(f"{clock(v / 10.0)} / {clock(self._duration)}"))
        self.end = QLabel("End of recording")
        self.end.setObjectName("replay_end")
        self.end.hide()
        self.speed = QComboBox()
        for x in SPEEDS:
            self.speed.addItem(f"{x:g}×", x)
        self.speed.setToolTip("Replay speed (- slower, + faster)")
        self.speed.setFocusPolicy(Qt.FocusPolicy.ClickFocus)
        self.speed.activated.connect(lambda i: self.speed_chosen.emit(float(self.speed.itemData(i))))
        widgets: list[QWidget] = [self.title, self.play_btn, self.back_btn, self.on_btn, self.slider, self.time, self.end,
                                  QLabel("Speed"), self.speed]
        for w in widgets:
            lay.addWidget(w, 1 if w is self.slider else 0)
        self.hide()

    def _button(self, text: str, tip: str, slot) -> QPushButton:  # type: ignore[no-untyped-def]
        b = QPushButton(text)
        b.setToolTip(tip)
        b.setFocusPolicy(Qt.FocusPolicy.TabFocus)  # a click leaves the focus where it was
        b.clicked.connect(slot)
        return b

    def show_state(self, st: ReplayState | None) -> None:
        """Hidden without a replay; else the file, the time, the slider (unless held), the speed."""
        self.setVisible(st is not None)
        if st is None:
            return
        self._duration = st.duration_s
        self.title.setText(f"▶ Replay: {st.file}")
        self.play_btn.setText("❚❚ Pause" if st.playing else "▶ Play")
        self.end.setVisible(st.ended)
        self.slider.setMaximum(int(round(st.duration_s * 10)))
        if not self.slider.isSliderDown():
            self.slider.setValue(int(round(st.position_s * 10)))
            self.time.setText(st.text)
        idx = self.speed.findData(st.speed)
        if idx >= 0 and idx != self.speed.currentIndex():
            self.speed.setCurrentIndex(idx)


class ReplayControls(QObject):
    """The bar, its keys and "Open recording…", wired to the window's controller."""

    def __init__(self, window: MainWindow) -> None:
        super().__init__(window)
        self.window = window
        self.controller = window.controller
        self.bar = ReplayBar()
        self.bar.play_clicked.connect(self.toggle_play)
        self.bar.step.connect(self.step)
        self.bar.seek_to.connect(self.seek)
        self.bar.speed_chosen.connect(self.set_speed)
        window.toolbar.open_recording.connect(self.choose_file)
        self.keys: dict[str, QAction] = {}
        for key, slot in (("P", self.toggle_play), ("Left", lambda: self.step(-STEP_S)),
                          ("Right", lambda: self.step(STEP_S)), ("-", lambda: self.faster(-1)),
                          ("+", lambda: self.faster(1)), ("=", lambda: self.faster(1)), ("Ctrl+O", self.choose_file)):
            act = QAction(window)
            act.setShortcut(QKeySequence(key))
            act.triggered.connect(slot)
            window.addAction(act)
            self.keys[key] = act
        self._timer = QTimer(self)
        self._timer.timeout.connect(self.refresh)
        self._timer.start(TICK_MS)

    @property
    def active(self) -> bool:
        """A recording is being replayed (the manual contraction key is off meanwhile)."""
        return self.controller.replay_state() is not None

    def refresh(self) -> None:
        st = self.controller.replay_state()
        self.bar.show_state(st)
        for key, act in self.keys.items():  # off without a replay: the arrows stay the widgets'
            act.setEnabled(st is not None or key == "Ctrl+O")
        if st is not None:  # the simulated patch's exercise has nothing to say about a recording
            self.window.toolbar.scenario.setEnabled(False)

    def choose_file(self) -> None:
        if self.controller.recording is not None:  # a replay would end the session being recorded
            self.window.status.say("Stop the recording first, then open a recording to replay.", 8000)
            return
        folder = str(self.window.recordings_dir) if self.window.recordings_dir.is_dir() else ""
        path, _ = QFileDialog.getOpenFileName(self.window, "Open a recording to replay", folder, FILE_FILTER)
        if path:
            self.open(Path(path))

    def open(self, path: Path, recording: Recording | None = None) -> None:
        """Replay ``path`` in place of the session under way (it is read on a thread of its own;
        a broken file is said in the window's message strip)."""
        if self.controller.state is not State.IDLE:
            self.window.disconnect_source()
        self.window.connect_source(ReplayChoice(path, recording))
        if self.controller.state is State.CONNECTING:
            self.window.status.say(f"Opening {path.name}…", 60_000)
        self.refresh()

    def _do(self, command, *args) -> None:  # type: ignore[no-untyped-def]
        if not self.active:
            return  # (the keys do nothing without a replay)
        try:
            command(*args)
        except UserError as exc:
            self.window.status.say(str(exc))
        self.refresh()

    def toggle_play(self) -> None:
        st = self.controller.replay_state()
        self._do(self.controller.replay_play, st is not None and not st.playing)

    def step(self, seconds: float) -> None:
        st = self.controller.replay_state()
        if st is not None:
            self._do(self.controller.replay_seek, st.position_s + seconds)

    def seek(self, seconds: float) -> None:
        self._do(self.controller.replay_seek, seconds)

    def set_speed(self, speed: float) -> None:
        self._do(self.controller.replay_speed, speed)
        if self.active:
            self.window.status.say(f"Replaying at {speed:g}× speed.", 3000)

    def faster(self, direction: int) -> None:
        st = self.controller.replay_state()
        if st is None:
            return
        i = min(range(len(SPEEDS)), key=lambda k: abs(SPEEDS[k] - st.speed)) + direction
        self.set_speed(SPEEDS[max(0, min(len(SPEEDS) - 1, i))])
