"""The window the guided-practice and records tests share: three left-side channels on the
simulated patch, 1280 x 720, records in the test's own SQLite file (test_main_window has its own)."""

from __future__ import annotations

import pytest

from app.ui.app import configure_pyqtgraph
from app.ui.main_window import MainWindow

THREE = "Glute max, hamstring, lumbar (left)"


@pytest.fixture
def window(qtbot, qsettings, tmp_path, store):
    configure_pyqtgraph()
    qsettings.setValue("sim/preset", THREE)
    qsettings.setValue("sim/scenario", "holds")
    win = MainWindow(settings=qsettings, recordings_dir=tmp_path / "rec", seed=5, store=store)
    qtbot.addWidget(win)
    win.resize(1280, 720)
    win.show()
    yield win
    if win.practice.home is not None:
        win.practice.home.close()
    win.disconnect_source()
