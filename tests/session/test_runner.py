"""The protocol runner on the simulated person: prompts, per-rep scores, set summary, pause/skip,
faded feedback and probes, the stopping rule; per-persona expectations."""

from __future__ import annotations

import time
from dataclasses import dataclass, field

import pytest

from app.errors import UserError
from app.session.controller import EventType, MemoryTargets, SessionController, SessionOptions, SimulatedChoice

LABELS = ("gluteus_maximus_L", "hamstring_L", "lumbar_erector_L")


@dataclass(frozen=True)
class Drill:
    id: str = "test_bridge"
    name: str = "Test bridge"
    kind: str = "reps"
    targets: tuple[str, ...] = ("gluteus_maximus",)
    compensators: tuple[str, ...] = ("hamstring", "lumbar_erector")
    unilateral: bool = False
    cues: tuple[str, ...] = ("Push the floor away",)
    typical_mvic_pct: dict[str, float] = field(default_factory=lambda: {"gluteus_maximus": 50.0, "hamstring": 25.0,
                                                                      "lumbar_erector": 20.0})


@dataclass(frozen=True)
class Proto:
    sets: int = 1
    reps: int = 5
    hold_s: float = 2.0
    rest_s: float = 2.0
    set_rest_s: float = 3.0
    goal_mvic_pct: float = 40.0


def run_practice(tmp_path, persona: str, drill=None, proto=None, speed: float = 6.0, labels=LABELS, **kw):
    from app.storage.store import Store

    ctl = SessionController(SessionOptions(recordings_dir=tmp_path), MemoryTargets(),
                            store_opener=lambda: Store(tmp_path / "r.sqlite3"))
    events = []
    ctl.listeners.append(events.append)
    ctl.sound_cues = True  # as the window does when it has a sound output
    ctl.connect(SimulatedChoice(labels, scenario="holds", seed=3, speed=speed, persona=persona))
    run = ctl.start_practice(drill or Drill(), proto or Proto(), **kw)
    deadline = time.monotonic() + 60
    while ctl.practice is not None and time.monotonic() < deadline:
        ctl.frame()
        time.sleep(0.01)
    ctl.close()
    return run, events


def test_healthy_person_leads_with_the_glute_and_most_reps_are_good(tmp_path):
    run, events = run_practice(tmp_path, "healthy")
    assert len(run.scores) == 5 and [s.rep for s in run.scores] == [1, 2, 3, 4, 5]
    led = [s for s in run.scores if s.glute_led]
    assert len(led) >= 4 and sum(s.good for s in run.scores) >= 4
    assert all(s.compensation_share is not None and s.compensation_share < 0.45 for s in run.scores)
    (summary,) = run.summaries
    assert summary.reps == 5 and summary.glute_led == len(led)
    types = [e.type for e in events]
    assert types.count(EventType.REP_SCORED) == 5 and EventType.SET_DONE in types
    assert types[-1] is EventType.PRACTICE_FINISHED or EventType.PRACTICE_FINISHED in types
    steps = [e.data.phase for e in events if e.type is EventType.STEP]
    assert steps[:4] == ["ready", "hold", "rest", "hold"] and steps[-1] == "done"


