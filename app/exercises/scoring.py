"""Muscle roles and how one rep is scored: glute-led, compensation share, good rep.

In gluteal amnesia the hamstrings and lumbar erectors take over from a glute that fires late and
weakly (Nadler et al. 2001; the seed articles). So each channel of an exercise is a *target* (the
glute being trained) or a *compensator* (a muscle that takes over), and a rep is judged on three
things:

- **glute-led**: the target's onset is not later than any compensator's by more than the 20 ms
  within which two onsets count as together (``app.analysis.firing_order.TOGETHER_MS``: the
  detector's own error); ``lead_ms`` > 0 means the glute led by that much, < 0 that it came late;
- **compensation share**: the strongest compensator's mean activation over (target + that
  compensator) in the same unit — 0 when only the glute works, 0.5 when the helper works as hard;
- **good rep**: the target reached its goal and every compensator stayed under its ceiling
  (default 30 % MVIC; without a %MVIC reference, 60 % of the target's own activation in µV).

Cueing changes onset order (Lewis & Sahrmann 2009, J Athl Train 44:238): "glute-led" is the aim of
a drill, not the only normal; the report says which cue was given.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from app.analysis.firing_order import TOGETHER_MS
from app.analysis.reps import Rep
from app.muscles import display_name, parse_label

#: a compensator above this (% MVIC) is "taking over"
CEILING_PCT = 30.0
#: without a %MVIC reference: a compensator louder than the target itself (µV) is taking over.
#: Raw µV are not comparable between muscles (electrode site, tissue under it: why %MVIC exists;
#: Halaki & Ginn 2012, "Normalization of EMG signals", InTech), so only "louder than the glute"
#: is said; a healthy bridge's hamstring reaches ~0.75 of the glute's µV, and the earlier 0.6
#: called every healthy bridge "taking over".
CEILING_RATIO = 1.0


@dataclass(frozen=True)
class ChannelRoles:
    """Which channel does what in one exercise (indices into ``labels``); channels in neither
    list take no part (the other leg in single-leg work)."""

    labels: tuple[str, ...]
    targets: tuple[int, ...]
    compensators: tuple[int, ...]
    ceiling_pct: float = CEILING_PCT
    ceiling_ratio: float = CEILING_RATIO

    def role(self, index: int) -> str:
        if index in self.targets:
            return "target"
        return "compensator" if index in self.compensators else ""

    def describe(self) -> str:
        t = ", ".join(display_name(self.labels[i]) for i in self.targets) or "none"
        c = ", ".join(display_name(self.labels[i]) for i in self.compensators) or "none"
        return f"target {t}; compensators {c} (ceiling {self.ceiling_pct:.0f}% MVIC)"


def assign_roles(labels: Sequence[str], targets: Sequence[str], compensators: Sequence[str],
                 side: str | None = None, ceiling_pct: float = CEILING_PCT) -> ChannelRoles:
    """Roles by muscle (keys of ``app.muscles.MUSCLES``); with ``side`` only that side's channels
    take part. Channels with free labels (ch1) take no part."""
    tgt, comp = [], []
    for i, label in enumerate(labels):
        m = parse_label(label)
        if m is None or (side is not None and m.side != side):
            continue
        if m.muscle in targets:
            tgt.append(i)
        elif m.muscle in compensators:
            comp.append(i)
    return ChannelRoles(tuple(labels), tuple(tgt), tuple(comp), ceiling_pct)


@dataclass(frozen=True)
class RepScore:
    """One rep of a protocol, as the person and the clinician see it."""

    set: int
    rep: int
    glute_led: bool | None  # None: the target did not fire at all
    lead_ms: float | None  # > 0: the glute led the first compensator by this much; < 0: it came late
    peak: float | None  # the target's peak (best 500 ms), in ``unit``
    unit: str
    time_above_goal_s: float
    compensation_share: float | None
    compensators_over: tuple[str, ...]  # labels above their ceiling in this rep
    good: bool
    probe: bool = False  # a no-feedback retention probe (kept apart from the practice reps)
    feedback: bool = True  # the live display was shown during the rep
    side: str | None = None
    start_s: float | None = None  # the rep's window (prompt to release), in stream seconds
    end_s: float | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "set": self.set,
            "rep": self.rep,
            "side": self.side,
            "glute_led": self.glute_led,
            "lead_ms": None if self.lead_ms is None else round(self.lead_ms, 1),
            "peak": None if self.peak is None else round(self.peak, 2),
            "unit": self.unit,
            "time_above_goal_s": round(self.time_above_goal_s, 2),
            "compensation_share": None if self.compensation_share is None else round(self.compensation_share, 3),
            "compensators_over": list(self.compensators_over),
            "good": self.good,
            "probe": self.probe,
            "feedback": self.feedback,
            "start_s": None if self.start_s is None else round(self.start_s, 3),
            "end_s": None if self.end_s is None else round(self.end_s, 3),
        }

    def sentence(self) -> str:
        """'Rep 3: glute first by 40 ms, peak 52% MVIC, 2.1 s above goal — good rep.'"""
        u = "%" if self.unit.startswith("%") else f" {self.unit}"
        parts = []
        if self.glute_led is None:
            parts.append("the glute did not fire")
        elif self.lead_ms is None:
            parts.append("only the glute fired")
        elif abs(self.lead_ms) <= TOGETHER_MS:
            parts.append("glute and helpers together")
        elif self.lead_ms > 0:
            parts.append(f"glute first by {self.lead_ms:.0f} ms")
        else:
            parts.append(f"glute {-self.lead_ms:.0f} ms late")
        if self.peak is not None:
            parts.append(f"peak {self.peak:.0f}{u}{' MVIC' if u == '%' else ''}")
        parts.append(f"{self.time_above_goal_s:.1f} s above goal")
        if self.compensators_over:
            parts.append(", ".join(display_name(lb) for lb in self.compensators_over) + " taking over")
        verdict = "good rep" if self.good else "not yet"
        probe = " (no-feedback probe)" if self.probe else ""
        return f"Rep {self.rep}{probe}: " + ", ".join(parts) + f" — {verdict}."


def score_rep(set_no: int, rep_no: int, roles: ChannelRoles, reps: Sequence[Rep | None],
              onsets_s: Sequence[float | None], goal: float, *, probe: bool = False, feedback: bool = True,
              side: str | None = None) -> RepScore:
    """Score one rep from each channel's rep in its window (``reps[i]``, in that channel's shown
    unit; None where a channel did not fire) and the onsets the firing-order grouping found.

    ``goal`` is the target's goal in the target's unit. Units: share and ceilings compare %MVIC
    with %MVIC; a channel without a reference is compared in µV by the ratio rule."""
    tgt = [i for i in roles.targets if reps[i] is not None]
    if not roles.targets:
        raise ValueError("an exercise needs at least one target channel")
    unit = next((reps[i].unit for i in roles.targets if reps[i] is not None), "µV")  # type: ignore[union-attr]
    if not tgt:
        over = tuple(roles.labels[i] for i in roles.compensators if reps[i] is not None)
        return RepScore(set_no, rep_no, None, None, None, unit, 0.0, 1.0 if over else None, over, False, probe,
                        feedback, side)
    main = max(tgt, key=lambda i: reps[i].peak)  # type: ignore[union-attr]
    target = reps[main]
    assert target is not None
    fired = [i for i in roles.compensators if reps[i] is not None]
    lead = _lead_ms(onsets_s, roles.targets, fired)
    led = True if lead is None else lead >= -TOGETHER_MS
    over = tuple(roles.labels[i] for i in fired if _over_ceiling(reps[i], target, roles))  # type: ignore[arg-type]
    share = _share(target, [reps[i] for i in fired])  # type: ignore[misc]
    reached = target.peak >= goal or target.time_above_target_s > 0
    return RepScore(set_no, rep_no, led, lead, target.peak, target.unit, target.time_above_target_s, share, over,
                    bool(reached and not over), probe, feedback, side)


def _lead_ms(onsets_s: Sequence[float | None], targets: Sequence[int], fired: Sequence[int]) -> float | None:
    t = [onsets_s[i] for i in targets if onsets_s[i] is not None]
    c = [onsets_s[i] for i in fired if onsets_s[i] is not None]
    if not t or not c:
        return None
    return (min(c) - min(t)) * 1000.0  # type: ignore[type-var, operator]


def _over_ceiling(comp: Rep, target: Rep, roles: ChannelRoles) -> bool:
    if comp.unit.startswith("%"):
        return comp.peak > roles.ceiling_pct
    return comp.peak > roles.ceiling_ratio * target.peak


def _share(target: Rep, comps: Sequence[Rep]) -> float | None:
    """Strongest compensator's mean over (target + it), when both are in one unit."""
    same = [c for c in comps if c.unit == target.unit]
    if not comps:
        return 0.0
    if not same:
        return None
    c = max(c.mean for c in same)
    total = target.mean + c
    return float(c / total) if total > 0 else None


