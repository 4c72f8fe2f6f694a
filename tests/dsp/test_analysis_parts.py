"""Reps, symmetry, fatigue + stopping rule, and signal quality on signals with known truth."""

from __future__ import annotations

import numpy as np
import pytest

from app.devices.emg_model import Artefacts, EmgModel, synthesize
from app.devices.simulator import SimulatedPatch
from app.dsp.bursts import detect_bursts, zero_phase_envelope
from app.dsp.fatigue import StoppingRule, fatigue_trend, spectrum_frequencies
from app.dsp.filters import FilterSettings, design_bandpass
from app.dsp.quality import assess
from app.dsp.reps import reps_from_bursts
from app.dsp.symmetry import pairs, symmetry_index
from scipy import signal


def test_reps_of_holds_have_duration_time_above_target_and_steadiness():
    fs = 1000.0
    patch = SimulatedPatch(labels=("gluteus_maximus_L",), scenario="holds")
    x = patch.generate(int(fs * 45), EmgModel(fs, 1, np.random.default_rng(3)))
    env = zero_phase_envelope(x, fs)
    b = [(r.onset_s, r.offset_s) for r in detect_bursts(x, fs)[0]]
    reps = reps_from_bursts(env[0], fs, b, target=50.0)
    assert len(reps) == 3
    for r in reps[:2]:
        assert r.duration_s == pytest.approx(10.0, abs=0.2)
        assert 9.0 <= r.time_above_target_s <= r.duration_s
        assert 150 <= r.mean <= 220  # 60% MVIC of 300 µV RMS
        assert r.steadiness_cv < 0.2


def test_symmetry_index_and_flag():
    assert symmetry_index(100.0, 100.0) == 0.0
    assert symmetry_index(100.0, 80.0) == pytest.approx(-22.2, abs=0.1)
    (s,) = pairs({"gluteus_maximus_L": 100.0, "gluteus_maximus_R": 80.0, "hamstring_L": 40.0})
    assert s.flagged and "right side works 22% less" in s.sentence()
    (ok,) = pairs({"gluteus_medius_L": 100.0, "gluteus_medius_R": 95.0})
    assert not ok.flagged


def test_fatigue_slope_is_negative_and_fresh_mdf_plausible():
    fs = 2000.0
    patch = SimulatedPatch(labels=("gluteus_maximus_L",), scenario="fatigue", sample_rate_hz=fs)
    x = patch.generate(int(fs * 62), EmgModel(fs, 1, np.random.default_rng(5)))
    filt = signal.sosfiltfilt(design_bandpass(FilterSettings(), fs), x, axis=1)
    b = [(r.onset_s, r.offset_s) for r in detect_bursts(x, fs)[0]]
    trend = fatigue_trend(filt[0], fs, b)
    assert trend is not None and len(trend.mdf_hz) == 12
    assert 80 <= trend.mdf_hz[0] <= 130
    assert trend.mdf_slope_hz_per_min < -10 and trend.mdf_slope_percent_per_min < 0


def test_spectrum_of_a_tone():
    fs = 1000.0
    t = np.arange(2000) / fs
    mdf, mnf = spectrum_frequencies(np.sin(2 * np.pi * 100 * t), fs)
    assert mdf == pytest.approx(100, abs=5) and mnf == pytest.approx(100, abs=5)


def test_stopping_rule_after_three_reps_below_90_percent_of_best():
    rule = StoppingRule(0.9, 3)
    for p in (100, 110, 98, 100, 97, 98):  # 100 >= 99 (90% of 110) resets the count
        assert not rule.add(p)
    assert rule.add(96)
    assert "Done for today" in rule.message() and "90%" in rule.message()


def test_quality_flags_hum_flat_noisy_and_passes_good():
    fs = 1000.0
    n = int(fs * 4)
    good = synthesize(np.zeros((1, n)), fs, seed=1, artefacts=Artefacts(3.0, 0.5, 50, 10))[0]
    hum = synthesize(np.zeros((1, n)), fs, seed=2, artefacts=Artefacts(3.0, 40.0, 50, 0))[0]
    noisy = synthesize(np.zeros((1, n)), fs, seed=3, artefacts=Artefacts(40.0, 0, 50, 0))[0]
    flat = np.zeros(n)
    q = assess(np.vstack([good, hum, noisy, flat]), fs, ("gluteus_maximus_L", "hamstring_L", "lumbar_erector_L", "gluteus_medius_L"))
    assert q[0].ok and q[0].noise_floor_uv < 5
    assert not q[1].ok and "mains hum" in q[1].problems()[0] and q[1].problems()[0].startswith("Hamstring L")
    assert not q[2].ok and "noisy at rest" in q[2].problems()[0]
    assert q[3].flat and "electrode or lead is off" in q[3].problems()[0]
