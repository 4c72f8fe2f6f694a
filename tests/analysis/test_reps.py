"""Reps and holds: duration, time above target, peak/mean, steadiness, on signals with known truth."""

from __future__ import annotations

import numpy as np
import pytest

from app.analysis.mvic import MvicReference
from app.analysis.onset import detect_bursts
from app.analysis.reps import Rep, reps_from_bursts, reps_from_envelope, segment_reps, summarize_reps
from app.devices.emg_model import Artefacts, synthesize
from app.dsp.pipeline import process_whole

FS = 1000.0
ART = Artefacts(3.0, 0.0, 50.0, 0.0)


def holds(levels: list[float], shake: float = 0.0, hold_s: float = 10.0, seed: int = 1) -> np.ndarray:
    """Holds of ``hold_s`` at the given µV RMS, 5 s apart, starting at 2 s; ``shake`` = 3 Hz wobble."""
    n = int(FS * (2 + len(levels) * (hold_s + 5)))
    t = np.arange(n) / FS
    act = np.zeros((1, n))
    for k, a in enumerate(levels):
        on = 2.0 + k * (hold_s + 5)
        act[0] += a * (1 + shake * np.sin(2 * np.pi * 3 * t)) * ((t >= on) & (t < on + hold_s))
    return synthesize(act, FS, seed=seed, artefacts=ART)


def analysed(x: np.ndarray, target: float | None = None):
    proc = process_whole(x, FS)
    bursts = detect_bursts(x, FS)
    return reps_from_bursts(proc.envelope[0], FS, bursts[0], target, delay_s=0.035), bursts[0]


def test_holds_have_duration_time_above_target_peak_mean_and_steadiness():
    reps, _ = analysed(holds([180.0, 180.0, 180.0]), target=120.0)
    assert len(reps) == 3
    for r in reps:
        assert r.duration_s == pytest.approx(10.0, abs=0.1)
        assert r.mean == pytest.approx(180.0, rel=0.08)  # the envelope reads the RMS amplitude
        assert r.mean < r.peak < 1.5 * r.mean
        assert r.time_above_target_s == pytest.approx(10.0, abs=0.2)  # the whole hold is above 120 µV
        assert r.steadiness_cv < 0.15  # a steady hold: only the envelope's own ripple
        assert r.unit == "µV" and r.offset_s == pytest.approx(r.onset_s + r.duration_s)


def test_a_shaky_hold_is_less_steady_and_spends_less_time_above_target():
    steady, _ = analysed(holds([180.0]), target=180.0)
    shaky, _ = analysed(holds([180.0], shake=0.4), target=180.0)
    assert shaky[0].steadiness_cv > 2 * steady[0].steadiness_cv
    assert shaky[0].steadiness_cv == pytest.approx(0.4 / np.sqrt(2), abs=0.08)  # SD of a sine = A/sqrt 2
    assert 3.0 < shaky[0].time_above_target_s < 7.0  # about half of the hold above its mean


def test_reps_in_percent_mvic_and_per_channel_targets():
    x = np.vstack([holds([150.0, 150.0], hold_s=3.0, seed=2), holds([60.0, 60.0], hold_s=3.0, seed=3)])
    proc = process_whole(x, FS)
    bursts = detect_bursts(x, FS)
    ref = MvicReference("gluteus_maximus_L", 300.0, "maximal", 500.0, 3)
    env = np.vstack([ref.percent(proc.envelope[0]), proc.envelope[1]])
    reps = segment_reps(env, FS, bursts, thresholds=[40.0, None], delay_s=0.035, units=[ref.unit, "µV"])
    assert [len(r) for r in reps] == [2, 2]
    assert reps[0][0].unit == "%MVIC" and reps[0][0].mean == pytest.approx(50.0, rel=0.08)
    assert reps[0][0].time_above_target_s > 2.5 and reps[1][0].time_above_target_s == 0.0
    s = summarize_reps(reps[1])
    assert s is not None and s.count == 2 and s.mean_duration_s == pytest.approx(3.0, abs=0.1)
    assert s.best_peak >= s.mean_peak and s.to_dict()["unit"] == "µV"
    assert summarize_reps([]) is None


def test_reps_straight_from_a_device_envelope():
    t = np.arange(int(FS * 12)) / FS
    env = 4.0 + 0.4 * np.random.default_rng(0).standard_normal(t.size)
    for on in (2.0, 7.0):
        env += 100.0 * ((t >= on) & (t < on + 3.0))
    (reps,) = reps_from_envelope(env[None, :], FS, thresholds=[50.0])
    assert [round(r.onset_s, 2) for r in reps] == [2.0, 7.0]
    assert all(r.duration_s == pytest.approx(3.0, abs=0.01) and r.time_above_target_s == pytest.approx(3.0, abs=0.01)
               for r in reps)
    assert reps[0].to_dict()["peak"] == pytest.approx(reps[0].peak, abs=1e-3)
    assert isinstance(reps[0], Rep)
