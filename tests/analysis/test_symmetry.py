"""Left/right symmetry index, its 15% flag and sentences; a simulated 20% gap is flagged."""

from __future__ import annotations

import numpy as np
import pytest

from app.analysis.onset import detect_bursts
from app.analysis.reps import reps_from_bursts
from app.analysis.symmetry import FLAG_PERCENT, pairs, symmetry, symmetry_index
from app.devices.emg_model import Artefacts, synthesize
from app.dsp.pipeline import process_whole


def test_symmetry_index_formula():
    assert symmetry_index(100.0, 100.0) == 0.0
    assert symmetry_index(100.0, 80.0) == pytest.approx(-20 / 90 * 100)  # (R-L) / mean(L, R)
    assert symmetry_index(80.0, 100.0) == pytest.approx(20 / 90 * 100)
    assert symmetry_index(0.0, 0.0) == 0.0
    assert FLAG_PERCENT == 15.0


def test_a_20_percent_gap_is_flagged_and_10_percent_is_not():
    (gap,) = symmetry({"gluteus_maximus_L": 100.0, "gluteus_maximus_R": 80.0},
                      {"gluteus_maximus_L": 60.0, "gluteus_maximus_R": 48.0})
    assert gap.flagged and gap.peak_index_percent == pytest.approx(-22.2, abs=0.1)
    assert gap.sentence() == ("Gluteus maximus: the right side's peak activation is 20% below the left "
                              "(SI -22%, flagged above 15%).")
    (close,) = symmetry({"gluteus_medius_L": 100.0, "gluteus_medius_R": 90.0},
                        {"gluteus_medius_L": 50.0, "gluteus_medius_R": 46.0})
    assert not close.flagged and "within 15%" in close.sentence()
    d = gap.to_dict()
    assert d["flagged"] is True and d["mean_index_percent"] == pytest.approx(-22.2, abs=0.1)


def test_pairs_need_both_sides_and_one_unit():
    values = {"gluteus_maximus_L": 1.0, "gluteus_maximus_R": 1.0, "hamstring_L": 2.0, "ch3": 5.0}
    assert [p.muscle for p in symmetry(values, values)] == ["gluteus_maximus"]
    units = {"gluteus_maximus_L": "%MVIC", "gluteus_maximus_R": "µV"}
    assert symmetry(values, values, units) == []
    (legacy,) = pairs({"gluteus_maximus_L": 100.0, "gluteus_maximus_R": 80.0})
    assert legacy.flagged and legacy.index_percent == pytest.approx(-22.2, abs=0.1)


def test_simulated_right_side_20_percent_weaker_is_flagged():
    fs = 1000.0
    n = int(fs * 20)
    t = np.arange(n) / fs
    on = ((t % 5.0) >= 2.0) & ((t % 5.0) < 4.0)
    act = np.vstack([200.0 * on, 160.0 * on])  # right 20% below left
    x = synthesize(act, fs, seed=9, artefacts=Artefacts(3.0, 0.0, 50.0, 0.0))
    env = process_whole(x, fs).envelope
    bursts = detect_bursts(x, fs)
    peaks, means = {}, {}
    for ch, label in enumerate(("gluteus_maximus_L", "gluteus_maximus_R")):
        reps = reps_from_bursts(env[ch], fs, bursts[ch], delay_s=0.035)
        assert len(reps) == 4
        peaks[label] = float(np.mean([r.peak for r in reps]))
        means[label] = float(np.mean([r.mean for r in reps]))
    (p,) = symmetry(peaks, means)
    assert p.flagged
    assert p.mean_index_percent == pytest.approx(-22.2, abs=4)
    assert "right side" in p.sentence()
