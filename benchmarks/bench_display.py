"""Display frame cost: 8 channels x 2 kHz x 10 s, decimated bins vs naive full setData (offscreen).

Target: decimated frame <= 0.5x the naive frame, and >= 60 fps. Both variants paint the same
window size; a frame = setData on every curve + the event loop painting what changed.
"""

from __future__ import annotations

import os
import time

import numpy as np

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")


def _frame_ms(win, update, frames: int) -> float:  # type: ignore[no-untyped-def]
    from PySide6.QtWidgets import QApplication

    app = QApplication.instance()
    times = []
    for k in range(frames):
        t0 = time.perf_counter()
        update(k)
        app.processEvents()  # paints what changed, as the running app does each frame
        times.append(time.perf_counter() - t0)
    return float(np.median(times) * 1000)


def run(frames: int = 60) -> dict:
    from PySide6.QtWidgets import QApplication, QVBoxLayout, QWidget

    from app.dsp.decimate import MinMaxDecimator, bin_size_for
    from app.ui.app import configure_pyqtgraph
    from app.ui.channel_row import ChannelRow

    app = QApplication.instance() or QApplication([])
    configure_pyqtgraph()
    fs, ch, secs = 2000.0, 8, 10.0
    n = int(fs * secs)
    # realistic content: simulated bridges on 8 muscles through the live pipeline
    from app.devices.emg_model import EmgModel
    from app.devices.simulator import SimulatedPatch
    from app.dsp.pipeline import process_whole
    from app.muscles import PRESETS

    patch = SimulatedPatch(labels=PRESETS["All four muscles, both sides (8)"], sample_rate_hz=fs, scenario="bridges")
    sig = patch.generate(n, EmgModel(fs, ch, np.random.default_rng(1)))
    out = process_whole(sig, fs)
    raw, env = out.filtered, out.envelope
    t_full = (np.arange(n) - n) / fs

    from app.muscles import display_name
    from app.session.controller import ChannelFrame

    win = QWidget()
    lay = QVBoxLayout(win)
    rows = [ChannelRow(i, ChannelFrame(lb, display_name(lb), "µV", 1.0, None, 50.0, 50.0), compact=True)
            for i, lb in enumerate(patch.labels)]
    for r in rows:
        lay.addWidget(r)
    win.resize(1280, 720)  # the smallest screen the window must fit; eight compact rows
    win.show()
    app.processEvents()

    def naive(k: int) -> None:
        for i, r in enumerate(rows):
            r.raw_curve.setData(t_full, np.roll(raw[i], k))
            r.env_curve.setData(t_full, np.roll(env[i], k))

    b = bin_size_for(fs)
    dec = MinMaxDecimator(ch, b)
    lo, hi, eb = dec.process(raw, env)
    tb = (np.arange(lo.shape[1]) - lo.shape[1]) * b / fs

    def decimated(k: int) -> None:
        for i, r in enumerate(rows):
            r.show_data(tb, np.roll(lo[i], k), np.roll(hi[i], k), np.roll(eb[i], k))

    naive_ms = _frame_ms(win, naive, frames)
    dec_ms = _frame_ms(win, decimated, frames)
    win.close()
    return {
        "channels": ch,
        "sample_rate_hz": fs,
        "window_s": secs,
        "naive_setData_ms_per_frame": round(naive_ms, 2),
        "decimated_ms_per_frame": round(dec_ms, 2),
        "ratio_decimated_vs_naive": round(dec_ms / naive_ms, 3),
        "decimated_fps_ceiling": round(1000.0 / dec_ms, 1),
        "target_ratio": 0.5,
        "target_fps": 60,
    }


if __name__ == "__main__":
    print(run())
