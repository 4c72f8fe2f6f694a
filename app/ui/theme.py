"""Colours and fonts in one place: calm greys, one strong green for "firing", orange targets."""

from __future__ import annotations

from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QVBoxLayout

FIRING_BG = "#16a34a"
FIRING_FG = "#ffffff"
#: a helper muscle taking over: Okabe-Ito vermillion, darkened for white text (never the "good" green)
WARNING_BG = "#b84a00"
WARNING_FG = "#ffffff"
REST_BG = "#eef1f4"
REST_FG = "#334155"
TARGET = "#f97316"
RAW_TRACE = (190, 200, 214)  # light slate: context, not the message
PLOT_BG = "#ffffff"
AXIS = "#64748b"
#: envelope colour per channel (colour-blind-safe Okabe-Ito order, darkened for white ground)
ENVELOPE = ["#0072b2", "#cc3d00", "#009e73", "#a6479a", "#b58900", "#1f78b4", "#7f3c8d", "#4d4d4d"]
MARK = "#6d28d9"  # violet: not a signal colour, not the target
ERROR_BG = "#fee2e2"
ERROR_FG = "#991b1b"

APP_STYLE = """
QMainWindow { background: #f8fafc; }
QToolBar { background: #ffffff; border-bottom: 1px solid #e2e8f0; spacing: 2px; padding: 4px; }
QToolBar QLabel { color: #475569; }
QPushButton { padding: 6px 7px; border-radius: 6px; border: 1px solid #cbd5e1; background: #ffffff; }
QPushButton:hover { background: #f1f5f9; }
QPushButton#primary { background: #2563eb; color: white; border: 1px solid #1d4ed8; font-weight: 600; }
QPushButton#primary[streaming="true"] { background: #475569; border-color: #334155; }
QPushButton#record[recording="true"] { background: #dc2626; color: white; border-color: #b91c1c; font-weight: 600; }
QPushButton:disabled { color: #94a3b8; background: #f8fafc; }
QPushButton#primary:disabled { background: #93c5fd; border-color: #93c5fd; color: white; }
QPushButton#gear { font-size: 17px; padding: 2px 9px; }
QPushButton#contract { font-size: 16px; font-weight: 600; padding: 12px; }
QPushButton#contract:pressed { background: #16a34a; color: white; }
QStatusBar { background: #ffffff; border-top: 1px solid #e2e8f0; color: #334155; }
QComboBox { padding: 4px 8px; }
"""


def banner(style: str) -> QLabel:
    """A hidden message strip (errors, "done for today") that wraps its text."""
    b = QLabel("")
    b.setWordWrap(True)
    b.setStyleSheet(f"{style} padding: 8px 12px; border-radius: 6px;")
    b.hide()
    return b


def strip(frame: QFrame, name: str, style: str) -> tuple[QVBoxLayout, QHBoxLayout, QLabel]:
    """The layout of a strip above the traces (calibration, exercise): its column, the head row
    and the title in it (buttons go to the right of the title)."""
    frame.setObjectName(name)
    frame.setStyleSheet(style)
    lay = QVBoxLayout(frame)
    lay.setContentsMargins(14, 8, 14, 8)
    lay.setSpacing(4)
    head = QHBoxLayout()
    title = QLabel("")
    title.setStyleSheet("font-weight: 700; font-size: 14px;")
    head.addWidget(title, 1)
    lay.addLayout(head)
    return lay, head, title
