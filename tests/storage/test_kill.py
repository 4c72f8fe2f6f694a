"""A recording survives its process being killed (SIGKILL: no clean-up at all): the file reads,
and at most the last second is missing. Real subprocesses, killed at random moments."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from app.storage.reader import load_recording

ROOT = Path(__file__).resolve().parents[2]
FS = 1000


def _kill_once(tmp_path: Path, k: int, after_s: float) -> tuple[float, int]:
    out = tmp_path / f"kill-{k}.csv"
    proc = subprocess.Popen([sys.executable, "-m", "app", "record", "--device", "sim", "--seconds", "300",
                             "--out", str(out)], cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                            env={**os.environ, "XDG_DATA_HOME": str(tmp_path / "xdg")})
    header = None
    deadline = time.monotonic() + 60
    first_row_at = None
    while time.monotonic() < deadline:  # the moment the first sample row reached the file
        if out.exists():
            text = out.read_bytes()
            if header is None and b"events\n" in text:
                header = text.index(b"events\n") + len(b"events\n")
            if header is not None and len(text) > header + 10:
                first_row_at = time.monotonic()
                break
        time.sleep(0.005)
    assert first_row_at is not None, "the recording never started"
    time.sleep(after_s)
    killed_at = time.monotonic()
    proc.send_signal(signal.SIGKILL)
    proc.wait(30)
    rec = load_recording(out)  # readable, a torn last row skipped
    produced = (killed_at - first_row_at) * FS
    return produced, rec.data.shape[1]


def _check(tmp_path: Path, kills: int, seed: int) -> list[float]:
    rng = random.Random(seed)
    missing = []
    for k in range(kills):
        produced, rows = _kill_once(tmp_path, k, rng.uniform(0.3, 3.0))
        missing.append((produced - rows) / FS)
        assert produced - rows <= 1.0 * FS + 50, f"kill {k}: {produced - rows:.0f} samples missing"
    return missing


def test_a_killed_recording_reads_and_misses_at_most_a_second(tmp_path):
    _check(tmp_path, 3, seed=1)


@pytest.mark.soak
def test_twenty_kills_at_random_moments(tmp_path):
    missing = _check(tmp_path, 20, seed=2)
    print(f"20 kills: missing median {sorted(missing)[10]:.3f} s, max {max(missing):.3f} s")
