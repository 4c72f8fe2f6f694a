"""Live firing order and stopping rule, block by block, from the simulated patch."""

from __future__ import annotations

import numpy as np
import pytest

from app.devices.emg_model import EmgModel
from app.devices.simulator import SimulatedPatch
from app.dsp.filters import FilterSettings
from app.dsp.ring import RingBuffer
from app.dsp.worker import DspWorker
from app.session.live_analysis import LiveAnalysis


def run(scenario: str, seconds: float, labels: tuple[str, ...], fs: float = 1000.0) -> LiveAnalysis:
    patch = SimulatedPatch(labels=labels, scenario=scenario, sample_rate_hz=fs)
    model = EmgModel(fs, len(labels), np.random.default_rng(21))
    ring = RingBuffer(len(labels), int(fs * 30))
    worker = DspWorker(ring, fs, FilterSettings(), np.full(len(labels), 50.0))
    live = LiveAnalysis(fs, labels)
    worker.add_sink(live)
    for _ in range(int(seconds * fs) // 20):
        ring.write(patch.generate(20, model))
        worker.process_available()
    return live


def test_live_firing_order_reports_each_amnesia_rep():
    live = run("amnesia", 18.0, ("gluteus_maximus_L", "hamstring_L"))
    sentence, stop, n = live.snapshot()
    assert n == 4
    for c in live.contractions:
        assert c.leader == "hamstring_L"
        assert c.lags_ms["gluteus_maximus_L"] == pytest.approx(150, abs=30)
    starts = [c.start_s for c in live.contractions]  # the hamstring starts each rep
    assert np.allclose(starts, [2.0, 7.0, 12.0, 17.0], atol=0.03)
    assert sentence.startswith("Rep 4: Hamstring L led Gluteus maximus L by ")


def test_live_stopping_rule_never_fires_on_steady_reps():
    live = run("bridges", 30.0, ("gluteus_maximus_L",))
    assert live.snapshot()[1] == ""
    assert live.snapshot()[2] >= 5
