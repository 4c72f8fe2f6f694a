"""A writer thread between the DSP thread and the disk.

A slow disk (a USB stick, a network folder, a virus scanner holding the file, a laptop's disk
waking up) must not freeze the feedback a person is watching, and must not lose samples. So the
DSP thread only hands each block to this queue; one thread formats and writes them in order.

Bounded twice: at most ``max_seconds`` of samples wait here; when that is full the DSP thread
waits for the disk (nothing is dropped), which backs up into the 30 s input ring; only a stall
longer than both is lost, and the DSP counts those samples (``DspWorker.overrun_samples``, shown
in the status bar and written as a gap).
"""

from __future__ import annotations

import logging
import threading
import time
from collections import deque
from collections.abc import Callable

from app.dsp.worker import ProcessedBlock

log = logging.getLogger(__name__)


class BackgroundWriter:
    """A DSP-worker sink that passes blocks, in order, to ``write`` on its own thread."""

    def __init__(self, write: Callable[[ProcessedBlock], None], sample_rate_hz: float,
                 max_seconds: float = 30.0) -> None:
        self._write = write
        self._fs = sample_rate_hz
        self._max = max(1, int(max_seconds * sample_rate_hz))
        self._queue: deque[ProcessedBlock] = deque()
        self._pending = 0
        self._cond = threading.Condition()
        self._closed = False
        self.error: str | None = None
        self.max_backlog_s = 0.0  # the longest the disk was behind
        self.waited_s = 0.0  # how long the DSP thread had to wait for a full queue
        self._thread = threading.Thread(target=self._run, name="recorder", daemon=True)
        self._thread.start()

    def __call__(self, block: ProcessedBlock) -> None:
        n = block.raw.shape[1]
        with self._cond:
            if self._closed:  # a block in flight while the recording stops: after its end
                return
            began = None
            while self._pending and self._pending + n > self._max and self.error is None:
                began = began or time.monotonic()
                self._cond.wait(0.1)
            if began is not None:
                self.waited_s += time.monotonic() - began
            self._queue.append(block)
            self._pending += n
            self.max_backlog_s = max(self.max_backlog_s, self._pending / self._fs)
            self._cond.notify_all()

    @property
    def backlog_s(self) -> float:
        """Seconds of samples received but not yet on the disk."""
        with self._cond:
            return self._pending / self._fs

    def _run(self) -> None:
        while True:
            with self._cond:
                self._cond.wait_for(lambda: bool(self._queue) or self._closed)
                if not self._queue:
                    return
                block = self._queue[0]
            try:
                if self.error is None:
                    self._write(block)
            except Exception as exc:  # a bug, not a disk error (those the recorder says itself)
                log.exception("writing a block of the recording failed")
                self.error = f"The recording stopped: {type(exc).__name__}: {exc}."
            with self._cond:
                self._queue.popleft()
                self._pending -= block.raw.shape[1]
                self._cond.notify_all()

    def drain(self, timeout: float | None = None) -> bool:
        """Wait until every block handed over is written (True) or ``timeout`` passed."""
        with self._cond:
            return self._cond.wait_for(lambda: not self._queue, timeout)

    def close(self, timeout: float = 60.0) -> None:
        """Write what is queued, then end the thread (later blocks are ignored)."""
        self.drain(timeout)
        with self._cond:
            self._closed = True
            self._cond.notify_all()
        self._thread.join(timeout)
