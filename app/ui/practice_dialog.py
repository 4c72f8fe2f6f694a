"""Choosing what to practise: the exercise library (and the clinic's own versions), each with its
instructions, cues, muscles, published activation and electrode placement, a protocol the
clinician may change (and keep as their own version), and the feedback options; or a screening
test with what it measures and the rule it applies.

A dialog is fine here: it comes before the exercise, and while the exercise runs the prompts sit
in a strip above the traces.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QCheckBox,
    QDialog,
    QDoubleSpinBox,
    QFormLayout,
    QFrame,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QPushButton,
    QSpinBox,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from app.assets import asset
from app.errors import UserError
from app.exercises.library import Exercise, Protocol
from app.exercises.screening import CAVEAT, SCREENING_TESTS, ResultCard, ScreeningTest
from app.muscles import MUSCLES


def _picture(relative: str, width: int = 330) -> QWidget:
    """The electrode-placement drawing (SVG), or a line saying where it should be."""
    path = asset(relative)
    try:
        from PySide6.QtSvgWidgets import QSvgWidget
    except ImportError:  # a Qt without the SVG module: say so instead
        return QLabel(f"(placement picture: {relative})")
    if path is None:  # an installation without the drawings: the words in the instructions still say it
        return QLabel(f"(the placement picture {relative} is not installed)")
    w = QSvgWidget(str(path))
    w.setFixedSize(width, int(width * 0.75))
    return w


def _muscles(keys: tuple[str, ...]) -> str:
    return ", ".join(MUSCLES.get(k, k) for k in keys) or "none"


def _spin(lo: float, hi: float, value: float, suffix: str, decimals: int = 0) -> QDoubleSpinBox:
    s = QDoubleSpinBox()
    s.setRange(lo, hi)
    s.setDecimals(decimals)
    s.setValue(value)
    s.setSuffix(suffix)
    return s


class PracticeDialog(QDialog):
    """``chosen``, ``protocol``, ``faded`` and ``probes`` after Start; ``save`` keeps a version."""

    def __init__(self, exercises: list[Exercise], save: Any = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Exercise with a protocol")
        self.resize(900, 560)
        self.exercises = exercises
        self._save = save
        self.chosen: Exercise | None = None
        self.protocol: Protocol | None = None
        lay = QHBoxLayout(self)
        self.list = QListWidget()
        self.list.setFixedWidth(240)
        for e in exercises:
            self.list.addItem(e.name)
        lay.addWidget(self.list)
        right = QVBoxLayout()
        self.title = QLabel("")
        self.title.setStyleSheet("font-size: 18px; font-weight: 700;")
        right.addWidget(self.title)
        body = QHBoxLayout()
        text = QVBoxLayout()
        self.about = QTextBrowser()  # scrolls when the evidence list is long
        self.about.setFrameShape(QFrame.Shape.NoFrame)
        self.about.setStyleSheet("background: transparent;")
        text.addWidget(self.about, 1)
        form = QFormLayout()
        self.sets = QSpinBox()
        self.sets.setRange(1, 20)
        self.reps = QSpinBox()
        self.reps.setRange(1, 100)
        self.hold = _spin(0.5, 120, 2, " s", 1)
        self.rest = _spin(0, 300, 2, " s", 1)
        self.goal = _spin(1, 150, 40, " % MVIC")
        form.addRow("Sets", self.sets)
        form.addRow("Reps per set", self.reps)
        form.addRow("Hold each rep", self.hold)
        form.addRow("Rest between reps", self.rest)
        form.addRow("Goal for the glute", self.goal)
        self.faded = QCheckBox("Faded feedback (the screen shows fewer reps each set)")
        self.faded.setToolTip("Practice with less feedback is remembered better (Winstein 1994; Aoyagi 2019)")
        self.probes = QCheckBox("One no-feedback test rep at the end of each set")
        form.addRow(self.faded)
        form.addRow(self.probes)
        text.addLayout(form)
        body.addLayout(text, 1)
        self.picture_box = QVBoxLayout()
        body.addLayout(self.picture_box)
        right.addLayout(body, 1)
        self.error = QLabel("")
        self.error.setStyleSheet("color: #b91c1c;")
        right.addWidget(self.error)
        buttons = QHBoxLayout()
        self.save_btn = QPushButton("Keep as my version")
        self.save_btn.setToolTip("Save this protocol as the clinic's own version of the exercise")
        self.save_btn.clicked.connect(self._keep)
        self.save_btn.setVisible(save is not None)
        self.start_btn = QPushButton("Start")
        self.start_btn.setObjectName("primary")
        self.start_btn.clicked.connect(self.accept)
        cancel = QPushButton("Cancel")
        cancel.clicked.connect(self.reject)
        buttons.addWidget(self.save_btn)
        buttons.addStretch(1)
        buttons.addWidget(self.start_btn)
        buttons.addWidget(cancel)
        right.addLayout(buttons)
        lay.addLayout(right, 1)
        self.list.currentRowChanged.connect(self._show)
        self.list.setCurrentRow(0)

    @property
    def current(self) -> Exercise:
        return self.exercises[max(0, self.list.currentRow())]

    def _show(self, row: int) -> None:
        if row < 0:
            return
        e = self.exercises[row]
        self.title.setText(e.name + (" (your version)" if e.custom_of else ""))
        steps = "".join(f"<li>{s}</li>" for s in e.instructions)
        cues = " · ".join(f"“{c}”" for c in e.cues)
        evidence = "<br>".join(
            f"{MUSCLES.get(r.muscle, r.muscle)}: {r.low_pct:g}{'' if r.low_pct == r.high_pct else f'–{r.high_pct:g}'}"
            f"% MVIC ({r.citation}{'' if r.verified else ', not verified'})" for r in e.mvic_ranges)
        self.about.setHtml(
            f"<ol style='margin-left:-20px'>{steps}</ol><p><b>Cues:</b> {cues}</p>"
            f"<p><b>Trains</b> {_muscles(e.targets)}; <b>watch</b> {_muscles(e.compensators)}"
            f"{' — one side at a time' if e.unilateral else ''}.</p><p><b>Published activation</b><br>{evidence}</p>")
        p = e.protocol
        self.sets.setValue(p.sets)
        self.reps.setValue(p.reps)
        self.hold.setValue(p.hold_s)
        self.rest.setValue(p.rest_s)
        self.goal.setValue(p.goal_mvic_pct)
        while self.picture_box.count():
            item = self.picture_box.takeAt(0)
            if item is not None and item.widget() is not None:
                item.widget().deleteLater()  # type: ignore[union-attr]
        self.picture_box.addWidget(_picture(e.placement_image))
        self.picture_box.addStretch(1)
        self.error.setText("")

    def _read(self) -> Protocol:
        p = self.current.protocol
        return replace(p, sets=self.sets.value(), reps=self.reps.value(), hold_s=self.hold.value(),
                       rest_s=self.rest.value(), goal_mvic_pct=self.goal.value()).validated()

    def _keep(self) -> None:
        try:
            mine = self.current.with_protocol(self._read())
            msg = self._save(mine) if self._save is not None else ""
        except UserError as exc:
            self.error.setText(str(exc))
            return
        self.exercises.append(mine)
        self.list.addItem(mine.name)
        self.list.setCurrentRow(len(self.exercises) - 1)
        self.error.setText(msg)

    def accept(self) -> None:
        try:
            self.protocol = self._read()
        except UserError as exc:
            self.error.setText(str(exc))
            return
        self.chosen = self.current
        super().accept()


class ScreeningDialog(QDialog):
    """Pick one of the seed's screening tests; ``chosen`` after Start."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Screening test")
        self.resize(640, 380)
        self.tests: list[ScreeningTest] = list(SCREENING_TESTS.values())
        self.chosen: ScreeningTest | None = None
        lay = QHBoxLayout(self)
        self.list = QListWidget()
        self.list.setFixedWidth(200)
        for t in self.tests:
            self.list.addItem(t.name)
        lay.addWidget(self.list)
        right = QVBoxLayout()
        self.about = QLabel("")
        self.about.setWordWrap(True)
        self.about.setTextFormat(Qt.TextFormat.RichText)
        self.about.setAlignment(Qt.AlignmentFlag.AlignTop)
        right.addWidget(self.about, 1)
        row = QHBoxLayout()
        row.addStretch(1)
        start = QPushButton("Start")
        start.setObjectName("primary")
        start.clicked.connect(self.accept)
        cancel = QPushButton("Cancel")
        cancel.clicked.connect(self.reject)
        row.addWidget(start)
        row.addWidget(cancel)
        right.addLayout(row)
        lay.addLayout(right, 1)
        self.list.currentRowChanged.connect(self._show)
        self.list.setCurrentRow(0)

    def _show(self, row: int) -> None:
        t = self.tests[max(0, row)]
        steps = "".join(f"<li>{s}</li>" for s in t.instructions)
        self.about.setText(f"<h3>{t.name}</h3><ol style='margin-left:-20px'>{steps}</ol>"
                           f"<p><b>Measures:</b> {t.measured}</p><p><b>Rule:</b> {t.rule}</p>"
                           f"<p style='color:#64748b'>Channels needed: {_muscles(t.targets + t.compensators)}"
                           f"{', both sides' if t.unilateral else ''}.</p>")

    def accept(self) -> None:
        self.chosen = self.tests[max(0, self.list.currentRow())]
        super().accept()


