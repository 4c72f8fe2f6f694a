"""Live analysis on the DSP thread: per rep onsets, firing order, rep figures, fatigue, symmetry,
the 90%-of-best stopping rule and rolling signal quality.

A DSP-worker sink (no Qt) that runs the offline building blocks of ``app.analysis.offline`` block by
block, so the window and ``glutefire analyze`` agree:

- onsets/offsets: ``OnsetTracker`` (the same detector and code as offline) on the worker's
  band-passed signal; without an explicit rest capture the first ``calibration_s`` (2 s) after
  connecting are the rest baseline (the window asks the person to relax meanwhile);
- per rep, once its offset is confirmed (~0.1 s after it): ``reps_from_bursts`` on the rep's
  slice of the live envelope and ``spectral_points`` (MDF/MNF) on its slice of the band-passed
  signal, both kept ``history_s`` back in ring buffers (a hold longer than that is measured over
  its newest ``history_s``);
- firing order: ``FiringOrderTracker`` (offline grouping rule, closed 0.65 s after the first onset);
- symmetry of the rep summaries, fatigue trend from the MDF points, stopping rule on rep peaks;
- quality: ``QualityMonitor`` fed every block (rest measures only from blocks where no channel is
  active), judged every ``quality_every_s`` on a short-lived thread of its own (an assessment
  takes ~15 ms at 8 ch x 2 kHz; the DSP thread must not stall for it).

Reps are kept in µV and shown in %MVIC when a reference is set (``set_references``), so
calibrating or switching person mid-session re-expresses every rep in one unit.
``snapshot()`` (any thread) returns an immutable ``LiveSnapshot``, rebuilt only after changes.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

import numpy as np

from app.analysis.fatigue import (
    STOP_CONSECUTIVE,
    STOP_FRACTION,
    FatigueTrend,
    StoppingRule,
    spectral_points,
    trend_from_points,
)
from app.analysis.firing_order import Contraction, FiringOrderTracker, FiringSummary, is_glute, summarize
from app.analysis.mvic import MvicReference
from app.analysis.onset import OnsetSettings, OnsetTracker
from app.analysis.quality import Quality, QualityMonitor
from app.analysis.reps import Rep, RepSummary, reps_from_bursts, summarize_reps
from app.analysis.rhythm import RhythmMonitor
from app.analysis.segments import ContractionTracker, Segment, SegmentRules, refine_onsets
from app.analysis.symmetry import PairSymmetry, symmetry
from app.dsp.ring import RingBuffer
from app.dsp.worker import ProcessedBlock
from app.muscles import display_name

#: how many of the newest rep peaks the window shows against the session's best
RECENT_PEAKS = 6


def _in_unit(rep: Rep, ref: MvicReference | None) -> Rep:
    """A µV rep in the reference's unit (peak and mean scale; CV and times do not)."""
    if ref is None:
        return rep
    k = float(ref.percent(1.0))
    return replace(rep, peak=rep.peak * k, mean=rep.mean * k, unit=ref.unit)


@dataclass(frozen=True)
class ChannelLive:
    """One channel's session so far, in ``unit`` (µV or %MVIC)."""

    label: str
    unit: str
    reps: tuple[Rep, ...]
    summary: RepSummary | None
    fatigue: FatigueTrend | None
    mdf_points: int
    quality: Quality | None
    stop_message: str
    recent_vs_best: tuple[float, ...]  # newest rep peaks as a fraction of the best so far

    @property
    def name(self) -> str:
        return display_name(self.label)


