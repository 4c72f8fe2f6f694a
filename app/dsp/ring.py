"""Preallocated, lock-protected ring buffer of (channels, capacity) samples.

Writers append whole blocks with slice copies (no per-sample work, no modulo fancy indexing);
readers either take the newest ``n`` samples (display) or everything since a cursor (DSP worker,
recorder). Cursors are absolute sample counts, so a reader that fell more than ``capacity``
behind learns exactly how many samples it missed instead of reading torn data.
(Pattern after MNE-LSL's StreamLSL buffer; written from scratch.)
"""

from __future__ import annotations

import threading

import numpy as np


class RingBuffer:
    """Fixed-size circular store of multichannel samples with an absolute write counter."""

    def __init__(self, n_channels: int, capacity: int, dtype: type = np.float64) -> None:
        if n_channels < 1 or capacity < 1:
            raise ValueError("ring buffer needs at least one channel and one sample of capacity")
        self._buf: np.ndarray = np.zeros((n_channels, capacity), dtype=dtype)
        self._capacity = capacity
        self._total = 0  # samples ever written
        self._lock = threading.Lock()
        self._cond = threading.Condition(self._lock)

    @property
    def n_channels(self) -> int:
        return self._buf.shape[0]

    @property
    def capacity(self) -> int:
        return self._capacity

    @property
    def total(self) -> int:
        """Number of samples ever written (the cursor just past the newest sample)."""
        with self._lock:
            return self._total

    def write(self, data: np.ndarray) -> None:
        """Append ``data`` (channels, n); if n exceeds capacity only the newest samples are kept."""
        if data.ndim != 2 or data.shape[0] != self.n_channels:
            raise ValueError(f"expected ({self.n_channels}, n) block, got {data.shape}")
        n = data.shape[1]
        if n == 0:
            return
        with self._cond:
            cap = self._capacity
            if n >= cap:
                tail = data[:, n - cap :]
                start = (self._total + n - cap) % cap  # physical slot of the oldest kept sample
                self._buf[:, start:] = tail[:, : cap - start]
                self._buf[:, :start] = tail[:, cap - start :]
            else:
                start = self._total % cap
                first = min(n, cap - start)
                self._buf[:, start : start + first] = data[:, :first]
                if first < n:
                    self._buf[:, : n - first] = data[:, first:]
            self._total += n
            self._cond.notify_all()

    def write_gap(self, n: int) -> None:
        """Advance the clock by ``n`` missing samples, stored as NaN (only the newest fit)."""
        if n <= 0:
            return
        keep = min(n, self._capacity)
        with self._cond:
            self._total += n - keep
        self.write(np.full((self.n_channels, keep), np.nan, dtype=self._buf.dtype))

    def _copy_range(self, start: int, stop: int) -> np.ndarray:
        """Copy absolute samples [start, stop); caller holds the lock and checked availability."""
        cap = self._capacity
        n = stop - start
        out = np.empty((self.n_channels, n), dtype=self._buf.dtype)
        s = start % cap
        first = min(n, cap - s)
        out[:, :first] = self._buf[:, s : s + first]
        if first < n:
            out[:, first:] = self._buf[:, : n - first]
        return out

    def latest(self, n: int) -> tuple[np.ndarray, int]:
        """The newest ``min(n, available)`` samples and the absolute index of the first one."""
        with self._lock:
            n = min(n, self._total, self._capacity)
            start = self._total - n
            return self._copy_range(start, self._total), start

    def read_since(self, cursor: int, max_n: int | None = None) -> tuple[np.ndarray, int, int]:
        """Samples written since ``cursor`` (at most ``max_n``): (data, new_cursor, skipped).

        ``skipped`` counts samples overwritten before this reader got to them (reader too slow).
        """
        with self._lock:
            oldest = max(0, self._total - self._capacity)
            skipped = max(0, oldest - cursor)
            start = max(cursor, oldest)
            stop = self._total if max_n is None else min(self._total, start + max_n)
            return self._copy_range(start, stop), stop, skipped

    def wait_for(self, cursor: int, timeout: float) -> bool:
        """Block until data past ``cursor`` exists or ``timeout`` seconds pass."""
        with self._cond:
            if self._total > cursor:
                return True
            self._cond.wait(timeout)
            return self._total > cursor

    def notify(self) -> None:
        """Wake waiting readers (used at shutdown)."""
        with self._cond:
            self._cond.notify_all()
