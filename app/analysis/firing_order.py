"""Firing order per contraction: which muscle fired first, and how late each of the others was.

The measurable form of "gluteal amnesia": a late, weak gluteus maximus / medius while the
hamstrings or lumbar erectors lead (Nadler et al. 2001, Am J Phys Med Rehabil 80:572;
Hungerford, Gilleard & Hodges 2003, Spine 28:1593, for onset-latency comparisons of hip and
trunk muscles). Onsets come from ``app.analysis.onset`` (same detector live and offline).

Grouping: a contraction starts at the earliest onset not yet used and takes, per channel, the
first unused onset within ``window_s`` (default 0.5 s) after it; onset latency of each muscle =
its onset - the leader's onset. Per contraction one plain sentence ("Hamstring L led Gluteus
maximus L by 140 ms"); over the session the fraction of contractions in which a glute fired
first and the median lag of the glute behind the first muscle (0 when the glute led).
``FiringOrderTracker`` does the same grouping on live onset events.

Two onsets less than ``TOGETHER_MS`` (20 ms) apart are called "together": the detector's onset
error (median 1-3 ms, p90 3-10 ms on generated signals, docs/algorithms.md) enters each onset, so
a lag of a few ms between two muscles is not a finding. A glute within 20 ms of the first muscle
counts as "on time" (``glute_first``); its lag is still reported in ms.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from app.analysis.onset import Burst
from app.muscles import display_name, parse_label

DEFAULT_WINDOW_S = 0.5
TOGETHER_MS = 20.0


def is_glute(label: str) -> bool:
    m = parse_label(label)
    return m is not None and m.muscle.startswith("gluteus")




def _main_glute(labels: Sequence[str], leader: str) -> str | None:
    """The glute a sentence names: gluteus maximus before medius, the leader's side first."""
    glutes = [lb for lb in labels if is_glute(lb)]
    if not glutes:
        return None
    side = leader.rpartition("_")[2]

    def rank(lb: str) -> tuple[int, int]:
        m = parse_label(lb)
        assert m is not None
        return (0 if m.muscle == "gluteus_maximus" else 1, 0 if m.side == side else 1)

    return min(glutes, key=rank)


@dataclass(frozen=True)
class Contraction:
    """One rep: onset time (s) of each channel that fired, the leader, everyone's lag (ms)."""

    start_s: float
    onsets: dict[str, float]
    leader: str
    lags_ms: dict[str, float] = field(default_factory=dict)

    @classmethod
    def from_onsets(cls, onsets: dict[str, float]) -> Contraction:
        leader = min(onsets, key=lambda lb: (onsets[lb], lb))
        t0 = onsets[leader]
        return cls(t0, dict(onsets), leader, {lb: (t - t0) * 1000.0 for lb, t in onsets.items()})

    @property
    def glute(self) -> str | None:
        """The glute this contraction is judged by (None when no glute fired)."""
        return _main_glute(list(self.onsets), self.leader)

    @property
    def glute_lag_ms(self) -> float | None:
        """How long the glute fired after the first muscle (0 when it led); None without a glute
        or without another muscle to compare with."""
        g = self.glute
        if g is None or len(self.onsets) < 2:
            return None
        if is_glute(self.leader):
            return 0.0
        return self.lags_ms[g]

    @property
    def glute_first(self) -> bool | None:
        """The glute led, or fired within ``TOGETHER_MS`` of the first muscle."""
        lag = self.glute_lag_ms
        if lag is None:
            return None
        return lag <= TOGETHER_MS

    def sentence(self) -> str:
        """'Hamstring L led Gluteus maximus L by 150 ms' (the glute, if present, is named)."""
        if len(self.onsets) < 2:
            return f"Only {display_name(self.leader)} fired."
        g = self.glute
        lead = display_name(self.leader)
        if g is not None and not is_glute(self.leader):
            if self.lags_ms[g] <= TOGETHER_MS:
                return f"{display_name(g)} and {lead} fired together (within {TOGETHER_MS:.0f} ms)"
            return f"{lead} led {display_name(g)} by {self.lags_ms[g]:.0f} ms"
        others = sorted((lb for lb in self.onsets if lb != self.leader), key=lambda lb: self.lags_ms[lb])
        if len(others) == 1:
            return f"{lead} fired first; {display_name(others[0])} followed {self.lags_ms[others[0]]:.0f} ms later"
        within = self.lags_ms[others[-1]]
        if len(others) > 2:  # eight channels: a list of seven names is not read mid-exercise
            return f"{lead} fired first; the other {len(others)} muscles followed within {within:.0f} ms"
        names = " and ".join(display_name(lb) for lb in others)
        return f"{lead} fired first; {names} followed within {within:.0f} ms"

    def to_dict(self) -> dict[str, Any]:
        lag = self.glute_lag_ms
        return {
            "start_s": round(self.start_s, 4),
            "leader": self.leader,
            "onsets_s": {k: round(v, 4) for k, v in self.onsets.items()},
            "lags_ms": {k: round(v, 1) for k, v in self.lags_ms.items()},
            "glute": self.glute,
            "glute_lag_ms": None if lag is None else round(lag, 1),
            "sentence": self.sentence(),
        }


def _onset_times(chan: Sequence[Burst | float | tuple[float, float]]) -> list[float]:
    out = []
    for b in chan:
        if isinstance(b, Burst):
            out.append(b.onset_s)
        elif isinstance(b, tuple):
            out.append(float(b[0]))
        else:
            out.append(float(b))
    return out


