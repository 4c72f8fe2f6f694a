"""History and trends of one person: the four-week retest in words at the top, a small plot per
measure (baseline and retest marked), the sessions below (filter by exercise and date; open one
to review it), and the progress and session reports. Content from ``app.records``."""

from __future__ import annotations

import datetime as _dt
from collections.abc import Callable
from pathlib import Path

import pyqtgraph as pg
from PySide6.QtCore import QDate, Qt, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QDateEdit,
    QDialog,
    QFileDialog,
    QGridLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from app.errors import UserError
from app.records.history import History, format_measure, load_history
from app.records.measures import TREND_MEASURES, SessionMeasures
from app.records.trends import Series
from app.storage.store import Store
from app.ui import theme
from app.ui.people_dialog import fill_table, read_only_table
from app.ui.review_dialog import report_folder

SESSION_COLUMNS = ("Date", "Exercise", "Reps", "Glute first", "Glute onset", "Peak", "Helpers", "Good")
ALL = "All exercises"
GOOD, BASELINE, RETEST = "#0072b2", "#6b7280", "#009e73"


def _epoch(iso: str) -> float:
    t = _dt.datetime.fromisoformat(iso)
    return (t if t.tzinfo else t.astimezone()).timestamp()


def _qdate(iso: str) -> QDate:
    d = _dt.date.fromisoformat(iso[:10])
    return QDate(d.year, d.month, d.day)