@dataclass(frozen=True)
class SetSummary:
    """A set at a glance; probe reps are summarised apart (retention, not practice)."""

    set: int
    reps: int
    good: int
    glute_led: int
    median_lead_ms: float | None
    mean_peak: float | None
    unit: str
    mean_time_above_goal_s: float
    mean_share: float | None
    probe: RepScore | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "set": self.set, "reps": self.reps, "good": self.good, "glute_led": self.glute_led,
            "median_lead_ms": None if self.median_lead_ms is None else round(self.median_lead_ms, 1),
            "mean_peak": None if self.mean_peak is None else round(self.mean_peak, 2), "unit": self.unit,
            "mean_time_above_goal_s": round(self.mean_time_above_goal_s, 2),
            "mean_compensation_share": None if self.mean_share is None else round(self.mean_share, 3),
            "probe": None if self.probe is None else self.probe.to_dict(),
        }

    def sentence(self) -> str:
        u = "%" if self.unit.startswith("%") else f" {self.unit}"
        peak = f", mean peak {self.mean_peak:.0f}{u}" if self.mean_peak is not None else ""
        share = f", helpers' share {self.mean_share * 100:.0f}%" if self.mean_share is not None else ""
        probe = ""
        if self.probe is not None:
            probe = f" No-feedback probe: {'good' if self.probe.good else 'not yet'}."
        return (f"Set {self.set}: {self.good} of {self.reps} good reps, glute first in {self.glute_led}"
                f"{peak}{share}.{probe}")


def summarize_set(set_no: int, scores: Sequence[RepScore]) -> SetSummary:
    practice = [s for s in scores if not s.probe]
    probe = next((s for s in scores if s.probe), None)
    leads = [s.lead_ms for s in practice if s.lead_ms is not None]
    peaks = [s.peak for s in practice if s.peak is not None]
    shares = [s.compensation_share for s in practice if s.compensation_share is not None]
    unit = practice[0].unit if practice else (probe.unit if probe else "µV")
    return SetSummary(
        set_no, len(practice), sum(s.good for s in practice), sum(bool(s.glute_led) for s in practice),
        float(np.median(leads)) if leads else None, float(np.mean(peaks)) if peaks else None, unit,
        float(np.mean([s.time_above_goal_s for s in practice])) if practice else 0.0,
        float(np.mean(shares)) if shares else None, probe,
    )
