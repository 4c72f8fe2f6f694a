"""The DSP thread: input ring -> pipeline -> display rings, firing state and sinks (recorder).

One worker thread waits on the input ring and processes whatever whole blocks have arrived, all
channels in one call. Missing samples arrive as NaN columns (written by the source side for
sequence gaps and link outages); they pass through as NaN so time keeps running, and the filters
restart from the first sample after the gap. The display rings hold the newest seconds of
band-passed signal (min/max per display bin) and envelope for the UI, which pulls them at its
own frame rate.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from app.dsp.decimate import MinMaxDecimator, bin_size_for
from app.dsp.envelope import MovingMeanSquare
from app.dsp.filters import FilterSettings, rms_window_samples
from app.dsp.firing import Crossing, FiringDetector
from app.dsp.pipeline import make_pipeline
from app.dsp.ring import RingBuffer

#: the sound cues' own envelope: a 20 ms moving RMS (10 ms delay instead of the display's 35 ms), so
#: the goal tone can start within ~50 ms of the true onset including the audio device's buffer
CUE_RMS_MS = 20.0


@dataclass(frozen=True)
class ProcessedBlock:
    """What sinks receive: absolute start index, raw (NaN in gaps), filtered, envelope, crossings
    of the targets, and ``cue_crossings`` of the same targets by the faster cue envelope."""

    start_index: int
    raw: np.ndarray
    filtered: np.ndarray
    envelope: np.ndarray
    crossings: tuple[Crossing, ...]
    cue_crossings: tuple[Crossing, ...] = ()


Sink = Callable[[ProcessedBlock], None]
log = logging.getLogger(__name__)


def _nan_runs(mask: np.ndarray) -> list[tuple[int, int, bool]]:
    """Split a boolean column mask into runs: (start, stop, is_gap)."""
    if not mask.any():
        return [(0, mask.size, False)]
    edges = np.flatnonzero(np.diff(mask.astype(np.int8))) + 1
    bounds = np.concatenate(([0], edges, [mask.size]))
    return [(int(a), int(b), bool(mask[a])) for a, b in zip(bounds[:-1], bounds[1:])]


class DspWorker:
    """Runs the pipeline on its own thread; thread-safe setters for thresholds and filters."""

    def __init__(
        self,
        source_ring: RingBuffer,
        sample_rate_hz: float,
        settings: FilterSettings,
        thresholds: np.ndarray,
        display_seconds: float = 12.0,
        signal_kind: str = "raw",
    ) -> None:
        self.ring = source_ring
        self.fs = sample_rate_hz
        n_ch = source_ring.n_channels
        self.signal_kind = signal_kind
        self._pipeline = make_pipeline(settings, sample_rate_hz, n_ch, signal_kind)
        self._pending_settings: FilterSettings | None = None
        self.firing = FiringDetector(n_ch, thresholds)
        # the sound cues' faster detector (raw EMG only: a device's own envelope is used as it is);
        # ~25 µs a block at 8 ch, so only while someone listens (``cues = True``)
        self._cue_ms = MovingMeanSquare(rms_window_samples(CUE_RMS_MS, sample_rate_hz), n_ch)
        self.cue_firing = FiringDetector(n_ch, thresholds)
        self.cues = False
        #: display bins: min/max of the band-passed signal and max of the envelope per bin
        self.display_bin = bin_size_for(sample_rate_hz)
        cap = int(display_seconds * sample_rate_hz / self.display_bin) + 1
        self._decimator = MinMaxDecimator(n_ch, self.display_bin)
        self.display_min = RingBuffer(n_ch, cap)
        self.display_max = RingBuffer(n_ch, cap)
        self.display_envelope = RingBuffer(n_ch, cap)
        self._sinks: list[Sink] = []
        self._sinks_lock = threading.Lock()
        self._cursor = 0
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.overrun_samples = 0  # samples the DSP was too slow to read (should stay 0)
        self.processed_samples = 0
        self.last_envelope = np.zeros(n_ch)
        self.error: BaseException | None = None
        self.sink_error: str | None = None  # the last consumer that failed (taken off; the rest go on)

    @property
    def settings(self) -> FilterSettings:
        return self._pipeline.settings

    @property
    def delay_s(self) -> float:
        return self._pipeline.delay_s

    def add_sink(self, sink: Sink) -> None:
        with self._sinks_lock:
            self._sinks.append(sink)

    def remove_sink(self, sink: Sink) -> None:
        with self._sinks_lock:
            if sink in self._sinks:
                self._sinks.remove(sink)

    def set_thresholds(self, thresholds: np.ndarray) -> None:
        self.firing.set_thresholds(thresholds)
        self.cue_firing.set_thresholds(thresholds)

    def set_settings(self, settings: FilterSettings) -> None:
        """Swap filters at the next block boundary (validated now, in the caller's thread)."""
        self._pending_settings = settings.validated(self.fs) if self.signal_kind == "raw" else settings

    def describe_filters(self) -> str:
        if self.signal_kind == "envelope":
            return "none: the device sends an envelope, shown and recorded as it comes"
        return self.settings.describe(self.fs)

    def start(self) -> None:
        self._stop.clear()
        self._thread = threading.Thread(target=self._run, name="dsp", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        """Drain what is in the ring, then end the thread."""
        self._stop.set()
        self.ring.notify()
        if self._thread is not None:
            self._thread.join(timeout=5.0)
            self._thread = None

    def _run(self) -> None:
        try:
            while True:
                stopping = self._stop.is_set()
                if self.ring.wait_for(self._cursor, 0.05) or stopping:
                    self.process_available()
                if stopping:
                    break
        except BaseException as exc:  # surfaced to the UI/CLI; never silently dies
            self.error = exc

    def process_available(self) -> None:
        """Process everything written since the last call (also used directly by tests).

        Work is taken in slices of at most half a second, so a backlog (a stalled machine, a
        faster-than-real-time simulation) never turns into one huge allocation.
        """
        max_n = max(1, int(self.fs * 0.5))
        while True:
            data, new_cursor, skipped = self.ring.read_since(self._cursor, max_n)
            start = self._cursor
            if skipped:
                self.overrun_samples += skipped
                gap = np.full((data.shape[0], skipped), np.nan)
                data = np.concatenate([gap, data], axis=1)
            self._cursor = new_cursor
            if data.shape[1] == 0:
                return
            self._process(data, start)

    def _process(self, raw: np.ndarray, start: int) -> None:
        if self._pending_settings is not None:
            self._pipeline = make_pipeline(self._pending_settings, self.fs, raw.shape[0], self.signal_kind)
            self._pending_settings = None
        filtered = np.empty_like(raw)
        envelope = np.empty_like(raw)
        for a, b, gap in _nan_runs(np.isnan(raw).any(axis=0)):
            if gap:
                filtered[:, a:b] = np.nan
                envelope[:, a:b] = np.nan
                self._pipeline.reset()
            else:
                out = self._pipeline.process(raw[:, a:b])
                filtered[:, a:b] = out.filtered
                envelope[:, a:b] = out.envelope
        crossings = tuple(self.firing.process(envelope, start))
        if not self.cues:
            cue_crossings: tuple[Crossing, ...] = ()
        elif self.signal_kind == "raw":
            with np.errstate(invalid="ignore"):
                cue_env = np.sqrt(np.maximum(self._cue_ms.process(filtered), 0.0))
            if np.isnan(filtered[:, -1:]).any():
                self._cue_ms.reset()  # a gap: start again from the next real sample
            cue_crossings = tuple(self.cue_firing.process(cue_env, start))
        else:
            cue_crossings = crossings
        lo, hi, env_bins = self._decimator.process(filtered, envelope)
        if lo.shape[1]:
            # min and max first; the envelope ring is written last and is the readers' clock
            self.display_min.write(lo)
            self.display_max.write(hi)
            self.display_envelope.write(env_bins)
        self.last_envelope = envelope[:, -1].copy()
        self.processed_samples = start + raw.shape[1]
        block = ProcessedBlock(start, raw, filtered, envelope, crossings, cue_crossings)
        with self._sinks_lock:
            sinks = list(self._sinks)
        for sink in sinks:
            try:
                sink(block)
            except Exception as exc:  # one failing consumer must not stop the others (the recording)
                log.exception("a DSP sink failed and was taken off: %r", sink)
                self.remove_sink(sink)
                self.sink_error = f"{type(exc).__name__}: {exc}"


def aligned_display(worker: DspWorker, n_bins: int) -> tuple[int, np.ndarray, np.ndarray, np.ndarray]:
    """Newest ``n_bins`` display bins as (first bin index, min, max, envelope), mutually aligned.

    The three rings are written one after another by the DSP thread; reading can catch them one
    write apart, so the result is trimmed to the bins all three hold.
    """
    env, s_env = worker.display_envelope.latest(n_bins)
    lo, s_lo = worker.display_min.latest(n_bins)
    hi, s_hi = worker.display_max.latest(n_bins)
    start = max(s_env, s_lo, s_hi)
    stop = min(s_env + env.shape[1], s_lo + lo.shape[1], s_hi + hi.shape[1])
    if stop <= start:
        empty = np.empty((env.shape[0], 0))
        return start, empty, empty, empty
    return (
        start,
        lo[:, start - s_lo : stop - s_lo],
        hi[:, start - s_hi : stop - s_hi],
        env[:, start - s_env : stop - s_env],
    )
