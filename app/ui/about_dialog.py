"""About GluteFire: its version (from the package metadata), the parts it bundles and their licences.

The LGPL (Qt, FFmpeg inside Qt Multimedia) asks that a person can see which LGPL libraries an app
uses, where their source is, and that they may replace them; a frozen build ships them as separate
shared libraries in its folder, so they can be (packaging/README.md). Versions are read from the
installed distributions, so the dialog never names a version that is not the one running.
"""

from __future__ import annotations

import platform
import site
import sys
from dataclasses import dataclass
from importlib.metadata import PackageNotFoundError, metadata, version
from pathlib import Path

from PySide6 import __version__ as pyside_version
from PySide6.QtCore import Qt, qVersion
from PySide6.QtGui import QAction, QGuiApplication, QIcon, QKeySequence
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QMainWindow,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from app import __version__
from app.assets import asset

ICON_NAME = "glutefire"


@dataclass(frozen=True)
class Part:
    """One open-source part GluteFire ships with; ``dist`` names its installed distribution."""

    name: str
    dist: str | None
    licence: str  # SPDX identifier (https://spdx.org/licenses/)
    home: str
    version: str = ""  # for parts with no distribution of their own


PARTS: tuple[Part, ...] = (
    Part("Qt 6 (through PySide6)", "PySide6", "LGPL-3.0-only", "https://download.qt.io/official_releases/qt/"),
    Part("Shiboken 6", "shiboken6", "LGPL-3.0-only", "https://code.qt.io/cgit/pyside/pyside-setup.git/"),
    Part("FFmpeg (Qt Multimedia's sound back end)", None, "LGPL-2.1-or-later", "https://ffmpeg.org/download.html",
         "with Qt"),
    Part("pyqtgraph", "pyqtgraph", "MIT", "https://github.com/pyqtgraph/pyqtgraph"),
    Part("bleak (Bluetooth LE)", "bleak", "MIT", "https://github.com/hbldh/bleak"),
    Part("dbus-fast (BlueZ on Linux)", "dbus-fast", "MIT", "https://github.com/Bluetooth-Devices/dbus-fast"),
    Part("WinRT projections (Bluetooth on Windows)", "winrt-runtime", "MIT", "https://github.com/pywinrt/pywinrt"),
    Part("PyObjC (Bluetooth on macOS)", "pyobjc-core", "MIT", "https://github.com/ronaldoussoren/pyobjc"),
    Part("NumPy", "numpy", "BSD-3-Clause", "https://numpy.org"),
    Part("SciPy", "scipy", "BSD-3-Clause", "https://scipy.org"),
    Part("platformdirs", "platformdirs", "MIT", "https://github.com/tox-dev/platformdirs"),
    Part("Python", None, "PSF-2.0", "https://www.python.org/downloads/source/", platform.python_version()),
)


def installed_parts() -> list[tuple[Part, str]]:
    """The parts present in this installation, with their installed versions (platform-specific
    ones, such as WinRT on Windows, appear only where they are installed)."""
    found = []
    for part in PARTS:
        if part.dist is None:
            found.append((part, part.version))
            continue
        try:
            found.append((part, version(part.dist)))
        except PackageNotFoundError:
            continue
    return found


def own_licence() -> str:
    try:
        meta = metadata("glutefire")
    except PackageNotFoundError:
        return "MIT"  # pyproject.toml's licence, when running from a checkout without an install
    return meta["License-Expression"] or meta["License"] or "MIT"


def version_text() -> str:
    """What a support request needs: GluteFire's, Python's, Qt's and the system's versions."""
    return (f"GluteFire {__version__}; Python {platform.python_version()}; Qt {qVersion()} (PySide6 {pyside_version}); "
            f"{platform.system()} {platform.release()} {platform.machine()}")


def icon_path() -> Path | None:
    """The SVG icon: in a frozen bundle or the source checkout (``app.assets``), or in the icon
    theme folders where ``pip install`` put it."""
    rel = Path("share/icons/hicolor/scalable/apps") / f"{ICON_NAME}.svg"
    themed = (base / rel for base in (Path(sys.prefix), Path(site.getuserbase()), Path("/usr")))
    return asset(f"{ICON_NAME}.svg") or next((p for p in themed if p.is_file()), None)


