"""A person's history: their sessions (filtered), each session's measures, the trends, the
four-week retest, their screening results and %MVIC references, ready for a view, a report or
``glutefire history --json``."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from app.analysis.mvic import MvicReference
from app.records.measures import SessionMeasures, record_measures
from app.records.trends import Retest, Series, retest, screening_changes, series
from app.storage.store import Person, SessionRecord, Store


@dataclass(frozen=True)
class History:
    person: Person
    sessions: tuple[SessionRecord, ...]
    measures: tuple[SessionMeasures, ...]
    series: dict[str, Series]
    retest: Retest | None
    screenings: tuple[dict[str, Any], ...]
    screening_lines: tuple[str, ...]
    references: tuple[MvicReference, ...]

    @property
    def exercises(self) -> list[str]:
        return list(dict.fromkeys(m.exercise for m in self.measures))

    def to_dict(self, pseudonymous: bool = False) -> dict[str, Any]:
        p = self.person
        return {
            "person": p.shown(pseudonymous),
            "pseudonym": p.pseudonym or None,
            "sides": list(p.sides),
            "sessions": [_session_dict(m) for m in self.measures],
            "trends": {k: s.to_dict() for k, s in self.series.items()},
            "retest": self.retest.to_dict() if self.retest else None,
            "screening": [{"test": r.get("test"), "taken_at": r.get("taken_at"), "flagged": r.get("flagged"),
                           "verdict": r.get("verdict")} for r in self.screenings],
            "mvic_references": [r.to_dict() for r in self.references],
        }


def _session_dict(m: SessionMeasures) -> dict[str, Any]:
    share = m.glute_led_share
    return {
        "session": m.session_id, "started": m.started, "exercise": m.exercise, "reps": m.reps,
        "good_reps": m.good_reps, "glute_led": m.glute_led, "compared": m.compared,
        "glute_led_share": None if share is None else round(share, 3),
        "median_lead_ms": m.median_lead_ms, "peak": None if m.peak is None else round(m.peak, 2),
        "peak_unit": m.peak_unit, "peak_mvic_pct": None if m.peak_mvic_pct is None else round(m.peak_mvic_pct, 2),
        "time_above_goal_s": None if m.time_above_goal_s is None else round(m.time_above_goal_s, 2),
        "compensation_share": None if m.compensation_share is None else round(m.compensation_share, 3),
        "symmetry_percent": m.symmetry_percent, "fatigue_percent_per_min": m.fatigue_percent_per_min,
        "csv": m.csv_path,
    }


def load_history(store: Store, person: Person, exercise: str | None = None, since: str | None = None,
                 until: str | None = None) -> History:
    """``person``'s sessions (``exercise`` a part of the name, ``since``/``until`` ISO dates)."""
    sessions = store.sessions(person.id, exercise=exercise, since=since, until=until)
    ms = [record_measures(s) for s in sessions]
    refs = store.mvic_history(person.id)
    results = store.screenings(person.id)
    if since:
        results = [r for r in results if str(r.get("taken_at", ""))[:10] >= since[:10]]
    if until:
        results = [r for r in results if str(r.get("taken_at", ""))[:10] <= until[:10]]
    return History(person, tuple(sessions), tuple(ms), series(ms), retest(ms, references=refs), tuple(results),
                   tuple(screening_changes(results)), tuple(refs))


def format_measure(key: str, m: SessionMeasures | None) -> str:
    """One measure of a session as a table shows it ('' when the session does not have it)."""
    if m is None:
        return ""
    if key == "glute_led":
        return "" if not m.compared else f"{m.glute_led or 0} of {m.compared}"
    if key == "good":
        return "" if m.good_reps is None else f"{m.good_reps} of {m.reps}"
    v = m.value(key)
    if v is None:
        return ""
    if key == "peak":
        return f"{v:.0f}% MVIC" if m.peak_unit.startswith("%") else f"{v:.0f} {m.peak_unit}"
    if key == "median_lead_ms":
        return "0 ms" if abs(v) < 0.5 else f"{v:+.0f} ms"
    if key == "time_above_goal_s":
        return f"{v:.1f} s"
    if key == "symmetry_percent":
        return f"{v:+.0f}%"
    return f"{v:.0f}%"


#: the key numbers of a session report: (key, label)
KEY_NUMBERS: tuple[tuple[str, str], ...] = (
    ("glute_led", "Reps the glute led"),
    ("median_lead_ms", "Glute onset vs first helper (+ = glute first)"),
    ("peak", "Glute peak, mean per rep"),
    ("time_above_goal_s", "Time above goal per rep"),
    ("compensation_share", "Helpers' share"),
    ("good", "Good reps"),
    ("symmetry_percent", "Left/right symmetry index"),
)


def key_numbers(now: SessionMeasures, earlier: Sequence[SessionMeasures]) -> list[tuple[str, str, str, str]]:
    """(measure, this session, the previous session of the same exercise, its baseline) rows,
    leaving out measures this session does not have."""
    same = [m for m in earlier if m.exercise == now.exercise and m.started < now.started]
    previous = same[-1] if same else None
    baseline = same[0] if same else None
    rows = []
    for key, label in KEY_NUMBERS:
        here = format_measure(key, now)
        if here:
            rows.append((label, here, format_measure(key, previous), format_measure(key, baseline)))
    return rows
