"""Paint when there is something new to show, at most at the display rate.

A fixed 60 Hz timer paints whether or not data came (wasted frames when a patch pauses) and makes
every sample wait for the next tick: on average half a frame (8 ms) of the delay budget, which
matters for biofeedback (Hadjiosif 2025: cutting visual delay from 85 to 25 ms raised implicit
motor learning by about half; ../docs/performance.md). So a short tick (4 ms) checks a cheap
counter — the newest sample processed — and paints as soon as it moved and ``min_ms`` has passed
since the last frame; without new data it paints only every ``idle_ms`` (prompts, countdowns).
"""

from __future__ import annotations

import time
from collections.abc import Callable

from PySide6.QtCore import QObject, Qt, QTimer

TICK_MS = 4
IDLE_MS = 100


class FramePacer(QObject):
    """Calls ``paint`` on new data (``newest()`` changed), no closer than ``min_ms`` apart."""

    def __init__(self, paint: Callable[[], None], newest: Callable[[], int], parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._paint = paint
        self._newest = newest
        self._timer = QTimer(self)
        self._timer.setTimerType(Qt.TimerType.PreciseTimer)
        self._timer.timeout.connect(self._tick)
        self._min_s = 0.016
        self._last_at = 0.0
        self._last_seen = -1

    def start(self, min_ms: int) -> None:
        self._min_s = min_ms / 1000.0
        self._timer.start(TICK_MS)

    def stop(self) -> None:
        self._timer.stop()

    def isActive(self) -> bool:  # (named as QTimer's, which this stands in for)
        return self._timer.isActive()

    def _tick(self) -> None:
        now = time.perf_counter()
        since = now - self._last_at
        if since < self._min_s:
            return
        newest = self._newest()
        if newest == self._last_seen and since < IDLE_MS / 1000.0:
            return
        self._last_seen = newest
        self._last_at = now
        self._paint()
