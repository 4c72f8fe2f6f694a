"""Simulated people: how the simulated patch's person carries out a prompt.

A guided routine (calibration, an exercise protocol, a screening test) tells the person what to do
with an ``Effort``: which muscles work and how hard a healthy person would work them (a fraction
of each muscle's MVIC amplitude), which of them are the *targets* (the glutes being trained) and,
for one-sided work, which side. A ``Persona`` turns that into per-channel levels and onset delays:

- ``healthy``: the glute leads, the helpers (hamstring, lower back, TFL) follow ~50 ms later at
  their usual level — the normal pattern when the glute is cued (Lewis & Sahrmann 2009, J Athl
  Train 44:238: cueing made onsets near-simultaneous and raised gluteus maximus activity);
- ``amnesia``: "gluteal amnesia" — the hamstring and lumbar erector fire ~150 ms before a weak
  gluteus maximus and take over the work (the seed article's staggered single-leg bridge; delayed
  hip-extensor firing, Nadler et al. 2001);
- ``fatigue``: healthy timing, but the glute's level falls rep by rep and its spectrum compresses
  (median frequency down; Basmajian & De Luca 1985) — the 90%-of-best rule should stop the set;
- ``weak-medius``: the right gluteus medius reaches half its usual level (a positive
  Trendelenburg on the right; Barton et al. 2013 on medius deficits).

Levels are fractions of MVIC, so the %MVIC a calibrated session shows is the level the persona
reached (calibration itself is always a maximal effort of every muscle).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np

from app.errors import UserError
from app.muscles import parse_label

#: how long a prompted contraction takes to build up, and to let go
RISE_S = 0.15
FALL_S = 0.2


@dataclass(frozen=True)
class Effort:
    """What a prompt asks of the person: each muscle (key of ``app.muscles.MUSCLES``) at a
    fraction of its MVIC amplitude, as a healthy person would do it. Muscles not named rest.

    ``targets`` are the muscles being trained (a persona's pattern is about them vs the rest);
    ``side`` ("L"/"R") limits the work to one side (single-leg work); ``all_muscles`` is the
    calibration's "squeeze everything as hard as you can" at ``level``."""

    levels: Mapping[str, float] = field(default_factory=dict)
    targets: tuple[str, ...] = ()
    side: str | None = None
    all_muscles: float | None = None

    @classmethod
    def maximal(cls, fraction: float = 1.0) -> Effort:
        return cls(all_muscles=fraction)

    @property
    def working(self) -> bool:
        return bool(self.all_muscles) or any(v > 0 for v in self.levels.values())


REST = Effort()


@dataclass(frozen=True)
class Persona:
    """How one simulated person departs from the healthy pattern."""

    key: str
    name: str
    description: str
    target_scale: float = 1.0  # share of the healthy level the targets reach
    helper_scale: float = 1.0  # share of the healthy level the other working muscles reach
    helper_delay_s: float = 0.05  # when the helpers start after the targets (< 0: before them)
    fatigue_per_rep: float = 0.0  # the targets lose this share of their level with each rep
    weak: tuple[str, ...] = ()  # channel labels (muscle_side) that reach only ``weak_scale``
    weak_scale: float = 1.0

    def plan(self, labels: tuple[str, ...], effort: Effort, rep: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Per channel: level (fraction of MVIC), onset delay (s) and spectral fatigue (0..1) for
        the ``rep``-th contraction (0-based) of this effort."""
        n = len(labels)
        level, delay, tired = np.zeros(n), np.zeros(n), np.zeros(n)
        if effort.all_muscles is not None:
            return np.full(n, float(effort.all_muscles)), delay, tired
        earliest = min(0.0, self.helper_delay_s)
        for i, label in enumerate(labels):
            m = parse_label(label)
            if m is None or effort.levels.get(m.muscle, 0.0) <= 0:
                continue
            if effort.side is not None and m.side != effort.side:
                continue  # the other leg rests in single-leg work
            base = float(effort.levels[m.muscle])
            if m.muscle in effort.targets:
                drop = min(0.6, self.fatigue_per_rep * rep)
                level[i] = base * self.target_scale * (1.0 - drop)
                delay[i] = -earliest
                tired[i] = min(1.0, 2.5 * drop)
            else:
                level[i] = base * self.helper_scale
                delay[i] = self.helper_delay_s - earliest
            if label in self.weak:
                level[i] *= self.weak_scale
        return np.minimum(level, 1.2), delay, tired


PERSONAS: dict[str, Persona] = {
    p.key: p
    for p in (
        Persona("healthy", "Healthy", "The glute leads; hamstring and lower back follow about 50 ms later."),
        Persona("amnesia", "Gluteal amnesia",
                "The hamstring and lower back fire about 150 ms before a weak gluteus maximus and take over.",
                target_scale=0.45, helper_scale=1.6, helper_delay_s=-0.15),
        Persona("fatigue", "Tiring", "Healthy timing, but the glute's level and median frequency fall rep by rep.",
                fatigue_per_rep=0.06),
        Persona("weak-medius", "Weak right gluteus medius",
                "The right gluteus medius reaches half its usual level (a positive Trendelenburg on the right).",
                weak=("gluteus_medius_R",), weak_scale=0.5),
    )
}
DEFAULT_PERSONA = "healthy"


def persona(key: str) -> Persona:
    """The persona named ``key``; one sentence listing the valid ones otherwise."""
    if key not in PERSONAS:
        raise UserError(f"Unknown persona {key!r}; choose one of: {', '.join(PERSONAS)}.")
    return PERSONAS[key]


class FollowedPrompt:
    """The level of each channel while following prompts, sample by sample: a new working effort
    moves each channel, after its delay, linearly to its level over ``RISE_S``; rest lets go over
    ``FALL_S``. Counts the contractions (for fatigue)."""

    def __init__(self, labels: tuple[str, ...], fs: float, who: Persona) -> None:
        self.labels, self.fs, self.persona = labels, fs, who
        n = len(labels)
        self.level = np.zeros(n)  # fraction of MVIC per channel at the end of the last block
        self._from = np.zeros(n)
        self._goal = np.zeros(n)
        self._start = np.zeros(n, dtype=np.int64)  # sample at which each channel starts to move
        self._rate = np.ones(n)  # fraction of MVIC per sample
        self._tired = np.zeros(n)
        self._effort = REST
        self.contractions = 0

    def follow(self, effort: Effort, at_sample: int) -> None:
        """A new prompt at sample ``at_sample``."""
        if effort == self._effort:
            return
        was_working = self._effort.working
        self._effort = effort
        n = len(self.labels)
        if effort.working:
            goal, delay, tired = self.persona.plan(self.labels, effort, self.contractions)
            if not was_working:
                self.contractions += 1
            start = at_sample + np.round(delay * self.fs).astype(np.int64)
            self._tired = tired
        else:
            goal, start = np.zeros(n), np.full(n, at_sample, dtype=np.int64)
        self._from, self._goal, self._start = self.level.copy(), goal, start
        ramp = np.where(goal >= self.level, RISE_S, FALL_S) * self.fs
        self._rate = np.maximum(np.abs(goal - self.level), 1e-9) / ramp

    def next(self, first_sample: int, n: int) -> tuple[np.ndarray, np.ndarray]:
        """(levels, fatigue), each (channels, n), for samples first_sample .. first_sample + n."""
        k = np.clip(first_sample + np.arange(n)[None, :] - self._start[:, None] + 1, 0, None)
        span = np.abs(self._goal - self._from)[:, None]
        out = self._from[:, None] + np.sign(self._goal - self._from)[:, None] * np.minimum(k * self._rate[:, None], span)
        self.level = out[:, -1].copy()
        return out, np.repeat(self._tired[:, None], n, axis=1)
