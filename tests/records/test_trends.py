"""Session measures, the four-week retest in words, trend series and screening changes, from
session summaries shaped as the controller writes them."""

from __future__ import annotations

from app.analysis.mvic import MvicReference
from app.records.measures import measures
from app.records.trends import RETEST_MIN_DAYS, compare, mvic_changes, retest, screening_changes, series


def _rep(rep: int, led: bool, lead: float, peak: float, share: float, good: bool, probe: bool = False) -> dict:
    return {"set": 1, "rep": rep, "side": None, "glute_led": led, "lead_ms": lead, "peak": peak, "unit": "%MVIC",
            "time_above_goal_s": 1.5 if good else 0.0, "compensation_share": share, "good": good,
            "compensators_over": [] if good else ["hamstring_L"], "probe": probe, "feedback": not probe}


def _summary(led: int, n: int = 10, peak: float = 30.0, share: float = 0.6, probe: bool = False) -> dict:
    reps = [_rep(i + 1, i < led, 40.0 if i < led else -150.0, peak, share, i < led) for i in range(n)]
    if probe:
        reps.append(_rep(n + 1, True, 35.0, peak, share, True, probe=True))
    return {"practice": [{"name": "Glute bridge", "goal": 40.0, "reps": reps, "protocol": {"sets": 1, "reps": n}}],
            "firing_order_summary": {"usual_leader": "hamstring_L"}, "symmetry": [{"peak_index_percent": -22.0}]}


def test_measures_of_a_protocol_keep_probes_apart():
    m = measures(_summary(2, probe=True), started="2026-11-01T10:00:00+00:00", exercise="Glute bridge")
    assert (m.reps, m.glute_led, m.compared, m.good_reps, m.probes, m.probe_glute_led) == (10, 2, 10, 2, 1, 1)
    assert m.glute_led_share == 0.2 and m.peak_mvic_pct == 30.0 and m.compensation_share == 0.6
    assert m.median_lead_ms == -150.0 and m.symmetry_percent == -22.0 and m.value("symmetry_percent") == 22.0


def test_measures_of_a_plain_recording_come_from_the_analysis():
    summary = {"reps": {"gluteus_maximus_L": {"count": 4, "mean_peak": 55.0, "unit": "µV",
                                              "total_time_above_target_s": 6.0},
                        "hamstring_L": {"count": 4, "mean_peak": 80.0, "unit": "µV"}},
               "firing_order_summary": {"compared": 4, "glute_first": 1, "median_glute_lag_ms": 120.0}}
    m = measures(summary, exercise="Recording")
    assert (m.reps, m.glute_led, m.compared, m.good_reps) == (4, 1, 4, None)
    assert m.median_lead_ms == -120.0 and m.peak == 55.0 and m.peak_unit == "µV" and m.time_above_goal_s == 1.5


def test_the_four_week_retest_says_the_change_in_words():
    base = measures(_summary(2, peak=25.0, share=0.7), started="2026-11-01T10:00:00+00:00", exercise="Glute bridge",
                    session_id=1)
    mid = measures(_summary(5), started="2026-11-15T10:00:00+00:00", exercise="Glute bridge", session_id=2)
    other = measures(_summary(9), started="2026-11-20T10:00:00+00:00", exercise="Clamshell", session_id=3)
    now = measures(_summary(8, peak=45.0, share=0.4), started="2026-11-29T10:00:00+00:00", exercise="Glute bridge",
                   session_id=4)
    later = measures(_summary(9), started="2026-12-20T10:00:00+00:00", exercise="Glute bridge", session_id=5)
    r = retest([base, mid, other, now, later], exercise="Glute bridge")
    assert r is not None and r.is_retest and r.now.session_id == 4 and r.days == 28 >= RETEST_MIN_DAYS
    assert r.headline.startswith("Four-week retest: Glute bridge, 2026-11-29 against the baseline of 2026-11-01")
    assert "The glute now fires first in 8 of 10 reps, was 2 of 10." in r.lines
    assert "Glute peak 45% MVIC, was 25% MVIC (+20 points)." in r.lines
    assert "Helpers' share of the work 40%, was 70%." in r.lines
    assert "Good reps 8 of 10, was 2 of 10." in r.lines
    early = retest([base, mid])  # two weeks: compared, but not called the retest
    assert early is not None and not early.is_retest and early.headline.startswith("So far:")
    assert retest([base, other]) is None  # nothing of the same exercise to compare with
    assert retest([base]) is None


def test_a_reference_measured_again_between_the_sessions_is_said():
    refs = [MvicReference("gluteus_maximus_L", 300.0, "maximal", 500, 3, recorded_at="2026-10-30T09:00:00+00:00"),
            MvicReference("gluteus_maximus_L", 340.0, "maximal", 500, 3, recorded_at="2026-11-20T09:00:00+00:00")]
    notes = mvic_changes(refs, "2026-11-01T10:00:00+00:00", "2026-11-29T10:00:00+00:00")
    assert notes == ["The %MVIC reference of Gluteus maximus L was measured again on 2026-11-20 (maximal, 340 µV): "
                     "%MVIC before and after are against different references."]
    base = measures(_summary(2), started="2026-11-01T10:00:00+00:00", exercise="Glute bridge")
    now = measures(_summary(8), started="2026-11-29T10:00:00+00:00", exercise="Glute bridge")
    assert compare(base, now, mvic_changes=notes).notes == tuple(notes)


def test_series_and_screening_changes():
    ms = [measures(_summary(k), started=f"2026-11-{d:02d}T10:00:00+00:00", exercise="Glute bridge", session_id=k)
          for k, d in ((2, 1), (5, 15), (8, 29))]
    s = series(ms)
    assert s["glute_led_share"].values == (20.0, 50.0, 80.0) and s["glute_led_share"].higher_is_better
    assert s["peak"].unit == "% MVIC" and not s["compensation_share"].higher_is_better
    assert s["glute_led_share"].dates[0].startswith("2026-11-01")
    lines = screening_changes([
        {"test": "trendelenburg", "title": "Trendelenburg", "taken_at": "2026-11-01T10:00", "flagged": True,
         "verdict": "Right medius weaker."},
        {"test": "trendelenburg", "title": "Trendelenburg", "taken_at": "2026-11-29T10:00", "flagged": False,
         "verdict": "No side difference."}])
    assert lines == ["Trendelenburg: not flagged on 2026-11-29, was flagged on 2026-11-01. No side difference."]
