"""A protocol in time: steps, sides, the faded-feedback schedule and probes."""

from __future__ import annotations

from dataclasses import dataclass, field

from app.devices.personas import Effort
from app.exercises.plan import effort_for, feedback_schedule, plan_steps


@dataclass(frozen=True)
class Drill:
    id: str = "d"
    name: str = "Clamshell"
    kind: str = "reps"
    targets: tuple[str, ...] = ("gluteus_medius",)
    compensators: tuple[str, ...] = ("tensor_fasciae_latae",)
    unilateral: bool = True
    cues: tuple[str, ...] = ("Knees slightly bent.",)
    typical_mvic_pct: dict[str, float] = field(default_factory=lambda: {"gluteus_medius": 60.0, "tensor_fasciae_latae": 20.0})


@dataclass(frozen=True)
class Proto:
    sets: int = 2
    reps: int = 3
    hold_s: float = 2.0
    rest_s: float = 1.0
    set_rest_s: float = 5.0
    goal_mvic_pct: float = 40.0


def test_steps_cover_every_rep_on_each_side_with_rests_between():
    steps = plan_steps(Drill(), Proto(), sides=("L", "R"))
    holds = [(s.set, s.side, s.rep) for s in steps if s.phase == "hold"]
    assert holds == [(1, "L", 1), (1, "L", 2), (1, "L", 3), (1, "R", 1), (1, "R", 2), (1, "R", 3),
                     (2, "L", 1), (2, "L", 2), (2, "L", 3), (2, "R", 1), (2, "R", 2), (2, "R", 3)]
    phases = [s.phase for s in steps]
    assert phases[0] == "ready" and phases[-1] == "done" and phases.count("set rest") == 1
    assert steps[1].text == "Up and hold (left side): knees slightly bent" and "change sides" in steps[6].text
    total = sum(s.seconds for s in steps)
    assert total == 3 + 12 * 2 + 10 * 1 + 5 + 1.5


def test_faded_schedule_shows_less_each_set_and_one_probe_per_set():
    plain = feedback_schedule(3, 4, faded=False, probes=False)
    assert all(shown and not probe for row in plain for shown, probe in row)
    faded = feedback_schedule(3, 4, faded=True, probes=True)
    assert [s for s, _ in faded[0]] == [True, True, True, False]
    assert [s for s, _ in faded[1]] == [True, False, True, False]
    assert [s for s, _ in faded[2]] == [True, False, False, False]
    assert all([p for _, p in row] == [False, False, False, True] for row in faded)


def test_effort_for_a_drill_is_its_typical_levels():
    e = effort_for(Drill(), "R")
    assert e == Effort({"gluteus_medius": 0.6, "tensor_fasciae_latae": 0.2}, targets=("gluteus_medius",), side="R")
