"""What the simulated patch's muscles do: activation profiles with known true onsets.

Each scenario maps time to an activation amplitude per channel (µV RMS) from a per-muscle level
(fraction of MVIC) and a per-muscle delay, so tests know exactly when each muscle starts firing.
Amplitudes at 100% MVIC are typical surface values for these muscles (hundreds of µV RMS; Konrad
2005, "The ABC of EMG"); the right side is set 20% weaker than the left so symmetry shows.
Activation rises within 150-200 ms even when the movement is slower: EMG leads force and motion
(electromechanical delay; Cavanagh & Komi 1979). The exercises come from the product's seed
articles: isometric holds first (10 s on / 10 s off, as in MyoTrac-style protocols), glute
bridges, and the "gluteal amnesia" pattern where the hamstring fires before a weak gluteus
maximus (Nadler et al. 2001).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from app.muscles import parse_label

#: µV RMS at 100% MVIC, per muscle.
MVIC_UV: dict[str, float] = {
    "gluteus_maximus": 300.0,
    "gluteus_medius": 250.0,
    "hamstring": 280.0,
    "lumbar_erector": 200.0,
    "tensor_fasciae_latae": 220.0,
}
RIGHT_SIDE_FACTOR = 0.8
UNKNOWN_MUSCLE_MVIC_UV = 250.0


def mvic_uv(label: str) -> float:
    """The simulated person's amplitude at 100% MVIC for a channel label (µV RMS)."""
    m = parse_label(label)
    mvic = MVIC_UV.get(m.muscle if m else "", UNKNOWN_MUSCLE_MVIC_UV)
    return mvic * RIGHT_SIDE_FACTOR if m is not None and m.side == "R" else mvic



@dataclass(frozen=True)
class MuscleRole:
    """How one muscle takes part in a rep: fraction of MVIC and onset delay after the rep starts."""

    level: float
    delay_s: float = 0.0


