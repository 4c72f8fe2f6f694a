"""One channel: a big firing tile (muscle, state, level, time above target, target) and its trace.

The tile is what a person on the floor sees from two metres away: solid green with "FIRING" when
the envelope is above the target, calm grey with "below target" otherwise. Below that: the last
rep against the session's best, and a warning line when the electrode needs attention. The plot
shows the last 10 s: band-passed EMG (light grey, min/max per display column), its envelope
(colour) and the target line (orange, drag it or type the number).

Units: µV until the person has a %MVIC reference; then level, trace, target line and target box
are all in %MVIC (the DSP keeps working in µV: ``threshold`` is always µV).
"""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QFont
from PySide6.QtWidgets import (
    QDoubleSpinBox,
    QFrame,
    QHBoxLayout,
    QLabel,
    QVBoxLayout,
    QWidget,
)

from app.analysis.mvic import MvicReference
from app.dsp.decimate import DISPLAY_WINDOW_S
from app.muscles import display_name
from app.ui import theme

#: the envelope (>= 0) is the hero; the band-passed trace below zero gets half the room
Y_BELOW = 0.5
Y_STEPS = (25.0, 50.0, 75.0, 100.0, 150.0, 200.0, 300.0, 400.0, 600.0, 800.0, 1200.0, 1600.0,
           2400.0, 3200.0, 4800.0, 6400.0)
#: autoscale calls (every 15th frame, ~4 per second) the signal must stay small before shrinking
SHRINK_AFTER_CALLS = 12


