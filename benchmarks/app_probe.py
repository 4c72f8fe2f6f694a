"""The running window, as the whole-app benchmark sees it (run as a child process by bench_app).

Starts the real ``MainWindow`` on the simulated patch at the asked channels and rate and runs the
Qt event loop as the app does. It only observes:

- frames painted: the window's backing-store flushes (``QEvent.UpdateRequest`` on the top-level
  window, which paints the widgets that changed, then puts the pixels on screen) in which a
  channel plot was repainted, counted once per new picture (pyqtgraph's scenes each flush on
  their own, so one refresh of 8 plots can take 8 flushes: the frame is done at the last one);
- packet arrival -> painted: each block's arrival time in the source callback, and for each
  painted frame the newest sample it shows; the delay is the end of that frame's last flush
  minus that sample's arrival;
- onset -> firing indicator painted: a contraction pressed on the simulated person (manual
  scenario), to the end of the flush that shows the tile green (filter and envelope delay,
  threshold rise time and frame wait included).

CPU and memory are measured from outside by the parent (/proc), never here. Prints one JSON line.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")


def main(argv: list[str]) -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--preset", required=True)
    ap.add_argument("--rate", type=int, required=True)
    ap.add_argument("--seconds", type=float, default=20.0)
    ap.add_argument("--warmup", type=float, default=3.0)
    ap.add_argument("--presses", type=int, default=12)
    args = ap.parse_args(argv)

    from PySide6.QtCore import QEvent, QObject, QSettings, QTimer
    from PySide6.QtWidgets import QApplication

    from app.storage.store import Store
    from app.ui.app import configure_pyqtgraph
    from app.ui.main_window import MainWindow

    app = QApplication.instance() or QApplication([])
    configure_pyqtgraph()
    tmp = Path(tempfile.mkdtemp(prefix="glutefire-probe-"))
    settings = QSettings(str(tmp / "p.ini"), QSettings.Format.IniFormat)
    store = Store(tmp / "records.sqlite3")
    win = MainWindow(settings=settings, recordings_dir=tmp, seed=2, store=store)
    win.toolbar.prefs.set_sample_rate(args.rate)
    win.toolbar.preset.setCurrentIndex(win.toolbar.preset.findData(args.preset))
    win.toolbar.scenario.setCurrentIndex(win.toolbar.scenario.findData("manual"))
    win.resize(1280, 720)
    win.show()
    win.connect_source()
    stream = win.controller.stream
    assert stream is not None and len(win.rows) == len(stream.labels)

    arrivals: list[tuple[int, float]] = []  # (samples received up to this block, arrival time)
    deliver = stream.source._on_block

    def on_block(block):  # type: ignore[no-untyped-def]
        deliver(block)
        arrivals.append((stream.ring.total, time.perf_counter()))

    stream.source._on_block = on_block
    plots = {r.plot.viewport() for r in win.rows}
    shown: dict[str, int] = {"newest": -1, "frame": 0}
    refresh = win.refresh

    def refresh_and_note() -> None:
        refresh()
        shown["newest"] = stream.worker.processed_samples  # what this frame's traces end with
        shown["frame"] += 1

    win.frame_timer._paint = refresh_and_note

    class Observer(QObject):
        def __init__(self) -> None:
            super().__init__()
            self.plot_painted = False
            self.frames: list[tuple[float, int, int]] = []  # (flush end, newest sample shown, refresh)
            self.on_flush = None

        def eventFilter(self, obj, ev):  # type: ignore[no-untyped-def]
            t = ev.type()
            if t == QEvent.Type.Paint and obj in plots:
                self.plot_painted = True
            elif t == QEvent.Type.UpdateRequest and obj is win:
                self.plot_painted = False
                obj.event(ev)  # paint and flush now, to time its end
                end = time.perf_counter()
                if self.plot_painted:
                    self.frames.append((end, shown["newest"], shown["frame"]))
                if self.on_flush is not None:
                    self.on_flush(end)
                return True
            return False

    obs = Observer()
    # on the window and the plots only: an application-wide filter would run Python for every
    # event of every widget and add its own cost to the CPU measured
    for watched in (win, *plots):
        watched.installEventFilter(obs)

    phase: dict[str, float] = {}
    cues: list[float] = []
    tile = win.rows[0].tile

    def begin() -> None:
        obs.frames.clear()
        phase["t0"] = time.perf_counter()
        print(json.dumps({"phase": "measuring"}), flush=True)  # the parent starts its /proc clock
        QTimer.singleShot(int(args.seconds * 1000), end_steady)

    def end_steady() -> None:
        phase["t1"] = time.perf_counter()
        phase["frames"] = len({f for _, _, f in obs.frames})
        pictures = _pictures(obs.frames)
        phase["pictures"] = len(pictures)
        phase["flushes"] = len(obs.frames)
        phase["latency"] = _latencies(pictures, arrivals)
        print(json.dumps({"phase": "cues"}), flush=True)
        press(0)

    def press(k: int) -> None:
        if k >= args.presses:
            finish()
            return
        t_press = time.perf_counter()
        stream.source.press(True)

        def flushed(end: float) -> None:
            if tile.firing:
                obs.on_flush = None
                cues.append((end - t_press) * 1000)
                stream.source.press(False)
                QTimer.singleShot(1200, lambda: press(k + 1))
        obs.on_flush = flushed
        QTimer.singleShot(3000, lambda: _give_up(k))

    def _give_up(k: int) -> None:
        if obs.on_flush is not None and len(cues) <= k:
            obs.on_flush = None
            stream.source.press(False)
            QTimer.singleShot(1200, lambda: press(k + 1))

    def finish() -> None:
        import numpy as np

        lat = phase["latency"]
        st = stream.status()
        out = {
            "channels": len(stream.labels),
            "sample_rate_hz": stream.fs,
            "seconds": round(phase["t1"] - phase["t0"], 2),
            "fps": round(phase["frames"] / (phase["t1"] - phase["t0"]), 1),
            "new_data_frames_per_s": round(phase["pictures"] / (phase["t1"] - phase["t0"]), 1),
            "flushes_per_s": round(phase["flushes"] / (phase["t1"] - phase["t0"]), 1),
            "source_block_ms": round(1000 * stream.source.samples_per_block / stream.fs, 1),
            "latency_ms_p50": round(float(np.percentile(lat, 50)), 1) if lat else None,
            "latency_ms_p99": round(float(np.percentile(lat, 99)), 1) if lat else None,
            "cue_latency_ms_p50": round(float(np.median(cues)), 1) if cues else None,
            "cue_latency_ms_max": round(float(np.max(cues)), 1) if cues else None,
            "cues_measured": len(cues),
            "dsp_overrun_samples": st.overrun_samples,
            "lost_samples": st.lost_samples,
        }
        print(json.dumps(out), flush=True)
        win.disconnect_source()
        win.close()
        store.close()
        shutil.rmtree(tmp, ignore_errors=True)
        app.quit()

    QTimer.singleShot(int(args.warmup * 1000), begin)
    app.exec()
    return 0


def _pictures(flushes: list[tuple[float, int, int]]) -> list[tuple[float, int]]:
    """One (end, newest) per new picture: the last flush that painted a plot with that data."""
    last: dict[int, float] = {}
    for end, newest, _ in flushes:
        last[newest] = end
    return sorted((end, newest) for newest, end in last.items())


def _latencies(frames: list[tuple[float, int]], arrivals: list[tuple[int, float]]) -> list[float]:
    """For each painted frame: its end minus the arrival of the block holding its newest sample."""
    import bisect

    totals = [a for a, _ in arrivals]
    out = []
    for end, newest in frames:
        if newest <= 0:
            continue
        i = bisect.bisect_left(totals, newest)  # the first block whose arrival made ``newest`` available
        if i < len(arrivals):
            out.append((end - arrivals[i][1]) * 1000)
    return out


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
