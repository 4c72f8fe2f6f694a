"""Signal quality: good, hum, noisy, flat, clipping and drifting channels get the right verdict."""

from __future__ import annotations

import numpy as np
import pytest

from app.analysis.quality import QualityMonitor, assess
from app.devices.emg_model import Artefacts, synthesize

FS = 1000.0
N = int(FS * 4)
LABELS = ("gluteus_maximus_L", "hamstring_L", "lumbar_erector_L", "gluteus_medius_L",
          "gluteus_maximus_R", "hamstring_R")


def rest(seed: int, art: Artefacts, n: int = N) -> np.ndarray:
    return synthesize(np.zeros((1, n)), FS, seed=seed, artefacts=art)[0]


def test_each_problem_gets_its_verdict_and_sentence():
    good = rest(1, Artefacts(3.0, 4.0, 50, 25))  # the simulator's defaults: fine
    hum = rest(2, Artefacts(3.0, 40.0, 50, 0))
    noisy = rest(3, Artefacts(40.0, 0.0, 50, 0))
    flat = np.full(N, 12.0)
    clipped = np.clip(rest(4, Artefacts(3.0, 0.0, 50, 0)) * 60, -100, 100)
    drift = rest(5, Artefacts(3.0, 0.0, 50, 0)) + 600 * np.sin(2 * np.pi * 0.3 * np.arange(N) / FS)
    q = assess(np.vstack([good, hum, noisy, flat, clipped, drift]), FS, LABELS)
    assert q[0].ok and q[0].verdict == "good" and q[0].noise_floor_uv < 5
    assert q[0].reason == f"Gluteus maximus L: good contact (rest noise {q[0].noise_floor_uv:.1f} µV)."
    assert q[1].verdict == "check" and q[1].hum_ratio > 0.9 and q[1].hum_uv == pytest.approx(40, rel=0.1)
    assert q[1].reason == ("Hamstring L: strong 50 Hz mains hum — press the electrodes down or move away "
                           "from the power cable.")
    assert q[2].verdict == "check" and "noisy at rest" in q[2].reason and q[2].noise_floor_uv > 30
    assert q[3].flat and q[3].verdict == "bad" and q[3].reason.endswith("the electrode or lead is off.")
    assert q[4].verdict == "bad" and q[4].clipped_fraction > 0.01 and "clipping" in q[4].reason
    assert q[5].verdict == "check" and q[5].drift_uv > 200 and "drifts" in q[5].reason
    d = q[1].to_dict()
    assert d["verdict"] == "check" and d["problems"] == q[1].problems() and d["mains_hz"] == 50.0


def test_mains_frequency_is_found_when_not_given():
    hum60 = rest(6, Artefacts(3.0, 30.0, 60, 0))
    (q,) = assess(hum60[None, :], FS, ("gluteus_maximus_L",), mains_hz=None)
    assert q.mains_hz == 60.0 and q.hum and "60 Hz" in q.reason


def test_contractions_do_not_count_as_noise():
    act = np.zeros((1, int(FS * 6)))
    act[0, 2000:4000] = 300.0
    x = synthesize(act, FS, seed=7, artefacts=Artefacts(3.0, 0.0, 50, 0))
    (q,) = assess(x, FS, ("hamstring_L",))
    assert q.ok and q.noise_floor_uv < 5


def test_rolling_monitor_sees_hum_appear():
    mon = QualityMonitor(FS, ("gluteus_maximus_L",), window_s=3.0, mains_hz=50.0)
    assert mon.assess() == []
    clean = rest(8, Artefacts(3.0, 0.0, 50, 0), int(FS * 5))
    hummy = rest(9, Artefacts(3.0, 50.0, 50, 0), int(FS * 5))
    for i in range(0, clean.size, 20):
        mon.process(clean[None, i : i + 20])
    assert mon.seconds == pytest.approx(3.0) and mon.assess()[0].ok
    for i in range(0, hummy.size, 20):
        mon.process(hummy[None, i : i + 20])
    assert mon.assess()[0].hum
    mon.process(np.zeros((1, int(FS * 4))))  # a block longer than the window: the lead came off
    assert mon.assess()[0].flat


def test_monitor_judges_rest_measures_on_rest_only():
    """A long hold is not "noise at rest"; a lead coming off during a hold is still caught."""
    mon = QualityMonitor(FS, ("gluteus_maximus_L",), window_s=5.0, mains_hz=50.0)
    act = np.full((1, int(FS * 12)), 300.0)
    hold = synthesize(act, FS, seed=10, artefacts=Artefacts(3.0, 0.0, 50, 0))
    for i in range(0, hold.shape[1], 20):
        mon.process(hold[:, i : i + 20], rest=False)
    (q,) = mon.assess()
    assert mon.rest_seconds == 0 and q.ok and not np.isfinite(q.noise_floor_uv)
    assert q.reason == "Gluteus maximus L: signal present (rest noise not measured yet)."
    quiet = rest(11, Artefacts(3.0, 0.0, 50, 0), int(FS * 3))
    for i in range(0, quiet.size, 20):
        mon.process(quiet[None, i : i + 20], rest=True)
    for i in range(0, hold.shape[1], 20):
        mon.process(hold[:, i : i + 20], rest=False)
    (q,) = mon.assess()
    assert q.ok and q.noise_floor_uv < 5  # the hold after the rest does not raise it
    mon.process(np.full((1, int(FS * 6)), 3.0), rest=False)  # lead off in the middle of a hold
    (q,) = mon.assess()
    assert q.flat and q.verdict == "bad"