class FiringTile(QFrame):
    """The big per-channel indicator."""

    def __init__(self, label: str, unit: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("tile")
        self.setFixedWidth(240)
        self.unit = unit
        lay = QVBoxLayout(self)
        lay.setContentsMargins(14, 10, 14, 10)
        lay.setSpacing(2)
        self.name = QLabel(display_name(label))
        f = QFont()
        f.setPointSize(12)
        f.setBold(True)
        self.name.setFont(f)
        self.state = QLabel("—")
        fs = QFont()
        fs.setPointSize(20)
        fs.setBold(True)
        self.state.setFont(fs)
        self.level = QLabel("")
        fl = QFont()
        fl.setPointSize(13)
        self.level.setFont(fl)
        self.held = QLabel("")
        self.held.setFont(fl)
        self.rep = QLabel("")
        self.rep.setToolTip("The last rep's peak (best 500 ms) against the session's best")
        self.signal = QLabel("")
        self.signal.setObjectName("signal")
        self.signal.setWordWrap(True)
        lay.addWidget(self.name)
        lay.addWidget(self.state)
        lay.addWidget(self.level)
        lay.addWidget(self.held)
        lay.addStretch(1)
        lay.addWidget(self.rep)
        lay.addWidget(self.signal)
        self.signal.hide()
        row = QHBoxLayout()
        swatch = QLabel("- - Target")
        swatch.setObjectName("targetSwatch")
        swatch.setStyleSheet(f"QLabel#targetSwatch {{ color: {theme.TARGET}; font-weight: 600; }}")
        row.addWidget(swatch)
        self.target = QDoubleSpinBox()
        self.target.setDecimals(0)
        self.target.setRange(1.0, 10000.0)
        self.target.setSingleStep(5.0)
        self.target.setSuffix(f" {_unit_text(unit)}")
        self.target.setKeyboardTracking(False)
        self.target.setAccessibleName(f"Target for {display_name(label)}")
        row.addWidget(self.target, 1)
        lay.addLayout(row)
        self.reference = QLabel("")
        self.reference.setObjectName("reference")
        self.reference.hide()
        lay.addWidget(self.reference)
        self.mvic: MvicReference | None = None
        self.firing: bool | None = None
        self._signal_bad: bool | None = None
        self.set_state(False, None, 0.0)

    def set_unit(self, mvic: MvicReference | None) -> None:
        """Say levels and the target in %MVIC (a reference) or in the signal's unit (None)."""
        self.mvic = mvic
        if mvic is None:
            self.target.setRange(1.0, 10000.0)
            self.target.setSuffix(f" {_unit_text(self.unit)}")
            self.reference.hide()
            return
        self.target.setRange(1.0, 300.0)
        self.target.setSuffix(" % MVIC" if mvic.fraction >= 1.0 else " % MVIC (est.)")
        self.reference.setText(f"100% = {mvic.value_uv:.0f} µV ({mvic.method})")
        self.reference.setToolTip(mvic.describe())
        self.reference.show()

    def show_rep(self, text: str) -> None:
        self.rep.setText(text)

    def show_signal(self, verdict: str, text: str) -> None:
        """A warning line when the electrode needs attention; nothing when it is good."""
        if verdict == "good" or not text:
            self.signal.hide()
            return
        bad = verdict == "bad"
        if bad != self._signal_bad:
            self._signal_bad = bad
            fg, bg = ("#991b1b", "#fee2e2") if bad else ("#92400e", "#fef3c7")  # readable on green and grey
            self.signal.setStyleSheet(
                f"QLabel#signal {{ color: {fg}; background: {bg}; border-radius: 4px; padding: 2px 4px; }}"
            )
        self.signal.setText(("✖ " if bad else "⚠ ") + text)
        self.signal.show()

    def set_state(self, firing: bool, level: float | None, held_s: float) -> None:
        if firing != self.firing:
            self.firing = firing
            bg, fg = (theme.FIRING_BG, theme.FIRING_FG) if firing else (theme.REST_BG, theme.REST_FG)
            self.setStyleSheet(
                f"QFrame#tile {{ background: {bg}; border-radius: 10px; }}"
                f"QFrame#tile QLabel {{ color: {fg}; background: transparent; }}"
            )
            self.state.setText("FIRING" if firing else "Below target")
        if level is None or not np.isfinite(level):
            self.level.setText("")
        elif self.mvic is not None:
            self.level.setText(f"{float(self.mvic.percent(level)):.0f}% MVIC  ({level:.0f} {_unit_text(self.unit)})")
        else:
            self.level.setText(f"{level:.0f} {_unit_text(self.unit)}")
        self.held.setText(f"{held_s:.1f} s above target" if firing else "")


def _unit_text(unit: str) -> str:
    return {"uV": "µV", "counts": "counts", "mV": "mV"}.get(unit, unit)


class ChannelRow(QWidget):
    """Tile + plot for one channel; emits ``threshold_changed`` when the target is edited."""

    threshold_changed = Signal(int, float)

    def __init__(self, index: int, label: str, unit: str, threshold: float, parent: QWidget | None = None):
        super().__init__(parent)
        self.index = index
        self.label = label
        self.unit = unit
        self.scale = 1.0  # display units per signal unit (100 / reference with %MVIC)
        lay = QHBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.setSpacing(8)
        self.tile = FiringTile(label, unit)
        lay.addWidget(self.tile)

        self.plot = pg.PlotWidget(background=theme.PLOT_BG)
        self.plot.setMenuEnabled(False)
        self.plot.setMouseEnabled(x=False, y=False)
        self.plot.hideButtons()
        pi = self.plot.getPlotItem()
        # no grid: it costs ~3 ms per plot per frame (benchmarks/bench_display.py)
        for ax in ("left", "bottom"):
            pi.getAxis(ax).setPen(theme.AXIS)
            pi.getAxis(ax).setTextPen(theme.AXIS)
        pi.setLabel("left", _unit_text(unit))
        pi.setXRange(-DISPLAY_WINDOW_S, 0.0, padding=0)
        self.y_max = 200.0
        pi.setYRange(-self.y_max * Y_BELOW, self.y_max, padding=0)
        color = theme.ENVELOPE[index % len(theme.ENVELOPE)]
        self.raw_curve = pi.plot(pen=pg.mkPen(theme.RAW_TRACE, width=1), connect="finite")
        self.env_curve = pi.plot(pen=pg.mkPen(color, width=2), connect="finite")
        self.target_line = pg.InfiniteLine(
            pos=threshold,
            angle=0,
            movable=True,
            pen=pg.mkPen(theme.TARGET, width=2, style=Qt.PenStyle.DashLine),
            hoverPen=pg.mkPen(theme.TARGET, width=4),
        )  # no text label on the line: it costs ~1 ms per plot per frame; the tile names it
        self.target_line.setToolTip("Target: drag up or down")
        pi.addItem(self.target_line)
        lay.addWidget(self.plot, 1)
        self.setMinimumHeight(150)

        self.tile.target.setValue(threshold)
        self.tile.target.valueChanged.connect(self._typed)
        self.target_line.sigPositionChangeFinished.connect(self._dragged)
        self._quiet_frames = 0

    def set_reference(self, mvic: MvicReference | None, target: float) -> None:
        """Switch to %MVIC (``mvic``) or back to the signal's unit (None); ``target`` is in the new
        display unit (% MVIC, or µV). Emits ``threshold_changed`` with the target in µV."""
        self.scale = float(mvic.percent(1.0)) if mvic is not None else 1.0
        self.plot.getPlotItem().setLabel("left", "% MVIC" if mvic is not None else _unit_text(self.unit))
        self.tile.target.blockSignals(True)
        self.tile.set_unit(mvic)
        self.tile.target.blockSignals(False)
        self._quiet_frames = 0
        room = max(target * 2.5, 110.0 if mvic is not None else 0.0)  # %MVIC: a maximal effort fits
        self._set_ymax(next((s for s in Y_STEPS if s >= room), Y_STEPS[-1]))
        if self.tile.target.value() == round(target):
            self._typed(self.tile.target.value())
        else:
            self.tile.target.setValue(round(target))  # emits via _typed

    def show_time_axis_label(self) -> None:
        self.plot.getPlotItem().setLabel("bottom", "seconds ago")

    def _typed(self, value: float) -> None:
        if abs(self.target_line.value() - value) > 1e-9:
            self.target_line.setValue(value)
        self._ensure_visible(value)
        self.threshold_changed.emit(self.index, float(value) / self.scale)

    def _dragged(self) -> None:
        v = max(1.0, round(float(self.target_line.value())))
        self.tile.target.setValue(v)  # emits via _typed
        self.target_line.setValue(v)

    @property
    def threshold(self) -> float:
        """The target in the signal's unit (µV), whatever the display says."""
        return float(self.tile.target.value()) / self.scale

    @property
    def target_display(self) -> float:
        """The target as shown: % MVIC with a reference, µV otherwise."""
        return float(self.tile.target.value())

    def _ensure_visible(self, value: float) -> None:
        if value > self.y_max * 0.9:
            self._set_ymax(next((s for s in Y_STEPS if s > value * 1.2), Y_STEPS[-1]))

    def _set_ymax(self, y: float) -> None:
        if y != self.y_max:
            self.y_max = y
            self.plot.getPlotItem().setYRange(-y * Y_BELOW, y, padding=0)

    def autoscale(self, peak: float) -> None:
        """Step the fixed y-range when the signal (``peak`` in µV) outgrows it or stays far below
        it for ~3 s."""
        need = max(peak * self.scale, self.target_display) * 1.15
        if need > self.y_max:
            self._set_ymax(next((s for s in Y_STEPS if s >= need), Y_STEPS[-1]))
            self._quiet_frames = 0
            return
        smaller = [s for s in Y_STEPS if s >= need]
        if smaller and smaller[0] <= self.y_max / 2:
            self._quiet_frames += 1
            if self._quiet_frames > SHRINK_AFTER_CALLS:
                self._set_ymax(smaller[0])
                self._quiet_frames = 0
        else:
            self._quiet_frames = 0

    def show_data(self, t: np.ndarray, lo: np.ndarray, hi: np.ndarray, env: np.ndarray) -> None:
        """Draw one frame: t are bin times (s, <= 0), lo/hi/env per bin."""
        n = t.size
        if n == 0:
            self.raw_curve.setData([], [])
            self.env_curve.setData([], [])
            return
        xs = np.repeat(t, 2)
        ys = np.empty(2 * n)
        ys[0::2] = lo
        ys[1::2] = hi
        env = env[::-2][::-1]
        if self.scale != 1.0:
            ys *= self.scale
            env = env * self.scale
        self.raw_curve.setData(xs, ys)
        # the envelope is smooth (< 10 Hz): every other bin is plenty and halves its thick-pen cost
        self.env_curve.setData(t[::-2][::-1], env)
