"""Offline analysis of a recording: the one entry point behind ``glutefire analyze``.

``analyze(raw, fs, labels)`` runs, on all channels at once:

1. the live chain (``pipeline.process_whole``): causal band-pass, moving-RMS envelope (one
   ``sosfilt`` over all channels), so the numbers match what the live window showed;
2. onsets and offsets (``onset.detect_bursts``: TKEO-conditioned double threshold, automatic
   rest baseline) on the band-passed signal;
3. reps and holds per channel (``reps``), in µV or, with %MVIC references, in %MVIC;
4. firing order per contraction and its summary (``firing_order``);
5. left/right symmetry of peak and mean activation (``symmetry``);
6. median/mean frequency per contraction and their trend (``fatigue``), and the 90%-of-best
   stopping rule on rep peaks;
7. signal quality per channel at rest (``quality``).

``Analysis.to_dict()`` is JSON-ready; ``Analysis.to_table()`` is a fixed-width text report.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from app.analysis.fatigue import (
    STOP_CONSECUTIVE,
    STOP_FRACTION,
    FatigueSettings,
    FatigueTrend,
    StoppingRule,
    fatigue_trend,
)
from app.analysis.firing_order import Contraction, FiringSummary, firing_order, summarize
from app.analysis.mvic import MvicReference
from app.analysis.onset import Burst, OnsetSettings, detect_bursts
from app.analysis.quality import Quality, QualitySettings, assess
from app.analysis.reps import Rep, RepSummary, reps_from_bursts, summarize_reps
from app.analysis.rhythm import Rhythm, binned, movement_rhythm
from app.analysis.segments import Confidence, Segment, SegmentRules, confidence, refine_onsets, segment_recording
from app.analysis.symmetry import FLAG_PERCENT, PairSymmetry, symmetry
from app.dsp.filters import FilterSettings
from app.dsp.pipeline import process_whole
from app.muscles import display_name


@dataclass(frozen=True)
class AnalysisSettings:
    filters: FilterSettings = field(default_factory=FilterSettings)
    onset: OnsetSettings = field(default_factory=OnsetSettings)
    fatigue: FatigueSettings = field(default_factory=FatigueSettings)
    quality: QualitySettings = field(default_factory=QualitySettings)
    firing_window_s: float = 0.5
    stop_fraction: float = STOP_FRACTION
    stop_consecutive: int = STOP_CONSECUTIVE
    mains_hz: float | None = None  # None: check both 50 and 60 Hz
    segments: SegmentRules = field(default_factory=SegmentRules)


NO_TREND = {"points": 0, "sentence": "Too few contractions for a trend."}


@dataclass(frozen=True)
class ChannelAnalysis:
    name: str
    unit: str  # of reps, targets and symmetry: "µV" or "%MVIC"
    bursts: list[Burst]
    reps: list[Rep]
    rep_summary: RepSummary | None
    target: float | None  # in ``unit``
    fatigue: FatigueTrend | None
    quality: Quality
    stop_message: str
    mvic: MvicReference | None = None
    segments: list[Segment] = field(default_factory=list)  # every contraction, counted or not (and why)
    confidence: Confidence | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "display_name": display_name(self.name),
            "unit": self.unit,
            "target": None if self.target is None else round(self.target, 3),
            "bursts": [b.to_dict() for b in self.bursts],
            "reps": [r.to_dict() for r in self.reps],
            "rep_summary": self.rep_summary.to_dict() if self.rep_summary else None,
            "fatigue": self.fatigue.to_dict() if self.fatigue else NO_TREND,
            "quality": self.quality.to_dict(),
            "stopping_rule": self.stop_message or None,
            "mvic": self.mvic.to_dict() if self.mvic else None,
            "segmentation": self.confidence.to_dict() if self.confidence else None,
            "uncounted": [{"onset_s": round(g.onset_s, 3), "offset_s": round(g.offset_s, 3), "reason": g.reason}
                          for g in self.segments if not g.counted],
        }


def _finite(obj: Any) -> Any:
    """NaN/inf -> None, recursively, so the dict is strict JSON."""
    if isinstance(obj, float):
        return obj if math.isfinite(obj) else None
    if isinstance(obj, dict):
        return {k: _finite(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [_finite(v) for v in obj]
    return obj


@dataclass(frozen=True)
class Analysis:
    sample_rate_hz: float
    duration_s: float
    channels: list[ChannelAnalysis]
    firing_order: list[Contraction]
    firing_summary: FiringSummary
    symmetry: list[PairSymmetry]
    settings: AnalysisSettings
    envelope_delay_s: float
    rhythm: Rhythm | None = None  # the movement's cycle, from all channels (rhythm.py)

    @property
    def labels(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.channels)

    @property
    def stop_messages(self) -> list[str]:
        return [f"{display_name(c.name)}: {c.stop_message}" for c in self.channels if c.stop_message]

    def to_dict(self) -> dict[str, Any]:
        s = self.settings
        return _finite({
            "sample_rate_hz": float(self.sample_rate_hz),
            "duration_s": round(self.duration_s, 4),
            "envelope_delay_s": round(self.envelope_delay_s, 4),
            "filters": s.filters.describe(self.sample_rate_hz),
            "detectors": {
                "bursts": f"{s.onset.detector} double threshold (app/analysis/onset.py)",
                "onset": s.onset.to_dict(),
            },
            "movement_cycle": None if self.rhythm is None else {
                "period_s": round(self.rhythm.period_s, 3), "strength": round(self.rhythm.strength, 3),
                "sentence": self.rhythm_sentence()},
            "channels": [c.to_dict() for c in self.channels],
            "firing_order": [c.to_dict() for c in self.firing_order if len(c.onsets) >= 2],
            "firing_order_summary": self.firing_summary.to_dict(),
            "symmetry": [p.to_dict() for p in self.symmetry],
            "stopping_rule": self.stop_messages,
        })

    def summary(self) -> dict[str, Any]:
        """The figures in the shape the live analysis gives the session records
        (``LiveSnapshot.summary``), so a recording analysed afterwards is reviewed the same way."""
        return _finite({
            "reps": {c.name: c.rep_summary.to_dict() for c in self.channels if c.rep_summary is not None},
            "firing_order_summary": self.firing_summary.to_dict(),
            "symmetry": [p.to_dict() for p in self.symmetry],
            "fatigue": {c.name: c.fatigue.to_dict() for c in self.channels if c.fatigue is not None},
            "quality": {c.name: c.quality.to_dict() for c in self.channels},
            "stopping_rule": "; ".join(self.stop_messages) or None,
            "count_uncertain": {c.name: c.confidence.doubt() for c in self.channels
                                if c.confidence is not None and c.confidence.uncertain and c.reps},
        })

    def to_table(self, per_rep: bool = True) -> str:
        """A fixed-width text report for a terminal."""
        fs = self.sample_rate_hz
        out: list[str] = [
            f"Recording: {self.duration_s:.1f} s at {fs:g} Hz, {len(self.channels)} channel(s)",
            f"Filters: {self.settings.filters.describe(fs)} (envelope delay {self.envelope_delay_s * 1000:.0f} ms)",
            "",
            "Signal quality",
        ]
        out += [f"  {display_name(c.name):<20} {c.quality.verdict:<6} {c.quality.reason}" for c in self.channels]
        out += ["", "How clear the contractions are (rest level, contractions' peak, their ratio)",
                f"  {self.rhythm_sentence()}"]
        out += [f"  {display_name(c.name):<20} {c.confidence.sentence()}" for c in self.channels if c.confidence]
        out += self._rep_lines(per_rep) + self._order_lines() + self._symmetry_lines() + self._fatigue_lines()
        if self.stop_messages:
            out += ["", f"Stopping rule ({self.settings.stop_fraction * 100:.0f}% of best)"]
            out += [f"  {m}" for m in self.stop_messages]
        return "\n".join(out) + "\n"

    def rhythm_sentence(self) -> str:
        r = self.rhythm
        if r is None:
            return "No steady rhythm across the channels: each burst is judged on its own."
        join = min(self.settings.segments.cycle_join * r.period_s, self.settings.segments.cycle_join_max_s)
        return (f"Movement cycle {r.period_s:.2f} s (autocorrelation {r.strength:.2f}): bursts starting within "
                f"{join:.2f} s of a contraction's start are part of it (one rep per cycle).")

    def _rep_lines(self, per_rep: bool) -> list[str]:
        out = ["", "Reps and holds",
               f"  {'channel':<20} {'reps':>4} {'mean s':>7} {'best pk':>8} {'mean pk':>8} {'mean':>8} "
               f"{'>target s':>9} {'CV':>5}  unit"]
        for c in self.channels:
            r = c.rep_summary
            if r is None:
                out.append(f"  {display_name(c.name):<20} {0:>4}")
                continue
            out.append(f"  {display_name(c.name):<20} {r.count:>4} {r.mean_duration_s:>7.2f} {r.best_peak:>8.1f} "
                       f"{r.mean_peak:>8.1f} {r.mean_mean:>8.1f} {r.total_time_above_target_s:>9.1f} "
                       f"{r.mean_steadiness_cv:>5.2f}  {c.unit}")
        for c in self.channels if per_rep else ():
            if not c.reps:
                continue
            tgt = f", target {c.target:.1f} {c.unit}" if c.target is not None else ""
            out += ["", f"  {display_name(c.name)} ({c.unit}{tgt})",
                    f"    {'#':>3} {'onset s':>9} {'offset s':>9} {'length s':>8} {'peak':>8} {'mean':>8} "
                    f"{'>target s':>9} {'CV':>5}"]
            out += [f"    {i:>3} {rep.onset_s:>9.3f} {rep.offset_s:>9.3f} {rep.duration_s:>8.3f} "
                    f"{rep.peak:>8.1f} {rep.mean:>8.1f} {rep.time_above_target_s:>9.2f} {rep.steadiness_cv:>5.2f}"
                    for i, rep in enumerate(c.reps, 1)]
        return out

    def _order_lines(self) -> list[str]:
        compared = [con for con in self.firing_order if len(con.onsets) >= 2]
        if not compared:
            return []
        out = ["", "Firing order per contraction"]
        out += [f"  {i:>3} {con.start_s:>9.2f} s  {con.sentence()}" for i, con in enumerate(compared, 1)]
        return out + [f"  {self.firing_summary.sentence()}"]

    def _symmetry_lines(self) -> list[str]:
        if not self.symmetry:
            return []
        out = ["", f"Left/right symmetry (SI = (R-L) / mean(L,R) x 100%; flagged above {FLAG_PERCENT:.0f}%)",
               f"  {'muscle':<17} {'L peak':>8} {'R peak':>8} {'SI pk':>6} {'L mean':>8} {'R mean':>8} {'SI mn':>6}  unit"]
        for p in self.symmetry:
            name = display_name(f"{p.muscle}_L").rsplit(" ", 1)[0]
            flag = "  FLAG" if p.flagged else ""
            out.append(f"  {name:<17} {p.left_peak:>8.1f} {p.right_peak:>8.1f} {p.peak_index_percent:>+6.0f} "
                       f"{p.left_mean:>8.1f} {p.right_mean:>8.1f} {p.mean_index_percent:>+6.0f}  {p.unit}{flag}")
        return out + [f"  {p.sentence()}" for p in self.symmetry if p.flagged]

    def _fatigue_lines(self) -> list[str]:
        trends = [(c, c.fatigue) for c in self.channels if c.fatigue is not None]
        if not trends:
            return []
        out = ["", "Fatigue (median frequency per contraction)",
               f"  {'channel':<20} {'points':>6} {'first Hz':>8} {'last Hz':>8} {'Hz/min':>7} {'%/min':>7}"]
        return out + [f"  {display_name(c.name):<20} {len(f.mdf_hz):>6} {f.mdf_hz[0]:>8.0f} {f.mdf_hz[-1]:>8.0f} "
                      f"{f.mdf_slope_hz_per_min:>+7.1f} {f.mdf_slope_percent_per_min:>+7.1f}" for c, f in trends]


def analyze(raw: np.ndarray, fs: float, labels: Sequence[str], settings: AnalysisSettings | None = None,
            thresholds: Mapping[str, float] | Sequence[float | None] | None = None,
            mvic: Mapping[str, MvicReference] | Sequence[MvicReference] | None = None) -> Analysis:
    """Analyse a (channels, n) recording in µV.

    ``thresholds``: per-channel targets in µV of the envelope (label -> µV, or a sequence), as the
    live window stores them; ``mvic``: %MVIC references (label -> reference, or a sequence) —
    channels with one are reported in %MVIC, targets converted too.
    """
    s = settings or AnalysisSettings()
    x = np.atleast_2d(np.asarray(raw, dtype=np.float64))
    labels = tuple(labels)
    if x.shape[0] != len(labels):
        raise ValueError(f"{x.shape[0]} channels but {len(labels)} labels")
    if isinstance(thresholds, Mapping):
        thr = [thresholds.get(lb) for lb in labels]
    else:
        thr = list(thresholds) if thresholds is not None else [None] * len(labels)
    refs: dict[str, MvicReference] = {}
    if mvic is not None:
        refs = dict(mvic) if isinstance(mvic, Mapping) else {r.label: r for r in mvic}

    envelope_only = s.onset.input == "envelope"  # a device's own envelope (MyoWare ENV): no spectrum
    delay = 0.0 if envelope_only else s.filters.envelope_delay_s(fs)
    onset = s.onset if s.onset.input != "raw" else OnsetSettings(**{**s.onset.to_dict(), "input": "filtered"})
    channels: list[ChannelAnalysis] = []
    counted: list[list[Burst]] = []
    peaks: dict[str, float] = {}
    means: dict[str, float] = {}
    units: dict[str, str] = {}
    # one channel at a time: every step is per channel, and a long recording then needs the memory
    # of its samples plus one channel's filtered signal and envelope, not eight of each. The
    # movement's cycle needs all channels first: their envelopes in 50 ms bins (rhythm.py), which
    # costs a second filtering pass (10 min of 8 channels at 2 kHz: 1.1 s in all, measured)
    bins = [binned(x[ch: ch + 1] if envelope_only else process_whole(np.nan_to_num(x[ch: ch + 1]), fs, s.filters).envelope,
                   fs)[0] for ch in range(len(labels))]
    rhythm = movement_rhythm(np.vstack(bins), fs) if bins and bins[0].size else None
    period = rhythm.period_s if rhythm is not None else None
    for ch, name in enumerate(labels):
        xc = np.nan_to_num(x[ch : ch + 1])
        if envelope_only:
            envelope, filtered = xc, None
            bursts = detect_bursts(xc, fs, s.onset, envelope=xc, envelope_delay_s=0.0)[0]
        else:
            proc = process_whole(xc, fs, s.filters)
            envelope, filtered = proc.envelope, proc.filtered
            bursts = detect_bursts(filtered, fs, onset, envelope=envelope, envelope_delay_s=delay,
                                   filters=s.filters)[0]
        quality = assess(xc, fs, (name,), s.mains_hz, s.quality, filtered=filtered)[0]
        # bursts -> the contractions a person counts (segments.py); the rest level: the quiet tenth
        rest = float(np.percentile(np.nan_to_num(envelope[0]), 10))
        segs = refine_onsets(segment_recording(envelope, fs, delay, s.segments, [rest], period)[0],
                             [b.onset_s for b in bursts])
        counted.append([g.burst() for g in segs if g.counted])
        ref = refs.get(name)
        env = envelope[0]
        target = thr[ch]
        unit = "µV"
        if ref is not None:
            env = np.asarray(ref.percent(env))
            target = None if target is None else float(ref.percent(target))
            unit = ref.unit
        reps = reps_from_bursts(env, fs, counted[ch], target, delay, unit)
        rule = StoppingRule(s.stop_fraction, s.stop_consecutive)
        for r in reps:
            rule.add(r.peak)
        trend = None if filtered is None else fatigue_trend(filtered[0], fs, counted[ch], settings=s.fatigue)
        rsum = summarize_reps(reps, unit)
        if rsum is not None:
            peaks[name], means[name], units[name] = rsum.mean_peak, rsum.mean_mean, unit
        channels.append(ChannelAnalysis(name, unit, bursts, reps, rsum, target, trend, quality,
                                        rule.message(), ref, segs, confidence(segs, rest, period)))
    order = firing_order(counted, labels, s.firing_window_s)
    return Analysis(float(fs), x.shape[1] / fs, channels, order, summarize(order), symmetry(peaks, means, units),
                    s, delay, rhythm)
