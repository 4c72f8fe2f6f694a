"""'Check electrode contact': a few seconds at rest, then one line per channel saying what is wrong.

Runs ``app.analysis.quality.assess`` on raw samples collected from the DSP thread by a temporary sink;
the window stays live meanwhile.
"""

from __future__ import annotations

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QDialog, QDialogButtonBox, QLabel, QVBoxLayout, QWidget

from app.analysis.quality import Quality, assess
from app.muscles import display_name
from app.session.stream import LiveStream, RawCollector

CHECK_SECONDS = 3.0


class ContactCheckDialog(QDialog):
    """Collects ``seconds`` of rest and shows the verdict per channel."""

    def __init__(self, stream: LiveStream, parent: QWidget | None = None, seconds: float = CHECK_SECONDS) -> None:
        super().__init__(parent)
        self.setWindowTitle("Check electrode contact")
        self.stream = stream
        self.results: list[Quality] = []
        lay = QVBoxLayout(self)
        self.text = QLabel(f"Relax the muscles for {seconds:g} seconds…")
        self.text.setWordWrap(True)
        self.text.setMinimumWidth(460)
        self.text.setStyleSheet("font-size: 14px;")
        lay.addWidget(self.text)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        lay.addWidget(buttons)
        self._collector = RawCollector(int(seconds * stream.fs))
        stream.worker.add_sink(self._collector)
        self._timer = QTimer(self)
        self._timer.timeout.connect(self._check)
        self._timer.start(100)

    def _check(self) -> None:
        if not self._collector.full:
            return
        raw = self._collector.data()
        self._timer.stop()
        self.stream.worker.remove_sink(self._collector)
        mains = float(self.stream.source.metadata().get("mains_hz", 50) or 50)
        self.results = assess(raw, self.stream.fs, self.stream.labels, mains)
        lines = []
        for q in self.results:
            if q.ok:
                lines.append(f"✔ {display_name(q.label)}: good contact (rest noise {q.noise_floor_uv:.1f} µV).")
            else:
                lines += [f"✘ {p}" for p in q.problems()]
        self.text.setText("\n".join(lines))

    def done(self, result: int) -> None:
        self._timer.stop()
        self.stream.worker.remove_sink(self._collector)
        super().done(result)
