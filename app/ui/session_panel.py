"""The session column beside the live traces: what the analysis has found so far, in words.

Shows a ``LiveSnapshot`` (``app.analysis.live``): firing order of the last rep and over
the session, a rep table per muscle, the last reps against the session's best (the 90% stopping
rule), fatigue (median frequency trend), left/right symmetry and signal quality per channel.
Rebuilt only when the snapshot's version changes (a rep ends, quality changes), not every frame.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from app.analysis.fatigue import MIN_TREND_SPAN_S
from app.analysis.live import ChannelLive, LiveSnapshot
from app.session.runner import PracticeState

RECENT_REPS = 5  # firing order of this many newest reps, newest first
QUALITY_TEXT = {"good": ("●", "#15803d"), "check": ("●", "#b45309"), "bad": ("●", "#b91c1c")}
PANEL_STYLE = """
QFrame#sessionPanel { background: #ffffff; border: 1px solid #e2e8f0; border-radius: 10px; }
QLabel { color: #1e293b; }
QLabel[role="heading"] { color: #475569; font-size: 11px; font-weight: 700; letter-spacing: 1px;
                         padding-top: 8px; }
QLabel[role="big"] { font-size: 15px; font-weight: 600; }
QLabel[role="muted"] { color: #64748b; }
QLabel[role="cellhead"] { color: #64748b; font-size: 11px; }
"""


def _label(text: str = "", role: str = "", wrap: bool = True) -> QLabel:
    lb = QLabel(text)
    if role:
        lb.setProperty("role", role)
    lb.setWordWrap(wrap)
    lb.setTextFormat(Qt.TextFormat.PlainText)
    return lb


def _number(v: float) -> str:
    return f"{v:.0f}" if abs(v) >= 10 else f"{v:.1f}"


def effort_line(ch: ChannelLive, fraction: float) -> str:
    """'100%, 96%, 88%↓' — each recent rep's peak as a share of the best rep, oldest first; the
    reps under the stopping fraction get an arrow."""
    return ", ".join(f"{v * 100:.0f}%{'↓' if v < fraction else ''}" for v in ch.recent_vs_best)


CALIBRATE_KEY = "\x00calibrate"  # the person box's "calibrate someone new" entry


class PersonBox(QComboBox):
    """Nobody, the people in the records, and "Calibrate someone new…". ``person_chosen(name)``
    ("" = nobody) or ``calibrate_new()``; picking the last entry leaves the choice as it was."""

    person_chosen = Signal(str)
    calibrate_new = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setToolTip("Whose %MVIC references and targets to use")
        self.setAccessibleName("Person")
        self.setFocusPolicy(Qt.FocusPolicy.ClickFocus)  # Space stays the contraction key
        self._index = 0
        self.activated.connect(self._activated)

    def fill(self, people: list[str], current: str) -> None:
        self.blockSignals(True)
        self.clear()
        self.addItem("Nobody (levels in µV)", "")
        for name in people:
            self.addItem(name, name)
        self.addItem("Calibrate someone new…", CALIBRATE_KEY)
        self.setCurrentIndex(max(0, self.findData(current)) if current else 0)
        self.blockSignals(False)
        self._index = self.currentIndex()

    def choose(self, name: str) -> None:
        """Select ``name`` as if the person had picked it."""
        idx = self.findData(name)
        if idx >= 0:
            self.setCurrentIndex(idx)
            self._activated(idx)

    def _activated(self, index: int) -> None:
        key = self.itemData(index)
        if key == CALIBRATE_KEY:
            self.setCurrentIndex(self._index)
            self.calibrate_new.emit()
            return
        self._index = index
        self.person_chosen.emit(str(key or ""))


class SessionPanel(QFrame):
    """A fixed-width column; ``show_snapshot`` fills it."""

    WIDTH = 370

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("sessionPanel")
        self.setFixedWidth(self.WIDTH)
        self.setStyleSheet(PANEL_STYLE)
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        body = QWidget()
        body.setObjectName("panelBody")
        body.setStyleSheet("QWidget#panelBody { background: transparent; }")
        self.lay = QVBoxLayout(body)
        self.lay.setContentsMargins(14, 8, 14, 12)
        self.lay.setSpacing(3)
        scroll.setWidget(body)
        outer.addWidget(scroll)

        self.title = _label("This session", "big")
        self.lay.addWidget(self.title)
        self.practice_head = _label("EXERCISE", "heading")
        self.practice = QLabel("")
        self.practice.setTextFormat(Qt.TextFormat.RichText)
        self.practice.setWordWrap(True)
        self.practice_head.hide()
        self.practice.hide()
        row = QHBoxLayout()
        row.addWidget(_label("Person", wrap=False))
        self.person_box = PersonBox()
        row.addWidget(self.person_box, 1)
        self.lay.addLayout(row)
        self.person = _label("", "muted")
        self.lay.addWidget(self.person)
        self.lay.addWidget(self.practice_head)
        self.lay.addWidget(self.practice)
        self._practice_key: tuple[object, ...] = ()
        self.order_head = _label("FIRING ORDER", "heading")
        self.order = _label("")
        self.order.setStyleSheet("font-weight: 600;")
        self.order_summary = _label("", "muted")
        self.reps_head = _label("REPS", "heading")
        self.reps_box = QWidget()
        self.reps_grid = QGridLayout(self.reps_box)
        self.reps_grid.setContentsMargins(0, 0, 0, 0)
        self.reps_grid.setHorizontalSpacing(6)
        self.reps_grid.setVerticalSpacing(2)
        self.reps_note = _label("", "muted")
        self.effort_head = _label("LAST REPS AGAINST THE BEST", "heading")
        self.effort = _label("")
        self.effort_note = _label("", "muted")
        self.fatigue_head = _label("FATIGUE", "heading")
        self.fatigue = _label("")
        self.symmetry_head = _label("LEFT / RIGHT", "heading")
        self.symmetry = _label("")
        self.signal_head = _label("SIGNAL", "heading")
        self.signal = QLabel("")
        self.signal.setWordWrap(True)
        self.signal.setTextFormat(Qt.TextFormat.RichText)
        for w in (self.order_head, self.order, self.order_summary, self.reps_head, self.reps_box,
                  self.reps_note, self.effort_head, self.effort, self.effort_note, self.fatigue_head,
                  self.fatigue, self.symmetry_head, self.symmetry, self.signal_head, self.signal):
            self.lay.addWidget(w)
        self.lay.addStretch(1)
        self._snap: LiveSnapshot | None = None
        self._cells: list[QLabel] = []
        self._grid: list[list[QLabel]] = []
        self._grid_names: tuple[str, ...] = ()
        self.clear("Connect to start a session.")

    def show_practice(self, st: PracticeState | None) -> None:
        """The protocol's reps so far: a line each (glute first?, peak, time above goal, helpers'
        share, good), then the set summaries."""
        key = (id(st), len(st.scores), len(st.set_summaries)) if st is not None else ()
        if key == self._practice_key:
            return
        self._practice_key = key
        self.practice_head.setVisible(st is not None)
        self.practice.setVisible(st is not None)
        if st is None:
            return
        rows = []
        for s in st.scores[-12:]:
            u = "%" if s.unit.startswith("%") else f" {s.unit}"
            lead = ("–" if s.lead_ms is None else f"{s.lead_ms:+.0f} ms")
            share = "–" if s.compensation_share is None else f"{s.compensation_share * 100:.0f}%"
            peak = "–" if s.peak is None else f"{s.peak:.0f}{u}"
            mark = "✔" if s.good else "✘"
            colour = "#15803d" if s.good else "#b84a00"
            side = f"{s.side}" if s.side else ""
            probe = " (probe)" if s.probe else ""
            rows.append(f"<tr><td>{s.set}·{side}{s.rep}{probe}</td><td align=right>{lead}</td><td align=right>{peak}"
                        f"</td><td align=right>{s.time_above_goal_s:.1f} s</td><td align=right>{share}</td>"
                        f"<td style='color:{colour}'><b>{mark}</b></td></tr>")
        head = ("<tr style='color:#64748b'><td>rep</td><td align=right>glute lead</td><td align=right>peak</td>"
                "<td align=right>above goal</td><td align=right>helpers</td><td></td></tr>")
        sets = "".join(f"<p>{_html(x.sentence())}</p>" for x in st.set_summaries)
        self.practice.setText(f"<b>{_html(st.drill)}</b><table width='100%' cellspacing=2>{head}{''.join(rows)}"
                              f"</table>{sets}")

    def set_person(self, name: str, calibrated: bool) -> None:
        if not name:
            self.person.setText("Nobody chosen: levels in µV")
        else:
            self.person.setText(f"{name} — " + ("levels in % MVIC" if calibrated else "not calibrated: levels in µV"))

    def clear(self, status: str) -> None:
        self._snap = None
        self.order.setText(status)
        for w in (self.order_summary, self.reps_head, self.reps_box, self.reps_note, self.effort_head,
                  self.effort, self.effort_note, self.fatigue_head, self.fatigue, self.symmetry_head,
                  self.symmetry, self.signal_head, self.signal):
            w.hide()
        self.order_head.setVisible(False)

    def show_snapshot(self, snap: LiveSnapshot) -> None:
        if snap is self._snap:  # snapshots are rebuilt only when something changed
            return
        self._snap = snap
        multi = len(snap.channels) > 1
        self.order_head.setVisible(multi)
        fs = snap.firing_summary
        if multi and fs.compared:
            self.order.setText(fs.sentence())
        elif multi:
            self.order.setText(snap.last_sentence)
        else:
            self.order.setText(snap.status if not snap.ready or not snap.rep_count else
                               "One muscle: firing order needs a second channel.")
        recent = snap.contractions[-RECENT_REPS:]
        first = len(snap.contractions) - len(recent) + 1
        self.order_summary.setVisible(multi and bool(recent))
        self.order_summary.setText("\n".join(
            f"Rep {first + i}: {c.sentence()}" for i, c in reversed(list(enumerate(recent)))
        ))
        self._show_reps(snap)
        self._show_effort(snap)
        self._show_fatigue(snap)
        self.symmetry_head.setVisible(bool(snap.symmetry))
        self.symmetry.setVisible(bool(snap.symmetry))
        self.symmetry.setText("\n".join(p.sentence() for p in snap.symmetry))
        self._show_signal(snap)

    def _grid_for(self, names: tuple[str, ...]) -> list[list[QLabel]]:
        """The rep table's cells, built once per set of channels (then only their text changes)."""
        if names == self._grid_names:
            return self._grid
        for c in self._cells:
            c.setParent(None)
            c.deleteLater()
        self._cells = []
        heads = ("muscle", "reps", "last", "best", "held s", "CV")
        tips = ("", "", "peak of the last rep (best 500 ms)", "best rep peak of the session",
                "time above target in the last rep", "steadiness of the last hold: SD / mean")
        for col, (h, tip) in enumerate(zip(heads, tips)):
            cell = _label(h, "cellhead", wrap=False)
            cell.setToolTip(tip)
            if col:
                cell.setAlignment(Qt.AlignmentFlag.AlignRight)
            self._put(cell, 0, col)
        self._grid = []
        for row, name in enumerate(names, 1):
            cells = []
            for col in range(len(heads)):
                cell = _label(name if col == 0 else "–", wrap=False)
                if col:
                    cell.setAlignment(Qt.AlignmentFlag.AlignRight)
                    cell.setMinimumWidth(cell.fontMetrics().horizontalAdvance("100%"))  # no jitter
                self._put(cell, row, col)
                cells.append(cell)
            self._grid.append(cells)
        self.reps_grid.setColumnStretch(0, 1)
        self._grid_names = names
        return self._grid

    def _show_reps(self, snap: LiveSnapshot) -> None:
        any_reps = any(ch.reps for ch in snap.channels)
        for w in (self.reps_head, self.reps_box, self.reps_note):
            w.setVisible(any_reps)
        if not any_reps:
            return
        grid = self._grid_for(tuple(ch.name for ch in snap.channels))
        units = set()
        for cells, ch in zip(grid, snap.channels):
            s = ch.summary
            last = ch.reps[-1] if ch.reps else None
            pct = "%" if ch.unit.startswith("%MVIC") else ""
            units.add(ch.unit)
            vals = (
                str(len(ch.reps)),
                f"{_number(last.peak)}{pct}" if last else "–",
                f"{_number(s.best_peak)}{pct}" if s else "–",
                f"{last.time_above_target_s:.1f}" if last else "–",
                f"{last.steadiness_cv:.2f}" if last else "–",
            )
            for cell, v in zip(cells[1:], vals):
                cell.setText(v)
        self.reps_note.setText("Peaks in " + " and ".join(sorted(units)) + "; CV: lower is steadier.")

    def _put(self, cell: QLabel, row: int, col: int) -> None:
        self.reps_grid.addWidget(cell, row, col)
        self._cells.append(cell)

    def _show_effort(self, snap: LiveSnapshot) -> None:
        rows = [ch for ch in snap.channels if len(ch.recent_vs_best) >= 2]
        show = bool(rows)
        for w in (self.effort_head, self.effort, self.effort_note):
            w.setVisible(show)
        if not show:
            return
        self.effort.setText("\n".join(f"{ch.name}: {effort_line(ch, snap.stop_fraction)}" for ch in rows))
        self.effort_note.setText(
            f"Each rep's peak as a share of the best rep so far, oldest first. Stop for today when "
            f"{snap.stop_consecutive} reps in a row stay below {snap.stop_fraction * 100:.0f}% (↓)."
        )

    def _show_fatigue(self, snap: LiveSnapshot) -> None:
        lines = []
        for ch in snap.channels:
            f = ch.fatigue
            if f is None:
                continue
            lines.append(f"{ch.name}: {f.plain()}")
        if not lines and any(ch.mdf_points for ch in snap.channels):
            lines.append(f"A trend needs 3 contractions over {MIN_TREND_SPAN_S:.0f} s or more.")
        self.fatigue_head.setVisible(bool(lines))
        self.fatigue.setVisible(bool(lines))
        self.fatigue.setText("\n".join(lines))

    def _show_signal(self, snap: LiveSnapshot) -> None:
        rows = []
        for ch in snap.channels:
            q = ch.quality
            if q is None:
                continue
            dot, colour = QUALITY_TEXT.get(q.verdict, ("●", "#64748b"))
            text = q.reason.split(": ", 1)[-1]
            rows.append(f'<span style="color:{colour}">{dot}</span> <b>{_html(ch.name)}</b>: {_html(text)}')
        self.signal_head.setVisible(bool(rows))
        self.signal.setVisible(bool(rows))
        self.signal.setText("<br>".join(rows))


def _html(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
