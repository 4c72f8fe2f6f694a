"""The at-home view: full screen, readable from three metres by someone lying on the floor.

One huge indicator per target muscle (the glute being trained), the step word and its countdown,
the set and rep, the last rep's result, and a wide warning bar when a helper muscle takes over.
Light text on a dark ground, colours from the colour-blind-safe Okabe-Ito set (green #009E73 for
firing, vermillion #D55E00 for a helper taking over) and every state also said in words, so colour
is never the only cue. Space, Enter or a presentation clicker's keys (Page Down/Up, arrows, B)
pause and resume; Esc leaves. It works with a single channel and without an exercise (then it
shows the glute channels' live state).
"""

from __future__ import annotations

import math
from collections.abc import Callable

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QFont, QKeyEvent
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QVBoxLayout, QWidget

from app.analysis.firing_order import is_glute
from app.session.controller import ChannelFrame, Frame
from app.ui.practice_strip import PHASE_WORD

BG = "#0b0f14"
FG = "#f8fafc"
MUTED = "#94a3b8"
GREEN = "#009e73"
VERMILLION = "#d55e00"
IDLE = "#273140"
PAUSE_KEYS = {Qt.Key.Key_Space, Qt.Key.Key_Return, Qt.Key.Key_Enter, Qt.Key.Key_PageDown, Qt.Key.Key_PageUp,
              Qt.Key.Key_Right, Qt.Key.Key_Left, Qt.Key.Key_B}


def _label(points: int, bold: bool = True, colour: str = FG) -> QLabel:
    lb = QLabel("")
    f = QFont()
    f.setPointSize(points)
    f.setBold(bold)
    lb.setFont(f)
    lb.setProperty("base_points", points)  # scaled with the window (``HomeView.resizeEvent``)
    lb.setStyleSheet(f"color: {colour}; background: transparent;")
    lb.setAlignment(Qt.AlignmentFlag.AlignCenter)
    lb.setWordWrap(True)
    return lb


class _Indicator(QFrame):
    """One target muscle: name, state in words, level."""

    def __init__(self, name: str) -> None:
        super().__init__()
        lay = QVBoxLayout(self)
        lay.setContentsMargins(24, 18, 24, 18)
        self.name = _label(30)
        self.name.setText(name)
        self.state = _label(48)
        self.level = _label(60)
        for w in (self.name, self.state, self.level):
            lay.addWidget(w)
        self._on: bool | None = None
        self.show_state(False, "")

    def show_state(self, on: bool, level: str, hidden: bool = False) -> None:
        if on != self._on:
            self._on = on
            colour = GREEN if on else IDLE
            border = FG if on else IDLE
            self.setStyleSheet(f"_Indicator {{ background: {colour}; border: 6px solid {border}; border-radius: 24px; }}"
                               f"QLabel {{ color: {FG}; background: transparent; }}")
        self.state.setText("" if hidden else ("✓ FIRING" if on else "SQUEEZE"))
        self.level.setText("" if hidden else level)


