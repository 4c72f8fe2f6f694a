"""The movement's cycle from the envelopes (rhythm.py): found for walking and for drills, at the
cycle rather than two cycles, not claimed for irregular reps; and, live, two bursts of one
stride become one rep once the cycle is known, as offline."""

from __future__ import annotations

import numpy as np
import pytest

from app.analysis.live import LiveAnalysis
from app.analysis.offline import AnalysisSettings, analyze
from app.analysis.onset import OnsetSettings
from app.analysis.rhythm import RhythmMonitor, binned, movement_rhythm
from app.analysis.segments import segment_recording
from app.dsp.worker import ProcessedBlock
from tests.analysis.test_live import feed

FS = 1000.0


def _profile(starts: list[float], seconds: float, spans: list[tuple[float, float, float]]) -> np.ndarray:
    """An envelope-like activation profile (µV): for every start, plateaus (from, to, level) after it."""
    t = np.arange(int(seconds * FS)) / FS
    p = np.full(t.size, 3.0)
    for s in starts:
        for a, b, level in spans:
            p[(t >= s + a) & (t < s + b)] = level
    return p


STRIDE = [(0.0, 0.3, 70.0), (0.6, 0.9, 40.0)]  # late swing, then loading: two bursts a stride


def test_a_walking_cycle_is_found_from_biphasic_bursts():
    starts = list(np.arange(0.5, 19.0, 1.2))
    env = np.vstack([_profile(starts, 20.0, STRIDE), _profile([s + 0.4 for s in starts], 20.0, [(0, 0.4, 50)])])
    r = movement_rhythm(binned(env, FS), FS)
    assert r is not None and r.period_s == pytest.approx(1.2, abs=0.05) and r.strength > 0.5


def test_equal_reps_give_their_cycle_not_twice_it():
    env = _profile(list(np.arange(1.0, 28.0, 3.0)), 30.0, [(0.0, 1.5, 80.0)])
    r = movement_rhythm(binned(env[None], FS), FS)
    assert r is not None and r.period_s == pytest.approx(3.0, abs=0.1)


def test_no_rhythm_is_claimed_for_irregular_reps_a_flat_channel_or_too_short_a_window():
    rng = np.random.default_rng(3)
    starts = np.cumsum(rng.uniform(1.5, 7.0, 12))
    irregular = _profile(list(starts), float(starts[-1] + 3), [(0.0, rng.uniform(0.5, 1.0), 80.0)])
    assert movement_rhythm(binned(irregular[None], FS), FS) is None
    assert movement_rhythm(binned(np.zeros((2, 20_000)), FS), FS) is None
    assert movement_rhythm(binned(_profile([0.5, 3.5], 5.0, [(0, 1, 80)])[None], FS), FS) is None  # < 2 cycles


@pytest.mark.parametrize("seed", range(8))
def test_self_paced_reps_at_irregular_intervals_are_all_counted(seed):
    """The harm a false rhythm would do: reps 1.5-7 s apart joined. Whatever the estimate says,
    every rep is counted."""
    rng = np.random.default_rng(seed)
    starts = list(np.cumsum(rng.uniform(1.5, 7.0, 12)))
    env = _profile(starts, starts[-1] + 3, [(0.0, 0.8, 80.0)])[None] + rng.normal(0, 0.3, (1, int((starts[-1] + 3) * FS)))
    r = movement_rhythm(binned(env, FS), FS)
    (segs,) = segment_recording(env, FS, rest=[3.0], period_s=None if r is None else r.period_s)
    assert sum(g.counted for g in segs) == len(starts)


