"""Firing order per contraction: which muscle fired first and by how much the others lagged.

The measurable form of "gluteal amnesia" (delayed gluteus maximus / medius activation with the
hamstrings or lumbar erectors leading; Nadler et al. 2001; Hungerford, Gilleard & Hodges 2003,
Spine 28:1593, for onset-latency comparisons between hip and trunk muscles). Onsets from
``app.dsp.onset`` of all channels are grouped into contractions: a contraction starts at the
earliest unassigned onset and takes, per channel, the first onset within ``window_s`` after it.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from app.dsp.onset import Burst
from app.muscles import display_name, parse_label


@dataclass(frozen=True)
class Contraction:
    """One rep: onset time per channel that fired (s), the leader and everyone's lag (ms)."""

    start_s: float
    onsets: dict[str, float]
    leader: str
    lags_ms: dict[str, float] = field(default_factory=dict)

    def sentence(self) -> str:
        """'Hamstring L led Gluteus maximus L by 150 ms' (the glute, if present, is named)."""
        if len(self.onsets) < 2:
            return f"Only {display_name(self.leader)} fired."
        glutes = [lb for lb in self.onsets if _is_glute(lb)]
        if glutes and self.leader not in glutes:
            g = min(glutes, key=lambda lb: self.lags_ms[lb])
            return f"{display_name(self.leader)} led {display_name(g)} by {self.lags_ms[g]:.0f} ms"
        other = max((lb for lb in self.onsets if lb != self.leader), key=lambda lb: self.lags_ms[lb])
        return f"{display_name(self.leader)} fired first; {display_name(other)} followed {self.lags_ms[other]:.0f} ms later"

    def to_dict(self) -> dict:
        return {
            "start_s": round(self.start_s, 4),
            "leader": self.leader,
            "lags_ms": {k: round(v, 1) for k, v in self.lags_ms.items()},
            "sentence": self.sentence(),
        }


def _is_glute(label: str) -> bool:
    m = parse_label(label)
    return m is not None and m.muscle.startswith("gluteus")


def firing_order(bursts: list[list[Burst]], labels: tuple[str, ...], window_s: float = 0.5) -> list[Contraction]:
    """Group onsets of all channels into contractions (needs at least two channels to compare)."""
    pending = sorted((b.onset_s, ch) for ch, bs in enumerate(bursts) for b in bs)
    used: set[tuple[float, int]] = set()
    out: list[Contraction] = []
    for t0, ch0 in pending:
        if (t0, ch0) in used:
            continue
        onsets: dict[str, float] = {}
        for t, ch in pending:
            if (t, ch) in used or t < t0 or t > t0 + window_s or labels[ch] in onsets:
                continue
            onsets[labels[ch]] = t
            used.add((t, ch))
        leader = min(onsets, key=lambda lb: onsets[lb])
        lags = {lb: (t - onsets[leader]) * 1000.0 for lb, t in onsets.items()}
        out.append(Contraction(t0, onsets, leader, lags))
    return out


def summary(contractions: list[Contraction]) -> dict:
    """Over all contractions with a glute and another muscle: how often and how late the glute was."""
    rows = [c for c in contractions if len(c.onsets) >= 2 and any(_is_glute(lb) for lb in c.onsets)]
    if not rows:
        return {"contractions": len(contractions), "compared": 0}
    glute_first = sum(1 for c in rows if _is_glute(c.leader))
    lag = [min(c.lags_ms[lb] for lb in c.onsets if _is_glute(lb)) for c in rows]
    return {
        "contractions": len(contractions),
        "compared": len(rows),
        "glute_first_fraction": round(glute_first / len(rows), 3),
        "median_glute_lag_ms": round(float(np.median(lag)), 1),
    }
