"""Session review: every rep of a session in a table (score, firing order, helpers' share),
what the analysis said, the marks with their notes, and the chosen rep's traces opened again
from the recording. The content is ``app.records.review``; this only shows it."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pyqtgraph as pg
from platformdirs import user_documents_dir
from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QDialog,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from app.errors import UserError
from app.muscles import short_name
from app.records.located import with_local_recording
from app.records.review import COLUMNS, SessionReview, open_recording, rep_trace, review_record
from app.storage.reader import Recording
from app.storage.store import Store
from app.ui import theme
from app.ui.people_dialog import fill_table, read_only_table


def report_folder(csv_path: str | None) -> str:
    """Where a report is offered: next to the session's recording, else Documents/GluteFire."""
    if csv_path and Path(csv_path).parent.is_dir():
        return str(Path(csv_path).parent)
    folder = Path(user_documents_dir()) / "GluteFire"
    return str(folder if folder.is_dir() else Path.home())


def _text(label: QLabel, lines: list[str] | tuple[str, ...]) -> None:
    label.setText("\n".join(lines))
    label.setVisible(bool(lines))


class ReviewDialog(QDialog):
    """One session; ``write_report(path)`` makes its PDF (the button asks where)."""

    def __init__(self, store: Store, session_id: int, parent: QWidget | None = None,
                 report: Callable[[int, Path], str] | None = None) -> None:
        super().__init__(parent)
        self.store, self.session_id, self._report = store, session_id, report
        record, fetched = with_local_recording(store, store.session(session_id))
        person = store.person(record.person_id).name if record.person_id is not None else ""
        self.review: SessionReview = review_record(record, person)
        self._recording: Recording | None = None
        self.setWindowTitle(f"Review — {self.review.title}")
        self.resize(1180, 680)
        lay = QVBoxLayout(self)
        head = QLabel(f"<b style='font-size:16px'>{self.review.title}</b>"
                      + (f" &nbsp; · &nbsp; {person}" if person else " &nbsp; · &nbsp; nobody chosen"))
        lay.addWidget(head)
        self.protocol = QLabel()
        self.protocol.setWordWrap(True)
        _text(self.protocol, self.review.protocol)
        lay.addWidget(self.protocol)
        split = QSplitter(Qt.Orientation.Vertical)
        top = QSplitter(Qt.Orientation.Horizontal)
        self.table = read_only_table([h for _, h in COLUMNS])
        fill_table(self.table, [r.cells() for r in self.review.rows])
        self.table.currentCellChanged.connect(lambda row, *_: self.show_rep(row))
        top.addWidget(self.table)
        side = QWidget()
        sl = QVBoxLayout(side)
        sl.setContentsMargins(6, 0, 0, 0)
        self.findings = QLabel()
        self.findings.setWordWrap(True)
        _text(self.findings, self.review.sentences)
        self.marks = QLabel()
        self.marks.setWordWrap(True)
        _text(self.marks, [f"Mark {m.number} at {m.t_s:.1f} s" + (f": {m.note}" if m.note else "") for m in self.review.marks])
        sl.addWidget(QLabel("<b>What the analysis found</b>"))
        sl.addWidget(self.findings)
        sl.addWidget(QLabel("<b>Marks</b>" if self.review.marks else ""))
        sl.addWidget(self.marks)
        sl.addStretch(1)
        top.addWidget(side)
        top.setSizes([760, 400])
        split.addWidget(top)
        self.plot = pg.PlotWidget(background=theme.PLOT_BG)
        self.plot.setLabel("bottom", "time in the recording", units="s")
        self.plot.setLabel("left", "envelope (µV)")
        self.plot.addLegend(offset=(8, 8))
        self.plot.setMenuEnabled(False)
        split.addWidget(self.plot)
        split.setSizes([380, 260])
        lay.addWidget(split, 1)
        note = self.review.recording_note
        first = [note, fetched] if note else [fetched, "Choose a rep to see its traces."]
        self.message = QLabel(" ".join(x for x in first if x))
        self.message.setWordWrap(True)
        buttons = QHBoxLayout()
        buttons.addWidget(self.message, 1)
        self.report_btn = QPushButton("Report (PDF)…")
        self.report_btn.clicked.connect(self.ask_report)
        self.report_btn.setEnabled(report is not None and bool(self.review.rows))
        close = QPushButton("Close")
        close.clicked.connect(self.close)
        buttons.addWidget(self.report_btn)
        buttons.addWidget(close)
        lay.addLayout(buttons)
        if self.review.rows and self.review.can_show_traces:
            self.table.selectRow(0)

    def show_rep(self, index: int) -> None:
        """The rep's envelopes from the recording, its window shaded."""
        if not 0 <= index < len(self.review.rows) or not self.review.can_show_traces:
            return
        row = self.review.rows[index]
        if self._recording is None:
            self._recording, note = open_recording(self.review.csv_path)
            if self._recording is None:
                self.message.setText(note)
                return
        try:
            tr = rep_trace(self._recording, row)
        except UserError as exc:
            self.message.setText(str(exc))
            return
        self.plot.clear()
        self.plot.setLabel("left", f"envelope ({tr.unit})")
        self.plot.addItem(pg.LinearRegionItem(tr.window, movable=False, brush=(0, 114, 178, 30)))
        for i, label in enumerate(tr.labels):
            pen = pg.mkPen(theme.ENVELOPE[i % len(theme.ENVELOPE)], width=2)
            self.plot.plot(tr.t, tr.envelope[i], pen=pen, name=short_name(label))
        self.message.setText(f"Rep {row.rep_label}: {row.led}, peak {row.peak_text}, helpers {row.share_text}"
                             + (f" — {row.verdict}" if row.verdict else "") + ".")

    def write_report(self, path: Path) -> str:
        if self._report is None:
            raise UserError("Reports are not available here.")
        return self._report(self.session_id, path)

    def ask_report(self) -> None:
        default = str(Path(report_folder(self.review.csv_path)) / f"session-{self.session_id}.pdf")
        name, _ = QFileDialog.getSaveFileName(self, "Save the session report", default,
                                              "PDF (*.pdf);;PNG pages (*.png)")
        if name:
            try:
                self.message.setText(self.write_report(Path(name)))
            except UserError as exc:
                self.message.setText(str(exc))
