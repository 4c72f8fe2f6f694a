"""%MVIC reference from calibration contractions, the submaximal option, conversions."""

from __future__ import annotations

import numpy as np
import pytest

from app.analysis.mvic import (
    MvicReference,
    best_window_rms,
    reference_from_recording,
    reference_from_segments,
)
from app.devices.emg_model import Artefacts, synthesize
from app.errors import UserError


def calibration(levels: list[float], fs: float = 1000.0, hold_s: float = 5.0) -> np.ndarray:
    n = int(fs * (2 + 8 * len(levels)))
    act = np.zeros((1, n))
    for k, a in enumerate(levels):
        s = int(fs * (2 + 8 * k))
        act[0, s : s + int(hold_s * fs)] = a  # 5 s contraction, 3 s rest
    return synthesize(act, fs, seed=4, artefacts=Artefacts(3.0, 0.0, 50, 0))


def test_reference_is_mean_of_best_500ms_windows():
    x = calibration([300.0, 280.0, 320.0])
    (ref,) = reference_from_recording(x, 1000.0, ("gluteus_maximus_L",))
    assert ref.value_uv == pytest.approx(300.0, rel=0.06)  # best windows sit slightly above the mean
    assert ref.n_contractions == 3 and ref.method == "maximal" and ref.unit == "%MVIC"
    assert float(ref.percent(150.0)) == pytest.approx(150.0 / ref.value_uv * 100)
    assert ref.uv(40.0) == pytest.approx(0.4 * ref.value_uv)
    assert float(ref.percent(ref.uv(40.0))) == pytest.approx(40.0) and ref.uv(100.0) == pytest.approx(ref.value_uv)
    assert ref.recorded_at and "maximal contractions" in ref.describe()


def test_window_and_count_are_configurable_and_the_strongest_count():
    x = calibration([300.0, 150.0, 300.0, 300.0])  # one half-hearted try among four
    (ref,) = reference_from_recording(x, 1000.0, ("gluteus_maximus_L",), window_ms=1000.0, expected=3)
    assert ref.n_contractions == 3 and ref.window_ms == 1000.0
    assert ref.value_uv == pytest.approx(300.0, rel=0.05)


def test_submaximal_reference_scales_by_effort_and_says_so():
    x = calibration([150.0, 150.0, 150.0])
    (ref,) = reference_from_recording(x, 1000.0, ("gluteus_maximus_L",), fraction=0.5)
    assert ref.method == "submaximal" and ref.unit == "%MVIC (est.)"
    assert float(ref.percent(ref.value_uv)) == pytest.approx(50.0)
    assert float(ref.percent_of_reference(ref.value_uv)) == pytest.approx(100.0)
    assert ref.uv(50.0) == pytest.approx(ref.value_uv)
    assert "50% effort reference" in ref.describe()
    assert MvicReference.from_dict(ref.to_dict()) == ref


def test_segments_and_best_window():
    fs = 1000.0
    x = np.zeros(3000)
    x[1000:1500] = 10.0 * np.sin(np.arange(500))  # one loud half second
    assert best_window_rms(x, fs, 500.0) == pytest.approx(10.0 / np.sqrt(2), rel=0.02)
    ref = reference_from_segments(x, fs, [(0.5, 2.5)], "hamstring_L", expected=3)
    assert ref.n_contractions == 1 and ref.value_uv == pytest.approx(10.0 / np.sqrt(2), rel=0.02)
    with pytest.raises(UserError, match="between 0 and 100%"):
        reference_from_segments(x, fs, [(0.5, 2.5)], "hamstring_L", fraction=0.0)


def test_no_contraction_is_one_sentence():
    x = synthesize(np.zeros((1, 5000)), 1000.0, seed=1, artefacts=Artefacts(3.0, 0.0, 50, 0))
    with pytest.raises(UserError, match="No contraction"):
        reference_from_recording(x, 1000.0, ("hamstring_L",))
