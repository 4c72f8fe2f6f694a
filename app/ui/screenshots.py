"""Render the app's screens offscreen to PNG (README and review): ``python -m app.ui.screenshots DIR``."""

from __future__ import annotations

import os
import sys
import tempfile
import time
from pathlib import Path


def _pump(app, seconds: float) -> None:  # type: ignore[no-untyped-def]
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        app.processEvents()
        time.sleep(0.005)


#: a calibrated example person for the pictures (µV RMS references; the simulator's MVIC is 300 µV)
EXAMPLE_PERSON = ("Ann Example", {"gluteus_maximus_L": 300.0, "hamstring_L": 300.0, "lumbar_erector_L": 250.0})


def main_window_shot(out: Path, scenario: str = "amnesia", preset: str | None = None,
                     seconds: float = 9.0, person: bool = False) -> Path:
    """Stream ``seconds`` of a scenario into a fresh window and save it as PNG; ``person``: with
    the example person's %MVIC references chosen (records in a temp dir, never the user's)."""
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtCore import QSettings
    from PySide6.QtWidgets import QApplication

    from app.ui.app import configure_pyqtgraph
    from app.ui.main_window import MainWindow

    app = QApplication.instance() or QApplication([])
    configure_pyqtgraph()
    tmp = tempfile.mkdtemp()
    settings = QSettings(str(Path(tmp) / "prefs.ini"), QSettings.Format.IniFormat)
    from app.analysis.mvic import MvicReference
    from app.storage.store import Store

    store = Store(Path(tmp) / "records.sqlite3")
    if person:
        name, refs = EXAMPLE_PERSON
        who = store.add_person(name)
        for label, value in refs.items():
            store.save_mvic(who.id, MvicReference(label, value, "maximal", 500.0, 3, 1.0))
        settings.setValue("person/name", name)
    win = MainWindow(settings=settings, recordings_dir=Path(tmp), seed=7, store=store)
    win.scenario_box.setCurrentIndex(win.scenario_box.findData(scenario))
    if preset:
        win.preset_box.setCurrentIndex(win.preset_box.findData(preset))
    win.resize(1280, 760)
    win.show()
    win.connect_source()
    _pump(app, seconds)
    out.parent.mkdir(parents=True, exist_ok=True)
    win.grab().save(str(out))
    win.close()
    return out


if __name__ == "__main__":
    target = Path(sys.argv[1] if len(sys.argv) > 1 else "docs/screenshots")
    print(main_window_shot(target / "main-window.png", scenario="amnesia",
                           preset="Glute max, hamstring, lumbar erector (left)", seconds=23.0, person=True))