@dataclass(frozen=True)
class RepTrain:
    """Periodic contractions: ramp up, hold, ramp down, rest. Onset = start of the ramp."""

    start_s: float
    period_s: float
    ramp_up_s: float
    hold_s: float
    ramp_down_s: float

    @property
    def on_s(self) -> float:
        return self.ramp_up_s + self.hold_s + self.ramp_down_s

    def shape(self, t: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(0..1 profile, rep index) at times ``t`` (negative index before the first rep)."""
        rel = t - self.start_s
        k = np.floor(rel / self.period_s)
        ph = rel - k * self.period_s
        up = np.clip(ph / self.ramp_up_s, 0.0, 1.0)
        down = np.clip((self.on_s - ph) / self.ramp_down_s, 0.0, 1.0)
        prof = np.minimum(up, down)
        prof[(rel < 0) | (ph >= self.on_s)] = 0.0
        return prof, k

    def onsets(self, duration_s: float, delay_s: float) -> list[tuple[float, float]]:
        out = []
        t = self.start_s + delay_s
        while t < duration_s:
            out.append((t, min(t + self.on_s, duration_s)))
            t += self.period_s
        return out


@dataclass(frozen=True)
class Scenario:
    """A named exercise pattern the simulated patch can play."""

    key: str
    name: str
    description: str
    train: RepTrain | None
    roles: dict[str, MuscleRole] = field(default_factory=dict)
    #: amplitude grows by this fraction and the spectrum fatigues fully over ``fatigue_reps`` reps
    fatigue_gain: float = 0.0
    fatigue_reps: int = 0
    short: str = ""  # for a toolbar box; ``name`` says it in full

    @property
    def short_name(self) -> str:
        return self.short or self.name

    @property
    def manual(self) -> bool:
        return self.train is None

    def _role(self, label: str) -> tuple[MuscleRole, float]:
        m = parse_label(label)
        return self.roles.get(m.muscle if m else "", MuscleRole(0.0)), mvic_uv(label)

    def activation(
        self, labels: tuple[str, ...], t: np.ndarray, manual_level: np.ndarray | None = None
    ) -> tuple[np.ndarray, np.ndarray | None]:
        """Activation amplitude (channels, n) in µV RMS and fatigue (channels, n) or None."""
        amp = np.zeros((len(labels), t.size))
        fat = np.zeros_like(amp) if self.fatigue_reps else None
        for i, label in enumerate(labels):
            role, mvic = self._role(label)
            if role.level == 0.0:
                continue
            if self.train is None:
                level = manual_level if manual_level is not None else np.zeros_like(t)
                amp[i] = role.level * mvic * level
                continue
            prof, k = self.train.shape(t - role.delay_s)
            gain = np.ones_like(t)
            if self.fatigue_reps and fat is not None:
                cycle = np.mod(np.maximum(k, 0), self.fatigue_reps) / max(1, self.fatigue_reps - 1)
                gain = 1.0 + self.fatigue_gain * cycle
                fat[i] = cycle
            amp[i] = role.level * mvic * gain * prof
        return amp, fat

    def truth(self, labels: tuple[str, ...], duration_s: float) -> list[list[tuple[float, float]]]:
        """True (onset_s, offset_s) per channel over ``duration_s`` (empty for silent muscles)."""
        out: list[list[tuple[float, float]]] = []
        for label in labels:
            role, _ = self._role(label)
            if role.level == 0.0 or self.train is None:
                out.append([])
            else:
                out.append(self.train.onsets(duration_s, role.delay_s))
        return out


SCENARIOS: dict[str, Scenario] = {
    s.key: s
    for s in (
        Scenario(
            "holds",
            "Isometric holds (10 s on / 10 s off)",
            "Glute squeezes held for 10 s with 10 s rest; the glute leads, helpers follow.",
            RepTrain(start_s=2.0, period_s=20.0, ramp_up_s=0.15, hold_s=9.65, ramp_down_s=0.2),
            {
                "gluteus_maximus": MuscleRole(0.6),
                "gluteus_medius": MuscleRole(0.4, 0.03),
                "hamstring": MuscleRole(0.14, 0.06),
                "lumbar_erector": MuscleRole(0.12, 0.09),
            },
            short="Isometric holds",
        ),
        Scenario(
            "bridges",
            "Glute bridges (reps every 5 s)",
            "Bridge up, hold 1.5 s at the top, lower; a healthy pattern with the glute first.",
            RepTrain(start_s=2.0, period_s=5.0, ramp_up_s=0.2, hold_s=1.8, ramp_down_s=0.6),
            {
                "gluteus_maximus": MuscleRole(0.7),
                "gluteus_medius": MuscleRole(0.35, 0.02),
                "hamstring": MuscleRole(0.35, 0.05),
                "lumbar_erector": MuscleRole(0.25, 0.08),
            },
            short="Glute bridges",
        ),
        Scenario(
            "amnesia",
            "Gluteal amnesia (hamstring first, weak glute)",
            "Bridges where the hamstring fires 150 ms before a weak gluteus maximus.",
            RepTrain(start_s=2.0, period_s=5.0, ramp_up_s=0.2, hold_s=1.8, ramp_down_s=0.6),
            {
                "hamstring": MuscleRole(0.55, 0.0),
                "lumbar_erector": MuscleRole(0.35, 0.06),
                "gluteus_medius": MuscleRole(0.15, 0.12),
                "gluteus_maximus": MuscleRole(0.25, 0.15),
            },
            short="Gluteal amnesia",
        ),
        Scenario(
            "fatigue",
            "Fatiguing bridges (12-rep sets)",
            "Bridge reps where amplitude rises and the median frequency falls rep by rep.",
            RepTrain(start_s=2.0, period_s=5.0, ramp_up_s=0.2, hold_s=2.2, ramp_down_s=0.5),
            {
                "gluteus_maximus": MuscleRole(0.5),
                "gluteus_medius": MuscleRole(0.3, 0.02),
                "hamstring": MuscleRole(0.3, 0.05),
                "lumbar_erector": MuscleRole(0.2, 0.08),
            },
            fatigue_gain=0.4,
            fatigue_reps=12,
            short="Fatiguing bridges",
        ),
        Scenario(
            "manual",
            "Manual (hold the Contract button or Space)",
            "The glute contracts while you hold the button, so you can drive the demo yourself.",
            None,
            {
                "gluteus_maximus": MuscleRole(0.6),
                "gluteus_medius": MuscleRole(0.35),
                "hamstring": MuscleRole(0.2),
                "lumbar_erector": MuscleRole(0.1),
            },
            short="Manual (hold Space)",
        ),
    )
}
DEFAULT_SCENARIO = "holds"
