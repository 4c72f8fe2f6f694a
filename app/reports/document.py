"""The report pages as HTML for ``QTextDocument`` (tables, headings, charts as image resources).

What a clinical EMG report must state follows the ISEK standards for reporting EMG data
(Merletti 1999) and the CEDE checklists (Besomi et al. 2020, JEK 53:102438): electrode placement,
detection, sample rate, filters, envelope, normalisation method and reference, onset method and
threshold. The person may be shown by their pseudonymous ID only (a report leaves the clinic).
"""

from __future__ import annotations

import html
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
from PySide6.QtGui import QImage

from app import __version__
from app.analysis.onset import OnsetSettings
from app.muscles import display_name, electrode_site
from app.records.history import History, key_numbers
from app.records.measures import SessionMeasures
from app.records.review import SessionReview
from app.records.trends import Retest
from app.reports import charts
from app.storage.csvformat import parse_mvic
from app.storage.reader import Recording

#: the width of the text on an A4 page at 96 dpi with 15 mm margins, in layout pixels
CONTENT_WIDTH = 680

_CSS = """
body { font-family: 'DejaVu Sans', sans-serif; font-size: 8pt; color: #111; }
h1 { font-size: 14pt; margin: 0 0 2px 0; color: #0b3d63; }
h2 { font-size: 10pt; margin: 10px 0 3px 0; color: #0b3d63; }
p { margin: 2px 0; }
.small { font-size: 6.5pt; color: #444; }
.good { color: #0a6b4f; font-weight: bold; }
th { background: #e8eef4; text-align: left; font-weight: bold; }
td, th { padding: 2px 5px; }
"""


@dataclass
class ReportDocument:
    """A report's HTML and the images it refers to (``chart:<name>`` URLs)."""

    title: str
    html: str
    images: dict[str, QImage] = field(default_factory=dict)


def _e(text: object) -> str:
    return html.escape(str(text))


