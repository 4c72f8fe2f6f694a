"""Line charts painted with QPainter onto a QImage, for the reports (and nothing else).

Colours are the Okabe & Ito (2008) colour-blind-safe set; the glute is always blue, helpers
orange/vermillion, so a printed grey-scale copy still differs by line style.
"""

from __future__ import annotations

import datetime as _dt
import os
from collections.abc import Sequence

import numpy as np
from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QFont, QGuiApplication, QImage, QPainter, QPen, QPolygonF

from app.muscles import parse_label, short_name

BLUE, ORANGE, VERMILLION, SKY, GREEN, PURPLE, GREY = (
    "#0072B2", "#E69F00", "#D55E00", "#56B4E9", "#009E73", "#CC79A7", "#6b6b6b")
_HELPER_COLOURS = (ORANGE, VERMILLION, PURPLE, GREEN)
#: charts are drawn this many times larger than their size on the page, so they stay sharp in print
SUPERSAMPLE = 3


def ensure_gui_app() -> QGuiApplication:
    """A QGuiApplication for fonts and painting (offscreen without a display): a report is made
    by the CLI as well as by the window."""
    app = QGuiApplication.instance()
    if app is None:
        if not os.environ.get("DISPLAY") and not os.environ.get("WAYLAND_DISPLAY"):
            os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
        app = QGuiApplication([])
    return app  # type: ignore[return-value]


def colour_for(label: str, index: int) -> str:
    m = parse_label(label)
    if m is not None and m.muscle.startswith("gluteus"):
        return BLUE if m.muscle == "gluteus_maximus" else SKY
    return _HELPER_COLOURS[index % len(_HELPER_COLOURS)]


class _Canvas:
    """A white image with a plot rectangle and value <-> pixel mapping."""

    def __init__(self, width: int, height: int, x_range: tuple[float, float], y_range: tuple[float, float]) -> None:
        ensure_gui_app()
        self.s = SUPERSAMPLE
        self.image = QImage(width * self.s, height * self.s, QImage.Format.Format_RGB32)
        self.image.fill(QColor("white"))
        self.p = QPainter(self.image)
        self.p.setRenderHint(QPainter.RenderHint.Antialiasing)
        self.p.scale(self.s, self.s)
        self.font = QFont()
        self.font.setPixelSize(10)
        self.p.setFont(self.font)
        self.plot = QRectF(44, 20, width - 54, height - 44)  # the legend or title goes above it
        self.x0, self.x1 = x_range
        self.y0, self.y1 = y_range if y_range[1] > y_range[0] else (y_range[0] - 1, y_range[0] + 1)

    def xy(self, x: float, y: float) -> QPointF:
        r = self.plot
        fx = (x - self.x0) / (self.x1 - self.x0) if self.x1 > self.x0 else 0.5
        fy = (y - self.y0) / (self.y1 - self.y0)
        return QPointF(r.left() + fx * r.width(), r.bottom() - fy * r.height())

    def axes(self, y_label: str, y_ticks: Sequence[float], x_ticks: Sequence[tuple[float, str]]) -> None:
        p, r = self.p, self.plot
        p.setPen(QPen(QColor("#dddddd"), 0.6))
        for y in y_ticks:
            pt = self.xy(self.x0, y)
            p.drawLine(QPointF(r.left(), pt.y()), QPointF(r.right(), pt.y()))
        p.setPen(QPen(QColor("#333333"), 0.8))
        p.setBrush(Qt.BrushStyle.NoBrush)
        p.drawRect(r)
        for y in y_ticks:
            pt = self.xy(self.x0, y)
            p.drawText(QRectF(0, pt.y() - 7, r.left() - 4, 14), Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter,
                       f"{y:g}")
        for x, text in x_ticks:
            pt = self.xy(x, self.y0)
            p.drawText(QRectF(pt.x() - 40, r.bottom() + 3, 80, 14), Qt.AlignmentFlag.AlignHCenter, text)
        p.save()
        p.translate(10, r.center().y())
        p.rotate(-90)
        p.drawText(QRectF(-r.height() / 2, -8, r.height(), 14), Qt.AlignmentFlag.AlignCenter, y_label)
        p.restore()

    def line(self, xs: Sequence[float] | np.ndarray, ys: Sequence[float] | np.ndarray, colour: str, width: float = 1.2,
             style: Qt.PenStyle = Qt.PenStyle.SolidLine) -> None:
        pen = QPen(QColor(colour), width)
        pen.setStyle(style)
        self.p.setPen(pen)
        self.p.drawPolyline(QPolygonF([self.xy(float(x), float(y)) for x, y in zip(xs, ys, strict=True)]))

    def legend(self, items: Sequence[tuple[str, str]]) -> None:
        x = self.plot.left() + 6
        for text, colour in items:
            self.p.setPen(QPen(QColor(colour), 2.0))
            self.p.drawLine(QPointF(x, self.plot.top() - 9), QPointF(x + 14, self.plot.top() - 9))
            self.p.setPen(QColor("#222222"))
            w = self.p.fontMetrics().horizontalAdvance(text)
            self.p.drawText(QPointF(x + 18, self.plot.top() - 5), text)
            x += 30 + w

    def done(self) -> QImage:
        self.p.end()
        return self.image


