"""Firing order from the simulated patch: the amnesia pattern and a healthy glute-first pattern."""

from __future__ import annotations

import numpy as np
import pytest

from app.devices.emg_model import EmgModel
from app.devices.simulator import SimulatedPatch
from app.dsp.firing_order import firing_order, summary
from app.dsp.onset import Burst, detect_onsets

LABELS = ("gluteus_maximus_L", "hamstring_L", "lumbar_erector_L")


def contractions(scenario: str, fs: float):
    patch = SimulatedPatch(labels=LABELS, scenario=scenario, sample_rate_hz=fs)
    x = patch.generate(int(fs * 22), EmgModel(fs, 3, np.random.default_rng(11)))
    return firing_order(detect_onsets(x, fs), LABELS)


@pytest.mark.parametrize("fs", [1000.0, 2000.0])
def test_amnesia_hamstring_leads_glute_by_150_ms(fs):
    cs = [c for c in contractions("amnesia", fs) if len(c.onsets) >= 2]
    assert len(cs) == 4
    for c in cs:
        assert c.leader == "hamstring_L"
        # a lag is a difference of two onsets, each within ~25 ms (p90): allow 30 ms per rep
        assert c.lags_ms["gluteus_maximus_L"] == pytest.approx(150, abs=30)
        assert c.sentence().startswith("Hamstring L led Gluteus maximus L by ")
    s = summary(cs)
    assert s["glute_first_fraction"] == 0.0 and s["median_glute_lag_ms"] == pytest.approx(150, abs=15)


def test_healthy_bridge_glute_fires_first():
    cs = [c for c in contractions("bridges", 2000.0) if len(c.onsets) >= 2]
    assert cs and all(c.leader == "gluteus_maximus_L" for c in cs)
    assert summary(cs)["glute_first_fraction"] == 1.0
    assert "Gluteus maximus L fired first" in cs[0].sentence()


def test_grouping_and_single_muscle():
    b = [[Burst(1.0, 2.0), Burst(5.0, 6.0)], [Burst(1.12, 2.0)]]
    cs = firing_order(b, ("gluteus_maximus_L", "hamstring_L"))
    assert len(cs) == 2 and cs[0].lags_ms["gluteus_maximus_L"] == 0.0
    assert cs[0].lags_ms["hamstring_L"] == pytest.approx(120.0)
    assert cs[1].sentence() == "Only Gluteus maximus L fired."
