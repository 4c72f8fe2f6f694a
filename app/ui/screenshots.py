"""Render the app's screens offscreen to PNG (README and review): ``python -m app.ui.screenshots DIR``.

Every picture is 1280 x 720, the smallest screen the window must fit.
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
from pathlib import Path

SIZE = (1280, 720)


def _pump(app, seconds: float) -> None:  # type: ignore[no-untyped-def]
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        app.processEvents()
        time.sleep(0.005)


#: a calibrated example person for the pictures (µV RMS references; the simulator's MVIC is 300 µV)
EXAMPLE_PERSON = ("Ann Example", {"gluteus_maximus_L": 300.0, "gluteus_maximus_R": 240.0, "hamstring_L": 280.0,
                                  "hamstring_R": 224.0, "lumbar_erector_L": 200.0})


def main_window_shot(out: Path, scenario: str = "amnesia", preset: str | None = None,
                     seconds: float = 9.0, person: bool = False, practice: str | None = None,
                     persona: str = "healthy", home: Path | None = None) -> Path:
    """Stream ``seconds`` of a scenario into a fresh window and save it as PNG; ``person``: with
    the example person's %MVIC references chosen (records in a temp dir, never the user's)."""
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtWidgets import QApplication

    from app.ui.app import configure_pyqtgraph

    app = QApplication.instance() or QApplication([])
    configure_pyqtgraph()
    with tempfile.TemporaryDirectory(prefix="glutefire-shot-") as tmp:
        return _shot(app, Path(tmp), out, scenario, preset, seconds, person, practice, persona, home)


def _shot(app, tmp: Path, out: Path, scenario: str, preset: str | None, seconds: float,  # type: ignore[no-untyped-def]
          person: bool, practice: str | None, persona: str, home: Path | None) -> Path:
    from PySide6.QtCore import QSettings

    from app.analysis.mvic import MvicReference
    from app.storage.store import Store
    from app.ui.main_window import MainWindow

    settings = QSettings(str(tmp / "prefs.ini"), QSettings.Format.IniFormat)
    store = Store(tmp / "records.sqlite3")
    if person:
        name, refs = EXAMPLE_PERSON
        who = store.add_person(name)
        for label, value in refs.items():
            store.save_mvic(who.id, MvicReference(label, value, "maximal", 500.0, 3, 1.0))
        settings.setValue("person/name", name)
    settings.setValue("sim/persona", persona)
    win = MainWindow(settings=settings, recordings_dir=tmp, seed=7, store=store)
    tb = win.toolbar
    tb.scenario.setCurrentIndex(tb.scenario.findData(scenario))
    if preset:
        tb.preset.setCurrentIndex(tb.preset.findData(preset))
    win.resize(*SIZE)
    win.show()
    win.connect_source()
    if practice:  # an exercise from the library, run on the simulated person
        from dataclasses import replace

        from app.exercises.library import LIBRARY

        ex = LIBRARY[practice]
        win.controller.start_practice(ex, replace(ex.protocol, sets=2, reps=5))
        if home is not None:
            win.practice.open_home()
    _pump(app, seconds)
    out.parent.mkdir(parents=True, exist_ok=True)
    win.grab().save(str(out))
    if home is not None and win.practice.home is not None:
        win.practice.home.showNormal()
        win.practice.home.resize(*SIZE)
        _pump(app, 0.5)
        win.practice.home.grab().save(str(home))
        win.practice.home.close()
    win.close()
    store.close()
    return out


if __name__ == "__main__":
    target = Path(sys.argv[1] if len(sys.argv) > 1 else "docs/screenshots")
    print(main_window_shot(target / "main-window.png", scenario="amnesia",
                           preset="Glute max, hamstring, lumbar (left)", seconds=23.0, person=True))
    print(main_window_shot(target / "practice.png", "holds", "Glute max, hamstring, lumbar (left)", 16.4, person=True,
                           practice="glute_bridge", persona="amnesia", home=target / "at-home.png"))
    if "--all" in sys.argv:
        for preset, name in (("Glute max + hamstring (left)", "2"), ("Glute max + hamstring, both sides", "4"),
                             ("All four muscles, both sides (8)", "8")):
            print(main_window_shot(target / f"channels-{name}.png", "bridges", preset, 14.0, person=True))
