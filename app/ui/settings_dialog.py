"""Settings: filters (what a clinician may need to change), the session's stopping rule and the
simulated patch's rate.

Each field says in plain words what it does; values are checked with the same rules the pipeline
uses, and a bad combination is reported in one sentence without closing the dialog.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QDoubleSpinBox,
    QFormLayout,
    QGroupBox,
    QLabel,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from app.devices.personas import PERSONAS
from app.devices.simulator import SUPPORTED_RATES
from app.dsp.filters import FilterSettings
from app.errors import UserError
from app.session.sound import SoundSettings
from app.ui.preferences import Preferences


class SettingsDialog(QDialog):
    def __init__(self, prefs: Preferences, streaming: bool, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("GluteFire settings")
        self.prefs = prefs
        f = prefs.filters()
        lay = QVBoxLayout(self)

        filt = QGroupBox("Signal filters")
        form = QFormLayout(filt)
        # wide ranges: a typed 500 must reach the check below and get a message, not be cut to 50
        self.hp = _spin(0.1, 10000, f.highpass_hz, " Hz")
        self.lp = _spin(0.1, 10000, f.lowpass_hz, " Hz")
        form.addRow("High-pass (removes movement)", self.hp)
        form.addRow("Low-pass (removes noise)", self.lp)
        self.notch = QComboBox()
        for text, v in (("Off", 0.0), ("50 Hz (Europe, Asia, Africa)", 50.0), ("60 Hz (Americas)", 60.0)):
            self.notch.addItem(text, v)
        self.notch.setCurrentIndex(self.notch.findData(f.notch_hz))
        form.addRow("Mains hum filter", self.notch)
        self.env = QComboBox()
        self.env.addItem("Moving RMS", "rms")
        self.env.addItem("Linear envelope (rectify + low-pass)", "linear")
        self.env.setCurrentIndex(self.env.findData(f.envelope))
        form.addRow("Envelope", self.env)
        self.rms = _spin(1, 10000, f.rms_window_ms, " ms")
        form.addRow("RMS window (delay = half)", self.rms)
        self.cut = _spin(0.1, 1000, f.envelope_cutoff_hz, " Hz")
        form.addRow("Envelope low-pass", self.cut)
        lay.addWidget(filt)

        sess = QGroupBox("Session")
        xform = QFormLayout(sess)
        frac, n = prefs.stopping_rule()
        self.stop_fraction = _spin(50, 100, frac * 100, " % of best")
        self.stop_fraction.setDecimals(0)
        self.stop_reps = QSpinBox()
        self.stop_reps.setRange(1, 10)
        self.stop_reps.setValue(n)
        self.stop_reps.setSuffix(" reps in a row")
        xform.addRow("Say \"done for today\" below", self.stop_fraction)
        xform.addRow("… for", self.stop_reps)
        if streaming:
            xform.addRow(QLabel("Applies at the next Connect."))
        lay.addWidget(sess)

        snd = QGroupBox("Sound")
        sf = QFormLayout(snd)
        s = prefs.sound()
        self.volume = QSpinBox()
        self.volume.setRange(0, 100)
        self.volume.setValue(round(s.volume * 100))
        self.volume.setSuffix(" %")
        self.mute = QCheckBox("No sound")
        self.mute.setChecked(s.muted)
        self.pitch = QCheckBox("A tone whose pitch follows the glute's level during a hold")
        self.pitch.setChecked(s.pitch_follows_level)
        self.speech = QCheckBox("Say the cues (hold, relax, set done) where the computer can speak")
        self.speech.setChecked(s.speech)
        sf.addRow("Volume", self.volume)
        sf.addRow(self.mute)
        sf.addRow(self.pitch)
        sf.addRow(self.speech)
        lay.addWidget(snd)

        sim = QGroupBox("Simulated patch")
        sform = QFormLayout(sim)
        self.rate = QComboBox()
        for r in SUPPORTED_RATES:
            self.rate.addItem(f"{r} Hz", r)
        self.rate.setCurrentIndex(self.rate.findData(prefs.sample_rate()))
        sform.addRow("Sample rate", self.rate)
        self.persona = QComboBox()
        for key, p in PERSONAS.items():
            self.persona.addItem(p.name, key)
            self.persona.setItemData(self.persona.count() - 1, p.description, Qt.ItemDataRole.ToolTipRole)
        self.persona.setCurrentIndex(self.persona.findData(prefs.persona()))
        sform.addRow("Who follows the prompts", self.persona)
        if streaming:
            sform.addRow(QLabel("A new rate applies at the next Connect."))
        lay.addWidget(sim)

        lsl = QGroupBox("Lab Streaming Layer")
        lform = QFormLayout(lsl)
        self.lsl = QCheckBox("Publish the session for LabRecorder and other LSL programs (raw, envelope, markers)")
        self.lsl.setChecked(prefs.lsl_outlet())
        self.lsl.setToolTip("Streams 'GluteFire raw', 'GluteFire envelope' and 'GluteFire markers' from the next Connect")
        lform.addRow(self.lsl)
        lay.addWidget(lsl)

        self.error = QLabel("")
        self.error.setStyleSheet("color: #b91c1c;")
        self.error.setWordWrap(True)
        lay.addWidget(self.error)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        lay.addWidget(buttons)

    def settings(self) -> FilterSettings:
        return FilterSettings(
            highpass_hz=self.hp.value(),
            lowpass_hz=self.lp.value(),
            notch_hz=float(self.notch.currentData()),
            envelope=str(self.env.currentData()),
            rms_window_ms=self.rms.value(),
            envelope_cutoff_hz=self.cut.value(),
        )

    def accept(self) -> None:
        s = self.settings()
        try:
            s.validated(float(self.rate.currentData()))
        except UserError as exc:
            self.error.setText(str(exc))
            return
        self.prefs.set_filters(s)
        self.prefs.set_sample_rate(int(self.rate.currentData()))
        self.prefs.set_persona(str(self.persona.currentData()))
        self.prefs.set_lsl_outlet(self.lsl.isChecked())
        self.prefs.set_stopping_rule(self.stop_fraction.value() / 100.0, self.stop_reps.value())
        self.prefs.set_sound(SoundSettings(self.volume.value() / 100.0, self.mute.isChecked(), self.pitch.isChecked(),
                                           self.speech.isChecked()))
        super().accept()


def _spin(lo: float, hi: float, value: float, suffix: str) -> QDoubleSpinBox:
    s = QDoubleSpinBox()
    s.setRange(lo, hi)
    s.setDecimals(1)
    s.setValue(value)
    s.setSuffix(suffix)
    return s
