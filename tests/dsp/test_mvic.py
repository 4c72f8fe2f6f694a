"""%MVIC reference from calibration contractions, and conversions."""

from __future__ import annotations

import numpy as np
import pytest

from app.devices.emg_model import Artefacts, synthesize
from app.dsp.mvic import MvicReference, reference_from_recording
from app.errors import UserError


def calibration(levels: list[float], fs: float = 1000.0) -> np.ndarray:
    n = int(fs * (2 + 8 * len(levels)))
    act = np.zeros((1, n))
    for k, a in enumerate(levels):
        s = int(fs * (2 + 8 * k))
        act[0, s : s + int(5 * fs)] = a  # 5 s maximal contraction, 3 s rest
    return synthesize(act, fs, seed=4, artefacts=Artefacts(3.0, 0.0, 50, 0))


def test_reference_is_mean_of_best_500ms_windows():
    x = calibration([300.0, 280.0, 320.0])
    (ref,) = reference_from_recording(x, 1000.0, ("gluteus_maximus_L",))
    assert ref.value_uv == pytest.approx(300.0, rel=0.06)  # best windows sit slightly above the mean
    assert ref.n_contractions == 3 and ref.method == "maximal"
    assert float(ref.percent(150.0)) == pytest.approx(150.0 / ref.value_uv * 100)
    assert ref.uv(40.0) == pytest.approx(0.4 * ref.value_uv)


def test_submaximal_reference_scales_by_effort():
    x = calibration([150.0, 150.0, 150.0])
    (ref,) = reference_from_recording(x, 1000.0, ("gluteus_maximus_L",), fraction=0.5)
    assert ref.method == "submaximal"
    assert float(ref.percent(ref.value_uv)) == pytest.approx(50.0)
    assert MvicReference.from_dict(ref.to_dict()) == ref


def test_no_contraction_is_one_sentence():
    x = synthesize(np.zeros((1, 5000)), 1000.0, seed=1, artefacts=Artefacts(3.0, 0.0, 50, 0))
    with pytest.raises(UserError, match="No contraction"):
        reference_from_recording(x, 1000.0, ("hamstring_L",))
