"""Guided %MVIC calibration: relax, then N maximal (or submaximal) contractions with rest between.

The dialog talks the person through each phase in big letters, records the raw signal of the
whole routine from the live stream, computes the reference per muscle (``app.analysis.mvic``: mean of
each contraction's best 500 ms RMS) and stores it for the chosen person in the SQLite records.
"""

from __future__ import annotations

import time

from PySide6.QtCore import QTimer, Signal
from PySide6.QtGui import QFont
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from app.analysis.mvic import MvicReference, reference_from_recording
from app.errors import UserError
from app.muscles import display_name
from app.session.stream import LiveStream, RawCollector
from app.storage.store import Store

EFFORTS = (("Maximal (100%)", 1.0), ("Submaximal, 50% effort (pain)", 0.5), ("Submaximal, 30% effort", 0.3))


class CalibrationDialog(QDialog):
    """Runs the routine; ``references`` holds the result after ``accept``."""

    phase_changed = Signal(str)

    def __init__(self, stream: LiveStream, store: Store, parent: QWidget | None = None,
                 contractions: int = 3, contract_s: float = 5.0, rest_s: float = 5.0,
                 settle_s: float = 2.0, person: str = "") -> None:
        super().__init__(parent)
        self.setWindowTitle("Calibrate %MVIC")
        self.setMinimumSize(600, 400)
        self.stream, self.store = stream, store
        self.contractions, self.contract_s, self.rest_s, self.settle_s = contractions, contract_s, rest_s, settle_s
        self.references: dict[str, MvicReference] = {}
        self.person_name = ""
        lay = QVBoxLayout(self)
        form = QFormLayout()
        self.person = QComboBox()
        self.person.setEditable(True)
        self.person.addItems([p.name for p in store.people()])
        self.person.setCurrentText(person)  # "" = someone new: type the name
        self.person.lineEdit().setPlaceholderText("Name of the person")
        form.addRow("Person", self.person)
        self.effort = QComboBox()
        for text, value in EFFORTS:
            self.effort.addItem(text, value)
        form.addRow("Effort", self.effort)
        lay.addLayout(form)
        self.instruction = QLabel(
            f"{contractions} contractions of {contract_s:g} s, {rest_s:g} s rest between.\n"
            "Press Start, then follow the instructions."
        )
        f = QFont()
        f.setPointSize(18)
        f.setBold(True)
        self.instruction.setFont(f)
        self.instruction.setWordWrap(True)
        self.instruction.setMinimumHeight(110)
        lay.addWidget(self.instruction)
        self.result = QLabel("")
        self.result.setWordWrap(True)
        self.result.setMinimumHeight(70)
        self.result.setStyleSheet("font-size: 14px;")
        lay.addWidget(self.result)
        row = QHBoxLayout()
        self.start_btn = QPushButton("Start")
        self.start_btn.clicked.connect(self.start)
        self.save_btn = QPushButton("Use these references")
        self.save_btn.setEnabled(False)
        self.save_btn.clicked.connect(self.accept)
        cancel = QPushButton("Cancel")
        cancel.clicked.connect(self.reject)
        row.addWidget(self.start_btn)
        row.addStretch(1)
        row.addWidget(self.save_btn)
        row.addWidget(cancel)
        lay.addLayout(row)
        self._timer = QTimer(self)
        self._timer.timeout.connect(self._tick)
        self._elapsed = 0.0
        self._phase = ""
        self._collector: RawCollector | None = None

    @property
    def total_s(self) -> float:
        return self.settle_s + self.contractions * self.contract_s + (self.contractions - 1) * self.rest_s + 1.0

    def start(self) -> None:
        name = self.person.currentText().strip()
        if not name:
            self.result.setText("Enter the person's name first.")
            return
        self.person_name = name
        self.start_btn.setEnabled(False)
        self.person.setEnabled(False)
        self.effort.setEnabled(False)
        # room for the routine plus slack; the routine's clock is real time, not timer ticks
        self._collector = RawCollector(int((self.total_s + 10.0) * self.stream.fs))
        self.stream.worker.add_sink(self._collector)
        self._t0 = time.monotonic()
        self._elapsed = 0.0
        self._timer.start(100)
        self._tick()

    def _phase_at(self, t: float) -> tuple[str, float]:
        if t < self.settle_s:
            return "relax", self.settle_s - t
        t -= self.settle_s
        period = self.contract_s + self.rest_s
        k = int(t // period)
        if k >= self.contractions:
            return "done", 0.0
        within = t - k * period
        if within < self.contract_s:
            return f"contract {k + 1}", self.contract_s - within
        if k == self.contractions - 1:
            return "done", 0.0
        return f"rest {k + 1}", period - within

    def _tick(self) -> None:
        self._elapsed = time.monotonic() - self._t0
        phase, left = self._phase_at(self._elapsed)
        if phase != self._phase:
            self._phase = phase
            self.phase_changed.emit(phase)
        if phase == "relax":
            self.instruction.setText(f"Relax completely… {left:.0f}")
        elif phase.startswith("contract"):
            self.instruction.setText(f"SQUEEZE as hard as you can! ({phase.split()[1]} of {self.contractions})  {left:.0f}")
            self.instruction.setStyleSheet("color: #15803d;")
        elif phase.startswith("rest"):
            self.instruction.setText(f"Rest… {left:.0f}")
            self.instruction.setStyleSheet("")
        elif phase == "done":
            self.instruction.setText("Relax… working out the references")
            self.instruction.setStyleSheet("")
        if self._collector is not None and self._elapsed >= self.total_s:
            self._finish()

    def _finish(self) -> None:
        self._timer.stop()
        assert self._collector is not None
        self.stream.worker.remove_sink(self._collector)
        self.instruction.setStyleSheet("")
        raw = self._collector.data()
        fraction = float(self.effort.currentData())
        try:
            refs = reference_from_recording(raw, self.stream.fs, self.stream.labels, expected=self.contractions, fraction=fraction)
        except UserError as exc:
            self.instruction.setText("Calibration failed.")
            self.result.setText(str(exc))
            self.start_btn.setEnabled(True)
            return
        person = self.store.find_person(self.person_name) or self.store.add_person(self.person_name)
        for r in refs:
            self.store.save_mvic(person.id, r)
        self.references = {r.label: r for r in refs}
        self.instruction.setText("Done. Well squeezed!")
        self.result.setText("\n".join(
            f"{display_name(r.label)}: reference {r.value_uv:.0f} µV ({r.method}, {r.n_contractions} contractions)"
            for r in refs
        ))
        self.save_btn.setEnabled(True)

    def done(self, result: int) -> None:
        self._timer.stop()
        if self._collector is not None:
            self.stream.worker.remove_sink(self._collector)
        super().done(result)
