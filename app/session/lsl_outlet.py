"""A live session published on the Lab Streaming Layer, so LabRecorder (and any LSL tool) records
GluteFire next to the lab's other devices.

Three streams, named after the app (``GluteFire raw``, ``GluteFire envelope``, ``GluteFire
markers``):

- raw and envelope: type ``EMG``, float32, one channel per muscle, at the patch's rate, with the
  channel meta-data of the XDF EMG conventions (https://github.com/sccn/xdf/wiki/EMG-Meta-Data):
  ``desc/channels/channel/{label,unit,type}`` (unit "microvolts", type "EMG"),
  ``desc/acquisition/{manufacturer,model}`` and ``desc/filtering``;
- markers: type ``Markers``, one string per event: target crossings ("above target LABEL",
  "below target LABEL"), reps ("rep 3 LABEL", at the rep's onset), the recording's marks and
  notes (the CSV events column's words), protocol cues and scores ("cue: Hold 5 s"), and
  "link lost" / "link restored".

Source ids are stable (a hash of the source, its channels and rate), so LabRecorder picks the
streams up again after a reconnect. Samples are pushed from the DSP thread (a worker sink), never
the UI's; samples missing from the patch (NaN gaps) are not sent: their time stamps just jump.
"""

from __future__ import annotations

import hashlib
import logging
import threading
import time
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from app import __version__
from app.devices.lsl import LSL_UNIT, pylsl
from app.devices.source import EventKind, SourceEvent
from app.dsp.worker import ProcessedBlock
from app.session.stream import LiveStream

if TYPE_CHECKING:
    from app.analysis.live import LiveAnalysis
    from app.session.controller import SessionEvent

STREAM_PREFIX = "GluteFire"
#: a marker stream's events of the session (``EventType`` values) and the words they start with
SESSION_MARKERS = {"step": "cue", "rep scored": "rep scored", "set done": "set done",
                   "practice finished": "practice finished", "screening result": "screening result",
                   "calibration finished": "calibration finished", "done for today": "done for today"}
log = logging.getLogger(__name__)


def clock_offset(samples: int = 7) -> float:
    """``local_clock() - time.perf_counter()``: the tightest of a few paired reads (both clocks
    are monotonic; on Linux both are CLOCK_MONOTONIC and this is ~0)."""
    lsl = pylsl()
    best: tuple[float, float] | None = None
    for _ in range(samples):
        a = time.perf_counter()
        t = lsl.local_clock()
        b = time.perf_counter()
        if best is None or b - a < best[0]:
            best = (b - a, t - (a + b) / 2)
    assert best is not None
    return best[1]


def sample_times(first: int, n: int, arrivals: Sequence[tuple[int, float]], fs: float, offset: float,
                 now: float) -> np.ndarray:
    """LSL time stamps of stream samples ``first .. first + n - 1`` from when their blocks arrived.

    The mapping: each block the source delivered is remembered as (samples received up to and
    including it, its arrival time on ``time.perf_counter``). A sample's time is the arrival of
    the block that brought it, back-dated by one sample period for each sample that came after it
    in that block (the block's newest sample is the one that just arrived), then moved onto LSL's
    clock with ``offset`` (``clock_offset``): ``t(i) = arrival(block) + offset - (end(block) - 1 -
    i) / fs``. That is the time the sample reached this computer, so a consumer aligning devices
    sees GluteFire as late as its radio link makes it (BLE: ~10-30 ms); LSL's own convention for
    device data without a hardware clock. A sample whose block is not remembered yet (the DSP
    took it before its arrival was noted) uses ``now`` (``time.perf_counter``).
    """
    idx = np.arange(first, first + n)
    ends = np.fromiter((a[0] for a in arrivals), dtype=np.int64, count=len(arrivals))
    times = np.fromiter((a[1] for a in arrivals), dtype=np.float64, count=len(arrivals))
    k = np.searchsorted(ends, idx + 1, side="left")  # the first block whose end passes the sample
    known = k < ends.size
    out = np.empty(n)
    out[known] = times[k[known]] - (ends[k[known]] - 1 - idx[known]) / fs
    out[~known] = now - (idx[-1] - idx[~known]) / fs
    return out + offset


def monotonic_after(ts: np.ndarray, last: float | None, fs: float) -> np.ndarray:
    """``ts`` moved up where needed so each stamp is later than the one before it (and than
    ``last``, the newest already sent), by at least 1/1000 period: a burst of blocks that arrive
    together back-dates some samples before ones already stamped."""
    step = 1e-3 / fs
    k = np.arange(1, ts.size + 1)
    floor = -np.inf if last is None else last
    return np.maximum.accumulate(np.maximum(ts - step * k, floor)) + step * k


def _source_id(stream: LiveStream) -> str:
    key = f"{stream.source.kind}|{stream.source.name}|{','.join(stream.labels)}|{stream.fs:g}"
    return f"glutefire-{hashlib.sha1(key.encode()).hexdigest()[:12]}"


