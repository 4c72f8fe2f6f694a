"""The package layout keeps its promises: imports go down the floors only, nothing below ui/
imports Qt, tests mirror app/, and the window stays thin (docs: ../shared/DESIGN.md)."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
APP = ROOT / "app"
#: ui -> session -> exercises/storage -> analysis -> dsp -> devices (a lower floor never imports a higher one)
FLOOR = {"ui": 0, "reports": 0, "session": 1, "records": 1, "exercises": 2, "storage": 2, "analysis": 3, "dsp": 4,
         "devices": 5}


def _imports(path: Path) -> list[str]:
    out = []
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom) and node.module:
            out.append(node.module)
        elif isinstance(node, ast.Import):
            out += [a.name for a in node.names]
    return out


def _room(path: Path) -> str | None:
    rel = path.relative_to(APP).parts
    return rel[0] if len(rel) > 1 and rel[0] in FLOOR else None


def test_no_import_runs_back_up_a_floor():
    upward = []
    for path in APP.rglob("*.py"):
        room = _room(path)
        if room is None:
            continue
        for mod in _imports(path):
            parts = mod.split(".")
            if parts[0] == "app" and len(parts) > 1 and parts[1] in FLOOR and FLOOR[parts[1]] < FLOOR[room]:
                upward.append(f"{path.relative_to(ROOT)} imports {mod}")
    assert not upward, upward


def test_nothing_below_the_ui_imports_qt():
    qt = [f"{p.relative_to(ROOT)}: {m}" for p in APP.rglob("*.py") if _room(p) not in (None, "ui", "reports")
          for m in _imports(p) if m.startswith(("PySide6", "pyqtgraph"))]
    assert not qt, qt


def test_reports_paint_without_widgets():
    """A report is painted with QtGui (QPdfWriter, QImage): ``glutefire report`` needs no window."""
    widgets = [f"{p.relative_to(ROOT)}: {m}" for p in (APP / "reports").rglob("*.py")
               for m in _imports(p) if m.startswith(("PySide6.QtWidgets", "pyqtgraph", "app.ui"))]
    assert not widgets, widgets


def test_each_room_has_its_tests():
    for room in FLOOR:
        if (APP / room).is_dir():
            assert list((ROOT / "tests" / room).glob("test_*.py")), f"tests/{room}/ has no tests"


def test_the_window_stays_thin():
    """main_window.py <= 350 lines and no function over 50: it wires widgets to the controller."""
    path = APP / "ui" / "main_window.py"
    assert len(path.read_text().splitlines()) <= 350
    long = [f"{n.name}: {n.end_lineno - n.lineno + 1} lines" for n in ast.walk(ast.parse(path.read_text()))
            if isinstance(n, ast.FunctionDef) and (n.end_lineno or 0) - n.lineno + 1 > 50]
    assert not long, long
    # no widget reaches past the controller into the stream, the DSP worker or its sinks
    for ui in (APP / "ui").glob("*.py"):
        text = ui.read_text()
        for reach in ("add_sink", "remove_sink", ".worker.", ".stream.", "controller.live", "controller.stream"):
            assert reach not in text, f"{ui.name} reaches past the controller: {reach}"
