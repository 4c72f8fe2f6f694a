"""One channel: a big firing tile (muscle, state, level, time above target, target) and its trace.

The tile is what a person on the floor sees from two metres away: solid green with "FIRING" when
the envelope is above the target, calm grey with "Below target" otherwise. Below that: the last
rep against the session's best, and a warning line when the electrode needs attention. The plot
shows the last 10 s: band-passed EMG (light grey, min/max per display column), its envelope
(colour), the target line (orange, drag it or type the number) and the marks put in the recording.

The vertical scale stays put — set from the target (and, in %MVIC, room for a maximal effort) so
the target line does not jump while the person contracts and relaxes. It grows one step when the
envelope runs off the top, and fits the last 10 s on a double-click; it never shrinks by itself.

Units: µV until the person has a %MVIC reference; then level, trace, target line and target box
are all in %MVIC (the controller keeps the DSP in µV).
"""

from __future__ import annotations

import math

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QRectF, QSize, Qt, Signal
from PySide6.QtGui import QFont
from PySide6.QtWidgets import QDoubleSpinBox, QFrame, QGraphicsItem, QGridLayout, QHBoxLayout, QLabel, QWidget

from app.dsp.decimate import DISPLAY_WINDOW_S
from app.muscles import display_name, short_name
from app.session.controller import ChannelFrame, Mark
from app.ui import theme

#: the envelope (>= 0) is the hero; the band-passed trace below zero gets half the room
Y_BELOW = 0.5
Y_STEPS = (25.0, 50.0, 75.0, 100.0, 150.0, 200.0, 300.0, 400.0, 600.0, 800.0, 1200.0, 1600.0,
           2400.0, 3200.0, 4800.0, 6400.0)
#: rows from this many channels on are compact, so eight fit a 720 px high screen
COMPACT_FROM = 4
MAX_MARKS = 6
#: the envelope is drawn from every ENV_EVERY-th display bin
ENV_EVERY = 4


def _step_at_least(value: float) -> float:
    return next((s for s in Y_STEPS if s >= value), Y_STEPS[-1])


def _nice_below(value: float) -> float:
    """The largest 1, 2 or 5 times a power of ten at or below ``value`` (> 0)."""
    power = 10.0 ** math.floor(math.log10(value))
    return max(m * power for m in (1.0, 2.0, 5.0) if m * power <= value)


def _font(points: int, bold: bool = False) -> QFont:
    f = QFont()
    f.setPointSize(points)
    f.setBold(bold)
    return f


