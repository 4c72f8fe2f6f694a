"""A session, reviewed afterwards: its reps in a table, what the analysis said, the marks with
their notes, and any rep's traces opened again from the recording.

The rows come from the protocol's scored reps when one ran (``practice`` in the record). A plain
recording has no protocol: its rows are the contractions ``analyze`` finds in the file (the same
code as live), judged by the glute against the other muscles, so a monitor session can be reviewed
too. Nothing here draws: the window and the PDF report both read a ``SessionReview``.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from app.analysis.offline import Analysis, AnalysisSettings, analyze
from app.errors import UserError
from app.muscles import display_name
from app.records.measures import SessionMeasures, measures
from app.storage.csvformat import parse_mvic
from app.storage.reader import Recording, load_recording

#: seconds of trace shown before and after a rep's window
TRACE_MARGIN_S = 0.75

#: table columns: (key, heading)
COLUMNS: tuple[tuple[str, str], ...] = (
    ("rep_label", "Rep"),
    ("time", "At"),
    ("led", "Glute first"),
    ("peak_text", "Peak"),
    ("above_text", "Above goal"),
    ("share_text", "Helpers"),
    ("verdict", "Result"),
)


@dataclass(frozen=True)
class RepRow:
    """One rep of the session, as a table row and a window of the recording."""

    exercise: str
    set: int
    rep: int
    side: str | None
    start_s: float | None  # in the recording's time (None: the session was not recorded)
    end_s: float | None
    glute_led: bool | None
    lead_ms: float | None
    peak: float | None
    unit: str
    time_above_goal_s: float | None
    compensation_share: float | None
    compensators_over: tuple[str, ...] = ()
    good: bool | None = None
    probe: bool = False
    feedback: bool = True

    @property
    def rep_label(self) -> str:
        side = self.side or ""
        return f"{self.set}·{side}{self.rep}" + (" (probe)" if self.probe else "")

    @property
    def time(self) -> str:
        if self.start_s is None:
            return "—"
        m, s = divmod(int(self.start_s), 60)
        return f"{m}:{s:02d}"

    @property
    def led(self) -> str:
        if self.glute_led is None:
            return "no glute onset"
        if self.lead_ms is None:
            return "only the glute"
        if abs(self.lead_ms) <= 20:
            return "together"
        return f"yes, by {self.lead_ms:.0f} ms" if self.lead_ms > 0 else f"no, {-self.lead_ms:.0f} ms late"

    @property
    def peak_text(self) -> str:
        if self.peak is None:
            return "—"
        return f"{self.peak:.0f}% MVIC" if self.unit.startswith("%") else f"{self.peak:.0f} {self.unit}"

    @property
    def above_text(self) -> str:
        return "—" if self.time_above_goal_s is None else f"{self.time_above_goal_s:.1f} s"

    @property
    def share_text(self) -> str:
        return "—" if self.compensation_share is None else f"{self.compensation_share * 100:.0f}%"

    @property
    def verdict(self) -> str:
        if self.good is None:
            return ""
        if self.good:
            return "good"
        if self.compensators_over:
            return "helpers took over: " + ", ".join(display_name(c) for c in self.compensators_over)
        return "below goal"

    def cells(self) -> list[str]:
        return [str(getattr(self, key)) for key, _ in COLUMNS]

    def to_dict(self) -> dict[str, Any]:
        return {"exercise": self.exercise, "set": self.set, "rep": self.rep, "side": self.side,
                "start_s": self.start_s, "end_s": self.end_s, "glute_led": self.glute_led,
                "lead_ms": self.lead_ms, "peak": self.peak, "unit": self.unit,
                "time_above_goal_s": self.time_above_goal_s, "compensation_share": self.compensation_share,
                "compensators_over": list(self.compensators_over), "good": self.good, "probe": self.probe,
                "feedback": self.feedback}


@dataclass(frozen=True)
class Mark:
    number: int
    t_s: float
    note: str


@dataclass(frozen=True)
class SessionReview:
    """Everything a review screen or a report shows of one session."""

    title: str
    person: str
    started: str
    exercise: str
    protocol: tuple[str, ...]  # one line per exercise run: "Glute bridge: 3 × 10, hold 5 s, rest 5 s, goal 40% MVIC"
    rows: tuple[RepRow, ...]
    sentences: tuple[str, ...]  # firing order, symmetry, fatigue, stopping rule
    marks: tuple[Mark, ...]
    measures: SessionMeasures
    csv_path: str | None
    recording_note: str = ""  # why the traces cannot be opened, when they cannot
    summary: Mapping[str, Any] | None = None

    @property
    def can_show_traces(self) -> bool:
        return self.csv_path is not None and not self.recording_note


def _protocol_line(p: Mapping[str, Any]) -> str:
    d = p.get("protocol") or {}
    name = str(p.get("name", "exercise"))
    if not d:
        return name
    extra = [x for x, on in (("faded feedback", d.get("faded")), ("retention probes", d.get("probes"))) if on]
    unit = next((str(r.get("unit")) for r in p.get("reps") or [] if r.get("unit")), "")
    goal = f"goal {float(d.get('goal_mvic_pct', 0)):g}% MVIC"
    if unit and not unit.startswith("%"):  # no reference: the goal line was placed in µV
        goal = f"goal {float(p.get('goal') or 0):.0f} {unit} (no %MVIC reference)"
    line = (f"{name}: {d.get('sets')} × {d.get('reps')}, hold {float(d.get('hold_s', 0)):g} s, "
            f"rest {float(d.get('rest_s', 0)):g} s, {goal}")
    if p.get("stopped_early"):
        extra.append("stopped before its end")
    return line + (f" ({', '.join(extra)})" if extra else "")


def _practice_rows(practice: Sequence[Mapping[str, Any]]) -> list[RepRow]:
    rows = []
    for p in practice:
        for r in p.get("reps") or []:
            start = r.get("rec_start_s")
            end = r.get("rec_end_s")
            rows.append(RepRow(
                exercise=str(p.get("name", "")), set=int(r.get("set", 1)), rep=int(r.get("rep", 0)), side=r.get("side"),
                start_s=None if start is None else float(start), end_s=None if end is None else float(end),
                glute_led=r.get("glute_led"), lead_ms=r.get("lead_ms"), peak=r.get("peak"), unit=str(r.get("unit", "")),
                time_above_goal_s=r.get("time_above_goal_s"), compensation_share=r.get("compensation_share"),
                compensators_over=tuple(r.get("compensators_over") or ()), good=r.get("good"),
                probe=bool(r.get("probe")), feedback=bool(r.get("feedback", True))))
    return rows


def _analysis_rows(analysis: Analysis, exercise: str) -> list[RepRow]:
    """The contractions ``analyze`` found, each judged by its glute (a plain recording)."""
    by_name = {c.name: c for c in analysis.channels}
    rows = []
    for i, c in enumerate(analysis.firing_order, start=1):
        glute = c.glute
        ch = by_name.get(glute) if glute else None
        rep = None
        if ch is not None:
            near = [r for r in ch.reps if abs(r.onset_s - c.onsets[glute or ""]) < 0.3]
            rep = near[0] if near else None
        lag = c.glute_lag_ms
        lead = None if lag is None else (-lag if lag > 0 else
                                        min((v for k, v in c.lags_ms.items() if k != glute), default=0.0))
        end = max(c.onsets.values()) + (rep.duration_s if rep is not None else 1.0)
        rows.append(RepRow(
            exercise=exercise, set=1, rep=i, side=None, start_s=max(0.0, c.start_s - 0.25), end_s=end,
            glute_led=None if glute is None else (lag is None or lag <= 20), lead_ms=lead,
            peak=None if rep is None else rep.peak, unit=ch.unit if ch is not None else "",
            time_above_goal_s=None if rep is None else rep.time_above_target_s, compensation_share=None))
    return rows


def _marks(events: Sequence[tuple[float, str]]) -> list[Mark]:
    marks: dict[int, Mark] = {}
    for t, text in events:
        m = re.fullmatch(r"mark (\d+)(?: note)?(?::\s*(.*))?", text.strip())
        if m is None:
            continue
        n, note = int(m.group(1)), (m.group(2) or "").strip()
        old = marks.get(n)
        if old is None:
            marks[n] = Mark(n, float(t), note)
        elif note:
            marks[n] = Mark(n, old.t_s, "; ".join(x for x in (old.note, note) if x))
    return [marks[k] for k in sorted(marks)]


def _sentences(summary: Mapping[str, Any]) -> list[str]:
    out = []
    fo = (summary.get("firing_order_summary") or {}).get("sentence")
    if fo:
        out.append(str(fo))
    out += [str(p["sentence"]) for p in summary.get("symmetry") or [] if p.get("sentence")]
    for label, f in (summary.get("fatigue") or {}).items():
        if f.get("sentence"):
            out.append(f"{display_name(label)}: {f['sentence']}")
    for p in summary.get("practice") or []:
        if p.get("stopping_rule"):
            out.append(f"{p.get('name')}: {p['stopping_rule']}")
    for label, sentence in (summary.get("count_uncertain") or {}).items():  # why a count may be off
        out.append(f"{display_name(label)}: {sentence}")
    return out


def open_recording(csv_path: str | None) -> tuple[Recording | None, str]:
    """The session's recording, or None with the reason in one sentence."""
    if not csv_path:
        return None, "This session was not recorded, so its traces cannot be shown."
    if not Path(csv_path).exists():
        return None, f"The recording {csv_path} is no longer there, so its traces cannot be shown."
    try:
        return load_recording(csv_path), ""
    except UserError as exc:
        return None, str(exc)


