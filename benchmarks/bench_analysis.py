"""Offline analysis speed: 10 minutes of 8 channels at 2 kHz, GluteFire vs NeuroKit2, same data.

GluteFire: ``app.analysis.offline.analyze`` (live chain, TKEO onsets, reps, firing order, symmetry,
fatigue, stopping rule, quality) on all channels at once; best of three runs. NeuroKit2:
``emg_process`` on each channel (its documented pipeline: clean, amplitude, activation), one
run, skipped with a message when neurokit2 is not installed (``pip install -e '.[bench]'``).
The ratio compares both on the same excerpt, the first ``nk_minutes`` (1) of the recording, all
channels: NeuroKit2 needs ~6 s per channel-minute here and grows faster than the length (its
activation formatting), so the full 10 minutes would take it over half an hour.
Target: GluteFire >= 20x faster. Results are merged into benchmarks/results.json ("analysis").

    python -m benchmarks.bench_analysis [--minutes 10] [--nk-channels 8]
"""

from __future__ import annotations

import argparse
import json
import time

import numpy as np

from app.analysis.offline import analyze
from app.devices.emg_model import EmgModel
from app.devices.simulator import SimulatedPatch
from app.muscles import PRESETS


def recording(minutes: float, fs: float) -> tuple[np.ndarray, tuple[str, ...]]:
    labels = PRESETS["All four muscles, both sides (8)"]
    patch = SimulatedPatch(labels=labels, sample_rate_hz=fs, scenario="bridges")
    data = patch.generate(int(minutes * 60 * fs), EmgModel(fs, len(labels), np.random.default_rng(0)))
    return data, labels


def run(minutes: float = 10.0, fs: float = 2000.0, nk_channels: int | None = None, repeats: int = 3,
        nk_minutes: float = 1.0) -> dict:
    data, labels = recording(minutes, fs)
    times = []
    result = None
    for _ in range(repeats):
        t0 = time.perf_counter()
        result = analyze(data, fs, labels)
        times.append(time.perf_counter() - t0)
    assert result is not None
    ours = min(times)
    out: dict = {
        "minutes": minutes,
        "channels": len(labels),
        "sample_rate_hz": fs,
        "glutefire_s": round(ours, 3),
        "glutefire_runs_s": [round(t, 3) for t in times],
        "glutefire_bursts_found": sum(len(c.bursts) for c in result.channels),
        "target_ratio": 20,
    }
    print(f"GluteFire analyze: {ours:.2f} s (best of {repeats}) for {minutes:g} min x {len(labels)} ch x {fs:g} Hz",
          flush=True)
    try:
        import neurokit2 as nk
    except ImportError:
        msg = "neurokit2 is not installed; skipped (pip install -e '.[bench]' to compare)"
        print(msg)
        out["neurokit2"] = msg
        return out
    excerpt = data[:, : int(min(nk_minutes, minutes) * 60 * fs)]
    ours_ex = min(_timed(lambda: analyze(excerpt, fs, labels)) for _ in range(repeats))
    n_nk = len(labels) if nk_channels is None else max(1, min(nk_channels, len(labels)))
    t0 = time.perf_counter()
    for ch in range(n_nk):
        nk.emg_process(excerpt[ch], sampling_rate=int(fs))
    theirs = time.perf_counter() - t0
    per_channel = theirs / n_nk
    total = per_channel * len(labels)  # = theirs when all channels were run
    out.update({
        "neurokit2_version": nk.__version__,
        "compared_minutes": round(excerpt.shape[1] / fs / 60, 3),
        "glutefire_excerpt_s": round(ours_ex, 3),
        "neurokit2_channels_run": n_nk,
        "neurokit2_emg_process_s": round(total, 2),
        "neurokit2_s_per_channel": round(per_channel, 2),
        "ratio_neurokit2_over_glutefire": round(total / ours_ex, 1),
    })
    scaled = "" if n_nk == len(labels) else f" (measured on {n_nk} channel(s), scaled to {len(labels)})"
    print(f"On the first {nk_minutes:g} min: GluteFire {ours_ex:.2f} s, NeuroKit2 {nk.__version__} emg_process "
          f"{total:.1f} s{scaled}")
    print(f"Ratio: {total / ours_ex:.1f}x (target >= 20x)")
    return out


def _timed(f) -> float:  # type: ignore[no-untyped-def]
    t0 = time.perf_counter()
    f()
    return time.perf_counter() - t0


def main(argv: list[str] | None = None) -> int:
    from benchmarks.results_file import merge

    p = argparse.ArgumentParser(description="GluteFire offline analysis vs NeuroKit2 emg_process")
    p.add_argument("--minutes", type=float, default=10.0)
    p.add_argument("--rate", type=float, default=2000.0)
    p.add_argument("--nk-channels", type=int, default=None, help="run NeuroKit2 on this many channels only")
    a = p.parse_args(argv)
    out = run(a.minutes, a.rate, a.nk_channels)
    merge("analysis", out)
    print(json.dumps(out, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