class LslOutlet:
    """The session's three LSL outlets; a DSP-worker sink and a listener on the stream's events.

    ``analysis`` returns the session's current live analysis (its reps become markers); the
    controller passes its own, which is replaced after a calibration or at an exercise's start.
    """

    def __init__(self, stream: LiveStream, analysis: Callable[[], LiveAnalysis | None] | None = None,
                 prefix: str = STREAM_PREFIX) -> None:
        lsl = pylsl()
        self.stream = stream
        self.fs = stream.fs
        self._analysis = analysis or (lambda: None)
        sid = _source_id(stream)
        self.source_id = sid
        self.names = (f"{prefix} raw", f"{prefix} envelope", f"{prefix} markers")
        self.raw = lsl.StreamOutlet(self._emg_info(self.names[0], f"{sid}-raw", "raw"), max_buffered=60)
        self.envelope = lsl.StreamOutlet(self._emg_info(self.names[1], f"{sid}-envelope", "envelope"), max_buffered=60)
        markers = lsl.StreamInfo(self.names[2], "Markers", 1, lsl.IRREGULAR_RATE, "string", f"{sid}-markers")
        markers.desc().append_child("acquisition").append_child_value("manufacturer", "GluteFire")
        self.markers = lsl.StreamOutlet(markers)
        self._offset = clock_offset()
        self._last: float | None = None
        self._lock = threading.Lock()  # markers come from the DSP, source and caller threads
        self._reps_seen: tuple[int, list[int]] = (0, [])
        self.pushed_samples = 0
        stream.worker.add_sink(self)
        stream.event_listeners.append(self._on_source_event)
        stream.mark_listeners.append(self._on_mark)

    def _emg_info(self, name: str, source_id: str, what: str) -> Any:
        lsl = pylsl()
        s = self.stream
        info = lsl.StreamInfo(name, "EMG", len(s.labels), s.fs, "float32", source_id)
        desc = info.desc()
        chans = desc.append_child("channels")
        for label, unit in zip(s.labels, s.units):
            ch = chans.append_child("channel")
            ch.append_child_value("label", label)
            ch.append_child_value("unit", LSL_UNIT.get(unit, unit))
            ch.append_child_value("type", "EMG")
        acq = desc.append_child("acquisition")
        acq.append_child_value("manufacturer", "GluteFire")
        acq.append_child_value("model", f"GluteFire {__version__} via {s.source.name}")
        filt = "none: the samples as the patch sent them" if what == "raw" else s.worker.describe_filters()
        desc.append_child("filtering").append_child_value("description", filt)
        return info

    # -- time -----------------------------------------------------------------------------------
    def times(self, first: int, n: int) -> np.ndarray:
        """LSL time stamps of stream samples ``first ..`` (``sample_times``; not after-monotonic)."""
        return sample_times(first, n, self.stream.arrivals(), self.fs, self._offset, time.perf_counter())

    def _sample_time(self, index: int) -> float:
        return float(self.times(index, 1)[0])

    # -- the DSP thread -------------------------------------------------------------------------
    def __call__(self, block: ProcessedBlock) -> None:
        n = block.raw.shape[1]
        if n == 0:
            return
        ts = self.times(block.start_index, n)
        good = ~np.isnan(block.raw).any(axis=0)
        if good.any():
            keep = np.flatnonzero(good)
            stamps = monotonic_after(ts[keep], self._last, self.fs)
            self._last = float(stamps[-1])
            stamp_list = stamps.tolist()
            self.raw.push_chunk(np.ascontiguousarray(block.raw[:, keep].T, dtype=np.float32), stamp_list)
            self.envelope.push_chunk(np.ascontiguousarray(block.envelope[:, keep].T, dtype=np.float32), stamp_list)
            self.pushed_samples += keep.size
        labels = self.stream.labels
        for c in block.crossings:
            where = "above" if c.rising else "below"
            self.push_marker(f"{where} target {labels[c.channel]}", float(ts[min(n - 1, max(0, c.index - block.start_index))]))
        self._push_reps()

    def _push_reps(self) -> None:
        """New reps of the live analysis, each at its onset (they are known ~0.1 s after their end)."""
        live = self._analysis()
        if live is None:
            return
        owner, seen = self._reps_seen
        if owner != id(live):
            seen = []
        snap = live.snapshot()
        counts = [len(c.reps) for c in snap.channels]
        seen = seen if len(seen) == len(counts) else [0] * len(counts)
        for ch, (old, new) in enumerate(zip(seen, counts)):
            for k in range(old, new):
                rep = snap.channels[ch].reps[k]
                self.push_marker(f"rep {k + 1} {snap.channels[ch].label}", self._sample_time(int(round(rep.onset_s * self.fs))))
        self._reps_seen = (id(live), counts)

    # -- markers from anywhere ------------------------------------------------------------------
    def push_marker(self, text: str, timestamp: float | None = None) -> None:
        """One marker now (or at ``timestamp`` on LSL's clock); thread-safe."""
        with self._lock:
            self.markers.push_sample([text], timestamp if timestamp is not None else pylsl().local_clock())

    def _on_source_event(self, event: SourceEvent) -> None:  # the source's thread
        if event.kind in (EventKind.LINK_LOST, EventKind.LINK_RESTORED):
            self.push_marker(event.kind.value)

    def _on_mark(self, text: str, index: int) -> None:  # the caller's thread: marks, notes
        self.push_marker(text, self._sample_time(max(0, index - 1)))

    def on_session_event(self, event: SessionEvent) -> None:
        """A session event (a protocol's cue, a scored rep, ...) as a marker, when it is one
        (a controller listener: any thread)."""
        word = SESSION_MARKERS.get(event.type.value)
        if word is not None:
            self.push_marker(f"{word}: {event.message}" if event.message else word)

    def close(self) -> None:
        """Take the outlets off the stream and the network (after the stream has stopped)."""
        self.stream.worker.remove_sink(self)
        if self._on_source_event in self.stream.event_listeners:
            self.stream.event_listeners.remove(self._on_source_event)
        if self._on_mark in self.stream.mark_listeners:
            self.stream.mark_listeners.remove(self._on_mark)
        self.raw = self.envelope = self.markers = None  # liblsl withdraws a stream when its outlet goes