class ResultCardDialog(QDialog):
    """A screening test's card: what was measured, the numbers, the rule, the verdict."""

    def __init__(self, card: ResultCard, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(card.title)
        lay = QVBoxLayout(self)
        lay.setSizeConstraint(QVBoxLayout.SizeConstraint.SetMinimumSize)  # tall enough for every wrapped line
        title = QLabel(card.title)
        title.setMinimumWidth(540)  # the layout's minimum sets the dialog's: a readable line length
        title.setStyleSheet("font-size: 20px; font-weight: 700;")
        lay.addWidget(title)
        for text, style in ((card.measured, "color: #475569;"),
                            *((line, "font-size: 15px;") for line in card.lines),  # one label each: long ones wrap
                            (f"Rule: {card.rule}", "color: #475569;"),
                            (card.verdict, "font-size: 17px; font-weight: 700; padding: 8px; border-radius: 6px; "
                             + ("background: #fde7d6; color: #7c2d12;" if card.flagged else
                                "background: #dcfce7; color: #14532d;")),
                            (CAVEAT + " The result is kept in the person's records for the retest.",
                             "color: #64748b; font-size: 11px;")):
            lb = QLabel(text)
            lb.setWordWrap(True)
            lb.setStyleSheet(style)
            lay.addWidget(lb)
        ok = QPushButton("Close")
        ok.setObjectName("primary")
        ok.clicked.connect(self.accept)
        row = QHBoxLayout()
        row.addStretch(1)
        row.addWidget(ok)
        lay.addLayout(row)
