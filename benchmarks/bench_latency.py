"""Latency of the feedback, measured in the running app (offscreen) with the simulated patch.

- callback -> painted: from the moment the block holding the first above-target sample reached the
  app (source callback) to the end of the frame that painted the tile green. Target median <= 15 ms.
- onset -> painted: from the true start of the contraction (the button press, applied to the next
  generated samples) to that painted frame; includes the envelope delay and the time the rising
  envelope needs to reach the target. Target median <= 50 ms.
"""

from __future__ import annotations

import os
import time
from pathlib import Path

import numpy as np

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")


def run(presses: int = 15) -> dict:
    import tempfile

    from PySide6.QtWidgets import QApplication

    from app.ui.app import configure_pyqtgraph

    app = QApplication.instance() or QApplication([])
    configure_pyqtgraph()
    with tempfile.TemporaryDirectory(prefix="glutefire-bench-") as tmp:
        return _run(app, Path(tmp), presses)


def _run(app, tmp: Path, presses: int) -> dict:  # type: ignore[no-untyped-def]
    from PySide6.QtCore import QSettings

    from app.storage.store import Store
    from app.ui.main_window import MainWindow

    store = Store(tmp / "records.sqlite3")
    win = MainWindow(settings=QSettings(str(tmp / "p.ini"), QSettings.Format.IniFormat), recordings_dir=tmp, seed=2,
                     store=store)
    win.toolbar.scenario.setCurrentIndex(win.toolbar.scenario.findData("manual"))
    win.show()
    win.connect_source()
    stream = win.controller.stream
    assert stream is not None
    # remember when each sample index arrived from the source
    arrivals: list[tuple[int, float]] = []
    orig = stream._on_block

    def on_block(block):  # type: ignore[no-untyped-def]
        orig(block)
        arrivals.append((stream.ring.total, time.perf_counter()))

    stream.source._on_block = on_block
    tile = win.rows[0].tile
    cb_lat, onset_lat = [], []

    def pump_until(cond, timeout: float) -> bool:  # type: ignore[no-untyped-def]
        end = time.perf_counter() + timeout
        while time.perf_counter() < end:
            app.processEvents()
            if cond():
                return True
            time.sleep(0.0005)
        return False

    pump_until(lambda: False, 1.0)
    for _ in range(presses):
        t_press = time.perf_counter()
        stream.source.press(True)
        ok = pump_until(lambda: tile.firing is True, 2.0)
        app.processEvents()  # the paint the tile change requested
        t_painted = time.perf_counter()
        if ok:
            idx = int(stream.worker.firing.since[0])
            t_arrive = next(t for total, t in arrivals if total > idx)
            cb_lat.append((t_painted - t_arrive) * 1000)
            onset_lat.append((t_painted - t_press) * 1000)
        stream.source.press(False)
        pump_until(lambda: tile.firing is False, 2.0)
        pump_until(lambda: False, 0.6)
    win.disconnect_source()
    win.close()
    store.close()
    return {
        "presses": presses,
        "callback_to_painted_ms_median": round(float(np.median(cb_lat)), 1),
        "callback_to_painted_ms_p99": round(float(np.percentile(cb_lat, 99)), 1),
        "onset_to_painted_ms_median": round(float(np.median(onset_lat)), 1),
        "onset_to_painted_ms_max": round(float(np.max(onset_lat)), 1),
        "frame_ms": 16,
        "source_block_ms": 20,
        "target_callback_to_painted_median_ms": 15,
        "target_onset_to_painted_median_ms": 50,
    }


if __name__ == "__main__":
    print(run())
