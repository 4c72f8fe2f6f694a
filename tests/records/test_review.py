"""A recorded session reviewed afterwards: every rep in the table, in the recording's time, its
traces opened from the file; marks with notes; a plain recording reviewed from its analysis."""

from __future__ import annotations

import numpy as np
import pytest

from app.errors import UserError
from app.records.history import load_history
from app.records.review import build_review, open_recording, rep_trace, review_record
from app.storage.rep_csv import read_rep_csv, rep_csv_path
from app.storage.store import Store


@pytest.fixture
def demo(demo_records):
    s = Store(demo_records)
    yield s
    s.close()


def test_each_rep_of_the_retest_is_a_row_with_its_traces_from_the_recording(demo):
    ann = demo.require_person("P-017")
    base, now = demo.sessions(ann.id)
    review = review_record(now, ann.name)
    assert len(review.rows) == 5 and review.can_show_traces and review.protocol[0].startswith("Glute bridge: 1 × 5")
    assert all(r.glute_led and r.good for r in review.rows) and review.rows[0].unit == "%MVIC"
    assert review.rows[0].cells()[2].startswith("yes, by ")
    rec, note = open_recording(now.csv_path)
    assert rec is not None and note == ""
    for row in review.rows:
        tr = rep_trace(rec, row)
        assert tr.unit == "% MVIC" and tr.t[0] <= row.start_s and tr.t[-1] >= row.end_s
        inside = (tr.t >= row.start_s) & (tr.t <= row.end_s)
        glute = tr.envelope[tr.labels.index("gluteus_maximus_L")]
        assert glute[inside].max() > 3 * np.median(glute[~inside])  # the rep's burst is in its window
    baseline = review_record(base, ann.name)
    assert not any(r.glute_led for r in baseline.rows)
    assert all(r.verdict.startswith("helpers took over") for r in baseline.rows)


def test_the_rep_table_next_to_the_recording_matches_the_records(demo):
    ann = demo.require_person("Ann Example")
    now = demo.sessions(ann.id)[-1]
    rows = read_rep_csv(rep_csv_path(now.csv_path))
    assert now.summary["rep_csv"] == str(rep_csv_path(now.csv_path))
    stored = now.summary["practice"][0]["reps"]
    assert [int(r["rep"]) for r in rows] == [r["rep"] for r in stored]
    assert [float(r["peak"]) for r in rows] == [r["peak"] for r in stored]
    assert rows[0]["exercise"] == "glute_bridge" and rows[0]["good"] == "1" and float(rows[0]["start_s"]) >= 0


def test_a_plain_recording_is_reviewed_from_its_analysis_with_its_marks(demo, tmp_path):
    ann = demo.require_person("Ann Example")
    rec, _ = open_recording(demo.sessions(ann.id)[0].csv_path)
    assert rec is not None
    rec.events.extend([(3.0, "mark 1"), (4.2, "mark 1 note: knee caved in"), (9.0, "mark 2: cue changed")])
    review = build_review({}, exercise="Recording", csv_path=str(rec.path), recording=rec)
    assert len(review.rows) >= 5 and not any(r.glute_led for r in review.rows[:5])  # the 5 prompted reps
    assert [(m.number, m.t_s, m.note) for m in review.marks] == [(1, 3.0, "knee caved in"), (2, 9.0, "cue changed")]
    assert "came a median" in review.sentences[0] and "after Hamstring L" in review.sentences[0], review.sentences


def test_a_session_without_recording_says_why_no_traces(demo):
    review = build_review({"practice": []}, exercise="Clamshell")
    assert not review.can_show_traces and "not recorded" in review.recording_note
    gone = build_review({}, exercise="x", csv_path="/nonexistent/a.csv")
    assert "no longer there" in gone.recording_note
    with pytest.raises(UserError, match="no time"):
        rec, _ = open_recording(demo.sessions(demo.require_person("Ann Example").id)[0].csv_path)
        from app.records.review import RepRow

        rep_trace(rec, RepRow("x", 1, 1, None, None, None, True, 1.0, 1.0, "µV", 0.0, 0.0))


def test_the_history_of_the_example_person(demo):
    h = load_history(demo, demo.require_person("Ann Example"))
    assert [m.exercise for m in h.measures] == ["Glute bridge", "Glute bridge"]
    assert h.retest is not None and h.retest.is_retest and h.retest.days >= 28
    assert "The glute now fires first in 5 of 5 reps, was 0 of 5." in h.retest.lines
    assert any(line.startswith("Trendelenburg: not flagged on") and "was flagged" in line for line in h.screening_lines)
    d = h.to_dict()
    assert d["person"] == "Ann Example" and d["sessions"][1]["glute_led_share"] == 1.0
    assert d["sessions"][0]["peak_mvic_pct"] is not None and set(d["trends"]) >= {"glute_led_share", "peak"}
    assert h.to_dict(pseudonymous=True)["person"] == "P-017"


def test_the_rep_table_never_holds_a_formula(tmp_path):
    from app.storage.rep_csv import write_rep_csv

    practice = [{"exercise": "=HYPERLINK(\"http://x\")", "reps": [{"set": 1, "rep": 1, "lead_ms": -150.0,
                                                               "compensators_over": ["@evil"], "good": False}]}]
    (row,) = read_rep_csv(write_rep_csv(tmp_path / "r.reps.csv", practice))
    assert row["exercise"].startswith("'=") and row["compensators_over"] == "'@evil" and row["lead_ms"] == "-150.0"


def test_a_plain_recording_says_which_counts_are_uncertain():
    from pathlib import Path

    from app.storage.reader import load_recording

    rec = load_recording(Path(__file__).resolve().parents[1] / "data" / "real" / "uci_3Nmar.txt", rate=1000.0)
    review = build_review({}, exercise="Walk", csv_path=str(rec.path), recording=rec)
    said = [x for x in review.sentences if "count may be short" in x]
    assert said == ["ST: the count may be short: 1 rep lasted longer than 1.5 movement cycles (2.1 s), perhaps "
                    "two reps without a rest between."]
