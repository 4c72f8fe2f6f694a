"""A protocol laid out in time: get ready, hold / rest per rep, rest between sets — with the
feedback schedule and the retention probes.

**Faded feedback** (``faded=True``): feedback after every trial helps during practice but gives
the worst retention; reduced, faded feedback retains better (Winstein, Pohl & Lewthwaite 1994,
Res Q Exerc Sport 65:316, the guidance hypothesis; on a 60 % MVC isometric task: Aoyagi et al.
2019, J Phys Ther Sci 31:687). So the first set shows the live display on every rep, and set *k*
on every *k*-th rep (1, 1/2, 1/3 … of the reps); the result is shown after each rep either way.
**Retention probe** (``probes=True``): the last rep of each set is done without any live feedback
and scored apart, so practice with feedback and performance without it can be compared.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol as TypingProtocol

from app.devices.personas import Effort

READY_S = 3.0  # time to get into position, and for the onset detector's 2 s rest baseline


class ProtocolLike(TypingProtocol):
    @property
    def sets(self) -> int: ...
    @property
    def reps(self) -> int: ...
    @property
    def hold_s(self) -> float: ...
    @property
    def rest_s(self) -> float: ...
    @property
    def set_rest_s(self) -> float: ...
    @property
    def goal_mvic_pct(self) -> float: ...


class DrillLike(TypingProtocol):
    """What the runner needs of an exercise or a screening test."""

    @property
    def id(self) -> str: ...
    @property
    def name(self) -> str: ...
    @property
    def kind(self) -> str: ...
    @property
    def targets(self) -> tuple[str, ...]: ...
    @property
    def compensators(self) -> tuple[str, ...]: ...
    @property
    def unilateral(self) -> bool: ...
    @property
    def cues(self) -> tuple[str, ...]: ...
    @property
    def typical_mvic_pct(self) -> dict[str, float]: ...


@dataclass(frozen=True)
class Step:
    """One stretch of the protocol: what to do and for how long."""

    phase: str  # "ready" | "hold" | "rest" | "set rest" | "done"
    seconds: float
    set: int = 0
    rep: int = 0
    side: str | None = None
    feedback: bool = True  # the live display (and its sounds) during this step
    probe: bool = False
    text: str = ""

    @property
    def working(self) -> bool:
        return self.phase == "hold"


def effort_for(drill: DrillLike, side: str | None = None) -> Effort:
    """What the drill asks of a (simulated) person: each muscle at its typical level."""
    levels = {m: pct / 100.0 for m, pct in drill.typical_mvic_pct.items() if pct > 0}
    return Effort(levels, targets=tuple(drill.targets), side=side)


def feedback_schedule(sets: int, reps: int, faded: bool, probes: bool) -> list[list[tuple[bool, bool]]]:
    """Per set, per rep: (live feedback shown, retention probe)."""
    out = []
    for s in range(1, sets + 1):
        row = []
        for r in range(1, reps + 1):
            probe = probes and r == reps and reps >= 2
            shown = not probe and (not faded or s == 1 or (r - 1) % s == 0)
            row.append((shown, probe))
        out.append(row)
    return out


def plan_steps(drill: DrillLike, protocol: ProtocolLike, sides: tuple[str | None, ...] = (None,),
               faded: bool = False, probes: bool = False, ready_s: float = READY_S) -> list[Step]:
    """The whole protocol as steps; one-sided drills do every set on each side in turn."""
    cue = drill.cues[0] if drill.cues else ""
    hold_word = "Hold" if drill.kind == "hold" else "Up and hold"
    steps = [Step("ready", ready_s, text=f"Get ready: {drill.name}. Relax for a moment.")]
    schedule = feedback_schedule(protocol.sets, protocol.reps, faded, probes)
    for s in range(1, protocol.sets + 1):
        for k, side in enumerate(sides):
            where = f" ({'left' if side == 'L' else 'right'} side)" if side else ""
            for r in range(1, protocol.reps + 1):
                shown, probe = schedule[s - 1][r - 1]
                say = f"{hold_word}{where}" + (f": {cue.lower().rstrip('.')}" if cue and r == 1 else "")
                steps.append(Step("hold", protocol.hold_s, s, r, side, shown, probe,
                                  say + (" — no screen this time" if probe else "")))
                last = r == protocol.reps and k == len(sides) - 1
                if not last:
                    steps.append(Step("rest", protocol.rest_s, s, r, side, True, False,
                                      "Relax" if r < protocol.reps else "Relax; change sides"))
        if s < protocol.sets:
            steps.append(Step("set rest", protocol.set_rest_s, s, protocol.reps, None, True, False,
                              f"Set {s} done. Rest."))
    steps.append(Step("done", 1.5, protocol.sets, protocol.reps, None, True, False, "All done. Relax."))
    return steps