class TrendPlot(pg.PlotWidget):
    """One measure over the sessions; higher-is-better is said in the title."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent, background=theme.PLOT_BG, axisItems={"bottom": pg.DateAxisItem()})
        self.setMenuEnabled(False)
        self.setMouseEnabled(x=False, y=False)
        self.hideButtons()
        self.setMinimumHeight(150)

    def show_series(self, s: Series | None, title: str, baseline: str | None, retest: str | None) -> None:
        self.clear()
        for axis in ("left", "bottom"):
            self.showAxis(axis, s is not None)
        if s is None:
            self.setTitle(f"<span style='color:#64748b'>{title}: not measured yet</span>", size="9pt")
            return
        arrow = "▲" if s.higher_is_better else "▼"  # which way is better
        self.setTitle(f"<b>{s.title}</b> <span style='color:#64748b'>{s.unit} · {arrow} better</span>", size="9pt")
        xs = [_epoch(d) for d in s.dates]
        self.plot(xs, list(s.values), pen=pg.mkPen(GOOD, width=2), symbol="o", symbolSize=8,
                  symbolBrush=GOOD, symbolPen=None)
        for when, colour, text in ((baseline, BASELINE, "baseline"), (retest, RETEST, "retest")):
            if when:
                line = pg.InfiniteLine(_epoch(when), angle=90, pen=pg.mkPen(colour, width=1.5, style=Qt.PenStyle.DashLine),
                                       label=text, labelOpts={"position": 0.92, "color": colour, "movable": False,
                                                              "anchors": [(1.05, 0), (1.05, 0)] if text == "retest" else
                                                              [(-0.05, 0), (-0.05, 0)]})
                self.addItem(line)
        pad = max(2 * 86400.0, (max(xs) - min(xs)) * 0.1)
        self.setXRange(min(xs) - pad, max(xs) + pad, padding=0)


class HistoryDialog(QDialog):
    """``review_requested`` with a session id. ``report(kind, id, path)`` writes a report."""

    review_requested = Signal(int)

    def __init__(self, store: Store, person_id: int | None = None, parent: QWidget | None = None,
                 report: Callable[[str, int, Path], str] | None = None) -> None:
        super().__init__(parent)
        self.store, self._report = store, report
        self.history: History | None = None
        self.setWindowTitle("History and trends")
        self.resize(1240, 700)
        lay = QVBoxLayout(self)
        bar = QHBoxLayout()
        self.person_box = QComboBox()
        for p in store.people(include_archived=True):
            self.person_box.addItem(p.name + ("  (archived)" if p.archived else ""), p.id)
        if person_id is not None:
            self.person_box.setCurrentIndex(max(0, self.person_box.findData(person_id)))
        self.exercise_box = QComboBox()
        self.since, self.until = QDateEdit(), QDateEdit()
        for d in (self.since, self.until):
            d.setCalendarPopup(True)
            d.setDisplayFormat("yyyy-MM-dd")
        for w, text in ((self.person_box, "Person"), (self.exercise_box, "Exercise"), (self.since, "From"),
                        (self.until, "to")):
            bar.addWidget(QLabel(text))
            bar.addWidget(w)
        bar.addStretch(1)
        lay.addLayout(bar)
        split = QSplitter(Qt.Orientation.Vertical)
        top = QWidget()
        tl = QHBoxLayout(top)
        tl.setContentsMargins(0, 0, 0, 0)
        self.retest = QLabel()
        self.retest.setWordWrap(True)
        self.retest.setTextFormat(Qt.TextFormat.RichText)
        self.retest.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
        self.retest.setMinimumWidth(330)
        self.retest.setMaximumWidth(380)
        self.retest.setStyleSheet("QLabel { background: #f0f7ff; border: 1px solid #bfdbfe; border-radius: 8px;"
                                  " padding: 10px; font-size: 14px; color: #0f172a; }")
        tl.addWidget(self.retest)
        grid = QGridLayout()
        self.plots: dict[str, TrendPlot] = {}
        for i, key in enumerate(("glute_led_share", "median_lead_ms", "peak", "compensation_share",
                                 "time_above_goal_s", "symmetry_percent")):
            self.plots[key] = TrendPlot()
            grid.addWidget(self.plots[key], i // 3, i % 3)
        tl.addLayout(grid, 1)
        split.addWidget(top)
        self.table = read_only_table(SESSION_COLUMNS)
        self.table.horizontalHeader().setStretchLastSection(False)
        self.table.horizontalHeader().setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)  # the exercise
        self.table.cellDoubleClicked.connect(lambda row, _c: self.review(row))
        split.addWidget(self.table)
        split.setSizes([430, 200])
        lay.addWidget(split, 1)
        foot = QHBoxLayout()
        self.message = QLabel("")
        self.message.setWordWrap(True)
        foot.addWidget(self.message, 1)
        self.review_btn = QPushButton("Review session…")
        self.review_btn.clicked.connect(lambda: self.review(self.table.currentRow()))
        self.session_report_btn = QPushButton("Session report (PDF)…")
        self.session_report_btn.clicked.connect(lambda: self.ask_report("session"))
        self.progress_btn = QPushButton("Progress report (PDF)…")
        self.progress_btn.clicked.connect(lambda: self.ask_report("progress"))
        close = QPushButton("Close")
        close.clicked.connect(self.close)
        for b in (self.review_btn, self.session_report_btn, self.progress_btn, close):
            foot.addWidget(b)
        lay.addLayout(foot)
        self.person_box.currentIndexChanged.connect(lambda: self.load(reset=True))
        self.exercise_box.currentIndexChanged.connect(lambda: self.load())
        self.since.dateChanged.connect(lambda: self.load())
        self.until.dateChanged.connect(lambda: self.load())
        self.load(reset=True)

    @property
    def person_id(self) -> int | None:
        v = self.person_box.currentData()
        return None if v is None else int(v)

    def _filters(self, reset: bool) -> tuple[str | None, str | None, str | None]:
        pid = self.person_id
        if reset and pid is not None:  # a new person: every exercise, their whole date range
            everything = self.store.sessions(pid)
            names = list(dict.fromkeys(s.exercise for s in everything))
            for w in (self.exercise_box, self.since, self.until):
                w.blockSignals(True)
            self.exercise_box.clear()
            self.exercise_box.addItems([ALL, *names])
            today = _dt.date.today().isoformat()
            self.since.setDate(_qdate(everything[0].started_at if everything else today))
            self.until.setDate(_qdate(max(today, everything[-1].started_at[:10]) if everything else today))
            for w in (self.exercise_box, self.since, self.until):
                w.blockSignals(False)
        ex = self.exercise_box.currentText()
        return (None if ex in ("", ALL) else ex, self.since.date().toString("yyyy-MM-dd"),
                self.until.date().toString("yyyy-MM-dd"))

    def load(self, reset: bool = False) -> None:
        pid = self.person_id
        if pid is None:  # an empty store: say what to do, no empty axes, nothing to press
            self.retest.setText("Nobody in the records yet: add a person in People, then run a session.")
            self.history = None
            for key, plot in self.plots.items():
                plot.show_series(None, TREND_MEASURES[key][0], None, None)
            today = QDate.currentDate()
            for w in (self.since, self.until):
                w.setDate(today)
                w.setEnabled(False)
            self.exercise_box.setEnabled(False)
            for b in (self.review_btn, self.session_report_btn, self.progress_btn):
                b.setEnabled(False)
            return
        exercise, since, until = self._filters(reset)
        h = load_history(self.store, self.store.person(pid), exercise, since, until)
        self.history = h
        self._show_retest(h)
        r = h.retest
        base = r.baseline.started if r else None
        now = r.now.started if r and r.is_retest else None
        for key, plot in self.plots.items():
            plot.show_series(h.series.get(key), TREND_MEASURES[key][0], base, now)
        fill_table(self.table, [self._row(m) for m in reversed(h.measures)])  # newest first
        if h.measures:
            self.table.selectRow(0)
        for b in (self.review_btn, self.session_report_btn, self.progress_btn):
            b.setEnabled(bool(h.measures))

    @staticmethod
    def _row(m: SessionMeasures) -> list[str]:
        return [m.started[:16].replace("T", " "), m.exercise, str(m.reps),
                *(format_measure(k, m) for k in ("glute_led", "median_lead_ms", "peak", "compensation_share", "good"))]

    def _show_retest(self, h: History) -> None:
        n = len(h.measures)
        head = f"<b>{h.person.name}</b> — {n} session{'s' if n != 1 else ''}"
        if h.retest is None:
            body = ("<p>One more session of the same exercise and this shows the change since the first one. "
                    "Retest after four weeks.</p>" if n else "<p>No sessions in this range.</p>")
        else:
            r = h.retest
            lines = "".join(f"<p style='margin:4px 0'>{x}</p>" for x in r.lines)
            notes = "".join(f"<p style='color:#475569;font-size:12px'>{x}</p>" for x in r.notes)
            body = f"<p style='color:#1d4ed8'><b>{r.headline}</b></p>{lines}{notes}"
        screens = "".join(f"<p style='font-size:12px'>{x}</p>" for x in h.screening_lines)
        self.retest.setText(head + body + (f"<p><b>Screening</b></p>{screens}" if screens else ""))

    def selected_session(self) -> int | None:
        h, row = self.history, self.table.currentRow()
        if h is None or not 0 <= row < len(h.measures):
            return None
        return h.measures[len(h.measures) - 1 - row].session_id

    def review(self, row: int) -> None:
        if row >= 0:
            self.table.selectRow(row)
        sid = self.selected_session()
        if sid is not None:
            self.review_requested.emit(sid)

    def write_report(self, kind: str, path: Path) -> str:
        if self._report is None:
            raise UserError("Reports are not available here.")
        target = self.person_id if kind == "progress" else self.selected_session()
        if target is None:
            raise UserError("Choose a session first.")
        return self._report(kind, target, path)

    def ask_report(self, kind: str) -> None:
        sid = self.selected_session()
        csv = self.store.session(sid).csv_path if sid is not None and kind == "session" else None
        name_ = f"progress-{self.person_id}.pdf" if kind == "progress" else f"session-{sid}.pdf"
        default = str(Path(report_folder(csv)) / name_)
        name, _ = QFileDialog.getSaveFileName(self, "Save the report", default, "PDF (*.pdf);;PNG pages (*.png)")
        if name:
            try:
                self.message.setText(self.write_report(kind, Path(name)))
            except UserError as exc:
                self.message.setText(str(exc))
