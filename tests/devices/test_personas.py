"""Simulated people carry out a prompt their way: levels, who leads by how much, fatigue, weak side."""

from __future__ import annotations

import numpy as np
import pytest

from app.analysis.onset import detect_bursts
from app.devices.emg_model import EmgModel
from app.devices.personas import FALL_S, PERSONAS, REST, RISE_S, Effort, FollowedPrompt, persona
from app.devices.scenarios import MVIC_UV
from app.devices.simulator import SimulatedPatch
from app.errors import UserError

FS = 1000.0
LABELS = ("gluteus_maximus_L", "hamstring_L", "lumbar_erector_L", "gluteus_medius_R")
BRIDGE = Effort({"gluteus_maximus": 0.5, "hamstring": 0.25, "lumbar_erector": 0.2}, targets=("gluteus_maximus",))


def onset_sample(level: np.ndarray) -> int:
    return int(np.flatnonzero(level > 1e-6)[0])


def test_healthy_glute_leads_and_helpers_follow_50_ms_later():
    f = FollowedPrompt(LABELS, FS, persona("healthy"))
    f.follow(BRIDGE, 1000)
    lv, _ = f.next(0, 3000)
    assert onset_sample(lv[0]) == 1000 and onset_sample(lv[1]) == 1050 and onset_sample(lv[2]) == 1050
    assert lv[0, -1] == pytest.approx(0.5) and lv[1, -1] == pytest.approx(0.25)
    assert not lv[3].any()  # the medius is not asked for
    ramp = np.flatnonzero(lv[0] >= 0.5 - 1e-9)[0] - 1000
    assert ramp == pytest.approx(RISE_S * FS, abs=2)
    f.follow(REST, 3000)
    down, _ = f.next(3000, 1000)
    assert down[0, 0] < 0.5 and down[0, int(FALL_S * FS)] == pytest.approx(0.0, abs=1e-9)


def test_amnesia_hamstring_leads_a_weak_glute_by_150_ms():
    f = FollowedPrompt(LABELS, FS, persona("amnesia"))
    f.follow(BRIDGE, 500)
    lv, _ = f.next(0, 2000)
    assert onset_sample(lv[0]) - onset_sample(lv[1]) == 150
    assert lv[0, -1] == pytest.approx(0.5 * 0.45) and lv[1, -1] > 0.25


def test_fatigue_lowers_the_glute_rep_by_rep_and_tires_its_spectrum():
    f = FollowedPrompt(LABELS, FS, persona("fatigue"))
    peaks, tired = [], []
    for rep in range(6):
        start = rep * 3000
        f.follow(BRIDGE, start)
        lv, fat = f.next(start, 2000)
        f.follow(REST, start + 2000)
        f.next(start + 2000, 1000)
        peaks.append(lv[0].max())
        tired.append(fat[0].max())
    assert all(b < a for a, b in zip(peaks, peaks[1:])) and peaks[-1] == pytest.approx(0.5 * (1 - 0.3))
    assert tired[0] == 0.0 and tired[-1] > 0.5 and f.contractions == 6


def test_weak_medius_on_the_right_and_one_sided_work():
    abduction = Effort({"gluteus_medius": 0.6}, targets=("gluteus_medius",))
    labels = ("gluteus_medius_L", "gluteus_medius_R")
    f = FollowedPrompt(labels, FS, persona("weak-medius"))
    f.follow(abduction, 0)
    lv, _ = f.next(0, 1000)
    assert lv[0, -1] == pytest.approx(0.6) and lv[1, -1] == pytest.approx(0.3)
    f2 = FollowedPrompt(labels, FS, persona("healthy"))
    f2.follow(Effort({"gluteus_medius": 0.6}, targets=("gluteus_medius",), side="R"), 0)
    lv2, _ = f2.next(0, 1000)
    assert not lv2[0].any() and lv2[1, -1] == pytest.approx(0.6)


def test_every_persona_is_listed_and_unknown_ones_are_a_sentence():
    assert set(PERSONAS) == {"healthy", "amnesia", "fatigue", "weak-medius"}
    with pytest.raises(UserError, match="Unknown persona 'lazy'; choose one of: healthy, amnesia"):
        persona("lazy")


def test_the_simulated_patch_plays_the_persona_and_the_detector_sees_the_lead():
    """End to end: the amnesia persona's hamstring leads by ~150 ms in the generated EMG, as the
    validated onset detector dates it."""
    patch = SimulatedPatch(labels=LABELS[:2], sample_rate_hz=1000, scenario="holds", persona_key="amnesia", seed=2)
    model = EmgModel(FS, 2, np.random.default_rng(2))
    parts = []
    for _ in range(3):
        patch.cue(0.0)
        parts.append(patch.generate(2000, model))
        patch.cue(BRIDGE)
        parts.append(patch.generate(2500, model))
    patch.cue(0.0)
    parts.append(patch.generate(1500, model))
    x = np.hstack(parts)
    bursts = detect_bursts(x, FS)
    glute, ham = bursts
    assert len(glute) == len(ham) == 3
    lags = [(g.onset_s - h.onset_s) * 1000 for g, h in zip(glute, ham)]
    assert all(120 <= lag <= 190 for lag in lags), lags
    rms = np.sqrt(np.mean(x[0, 3000:4500] ** 2))
    assert rms == pytest.approx(0.5 * 0.45 * MVIC_UV["gluteus_maximus"], rel=0.2)
