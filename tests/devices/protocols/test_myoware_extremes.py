"""Regression (issue 12): the MyoWare resampler turned finite input into inf by interpolating
between ±1e308 (the difference overflowed)."""

import numpy as np

from app.devices.protocols.myoware import UniformResampler


def test_interpolating_between_huge_values_stays_finite():
    r = UniformResampler(100.0)
    r.push(0.0, 1e308)
    out = r.push(0.05, -1e308).samples
    assert out.size == 5 and np.isfinite(out).all() and abs(out).max() <= 1e308