def analyze_recording(rec: Recording) -> Analysis:
    """``analyze`` of a recording with its own %MVIC references and targets."""
    mvic = parse_mvic(rec.metadata.get("mvic", ""))
    return analyze(rec.data, rec.sample_rate_hz, rec.labels, AnalysisSettings(), thresholds=rec.thresholds,
                   mvic=mvic or None)


def build_review(summary: Mapping[str, Any], *, person: str = "", started: str = "", exercise: str = "",
                 csv_path: str | None = None, session_id: int | None = None,
                 recording: Recording | None = None) -> SessionReview:
    """The review of one session. ``recording`` (the session's file, already read) lets a plain
    recording get its rows from the file and gives the marks."""
    practice = list(summary.get("practice") or [])
    note = ""
    if recording is None and csv_path:
        recording, note = open_recording(csv_path)
    elif not csv_path:
        note = "This session was not recorded, so its traces cannot be shown."
    rows = _practice_rows(practice)
    full = dict(summary)
    if not practice and recording is not None:  # the file's own reps: the table and the figures agree
        analysis = analyze_recording(recording)
        rows = _analysis_rows(analysis, exercise)
        full.update(analysis.summary())
    marks = _marks(recording.events) if recording is not None else []
    when = started[:16].replace("T", " ")
    m = measures(full, started=started, exercise=exercise, session_id=session_id, csv_path=csv_path)
    return SessionReview(
        title=f"{exercise or 'Session'} — {when}" if when else (exercise or "Session"),
        person=person, started=started, exercise=exercise,
        protocol=tuple(_protocol_line(p) for p in practice), rows=tuple(rows), sentences=tuple(_sentences(full)),
        marks=tuple(marks), measures=m, csv_path=csv_path, recording_note=note, summary=full)


