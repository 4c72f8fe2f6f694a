"""The simulated patch: real-time packets with sequence numbers, plausible EMG, known truth."""

from __future__ import annotations

import threading
import time

import numpy as np
import pytest
from scipy import signal

from app.devices.emg_model import EmgModel
from app.devices.scenarios import SCENARIOS
from app.devices.simulator import SimulatedPatch
from app.devices.source import Block, EventKind, SourceEvent
from app.errors import UserError


def offline(patch: SimulatedPatch, seconds: float, seed: int = 0) -> np.ndarray:
    model = EmgModel(patch.sample_rate_hz, len(patch.labels), np.random.default_rng(seed))
    return patch.generate(int(seconds * patch.sample_rate_hz), model)


def test_streams_20ms_packets_at_true_rate_with_sequence():
    patch = SimulatedPatch(sample_rate_hz=1000)
    blocks: list[Block] = []
    events: list[SourceEvent] = []
    done = threading.Event()

    def on_block(b: Block) -> None:
        blocks.append(b)
        if len(blocks) >= 50:
            done.set()

    t0 = time.monotonic()
    patch.start(on_block, events.append)
    assert done.wait(5.0)
    elapsed = time.monotonic() - t0
    patch.stop()
    assert all(b.data.shape == (2, 20) for b in blocks)
    seqs = [b.seq for b in blocks[:50]]
    assert seqs == list(range(50))
    assert 0.9 <= elapsed <= 2.0  # 50 x 20 ms, paced, not a burst
    assert events[0].kind is EventKind.CONNECTED and events[-1].kind is EventKind.DISCONNECTED


@pytest.mark.parametrize("fs", [1000, 2000])
def test_signal_is_band_limited_emg_with_hum_and_wander(fs):
    patch = SimulatedPatch(labels=("gluteus_maximus_L",), sample_rate_hz=fs, scenario="holds")
    x = offline(patch, 12.0)[0]
    on = x[int(3 * fs) : int(11 * fs)]  # inside the first hold
    f, p = signal.welch(on, fs, nperseg=1024)
    band = (f >= 20) & (f <= 450)
    assert p[band].sum() / p.sum() > 0.9
    cum = np.cumsum(p[band])
    mdf = f[band][np.searchsorted(cum, cum[-1] / 2)]
    assert 70 <= mdf <= 130
    # rest: only noise floor, hum and wander
    rest = x[: int(1.8 * fs)]
    assert np.std(rest) < np.std(on) / 5
    f_r, p_r = signal.welch(rest, fs, nperseg=int(fs))
    assert p_r[np.argmin(abs(f_r - 50))] > 10 * np.median(p_r[(f_r > 60) & (f_r < 400)])


def test_amnesia_hamstring_fires_150ms_before_glute():
    patch = SimulatedPatch(labels=("gluteus_maximus_L", "hamstring_L"), scenario="amnesia")
    truth = patch.truth(20.0)
    lags = [g[0] - h[0] for g, h in zip(truth[0], truth[1])]
    assert len(lags) >= 3 and np.allclose(lags, 0.15)


def test_fatigue_lowers_median_frequency_and_raises_amplitude():
    fs = 2000
    patch = SimulatedPatch(labels=("gluteus_maximus_L",), sample_rate_hz=fs, scenario="fatigue")
    x = offline(patch, 62.0)[0]
    truth = patch.truth(62.0)[0]

    def rep_stats(onset: float) -> tuple[float, float]:
        seg = x[int((onset + 0.5) * fs) : int((onset + 2.3) * fs)]
        f, p = signal.welch(seg, fs, nperseg=512)
        c = np.cumsum(p)
        return float(np.std(seg)), float(f[np.searchsorted(c, c[-1] / 2)])

    first, last = rep_stats(truth[0][0]), rep_stats(truth[11][0])
    assert last[0] > first[0] * 1.2
    assert last[1] < first[1] * 0.85


def test_manual_scenario_follows_the_button():
    fs = 1000
    patch = SimulatedPatch(labels=("gluteus_maximus_L",), scenario="manual")
    model = EmgModel(fs, 1, np.random.default_rng(0))
    rest = patch.generate(1000, model)
    patch.press(True)
    on = patch.generate(1000, model)
    patch.press(False)
    patch.generate(500, model)
    assert np.std(on[0, 200:]) > 5 * np.std(rest[0])
    assert patch.manual_onsets == [1.0]


@pytest.mark.parametrize(
    "kwargs",
    [
        {"labels": ()},
        {"labels": tuple(f"ch{i}" for i in range(9))},
        {"labels": ("a", "a")},
        {"labels": ("bad label",)},
        {"sample_rate_hz": 1234},
        {"scenario": "yoga"},
    ],
)
def test_bad_configuration_is_one_sentence(kwargs):
    with pytest.raises(UserError):
        SimulatedPatch(**kwargs)


def test_every_scenario_has_a_name_and_runs():
    for key in SCENARIOS:
        patch = SimulatedPatch(labels=("gluteus_maximus_L", "hamstring_R"), scenario=key)
        x = offline(patch, 3.0)
        assert x.shape == (2, 3000) and np.isfinite(x).all()


def test_the_simulated_person_follows_prompts_whatever_the_scenario():
    """Told to squeeze, every muscle contracts at that effort of its MVIC amplitude (after a short
    ramp); told to rest, it relaxes; cue(None) gives the scenario back."""
    from app.devices.scenarios import MVIC_UV, RIGHT_SIDE_FACTOR

    labels = ("gluteus_maximus_L", "hamstring_R")
    patch = SimulatedPatch(labels=labels, sample_rate_hz=1000, scenario="holds")  # a hold at 2 s
    model = EmgModel(1000.0, 2, np.random.default_rng(3))
    patch.cue(0.0)
    rest = patch.generate(2500, model)  # the scenario's hold would start at 2 s: the person rests
    assert np.std(rest[0, 2100:]) < 15.0
    patch.cue(1.0)
    squeeze = patch.generate(3000, model)[:, 500:]  # after the 150 ms ramp
    assert np.std(squeeze[0]) == pytest.approx(MVIC_UV["gluteus_maximus"], rel=0.15)
    assert np.std(squeeze[1]) == pytest.approx(MVIC_UV["hamstring"] * RIGHT_SIDE_FACTOR, rel=0.15)
    patch.cue(0.5)
    half = patch.generate(3000, model)[:, 500:]
    assert np.std(half[0]) == pytest.approx(0.5 * MVIC_UV["gluteus_maximus"], rel=0.15)
    patch.cue(None)
    assert patch.cued is None
    with pytest.raises(ValueError):
        patch.cue(2.0)
