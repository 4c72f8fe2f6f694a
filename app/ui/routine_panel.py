"""The strip above the traces that talks a person through a guided routine: %MVIC calibration and
the electrode contact check.

It sits in the window's column, above the traces, so the person and the clinician see the signal
while following the prompt (a dialog would cover it). The routine itself runs in the session
controller; this strip shows ``Frame.prompt`` in big letters, the result when it comes, and the
buttons for the next step.
"""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QComboBox,
    QFrame,
    QHBoxLayout,
    QLabel,
    QProgressBar,
    QPushButton,
    QWidget,
)

from app.errors import UserError
from app.session.controller import EventType, Frame, SessionController, SessionEvent, State
from app.session.routines import CONTACT_CHECK_S, CalibrationPlan
from app.ui import theme

EFFORTS = (("Maximal (100%)", 1.0), ("Submaximal, 50% effort (pain)", 0.5), ("Submaximal, 30% effort", 0.3))
STYLE = """
QFrame#routine { background: #eff6ff; border: 1px solid #bfdbfe; border-radius: 8px; }
QFrame#routine QLabel { color: #1e3a8a; background: transparent; }
QLabel#prompt { font-size: 22px; font-weight: 700; }
QLabel#prompt[phase="contract"] { color: #15803d; }
"""


