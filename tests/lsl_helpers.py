"""LSL in the tests: liblsl configured for this machine only (tests/lsl_api.cfg), unique stream
names, and an outlet that pushes a counter so dropped or reordered samples show."""

from __future__ import annotations

import os
import threading
import uuid
from pathlib import Path

os.environ.setdefault("LSLAPICFG", str(Path(__file__).with_name("lsl_api.cfg")))

import numpy as np
import pylsl


def unique(name: str) -> str:
    """A stream name no other test run on this machine uses."""
    return f"{name}-{uuid.uuid4().hex[:8]}"


def emg_outlet(name: str, labels: list[str], units: list[str], fs: float, source_id: str = "",
               fmt: str = "float32") -> pylsl.StreamOutlet:
    info = pylsl.StreamInfo(name, "EMG", len(labels), fs, fmt, source_id or f"{name}-id")
    info.set_channel_labels(labels)
    info.set_channel_units(units)
    info.set_channel_types("EMG")
    return pylsl.StreamOutlet(info)


def counter(start: int, n: int, channels: int) -> np.ndarray:
    """(n, channels) samples: channel c holds (c + 1) x the sample number."""
    k = np.arange(start, start + n, dtype=np.float64)
    return np.stack([k * (c + 1) for c in range(channels)], axis=1)


class Pusher:
    """Pushes ``chunks`` of a counter, time-stamped ``t0 + k / fs``, skipping ``skip`` samples
    after sample ``skip_at`` (a gap in time and in the counter), once a consumer connects."""

    def __init__(self, outlet: pylsl.StreamOutlet, fs: float, total: int, chunk: int = 10,
                 skip_at: int | None = None, skip: int = 0, pace_s: float = 0.005) -> None:
        self.outlet, self.fs, self.total, self.chunk = outlet, fs, total, chunk
        self.skip_at, self.skip, self.pace_s = skip_at, skip, pace_s
        self.sent: list[np.ndarray] = []
        self.done = threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)

    def start(self) -> Pusher:
        self.thread.start()
        return self

    def _run(self) -> None:
        if not self.outlet.wait_for_consumers(10.0):
            self.done.set()
            return
        n_ch = self.outlet.get_info().channel_count()
        t0 = pylsl.local_clock()
        k = 0
        pushed = 0
        while pushed < self.total:
            n = min(self.chunk, self.total - pushed)
            if self.skip_at is not None and pushed <= self.skip_at < pushed + n:
                n = self.skip_at - pushed + 1  # the chunk ends at the sample before the gap
            x = counter(k, n, n_ch)
            stamps = (t0 + (k + np.arange(n)) / self.fs).tolist()
            self.outlet.push_chunk(x.astype(np.float32), stamps)
            self.sent.append(x)
            pushed += n
            k += n
            if self.skip_at is not None and pushed == self.skip_at + 1:
                k += self.skip
            self.done.wait(self.pace_s)
        self.done.set()