def review_record(record: Any, person: str = "") -> SessionReview:
    """``build_review`` of a ``SessionRecord``."""
    return build_review(record.summary, person=person, started=record.started_at, exercise=record.exercise,
                        csv_path=record.csv_path, session_id=record.id)


@dataclass(frozen=True)
class RepTrace:
    """A rep's envelopes from the recording: time (s, recording time), (channels, n) µV."""

    t: np.ndarray
    envelope: np.ndarray
    labels: tuple[str, ...]
    window: tuple[float, float]  # the rep's own window inside ``t``
    unit: str = "µV"  # "% MVIC" when the recording carries a reference for every channel


def rep_trace(recording: Recording, row: RepRow, margin_s: float = TRACE_MARGIN_S) -> RepTrace:
    """The envelopes around one rep (the recorded envelope columns, else one computed from the raw)."""
    if row.start_s is None or row.end_s is None:
        raise UserError("This rep has no time in the recording.")
    fs = recording.sample_rate_hz
    env = recording.envelope
    if env is None:
        from app.dsp.pipeline import process_whole

        env = process_whole(np.nan_to_num(recording.data), fs).envelope
    n = env.shape[1]
    i0 = max(0, int(math.floor((row.start_s - margin_s) * fs)))
    i1 = min(n, int(math.ceil((row.end_s + margin_s) * fs)))
    if i1 - i0 < 2:
        raise UserError(f"Rep {row.rep_label} is outside the recording ({n / fs:.1f} s long).")
    t = np.arange(i0, i1) / fs
    part = np.asarray(env[:, i0:i1], dtype=np.float64)
    refs = parse_mvic(recording.metadata.get("mvic", ""))
    if refs and all(lb in refs for lb in recording.labels):  # in the unit the reps were scored in
        part = np.vstack([np.asarray(refs[lb].percent(part[i])) for i, lb in enumerate(recording.labels)])
        return RepTrace(t, part, recording.labels, (row.start_s, row.end_s), "% MVIC")
    return RepTrace(t, part, recording.labels, (row.start_s, row.end_s))
