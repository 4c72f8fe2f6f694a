"""The traces column: the last rep's headline, one row (tile + trace) per channel, and the
manual exercise's contract button.

It paints a controller ``Frame``: builds the rows when the channels change, re-labels a row when
its unit changes (a person chosen or calibrated), shows each frame's data, state and marks, and
the live analysis (headline, last rep and electrode warnings on the tiles). Rows scroll when they
do not fit; from four channels on they are compact, so eight fit a 1280 x 720 screen.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QEvent, QObject, Qt, Signal
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import (
    QApplication,
    QComboBox,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QScrollArea,
    QTextEdit,
    QVBoxLayout,
    QWidget,
)

from app.analysis.live import LiveSnapshot
from app.session.controller import ChannelFrame, Frame
from app.ui.channel_row import COMPACT_FROM, ChannelRow

NO_FEEDBACK = "No screen this rep: feel the glute do the work. The result comes after the rep."


def _typing(widget: QWidget | None) -> bool:
    """Someone is typing text there (an editable combo box keeps the focus itself)."""
    if isinstance(widget, QComboBox):
        return widget.isEditable()
    return isinstance(widget, (QLineEdit, QTextEdit, QPlainTextEdit))


class ContractionKey(QObject):
    """Space is the contraction key in the manual exercise, whatever has the focus in ``window``
    (a focused combo box would otherwise open on it), except while someone types text. An
    application-wide event filter: key events reach it before any widget."""

    def __init__(self, window: QWidget, button: QPushButton, press: Callable[[bool], None]) -> None:
        super().__init__(window)
        self.window_, self.button, self.press = window, button, press
        app = QApplication.instance()
        if app is not None:
            app.installEventFilter(self)

    def eventFilter(self, obj: QObject, event: QEvent) -> bool:
        if (event.type() in (QEvent.Type.KeyPress, QEvent.Type.KeyRelease) and self.button.isVisible()
                and isinstance(obj, QWidget) and obj.window() is self.window_
                and isinstance(event, QKeyEvent) and event.key() == Qt.Key.Key_Space
                and not _typing(QApplication.focusWidget())):
            if not event.isAutoRepeat():
                down = event.type() == QEvent.Type.KeyPress
                self.press(down)
                self.button.setDown(down)
            return True
        return super().eventFilter(obj, event)

    def remove(self) -> None:
        app = QApplication.instance()
        if app is not None:
            app.removeEventFilter(self)


def _unit_key(ch: ChannelFrame) -> tuple[object, ...]:
    return (ch.unit, ch.reference, round(ch.target, 3))


class ChannelsView(QWidget):
    """``threshold_changed(index, value)`` in the channel's shown unit; ``unit_changed`` when a
    row switched unit (the session column says whose references are in use)."""

    threshold_changed = Signal(int, float)
    unit_changed = Signal()

    def __init__(self, press: Callable[[bool], None], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.setSpacing(8)
        self.insight = QLabel("")
        self.insight.setWordWrap(True)  # a long firing-order sentence wraps, never widens the window
        self.insight.setStyleSheet("color: #0f172a; font-size: 16px; font-weight: 600; padding: 2px 4px;")
        self.insight.setToolTip("The last rep: which muscle fired first (onset detector, docs/algorithms.md)")
        self.insight.hide()
        lay.addWidget(self.insight)
        box = QWidget()
        self.rows_layout = QVBoxLayout(box)
        self.rows_layout.setContentsMargins(0, 0, 0, 0)
        self.rows_layout.setSpacing(6)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QScrollArea.Shape.NoFrame)
        scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        scroll.setWidget(box)
        self.scroll_area = scroll
        self.placeholder = QLabel("Press Connect to stream from the patch.\n"
                                  "The simulated patch is always available, no hardware needed.")
        self.placeholder.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.placeholder.setStyleSheet("color: #64748b; font-size: 16px; padding: 60px;")
        self.rows_layout.addWidget(self.placeholder)
        lay.addWidget(scroll, 1)
        self.contract_btn = QPushButton("Hold to contract  (or hold Space)")
        self.contract_btn.setObjectName("contract")
        self.contract_btn.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.contract_btn.pressed.connect(lambda: press(True))
        self.contract_btn.released.connect(lambda: press(False))
        lay.addWidget(self.contract_btn)
        self.rows: list[ChannelRow] = []
        self._units: list[tuple[object, ...]] = []
        self._streaming = False
        self._feedback = True

    def show_frame(self, frame: Frame) -> None:
        if frame.streaming and [r.label for r in self.rows] != [c.label for c in frame.channels]:
            self._build_rows(frame)
        elif frame.streaming and not self._streaming:  # the same muscles again: targets as the session has them
            self._units = [() for _ in self.rows]
        self._streaming = frame.streaming
        st = frame.practice
        feedback = st is None or st.feedback or st.finished  # faded feedback: nothing to go by this rep
        self._feedback = feedback
        for i, (row, ch) in enumerate(zip(self.rows, frame.channels)):
            if not frame.streaming:
                row.set_idle()
                continue
            if _unit_key(ch) != self._units[i]:
                self._units[i] = _unit_key(ch)
                row.set_unit(ch)
                self.unit_changed.emit()
            if feedback:
                row.show_data(frame.times_s, frame.low[i], frame.high[i], frame.envelope[i])
            else:
                row.show_data(frame.times_s[:0], frame.low[i, :0], frame.high[i, :0], frame.envelope[i, :0])
            row.tile.set_state(ch, feedback)
            row.show_marks(frame.marks, labelled=i == 0)
        if not feedback and self.insight.text() != NO_FEEDBACK:
            self.insight.setText(NO_FEEDBACK)
        # during an exercise the strip above says what to do; the firing-order line comes back after
        self.insight.setVisible(frame.streaming and (st is None or st.finished or not feedback))
        if not frame.streaming:
            self.insight.hide()

    def _build_rows(self, frame: Frame) -> None:
        for row in self.rows:
            row.setParent(None)
            row.deleteLater()
        self.placeholder.hide()
        compact = len(frame.channels) >= COMPACT_FROM
        self.rows = [ChannelRow(i, ch, compact) for i, ch in enumerate(frame.channels)]
        self._units = [_unit_key(ch) for ch in frame.channels]
        for row in self.rows:
            row.threshold_changed.connect(self.threshold_changed.emit)
            self.rows_layout.addWidget(row, 1)
        if self.rows:
            self.rows[-1].show_time_axis_label()
        self.insight.setText("")
        self.insight.show()
        self.unit_changed.emit()

    def show_snapshot(self, snap: LiveSnapshot, streaming: bool) -> None:
        """The headline and, per tile, the last rep against the best and an electrode warning."""
        if streaming and self._feedback:  # a withheld rep tells nothing, not even the last rep's order
            self.insight.setText(snap.last_sentence)
        for row, ch in zip(self.rows, snap.channels):
            if ch.reps:
                best = ch.summary.best_peak if ch.summary else ch.reps[-1].peak
                u = "%" if ch.unit.startswith("%") else f" {ch.unit}"
                row.tile.show_rep(f"Last rep {ch.reps[-1].peak:.0f}{u} · best {best:.0f}{u}")
            else:  # a fresh analysis (after a calibration, at an exercise's start)
                row.tile.show_rep("")
            if ch.quality is not None:
                problems = ch.quality.problems()
                row.tile.show_signal(ch.quality.verdict, problems[0].split(": ", 1)[-1] if problems else "")
