"""Muscle onset and offset detection, one algorithm live (block by block) and offline.

Two conditioners feed one detector:

- ``"tkeo"`` (default): causal band-pass 20-450 Hz -> Teager-Kaiser energy operator
  psi[n] = x[n]^2 - x[n-1] x[n+1] (Kaiser 1990) -> rectification -> 2nd-order Butterworth
  low-pass at 50 Hz. TKEO weighs amplitude *and* instantaneous frequency, so the motor-unit
  action potentials of a starting contraction stand out of the noise floor; this conditioning
  markedly lowers onset errors of threshold detectors (Li, Zhou & Aruin 2007, Ann Biomed Eng
  35:1532; Solnik, Rider, Steinweg, DeVita & Hortobagyi 2010, Eur J Appl Physiol 110:489).
- ``"envelope"``: causal moving RMS (default 50 ms) of the band-passed signal, or the signal as
  it comes when it already is an envelope (``input="envelope"``, e.g. a MyoWare ENV output).

Detector (double threshold after Bonato, D'Alessio & Knaflitz 1998, IEEE TBME 45:287, adapted
from their squared whitened samples to a conditioned signal): threshold h = rest mean + k SD
(k = 6); a sample is "on" when at least r of the last m samples are above h (m = 25 ms,
r = 80% of m), which rejects isolated noise peaks. Onset refinement (offline and live alike):
from the first above-threshold sample of the window that first satisfied the rule, walk back
to just after the last sample at rest level (rest mean + 1.5 SD, at most 0.3 s back); if the
rise between there and the threshold was a steady ramp (a line through the amplitude over the
rise -- sqrt of the TKEO excess over rest, or the envelope excess -- explains it with R^2 >= 0.8),
follow that line back to zero amplitude (at most the rise's own length): a ramp-shaped onset is
dated less late, while noise followed by a jump is left alone (measured in docs/algorithms.md).
Offset = just after the last above-threshold sample when the rule stops holding. Gaps shorter
than ``min_off_s`` merge; bursts whose on-rule holds for less than ``min_on_s`` are dropped.

Rest baseline (mean, SD of the conditioned signal): explicit (``rest_baseline`` of a rest
capture) or automatic (``quietest_baseline``: the window of ``baseline_s`` with the lowest mean,
i.e. the lowest-RMS window, of the conditioned recording, pooled with the windows nearly as
quiet; medians of their means and SDs).

``OnsetTracker`` is the streaming form; ``detect_bursts`` runs the very same tracker over a whole
recording in one block, so live and offline onsets are identical for the same baseline. Each
event carries its true (delay-corrected) time and the stream time at which it was confirmed:
onsets are confirmed ``min_on_s`` after they happen, offsets ``min_off_s`` after. Measured
accuracy: ``app/analysis/onset_accuracy.py`` and docs/algorithms.md.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

import numpy as np
from scipy import signal

from app.dsp.envelope import Envelope, MovingMeanSquare
from app.dsp.filters import FilterSettings, StreamingSOS, design_bandpass, rms_window_samples
from app.dsp.pipeline import process_whole
from app.errors import UserError

DETECTORS = ("tkeo", "envelope")
INPUTS = ("raw", "filtered", "envelope")
#: median lag of the refined TKEO onset behind a step at 20 dB SNR (1 and 2 kHz), beyond the
#: operator's one-sample centring; measured with ``app.analysis.onset_accuracy`` and removed
TKEO_STEP_LAG_S = 0.0012


@dataclass(frozen=True)
class OnsetSettings:
    """Parameters of the onset detector (defaults: the measured configuration in the docs)."""

    detector: str = "tkeo"  # "tkeo" or "envelope"
    input: str = "raw"  # "raw" (µV), "filtered" (already band-passed) or "envelope"
    k_sd: float = 6.0  # threshold = rest mean + k_sd * rest SD
    window_ms: float = 25.0  # m: the double-threshold window
    fraction: float = 0.8  # r / m: share of the window that must be above the threshold
    min_on_s: float = 0.05  # shorter bursts are dropped
    min_off_s: float = 0.10  # shorter gaps are merged
    lowpass_hz: float = 30.0  # TKEO conditioner: low-pass after rectification
    envelope_ms: float = 50.0  # envelope conditioner: moving-RMS window
    baseline_s: float = 0.5  # automatic baseline: length of the quietest window
    k_low: float = 1.5  # onset refinement: "at rest" = at most rest mean + k_low * SD
    lookback_s: float = 0.3  # onset refinement: how far back to look
    extrapolate: float = 1.0  # ramp refinement: share of the back-extrapolation used (0 = off)
    min_r2: float = 0.8  # ... only when a line explains the rise this well (a steady ramp)
    calibration_s: float = 2.0  # streaming without a baseline: the first seconds are rest

    def validated(self) -> OnsetSettings:
        if self.detector not in DETECTORS:
            raise UserError(f"The onset detector must be one of {', '.join(DETECTORS)}.")
        if self.input not in INPUTS:
            raise UserError(f"The onset input must be one of {', '.join(INPUTS)}.")
        if self.input == "envelope" and self.detector != "envelope":
            raise UserError("An envelope input needs the 'envelope' onset detector.")
        if not 0.0 < self.fraction <= 1.0:
            raise UserError("The double-threshold fraction must be above 0 and at most 1.")
        if self.k_sd <= 0 or self.k_low < 0 or self.k_low >= self.k_sd:
            raise UserError("The onset threshold needs 0 <= k_low < k_sd.")
        if not (0.0 <= self.extrapolate <= 1.0 and 0.0 <= self.min_r2 <= 1.0):
            raise UserError("The ramp refinement share and its R^2 must be between 0 and 1.")
        if self.window_ms <= 0 or self.min_on_s < 0 or self.min_off_s < 0 or self.baseline_s <= 0:
            raise UserError("Onset windows and durations must be positive.")
        return self

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class Baseline:
    """Rest level of the conditioned signal per channel: mean and SD."""

    mean: np.ndarray
    sd: np.ndarray

    def thresholds(self, settings: OnsetSettings) -> tuple[np.ndarray, np.ndarray]:
        """(detection threshold, rest level used by the onset refinement)."""
        sd = np.maximum(self.sd, 1e-12)
        return self.mean + settings.k_sd * sd, self.mean + settings.k_low * sd


@dataclass(frozen=True)
class OnsetEvent:
    """A confirmed onset or offset on ``channel`` at ``time_s`` (delay removed).

    ``confirmed_s`` is the stream time (end of the sample that confirmed it), so
    ``confirmed_s - time_s`` is the live latency of the event.
    """

    channel: int
    kind: str  # "on" or "off"
    time_s: float
    confirmed_s: float

    @property
    def onset(self) -> bool:
        return self.kind == "on"


@dataclass(frozen=True)
class Burst:
    """One burst of activity: onset and offset (s), peak and mean of the envelope (µV)."""

    onset_s: float
    offset_s: float
    peak: float = float("nan")
    mean: float = float("nan")

    @property
    def duration_s(self) -> float:
        return self.offset_s - self.onset_s

    def to_dict(self) -> dict[str, float]:
        return {
            "onset_s": round(self.onset_s, 4),
            "offset_s": round(self.offset_s, 4),
            "duration_s": round(self.duration_s, 4),
            "peak": round(self.peak, 3),
            "mean": round(self.mean, 3),
        }


class Conditioner:
    """Streaming conditioner chosen by ``settings.detector`` / ``settings.input``.

    ``onset_delay_s`` / ``offset_delay_s``: how late the conditioned signal shows a rise / a fall
    of the raw signal; the tracker subtracts them from reported times.
    """

    def __init__(self, fs: float, n_channels: int, settings: OnsetSettings | None = None,
                 filters: FilterSettings | None = None) -> None:
        s = (settings or OnsetSettings()).validated()
        self.settings = s
        self.fs = fs
        self._bp = (
            StreamingSOS(design_bandpass(filters or FilterSettings(), fs), n_channels)
            if s.input == "raw" else None
        )
        self._tail: np.ndarray | None = None  # TKEO: the last two band-passed samples
        self._lp: StreamingSOS | None = None
        self._rms: MovingMeanSquare | None = None
        if s.detector == "tkeo":
            fc = min(s.lowpass_hz, 0.4 * fs)
            self._lp = StreamingSOS(signal.butter(2, fc, fs=fs, output="sos"), n_channels)
            # TKEO is centred one sample back; the refined onset of a step lags it by a further
            # TKEO_STEP_LAG_S (measured, onset_accuracy); a fall shows after the low-pass's group delay
            self.onset_delay_s = 1.0 / fs + TKEO_STEP_LAG_S
            self.offset_delay_s = 1.0 / fs + float(np.sqrt(2.0) / (2.0 * np.pi * fc))
        elif s.input == "envelope":
            self.onset_delay_s = self.offset_delay_s = 0.0
        else:
            n = rms_window_samples(s.envelope_ms, fs)
            self._rms = MovingMeanSquare(n, n_channels)
            # a causal window sees a rise at once but keeps a burst for its whole length
            self.onset_delay_s = 0.0
            self.offset_delay_s = (n - 1) / fs

    @property
    def delay_s(self) -> float:
        return self.onset_delay_s

    def process(self, x: np.ndarray) -> np.ndarray:
        x = np.nan_to_num(np.asarray(x, dtype=np.float64))
        if x.shape[1] == 0:
            return x.copy()
        if self._bp is not None:
            x = self._bp.process(x)
        if self._lp is not None:
            if self._tail is None:
                self._tail = np.repeat(x[:, :1], 2, axis=1)
            ext = np.concatenate([self._tail, x], axis=1)
            psi = ext[:, 1:-1] ** 2 - ext[:, :-2] * ext[:, 2:]
            self._tail = ext[:, -2:]
            # a Butterworth low-pass undershoots a little after a sharp fall: clip at 0 energy
            return np.maximum(self._lp.process(np.abs(psi)), 0.0)
        if self._rms is not None:
            return np.sqrt(np.maximum(self._rms.process(x), 0.0))
        return x.copy()


def quietest_baseline(conditioned: np.ndarray, fs: float, seconds: float = 0.5,
                      margin: float = 1.5) -> Baseline:
    """Automatic baseline: rest level from the quietest part of each channel.

    Windows of ``seconds`` (every tenth of a window) are ranked by mean; the lowest-mean one is
    the quietest, and every window whose mean is within ``margin`` x that of the quietest counts
    as rest. Baseline = median of those windows' means and of their SDs: the minimum of many
    window means alone is biased low (by ~3 SD of a window mean), and medians stay robust to the
    few rest-like windows that catch the edge of a contraction.
    """
    c = np.atleast_2d(np.asarray(conditioned, dtype=np.float64))
    n = max(2, min(c.shape[1], int(round(seconds * fs))))
    hop = max(1, n // 10)
    k = max(1, n // hop)
    nb = c.shape[1] // hop
    if nb < k:  # shorter than one window: all of it
        return Baseline(c.mean(axis=1), c.std(axis=1))
    blocks = c[:, : nb * hop].reshape(c.shape[0], nb, hop)
    bsum = blocks.sum(axis=2)
    bsq = (blocks * blocks).sum(axis=2)
    w = nb - k + 1
    wsum = np.zeros((c.shape[0], w))
    wsq = np.zeros((c.shape[0], w))
    for i in range(k):  # window sums from block sums: no cumsum over the whole recording
        wsum += bsum[:, i : w + i]
        wsq += bsq[:, i : w + i]
    size = k * hop
    wmean = wsum / size
    wsd = np.sqrt(np.maximum(wsq / size - wmean * wmean, 0.0))
    low = wmean.min(axis=1, keepdims=True)
    quiet = wmean <= low + (margin - 1.0) * np.abs(low)  # never empty: the minimum itself is in
    mean = np.array([np.median(wmean[ch, quiet[ch]]) for ch in range(c.shape[0])])
    sd = np.array([np.median(wsd[ch, quiet[ch]]) for ch in range(c.shape[0])])
    return Baseline(mean, sd)


def baseline(conditioned: np.ndarray, fs: float, seconds: float = 0.5) -> tuple[np.ndarray, np.ndarray]:
    """(mean, SD) per channel of the quietest ``seconds`` (tuple form of ``quietest_baseline``)."""
    b = quietest_baseline(conditioned, fs, seconds)
    return b.mean, b.sd


def rest_baseline(rest: np.ndarray, fs: float, settings: OnsetSettings | None = None,
                  filters: FilterSettings | None = None, settle_s: float = 0.2) -> Baseline:
    """Explicit baseline from a rest capture (its first ``settle_s`` skipped: filter start-up)."""
    s = settings or OnsetSettings()
    rest = np.atleast_2d(np.asarray(rest, dtype=np.float64))
    c = Conditioner(fs, rest.shape[0], s, filters).process(rest)
    skip = min(int(settle_s * fs), c.shape[1] // 2)
    c = c[:, skip:]
    if c.shape[1] < 2:
        raise UserError("The rest recording is too short to set an onset threshold.")
    return Baseline(c.mean(axis=1), c.std(axis=1))


def auto_baseline(x: np.ndarray, fs: float, settings: OnsetSettings | None = None,
                  filters: FilterSettings | None = None) -> Baseline:
    """Automatic baseline of a whole recording: its quietest ``settings.baseline_s`` window."""
    s = settings or OnsetSettings()
    x = np.atleast_2d(np.asarray(x, dtype=np.float64))
    return quietest_baseline(Conditioner(fs, x.shape[0], s, filters).process(x), fs, s.baseline_s)


_IDLE, _CANDIDATE, _ACTIVE = 0, 1, 2


class OnsetTracker:
    """Streaming onset/offset detector: feed (channels, n) blocks, get ``OnsetEvent``s.

    ``OnsetTracker(fs, n_channels, settings, baseline)``; without a baseline the first
    ``settings.calibration_s`` seconds are taken as rest (their quietest ``baseline_s`` window)
    and then run through the detector too, so nothing is lost. The older form
    ``OnsetTracker(fs, n_channels, mean, sd, settings)`` is accepted as well.
    """

    def __init__(self, fs: float, n_channels: int, settings: Any = None, baseline: Any = None,
                 *legacy: Any, filters: FilterSettings | None = None) -> None:
        if isinstance(settings, (np.ndarray, list, tuple)):  # (mean, sd, settings) form
            mean, sd = settings, baseline
            settings = legacy[0] if legacy else None
            baseline = Baseline(np.asarray(mean, float), np.asarray(sd, float))
        self.s: OnsetSettings = (settings or OnsetSettings()).validated()
        self.fs = fs
        self.n_channels = n_channels
        self.cond = Conditioner(fs, n_channels, self.s, filters)
        self.m = max(1, int(round(self.s.window_ms * fs / 1000.0)))
        self.r = max(1, int(np.ceil(self.s.fraction * self.m - 1e-9)))
        self.min_on = int(round(self.s.min_on_s * fs))
        self.min_off = max(1, int(round(self.s.min_off_s * fs)))
        self.lookback = max(1, int(round(self.s.lookback_s * fs)))
        self._keep = self.lookback + self.m  # conditioned history for the refinement
        # amplitude ~ (conditioned - rest mean) ** power: TKEO ~ a^2; a moving RMS is an amplitude
        self._power = 0.5 if self.s.detector == "tkeo" else 1.0
        self._hist = np.full((n_channels, self._keep), np.inf)
        self._carry = np.zeros((n_channels, self.m - 1), dtype=bool)  # above-threshold flags
        self._n = 0  # conditioned samples through the detector
        self._state = [_IDLE] * n_channels
        self._start = [0] * n_channels  # refined onset index of the candidate / active burst
        self._first = [0] * n_channels  # its first above-threshold sample (min_on counts from it)
        self._off_start: list[int | None] = [None] * n_channels  # where the current gap began
        self._off_at = [0] * n_channels  # offset index for that gap
        self._pending: list[np.ndarray] = []  # conditioned samples awaiting the calibration
        self.baseline: Baseline | None = None
        self.threshold = np.full(n_channels, np.inf)
        self.low = np.full(n_channels, np.inf)
        if baseline is not None:
            self.set_baseline(baseline)

    # -- properties -----------------------------------------------------------------------
    @property
    def delay_s(self) -> float:
        """Conditioning delay removed from onset times."""
        return self.cond.onset_delay_s

    @property
    def onset_latency_s(self) -> float:
        """How long after a (step) onset it is reported live: ``min_on_s`` plus the crossing."""
        return self.s.min_on_s + self.m / self.fs

    @property
    def offset_latency_s(self) -> float:
        return self.s.min_off_s + self.cond.offset_delay_s

    @property
    def ready(self) -> bool:
        return self.baseline is not None

    @property
    def active(self) -> np.ndarray:
        """Per channel: is a burst under way (candidate or confirmed)? Live quality uses it to
        tell rest from contraction."""
        return np.array([st != _IDLE for st in self._state], dtype=bool)

    def set_baseline(self, b: Baseline) -> None:
        self.baseline = Baseline(np.asarray(b.mean, float).reshape(-1), np.asarray(b.sd, float).reshape(-1))
        self.threshold, self.low = self.baseline.thresholds(self.s)

    # -- processing -----------------------------------------------------------------------
    def process(self, raw: np.ndarray) -> list[OnsetEvent]:
        """Events confirmed by this block, in time order."""
        c = self.cond.process(np.atleast_2d(raw))
        if self.baseline is None:
            self._pending.append(c)
            have = sum(p.shape[1] for p in self._pending)
            if have < int(self.s.calibration_s * self.fs):
                return []
            c = np.concatenate(self._pending, axis=1)
            self._pending = []
            self.set_baseline(quietest_baseline(c, self.fs, min(self.s.baseline_s, self.s.calibration_s)))
        return self._detect(c)

    def _detect(self, c: np.ndarray) -> list[OnsetEvent]:
        b = c.shape[1]
        if b == 0:
            return []
        above = c > self.threshold[:, None]
        ext = np.concatenate([self._carry, above], axis=1)  # ext[k] <-> sample n - (m-1) + k
        if self.m > 1:
            cs = np.zeros((ext.shape[0], ext.shape[1] + 1), dtype=np.int32)
            np.cumsum(ext, axis=1, dtype=np.int32, out=cs[:, 1:])
            count = cs[:, self.m :] - cs[:, : -self.m]
        else:
            count = above.astype(np.int32)
        on: np.ndarray = count >= self.r
        any_on = np.asarray(on.any(axis=1))
        all_on = np.asarray(on.all(axis=1))
        events: list[OnsetEvent] = []
        for ch in range(c.shape[0]):
            st = self._state[ch]
            # fast paths (most blocks): idle and nothing above; active, all above, no gap pending
            if (st == _IDLE and not any_on[ch]) or (st == _ACTIVE and all_on[ch] and self._off_start[ch] is None):
                continue
            events += self._runs(ch, on[ch], ext[ch], c[ch])
        if b >= self._keep:
            self._hist = c[:, b - self._keep :].copy()
        else:
            self._hist = np.concatenate([self._hist[:, b:], c], axis=1)
        self._carry = ext[:, ext.shape[1] - (self.m - 1) :] if self.m > 1 else ext[:, :0]
        self._n += b
        events.sort(key=lambda e: (e.time_s, e.channel))
        return events

    def _segment(self, ch: int, cur: np.ndarray, g0: int, g1: int) -> tuple[np.ndarray, int]:
        """Conditioned samples of global indices [g0, g1) (clipped to what is kept): (samples, start)."""
        n0 = self._n
        g0 = max(g0, n0 - self._keep, 0)
        if g0 >= n0:
            return cur[g0 - n0 : g1 - n0], g0
        old = self._hist[ch, g0 - (n0 - self._keep) : min(g1, n0) - (n0 - self._keep)]
        if g1 <= n0:
            return old, g0
        return np.concatenate([old, cur[: g1 - n0]]), g0

    def _refine(self, ch: int, first: int, cur: np.ndarray) -> int:
        """Walk back from ``first`` to just after the last sample at rest level; then, if the
        rise from there to the threshold was a steady ramp, extend it back to zero amplitude."""
        seg, g0 = self._segment(ch, cur, first - self.lookback, first + 1)
        j = first - g0  # position of ``first`` in seg
        quiet = np.flatnonzero(seg[:j] <= self.low[ch])
        if not quiet.size:
            return first
        start = int(quiet[-1]) + 1  # position in seg
        if self.s.extrapolate <= 0 or j - start < 3:
            return start + g0
        # amplitude ~ excess ** power over the rise [start, first]; a line through it, followed
        # back to zero amplitude, dates a ramp where it began (a step rises in a few samples)
        assert self.baseline is not None
        excess = np.maximum(seg[start : j + 1] - self.baseline.mean[ch], 0.0)
        u = excess**self._power
        t = np.arange(u.size, dtype=np.float64)
        slope, icpt = np.polyfit(t, u, 1)
        resid = u - (icpt + slope * t)
        spread = float(np.sum((u - u.mean()) ** 2))
        r2 = 1.0 - float(np.sum(resid * resid)) / spread if spread > 0 else 0.0
        if slope <= 0 or not np.isfinite(icpt) or r2 < self.s.min_r2:  # not a steady rise
            return start + g0
        back = min(max(icpt / slope, 0.0), float(j - start))  # at most the rise's own length
        return start + g0 - int(round(self.s.extrapolate * back))

    def _time(self, index: int, delay: float) -> float:
        return float(max(0.0, index / self.fs - delay))

    def _runs(self, ch: int, on: np.ndarray, ext: np.ndarray, cur: np.ndarray) -> list[OnsetEvent]:
        out: list[OnsetEvent] = []
        n0 = self._n
        m = self.m
        edges = np.flatnonzero(on[1:] != on[:-1]) + 1
        bounds = np.concatenate(([0], edges, [on.size]))
        for a, b in zip(bounds[:-1].tolist(), bounds[1:].tolist()):
            state = self._state[ch]
            if on[a]:
                if state == _IDLE:
                    # first above-threshold sample of the window [g-m+1, g] that switched "on"
                    first = n0 + a - (m - 1) + int(np.argmax(ext[a : a + m]))
                    self._first[ch] = first
                    self._start[ch] = self._refine(ch, first, cur)
                    self._state[ch] = state = _CANDIDATE
                self._off_start[ch] = None
                if state == _CANDIDATE and n0 + b - self._first[ch] >= self.min_on:
                    j = max(n0 + a, self._first[ch] + self.min_on - 1)  # the confirming sample
                    self._state[ch] = _ACTIVE
                    out.append(OnsetEvent(ch, "on", self._time(self._start[ch], self.cond.onset_delay_s),
                                          (j + 1) / self.fs))
            else:
                if state == _IDLE:
                    continue
                if self._off_start[ch] is None:
                    self._off_start[ch] = n0 + a
                    # last above-threshold sample in [g-m+1, g-1]; ext[a + k] <-> g - (m-1) + k
                    win = ext[a : a + m - 1]
                    hits = np.flatnonzero(win)
                    last = n0 + a - (m - 1) + (int(hits[-1]) if hits.size else 0)
                    self._off_at[ch] = max(last + 1, self._start[ch])
                off0 = self._off_start[ch]
                assert off0 is not None
                if n0 + b - off0 >= self.min_off:
                    if state == _ACTIVE:
                        out.append(OnsetEvent(ch, "off", self._time(self._off_at[ch], self.cond.offset_delay_s),
                                              (off0 + self.min_off) / self.fs))
                    self._state[ch] = _IDLE
                    self._off_start[ch] = None
        return out

    def finish(self) -> list[OnsetEvent]:
        """Close bursts still open at the end of a recording (offset at the last gap or the end)."""
        if self.baseline is None and self._pending:  # shorter than the calibration: use what came
            c = np.concatenate(self._pending, axis=1)
            self._pending = []
            self.set_baseline(quietest_baseline(c, self.fs, min(self.s.baseline_s, c.shape[1] / self.fs)))
            events = self._detect(c)
        else:
            events = []
        for ch, state in enumerate(self._state):
            if state == _ACTIVE:
                off0 = self._off_start[ch]
                end = self._off_at[ch] if off0 is not None else self._n
                delay = self.cond.offset_delay_s if off0 is not None else 0.0
                events.append(OnsetEvent(ch, "off", self._time(end, delay), self._n / self.fs))
            self._state[ch] = _IDLE
            self._off_start[ch] = None
        return events


def bursts_from_events(events: list[OnsetEvent], n_channels: int) -> list[list[tuple[float, float]]]:
    """Pair on/off events into (onset_s, offset_s) per channel."""
    out: list[list[tuple[float, float]]] = [[] for _ in range(n_channels)]
    open_at: dict[int, float] = {}
    for e in events:
        if e.onset:
            open_at[e.channel] = e.time_s
        elif e.channel in open_at:
            on = open_at.pop(e.channel)
            out[e.channel].append((on, max(on, e.time_s)))
    return out


def _burst_stats(envelope: np.ndarray, fs: float, spans: list[tuple[float, float]],
                 delay_s: float) -> list[Burst]:
    out = []
    n = envelope.size
    d = int(round(delay_s * fs))
    for on, off in spans:
        a = min(n - 1, max(0, int(round(on * fs)) + d))
        b = min(n, max(a + 1, int(round(off * fs)) + d))
        seg = envelope[a:b]
        out.append(Burst(on, off, float(np.max(seg)), float(np.mean(seg))))
    return out


def detect_bursts(x: np.ndarray, fs: float, settings: OnsetSettings | None = None,
                  baseline: Baseline | tuple[np.ndarray, np.ndarray] | None = None,
                  envelope: np.ndarray | None = None, envelope_delay_s: float | None = None,
                  filters: FilterSettings | None = None) -> list[list[Burst]]:
    """Bursts per channel of a whole (channels, n) recording.

    ``x`` is raw µV, band-passed µV or an envelope, as ``settings.input`` says. ``baseline``:
    explicit rest level (``rest_baseline``) or None for the quietest window. ``envelope`` (with
    its delay) gives each burst's peak and mean; by default the live moving-RMS envelope.
    """
    s = (settings or OnsetSettings()).validated()
    x = np.atleast_2d(np.asarray(x, dtype=np.float64))
    f = filters or FilterSettings()
    tracker = OnsetTracker(fs, x.shape[0], s, filters=f)
    c = tracker.cond.process(x)
    if baseline is None:
        baseline = quietest_baseline(c, fs, s.baseline_s)
    elif isinstance(baseline, tuple):
        baseline = Baseline(np.asarray(baseline[0], float), np.asarray(baseline[1], float))
    tracker.set_baseline(baseline)
    events = tracker._detect(c) + tracker.finish()
    spans = bursts_from_events(events, x.shape[0])
    if envelope is None:
        if s.input == "envelope":
            envelope, envelope_delay_s = x, 0.0
        else:
            env = Envelope(f, fs, x.shape[0])
            filtered = x if s.input == "filtered" else process_whole(np.nan_to_num(x), fs, f).filtered
            envelope, envelope_delay_s = env.process(np.nan_to_num(filtered)), env.delay_s
    d = envelope_delay_s or 0.0
    return [_burst_stats(envelope[ch], fs, spans[ch], d) for ch in range(x.shape[0])]


def detect_onsets(raw: np.ndarray, fs: float, settings: OnsetSettings | None = None,
                  rest: tuple[np.ndarray, np.ndarray] | Baseline | None = None) -> list[list[Burst]]:
    """``detect_bursts`` under its earlier name (``rest`` = explicit baseline)."""
    return detect_bursts(raw, fs, settings, rest)