class FiringTile(QFrame):
    """The big per-channel indicator; ``compact`` packs it into two lines for many channels.

    Normal: name / FIRING and the seconds held / level / last rep / target (and a warning line
    when the electrode needs attention). Compact: short name and target / state and level.
    """

    def __init__(self, label: str, compact: bool = False, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("tile")
        self.setFixedWidth(260)
        self.compact = compact
        self.name = QLabel(short_name(label) if compact else display_name(label))
        self.name.setToolTip(display_name(label))
        self.name.setFont(_font(11 if compact else 12, True))
        self.state = QLabel("—")
        self.state.setFont(_font(12 if compact else 20, True))
        self.held = QLabel("")
        self.held.setFont(_font(13 if compact else 20, True))
        self.held.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        self.level = QLabel("")
        self.level.setFont(_font(11 if compact else 13))
        self.rep = QLabel("")
        self.rep.setToolTip("The last rep's peak (best 500 ms) against the session's best")
        self.signal = QLabel("")
        self.signal.setObjectName("signal")
        self.signal.setWordWrap(True)
        self.signal.hide()
        self.target = QDoubleSpinBox()
        self.target.setDecimals(0)
        self.target.setRange(1.0, 10000.0)
        self.target.setSingleStep(5.0)
        self.target.setKeyboardTracking(False)
        self.target.setAccessibleName(f"Target for {display_name(label)}")
        self.target.setToolTip("Target: type a number or drag the orange line")
        lay = QGridLayout(self)
        lay.setContentsMargins(12, 5 if compact else 8, 12, 5 if compact else 8)
        lay.setVerticalSpacing(0 if compact else 2)
        lay.setHorizontalSpacing(6)
        state_row = QHBoxLayout()  # FIRING ... 3.2 s: the seconds take no room while below target
        state_row.setContentsMargins(0, 0, 0, 0)
        state_row.addWidget(self.state)
        state_row.addStretch(1)
        state_row.addWidget(self.level if compact else self.held)
        self.swatch: QLabel | None = None
        if compact:
            lay.addWidget(self.name, 0, 0)
            lay.addWidget(self.target, 0, 1)
            lay.addLayout(state_row, 1, 0, 1, 2)
            lay.addWidget(self.signal, 2, 0, 1, 2)
            lay.setColumnStretch(0, 1)
            self.rep.hide()
            self.held.hide()
        else:
            lay.addWidget(self.name, 0, 0, 1, 2)
            lay.addLayout(state_row, 1, 0, 1, 2)
            lay.addWidget(self.level, 2, 0, 1, 2)
            lay.setRowStretch(3, 1)
            lay.addWidget(self.rep, 4, 0, 1, 2)
            lay.addWidget(self.signal, 5, 0, 1, 2)
            swatch = QLabel("- - Target")
            swatch.setObjectName("targetSwatch")
            swatch.setStyleSheet(f"QLabel#targetSwatch {{ color: {theme.TARGET}; font-weight: 600; }}")
            self.swatch = swatch
            lay.addWidget(swatch, 6, 0)
            lay.addWidget(self.target, 6, 1)
        self.unit = ""
        self.firing: bool | None = None
        self._look = ""
        self._signal_bad: bool | None = None
        self._text: tuple[str, str] = ("", "")
        self.set_idle()

    def set_unit(self, ch: ChannelFrame) -> None:
        """Say levels and the target in the channel's shown unit (% MVIC or the signal's)."""
        self.unit = ch.unit
        self.target.setEnabled(True)
        self.target.blockSignals(True)
        self.target.setRange(1.0, 300.0 if ch.reference is not None else 10000.0)
        self.target.setSuffix(f" {ch.unit}")
        self.target.setValue(round(ch.target))
        self.target.blockSignals(False)
        ref = ch.reference
        tip = f"{ref.describe()}; 100% = {ref.value_uv:.0f} µV" if ref is not None else "in the signal's unit"
        self.level.setToolTip(tip)
        self.target.setToolTip(f"Target ({tip}): type a number or drag the orange line")

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

    def _paint(self, firing: bool, state: str, look: str | None = None) -> None:
        """``look``: "firing" (green), "warning" (vermillion: a helper taking over) or "rest"."""
        look = look or ("firing" if firing else "rest")
        self.firing = firing
        if look != self._look:
            self._look = look
            bg, fg = {"firing": (theme.FIRING_BG, theme.FIRING_FG), "warning": (theme.WARNING_BG, theme.WARNING_FG)
                      }.get(look, (theme.REST_BG, theme.REST_FG))
            self.setStyleSheet(
                f"QFrame#tile {{ background: {bg}; border-radius: 10px; }}"
                f"QFrame#tile QLabel {{ color: {fg}; background: transparent; }}"
            )
        if self.state.text() != state:
            self.state.setText(state)

    def set_state(self, ch: ChannelFrame, feedback: bool = True) -> None:
        """One frame's state: FIRING and seconds above target, or below target; the level. In an
        exercise a helper muscle is never green: above its ceiling it says TAKING OVER in
        vermillion. Without feedback (faded schedule) the tile shows nothing to go by."""
        if not feedback:
            self._paint(False, "No screen this rep")
            self._show_text("", "")
            return
        if self.swatch is not None:  # the orange line is a goal for the glute, a ceiling for a helper
            word = {"target": "- - Goal", "compensator": "- - Ceiling"}.get(ch.role, "- - Target")
            if self.swatch.text() != word:
                self.swatch.setText(word)
        if ch.role == "compensator":
            self._paint(ch.firing, "TAKING OVER" if ch.firing else "Helper calm", "warning" if ch.firing else "rest")
        else:
            self._paint(ch.firing, "FIRING" if ch.firing else ("Below goal" if ch.role == "target" else "Below target"))
        if not np.isfinite(ch.level):
            level = ""
        elif ch.reference is not None:
            level = f"{ch.level * ch.scale:.0f}% MVIC" + ("" if self.compact else f"  ({ch.level:.0f} µV)")
        else:
            level = f"{ch.level:.0f} {ch.unit}"
        held = f"{ch.held_s:.1f} s" if ch.firing and ch.role != "compensator" else ""
        if self.compact and held:
            level = f"{level} · {ch.held_s:.0f} s"
        self._show_text(level, held)

    def _show_text(self, level: str, held: str) -> None:
        if (level, held) != self._text:
            self._text = (level, held)
            self.level.setText(level)
            self.held.setText(held)
            self.held.setToolTip("seconds above target in this hold" if held else "")

    def set_idle(self) -> None:
        """Not streaming: nothing fires, nothing is measured, the target waits for the next session."""
        self.target.setEnabled(False)
        self._paint(False, "Not connected")
        self.level.setText("")
        self.held.setText("")
        self._text = ("", "")


class _ViewCurve(pg.PlotCurveItem):
    """A curve whose bounds are the plot's visible range (the row sets it), not its data's.

    pyqtgraph works a curve's bounding rectangle out from its data (``nanmin``/``nanmax`` of
    both axes under ``warnings.catch_warnings``, then pixel padding) every time ``setData``
    invalidates it: at 8 ch x 2 kHz that was a fifth of the window thread's time (py-spy,
    docs/performance.md). The plot shows a fixed window and clips what lies outside it, so that
    window, a little larger for the pen, is an honest bounding rectangle for every point shown.
    """

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self._view = QRectF()

    def set_view(self, x0: float, x1: float, y0: float, y1: float) -> None:
        pad = 0.02 * (y1 - y0)
        rect = QRectF(x0, y0 - pad, x1 - x0, (y1 - y0) + 2 * pad)
        if rect != self._view:
            self.prepareGeometryChange()
            self._view = rect

    def boundingRect(self) -> QRectF:
        return self._view

    def dataBounds(self, ax: int, frac: float = 1.0, orthoRange: object = None) -> tuple[float, float]:  # noqa: N803 (pyqtgraph's name)
        v = self._view
        return (v.left(), v.right()) if ax == 0 else (v.top(), v.bottom())


class _Plot(pg.PlotWidget):
    """A plot that asks for little height, so the rows share the column's height evenly."""

    def sizeHint(self) -> QSize:
        return QSize(400, 60)


class ChannelRow(QWidget):
    """Tile + plot for one channel; ``threshold_changed(index, value)`` in the shown unit."""

    threshold_changed = Signal(int, float)

    def __init__(self, index: int, ch: ChannelFrame, compact: bool = False, parent: QWidget | None = None):
        super().__init__(parent)
        self.index = index
        self.label = ch.label
        self.scale = ch.scale
        lay = QHBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.setSpacing(8)
        self.tile = FiringTile(ch.label, compact)
        lay.addWidget(self.tile)
        self.plot = _Plot(background=theme.PLOT_BG)
        self.plot.setMenuEnabled(False)
        self.plot.setMouseEnabled(x=False, y=False)
        self.plot.hideButtons()
        self.plot.setToolTip("Double-click to fit the scale to the last 10 s")
        pi = self.plot.getPlotItem()
        # no grid: it costs ~3 ms per plot per frame (benchmarks/bench_display.py)
        for ax in ("left", "bottom"):
            pi.getAxis(ax).setPen(theme.AXIS)
            pi.getAxis(ax).setTextPen(theme.AXIS)
        pi.getAxis("left").setWidth(56)  # every row's plot starts at the same x
        for ax in ("left", "bottom"):  # axes change only with the scale: repaint them as a cached pixmap
            pi.getAxis(ax).setCacheMode(QGraphicsItem.CacheMode.DeviceCoordinateCache)
        pi.setXRange(-DISPLAY_WINDOW_S, 0.0, padding=0)
        self.y_max = 0.0
        color = theme.ENVELOPE[index % len(theme.ENVELOPE)]
        # curves made once and fed with setData; PlotCurveItem, not PlotDataItem: no per-frame
        # dataset bookkeeping; a frame with a NaN gap is drawn with connect="finite" (show_data)
        self.raw_curve = _ViewCurve(pen=pg.mkPen(theme.RAW_TRACE, width=1), connect="finite", skipFiniteCheck=True)
        # the envelope is 2 px thick, drawn as two 1 px lines one pixel apart: a pen wider than
        # 1 px is stroked as polygons by Qt's raster engine, ~2x the cost per segment (docs/performance.md)
        self.env_curve = _ViewCurve(pen=pg.mkPen(color, width=1), connect="finite", skipFiniteCheck=True)
        self.env_shadow = _ViewCurve(pen=pg.mkPen(color, width=1), connect="finite", skipFiniteCheck=True)
        for curve in (self.raw_curve, self.env_curve, self.env_shadow):
            pi.addItem(curve)
        self.target_line = pg.InfiniteLine(
            pos=ch.target, angle=0, movable=True,
            pen=pg.mkPen(theme.TARGET, width=2, style=Qt.PenStyle.DashLine),
            hoverPen=pg.mkPen(theme.TARGET, width=4),
        )  # no text label on the line: it costs ~1 ms per plot per frame; the tile names it
        self.target_line.setToolTip("Target: drag up or down")
        self.target_line.setCacheMode(QGraphicsItem.CacheMode.DeviceCoordinateCache)  # moves only when dragged
        pi.addItem(self.target_line)
        self._marks: list[pg.InfiniteLine] = []
        self._mark_key: tuple[str, ...] = ()
        lay.addWidget(self.plot, 1)
        self.plot.setMinimumSize(200, 50)
        self.setMinimumHeight(60 if compact else 140)
        self.plot.scene().sigMouseClicked.connect(self._clicked)
        self._envelope_peak = 0.0
        self.set_unit(ch)
        self.tile.target.valueChanged.connect(self._typed)
        self.target_line.sigPositionChangeFinished.connect(self._dragged)

    def set_unit(self, ch: ChannelFrame) -> None:
        """The unit or the reference changed (person chosen, calibrated): relabel, rescale."""
        self.scale = ch.scale
        # a compact row is too low for "% MVIC" along its axis; its tile and target box say the unit
        self.plot.getPlotItem().setLabel("left", "" if self.tile.compact else ch.unit)
        self.tile.set_unit(ch)
        self.target_line.setMovable(True)
        self.target_line.setValue(round(ch.target))
        self.fit_to_target(ch)

    def fit_to_target(self, ch: ChannelFrame) -> None:
        """The resting scale: room for 2.5 x the target (in %MVIC at least 110%)."""
        room = max(ch.target * 2.5, 110.0 if ch.reference is not None else 0.0)
        self._set_ymax(_step_at_least(room))

    def set_idle(self) -> None:
        """Disconnected: the tile goes grey and the target can only be set in a session."""
        self.tile.set_idle()
        self.target_line.setMovable(False)

    def show_time_axis_label(self) -> None:
        self.plot.getPlotItem().setLabel("bottom", "seconds ago")

    def _typed(self, value: float) -> None:
        if abs(self.target_line.value() - value) > 1e-9:
            self.target_line.setValue(value)
        if value > self.y_max * 0.9:
            self._set_ymax(_step_at_least(value * 1.2))
        self.threshold_changed.emit(self.index, float(value))

    def _dragged(self) -> None:
        v = max(1.0, round(float(self.target_line.value())))
        self.tile.target.setValue(v)  # emits via _typed
        self.target_line.setValue(v)

    def _clicked(self, event) -> None:  # type: ignore[no-untyped-def]
        if event.double():
            self.fit_to_signal()

    def fit_to_signal(self) -> None:
        """On request: the scale fitted to the last 10 s of envelope and the target."""
        need = max(self._envelope_peak * 1.15, self.target_line.value() * 1.2, 10.0)
        self._set_ymax(_step_at_least(need))

    def _set_ymax(self, y: float) -> None:
        if y != self.y_max:
            self.y_max = y
            # a little room above the top tick, so its label is not cut by the plot's edge
            lo, hi = -y * Y_BELOW, y * 1.04
            self.plot.getPlotItem().setYRange(lo, hi, padding=0)
            for curve in (self.raw_curve, self.env_curve, self.env_shadow):
                curve.set_view(-DISPLAY_WINDOW_S, 0.0, lo, hi)
            if self.tile.compact:  # ~50 px high: "200 100 0 -100" ran into each other; 0 and one more
                top = _nice_below(0.7 * y)  # (below the edge, where its label is not cut)
                self.plot.getPlotItem().getAxis("left").setTicks([[(0.0, "0"), (top, f"{top:g}")], []])

    def show_data(self, t: np.ndarray, lo: np.ndarray, hi: np.ndarray, env: np.ndarray) -> None:
        """Draw one frame: t are bin times (s, <= 0), lo/hi/env per bin in the signal's unit."""
        n = t.size
        if n == 0:
            for curve in (self.raw_curve, self.env_curve, self.env_shadow):
                curve.setData([], [])
            return
        xs = np.repeat(t, 2)
        ys = np.empty(2 * n)
        ys[0::2] = lo
        ys[1::2] = hi
        # the envelope is low-passed below 10 Hz: every 4th 10 ms bin (25 points per second, the
        # newest included) draws it faithfully at a quarter of the segments
        env = env[::-ENV_EVERY][::-1]
        te = t[::-ENV_EVERY][::-1]
        if self.scale != 1.0:
            ys *= self.scale
            env = env * self.scale
        # a gap (NaN) splits the line; without one, pyqtgraph's straight path (no split per segment)
        joined = "finite" if np.isnan(ys).any() or np.isnan(env).any() else "all"
        self.raw_curve.setData(xs, ys, connect=joined)
        self.env_curve.setData(te, env, connect=joined)
        height = self.plot.getPlotItem().getViewBox().height()
        pixel = self.y_max * (1.04 + Y_BELOW) / height if height > 0 else 0.0
        self.env_shadow.setData(te, env + pixel, connect=joined)
        peak = float(np.fmax.reduce(env)) if env.size else 0.0
        self._envelope_peak = peak if np.isfinite(peak) else 0.0
        if self._envelope_peak > self.y_max:  # the envelope clips the view: one step up
            self._set_ymax(_step_at_least(self._envelope_peak * 1.15))

    def show_marks(self, marks: tuple[Mark, ...], labelled: bool) -> None:
        """The recording's marks on the time axis (the newest few); notes on the ``labelled`` row."""
        shown = marks[-MAX_MARKS:]
        if not shown and not self._mark_key:
            return
        pi = self.plot.getPlotItem()
        while len(self._marks) < len(shown):
            line = pg.InfiniteLine(angle=90, movable=False, pen=pg.mkPen(theme.MARK, width=1.5, style=Qt.PenStyle.DotLine),
                                   label="", labelOpts={"position": 0.9, "color": theme.MARK, "anchors": [(0, 0), (0, 0)]})
            pi.addItem(line)
            self._marks.append(line)
        notes = tuple(("▼ " + (m.note or "mark")) if labelled else "" for m in shown)
        relabel = notes != self._mark_key
        self._mark_key = notes
        for i, line in enumerate(self._marks):
            if i < len(shown):
                line.setValue(shown[i].seconds_ago)
                if relabel:
                    line.label.setFormat(notes[i])
                line.show()
            else:
                line.hide()