def app_icon() -> QIcon:
    path = icon_path()
    return QIcon(str(path)) if path is not None else QIcon.fromTheme(ICON_NAME)


class AboutDialog(QDialog):
    """Version, licence and the bundled parts; "Copy version" for a support e-mail."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("About GluteFire")
        self.setMinimumWidth(620)
        layout = QVBoxLayout(self)
        head = QHBoxLayout()
        icon = QLabel()
        icon.setPixmap(app_icon().pixmap(64, 64))
        head.addWidget(icon, 0, Qt.AlignmentFlag.AlignTop)
        title = QLabel(f"<h2 style='margin:0'>GluteFire {__version__}</h2>"
                       "<p>Live surface-EMG biofeedback for glute activation.</p>"
                       f"<p>Licence: {own_licence()}. {platform.python_implementation()} "
                       f"{platform.python_version()}, Qt {qVersion()}.</p>")
        title.setWordWrap(True)
        head.addWidget(title, 1)
        layout.addLayout(head)
        layout.addWidget(QLabel("<b>Open-source parts included</b>"))
        parts = installed_parts()
        self.table = QTableWidget(len(parts), 3)
        self.table.setHorizontalHeaderLabels(["Part", "Version", "Licence"])
        self.table.verticalHeader().hide()
        # rows as tall as their text: the whole list fits without scrolling on a 720 px high screen
        self.table.verticalHeader().setDefaultSectionSize(self.fontMetrics().height() + 8)
        self.table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.table.setSelectionMode(QTableWidget.SelectionMode.NoSelection)
        self.table.setFocusPolicy(Qt.FocusPolicy.NoFocus)  # a read-only list: no cell looks chosen
        for row, (part, ver) in enumerate(parts):
            for col, text in enumerate((part.name, ver, part.licence)):
                item = QTableWidgetItem(text)
                item.setToolTip(part.home)
                self.table.setItem(row, col, item)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        for col in (1, 2):
            header.setSectionResizeMode(col, QHeaderView.ResizeMode.ResizeToContents)
        self.table.setMinimumHeight(self.table.verticalHeader().length() + header.height() + 4)
        layout.addWidget(self.table)
        note = QLabel("Qt and FFmpeg are used under the GNU LGPL: they are separate libraries in GluteFire's "
                      "folder, and you may replace them with your own builds. Their source code: "
                      "<a href='https://download.qt.io/official_releases/qt/'>download.qt.io</a>, "
                      "<a href='https://ffmpeg.org/download.html'>ffmpeg.org</a>. Each part's licence text "
                      "comes with it, in its <i>.dist-info</i> folder of the installation.")
        note.setWordWrap(True)
        note.setOpenExternalLinks(True)
        layout.addWidget(note)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        self.copy_btn = buttons.addButton("Copy version", QDialogButtonBox.ButtonRole.ActionRole)
        self.copy_btn.setToolTip(version_text())
        self.copy_btn.clicked.connect(lambda: QGuiApplication.clipboard().setText(version_text()))
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)


def install_about(window: QMainWindow) -> None:
    """The window's icon, and About (F1, and the version at the right of the status bar)."""
    window.setWindowIcon(app_icon())

    def show() -> None:
        AboutDialog(window).exec()

    action = QAction("About GluteFire", window)
    action.setShortcut(QKeySequence("F1"))
    action.triggered.connect(show)
    window.addAction(action)
    link = QPushButton(f"GluteFire {__version__}")
    link.setObjectName("about")
    link.setFlat(True)
    link.setStyleSheet("QPushButton#about { border: none; background: transparent; color: #475569; padding: 0 6px; }"
                       "QPushButton#about:hover { text-decoration: underline; }")
    link.setCursor(Qt.CursorShape.PointingHandCursor)
    link.setToolTip("About GluteFire: version, licences (F1)")
    link.setFocusPolicy(Qt.FocusPolicy.NoFocus)
    link.clicked.connect(show)
    window.statusBar().addPermanentWidget(link)
