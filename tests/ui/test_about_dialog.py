"""The About dialog: the running version, the bundled parts with their installed versions and
licences that agree with what each package says of itself; F1 and the status bar open it."""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError, metadata, version

import pytest
from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QApplication, QPushButton

from app.ui.about_dialog import PARTS, AboutDialog, app_icon, icon_path, installed_parts, version_text


def _cells(d: AboutDialog) -> list[tuple[str, str, str]]:
    t = d.table
    return [tuple(t.item(r, c).text() for c in range(3)) for r in range(t.rowCount())]  # type: ignore[misc]


def test_it_shows_the_installed_versions_and_licences(qtbot, tmp_path):
    d = AboutDialog()
    qtbot.addWidget(d)
    d.show()
    rows = {name: (ver, lic) for name, ver, lic in _cells(d)}
    assert rows["Qt 6 (through PySide6)"] == (version("PySide6"), "LGPL-3.0-only")
    assert rows["pyqtgraph"] == (version("pyqtgraph"), "MIT")
    assert rows["bleak (Bluetooth LE)"] == (version("bleak"), "MIT")
    assert rows["NumPy"] == (version("numpy"), "BSD-3-Clause")
    assert rows["SciPy"] == (version("scipy"), "BSD-3-Clause")
    assert rows["platformdirs"] == (version("platformdirs"), "MIT")
    assert "WinRT projections (Bluetooth on Windows)" not in rows  # not installed on Linux: not listed
    assert f"GluteFire {version('glutefire')}" in version_text()
    shot = tmp_path / "about.png"
    assert d.grab().save(str(shot))
    img = d.grab().toImage()
    assert img.width() >= 600 and len({img.pixel(x, 40) for x in range(0, img.width(), 3)}) > 3


@pytest.mark.parametrize("part", [p for p in PARTS if p.dist], ids=lambda p: p.dist)
def test_each_licence_agrees_with_the_package_metadata(part):
    try:
        meta = metadata(part.dist)
    except PackageNotFoundError:
        pytest.skip(f"{part.dist} is not installed on this platform")
    said = [meta["License-Expression"] or "", meta["License"] or ""]
    said = [s for s in said if s and len(s) < 120]  # scipy's License field is the whole text
    classifiers = [c for c in (meta.get_all("Classifier") or []) if c.startswith("License ::")]
    if said:
        assert any(part.licence in s or s in part.licence for s in said), (part, said)
    else:
        short = part.licence.split("-")[0]  # BSD-3-Clause -> "BSD"
        assert any(short in c for c in classifiers), (part, classifiers)


def test_the_icon_is_found_and_draws():
    assert icon_path() is not None and icon_path().name == "glutefire.svg"
    pix = app_icon().pixmap(64, 64)
    assert not pix.isNull() and pix.toImage().pixelColor(32, 8).green() > 120


def test_f1_and_the_status_bar_open_it(qtbot, qsettings, store, tmp_path):
    from app.ui.main_window import MainWindow

    win = MainWindow(qsettings, recordings_dir=tmp_path / "rec", store=store)
    qtbot.addWidget(win)
    win.show()
    link = win.statusBar().findChild(QPushButton, "about")
    assert link is not None and link.text() == f"GluteFire {version('glutefire')}"
    seen: list[str] = []

    def close_it() -> None:
        d = QApplication.activeModalWidget()
        seen.append(d.windowTitle() if d else "")
        if d is not None:
            d.close()

    QTimer.singleShot(200, close_it)
    qtbot.mouseClick(link, Qt.MouseButton.LeftButton)
    win.activateWindow()
    qtbot.waitUntil(win.isActiveWindow, timeout=2000)
    QTimer.singleShot(200, close_it)
    qtbot.keyClick(win, Qt.Key.Key_F1)
    assert seen == ["About GluteFire", "About GluteFire"]
    assert len(installed_parts()) >= 9
    win.close()
