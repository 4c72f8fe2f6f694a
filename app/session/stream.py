"""One live session: source -> ring -> DSP worker -> (display, recorder). No Qt.

The GUI and the headless ``glutefire record`` both use this, so what is recorded is exactly what
is shown. The source's callback only copies into the ring (and marks gaps as NaN); all work
happens on the DSP thread. Shutdown order: stop source -> drain DSP -> close recorder.
"""

from __future__ import annotations

import bisect
import os
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from app.devices.source import Block, EventKind, Source, SourceEvent
from app.dsp.filters import FilterSettings
from app.dsp.firing import DEFAULT_THRESHOLD_UV
from app.dsp.ring import RingBuffer
from app.dsp.worker import DspWorker, ProcessedBlock
from app.storage.recorder import CsvRecorder, RecordingInfo
from app.storage.writer import BackgroundWriter

RING_SECONDS = 30.0


@dataclass(frozen=True)
class StreamStatus:
    """A snapshot for the status bar and the CLI."""

    source: str
    sample_rate_hz: float
    effective_rate_hz: float
    packets: int
    lost_packets: int
    lost_samples: int
    malformed: int
    battery_percent: int | None
    recording: str | None
    recorded_s: float
    recorder_error: str | None
    dsp_error: str | None
    analysis_error: str | None = None  # a consumer of the DSP thread failed; the rest (recording) goes on
    #: samples the processing was too slow to take from the 30 s input ring (a gap in the recording)
    overrun_samples: int = 0
    #: seconds received but not yet on the disk (a slow disk; the recording catches up)
    disk_backlog_s: float = 0.0

    def loss_text(self) -> str:
        """What was lost and why, for the status bar: every kind of loss counted, none hidden."""
        text = f"{self.lost_packets} packets lost · {self.lost_samples} samples missing"
        if self.malformed:
            text += f" · {self.malformed} damaged skipped"
        if self.overrun_samples:  # the computer was too busy for longer than the 30 s buffer
            text += f" · {self.overrun_samples / self.sample_rate_hz:.1f} s lost: the computer fell behind"
        if self.disk_backlog_s >= 2.0:
            text += f" · the disk is {self.disk_backlog_s:.0f} s behind (catching up, nothing lost)"
        return text