class HomeView(QWidget):
    """A window of its own; ``show_frame`` each display frame; ``pause_toggled`` on the pause keys."""

    pause_toggled = Signal()

    def __init__(self, on_close: Callable[[], None] | None = None) -> None:
        super().__init__()
        self.setWindowTitle("GluteFire — at home")
        self.setObjectName("home")
        self.setStyleSheet(f"QWidget#home {{ background: {BG}; }}")
        self._on_close = on_close
        lay = QVBoxLayout(self)
        lay.setContentsMargins(40, 28, 40, 24)
        lay.setSpacing(16)
        self.title = _label(30)
        self.count = _label(26, False, MUTED)
        self.step = _label(96)
        self.detail = _label(26, False)
        lay.addWidget(self.title)
        lay.addWidget(self.count)
        lay.addWidget(self.step)
        lay.addWidget(self.detail)
        self.row = QHBoxLayout()
        self.row.setSpacing(28)
        lay.addLayout(self.row, 1)
        self.warning = _label(40)
        self.warning.setStyleSheet(f"color: {FG}; background: {VERMILLION}; border-radius: 16px; padding: 10px;")
        self.warning.hide()
        lay.addWidget(self.warning)
        self.last = _label(24, False)
        lay.addWidget(self.last)
        hint = _label(15, False, MUTED)
        hint.setText("Space, Enter or the clicker: pause / resume   ·   Esc: leave")
        lay.addWidget(hint)
        self.indicators: dict[str, _Indicator] = {}

    def show_frame(self, frame: Frame) -> None:
        st = frame.practice
        targets = [c for c in frame.channels if c.role == "target"] or [c for c in frame.channels if is_glute(c.label)]
        targets = targets or list(frame.channels[:1])
        self._indicators(targets)
        hidden = st is not None and not st.feedback and not st.finished
        for ch in targets:
            self.indicators[ch.label].show_state(ch.firing and not hidden, _level(ch), hidden)
        over = [c for c in frame.channels if c.role == "compensator" and c.firing]
        self.warning.setVisible(bool(over) and not hidden)
        if over:
            names = " and ".join(c.name for c in over)
            self.warning.setText(f"⚠ {names} taking over")
            self.warning.setToolTip("Ease off and push with the glute")
        if st is None:
            self.title.setText("Squeeze when you are ready")
            self.count.setText("")
            self.step.setText("FIRING" if any(c.firing for c in targets) else "READY")
            self.detail.setText("")
            self.last.setText("")
            return
        s = st.step
        self.title.setText(st.drill)
        where = f" · {'left' if s.side == 'L' else 'right'} side" if s.side else ""
        self.count.setText(f"Set {s.set} of {st.sets} · Rep {s.rep} of {st.reps}{where}" if s.set else "")
        word = PHASE_WORD.get(s.phase, s.phase.upper())
        if st.paused or st.finished:
            word = "PAUSED" if st.paused else "STOPPED" if st.stopped else "DONE"
        self.step.setText(word if st.finished or st.paused else f"{word}  {math.ceil(st.seconds_left - 1e-6):.0f}")
        self.detail.setText("No screen this rep: feel it." if hidden else s.text)
        if st.done_for_today:
            self.last.setText(st.done_for_today.split(" — ", 1)[-1])
        elif st.last is not None:
            self.last.setText(st.last.sentence())

    def _indicators(self, targets: list[ChannelFrame]) -> None:
        labels = [c.label for c in targets]
        if labels == list(self.indicators):
            return
        for ind in self.indicators.values():
            ind.setParent(None)
            ind.deleteLater()
        self.indicators = {c.label: _Indicator(c.name) for c in targets}
        for ind in self.indicators.values():
            self.row.addWidget(ind, 1)
        self.resizeEvent(None)  # the new labels take the window's scale

    def resizeEvent(self, event) -> None:  # type: ignore[no-untyped-def]
        """Type sized for the screen: the base sizes are for 1080 lines, never below 55% of them."""
        if event is not None:
            super().resizeEvent(event)
        k = max(0.55, min(self.height() / 1080.0, self.width() / 1700.0))
        for lb in self.findChildren(QLabel):
            base = lb.property("base_points")
            if base:
                f = lb.font()
                f.setPointSize(max(10, round(int(base) * k)))
                lb.setFont(f)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() == Qt.Key.Key_Escape:
            self.close()
            return
        if event.key() in PAUSE_KEYS and not event.isAutoRepeat():
            self.pause_toggled.emit()
            return
        super().keyPressEvent(event)

    def closeEvent(self, event) -> None:  # type: ignore[no-untyped-def]
        if self._on_close is not None:
            self._on_close()
        super().closeEvent(event)


def _level(ch: ChannelFrame) -> str:
    if ch.reference is not None:
        return f"{ch.level * ch.scale:.0f}%"
    return f"{ch.level:.0f} {ch.unit}" if ch.level == ch.level else ""