def firing_order(bursts: Sequence[Sequence[Burst | float | tuple[float, float]]], labels: Sequence[str],
                 window_s: float = DEFAULT_WINDOW_S) -> list[Contraction]:
    """Group the onsets of all channels into contractions, in time order.

    ``bursts[ch]`` holds that channel's bursts (or onset times, or (onset, offset) pairs).
    """
    pending = sorted((t, ch) for ch, chan in enumerate(bursts) for t in _onset_times(chan))
    used = [False] * len(pending)
    out: list[Contraction] = []
    for i, (t0, _) in enumerate(pending):
        if used[i]:
            continue
        onsets: dict[str, float] = {}
        for j in range(i, len(pending)):
            t, ch = pending[j]
            if t > t0 + window_s:
                break
            if used[j] or labels[ch] in onsets:
                continue
            onsets[labels[ch]] = t
            used[j] = True
        out.append(Contraction.from_onsets(onsets))
    return out


@dataclass(frozen=True)
class FiringSummary:
    """Over the contractions with a glute and at least one other muscle."""

    contractions: int
    compared: int
    glute_first: int
    median_glute_lag_ms: float | None
    median_leader: str | None  # the muscle that most often fired first
    late_median_lag_ms: float | None = None  # over the reps where the glute was late
    late_leader: str | None = None  # who most often led those

    @property
    def glute_first_fraction(self) -> float | None:
        return self.glute_first / self.compared if self.compared else None

    def sentence(self) -> str:
        """'The glute fired first in 2 of 10 reps; in the other 8 it came a median 150 ms after
        Hamstring L.' — the delay is said only for the reps where there was one."""
        if not self.compared:
            return "No contraction had a glute and another muscle to compare yet."
        base = (f"The glute fired first (or within {TOGETHER_MS:.0f} ms of the first muscle) in "
                f"{self.glute_first} of {self.compared} reps")
        late = self.compared - self.glute_first
        if late and self.late_median_lag_ms is not None:
            after = f" after {display_name(self.late_leader)}" if self.late_leader else " after the first muscle"
            others = "in the other rep" if late == 1 else f"in the other {late}"
            if self.glute_first == 0:
                others = "in that rep" if late == 1 else "in those reps"
            base += f"; {others} it came {'' if late == 1 else 'a median '}{self.late_median_lag_ms:.0f} ms{after}"
        return base + "."

    def to_dict(self) -> dict[str, Any]:
        frac = self.glute_first_fraction
        return {
            "contractions": self.contractions,
            "compared": self.compared,
            "glute_first": self.glute_first,
            "glute_first_fraction": None if frac is None else round(frac, 3),
            "median_glute_lag_ms": None if self.median_glute_lag_ms is None else round(self.median_glute_lag_ms, 1),
            "usual_leader": self.median_leader,
            "late_median_lag_ms": None if self.late_median_lag_ms is None else round(self.late_median_lag_ms, 1),
            "sentence": self.sentence(),
        }


def summarize(contractions: Sequence[Contraction]) -> FiringSummary:
    rows = [c for c in contractions if c.glute_lag_ms is not None]
    if not rows:
        return FiringSummary(len(contractions), 0, 0, None, None)
    leaders = [c.leader for c in rows]
    usual = max(sorted(set(leaders)), key=leaders.count)
    lags = [c.glute_lag_ms for c in rows if c.glute_lag_ms is not None]
    first = sum(1 for c in rows if c.glute_first)
    late = [c for c in rows if not c.glute_first]
    late_lag = float(np.median([c.glute_lag_ms for c in late])) if late else None
    late_leaders = [c.leader for c in late]
    late_leader = max(sorted(set(late_leaders)), key=late_leaders.count) if late else None
    return FiringSummary(len(contractions), len(rows), first, float(np.median(lags)), usual, late_lag, late_leader)


def summary(contractions: Sequence[Contraction]) -> dict[str, Any]:
    """``summarize`` as a JSON-ready dict."""
    return summarize(contractions).to_dict()


class FiringOrderTracker:
    """Live grouping with the offline rule: feed onsets as they are confirmed (any order).

    A contraction starting at t0 is closed once the stream time passes t0 + ``window_s`` +
    ``latency_s`` (by then every onset within the window has been confirmed; onsets are
    confirmed ~60 ms after they happen), so live contractions equal ``firing_order``'s.
    """

    def __init__(self, labels: Sequence[str], window_s: float = DEFAULT_WINDOW_S, latency_s: float = 0.15) -> None:
        self.labels = tuple(labels)
        self.window_s = window_s
        self.latency_s = latency_s
        self._pending: list[tuple[float, int]] = []
        self.contractions: list[Contraction] = []

    def add(self, channel: int, time_s: float) -> None:
        self._pending.append((time_s, channel))

    def poll(self, now_s: float) -> list[Contraction]:
        """Contractions complete by stream time ``now_s``, in time order."""
        closed: list[Contraction] = []
        self._pending.sort()
        while self._pending and now_s > self._pending[0][0] + self.window_s + self.latency_s:
            t0 = self._pending[0][0]
            onsets: dict[str, float] = {}
            rest: list[tuple[float, int]] = []
            for t, ch in self._pending:
                if t <= t0 + self.window_s and self.labels[ch] not in onsets:
                    onsets[self.labels[ch]] = t
                else:
                    rest.append((t, ch))
            self._pending = rest
            closed.append(Contraction.from_onsets(onsets))
        self.contractions += closed
        return closed

    def flush(self) -> list[Contraction]:
        return self.poll(float("inf"))