@dataclass(frozen=True)
class LiveSnapshot:
    """What the window shows; immutable, safe to hand across threads."""

    version: int
    ready: bool
    status: str
    contractions: tuple[Contraction, ...]
    firing_summary: FiringSummary
    channels: tuple[ChannelLive, ...]
    symmetry: tuple[PairSymmetry, ...]
    stop_message: str
    stop_fraction: float
    stop_consecutive: int

    def summary(self) -> dict[str, Any]:
        """JSON-ready figures for the session records (same keys as ``glutefire analyze``)."""
        return {
            "reps": {c.label: c.summary.to_dict() for c in self.channels if c.summary is not None},
            "firing_order_summary": self.firing_summary.to_dict(),
            "symmetry": [p.to_dict() for p in self.symmetry],
            "fatigue": {c.label: c.fatigue.to_dict() for c in self.channels if c.fatigue is not None},
            "quality": {c.label: c.quality.to_dict() for c in self.channels if c.quality is not None},
            "stopping_rule": self.stop_message or None,
        }

    @property
    def rep_count(self) -> int:
        return max((len(c.reps) for c in self.channels), default=0)

    @property
    def last_sentence(self) -> str:
        """The headline: last rep's firing order (several channels) or its figures (one)."""
        if not self.ready:
            return self.status
        multi = len(self.channels) > 1
        if multi and self.contractions:
            c = self.contractions[-1]
            return f"Rep {len(self.contractions)}: {c.sentence()}"
        if not multi and self.channels and self.channels[0].reps:
            ch = self.channels[0]
            r = ch.reps[-1]
            return (f"Rep {len(ch.reps)}: {r.duration_s:.1f} s, peak {r.peak:.0f} {ch.unit}, "
                    f"{r.time_above_target_s:.1f} s above target")
        return self.status


