"""The strip above the traces while a protocol runs: what to do now in big letters, the countdown,
set and rep, the last rep's score, and Pause / Skip / Stop.

It paints ``Frame.practice`` (``app.session.runner.PracticeState``); the controller's runner does
the timing and the scoring.
"""

from __future__ import annotations

import math

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QFrame, QLabel, QProgressBar, QPushButton, QWidget

from app.session.runner import PracticeState
from app.ui import theme

STYLE = """
QFrame#practice { background: #f0fdf4; border: 1px solid #bbf7d0; border-radius: 8px; }
QFrame#practice QLabel { color: #14532d; background: transparent; }
QLabel#step { font-size: 22px; font-weight: 700; }
QLabel#step[phase="hold"] { color: #15803d; }
QLabel#step[phase="paused"] { color: #92400e; }
QLabel#last { font-size: 14px; }
"""
PHASE_WORD = {"ready": "GET READY", "hold": "HOLD", "rest": "RELAX", "set rest": "REST", "done": "DONE"}


class PracticeStrip(QFrame):
    """``pause_clicked``, ``skip_clicked``, ``stop_clicked``; ``show_state`` each frame."""

    pause_clicked = Signal()
    skip_clicked = Signal()
    stop_clicked = Signal()
    review_clicked = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        lay, head, self.title = theme.strip(self, "practice", STYLE)
        self.pause_btn = QPushButton("Pause")
        self.skip_btn = QPushButton("Skip")
        self.stop_btn = QPushButton("Stop")
        self.review_btn = QPushButton("Review…")
        self.review_btn.setToolTip("Every rep of this session in a table, with its traces")
        self.review_btn.hide()
        for b, sig in ((self.review_btn, self.review_clicked), (self.pause_btn, self.pause_clicked),
                       (self.skip_btn, self.skip_clicked), (self.stop_btn, self.stop_clicked)):
            b.clicked.connect(sig.emit)
            head.addWidget(b)
        self.step = QLabel("")
        self.step.setObjectName("step")
        self.step.setWordWrap(True)
        lay.addWidget(self.step)
        self.progress = QProgressBar()
        self.progress.setTextVisible(False)
        self.progress.setMaximumHeight(8)
        lay.addWidget(self.progress)
        self.last = QLabel("")
        self.last.setObjectName("last")
        self.last.setWordWrap(True)
        lay.addWidget(self.last)
        self._key: tuple[object, ...] = ()
        self.hide()

    def show_state(self, st: PracticeState | None) -> None:
        if st is None:
            self.hide()
            return
        step = st.step
        key = (st.index, st.paused, round(st.seconds_left, 0), len(st.scores), st.finished, st.stopped, st.done_for_today)
        if key == self._key:
            return
        self._key = key
        self.show()
        where = f" ({'left' if step.side == 'L' else 'right'} side)" if step.side else ""
        count = f"Set {step.set} of {st.sets} · Rep {step.rep} of {st.reps}{where}" if step.set else ""
        self.title.setText(f"{st.drill}" + (f" · {count}" if count else ""))
        phase = "paused" if st.paused else "done" if st.finished else step.phase
        word = "PAUSED" if st.paused else PHASE_WORD.get(step.phase, step.phase.upper())
        secs = "" if st.finished or st.paused else f"   {math.ceil(st.seconds_left - 1e-6):.0f}"
        detail = step.text if not st.paused else "Press Resume when you are ready."
        end = f"Stopped after {len(st.scores)} rep{'s' if len(st.scores) != 1 else ''}." if st.stopped else "Finished."
        self.step.setText(f"{word}{secs} — {detail}" if not st.finished else end)
        if self.step.property("phase") != phase:
            self.step.setProperty("phase", phase)
            self.step.style().unpolish(self.step)
            self.step.style().polish(self.step)
        self.progress.setValue(int(100 * st.index / max(1, st.steps - 1)))
        lines = []
        if st.done_for_today:
            lines.append(st.done_for_today)
        if st.finished and st.set_summaries:
            lines += [s.sentence() for s in st.set_summaries]
        elif st.last is not None:
            lines.append(st.last.sentence())
        self.last.setText("\n".join(lines))
        self.pause_btn.setText("Resume" if st.paused else "Pause")
        for b in (self.pause_btn, self.skip_btn):
            b.setVisible(not st.finished)
        self.stop_btn.setText("Close" if st.finished else "Stop")
        self.review_btn.setVisible(st.finished and bool(st.scores))