class RoutinePanel(QFrame):
    """Drives the controller's routines; ``message`` carries a sentence for the status line and
    ``calibrated`` says a calibration was kept (the person list changed)."""

    message = Signal(str)
    calibrated = Signal()

    def __init__(self, controller: SessionController, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.controller = controller
        lay, head, self.title = theme.strip(self, "routine", STYLE)
        self.close_btn = QPushButton("Cancel")
        self.close_btn.clicked.connect(self._close)
        head.addWidget(self.close_btn)
        self.form = QWidget()
        form = QHBoxLayout(self.form)
        form.setContentsMargins(0, 0, 0, 0)
        form.addWidget(QLabel("Person"))
        self.person = QComboBox()
        self.person.setEditable(True)
        self.person.setMinimumContentsLength(16)
        self.person.setAccessibleName("Person to calibrate")
        form.addWidget(self.person, 1)
        form.addWidget(QLabel("Effort"))
        self.effort = QComboBox()
        for text, value in EFFORTS:
            self.effort.addItem(text, value)
        form.addWidget(self.effort)
        self.start_btn = QPushButton("Start")
        self.start_btn.setObjectName("primary")
        self.start_btn.clicked.connect(self._start)
        form.addWidget(self.start_btn)
        lay.addWidget(self.form)
        self.prompt = QLabel("")
        self.prompt.setObjectName("prompt")
        self.prompt.setWordWrap(True)
        lay.addWidget(self.prompt)
        self.progress = QProgressBar()
        self.progress.setTextVisible(False)
        self.progress.setMaximumHeight(8)
        lay.addWidget(self.progress)
        self.result = QLabel("")
        self.result.setWordWrap(True)
        self.result.setStyleSheet("font-size: 14px;")
        lay.addWidget(self.result)
        self.use_btn = QPushButton("Use these references")
        self.use_btn.setObjectName("primary")
        self.use_btn.clicked.connect(self._accept)
        row = QHBoxLayout()
        row.addWidget(self.use_btn)
        row.addStretch(1)
        lay.addLayout(row)
        self.plan = CalibrationPlan()
        self.mode = ""
        self.hide()

    # -- calibration ---------------------------------------------------------------------------
    def calibrate(self, new_person: bool = False) -> None:
        """Step 1 of the calibration, for the current person (or someone new)."""
        ctl = self.controller
        if ctl.state is not State.STREAMING:
            self.message.emit("Connect to the patch first, then calibrate.")
            return
        self.ask_calibration(ctl.people(), "" if new_person else ctl.person)

    def ask_calibration(self, people: list[str], person: str, plan: CalibrationPlan | None = None) -> None:
        """Step 1: whom to calibrate and how hard."""
        self.plan = plan or CalibrationPlan()
        p = self.plan
        self.mode = "calibration"
        self.title.setText("Calibrate %MVIC")
        self.person.clear()
        self.person.addItems(people)
        self.person.setCurrentText(person)
        line = self.person.lineEdit()
        if line is not None:
            line.setPlaceholderText("Name of the person")
        self._show(form=True, start=True)
        self.prompt.setText(f"{p.contractions} contractions of {p.contract_s:g} s, {p.rest_s:g} s rest between. "
                            "Press Start, then follow the instructions.")
        self.prompt.setProperty("phase", "")
        self.prompt.setStyleSheet("font-size: 15px; font-weight: 600;")
        self.result.setText("")

    def _start(self) -> None:
        name = self.person.currentText().strip()
        if not name:
            self.result.setText("Enter the person's name first.")
            return
        from dataclasses import replace

        plan = replace(self.plan, effort=float(self.effort.currentData()))
        self._show(progress=True)
        self.prompt.setStyleSheet("")
        self.result.setText("")
        try:
            self.controller.start_calibration(name, plan)
        except UserError as exc:
            self.calibration_failed(str(exc))

    def _accept(self) -> None:
        try:
            msg = self.controller.accept_calibration()
        except UserError as exc:
            self.calibration_failed(str(exc))
            return
        self.mode = ""
        self.hide()
        self.calibrated.emit()
        self.message.emit(msg)

    def calibration_finished(self, text: str) -> None:
        self._show(use=True)
        self.prompt.setText("Done. Well squeezed!")
        self.prompt.setProperty("phase", "")
        self._repolish()
        self.result.setText(text)
        self.close_btn.setText("Discard")

    def calibration_failed(self, text: str) -> None:
        self._show(form=True, start=True)
        self.start_btn.setText("Try again")
        self.prompt.setText("Calibration failed.")
        self.prompt.setProperty("phase", "")
        self._repolish()
        self.result.setText(text)

    # -- contact check -------------------------------------------------------------------------
    def check_contact(self) -> None:
        try:
            self.contact_started(self.controller.start_contact_check().seconds)
        except UserError as exc:
            self.message.emit(str(exc))

    def contact_started(self, seconds: float = CONTACT_CHECK_S) -> None:
        self.mode = "contact"
        self.title.setText("Check electrode contact")
        self._show(progress=True)
        self.prompt.setStyleSheet("font-size: 15px; font-weight: 600;")
        self.prompt.setText(f"Relax the muscles for {seconds:g} seconds…")
        self.result.setText("")

    def contact_checked(self, text: str) -> None:
        self._show()
        self.prompt.setText("Electrode contact")
        self.result.setText(text)
        self.close_btn.setText("Close")

    def show_event(self, ev: SessionEvent) -> None:
        """A routine's result, shown only if the strip is on that routine (a late result of one
        that was cancelled or replaced is not)."""
        if ev.type is EventType.CONTACT_CHECKED and self.mode == "contact":
            self.contact_checked(ev.message)
        elif ev.type is EventType.CALIBRATION_FINISHED and self.mode == "calibration":
            self.calibration_finished(ev.message)
        elif ev.type is EventType.CALIBRATION_FAILED and self.mode == "calibration":
            self.calibration_failed(ev.message)

    # -- every frame ---------------------------------------------------------------------------
    def show_frame(self, frame: Frame) -> None:
        if self.mode == "calibration" and frame.prompt is not None:
            p = frame.prompt
            text = f"{p.text}   {max(0.0, p.seconds_left):.0f}"
            if self.prompt.text() != text:
                self.prompt.setText(text)
            if self.prompt.property("phase") != p.phase:
                self.prompt.setProperty("phase", p.phase)
                self._repolish()
            run_s = self.plan.total_s
            if p.phase != "done":
                elapsed = self._elapsed(p)
                self.progress.setValue(int(100 * min(1.0, elapsed / run_s)))
        elif self.mode == "contact" and frame.contact_progress is not None:
            self.progress.setValue(int(100 * frame.contact_progress))

    def _elapsed(self, p) -> float:  # type: ignore[no-untyped-def]
        """Seconds into the routine from the prompt (the plan is known)."""
        plan = self.plan
        if p.phase == "relax":
            return plan.settle_s - p.seconds_left
        period = plan.contract_s + plan.rest_s
        start = plan.settle_s + (p.step - 1) * period
        if p.phase == "contract":
            return start + plan.contract_s - p.seconds_left
        return start + period - p.seconds_left

    @property
    def running(self) -> bool:
        """A routine is under way (the prompts drive the person, not the contract button)."""
        return self.isVisible() and self.progress.isVisible()

    def _show(self, form: bool = False, start: bool = False, use: bool = False, progress: bool = False) -> None:
        self.form.setVisible(form)
        self.start_btn.setVisible(start)
        self.start_btn.setText("Start")
        self.use_btn.setVisible(use)
        self.progress.setVisible(progress)
        self.progress.setValue(0)
        self.close_btn.setText("Cancel")
        self.show()

    def _repolish(self) -> None:
        self.prompt.style().unpolish(self.prompt)
        self.prompt.style().polish(self.prompt)

    def _close(self) -> None:
        self.mode = ""
        self.hide()
        self.controller.cancel_routines()
