"""A person's sessions over time and the four-week retest, in numbers and in words.

Seed 004 asks to "retest after four weeks": the baseline is the person's first session of an
exercise, the retest the first one at least ``RETEST_MIN_DAYS`` later (three weeks and more, so a
retest a few days early still counts), else the latest one is compared as "so far". Sessions of
different exercises are not compared with each other (activation differs by drill: Reiman et al.
2012), and µV across days is only compared with a warning (electrode placement and skin change it;
%MVIC is what can be compared: Halaki & Ginn 2012). A %MVIC reference re-measured between the two
sessions is said, so a change of reference is not read as a change of the person.
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from app.muscles import display_name
from app.records.measures import TREND_MEASURES, SessionMeasures

RETEST_DAYS = 28
RETEST_MIN_DAYS = 21


def _day(iso: str) -> _dt.date:
    return _dt.date.fromisoformat(iso[:10])


@dataclass(frozen=True)
class Retest:
    """Baseline vs now for one exercise, with the change in words."""

    exercise: str
    baseline: SessionMeasures
    now: SessionMeasures
    days: int
    is_retest: bool  # now is the four-week retest (not just the latest session so far)
    lines: tuple[str, ...]
    notes: tuple[str, ...] = ()

    @property
    def headline(self) -> str:
        when = "Four-week retest" if self.is_retest else "So far"
        return (f"{when}: {self.exercise}, {self.now.date} against the baseline of {self.baseline.date} "
                f"({self.days} days).")

    def text(self) -> str:
        return "\n".join([self.headline, *self.lines, *self.notes])

    def to_dict(self) -> dict[str, Any]:
        return {"exercise": self.exercise, "baseline": self.baseline.date, "baseline_session": self.baseline.session_id,
                "now": self.now.date, "now_session": self.now.session_id, "days": self.days,
                "is_retest": self.is_retest, "headline": self.headline, "lines": list(self.lines),
                "notes": list(self.notes)}


def _of(n: int | None, total: int | None) -> str:
    return f"{n or 0} of {total}"


def _lead_words(ms: float | None, leader: str | None) -> str:
    if ms is None:
        return "not compared"
    who = display_name(leader) if leader and ms < 0 else "the helpers"
    if abs(ms) <= 20:
        return f"together with {who}"
    return f"{abs(ms):.0f} ms {'ahead of' if ms > 0 else 'behind'} {who}"


def _peak_text(m: SessionMeasures) -> str:
    unit = "% MVIC" if m.peak_unit.startswith("%") else f" {m.peak_unit or 'µV'}"
    return f"{m.peak:.0f}{unit}" if m.peak is not None else "not measured"


def compare(baseline: SessionMeasures, now: SessionMeasures, *, mvic_changes: Sequence[str] = ()) -> Retest:
    """The change between two sessions of one exercise, one sentence per measure that both have."""
    lines: list[str] = []
    notes: list[str] = []
    if now.compared and baseline.compared:
        lines.append(f"The glute now fires first in {_of(now.glute_led, now.compared)} reps, "
                     f"was {_of(baseline.glute_led, baseline.compared)}.")
    if now.median_lead_ms is not None and baseline.median_lead_ms is not None:
        lines.append(f"Its onset is now {_lead_words(now.median_lead_ms, now.usual_leader)}, "
                     f"was {_lead_words(baseline.median_lead_ms, baseline.usual_leader)}.")
    if now.peak is not None and baseline.peak is not None:
        change = ""
        if now.peak_unit == baseline.peak_unit and now.peak_unit.startswith("%"):
            change = f" ({now.peak - baseline.peak:+.0f} points)"
        elif now.peak_unit == baseline.peak_unit and baseline.peak > 0:
            change = f" ({(now.peak / baseline.peak - 1) * 100:+.0f}%)"
            notes.append("Peaks are in µV: electrode placement and skin change them from day to day; "
                         "calibrate (%MVIC) to compare strength across sessions.")
        lines.append(f"Glute peak {_peak_text(now)}, was {_peak_text(baseline)}{change}.")
    if now.good_reps is not None and baseline.good_reps is not None:
        lines.append(f"Good reps {_of(now.good_reps, now.reps)}, was {_of(baseline.good_reps, baseline.reps)}.")
    if now.compensation_share is not None and baseline.compensation_share is not None:
        lines.append(f"Helpers' share of the work {now.compensation_share * 100:.0f}%, "
                     f"was {baseline.compensation_share * 100:.0f}%.")
    if now.symmetry_percent is not None and baseline.symmetry_percent is not None:
        lines.append(f"Left/right symmetry index {now.symmetry_percent:+.0f}%, was {baseline.symmetry_percent:+.0f}%.")
    if not lines:
        lines.append("These two sessions have no measure in common to compare.")
    notes += list(mvic_changes)
    days = (_day(now.started) - _day(baseline.started)).days
    return Retest(now.exercise, baseline, now, days, days >= RETEST_MIN_DAYS, tuple(lines), tuple(notes))


def _moment(iso: str) -> _dt.datetime:
    t = _dt.datetime.fromisoformat(iso)
    return t if t.tzinfo is not None else t.astimezone()


def mvic_changes(references: Sequence[Any], start: str, end: str) -> list[str]:
    """'The %MVIC reference of Gluteus maximus L was measured again on 2026-11-20.' for each
    reference recorded after ``start`` and before ``end`` (``MvicReference`` objects)."""
    out = []
    t0, t1 = _moment(start), _moment(end)
    for r in references:
        when = str(getattr(r, "recorded_at", "") or "")
        if when and t0 < _moment(when) <= t1:
            out.append(f"The %MVIC reference of {display_name(r.label)} was measured again on {when[:10]} "
                       f"({r.method}, {r.value_uv:.0f} µV): %MVIC before and after are against different references.")
    return out


def against_baseline(sessions: Sequence[SessionMeasures], now: SessionMeasures,
                     references: Sequence[Any] = ()) -> Retest | None:
    """``now`` against the first earlier session of its exercise (a report's "since the
    baseline"); None when it is the first."""
    same = sorted((m for m in sessions if m.exercise == now.exercise and m.started < now.started
                   and (m.reps or m.compared)), key=lambda m: m.started)
    if not same:
        return None
    return compare(same[0], now, mvic_changes=mvic_changes(references, same[0].started, now.started))


def retest(sessions: Sequence[SessionMeasures], exercise: str | None = None,
           references: Sequence[Any] = ()) -> Retest | None:
    """Baseline vs the four-week retest (or the latest session) of ``exercise`` (default: the
    latest session's exercise); None with fewer than two such sessions."""
    usable = [m for m in sessions if m.reps or m.compared]
    if not usable:
        return None
    name = exercise or usable[-1].exercise
    same = sorted((m for m in usable if m.exercise == name), key=lambda m: m.started)
    if len(same) < 2:
        return None
    base = same[0]
    later = [m for m in same[1:] if (_day(m.started) - _day(base.started)).days >= RETEST_MIN_DAYS]
    now = later[0] if later else same[-1]
    return compare(base, now, mvic_changes=mvic_changes(references, base.started, now.started))


@dataclass(frozen=True)
class Series:
    """One measure across sessions, for a trend plot."""

    key: str
    title: str
    unit: str
    higher_is_better: bool
    dates: tuple[str, ...]
    values: tuple[float, ...]
    session_ids: tuple[int | None, ...] = field(default=())

    def to_dict(self) -> dict[str, Any]:
        return {"title": self.title, "unit": self.unit, "higher_is_better": self.higher_is_better,
                "dates": list(self.dates), "values": [round(v, 2) for v in self.values]}


def series(sessions: Sequence[SessionMeasures]) -> dict[str, Series]:
    """Each trend measure over the sessions that have it (oldest first). The peak's unit is the
    newest session's; sessions in another unit are left out of that plot."""
    out: dict[str, Series] = {}
    ordered = sorted(sessions, key=lambda m: m.started)
    peak_unit = next((m.peak_unit for m in reversed(ordered) if m.peak is not None), "")
    for key, (title, unit, better) in TREND_MEASURES.items():
        if key == "peak":
            unit = "% MVIC" if peak_unit.startswith("%") else peak_unit or "µV"
        pts = [(m, v) for m in ordered if (key != "peak" or m.peak_unit == peak_unit)
               and (v := m.value(key)) is not None]
        if pts:
            out[key] = Series(key, title, unit, better, tuple(m.started for m, _ in pts),
                              tuple(v for _, v in pts), tuple(m.session_id for m, _ in pts))
    return out


def screening_changes(results: Sequence[Mapping[str, Any]]) -> list[str]:
    """First vs latest result of each screening test, in words."""
    by_test: dict[str, list[Mapping[str, Any]]] = {}
    for r in sorted(results, key=lambda r: str(r.get("taken_at", ""))):
        by_test.setdefault(str(r.get("test")), []).append(r)
    out = []
    for rs in by_test.values():
        first, last = rs[0], rs[-1]
        title = str(last.get("title") or last.get("test"))
        state = "flagged" if last.get("flagged") else "not flagged"
        if len(rs) == 1:
            out.append(f"{title} ({str(last.get('taken_at'))[:10]}): {state}. {last.get('verdict', '')}".strip())
        else:
            was = "flagged" if first.get("flagged") else "not flagged"
            out.append(f"{title}: {state} on {str(last.get('taken_at'))[:10]}, was {was} on "
                       f"{str(first.get('taken_at'))[:10]}. {last.get('verdict', '')}".strip())
    return out
