"""PySide6 6.12.0 aborts ("none_dealloc") when QObject.property() returns None, which pyqtgraph's
setData does. Run exactly that in a child process so an abort shows as a failed test, not a dead
test run; and check the installed version honours the pin."""

from __future__ import annotations

import os
import subprocess
import sys

import PySide6

CHILD = r"""
import os
os.environ["QT_QPA_PLATFORM"] = "offscreen"
from PySide6.QtCore import QObject
from PySide6.QtWidgets import QApplication
import pyqtgraph as pg
app = QApplication([])
assert QObject().property("no_such_property") is None
for _ in range(200):
    assert QObject().property("no_such_property") is None
w = pg.PlotWidget()
c = w.plot()
for i in range(50):
    c.setData([0.0, 1.0, 2.0], [float(i), 2.0, 3.0])
w.show(); app.processEvents()
print("ok")
"""


def test_property_none_and_setdata_do_not_abort():
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    proc = subprocess.run([sys.executable, "-c", CHILD], capture_output=True, text=True, env=env, timeout=120)
    assert proc.returncode == 0, f"child died with {proc.returncode}: {proc.stderr[-2000:]}"
    assert proc.stdout.strip().endswith("ok")


def test_installed_pyside6_is_below_6_12():
    major, minor = (int(p) for p in PySide6.__version__.split(".")[:2])
    assert (major, minor) < (6, 12), PySide6.__version__
