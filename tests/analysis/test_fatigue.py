"""Fatigue: MDF/MNF fall when the simulated muscle tires; the 90%-of-best stopping rule."""

from __future__ import annotations

import numpy as np
import pytest

from app.analysis.fatigue import FatigueSettings, StoppingRule, fatigue_trend, spectral_points, spectrum_frequencies
from app.analysis.onset import detect_bursts
from app.devices.emg_model import Artefacts, synthesize
from app.dsp.pipeline import process_whole

FS = 2000.0
ART = Artefacts(2.0, 0.0, 50.0, 0.0)


def fatiguing_reps(reps: int = 12, fatigue_to: float = 1.0, seed: int = 1) -> np.ndarray:
    n = int(FS * (2 + reps * 5))
    act = np.zeros((1, n))
    fat = np.zeros((1, n))
    for k in range(reps):
        a = int((2 + 5 * k) * FS)
        act[0, a : a + int(3 * FS)] = 150.0
        fat[0, a : a + int(3 * FS)] = fatigue_to * k / (reps - 1)
    return synthesize(act, FS, seed=seed, artefacts=ART, fatigue=fat)


def test_fatigue_gives_a_falling_median_frequency_from_a_plausible_start():
    x = fatiguing_reps()
    trend = fatigue_trend(process_whole(x, FS).filtered[0], FS, detect_bursts(x, FS)[0])
    assert trend is not None and len(trend.mdf_hz) == 12
    assert 80.0 <= trend.mdf_hz[0] <= 120.0  # fresh limb muscle: ~85-115 Hz
    assert trend.mdf_slope_hz_per_min < -10 and trend.mdf_slope_percent_per_min < -10
    assert trend.mnf_slope_hz_per_min < 0 and all(mn > md for md, mn in zip(trend.mdf_hz, trend.mnf_hz))
    assert trend.fatiguing and "falling" in trend.sentence()
    d = trend.to_dict()
    assert d["points"] == 12 and d["mdf_slope_hz_per_min"] == pytest.approx(trend.mdf_slope_hz_per_min, abs=0.01)


def test_fresh_reps_give_a_flat_trend():
    x = fatiguing_reps(fatigue_to=0.0, seed=2)
    trend = fatigue_trend(process_whole(x, FS).filtered[0], FS, detect_bursts(x, FS)[0])
    assert trend is not None and abs(trend.mdf_slope_percent_per_min) < 8 and not trend.fatiguing
    assert 80.0 <= float(np.median(trend.mdf_hz)) <= 120.0


def test_a_long_hold_is_cut_into_epochs():
    n = int(FS * 24)
    act = np.zeros((1, n))
    act[0, int(2 * FS) : int(22 * FS)] = 150.0
    fat = np.clip((np.arange(n) / FS - 2.0) / 20.0, 0, 1)[None, :]
    x = synthesize(act, FS, seed=3, artefacts=ART, fatigue=fat)
    bursts = detect_bursts(x, FS)[0]
    assert len(bursts) == 1
    pts = spectral_points(process_whole(x, FS).filtered[0], FS, bursts, FatigueSettings(epoch_s=1.0))
    assert len(pts) == 19  # 20 s hold minus 0.5 s at each end, 1 s epochs
    trend = fatigue_trend(process_whole(x, FS).filtered[0], FS, bursts)
    assert trend is not None and trend.mdf_slope_hz_per_min < -20


def test_spectrum_of_a_tone():
    t = np.arange(4000) / FS
    mdf, mnf = spectrum_frequencies(np.sin(2 * np.pi * 100 * t), FS)
    assert mdf == pytest.approx(100, abs=3) and mnf == pytest.approx(100, abs=3)
    assert np.isnan(spectrum_frequencies(np.zeros(4000), FS)[0])