class LiveAnalysis:
    """Consumes ``ProcessedBlock``s on the DSP thread; ``snapshot()`` from any thread."""

    def __init__(self, fs: float, labels: Sequence[str], *, envelope_delay_s: float = 0.0,
                 targets_uv: Sequence[float] | None = None, settings: OnsetSettings | None = None,
                 window_s: float = 0.5, history_s: float = 120.0, quality_every_s: float = 2.0,
                 mains_hz: float | None = None, stop_fraction: float = STOP_FRACTION, stop_consecutive: int = STOP_CONSECUTIVE,
                 signal_kind: str = "raw") -> None:
        self.fs = float(fs)
        self.labels = tuple(labels)
        n = len(self.labels)
        self.envelope_only = signal_kind == "envelope"
        if self.envelope_only:  # a device that sends its own envelope (MyoWare ENV): no spectrum
            self.settings = OnsetSettings(detector="envelope", input="envelope")
        else:  # the worker hands over its band-passed signal: the detector need not filter again
            base = settings or OnsetSettings()
            self.settings = base if base.input != "raw" else replace(base, input="filtered")
        self.tracker = OnsetTracker(self.fs, n, self.settings)
        self.contractions = ContractionTracker(self.fs, n, SegmentRules(), float(envelope_delay_s))
        self.rhythm = RhythmMonitor(self.fs, n)  # the movement's cycle, for the tracker (rhythm.py)
        self._onsets: list[list[float]] = [[] for _ in range(n)]  # recent detector onsets (tracker time)
        self.uncounted: list[list[Segment]] = [[] for _ in range(n)]
        # per channel: the last contraction the tracker gave, and the index of its rep (None: no rep)
        self._last_seg: list[tuple[Segment, int | None] | None] = [None] * n
        self.order = FiringOrderTracker(self.labels, window_s)
        self.quality = QualityMonitor(self.fs, self.labels, mains_hz=mains_hz)
        cap = max(1, int(history_s * self.fs))
        self._env = RingBuffer(n, cap, np.float32)
        self._filt = RingBuffer(n, cap, np.float32)
        self._origin: int | None = None  # absolute index of the first sample seen
        self._tracker_origin = 0  # absolute index of the tracker's first sample (its time zero)
        self._remeasure = False
        self._end = 0  # absolute index just past the newest sample
        self.taken = 0  # the same, once that block is wholly taken in (a replay's end settles after it)
        self._skip_first_s = 0.0  # (take_rest)
        self._open: dict[int, float] = {}  # channel -> onset (s, stream time) of the burst under way
        self._open_seen: dict[int, float] = {}  # the same, as snapshots may read it (under the lock)
        self._reps: list[list[Rep]] = [[] for _ in range(n)]  # in µV
        self._points: list[list[tuple[float, float, float]]] = [[] for _ in range(n)]
        self._rules = [StoppingRule(stop_fraction, stop_consecutive) for _ in range(n)]
        self._peaks: list[list[float]] = [[] for _ in range(n)]
        self._quality: list[Quality] = []
        self._quality_thread: threading.Thread | None = None
        self._quality_every = int(quality_every_s * self.fs)
        self._next_quality = self._quality_every
        self._stop = ""
        self._lock = threading.Lock()
        self._reps_lock = threading.Lock()  # the contraction tracker: the DSP thread, or settle() at the end
        self._version = 0
        self._snap: LiveSnapshot | None = None
        self._refs: dict[str, MvicReference] = {}
        self._targets = np.full(n, np.nan) if targets_uv is None else np.asarray(targets_uv, float).copy()
        self._delay = float(envelope_delay_s)
        self._fraction, self._consecutive = stop_fraction, stop_consecutive
        glutes = [i for i, lb in enumerate(self.labels) if is_glute(lb)]
        self._rule_channels = glutes or list(range(n))

    # -- settings from the UI thread ------------------------------------------------------
    def set_targets(self, targets_uv: Sequence[float] | np.ndarray) -> None:
        with self._lock:
            self._targets = np.asarray(targets_uv, float).copy()

    def set_references(self, refs: Mapping[str, MvicReference]) -> None:
        with self._lock:
            self._refs = dict(refs)
            self._changed()

    def remeasure_rest(self) -> None:
        """Take the next ``calibration_s`` as the rest level again (the person moved while it was
        measured, or the electrodes were re-applied). Reps so far are kept."""
        with self._lock:
            self._remeasure = True

    def take_rest(self, other: LiveAnalysis, skip_first_s: float = 0.0) -> None:
        """Start from ``other``'s rest levels (a replay's seek: the same person and electrodes, a
        new part of the recording), so the seconds after the jump need not be rest; before the
        first block. A contraction starting within ``skip_first_s`` of the first block was under
        way at the jump: half a rep, not counted."""
        self._skip_first_s = float(skip_first_s)
        if other.tracker.baseline is not None:
            self.tracker.set_baseline(other.tracker.baseline)
        rest = other.contractions.rest_levels
        if all(np.isfinite(rest)):
            self.contractions = ContractionTracker(self.fs, len(self.labels), SegmentRules(), self._delay, rest=rest,
                                                   period_s=other.contractions.period_s)

    def set_envelope_delay(self, delay_s: float) -> None:
        with self._lock:
            self._delay = float(delay_s)

    # -- DSP thread -----------------------------------------------------------------------
    def __call__(self, block: ProcessedBlock) -> None:
        n = block.raw.shape[1]
        if n == 0:
            return
        if self._origin is None:
            self._origin = block.start_index
            self._end = block.start_index
            self._tracker_origin = block.start_index
        fresh = self._remeasure
        if fresh:  # a fresh detector: its first calibration_s are the new rest
            self._remeasure = False
            self.tracker = OnsetTracker(self.fs, len(self.labels), self.settings)
            with self._reps_lock:  # reps already over but waiting for their merge gap are kept
                done = self.contractions.flush()
                self._take(done, self._tracker_origin / self.fs)
                self.contractions = ContractionTracker(self.fs, len(self.labels), SegmentRules(), self._delay,
                                                       period_s=self.contractions.period_s)
            self._onsets = [[] for _ in self.labels]
            self._tracker_origin = block.start_index
            self._open.clear()
        if block.start_index > self._end:  # a gap the worker skipped: keep the clock
            gap = block.start_index - self._end
            self._env.write_gap(gap)
            self._filt.write_gap(gap)
        filt = np.nan_to_num(block.filtered)
        self._env.write(block.envelope.astype(np.float32))
        self._filt.write(filt.astype(np.float32))
        self._end = block.start_index + n
        was_ready = self.tracker.ready
        events = self.tracker.process(np.nan_to_num(block.envelope) if self.envelope_only else filt)
        rest = not was_ready or not bool(self.tracker.active.any())
        self.quality.process(block.raw, rest=rest)
        t0 = self._tracker_origin / self.fs
        changed = fresh or was_ready != self.tracker.ready
        for e in events:
            t = t0 + e.time_s
            if e.onset:
                self._open[e.channel] = t
                self.order.add(e.channel, t)
                self._onsets[e.channel] = [*self._onsets[e.channel][-7:], e.time_s]
            else:
                self._open.pop(e.channel, None)
        # reps: the contractions a person counts (segments.py), the same tracker as offline
        with self._reps_lock:
            if self.rhythm.process(block.envelope):  # every 2 s: the last 30 s' cycle
                r, now = self.rhythm.rhythm, self.contractions.period_s
                # a cycle taken over (take_rest) stands until the window could see it again
                if now is None or self.rhythm.seconds >= self.rhythm.rules.min_cycles * now:
                    self.contractions.set_period(None if r is None else r.period_s)
            closed = self.contractions.process(np.nan_to_num(block.envelope)) + self.contractions.poll()
            # under the same lock as settle(): a rep given again must find the rep it lengthens
            changed = self._take(closed, t0) or changed
        with self._lock:
            if self.order.poll(self._end / self.fs):
                changed = True
            if self._open != self._open_seen:
                self._open_seen = dict(self._open)
        if self._end - self._origin >= self._next_quality:
            self._next_quality += self._quality_every
            busy = self._quality_thread is not None and self._quality_thread.is_alive()
            if not busy:  # ~15 ms at 8 ch x 2 kHz: off the DSP thread so no block waits for it
                # not a daemon: the interpreter waits for it at exit instead of killing it inside scipy
                self._quality_thread = threading.Thread(target=self._assess_quality, name="quality")
                self._quality_thread.start()
        if changed:
            with self._lock:
                self._changed()
        self.taken = self._end

    def _take(self, closed: list[tuple[int, Segment]], t0: float) -> bool:
        """Closed contractions: the counted ones become reps, the others are kept with their
        reason. A rep given again (a later burst of its movement cycle joined it: segments.py)
        lengthens the rep already shown instead of adding one; its stopping-rule and fatigue
        points stay those of its first burst."""
        changed = False
        for ch, g in closed:
            before, shown = self._last_seg[ch] or (None, None)
            again = before is not None and g.parts > 1 and before.onset_s == g.onset_s
            if again and shown is not None:  # the rep shown: longer now
                self._last_seg[ch] = (g, shown)
                self._extend_rep(ch, shown, t0 + max(g.offset_s, g.onset_s))
                changed = True
                continue
            self._last_seg[ch] = (g, None)
            if again and before is not None and not before.counted:  # a fragment that is a rep after all
                with self._lock:
                    if self.uncounted[ch] and self.uncounted[ch][-1] is before:
                        self.uncounted[ch].pop()
            if not g.counted:
                with self._lock:
                    self.uncounted[ch].append(g)
                continue
            (r,) = refine_onsets([g], self._onsets[ch])
            if t0 + r.onset_s < (self._origin or 0) / self.fs + self._skip_first_s:
                continue  # under way before a jump (take_rest)
            index = self._finish_rep(ch, t0 + r.onset_s, t0 + max(r.offset_s, r.onset_s))
            if index is not None:
                self._last_seg[ch] = (g, index)
            changed = True
        return changed

    def _extend_rep(self, ch: int, index: int, off_s: float) -> None:
        """Rep ``index`` of channel ``ch`` now ends at ``off_s``: measured again over its new span."""
        new, _ = self._measured(ch, self._reps[ch][index].onset_s, off_s, spectrum=False)
        if new is not None:
            with self._lock:
                self._reps[ch][index] = new

    def settle(self) -> None:
        """The stream ends (Stop, Disconnect, a session's summary): a contraction still waiting for
        its merge gap is closed now, so the last rep is not lost."""
        with self._reps_lock:
            closed = self.contractions.finish()
            taken = self._take(closed, self._tracker_origin / self.fs)
        if taken:
            with self._lock:
                self._changed()

    def _covered(self, ch: int, t: float) -> bool:
        """A counted rep of channel ``ch`` spans the onset ``t`` (its start may lie a little after
        the detector onset: the relative threshold, or a little before: the rise's foot)."""
        return any(r.onset_s - 0.15 <= t <= r.offset_s for r in self._reps[ch])

    def _measured(self, ch: int, on_s: float, off_s: float,
                  spectrum: bool = True) -> tuple[Rep | None, list[tuple[float, float, float]]]:
        """The rep from ``on_s`` to ``off_s`` measured on the history rings (None: out of them),
        and its fatigue points (with ``spectrum``)."""
        with self._lock:
            delay = self._delay
            target = float(self._targets[ch]) if ch < self._targets.size else float("nan")
        d = int(round(delay * self.fs))
        a = int(np.floor(on_s * self.fs))
        b = int(np.ceil(off_s * self.fs)) + d + 1
        # the history rings count from the first sample this analysis saw, not from the stream's
        # start (it may begin mid-stream: after a calibration, at an exercise's start)
        origin = self._origin or 0
        ra = max(0, a - origin)
        env, _, skipped = self._env.read_since(ra, max(1, b - origin - ra))
        filt, _, _ = self._filt.read_since(ra, max(1, b - origin - ra))
        first = origin + ra + skipped  # a hold longer than the history: its newest part
        span = (on_s - first / self.fs, off_s - first / self.fs)
        reps = reps_from_bursts(env[ch].astype(np.float64), self.fs, [span],
                                target if np.isfinite(target) else None, delay, "µV")
        if not reps:
            return None, []
        rep = replace(reps[0], onset_s=on_s)
        pts = [] if self.envelope_only or not spectrum else spectral_points(filt[ch].astype(np.float64), self.fs, [span])
        return rep, [(p[0] + first / self.fs, p[1], p[2]) for p in pts]

    def _finish_rep(self, ch: int, on_s: float, off_s: float) -> int | None:
        """A new rep: measured, shown, and given to the stopping rule and the fatigue trend; its
        index in the channel's reps (None: outside the history)."""
        rep, points = self._measured(ch, on_s, off_s)
        if rep is None:
            return None
        with self._lock:  # what snapshots read changes in one step
            self._reps[ch].append(rep)
            index = len(self._reps[ch]) - 1
            self._points[ch] += points
            rule = self._rules[ch]
            rule.add(rep.peak)
            self._peaks[ch].append(rep.peak)
            if rule.done and not self._stop and ch in self._rule_channels:
                self._stop = f"{display_name(self.labels[ch])} — {rule.message()}"
        return index

    def _assess_quality(self) -> None:
        q = self.quality.assess()
        with self._lock:
            if q != self._quality:
                self._quality = q
                self._changed()

    def close(self) -> None:
        """Wait for a quality assessment under way (call after the stream stops)."""
        t = self._quality_thread
        if t is not None:
            t.join()

    def flush(self) -> None:
        """Wait for a quality assessment under way, then judge the newest data now (tests, end of
        a session)."""
        self.close()
        self._assess_quality()

    def _changed(self) -> None:
        """Caller holds the lock."""
        self._version += 1
        self._snap = None

    # -- any thread -----------------------------------------------------------------------
    def snapshot(self) -> LiveSnapshot:
        with self._lock:
            if self._snap is not None:
                return self._snap
            self._snap = self._build()
            return self._snap

    def _build(self) -> LiveSnapshot:
        """Caller holds the lock."""
        channels = []
        peaks: dict[str, float] = {}
        means: dict[str, float] = {}
        units: dict[str, str] = {}
        for ch, label in enumerate(self.labels):
            ref = self._refs.get(label)
            unit = ref.unit if ref is not None else "µV"
            reps = tuple(_in_unit(r, ref) for r in self._reps[ch])
            summ = summarize_reps(reps, unit)
            if summ is not None:
                peaks[label], means[label], units[label] = summ.mean_peak, summ.mean_mean, unit
            best, recent = 0.0, []
            for p in self._peaks[ch]:
                best = max(best, p)
                recent.append(p / best if best > 0 else 0.0)
            channels.append(ChannelLive(
                label, unit, reps, summ, trend_from_points(self._points[ch]), len(self._points[ch]),
                self._quality[ch] if ch < len(self._quality) else None, self._rules[ch].message(),
                tuple(recent[-RECENT_PEAKS:]),
            ))
        ready = self.tracker.ready
        status = ("Ready: contract when you like." if ready
                  else f"Relax for {self.settings.calibration_s:.0f} s: measuring the resting level…")
        # a rep is reported once every muscle in it has a counted contraction covering its onset,
        # so the headline's "Rep N" and the rep table count the same reps; onsets no counted
        # contraction took (a fragment, cross-talk: segments.py) are not reps at all
        index = {lb: ch for ch, lb in enumerate(self.labels)}
        order = tuple(c for c in self.order.contractions
                      if all(self._covered(index[lb], t) for lb, t in c.onsets.items()))
        return LiveSnapshot(self._version, ready, status, order, summarize(order), tuple(channels),
                            tuple(symmetry(peaks, means, units)), self._stop, self._fraction, self._consecutive)
