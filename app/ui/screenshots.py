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


def demo_records(folder: Path, speed: float = 10.0, reps: int = 8) -> Path:
    """A records file with the example person's baseline (simulated gluteal amnesia, 29 days ago)
    and four-week retest (healthy firing), each a recorded glute bridge set and a Trendelenburg
    screen, made by the real ``glutefire practice`` / ``screen`` commands (in this process)."""
    import sqlite3

    from app.analysis.mvic import MvicReference
    from app.muscles import mvic_position
    from app.storage.store import Store

    db = folder / "records.sqlite3"
    store = Store(db)
    name, refs = EXAMPLE_PERSON
    who = store.add_person(name, "Right knee pain on stairs; glute max L/R", "P-017", ("L", "R"))
    for label, value in refs.items():
        store.save_mvic(who.id, MvicReference(label, value, "maximal", 500.0, 3, 1.0,
                                              "2026-11-03T09:50:00+00:00", mvic_position(label)))
    other = store.add_person("Ben Carter", "Discharged 2026-10", "P-009", ("R",))
    store.archive_person(other.id)
    store.add_person("Chris Dale", "Hamstring strain, return to running", "P-021", ("L",))
    store.close()
    from app.cli import main as cli

    common = ["--person", name, "--db", str(db), "--speed", str(speed), "--quiet", "--seed", "3"]
    for tag, persona, medius in (("baseline", "amnesia", "weak-medius"), ("retest", "healthy", "healthy")):
        for argv in (["practice", "--exercise", "glute_bridge", "--sets", "1", "--reps", str(reps), "--persona", persona,
                      "--out", str(folder / f"{tag}.csv")], ["screen", "--test", "trendelenburg", "--persona", medius]):
            if cli([*argv, *common]) != 0:
                raise RuntimeError(f"glutefire {' '.join(argv)} failed")
        if tag == "baseline":  # four weeks ago, as a clinic would have done it
            with sqlite3.connect(db) as con:
                con.execute("UPDATE session SET started_at = '2026-11-03T10:00:00+00:00'")
                con.execute("UPDATE screening SET taken_at = '2026-11-03T10:20:00+00:00'")
    return db


def records_shots(target: Path) -> list[Path]:
    """People, history and trends, the review of the retest, and the first page of its report."""
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtWidgets import QApplication

    from app.ui.app import configure_pyqtgraph

    app = QApplication.instance() or QApplication([])
    configure_pyqtgraph()
    from app.reports.make import session_document
    from app.reports.render import page_images
    from app.storage.store import Store
    from app.ui.history_view import HistoryDialog
    from app.ui.people_dialog import PeopleDialog
    from app.ui.review_dialog import ReviewDialog

    out: list[Path] = []
    target.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="glutefire-shot-") as tmp:
        store = Store(demo_records(Path(tmp)))
        person = store.people()[0]
        last = store.sessions(person.id)[-1]
        for name, dlg in (("people", PeopleDialog(store, person.name)), ("history", HistoryDialog(store, person.id)),
                          ("review", ReviewDialog(store, last.id))):
            dlg.resize(*SIZE)
            dlg.show()
            _pump(app, 0.6)
            path = target / f"{name}.png"
            dlg.grab().save(str(path))
            dlg.close()
            out.append(path)
        page = page_images(session_document(store, last), dpi=110)[0]
        path = target / "report-page.png"
        page.save(str(path))
        out.append(path)
        store.close()
    return out


if __name__ == "__main__":
    if "--records" in sys.argv:
        for p in records_shots(Path(sys.argv[1])):
            print(p)
        raise SystemExit(0)
    target = Path(sys.argv[1] if len(sys.argv) > 1 else "docs/screenshots")
    print(main_window_shot(target / "main-window.png", scenario="amnesia",
                           preset="Glute max, hamstring, lumbar (left)", seconds=23.0, person=True))
    print(main_window_shot(target / "practice.png", "holds", "Glute max, hamstring, lumbar (left)", 16.4, person=True,
                           practice="glute_bridge", persona="amnesia", home=target / "at-home.png"))
    if "--all" in sys.argv:
        for preset, name in (("Glute max + hamstring (left)", "2"), ("Glute max + hamstring, both sides", "4"),
                             ("All four muscles, both sides (8)", "8")):
            print(main_window_shot(target / f"channels-{name}.png", "bridges", preset, 14.0, person=True))
