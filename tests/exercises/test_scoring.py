"""Roles and rep scores: glute-led within the 20 ms 'together' window, compensation share,
ceilings in %MVIC and by the µV ratio, good reps, set summaries with the probe apart."""

from __future__ import annotations

import pytest

from app.analysis.reps import Rep
from app.exercises.scoring import CEILING_RATIO, RepScore, assign_roles, score_rep, summarize_set

LABELS = ("gluteus_maximus_L", "gluteus_maximus_R", "hamstring_L", "hamstring_R", "lumbar_erector_L", "ch6")


def rep(onset: float, peak: float, mean: float | None = None, above: float = 1.5, unit: str = "%MVIC") -> Rep:
    return Rep(onset, 2.0, above, peak, peak * 0.8 if mean is None else mean, 0.1, unit)


def test_roles_by_muscle_and_side():
    both = assign_roles(LABELS, ("gluteus_maximus",), ("hamstring", "lumbar_erector"))
    assert both.targets == (0, 1) and both.compensators == (2, 3, 4) and both.role(5) == ""
    left = assign_roles(LABELS, ("gluteus_maximus",), ("hamstring",), side="L")
    assert left.targets == (0,) and left.compensators == (2,)
    assert "target Gluteus maximus L; compensators Hamstring L" in left.describe()


def test_glute_led_within_the_together_window_and_late_beyond_it():
    roles = assign_roles(LABELS[:3], ("gluteus_maximus",), ("hamstring",))
    ok = score_rep(1, 1, roles, [rep(1.00, 50), None, rep(1.05, 20)], [1.00, None, 1.05], goal=40)
    assert ok.glute_led and ok.lead_ms == pytest.approx(50) and ok.good
    together = score_rep(1, 2, roles, [rep(1.015, 50), None, rep(1.00, 20)], [1.015, None, 1.00], goal=40)
    assert together.glute_led and together.lead_ms == pytest.approx(-15)
    late = score_rep(1, 3, roles, [rep(1.15, 50), None, rep(1.00, 20)], [1.15, None, 1.00], goal=40)
    assert late.glute_led is False and late.lead_ms == pytest.approx(-150)
    # the goal was reached and no helper went over its ceiling: a good rep, said with its late glute
    assert late.good and late.sentence() == "Rep 3: glute 150 ms late, peak 50% MVIC, 1.5 s above goal — good rep."


def test_compensation_share_and_ceilings_decide_a_good_rep():
    roles = assign_roles(LABELS[:3], ("gluteus_maximus",), ("hamstring",))
    s = score_rep(1, 1, roles, [rep(1.0, 50, mean=40), None, rep(1.05, 45, mean=40)], [1.0, None, 1.05], goal=40)
    assert s.compensation_share == pytest.approx(0.5) and s.compensators_over == ("hamstring_L",) and not s.good
    assert "Hamstring L taking over" in s.sentence()
    weak = score_rep(1, 2, roles, [rep(1.0, 30, above=0.0), None, rep(1.05, 10)], [1.0, None, 1.05], goal=40)
    assert not weak.good and weak.compensators_over == ()  # the glute did not reach its goal
    # without references: a compensator louder than the glute (µV) is taking over
    uv = score_rep(1, 3, roles, [rep(1.0, 100, unit="µV"), None, rep(1.05, 100 * CEILING_RATIO + 1, unit="µV")],
                   [1.0, None, 1.05], goal=50)
    assert uv.compensators_over == ("hamstring_L",) and uv.unit == "µV"
    mixed = score_rep(1, 4, roles, [rep(1.0, 50), None, rep(1.05, 40, unit="µV")], [1.0, None, 1.05], goal=40)
    assert mixed.compensation_share is None  # %MVIC against µV: no share


def test_a_rep_where_the_glute_never_fired():
    roles = assign_roles(LABELS[:3], ("gluteus_maximus",), ("hamstring",))
    s = score_rep(2, 1, roles, [None, None, rep(1.0, 40)], [None, None, 1.0], goal=40)
    assert s.glute_led is None and not s.good and s.sentence().startswith("Rep 1: the glute did not fire")
    d = s.to_dict()
    assert set(d) >= {"set", "rep", "glute_led", "lead_ms", "peak", "unit", "time_above_goal_s",
                      "compensation_share", "good"}


def test_set_summary_keeps_the_probe_apart():
    mk = lambda r, good, probe=False: RepScore(1, r, good, 30.0 if good else -120.0, 50.0, "%MVIC", 1.5,  # noqa: E731
                                               0.3, (), good, probe, not probe)
    summary = summarize_set(1, [mk(1, True), mk(2, True), mk(3, False), mk(4, False, probe=True)])
    assert (summary.reps, summary.good, summary.glute_led) == (3, 2, 2)
    assert summary.probe is not None and summary.probe.rep == 4
    assert summary.sentence().startswith("Set 1: 2 of 3 good reps, glute first in 2, mean peak 50%")
    assert "No-feedback probe: not yet." in summary.sentence()