def _table(head: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    out = ['<table border="1" cellspacing="0" cellpadding="2" width="100%" style="border-color:#bbb">', "<tr>"]
    out += [f"<th>{_e(h)}</th>" for h in head]
    out.append("</tr>")
    for r in rows:
        out.append("<tr>" + "".join(f"<td>{_e(c)}</td>" for c in r) + "</tr>")
    out.append("</table>")
    return "".join(out)


def _retest_html(r: Retest | None) -> str:
    if r is None:
        return "<p>No earlier session of this exercise to compare with yet.</p>"
    out = [f"<p><b>{_e(r.headline)}</b></p>"] + [f"<p>{_e(line)}</p>" for line in r.lines]
    out += [f'<p class="small">{_e(n)}</p>' for n in r.notes]
    return "".join(out)


def _parameters(rec: Recording | None, review: SessionReview) -> list[tuple[str, str]]:
    """The recording parameters a clinical EMG report must state (ISEK; CEDE)."""
    onset = OnsetSettings()
    rows: list[tuple[str, str]] = []
    if rec is None:
        rows.append(("Recording", review.recording_note or "not recorded"))
    else:
        md = rec.metadata
        rows += [
            ("Device", f"{md.get('device', 'unknown')} ({md.get('device_kind', '')})"),
            ("Sample rate", f"{rec.sample_rate_hz:g} Hz, {len(rec.labels)} channel(s)"),
            ("Detection", "bipolar surface electrodes; type, size and inter-electrode distance as fitted "
                          "(SENIAM recommends Ag/AgCl, ≤ 10 mm contact, 20 mm apart)"),
            ("Filters and envelope", md.get("filter", "")),
            ("Envelope delay", f"{md.get('envelope_delay_ms', '?')} ms (compensated in onsets)"),
        ]
        rows += [(f"Placement: {display_name(lb)}", electrode_site(lb)) for lb in rec.labels]
        refs = parse_mvic(md.get("mvic", ""))
        if refs:
            rows += [(f"Normalisation: {display_name(lb)}",
                      f"{r.describe()}; test position: {r.position or 'not stated'}; recorded {r.recorded_at[:10] or '?'}")
                     for lb, r in refs.items()]
        else:
            rows.append(("Normalisation", "none: amplitudes in µV of the envelope (no %MVIC reference)"))
        rows.append(("File", str(rec.path or review.csv_path)))
    rows.append(("Onset method", f"{onset.detector.upper()}-conditioned double threshold, rest mean + {onset.k_sd:g} SD, "
                                 f"{onset.window_ms:g} ms window, {onset.fraction * 100:.0f}% of it above "
                                 "(Bonato 1998; Li 2007; Solnik 2010); glute and helper 'together' within 20 ms"))
    rows.append(("Software", f"GluteFire {__version__}"))
    return rows


def _envelope_image(rec: Recording, review: SessionReview) -> tuple[QImage, str] | None:
    env = rec.envelope
    if env is None:
        return None
    t = np.arange(env.shape[1]) / rec.sample_rate_hz
    refs = parse_mvic(rec.metadata.get("mvic", ""))
    unit = "µV"
    values = env
    if refs and all(lb in refs for lb in rec.labels):
        values = np.vstack([refs[lb].percent(env[i]) for i, lb in enumerate(rec.labels)])
        unit = "% MVIC"
    goal = None
    practice = (review.summary or {}).get("practice") or []
    if practice and review.rows and review.rows[0].unit.replace(" ", "").startswith(unit.replace(" ", "")[:2]):
        goal = float(practice[0].get("goal") or 0) or None
    windows = [(r.start_s, r.end_s) for r in review.rows if r.start_s is not None and r.end_s is not None]
    image = charts.envelope_chart(t, values, rec.labels, unit, goal, windows, width=CONTENT_WIDTH)
    return image, unit


def session_report(review: SessionReview, earlier: Sequence[SessionMeasures] = (), retest: Retest | None = None,
                   recording: Recording | None = None, person_label: str = "") -> ReportDocument:
    """One session: who, when, what, the envelope, the reps, the key numbers against the previous
    session and the baseline, and the recording parameters."""
    doc = ReportDocument(f"GluteFire session report — {review.exercise}", "")
    m = review.measures
    parts = [f"<html><head><style>{_CSS}</style></head><body>",
             f"<h1>Session report: {_e(review.exercise or 'session')}</h1>",
             f"<p><b>Person:</b> {_e(person_label or review.person or 'not named')} &nbsp; "
             f"<b>Date:</b> {_e(review.started[:16].replace('T', ' '))}</p>"]
    for line in review.protocol:
        parts.append(f"<p><b>Protocol:</b> {_e(line)}</p>")
    if m.done_for_today:
        parts.append(f"<p><b>Stopping rule:</b> {_e(m.done_for_today)}</p>")
    if recording is not None:
        got = _envelope_image(recording, review)
        if got is not None:
            doc.images["envelope"] = got[0]
            parts.append("<h2>Envelope</h2>")
            parts.append(f'<p><img src="chart:envelope" width="{CONTENT_WIDTH}"></p>')
            parts.append('<p class="small">Shaded: the scored reps. Dashed: the goal. Blue: glutes; '
                         'orange/vermillion: helpers.</p>')
    rows = key_numbers(m, earlier)
    if rows:
        parts.append("<h2>Key numbers</h2>")
        parts.append(_table(("Measure", "This session", "Previous session", "Baseline"), rows))
    parts.append("<h2>Compared with the baseline</h2>" + _retest_html(retest))
    if review.rows:
        parts.append(f"<h2>Reps ({len(review.rows)})</h2>")
        from app.records.review import COLUMNS

        parts.append(_table([h for _, h in COLUMNS], [r.cells() for r in review.rows]))
    if review.sentences:
        parts.append("<h2>Firing order, symmetry, fatigue</h2>")
        parts += [f"<p>{_e(s)}</p>" for s in review.sentences]
    if review.marks:
        parts.append("<h2>Marks</h2>")
        parts.append(_table(("Mark", "At", "Note"), [(str(k.number), f"{k.t_s:.1f} s", k.note) for k in review.marks]))
    parts.append("<h2>Recording parameters (ISEK / CEDE)</h2>")
    parts.append(_table(("Item", "Value"), _parameters(recording, review)))
    parts.append('<p class="small">Screening rules and the "glute first" reading are operational readings of '
                 "field tests, not validated diagnostic criteria. Healthy people show no single fixed firing order "
                 "(Lewis &amp; Sahrmann 2009).</p></body></html>")
    doc.html = "".join(parts)
    return doc


def progress_report(history: History, person_label: str = "") -> ReportDocument:
    """A person's progress: the four-week retest in words, trend charts, sessions, screenings,
    references."""
    doc = ReportDocument(f"GluteFire progress report — {person_label or history.person.name}", "")
    p = history.person
    parts = [f"<html><head><style>{_CSS}</style></head><body>",
             f"<h1>Progress report: {_e(person_label or p.name)}</h1>",
             f"<p><b>Sessions:</b> {len(history.measures)}"
             + (f", {_e(history.measures[0].date)} to {_e(history.measures[-1].date)}" if history.measures else "")
             + (f" &nbsp; <b>Sides of interest:</b> {_e(', '.join(p.sides))}" if p.sides else "") + "</p>",
             "<h2>Four-week retest</h2>", _retest_html(history.retest)]
    r = history.retest
    base, now = (r.baseline.started, r.now.started if r.is_retest else None) if r else (None, None)
    imgs = []
    for key, s in history.series.items():
        if len(s.values) < 1:
            continue
        name = f"trend_{key}"
        doc.images[name] = charts.trend_chart(s.title, s.unit, list(s.dates), list(s.values), base, now,
                                              width=CONTENT_WIDTH // 2 - 6)
        imgs.append(name)
    if imgs:
        parts.append("<h2>Trends</h2><table cellspacing='0' cellpadding='2'>")
        for i in range(0, len(imgs), 2):
            cells = "".join(f'<td><img src="chart:{n}" width="{CONTENT_WIDTH // 2 - 6}"></td>' for n in imgs[i:i + 2])
            parts.append(f"<tr>{cells}</tr>")
        parts.append("</table>")
    if history.screening_lines:
        parts.append("<h2>Screening tests</h2>" + "".join(f"<p>{_e(x)}</p>" for x in history.screening_lines))
    parts.append("<h2>Sessions</h2>")
    rows = [(m.started[:16].replace("T", " "), m.exercise, str(m.reps),
             "" if not m.compared else f"{m.glute_led or 0}/{m.compared}",
             "" if m.peak is None else (f"{m.peak:.0f}% MVIC" if m.peak_unit.startswith("%") else f"{m.peak:.0f} {m.peak_unit}"),
             "" if m.compensation_share is None else f"{m.compensation_share * 100:.0f}%",
             "" if m.good_reps is None else f"{m.good_reps}/{m.reps}") for m in history.measures]
    parts.append(_table(("Date", "Exercise", "Reps", "Glute first", "Peak", "Helpers", "Good"), rows))
    if history.references:
        parts.append("<h2>%MVIC references</h2>")
        parts.append(_table(("Muscle", "Value", "Method", "Position", "Recorded"),
                            [(display_name(x.label), f"{x.value_uv:.0f} µV",
                              f"{x.method}, {x.n_contractions} × best {x.window_ms:g} ms"
                              + ("" if x.fraction >= 1 else f", {x.fraction * 100:.0f}% effort"),
                              x.position or "not stated", x.recorded_at[:10]) for x in history.references]))
    parts.append(f'<p class="small">GluteFire {__version__}. Peaks in µV are not comparable across days '
                 "(electrodes are placed again each time); %MVIC against the person's reference is.</p></body></html>")
    doc.html = "".join(parts)
    return doc
