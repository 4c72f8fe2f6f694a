"""The status line: a message on the left that never covers anything, link figures on the right.

Qt's own ``showMessage`` paints over a status bar's normal widgets, which hid the rate, the lost
packets and the recording indicator whenever "Saved …" or "Mark added" showed. Here messages have
a label of their own (elided to the room it has) and clear themselves; source, battery, rate,
losses and recording are permanent widgets that stay visible.
"""

from __future__ import annotations

import statistics
from collections import deque

from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QLabel, QSizePolicy, QStatusBar, QWidget

from app.session.controller import Frame
from app.session.stream import StreamStatus

RECORDING_STYLE = "color: #b91c1c; font-weight: 600;"
#: above this end-to-end delay feedback stops feeling immediate (a patch's long BLE connection
#: interval, or a busy computer): the meter warns
DELAY_WARN_S = 0.100


class ElidedLabel(QLabel):
    """A one-line label that shortens its text with … instead of widening its parent."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._full = ""
        self.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self.setMinimumWidth(40)

    def set_full_text(self, text: str) -> None:
        self._full = text
        self.setToolTip(text if text else "")
        self._elide()

    def full_text(self) -> str:
        return self._full

    def resizeEvent(self, event) -> None:  # type: ignore[no-untyped-def]
        super().resizeEvent(event)
        self._elide()

    def _elide(self) -> None:
        self.setText(self.fontMetrics().elidedText(self._full, Qt.TextElideMode.ElideRight, max(10, self.width())))


class SessionStatusBar(QStatusBar):
    """``say`` for passing messages; ``show_frame`` for the link and the recording."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setSizeGripEnabled(False)
        self.message = ElidedLabel()
        self.addWidget(self.message, 1)
        self.source = QLabel("Not connected")
        self.rate = QLabel()
        self.lost = QLabel()
        self.rec = QLabel("Not recording")
        self.delay = QLabel()
        self.delay.setToolTip("How old the newest sample on screen is when its frame is drawn "
                              "(packet arrival to frame)")
        self._delays: deque[float] = deque(maxlen=60)
        for w in (self.source, self.rate, self.lost, self.delay, self.rec):
            w.setContentsMargins(8, 0, 8, 0)
            self.addPermanentWidget(w)
        self._clear = QTimer(self)
        self._clear.setSingleShot(True)
        self._clear.timeout.connect(lambda: self.message.set_full_text(""))
        self._last: tuple[object, ...] = ()

    def note_delay(self, delay_s: float | None) -> None:
        """One frame's delay (``SessionController.delay_s``); shown as the median of the last 60."""
        if delay_s is not None:
            self._delays.append(delay_s)

    def _show_delay(self, streaming: bool) -> None:
        if not streaming or not self._delays:
            self.delay.setText("")
            self._delays.clear()
            return
        ms = statistics.median(self._delays) * 1000
        if ms > DELAY_WARN_S * 1000:
            self.delay.setText(f"⚠ delay {ms:.0f} ms: a slow link or a busy computer")
            self.delay.setStyleSheet(RECORDING_STYLE)
        else:
            self.delay.setText(f"delay {ms:.0f} ms")
            self.delay.setStyleSheet("")

    def say(self, text: str, ms: int = 6000) -> None:
        """A passing message (it never hides the figures on the right)."""
        self.message.set_full_text(text)
        self._clear.start(ms)

    def show_frame(self, frame: Frame) -> None:
        st = frame.status
        self._show_delay(st is not None)
        rec = frame.recording
        key = (frame.state, st, rec.path if rec else None, round(rec.seconds, 1) if rec else None)
        if key == self._last:
            return
        self._last = key
        self.rate.setVisible(st is not None)
        self.lost.setVisible(st is not None)
        if st is None:
            self.source.setText("Connecting…" if frame.state == "connecting" else "Not connected")
        else:
            self._show_status(st)
        if rec is not None:
            self.rec.setText(f"● Recording {rec.seconds:.1f} s")
            self.rec.setToolTip(str(rec.path))
            self.rec.setStyleSheet(RECORDING_STYLE)
        else:
            self.rec.setText("Not recording")
            self.rec.setToolTip("")
            self.rec.setStyleSheet("")

    def _show_status(self, st: StreamStatus) -> None:
        battery = f" · battery {st.battery_percent}%" if st.battery_percent is not None else ""
        self.source.setText(st.source + battery)
        self.rate.setText(f"{st.sample_rate_hz:g} Hz (receiving {st.effective_rate_hz:.0f})")
        self.lost.setText(st.loss_text())
