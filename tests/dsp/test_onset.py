"""Onset detector: accuracy on signals with known onsets, rest false alarms, live == offline."""

from __future__ import annotations

import numpy as np
import pytest

from app.devices.emg_model import Artefacts, synthesize
from app.dsp.onset import Conditioner, OnsetSettings, OnsetTracker, baseline, detect_onsets

CLEAN = Artefacts(noise_floor_uv=1.0, hum_uv=0.0, wander_uv=0.0)


def onset_errors_ms(fs: float, snr_db: float, trials: int, seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    errs = []
    for k in range(trials):
        n = int(fs * 6)
        t0 = rng.uniform(2.0, 3.0)
        act = np.zeros((1, n))
        act[0, int(t0 * fs) : int((t0 + rng.uniform(1, 2)) * fs)] = 10 ** (snr_db / 20)
        x = synthesize(act, fs, seed=seed * 1000 + k, artefacts=CLEAN)
        bursts = detect_onsets(x, fs)[0]
        errs.append(min((abs(b.onset_s - t0) for b in bursts), default=1.0) * 1000)
    return np.array(errs)


@pytest.mark.parametrize("fs", [1000.0, 2000.0])
def test_accuracy_at_20_db(fs):
    e = onset_errors_ms(fs, 20, 25, seed=1)
    assert np.median(e) <= 10 and np.percentile(e, 90) <= 25, e


@pytest.mark.parametrize("fs", [1000.0, 2000.0])
def test_accuracy_at_10_db(fs):
    e = onset_errors_ms(fs, 10, 25, seed=2)
    assert np.median(e) <= 25, e


@pytest.mark.parametrize("fs", [1000.0, 2000.0])
def test_few_false_bursts_in_a_minute_of_rest_at_10_db_noise(fs):
    # baseline from a rest capture, then a minute of rest: the 10 dB contraction level never comes
    rest = synthesize(np.zeros((1, int(fs * 5))), fs, seed=5, artefacts=CLEAN)
    s = OnsetSettings()
    mu, sd = baseline(Conditioner(fs, 1, s).process(rest), fs, 4.0)
    minute = synthesize(np.zeros((1, int(fs * 60))), fs, seed=6, artefacts=CLEAN)
    assert len(detect_onsets(minute, fs, rest=(mu, sd))[0]) <= 2


@pytest.mark.parametrize("chunk", [1, 7, 20, 50, 333])
def test_streaming_equals_offline(chunk):
    fs = 1000.0
    act = np.zeros((2, 8000))
    act[0, 2000:4000] = 30
    act[1, 2150:4500] = 20
    act[0, 6000:7000] = 25
    x = synthesize(act, fs, seed=3, artefacts=CLEAN)
    s = OnsetSettings()
    mu, sd = baseline(Conditioner(fs, 2, s).process(x), fs)
    offline = detect_onsets(x, fs, rest=(mu, sd))
    tr = OnsetTracker(fs, 2, mu, sd, s)
    events = []
    for i in range(0, x.shape[1], chunk):
        events += tr.process(x[:, i : i + chunk])
    events += tr.finish()
    live_onsets = sorted((e.channel, round(e.time_s, 6)) for e in events if e.onset)
    off_onsets = sorted((ch, round(b.onset_s, 6)) for ch, bs in enumerate(offline) for b in bs)
    assert live_onsets == off_onsets and len(off_onsets) == 3
    assert abs(offline[1][0].onset_s - 2.15) < 0.015


def test_live_onsets_arrive_with_bounded_latency():
    fs = 2000.0
    act = np.zeros((1, 12000))
    act[0, 4000:9000] = 30
    x = synthesize(act, fs, seed=4, artefacts=CLEAN)
    s = OnsetSettings()
    mu, sd = baseline(Conditioner(fs, 1, s).process(x[:, :3000]), fs)
    tr = OnsetTracker(fs, 1, mu, sd, s)
    reported_at = None
    for i in range(0, x.shape[1], 40):  # 20 ms packets
        if any(e.onset for e in tr.process(x[:, i : i + 40])) and reported_at is None:
            reported_at = (i + 40) / fs
    assert reported_at is not None
    # confirmed after min_on (50 ms) + conditioning delay + one packet
    assert reported_at - 2.0 <= s.min_on_s + tr.delay_s + s.window_ms / 1000 + 0.03