class LiveStream:
    """Owns the threads of one streaming session and the optional recorder."""

    def __init__(
        self,
        source: Source,
        settings: FilterSettings | None = None,
        thresholds: list[float] | None = None,
    ) -> None:
        self.source = source
        self.fs = source.sample_rate_hz
        self.labels = source.labels
        self.units = tuple(c.unit for c in source.channels)
        n = len(self.labels)
        self.thresholds = np.array(thresholds if thresholds else [DEFAULT_THRESHOLD_UV] * n, float)
        if self.thresholds.shape != (n,):
            raise ValueError("one threshold per channel")
        self.ring = RingBuffer(n, int(RING_SECONDS * self.fs))
        self.worker = DspWorker(
            self.ring, self.fs, settings or FilterSettings(), self.thresholds,
            signal_kind=source.signal_kind,
        )
        self.recorder: CsvRecorder | None = None
        self._writer: BackgroundWriter | None = None
        self._rec_lock = threading.Lock()
        #: called on the source's thread for each rare event (the window turns it into a Qt signal)
        self.event_listeners: list[Callable[[SourceEvent], None]] = []
        #: called with (text, sample index) for every event row ``mark`` writes (the LSL markers)
        self.mark_listeners: list[Callable[[str, int], None]] = []
        self.running = False
        #: (samples received up to this block, its arrival time): the delay meter's clock
        self._arrivals: deque[tuple[int, float]] = deque(maxlen=1024)

    # -- source callbacks (source thread) -----------------------------------------------------
    def _on_block(self, block: Block) -> None:
        if block.lost_before:
            self.ring.write_gap(block.lost_before)
        self.ring.write(block.data)
        self._arrivals.append((self.ring.total, time.perf_counter()))

    def arrived_at(self, sample: int) -> float | None:
        """When the block holding stream sample ``sample - 1`` arrived (``time.perf_counter``), or
        None when it is no longer remembered (the newest ~10 s are)."""
        arrivals = list(self._arrivals)  # (a copy: the source thread appends meanwhile)
        i = bisect.bisect_left(arrivals, (sample, -1.0))
        return arrivals[i][1] if i < len(arrivals) else None

    def arrivals(self) -> list[tuple[int, float]]:
        """The newest ~1024 blocks as (samples received up to and including it, arrival time on
        ``time.perf_counter``), oldest first: the clock an LSL outlet stamps samples with."""
        return list(self._arrivals)

    def _on_event(self, event: SourceEvent) -> None:
        for listener in list(self.event_listeners):
            listener(event)
        if event.kind in (EventKind.LINK_LOST, EventKind.LINK_RESTORED, EventKind.ERROR):
            rec = self.recorder
            if rec is not None:
                # the event row goes at the newest sample the stream has reached
                rec.mark(event.kind.value if event.kind != EventKind.ERROR else f"error: {event.message}",
                         self.ring.total)

    # -- control ------------------------------------------------------------------------------
    def start(self) -> None:
        self.worker.start()
        self.source.start(self._on_block, self._on_event)
        self.running = True

    def halt(self) -> None:
        """Stop the source and let the DSP process everything received, so a recording still
        open gets every sample; then ``stop_recording`` / ``stop``."""
        if self.running:
            self.source.stop()
            self.worker.stop()

    def stop(self) -> None:
        """Stop source, drain DSP, close recorder (in that order); safe after ``halt``."""
        if not self.running:
            return
        self.halt()
        self.stop_recording()
        self.running = False

    def set_thresholds(self, thresholds: list[float] | np.ndarray) -> None:
        self.thresholds = np.asarray(thresholds, dtype=float).copy()
        self.worker.set_thresholds(self.thresholds)

    def set_settings(self, settings: FilterSettings) -> None:
        self.worker.set_settings(settings)

    def start_recording(
        self,
        path: str | os.PathLike[str],
        extra: dict[str, str] | None = None,
        max_samples: int | None = None,
    ) -> CsvRecorder:
        """Start writing to ``path`` from the next processed sample on (at most ``max_samples``)."""
        meta = dict(self.source.metadata())
        if self.worker.signal_kind == "envelope":  # the raw columns hold the device's envelope
            meta["signal_kind"] = "envelope"
        meta.update(extra or {})
        info = RecordingInfo(
            labels=self.labels,
            units=self.units,
            sample_rate_hz=self.fs,
            device=self.source.name,
            device_kind=self.source.kind,
            filter_description=self.worker.describe_filters(),
            envelope_delay_s=self.worker.delay_s,
            thresholds=tuple(float(t) for t in self.thresholds),
            extra=tuple(meta.items()),
        )
        with self._rec_lock:
            self.stop_recording()
            start = self.worker.processed_samples
            rec = CsvRecorder(path, info, start_index=start)
            stop = None if max_samples is None else start + max_samples
            self._writer = BackgroundWriter(rec.write, self.fs)  # a slow disk never stalls the DSP
            self._gate = _Window(self._writer, start, stop)
            self.recorder = rec
            self.worker.add_sink(self._gate)
        return rec

    def stop_recording(self) -> CsvRecorder | None:
        rec = self.recorder
        if rec is None:
            return None
        self.worker.remove_sink(self._gate)
        if self._writer is not None:
            self._writer.close()  # everything handed over reaches the file before its closing line
            if self._writer.error and rec.error is None:
                rec.error = self._writer.error
            self._writer = None
        self.recorder = None
        battery = self.source.stats.battery_percent
        if battery is not None:
            rec.mark(f"battery {battery}%")
        rec.close()
        return rec

    def mark(self, text: str) -> None:
        """An event (a user's mark) at the newest sample, in the CSV's events column."""
        rec = self.recorder
        index = self.ring.total
        if rec is not None:
            rec.mark(text, index)
        for listener in list(self.mark_listeners):
            listener(text, index)

    def status(self) -> StreamStatus:
        st = self.source.stats
        rec = self.recorder
        writer = self._writer
        err = self.worker.error
        rec_error = (rec.error or (writer.error if writer else None)) if rec else None
        return StreamStatus(
            source=self.source.name,
            sample_rate_hz=self.fs,
            effective_rate_hz=st.effective_rate_hz(),
            packets=st.packets,
            lost_packets=st.lost_packets,
            lost_samples=st.lost_samples,
            malformed=st.malformed,
            battery_percent=st.battery_percent,
            recording=str(rec.path) if rec else None,
            recorded_s=rec.duration_s if rec else 0.0,
            recorder_error=rec_error,
            dsp_error=f"{type(err).__name__}: {err}" if err else None,
            analysis_error=(f"Part of the live analysis stopped ({self.worker.sink_error}); the recording goes on."
                            if self.worker.sink_error else None),
            overrun_samples=self.worker.overrun_samples,
            disk_backlog_s=writer.backlog_s if writer is not None else 0.0,
        )

    def wait_samples(self, n: int, timeout: float) -> bool:
        """Block until the DSP has processed ``n`` samples (headless recording, tests)."""
        end = time.monotonic() + timeout
        while self.worker.processed_samples < n:
            if time.monotonic() > end or self.worker.error is not None:
                return False
            time.sleep(0.005)
        return True


class _Window:
    """Sink adapter passing only samples in [start, stop) to the recorder."""

    def __init__(self, recorder: Callable[[ProcessedBlock], None], start: int, stop: int | None) -> None:
        self.recorder = recorder
        self.start = start
        self.stop = stop

    def __call__(self, block: ProcessedBlock) -> None:
        a = block.start_index
        b = a + block.raw.shape[1]
        lo = max(a, self.start)
        hi = b if self.stop is None else min(b, self.stop)
        if hi <= lo:
            return
        if (lo, hi) != (a, b):
            i, j = lo - a, hi - a
            block = ProcessedBlock(
                lo,
                block.raw[:, i:j],
                block.filtered[:, i:j],
                block.envelope[:, i:j],
                tuple(c for c in block.crossings if lo <= c.index < hi),
            )
        self.recorder(block)


class RawCollector:
    """A DSP-worker sink that keeps the raw samples of the next ``n`` samples (checks, calibration)."""

    def __init__(self, n: int) -> None:
        self.n = n
        self._parts: list[np.ndarray] = []
        self.have = 0
        self._lock = threading.Lock()

    def __call__(self, block: ProcessedBlock) -> None:
        with self._lock:
            if self.have < self.n:
                take = min(block.raw.shape[1], self.n - self.have)
                self._parts.append(block.raw[:, :take])
                self.have += take

    @property
    def full(self) -> bool:
        with self._lock:
            return self.have >= self.n

    def data(self) -> np.ndarray:
        with self._lock:
            return np.hstack(self._parts) if self._parts else np.empty((0, 0))
