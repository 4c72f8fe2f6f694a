"""The offline entry point: one call, JSON-ready dict and a readable table, on simulated sessions."""

from __future__ import annotations

import json
import time

import numpy as np
import pytest

from app.analysis.mvic import MvicReference
from app.analysis.offline import AnalysisSettings, analyze
from app.devices.emg_model import Artefacts, EmgModel
from app.devices.simulator import SimulatedPatch
from app.muscles import PRESETS

EIGHT = PRESETS["All four muscles, both sides (8)"]


def session(scenario: str, seconds: float, labels=EIGHT, fs: float = 2000.0, art: Artefacts | None = None):
    patch = SimulatedPatch(labels=labels, scenario=scenario, sample_rate_hz=fs, artefacts=art)
    model = EmgModel(fs, len(labels), np.random.default_rng(17), art)
    return patch.generate(int(seconds * fs), model), patch.truth(seconds)


@pytest.fixture(scope="module")
def amnesia():
    x, truth = session("amnesia", 23.0)
    return analyze(x, 2000.0, EIGHT, thresholds={"gluteus_maximus_L": 50.0}), truth


def test_dict_is_strict_json_with_the_documented_shape(amnesia):
    a, truth = amnesia
    d = json.loads(json.dumps(a.to_dict(), allow_nan=False))
    assert d["sample_rate_hz"] == 2000.0 and isinstance(d["sample_rate_hz"], float)
    assert [c["name"] for c in d["channels"]] == list(EIGHT)
    for c, true in zip(d["channels"], truth):
        assert set(c) >= {"name", "bursts", "reps", "fatigue", "quality"}
        assert len(c["bursts"]) == len(true) == 5
        for b, (t_on, _) in zip(c["bursts"], true):
            assert set(b) >= {"onset_s", "offset_s", "peak", "mean"}
            assert isinstance(b["onset_s"], float) and abs(b["onset_s"] - t_on) < 0.06
        assert c["quality"]["verdict"] == "good"
    assert isinstance(d["firing_order"], list) and isinstance(d["symmetry"], list)


def test_firing_order_symmetry_and_targets(amnesia):
    a, _ = amnesia
    assert len(a.firing_order) == 5
    for c in a.firing_order:
        assert c.leader.startswith("hamstring_")
        side = c.leader[-1]
        assert c.lags_ms[f"gluteus_maximus_{side}"] == pytest.approx(150, abs=40)
        assert c.sentence().startswith(f"Hamstring {side} led Gluteus maximus {side} by ")
    assert a.firing_summary.glute_first_fraction == 0.0
    assert a.firing_summary.median_glute_lag_ms == pytest.approx(150, abs=20)
    assert len(a.symmetry) == 4 and all(p.flagged and p.peak_index_percent < -15 for p in a.symmetry)
    glute = a.channels[0]
    assert glute.target == 50.0 and all(r.time_above_target_s > 0.5 for r in glute.reps)
    assert a.channels[1].target is None and all(r.time_above_target_s == 0 for r in a.channels[1].reps)


def test_table_reads_like_a_report(amnesia):
    text = amnesia[0].to_table()
    for heading in ("Signal quality", "Reps and holds", "Firing order per contraction",
                    "Left/right symmetry", "Fatigue (median frequency per contraction)"):
        assert heading in text
    assert "Hamstring L led Gluteus maximus L by" in text or "Hamstring R led Gluteus maximus R by" in text
    assert "The glute fired first (or within 20 ms of the first muscle) in 0 of 5 reps" in text
    assert "Gluteus maximus: the right side's" in text
    # table rows (not the free sentences) fit a terminal
    rows = [ln for ln in text.splitlines() if ln.startswith("    ") or "µV" in ln[:100]]
    assert rows and max(len(ln) for ln in rows) <= 110


def test_percent_mvic_fatigue_stopping_rule_and_a_hum_channel():
    labels = ("gluteus_maximus_L", "gluteus_maximus_R")
    x, _ = session("fatigue", 62.0, labels)
    x[1] += 60.0 * np.sqrt(2) * np.sin(2 * np.pi * 50.0 * np.arange(x.shape[1]) / 2000.0)  # hum on the right
    ref = MvicReference("gluteus_maximus_L", 300.0, "maximal", 500.0, 3)
    a = analyze(x, 2000.0, labels, thresholds={"gluteus_maximus_L": 120.0}, mvic=[ref])
    left, right = a.channels
    assert left.unit == "%MVIC" and right.unit == "µV"
    assert left.target == pytest.approx(40.0)
    # 50% MVIC of 300 µV held 2.2 s between a 0.2 s rise and a 0.5 s fall: mean a little below 50
    assert 38 <= left.reps[0].mean <= 50 and 50 <= left.reps[0].peak <= 80
    assert len(left.reps) == 12 and left.fatigue is not None and left.fatigue.mdf_slope_hz_per_min < 0
    assert 80 <= left.fatigue.mdf_hz[0] <= 130
    assert right.quality.hum and "Gluteus maximus R: strong 50 Hz mains hum" in right.quality.reason
    assert a.symmetry == []  # one side normalised, the other not: no comparison
    # amplitude rises as the muscle tires here, so the 90%-of-best rule stays quiet
    assert left.stop_message == ""
    assert a.to_dict()["channels"][0]["mvic"]["value_uv"] == 300.0


def test_custom_settings_and_label_mismatch():
    x, _ = session("bridges", 8.0, ("gluteus_maximus_L",), fs=1000.0)
    a = analyze(x, 1000.0, ("gluteus_maximus_L",), AnalysisSettings(firing_window_s=0.3))
    assert len(a.channels[0].bursts) == 2 and a.firing_summary.compared == 0
    with pytest.raises(ValueError):
        analyze(x, 1000.0, ("a", "b"))


def test_analysis_is_fast():
    x, _ = session("bridges", 60.0)
    t0 = time.perf_counter()
    analyze(x, 2000.0, EIGHT)
    assert time.perf_counter() - t0 < 2.0  # one minute of 8 ch x 2 kHz; the benchmark does 10
