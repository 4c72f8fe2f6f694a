"""Offline analysis speed: 10 minutes of 8 channels at 2 kHz, GluteFire vs NeuroKit2, same data.

GluteFire: ``app.session.analysis.analyze_recording`` (bursts, TKEO onsets, firing order, reps,
fatigue, quality, symmetry). NeuroKit2: ``emg_process`` on each channel (its documented pipeline:
clean, amplitude, activation), installed with the ``bench`` extra. Target: >= 20x faster.
"""

from __future__ import annotations

import time

import numpy as np

from app.devices.emg_model import EmgModel
from app.devices.simulator import SimulatedPatch
from app.muscles import PRESETS
from app.session.analysis import analyze_recording
from app.session.reader import Recording


def run(minutes: float = 10.0, fs: float = 2000.0) -> dict:
    labels = PRESETS["Both sides, four muscles (8 channels)"]
    patch = SimulatedPatch(labels=labels, sample_rate_hz=fs, scenario="bridges")
    data = patch.generate(int(minutes * 60 * fs), EmgModel(fs, len(labels), np.random.default_rng(0)))
    rec = Recording(data, fs, labels, ("uV",) * len(labels))
    t0 = time.perf_counter()
    result = analyze_recording(rec)
    ours = time.perf_counter() - t0
    out = {
        "minutes": minutes,
        "channels": len(labels),
        "sample_rate_hz": fs,
        "glutefire_s": round(ours, 2),
        "glutefire_bursts_found": sum(len(c["bursts"]) for c in result["channels"]),
        "target_ratio": 20,
    }
    try:
        import neurokit2 as nk
    except ImportError:
        out["neurokit2"] = "not installed (pip install -e '.[bench]')"
        return out
    t0 = time.perf_counter()
    for ch in range(data.shape[0]):
        nk.emg_process(data[ch], sampling_rate=int(fs))
    theirs = time.perf_counter() - t0
    out.update({
        "neurokit2_version": nk.__version__,
        "neurokit2_emg_process_s": round(theirs, 2),
        "ratio_neurokit2_over_glutefire": round(theirs / ours, 1),
    })
    return out


if __name__ == "__main__":
    print(run())
