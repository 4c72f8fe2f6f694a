"""The contractions a person counts: one channel's envelope segmented relative to its own rest
and active levels, with dips merged, and a reason for every burst that is not counted.

The onset detector (``onset.py``) dates onsets to a few ms from k SD above the quietest window,
and firing order needs exactly that. But on real recordings a muscle between two reps rarely
falls back to that quiet level (a seated knee extension keeps some tone), one contraction dips
and comes back, and a neighbour of the prime mover shows cross-talk barely above its noise:
counted as threshold crossings, five real knee extensions gave 6–12 "reps" per channel (UCI
lower-limb set, docs/algorithms.md). A clinician counts contractions, so reps come from here:

1. **Smooth** the envelope over ``smooth_s`` (0.2 s, causal moving mean): tremor and the
   interference pattern's ripple are not contractions.
2. **Relative hysteresis**: a contraction starts above rest + ``on_fraction`` (30 %) of the
   channel's range (rest level to its running maximum) and ends below rest + ``off_fraction``
   (15 %); never below ``on_snr`` (3×) / ``off_snr`` (2×) the rest level, so the first
   contraction of a recording is found before a maximum is known. The rep is dated from the
   **foot** of its rise (the last sample, within 1 s before it crossed "on", below its local
   base + ``foot_fraction`` (20 %) of the way up): a slow ramp passes the off level late, and
   dated from there the EMG of UCI 7Nsen came a median 228 ms *after* the knee began to move.
   How long it lasted (for "too short" and "longer than 1.5 cycles") is still counted from where
   it passed the off level.
3. **Merge** a dip shorter than ``merge_gap_s`` (0.4 s): a relaxation between two voluntary reps
   lasts longer (half-relaxation of human quadriceps 70–120 ms, and people let go before the next
   rep; Todd et al. 2005, J Physiol 567:349).
4. **Count** it when it lasts ``min_rep_s`` (0.3 s) and peaks at ``min_snr`` (4×, 12 dB) the rest
   level; otherwise keep it with its reason ("too short: 0.12 s", "barely above rest: 2.7×").
5. **One rep per movement cycle**, when the movement has a cycle T (``rhythm.py``; offline the
   whole recording's, live the last 30 s'): a burst that crosses "on" within ``cycle_join`` ×
   T (0.6 T, at most 4 s) of the rep's own crossing is part of that rep, however long the dip
   between them (the hamstrings' late-swing and loading bursts, a knee extension that stalls).
   Because that rule bounds the count to one per cycle, the signal rules get finer: merge gap
   at most 0.12 T, shortest rep at most 0.1 T, on-level 20 % of the range and a count from 3×
   the rest level (at a 1.3 s stride dips of 0.16 s separate, a 0.2 s burst is a contraction,
   and a muscle fading over a walk still counts its weaker strides). Whether a burst joins is
   decided by when it crosses "on", known the moment it happens, so the rule gives the same
   reps however the stream is cut.

The tracker is causal and streaming (running maximum, not the recording's final one): the live
analysis feeds it block by block on the DSP thread, ``analyze`` feeds it the whole recording at
once, and both get the same contractions (tested over chunk sizes). Each counted contraction's
onset is then the precise detector onset just before it, when there is one.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from app.analysis.onset import Burst


@dataclass(frozen=True)
class SegmentRules:
    smooth_s: float = 0.2
    on_fraction: float = 0.30
    off_fraction: float = 0.15
    on_snr: float = 3.0
    off_snr: float = 2.0
    merge_gap_s: float = 0.4
    min_rep_s: float = 0.3
    min_snr: float = 4.0
    calibration_s: float = 2.0  # without a given rest level: the first seconds are rest
    lookback_s: float = 1.0  # a contraction's start: back from the crossing to where it left its rest
    # ... the foot of its rise: the last sample below its local base (10th percentile of those
    # lookback_s) + 20 % of the way up to the "on" level. A slow ramp passes the off level late
    # (at 15 % of the range: 0.6 s after the knee began to extend in UCI 7Nsen); its duration for
    # "too short" is still counted from the off level (how long it was a contraction)
    foot_fraction: float = 0.2
    # with the movement's cycle T known (rhythm.py):
    cycle_join: float = 0.6  # a burst starting within 0.6 T of a rep's start is part of that rep ...
    cycle_join_max_s: float = 4.0  # ... but never more than 4 s after it (a long hold's rest)
    cycle_gap: float = 0.12  # the merge gap is at most 0.12 T (0.16 s at a 1.3 s stride)
    cycle_min_rep: float = 0.1  # and the shortest rep at most 0.1 T (0.13 s)
    # with at most one rep per cycle a weak but real burst can be let in: it starts above 20 % of
    # the range and counts from 3× (9.5 dB) the rest level (a muscle that fades over a walk)
    cycle_on_fraction: float = 0.20
    cycle_off_fraction: float = 0.15
    cycle_min_snr: float = 3.0

    def __post_init__(self) -> None:
        # a sample between an "on" level below the "off" level would flip the tracker forever
        for on, off in ((self.on_fraction, self.off_fraction), (self.cycle_on_fraction, self.cycle_off_fraction),
                        (self.on_snr, self.off_snr)):
            if on < off:
                raise ValueError(f"a contraction's on level ({on}) must not be below its off level ({off})")


@dataclass(frozen=True)
class Segment:
    """One contraction and whether it counts as a rep."""

    onset_s: float
    offset_s: float
    peak: float  # smoothed envelope maximum, µV
    counted: bool
    reason: str = ""

    @property
    def duration_s(self) -> float:
        return self.offset_s - self.onset_s

    parts: int = 1  # bursts within one movement cycle, joined
    rise_s: float = float("nan")  # where its rise passed the off level (onset_s is the rise's foot)

    @property
    def held_s(self) -> float:
        """How long it was a contraction: from its rise past the off level to its end (what
        "longer than 1.5 movement cycles" measures, not the slow foot of a ramp)."""
        return self.offset_s - (self.rise_s if math.isfinite(self.rise_s) else self.onset_s)

    def burst(self) -> Burst:
        return Burst(self.onset_s, self.offset_s, self.peak, float("nan"))


@dataclass
class _Cycle:
    """The rep of the current movement cycle: later bursts that cross "on" before ``until``
    (``cycle_join`` T after its own crossing, 0.6 T and at most 4 s) are part of it."""

    onset_s: float
    offset_s: float
    peak: float
    active_s: float  # the bursts' own durations (from the off level), summed
    rise_s: float  # the first burst's rise past the off level
    until: int  # sample after which no later burst can join
    parts: int = 1


@dataclass
class _Channel:
    rest: float = float("nan")
    active: float = 0.0
    on: bool = False
    start: int = 0  # sample of the open contraction's start (the foot of its rise)
    rise: int = 0  # sample where that rise last stood at the off level (its duration is counted from here)
    cross: int = 0  # sample where it crossed "on" (what the cycle rule times: known the moment it happens)
    last_off: int = -1  # sample where the open (or pending) contraction fell below "off"
    pending: bool = False  # fell below "off": closes unless it rises again within the merge gap
    peak: float = 0.0
    calib: list[np.ndarray] = field(default_factory=list)
    hist: np.ndarray = field(default_factory=lambda: np.zeros(0))  # the last lookback_s of the smoothed envelope
    cycle: _Cycle | None = None  # the current cycle's rep, when the movement's cycle is known


class ContractionTracker:
    """Streaming: ``process`` (channels, n) envelope blocks in µV, get ``(channel, Segment)``
    for every contraction that closed; ``finish`` at the end. Times are in seconds from the first
    sample, with the envelope's and the smoothing's delay removed."""

    def __init__(self, fs: float, n_channels: int, rules: SegmentRules | None = None, delay_s: float = 0.0,
                 rest: Sequence[float] | None = None, period_s: float | None = None) -> None:
        self.fs, self.r = float(fs), rules or SegmentRules()
        self.w = max(1, int(round(self.r.smooth_s * self.fs)))
        self.shift_s = delay_s + (self.w - 1) / 2.0 / self.fs
        self._tail = np.zeros((n_channels, 0))  # the last w-1 samples, for the moving mean
        self._n = 0  # samples seen
        self._ch = [_Channel() for _ in range(n_channels)]
        if rest is not None:
            for c, v in zip(self._ch, rest, strict=True):
                c.rest = float(v)
        self.period_s: float | None = None
        self.set_period(period_s)

    @property
    def rest_levels(self) -> list[float]:
        return [c.rest for c in self._ch]

    def set_period(self, period_s: float | None) -> None:
        """The movement's cycle (rhythm.py), or None: bursts are then judged one by one. Offline
        it is the whole recording's; live the last 30 s', and a new value applies from now on."""
        self.period_s = float(period_s) if period_s and period_s > 0 else None
        r, t = self.r, self.period_s
        self._gap = int(round((r.merge_gap_s if t is None else min(r.merge_gap_s, r.cycle_gap * t)) * self.fs))
        self._min_rep = r.min_rep_s if t is None else min(r.min_rep_s, r.cycle_min_rep * t)
        self._join = 0 if t is None else int(round(min(r.cycle_join * t, r.cycle_join_max_s) * self.fs))
        self._on = r.on_fraction if t is None else r.cycle_on_fraction
        self._off = r.off_fraction if t is None else r.cycle_off_fraction
        self._snr = r.min_snr if t is None else r.cycle_min_snr

    def _smooth(self, env: np.ndarray) -> np.ndarray:
        x = np.concatenate([self._tail, env], axis=1)
        c = np.cumsum(np.concatenate([np.zeros((x.shape[0], 1)), x], axis=1), axis=1)
        k = x.shape[1]
        lo = np.maximum(np.arange(k) - self.w + 1, 0)
        out = (c[:, np.arange(k) + 1] - c[:, lo]) / (np.arange(k) + 1 - lo)
        self._tail = x[:, -(self.w - 1):] if self.w > 1 else x[:, :0]
        return out[:, k - env.shape[1]:]

    def process(self, envelope: np.ndarray) -> list[tuple[int, Segment]]:
        env = np.nan_to_num(np.atleast_2d(np.asarray(envelope, dtype=np.float64)))
        sm = self._smooth(env)
        out: list[tuple[int, Segment]] = []
        n0 = self._n
        calib_n = int(round(self.r.calibration_s * self.fs))
        for i, c in enumerate(self._ch):
            x = sm[i]
            start = 0
            if not math.isfinite(c.rest):  # learn the rest level first
                take = min(x.size, calib_n - (n0 - 0))
                if take > 0:
                    c.calib.append(x[:take])
                if n0 + x.size < calib_n:
                    continue
                c.rest = float(np.median(np.concatenate(c.calib))) if c.calib else 0.0
                c.calib = []
                start = max(0, calib_n - n0)
            keep = int(round(self.r.lookback_s * self.fs))
            step = max(64, int(self.fs))  # a long block in pieces: each step scans ahead at most 1 s
            for a in range(0, x.size, step):  # (the tracker gives the same result however it is cut)
                piece = x[a:a + step]
                b = max(0, start - a)
                if not c.on and not c.pending and b < piece.size:  # at rest and staying there: nothing to walk
                    top = float(piece[b:].max())
                    if top <= self._base_thresholds(c)[0] and top <= c.active:
                        c.hist = np.concatenate([c.hist, piece])[-keep:]
                        continue
                out += [(i, g) for g in self._run(c, piece, b, n0 + a)]
                c.hist = np.concatenate([c.hist, piece])[-keep:]
        self._n += env.shape[1]
        return out

    def _rise_start(self, c: _Channel, x: np.ndarray, j: int, k: int, n0: int) -> tuple[int, int]:
        """(foot, rise): the samples where the rise that crossed "on" at ``j + k`` last stood
        at its foot level (``foot_fraction``) and at the off level (or its lowest point), looking
        back at most ``lookback_s`` through this block and the one before."""
        _, off_thr = self._base_thresholds(c)
        back = np.concatenate([c.hist, x[: j + k + 1]])
        lim = int(round(self.r.lookback_s * self.fs))
        window = back[-lim:]
        base = float(np.percentile(window, 10))
        foot_thr = min(off_thr, base + self.r.foot_fraction * (float(window[-1]) - base))
        end = n0 + j + k

        def last_below(level: float) -> int:
            quiet = np.flatnonzero(window <= level)
            at = int(quiet[-1]) if quiet.size else int(np.argmin(window))
            return end - (window.size - 1 - at)

        return last_below(foot_thr), last_below(off_thr)

    def _base_thresholds(self, c: _Channel) -> tuple[float, float]:
        span = max(0.0, c.active - c.rest)
        r = self.r
        return (max(r.on_snr * c.rest, c.rest + self._on * span),
                max(r.off_snr * c.rest, c.rest + self._off * span))

    def _run(self, c: _Channel, x: np.ndarray, start: int, n0: int) -> list[Segment]:
        """Walk one channel's smoothed block from ``start``. The active level is the running
        maximum sample by sample (``np.maximum.accumulate``), so the thresholds at every sample
        are the same however the stream was cut into blocks."""
        r, out, j, n = self.r, [], start, x.size
        while j < n:
            seg = x[j:]
            act = np.maximum(np.maximum.accumulate(seg), c.active)
            span = np.maximum(act - c.rest, 0.0)
            if c.on:
                below = np.flatnonzero(seg < np.maximum(r.off_snr * c.rest, c.rest + self._off * span))
                end = int(below[0]) if below.size else seg.size
                if end:
                    c.peak = max(c.peak, float(seg[:end].max()))
                    c.active = float(act[end - 1])
                if not below.size:
                    break
                c.on, c.pending, c.last_off, j = False, True, n0 + j + end, j + end
                continue
            above = np.flatnonzero(seg > np.maximum(r.on_snr * c.rest, c.rest + self._on * span))
            k = int(above[0]) if above.size else seg.size
            if c.pending:
                left = c.last_off + self._gap - (n0 + j)  # samples until the dip is long enough
                if k >= left:  # no rise in time: the contraction is over
                    if left > 0:
                        c.active = float(act[min(left, seg.size) - 1])
                    if left > seg.size:
                        break
                    out += self._close(c)
                    j += max(0, left)
                    continue
            if not above.size:
                c.active = float(act[-1])
                break
            if k:
                c.active = float(act[k - 1])
            if not c.pending:
                (c.start, c.rise), c.cross, c.peak = self._rise_start(c, x, j, k, n0), n0 + j + k, 0.0
            c.on, c.pending, j = True, False, j + k
        return out

    def _close(self, c: _Channel) -> list[Segment]:
        """A burst ended: judged now. With the movement's cycle known, a burst that crossed "on"
        inside the join window of the rep before it is part of that rep: the rep is given again,
        with the same onset, longer and with one more part — it *replaces* the one given before
        (``merge_amendments``), so a rep is never held back waiting for its cycle."""
        c.pending = False
        on = max(0.0, c.start / self.fs - self.shift_s)
        off = max(0.0, c.last_off / self.fs - self.shift_s)
        rise = max(0.0, c.rise / self.fs - self.shift_s)
        g = c.cycle
        if self._join and g is not None and c.cross < g.until:
            g.offset_s, g.peak, g.active_s, g.parts = off, max(g.peak, c.peak), g.active_s + off - rise, g.parts + 1
            return [self._judge(c, g.onset_s, g.offset_s, g.peak, g.active_s, g.parts, g.rise_s)]
        c.cycle = _Cycle(on, off, c.peak, off - rise, rise, c.cross + self._join) if self._join else None
        return [self._judge(c, on, off, c.peak, off - rise, 1, rise)]

    def _judge(self, c: _Channel, on: float, off: float, peak: float, active_s: float, parts: int = 1,
               rise_s: float = float("nan")) -> Segment:
        reason = ""
        if active_s < self._min_rep - 1e-9:
            reason = f"too short: {active_s:.2f} s"
        elif c.rest > 0 and peak < self._snr * c.rest:
            reason = f"barely above rest: {peak / c.rest:.1f}× the rest level"
        return Segment(on, off, peak, not reason, reason, parts, rise_s)

    def poll(self) -> list[tuple[int, Segment]]:
        """Close contractions whose merge gap has passed (call after ``process``)."""
        out = []
        for i, c in enumerate(self._ch):
            if c.pending and not c.on and self._n - c.last_off >= self._gap:
                out += [(i, g) for g in self._close(c)]
        return out

    def flush(self) -> list[tuple[int, Segment]]:
        """Before the tracker is replaced mid-stream (the rest level measured again): a
        contraction already over but waiting for its merge gap comes out now; one still under way
        is half a rep and is dropped."""
        out = []
        for i, c in enumerate(self._ch):
            if c.pending and not c.on:
                out += [(i, g) for g in self._close(c)]
            c.on = c.pending = False
        return out

    def finish(self) -> list[tuple[int, Segment]]:
        out = self.poll()
        for i, c in enumerate(self._ch):
            if c.on or c.pending:
                if c.on:
                    c.last_off = self._n
                out += [(i, g) for g in self._close(c)]
                c.on = False
        return out


def refine_onsets(segments: Sequence[Segment], onsets: Sequence[float], before_s: float = 0.6,
                  after_s: float = 0.4) -> list[Segment]:
    """Each counted contraction starts at the precise detector onset nearest to the foot of its
    rise (within ``before_s`` before and ``after_s`` after it), when there is one: the foot is
    found on a 0.2 s smoothed envelope, the detector's onset to a few ms (onset.py)."""
    from dataclasses import replace

    ons = np.asarray(sorted(onsets), dtype=np.float64)
    out = []
    for g in segments:
        near = ons[(ons >= g.onset_s - before_s) & (ons <= min(g.onset_s + after_s, g.offset_s))]
        if g.counted and near.size:
            g = replace(g, onset_s=float(near[np.argmin(np.abs(near - g.onset_s))]))
        out.append(g)
    return out


