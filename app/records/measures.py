"""The numbers a clinician follows from session to session, taken from a session's record.

A session record's summary holds the live analysis' figures (``LiveSnapshot.summary``) and, when a
protocol ran, every scored rep (``practice_summary``). The protocol's reps are preferred: they are
scored against the drill's own roles (target vs compensators) and goal. A plain recording falls
back to the analysis' firing order and rep figures. Retention probes are kept apart from the
practice reps (Winstein et al. 1994: they measure what was learnt, not what was helped).
"""

from __future__ import annotations

import statistics
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass
from typing import Any

from app.muscles import parse_label

#: the measures a trend is drawn for: key -> (title, unit shown, True when higher is better)
TREND_MEASURES: dict[str, tuple[str, str, bool]] = {
    "glute_led_share": ("Glute first", "% of reps", True),
    "median_lead_ms": ("Glute lead", "ms", True),
    "peak": ("Glute peak", "", True),
    "time_above_goal_s": ("Above goal", "s per rep", True),
    "compensation_share": ("Helpers' share", "%", False),
    "symmetry_percent": ("L/R difference", "% |SI|", False),
}


@dataclass(frozen=True)
class SessionMeasures:
    """One session's key numbers (None: not measured in this session)."""

    session_id: int | None
    started: str
    exercise: str
    csv_path: str | None
    reps: int  # practice reps scored (probes apart), or contractions compared
    good_reps: int | None
    glute_led: int | None
    compared: int | None  # reps where the glute's onset could be compared with a helper's
    median_lead_ms: float | None  # > 0: the glute fired this much before the first helper
    usual_leader: str | None
    peak: float | None  # the glute's mean peak per rep
    peak_unit: str
    time_above_goal_s: float | None
    compensation_share: float | None  # 0..1
    symmetry_percent: float | None  # the first left/right pair's peak symmetry index, (R-L)/mean
    fatigue_percent_per_min: float | None  # the glute's median-frequency slope
    fatigue_trend: str | None
    probes: int = 0
    probe_glute_led: int | None = None
    stopped_early: bool = False
    done_for_today: str | None = None

    @property
    def glute_led_share(self) -> float | None:
        return None if not self.compared else (self.glute_led or 0) / self.compared

    @property
    def peak_mvic_pct(self) -> float | None:
        return self.peak if self.peak is not None and self.peak_unit.startswith("%") else None

    @property
    def date(self) -> str:
        return self.started[:10]

    def value(self, key: str) -> float | None:
        """A trend measure in the unit it is drawn in (shares in %)."""
        v = getattr(self, key)
        if v is None:
            return None
        if key == "symmetry_percent":  # the size of the difference: -20% and +20% are as far from even
            return abs(float(v))
        return float(v) * 100.0 if key in ("glute_led_share", "compensation_share") else float(v)

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["glute_led_share"] = None if self.glute_led_share is None else round(self.glute_led_share, 3)
        d["peak_mvic_pct"] = self.peak_mvic_pct
        return d


def _is_glute(label: str) -> bool:
    m = parse_label(label)
    return m is not None and m.muscle.startswith("gluteus")


def _median(xs: Sequence[float]) -> float | None:
    return float(statistics.median(xs)) if xs else None


def _mean(xs: Sequence[float]) -> float | None:
    return float(statistics.fmean(xs)) if xs else None


def _practice_reps(summary: Mapping[str, Any]) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    reps: list[dict[str, Any]] = []
    for p in summary.get("practice") or []:
        reps += [dict(r, exercise=p.get("name", "")) for r in p.get("reps") or []]
    return [r for r in reps if not r.get("probe")], [r for r in reps if r.get("probe")]


def _from_practice(reps: list[dict[str, Any]], probes: list[dict[str, Any]]) -> dict[str, Any]:
    compared = [r for r in reps if r.get("glute_led") is not None and r.get("lead_ms") is not None]
    leads = [float(r["lead_ms"]) for r in compared]
    peaks = [float(r["peak"]) for r in reps if r.get("peak") is not None]
    shares = [float(r["compensation_share"]) for r in reps if r.get("compensation_share") is not None]
    return {
        "reps": len(reps),
        "good_reps": sum(bool(r.get("good")) for r in reps),
        "glute_led": sum(bool(r.get("glute_led")) for r in compared),
        "compared": len(compared),
        "median_lead_ms": _median(leads),
        "peak": _mean(peaks),
        "peak_unit": next((str(r["unit"]) for r in reps if r.get("unit")), ""),
        "time_above_goal_s": _mean([float(r.get("time_above_goal_s") or 0.0) for r in reps]) if reps else None,
        "compensation_share": _mean(shares),
        "probes": len(probes),
        "probe_glute_led": sum(bool(r.get("glute_led")) for r in probes) if probes else None,
    }


def _from_analysis(summary: Mapping[str, Any]) -> dict[str, Any]:
    fo = summary.get("firing_order_summary") or {}
    glutes = {k: v for k, v in (summary.get("reps") or {}).items() if _is_glute(k)}
    lag = fo.get("median_glute_lag_ms")
    peaks = [float(v["mean_peak"]) for v in glutes.values() if v.get("mean_peak") is not None]
    count = max((int(v.get("count") or 0) for v in glutes.values()), default=0)
    above = [float(v.get("total_time_above_target_s") or 0.0) / max(1, int(v.get("count") or 1)) for v in glutes.values()]
    return {
        "reps": int(fo.get("compared") or count),
        "good_reps": None,
        "glute_led": fo.get("glute_first") if fo.get("compared") else None,
        "compared": fo.get("compared") or None,
        "median_lead_ms": None if lag is None else -float(lag),
        "peak": _mean(peaks),
        "peak_unit": next((str(v.get("unit")) for v in glutes.values() if v.get("unit")), ""),
        "time_above_goal_s": _mean(above),
        "compensation_share": None,
    }


def _fatigue(summary: Mapping[str, Any]) -> tuple[float | None, str | None]:
    for label, f in (summary.get("fatigue") or {}).items():
        if _is_glute(label) and f.get("mdf_slope_percent_per_min") is not None:
            return float(f["mdf_slope_percent_per_min"]), f.get("trend")
    return None, None


def measures(summary: Mapping[str, Any], *, started: str = "", exercise: str = "", session_id: int | None = None,
             csv_path: str | None = None) -> SessionMeasures:
    """The key numbers of one session's summary."""
    reps, probes = _practice_reps(summary)
    core = _from_practice(reps, probes) if reps or probes else _from_analysis(summary)
    fo = summary.get("firing_order_summary") or {}
    sym = summary.get("symmetry") or []
    slope, trend = _fatigue(summary)
    practice = summary.get("practice") or []
    stop = next((p.get("stopping_rule") for p in practice if p.get("stopping_rule")), None) or summary.get("stopping_rule")
    return SessionMeasures(
        session_id=session_id, started=started, exercise=exercise, csv_path=csv_path,
        usual_leader=fo.get("usual_leader"),
        symmetry_percent=float(sym[0]["peak_index_percent"]) if sym else None,
        fatigue_percent_per_min=slope, fatigue_trend=trend,
        stopped_early=any(bool(p.get("stopped_early")) for p in practice),
        done_for_today=str(stop) if stop else None,
        **core,
    )


def record_measures(record: Any) -> SessionMeasures:
    """``measures`` of a ``SessionRecord`` (its summary, date, exercise, recording)."""
    return measures(record.summary, started=record.started_at, exercise=record.exercise, session_id=record.id,
                    csv_path=record.csv_path)
