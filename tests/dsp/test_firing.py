"""Firing detector: sample-exact crossings, hysteresis, NaN gaps, chunking."""

from __future__ import annotations

import numpy as np

from app.dsp.firing import FiringDetector


def test_crossings_at_exact_samples_with_hysteresis():
    env = np.array([[10, 40, 51, 49, 46, 44, 60, 30.0]])
    det = FiringDetector(1, np.array([50.0]), release=0.9)
    out = det.process(env, 100)
    assert [(c.index, c.rising) for c in out] == [(102, True), (105, False), (106, True), (107, False)]
    assert not det.firing[0] and det.since[0] == 107


def test_chunked_equals_whole(rng):
    env = np.abs(rng.standard_normal((3, 5000))) * 60
    whole = FiringDetector(3, np.array([50.0, 60.0, 70.0])).process(env, 0)
    det = FiringDetector(3, np.array([50.0, 60.0, 70.0]))
    parts = []
    i = 0
    while i < env.shape[1]:
        n = int(rng.integers(1, 97))
        parts += det.process(env[:, i : i + n], i)
        i += n
    assert sorted((c.index, c.channel, c.rising) for c in parts) == sorted(
        (c.index, c.channel, c.rising) for c in whole
    )


def test_gap_ends_firing():
    det = FiringDetector(1, np.array([10.0]))
    det.process(np.array([[20.0, 20.0]]), 0)
    assert det.firing[0]
    out = det.process(np.array([[np.nan, np.nan]]), 2)
    assert not det.firing[0] and out[0].index == 2 and not out[0].rising