def segment_recording(envelope: np.ndarray, fs: float, delay_s: float = 0.0, rules: SegmentRules | None = None,
                      rest: Sequence[float] | None = None, period_s: float | None = None) -> list[list[Segment]]:
    """Offline: the whole (channels, n) envelope through one ``ContractionTracker``."""
    env = np.atleast_2d(envelope)
    t = ContractionTracker(fs, env.shape[0], rules, delay_s, rest, period_s)
    return merge_amendments(t.process(env) + t.finish(), env.shape[0])


def merge_amendments(got: Sequence[tuple[int, Segment]], n_channels: int) -> list[list[Segment]]:
    """Each channel's contractions in time order, a rep given again (the same onset: a later
    burst of its cycle joined it) in place of the one given before."""
    out: list[list[Segment]] = [[] for _ in range(n_channels)]
    for ch, g in got:
        if out[ch] and out[ch][-1].onset_s == g.onset_s and g.parts > 1:
            out[ch][-1] = g
        else:
            out[ch].append(g)
    return [sorted(x, key=lambda g: g.onset_s) for x in out]


@dataclass(frozen=True)
class Confidence:
    """How clearly a channel's contractions stand out: the basis of its rep count, in words."""

    rest_uv: float
    active_uv: float  # median peak of the counted contractions
    counted: int
    uncounted: int
    reasons: tuple[str, ...]
    joined: int = 0  # counted contractions made of more than one burst of a movement cycle
    long: int = 0  # counted contractions longer than LONG_CYCLES movement cycles: perhaps two reps
    period_s: float | None = None

    @property
    def uncertain(self) -> bool:
        """The count itself is in doubt (the level says how clear the contractions are)."""
        return self.long > 0 or self.level == "unreliable"

    @property
    def ratio(self) -> float:
        return self.active_uv / self.rest_uv if self.rest_uv > 0 and math.isfinite(self.rest_uv) else float("nan")

    @property
    def level(self) -> str:
        """'clear' (≥ 10×, 20 dB), 'fair' (≥ 4×) or 'unreliable'."""
        if not self.counted or not math.isfinite(self.ratio):
            return "unreliable" if self.uncounted or not self.counted else "fair"
        return "clear" if self.ratio >= 10 else "fair" if self.ratio >= 4 else "unreliable"

    def sentence(self) -> str:
        ratio = self.ratio
        if self.counted and math.isfinite(ratio):
            head = (f"rest {self.rest_uv:.1f}, contractions {self.active_uv:.0f} µV "
                    f"({ratio:.0f}×, {20 * math.log10(ratio):.0f} dB): {self.level}")
        elif self.counted:
            head = f"contractions {self.active_uv:.0f} µV, rest level not measured"
        else:
            head = "no contraction stood out from the rest level: count unreliable"
        if self.uncounted:
            kinds = sorted({r.split(":")[0] for r in self.reasons})
            head += f"; {self.uncounted} more burst{'s' if self.uncounted > 1 else ''} not counted ({', '.join(kinds)})"
        if self.joined:
            head += f"; {self.joined} of {self.counted} joined bursts of one cycle"
        if self.long and self.period_s:
            head += (f"; count uncertain: {self.long} rep{'s' if self.long > 1 else ''} last{'' if self.long > 1 else 's'} "
                     f"longer than {LONG_CYCLES:g} movement cycles ({LONG_CYCLES * self.period_s:.1f} s), "
                     f"perhaps two reps that never relaxed between")
        return head + "."

    def doubt(self) -> str:
        """Why the count may be off, in one sentence for the review ("" when it is not in doubt)."""
        if self.long and self.period_s:
            return (f"the count may be short: {self.long} rep{'s' if self.long > 1 else ''} lasted longer than "
                    f"{LONG_CYCLES:g} movement cycles ({LONG_CYCLES * self.period_s:.1f} s), perhaps two reps "
                    f"without a rest between.")
        if self.level == "unreliable":
            r = self.ratio
            how = f" ({r:.1f}× the rest level)" if math.isfinite(r) and self.counted else ""
            return f"the contractions barely stand out from the rest level{how}: the count is unreliable."
        return ""

    def to_dict(self) -> dict[str, object]:
        r = self.ratio
        return {"rest_uv": None if not math.isfinite(self.rest_uv) else round(self.rest_uv, 3),
                "active_uv": round(self.active_uv, 3), "ratio": None if not math.isfinite(r) else round(r, 2),
                "level": self.level, "counted": self.counted, "uncounted": self.uncounted, "joined": self.joined,
                "longer_than_cycles": self.long, "uncertain": self.uncertain,
                "reasons": list(self.reasons), "sentence": self.sentence()}


#: a rep longer than this many movement cycles probably holds two (a muscle that does not relax
#: between strides or reps: UCI 3Nmar ST). Measured on the 67 UCI files: docs/algorithms.md.
LONG_CYCLES = 1.5


def confidence(segments: Sequence[Segment], rest_uv: float, period_s: float | None = None) -> Confidence:
    counted = [s for s in segments if s.counted]
    active = float(np.median([s.peak for s in counted])) if counted else 0.0
    long = sum(s.held_s > LONG_CYCLES * period_s for s in counted) if period_s else 0
    return Confidence(rest_uv, active, len(counted), len(segments) - len(counted),
                      tuple(s.reason for s in segments if not s.counted), sum(s.parts > 1 for s in counted),
                      long, period_s)