def nice_ticks(lo: float, hi: float, n: int = 5) -> list[float]:
    """Round tick values covering [lo, hi]."""
    span = max(hi - lo, 1e-9)
    raw = span / max(1, n)
    mag = 10 ** np.floor(np.log10(raw))
    step = next(m * mag for m in (1, 2, 2.5, 5, 10) if m * mag >= raw)
    start = np.ceil(lo / step) * step
    return [float(round(v, 6)) for v in np.arange(start, hi + step * 0.01, step)]


def envelope_chart(t: np.ndarray, envelope: np.ndarray, labels: Sequence[str], unit: str, goal: float | None,
                   windows: Sequence[tuple[float, float]] = (), width: int = 680, height: int = 220) -> QImage:
    """The session's envelopes over time (max per pixel column, so no burst is lost), the goal
    as a dashed line, each scored rep's window shaded."""
    n_px = max(50, width - 54)
    t = np.asarray(t, dtype=np.float64)
    env = np.nan_to_num(np.atleast_2d(np.asarray(envelope, dtype=np.float64)))
    edges = np.linspace(0, t.size, n_px + 1).astype(int)
    keep = edges[1:] > edges[:-1]
    tx = t[np.minimum(edges[:-1][keep], t.size - 1)]
    ys = [np.maximum.reduceat(ch, edges[:-1][keep]) for ch in env] if t.size else []
    top = max([float(np.max(y)) for y in ys if y.size] + [goal or 0.0, 1.0]) * 1.08
    c = _Canvas(width, height, (float(t[0]) if t.size else 0.0, float(t[-1]) if t.size else 1.0), (0.0, top))
    c.p.setPen(Qt.PenStyle.NoPen)
    c.p.setBrush(QColor(0, 114, 178, 28))
    for a, b in windows:
        p0, p1 = c.xy(a, top), c.xy(b, 0.0)
        c.p.drawRect(QRectF(p0, p1))
    span = c.x1 - c.x0
    step = next(s for s in (1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 1200) if span / s <= 10)
    xt = [(float(x), f"{int(x) // 60}:{int(x) % 60:02d}") for x in np.arange(np.ceil(c.x0 / step) * step, c.x1 + 1e-9, step)]
    c.axes(unit, nice_ticks(0.0, top), xt)
    legend = []
    for i, (label, y) in enumerate(zip(labels, ys, strict=True)):
        col = colour_for(label, i)
        c.line(tx, y, col, 1.0)
        legend.append((short_name(label), col))
    if goal is not None and goal > 0:
        c.line([c.x0, c.x1], [goal, goal], "#111111", 1.0, Qt.PenStyle.DashLine)
        legend.append(("goal", "#111111"))
    c.legend(legend)
    return c.done()


def _days(iso: str, first: _dt.date) -> float:
    return float((_dt.date.fromisoformat(iso[:10]) - first).days)


def trend_chart(title: str, unit: str, dates: Sequence[str], values: Sequence[float],
                baseline: str | None = None, retest: str | None = None, width: int = 330, height: int = 170) -> QImage:
    """One measure across sessions: points joined by a line, the baseline and the four-week
    retest as labelled vertical lines."""
    first = _dt.date.fromisoformat(dates[0][:10])
    xs = [_days(d, first) for d in dates]
    vals = [float(v) for v in values]
    lo, hi = min([*vals, 0.0] if unit in ("%", "s", "% MVIC") else vals), max(vals)
    pad = (hi - lo) * 0.15 or 1.0
    c = _Canvas(width, height, (min(xs) - 1, max(xs) + 1), (lo - (0 if lo == 0 else pad), hi + pad))
    last = xs[-1] if xs else 0
    xt = [(x, (first + _dt.timedelta(days=int(x))).strftime("%d %b")) for x in sorted({xs[0], last})]
    c.axes(unit, nice_ticks(c.y0, c.y1, 4), xt)
    for label, when, colour in (("baseline", baseline, GREY), ("4-week retest", retest, GREEN)):
        if when:
            x = _days(when, first)
            c.line([x, x], [c.y0, c.y1], colour, 1.0, Qt.PenStyle.DashLine)
            pt = c.xy(x, c.y1)
            c.p.setPen(QColor(colour))
            w = c.p.fontMetrics().horizontalAdvance(label)
            right_half = pt.x() > c.plot.center().x()  # the label goes where there is room
            c.p.drawText(QPointF(pt.x() - w - 3 if right_half else pt.x() + 3, c.plot.bottom() - 5), label)
    c.line(xs, values, BLUE, 1.6)
    c.p.setBrush(QColor(BLUE))
    for x, y in zip(xs, values, strict=True):
        c.p.drawEllipse(c.xy(x, y), 2.6, 2.6)
    c.p.setPen(QColor("#111111"))
    f = QFont(c.font)
    f.setBold(True)
    c.p.setFont(f)
    c.p.drawText(QRectF(c.plot.left(), 2, c.plot.width(), 14), Qt.AlignmentFlag.AlignLeft, f"{title} ({unit})")
    return c.done()
