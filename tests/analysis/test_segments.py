"""Contractions as a person counts them: dips merged, twitches and cross-talk not counted (with
the reason), the same result however the stream is cut; on real recordings (UCI knee extension,
treadmill walking) the prime movers' counts equal the goniometer's and the gait events'."""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np
import pytest

from app.analysis.offline import analyze
from app.analysis.segments import ContractionTracker, SegmentRules, segment_recording
from app.storage.reader import load_recording

FS = 1000.0
DATA = Path(__file__).resolve().parents[1] / "data" / "real"


def _envelope(spans: list[tuple[float, float, float]], seconds: float = 14.0, rest: float = 3.0,
              seed: int = 4) -> np.ndarray:
    """A µV envelope at ``rest`` with plateaus (start, end, level) and a little noise."""
    rng = np.random.default_rng(seed)
    t = np.arange(int(seconds * FS)) / FS
    env = np.full(t.size, rest) + rng.normal(0, 0.3, t.size)
    for a, b, level in spans:
        env[(t >= a) & (t < b)] = level + rng.normal(0, level * 0.05, np.count_nonzero((t >= a) & (t < b)))
    return env[None, :]


def test_a_dip_inside_one_contraction_is_merged_and_a_real_rest_is_not():
    env = _envelope([(2.0, 3.0, 80), (3.2, 4.5, 80), (7.0, 8.5, 80), (9.2, 10.5, 80)])
    (segs,) = segment_recording(env, FS)
    counted = [g for g in segs if g.counted]
    assert len(counted) == 3  # 2.0-4.5 (a 0.2 s dip), 7.0-8.5, 9.2-10.5 (0.7 s apart: two reps)
    assert counted[0].onset_s == pytest.approx(2.0, abs=0.15) and counted[0].offset_s == pytest.approx(4.5, abs=0.2)


def test_twitches_and_cross_talk_are_kept_with_their_reason_but_not_counted():
    env = _envelope([(2.0, 4.0, 10.5), (5.0, 5.12, 90), (7.0, 9.0, 90), (11.0, 13.0, 85), (14.0, 16.0, 11)],
                    seconds=18.0)
    (segs,) = segment_recording(env, FS)
    assert [g.counted for g in segs] == [False, False, True, True]  # the last one is below 30 % of the range
    assert segs[0].reason.startswith("barely above rest: 3.")
    assert segs[1].reason.startswith("too short: ")


@pytest.mark.parametrize("chunk", [7, 20, 333, 2000])
def test_the_same_contractions_however_the_stream_is_cut(chunk):
    env = np.vstack([_envelope([(2.0, 3.0, 80), (3.2, 4.5, 60), (7.0, 7.15, 90), (9.0, 11.0, 40)])[0],
                     _envelope([(2.5, 5.0, 30), (8.0, 9.5, 12)], seed=9)[0]])
    whole = segment_recording(env, FS, delay_s=0.035)
    t = ContractionTracker(FS, 2, SegmentRules(), 0.035)
    got: list[list] = [[], []]
    for i in range(0, env.shape[1], chunk):
        for ch, g in t.process(env[:, i : i + chunk]) + t.poll():
            got[ch].append(g)
    for ch, g in t.finish():
        got[ch].append(g)
    def key(gs):  # the moving mean's sums differ by rounding between cuts: compare to 1e-6 µV
        return [(round(g.onset_s, 6), round(g.offset_s, 6), round(g.peak, 6), g.counted, g.reason)
                for g in sorted(gs, key=lambda g: g.onset_s)]

    assert [key(x) for x in got] == [key(x) for x in whole]


def test_five_real_knee_extensions_are_counted_by_the_prime_movers():
    """UCI lower-limb set, healthy subject 5, seated knee extension: the goniometer shows 4 reps;
    before the segmentation rules RF and VM reported 8 and 5, BF and ST 9 and 6."""
    rec = load_recording(DATA / "uci_5Nsen.txt", rate=1000.0)
    a = analyze(rec.data[:4], rec.sample_rate_hz, rec.labels[:4])
    counts = {c.name: len(c.reps) for c in a.channels}
    assert counts["RF"] == 4 and counts["VM"] == 4
    assert counts["BF"] <= 5 and counts["ST"] <= 5
    rf = next(c for c in a.channels if c.name == "RF")
    assert rf.confidence is not None and rf.confidence.level == "clear"
    assert "rest" in rf.confidence.sentence() and "dB" in rf.confidence.sentence()


def test_walking_hamstrings_fire_in_late_swing_before_the_gluteus_maximus():
    rec = load_recording(DATA / "santuz_walk_emg.csv")
    with open(DATA / "santuz_walk_cycles.csv") as f:
        touch = [float(r["V1"]) - 0.014 for r in csv.DictReader(f)]  # the file's time starts at 0.014 s
    a = analyze(rec.data, rec.sample_rate_hz, rec.labels)
    by = {c.name: c for c in a.channels}
    for name in ("ST", "BF", "ME"):
        assert abs(len(by[name].reps) - (len(touch) + 1)) <= 1, name  # one burst per stride
    before = 0
    for td in touch:
        gm = [r.onset_s for r in by["MA"].reps if -0.35 <= r.onset_s - td <= 0.25]
        ham = [r.onset_s for n in ("ST", "BF") for r in by[n].reps if -0.6 <= r.onset_s - td <= 0.1]
        if gm and ham:
            before += min(ham) < gm[0]
            assert gm[0] - td < 0.1  # glute max from late swing into the touchdown
    assert before >= 2