def test_the_live_monitor_gives_the_same_cycle_as_the_whole_window():
    starts = list(np.arange(0.5, 29.0, 1.3))
    env = _profile(starts, 30.0, STRIDE)[None] + np.random.default_rng(1).normal(0, 0.5, (1, 30_000))
    m = RhythmMonitor(FS, 1, window_s=30.0, every_s=2.0)
    for i in range(0, env.shape[1], 37):
        m.process(env[:, i : i + 37])
    assert m.rhythm is not None and m.rhythm.period_s == pytest.approx(1.3, abs=0.05)
    assert m.rhythm == movement_rhythm(binned(env[:, : 30_000 // 50 * 50], FS), FS)


def test_live_walking_counts_one_rep_per_stride_once_the_cycle_is_known_and_offline_all_of_them():
    """Amplitude-modulated noise (the classic sEMG model) with two bursts a stride: before the
    cycle rule the signal rules joined whole strides or split each one; live the rule applies
    once 2 cycles are seen (the estimate is refreshed every 2 s), offline from the start."""
    rng = np.random.default_rng(8)
    seconds, period = 30.0, 1.2
    starts = list(np.arange(3.0, seconds - 1.5, period))  # 2 s of rest first: the live rest level
    labels = ("hamstring_L", "gluteus_maximus_L")
    prof = np.vstack([_profile(starts, seconds, STRIDE), _profile([s + 0.45 for s in starts], seconds, [(0, 0.35, 60)])])
    x = prof * 1.25 * rng.standard_normal(prof.shape)  # RMS of the band-passed noise ≈ the profile
    off = analyze(x, FS, labels)
    assert off.rhythm is not None and off.rhythm.period_s == pytest.approx(period, abs=0.05)
    assert [len(c.reps) for c in off.channels] == [len(starts)] * 2
    live = feed(x, FS, labels)
    assert live.contractions.period_s == pytest.approx(period, abs=0.05)
    reps = live.snapshot().channels[0].reps
    late = [r.onset_s for r in reps if r.onset_s > 10.0]
    assert len(late) == sum(s > 9.9 for s in starts)  # one per stride once the cycle is known
    assert np.diff(late) == pytest.approx(period, abs=0.1)
    assert len(reps) <= len(starts) + 3  # the first strides, before the cycle is known


@pytest.mark.parametrize("fs", [250.0, 30.0, 1000.0])
def test_the_cycle_is_timed_by_the_bins_own_rate_at_any_sample_rate(fs):
    """At 250 Hz a bin is 12 samples (20.83 bins a second), at 30 Hz 2 (15 a second): read as
    20 a second they gave 2.1 s and 1.5 s for a 2.0 s cycle."""
    t = np.arange(int(40 * fs)) / fs
    env = (np.maximum(np.sin(2 * np.pi * t / 2.0), 0) * 80 + 3)[None]
    r = movement_rhythm(binned(env, fs), fs)
    assert r is not None and r.period_s == pytest.approx(2.0, abs=0.06)
    m = RhythmMonitor(fs, 1)
    for i in range(0, env.shape[1], 17):
        m.process(env[:, i : i + 17])
    assert m.rhythm is not None and m.rhythm.period_s == pytest.approx(2.0, abs=0.06)
    if fs >= 100:  # (analyze's quality check filters at 20 Hz and up)
        assert analyze_rhythm(env, fs) == pytest.approx(2.0, abs=0.06)


def analyze_rhythm(env: np.ndarray, fs: float) -> float:
    a = analyze(env, fs, ("hamstring_L",), AnalysisSettings(onset=OnsetSettings(detector="envelope", input="envelope")))
    assert a.rhythm is not None
    return a.rhythm.period_s


def test_a_cycle_taken_over_at_a_seek_stands_until_the_window_could_see_it():
    """A replay's seek starts a new live analysis from the old one's rest levels and cycle; its
    first estimates (2 s of data: lags up to 1 s) cannot see a 5 s cycle and must not erase it."""
    labels = ("hamstring_L",)
    old = LiveAnalysis(FS, labels)
    old.contractions.set_period(5.0)
    old.contractions._ch[0].rest = 3.0  # as measured before the seek
    new = LiveAnalysis(FS, labels)
    new.take_rest(old)
    assert new.contractions.period_s == 5.0
    rng = np.random.default_rng(0)
    for i in range(0, 6000, 100):  # 6 s of rest-level noise after the seek
        x = 3.0 * rng.standard_normal((1, 100))
        new(ProcessedBlock(i, x, x, np.abs(x), ()))
    assert new.contractions.period_s == 5.0
