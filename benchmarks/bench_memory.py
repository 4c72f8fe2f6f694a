"""A long recorded session: 8 ch x 2 kHz for 60 minutes, streamed and recorded faster than real time.

Targets (issue 12's long run): every sample recorded (rows == samples processed, no gap, no
error) and memory flat: RSS <= 250 MB, growth <= 10 MB per hour of session (a least-squares
slope after the first tenth), measured in a fresh interpreter of its own (``python -m benchmarks``
runs the window and the other benchmarks first: their libraries would count here too). This is
the stream, DSP and recorder without the window; the window's own RSS is in ``bench_app``. The
simulated patch runs faster
than real time (``speed``, kept below what the DSP + CSV writer sustain so nothing queues up;
``dsp_overrun_samples`` must stay 0), so a long session costs a minute or two, not an hour.
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from app.devices.simulator import SimulatedPatch
from app.muscles import PRESETS
from app.session.stream import LiveStream
from benchmarks.results_file import rss_mb


def run(minutes: float = 60.0, speed: float = 20.0) -> dict:
    """The measurement in a child process (its RSS is this session's, nothing else's)."""
    out = subprocess.run([sys.executable, "-m", "benchmarks.bench_memory", str(minutes), str(speed)],
                         capture_output=True, text=True, cwd=Path(__file__).resolve().parents[1], check=True)
    return dict(json.loads(out.stdout.strip().splitlines()[-1]))


def measure(minutes: float, speed: float) -> dict:
    labels = PRESETS["All four muscles, both sides (8)"]
    src = SimulatedPatch(labels=labels, sample_rate_hz=2000, scenario="bridges", seed=1, speed=speed)
    stream = LiveStream(src)
    out = Path(tempfile.mkdtemp()) / "long.csv"
    stream.start_recording(out)
    stream.start()
    fs = src.sample_rate_hz
    samples: list[tuple[float, float]] = []
    t0 = time.perf_counter()
    target = int(minutes * 60 * fs)
    while stream.worker.processed_samples < target:
        time.sleep(0.5)
        samples.append((stream.worker.processed_samples / fs / 60.0, rss_mb()))
        if stream.worker.error is not None:
            raise RuntimeError(stream.worker.error)
    wall = time.perf_counter() - t0
    rec = stream.recorder
    stream.stop()
    overruns = stream.worker.overrun_samples
    expected = stream.worker.processed_samples  # recording started before the stream: from sample 0
    rows = rec.rows if rec is not None else 0
    error = rec.error if rec is not None else "no recorder"
    size_mb = out.stat().st_size / 1e6
    with out.open("rb") as f:  # the rows on disk, counted without loading 1 GB
        lines = sum(block.count(b"\n") for block in iter(lambda: f.read(1 << 24), b""))
    out.unlink()
    warm = np.array([s for s in samples if s[0] >= minutes * 0.1])
    growth_per_h = float(np.polyfit(warm[:, 0], warm[:, 1], 1)[0] * 60) if len(warm) > 2 else 0.0
    return {
        "session_minutes": minutes,
        "speed_x_real_time_achieved": round(minutes * 60 / wall, 1),
        "rss_mb_max": round(max(r for _, r in samples), 1),
        "rss_growth_mb_per_hour": round(growth_per_h, 2),
        "csv_mb_per_minute": round(size_mb / minutes, 2),
        "recorder_rows_per_s": round(rows / wall),
        "rows_expected": expected,
        "rows_recorded": rows,
        "file_lines": lines,
        "recorder_error": error,
        "dsp_overrun_samples": overruns,
        "target_rss_mb": 250,
        "target_growth_mb_per_hour": 10,
    }


if __name__ == "__main__":
    args = [float(a) for a in sys.argv[1:3]]
    print(json.dumps(measure(*args) if args else measure(60.0, 20.0)))
