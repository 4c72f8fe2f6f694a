"""Start the Qt application and the main window."""

from __future__ import annotations

import sys
from pathlib import Path

import pyqtgraph as pg
from PySide6.QtWidgets import QWidget

from app.storage.reader import Recording


def configure_pyqtgraph() -> None:
    """No antialiasing on traces, no OpenGL (docs/performance.md: both cost frames)."""
    pg.setConfigOptions(antialias=False, useOpenGL=False, foreground="#334155")


def run_gui(scenario: str | None = None, connect: bool = False, replay: Recording | None = None) -> int:
    from PySide6.QtWidgets import QApplication

    from app.ui.main_window import MainWindow

    app = QApplication.instance() or QApplication(sys.argv)
    app.setApplicationName("GluteFire")
    app.setOrganizationName("GluteFire")
    configure_pyqtgraph()
    from app.ui.records_database import apply_saved_choice

    apply_saved_choice()  # Records ▾ → Records database…, unless --database or the environment chose
    win = MainWindow()
    if scenario:
        idx = win.toolbar.scenario.findData(scenario)
        if idx >= 0:
            win.toolbar.scenario.setCurrentIndex(idx)
    win.show()
    if replay is not None:  # (read already: a broken file was said before the window opened)
        win.replay.open(replay.path or Path("recording"), replay)
    elif connect:
        win.connect_source()
    _close_on_sigterm(win)
    return app.exec()


def _close_on_sigterm(win: QWidget) -> None:
    """SIGTERM (logout, ``kill``) closes the window the normal way, which ends and keeps a recording.

    The console's handler raises an exception instead, which inside a Qt callback would only print
    a traceback. Python runs signal handlers between bytecodes, so a short timer keeps it looking
    while Qt waits for events."""
    import signal
    import threading

    from PySide6.QtCore import QTimer

    if threading.current_thread() is not threading.main_thread() or not hasattr(signal, "SIGTERM"):
        return
    signal.signal(signal.SIGTERM, lambda signum, frame: QTimer.singleShot(0, win.close))
    wake = QTimer(win)
    wake.timeout.connect(lambda: None)
    wake.start(250)