def test_amnesia_hamstring_leads_by_about_150_ms_and_takes_over(tmp_path):
    run, events = run_practice(tmp_path, "amnesia")
    assert len(run.scores) == 5
    not_led = [s for s in run.scores if s.glute_led is False]
    assert len(not_led) >= 4
    leads = sorted(-s.lead_ms for s in not_led)
    assert 110 <= leads[len(leads) // 2] <= 200, leads
    assert all("hamstring_L" in s.compensators_over for s in not_led) and not any(s.good for s in not_led)
    assert EventType.TAKING_OVER in [e.type for e in events]


@pytest.mark.parametrize("persona, good", [("healthy", True), ("amnesia", False)])
def test_the_library_bridge_without_references_passes_healthy_and_not_amnesia(tmp_path, persona, good):
    # in µV (nobody calibrated) a healthy bridge's hamstring is ~0.75 of the glute: a helper, not taking over
    from app.exercises.library import LIBRARY

    run, _ = run_practice(tmp_path, persona, drill=LIBRARY["glute_bridge"], proto=Proto(reps=3, hold_s=1.5, rest_s=1.5))
    assert len(run.scores) == 3 and all(s.unit == "µV" for s in run.scores)
    assert sum(s.good for s in run.scores) == (3 if good else 0)
    assert all(bool(s.compensators_over) is not good for s in run.scores)


def test_a_contraction_outside_the_holds_is_not_the_sets_best(tmp_path):
    # found in CI: a burst the analysis saw outside the exercise's holds (there: before the first
    # prompt) became "your best (rep 1)" and the 90% rule ended a healthy set; the rule now runs
    # on the exercise's own scored reps. Here a maximal squeeze during the first rest.
    ctl = SessionController(SessionOptions(recordings_dir=tmp_path), MemoryTargets())
    events = []
    ctl.listeners.append(events.append)
    ctl.connect(SimulatedChoice(LABELS, scenario="holds", seed=3, speed=2.0, persona="healthy"))
    run = ctl.start_practice(Drill(), Proto(reps=4, hold_s=1.5, rest_s=3.0))
    src = ctl.source
    deadline = time.monotonic() + 40
    state = "waiting"
    while ctl.practice is not None and time.monotonic() < deadline:
        st = run.state()
        in_first_rest = st.step.phase == "rest" and st.step.rep == 1
        if state == "waiting" and in_first_rest and st.seconds_left < 2.4:
            src.cue(1.0)  # "let me feel it properly": everything at once, between reps
            state = "squeezing"
        elif state == "squeezing" and (not in_first_rest or st.seconds_left < 1.6):
            src.cue(0.0)
            state = "done"
        ctl.frame()
        time.sleep(0.005)
    glute = ctl.live.snapshot().channels[0]
    ctl.close()
    peaks = [r.peak for r in glute.reps]
    assert state == "done" and len(peaks) == 5 and peaks[1] > 1.5 * max(peaks[0], *peaks[2:])  # the analysis saw it
    assert len(run.scores) == 4 and not run.done_for_today
    assert EventType.DONE_FOR_TODAY not in [e.type for e in events]


def test_unknown_channels_for_the_drill_are_a_sentence(tmp_path):
    ctl = SessionController(SessionOptions(recordings_dir=tmp_path))
    ctl.connect(SimulatedChoice(("hamstring_L",)))
    with pytest.raises(UserError, match="no channel is on it"):
        ctl.start_practice(Drill(), Proto())
    ctl.close()


def test_faded_feedback_and_a_probe_per_set(tmp_path):
    run, events = run_practice(tmp_path, "healthy", proto=Proto(sets=2, reps=4, hold_s=1.5, rest_s=1.5, set_rest_s=2.0),
                               faded=True, probes=True)
    by_set = {s: [r for r in run.scores if r.set == s] for s in (1, 2)}
    assert [r.feedback for r in by_set[1]] == [True, True, True, False]
    assert [r.feedback for r in by_set[2]] == [True, False, True, False]
    assert [r.probe for r in by_set[2]] == [False, False, False, True]
    assert all(s.probe is not None and s.reps == 3 for s in run.summaries)  # the probe is kept apart


def test_one_sided_drill_does_each_side(tmp_path):
    labels = ("gluteus_maximus_L", "gluteus_maximus_R", "hamstring_L", "hamstring_R")
    run, _ = run_practice(tmp_path, "healthy", drill=Drill(unilateral=True), proto=Proto(reps=2, hold_s=1.5, rest_s=1.5),
                          labels=labels)
    assert [(s.side, s.rep) for s in run.scores] == [("L", 1), ("L", 2), ("R", 1), ("R", 2)]
    assert all(s.glute_led for s in run.scores)


def test_fatigue_stops_the_set_with_the_90_percent_rule(tmp_path):
    run, events = run_practice(tmp_path, "fatigue", proto=Proto(reps=12, hold_s=1.5, rest_s=1.5))
    assert run.done_for_today.startswith("Gluteus maximus L — Done for today: reps ")
    assert len(run.scores) < 12  # stopped early
    assert EventType.DONE_FOR_TODAY in [e.type for e in events]
    (summary,) = run.summaries  # the set cut short by the rule still gets its summary
    assert summary.reps == len(run.scores) and not run.stopped_early


def test_stopping_an_exercise_midway_keeps_its_reps_in_the_records(tmp_path):
    from app.storage.store import Store

    store = Store(tmp_path / "r.sqlite3")
    ctl = SessionController(SessionOptions(recordings_dir=tmp_path), MemoryTargets(), store=store)
    events = []
    ctl.listeners.append(events.append)
    ctl.connect(SimulatedChoice(LABELS, scenario="holds", seed=3, speed=6.0, persona="healthy"))
    run = ctl.start_practice(Drill(), Proto(sets=2, reps=4, hold_s=1.5, rest_s=1.5))
    deadline = time.monotonic() + 30
    while len(run.scores) < 2 and time.monotonic() < deadline:
        ctl.frame()
        time.sleep(0.01)
    ctl.stop_practice()  # the patient has had enough after two reps
    ctl.close()
    assert run.stopped_early and [s.reps for s in run.summaries] == [len(run.scores)]
    assert EventType.SET_DONE in [e.type for e in events]
    (session,) = store.all_sessions()
    (kept,) = session.summary["practice"]
    assert kept["stopped_early"] is True and len(kept["reps"]) == len(run.scores) >= 2 and len(kept["sets"]) == 1
    store.close()


def run_screen(tmp_path, persona: str, test_id: str, labels):
    from app.exercises.screening import screening_test
    from app.storage.store import Store

    store = Store(tmp_path / "r.sqlite3")
    ctl = SessionController(SessionOptions(recordings_dir=tmp_path), MemoryTargets(), store=store)
    events = []
    ctl.listeners.append(events.append)
    ctl.connect(SimulatedChoice(labels, scenario="holds", seed=4, speed=8.0, persona=persona))
    run = ctl.start_screening(screening_test(test_id))
    deadline = time.monotonic() + 60
    while ctl.practice is not None and time.monotonic() < deadline:
        ctl.frame()
        time.sleep(0.01)
    ctl.close()
    (card,) = [e.data for e in events if e.type is EventType.SCREENING_RESULT]
    saved = store._db.execute("SELECT test, flagged FROM screening").fetchall()
    store.close()
    return run, card, saved


SLB = ("gluteus_maximus_L", "gluteus_maximus_R", "hamstring_L", "hamstring_R")


def test_single_leg_bridge_screen_flags_amnesia_on_both_sides_and_passes_healthy(tmp_path):
    _, card, saved = run_screen(tmp_path / "a", "amnesia", "single_leg_bridge", SLB)
    assert card.flagged and "hamstring leads the glute on the left and right side" in card.verdict
    assert card.lines[0].startswith("Left: glute first in 0 of 3; the glute came a median 1")
    assert saved == [("single_leg_bridge", 1)]
    _, ok, _ = run_screen(tmp_path / "h", "healthy", "single_leg_bridge", SLB)
    assert not ok.flagged and ok.verdict == "The glute leads the hamstring on both sides."


def test_trendelenburg_finds_the_weak_right_medius(tmp_path):
    labels = ("gluteus_medius_L", "gluteus_medius_R", "tensor_fasciae_latae_L", "tensor_fasciae_latae_R")
    _, card, _ = run_screen(tmp_path, "weak-medius", "trendelenburg", labels)
    si = card.data["symmetry_index_percent"]
    # half the level, and (in µV, uncalibrated) the simulated right side is 20% weaker too: -86 %
    assert card.flagged and -95 < si < -50 and card.verdict.startswith("The right gluteus medius reaches")
    assert card.data["flag_beyond_percent"] == 35.0  # in µV, uncalibrated: only a large gap is flagged
    _, ok, _ = run_screen(tmp_path / "h", "healthy", "trendelenburg", labels)
    # the healthy simulated right side reads ~20 % lower in µV (its electrodes), no weakness
    assert not ok.flagged and ok.verdict.startswith("No side difference beyond what the electrodes")


def test_hip_drive_screen_says_the_lower_back_starts_in_amnesia(tmp_path):
    labels = ("gluteus_maximus_L", "lumbar_erector_L", "hamstring_L")
    _, card, _ = run_screen(tmp_path, "amnesia", "hip_drive", labels)
    assert card.flagged and card.verdict.startswith("The lower back starts the movement")