def test_stopping_rule_after_consecutive_reps_below_90_percent_of_best():
    rule = StoppingRule(fraction=0.9, consecutive=3)
    for p in (100, 110, 98, 100, 97, 98):  # 100 >= 99 (90% of 110) resets the count
        assert not rule.add(p)
    assert rule.add(96)
    assert rule.done and rule.done_at_rep == 7
    msg = rule.message()
    assert msg.startswith("Done for today: reps 5 to 7 all stayed below 90% of your best (rep 2)")
    steady = StoppingRule(consecutive=2)
    assert not any(steady.add(p) for p in (100, 95, 92, 99, 91, 96))
    assert steady.message() == ""
    with pytest.raises(ValueError):
        StoppingRule(fraction=1.5)


def test_a_short_noisy_trend_is_not_called_fatigue():
    from app.analysis.fatigue import trend_from_points

    noisy = trend_from_points([(3.0, 114.0, 130.0), (8.0, 100.0, 118.0), (13.0, 112.0, 128.0), (18.0, 101.0, 119.0)])
    assert noisy is not None and noisy.mdf_slope_percent_per_min < -5
    assert noisy.word == "no clear trend yet" and not noisy.fatiguing
    assert "±" in noisy.sentence()
    t = np.arange(0.0, 120.0, 5.0)
    steady = trend_from_points([(ti, 100.0 + 0.5 * (-1) ** i, 120.0) for i, ti in enumerate(t)])
    assert steady is not None and steady.word == "steady"
    falling = trend_from_points([(ti, 110.0 - 0.2 * ti, 130.0) for ti in t])
    assert falling is not None and falling.word == "tiring" and falling.to_dict()["trend"] == "tiring"
    assert trend_from_points([(0.0, 100.0, 120.0), (4.0, 90.0, 110.0), (8.0, 80.0, 100.0)]) is None  # 8 s span


def test_four_reps_give_numbers_but_no_verdict():
    from app.analysis.fatigue import trend_from_points

    few = trend_from_points([(3.0, 114.0, 130.0), (8.0, 110.0, 126.0), (13.0, 107.0, 123.0), (18.0, 104.0, 120.0)])
    assert few is not None and few.mdf_slope_percent_per_min < -20 and few.word == "no clear trend yet"


def test_stopping_rule_message_keeps_describing_the_reps_that_triggered_it():
    """Regression: with more reps after the trigger (a new best among them) analyze said "the
    last 0 reps stayed below 90% of your best (rep 24)" where rep 24 was the best itself."""
    rule = StoppingRule(fraction=0.9, consecutive=3)
    for p in (100, 80, 80, 80):
        rule.add(p)
    said = rule.message()
    assert said == ("Done for today: reps 2 to 4 all stayed below 90% of your best (rep 1), so the muscle "
                    "is no longer learning the pattern well.")
    for p in (120, 119, 118):  # later reps, one a new best
        rule.add(p)
    assert rule.message() == said and rule.done_at_rep == 4
    assert "last 0" not in rule.message()


def test_plain_fatigue_words_have_no_negative_zero():
    """Regression: the session column said "(-0 ± 1 %/min), steady"."""
    from app.analysis.fatigue import FatigueTrend

    flat = FatigueTrend([0.0, 10.0, 20.0, 30.0, 40.0, 50.0], [110.0, 110.2, 109.9, 110.1, 110.0, 109.9],
                        [120.0] * 6, -0.004, -0.004, mdf_slope_se_percent_per_min=0.3)
    assert flat.word == "steady" and flat.plain() == "steady: median frequency 110 → 110 Hz"
    assert "-0" not in flat.sentence() and "(0.0 ±" in flat.sentence()
    tired = FatigueTrend([0.0, 10.0, 20.0, 30.0, 40.0, 50.0], [115.0, 108.0, 101.0, 95.0, 89.0, 83.0],
                         [120.0] * 6, -38.16, -33.0, mdf_slope_se_percent_per_min=1.0)
    assert tired.plain() == "tiring: median frequency 114 → 83 Hz, falling about 33% a minute"
    # steady but scattered: the words use the fitted line, not the first and last rep
    scatter = FatigueTrend([0.0, 10.0, 20.0, 30.0, 40.0, 50.0], [114.0, 100.0, 108.0, 104.0, 110.0, 94.0],
                           [120.0] * 6, -0.5, -0.5, mdf_slope_se_percent_per_min=2.0)
    assert scatter.plain().startswith("steady: median frequency 105 → 105 Hz")
