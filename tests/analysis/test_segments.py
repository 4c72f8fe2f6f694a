"""Contractions as a person counts them: dips merged, twitches and cross-talk not counted (with
the reason), the same result however the stream is cut; on real recordings (UCI knee extension,
treadmill walking) the prime movers' counts equal the goniometer's and the gait events'."""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np
import pytest

from app.analysis.offline import analyze
from app.analysis.segments import ContractionTracker, SegmentRules, merge_amendments, segment_recording
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


def _streamed(t: ContractionTracker, env: np.ndarray, chunk: int) -> list[list]:
    """Each channel's contractions with the envelope fed ``chunk`` samples at a time (a rep
    given again in place of the one before, as the live analysis does)."""
    got: list = []
    for i in range(0, env.shape[1], chunk):
        got += t.process(env[:, i : i + chunk]) + t.poll()
    return merge_amendments(got + t.finish(), env.shape[0])


def _key(gs: list) -> list[tuple]:
    """The moving mean's sums differ by rounding between cuts: compare to 1e-6 µV."""
    return [(round(g.onset_s, 6), round(g.offset_s, 6), round(g.rise_s, 6), round(g.peak, 6), g.counted, g.reason, g.parts)
            for g in sorted(gs, key=lambda g: g.onset_s)]


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
    got = _streamed(ContractionTracker(FS, 2, SegmentRules(), 0.035), env, chunk)
    assert [_key(x) for x in got] == [_key(x) for x in whole]


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


def test_a_slow_real_rise_starts_its_rep_where_the_knee_starts_to_move():
    """UCI healthy subject 7, seated knee extension: the EMG rises slowly, and the rep used to
    start where the rise passed the off level (15 % of the range): 0.1–0.3 s *after* the
    goniometer showed the knee moving (median +228 ms). From the foot of the rise the prime
    movers' onsets lead the movement, as a muscle's must (docs/algorithms.md)."""
    from benchmarks.bench_real_emg import ONSET_TOLERANCE_MS, _onset_errors, goniometer_truth

    rec = load_recording(DATA / "uci_7Nsen.txt", rate=1000.0)
    _, movement = goniometer_truth(rec.data[4], rec.sample_rate_hz, "sen")
    assert movement.size == 5
    a = analyze(rec.data[:4], rec.sample_rate_hz, rec.labels[:4])
    errors = [e for c in a.channels if c.name in ("RF", "VM")
              for e in _onset_errors([r.onset_s for r in c.reps], movement)]
    assert len(errors) >= 8
    assert np.median(errors) < 0
    lo, hi = ONSET_TOLERANCE_MS
    assert sum(lo <= e <= hi for e in errors) >= 0.75 * len(errors)


def test_a_quick_twitch_with_a_slow_foot_is_still_too_short():
    """The foot only dates the rep; whether a burst is long enough to be one is measured from
    where it passed the off level."""
    t = np.arange(int(12 * FS)) / FS
    env = np.full(t.size, 3.0)
    ramp = (t >= 5.0) & (t < 5.6)
    env[ramp] = 3.0 + 2.0 * (t[ramp] - 5.0) / 0.6  # a slow 0.6 s foot up to 5 µV ...
    env[(t >= 5.6) & (t < 5.7)] = 90.0  # ... then a 0.1 s twitch
    env[(t >= 8.0) & (t < 9.5)] = 90.0  # and a real rep
    (segs,) = segment_recording(env[None, :], FS, rest=[3.0])
    assert [g.counted for g in segs] == [False, True]
    assert segs[0].reason.startswith("too short")
    assert segs[0].onset_s < segs[0].rise_s


def test_walking_hamstrings_fire_in_late_swing_before_the_gluteus_maximus():
    rec = load_recording(DATA / "santuz_walk_emg.csv")
    with open(DATA / "santuz_walk_cycles.csv") as f:
        touch = [float(r["V1"]) - 0.014 for r in csv.DictReader(f)]  # the file's time starts at 0.014 s
    a = analyze(rec.data, rec.sample_rate_hz, rec.labels)
    by = {c.name: c for c in a.channels}
    assert a.rhythm is not None and a.rhythm.period_s == pytest.approx(1.04, abs=0.06)  # the touchdowns' 1.04 s
    for name in ("ST", "BF", "ME", "MA"):  # one per stride: the 6 cycles and the stride before the first
        assert len(by[name].reps) == len(touch) + 1, name  # (before the cycle rule gluteus maximus read 4)
    before = 0
    for td in touch:
        gm = [r.onset_s for r in by["MA"].reps if -0.35 <= r.onset_s - td <= 0.25]
        ham = [r.onset_s for n in ("ST", "BF") for r in by[n].reps if -0.6 <= r.onset_s - td <= 0.1]
        if gm and ham:
            before += min(ham) < gm[0]
            assert gm[0] - td < 0.1  # glute max from late swing into the touchdown
    assert before >= 5  # of the 6 touchdowns


def _walking(seconds: float, period: float = 1.2, rest: float = 3.0, seed: int = 2) -> tuple[np.ndarray, int]:
    """A hamstring-like envelope and its number of strides: per stride a late-swing burst
    (0.3 s, 70 µV), a 0.3 s dip back to rest, a loading burst (0.3 s, 40 µV) and 0.3 s of rest
    before the next stride, as in the UCI walks (docs/algorithms.md)."""
    spans = []
    t = 0.5
    while t + period < seconds:
        spans += [(t, t + 0.3, 70.0), (t + 0.6, t + 0.9, 40.0)]
        t += period
    return _envelope(spans, seconds=seconds, rest=rest, seed=seed), len(spans) // 2


def test_two_bursts_in_one_stride_are_one_rep_once_the_cycle_is_known():
    env, strides = _walking(14.0)
    (alone,) = segment_recording(env, FS, rest=[3.0])
    (cycled,) = segment_recording(env, FS, rest=[3.0], period_s=1.2)
    assert len(alone) == 1  # every dip is shorter than the 0.4 s merge gap: one contraction of 13 s
    counted = [g for g in cycled if g.counted]
    assert strides == 11 and len(counted) == strides and all(g.parts == 2 for g in counted)
    assert [g.onset_s for g in counted[:3]] == pytest.approx([0.5, 1.7, 2.9], abs=0.1)  # late swing starts each rep
    assert counted[0].offset_s == pytest.approx(1.4, abs=0.15)  # and the loading burst ends it


def test_a_walking_burst_is_a_rep_when_the_stride_is_short_and_a_fragment_is_not_without_rhythm():
    env = _envelope([(1.0 + 0.9 * k, 1.08 + 0.9 * k, 60.0) for k in range(10)], seconds=11.0)  # 80 ms bursts
    (alone,) = segment_recording(env, FS, rest=[3.0])
    (cycled,) = segment_recording(env, FS, rest=[3.0], period_s=0.9)
    assert not any(g.counted for g in alone) and alone[0].reason.startswith("too short")
    assert sum(g.counted for g in cycled) == 10


@pytest.mark.parametrize("chunk", [7, 333, 2000])
def test_the_cycle_rule_gives_the_same_reps_however_the_stream_is_cut(chunk):
    (a, strides), (b, _) = _walking(9.0), _walking(9.0, seed=5)
    env = np.vstack([a[0], b[0] * 0.5])
    whole = segment_recording(env, FS, delay_s=0.035, rest=[3.0, 1.5], period_s=1.2)
    got = _streamed(ContractionTracker(FS, 2, SegmentRules(), 0.035, rest=[3.0, 1.5], period_s=1.2), env, chunk)
    assert [_key(x) for x in got] == [_key(x) for x in whole]
    assert len(got[0]) == strides == 7


def test_reps_come_in_order_when_the_cycle_is_lost_mid_stream():
    """Live, the estimate can go (the person stops walking): the reps already given stand and
    the list stays in time order."""
    env, _ = _walking(8.0)
    t = ContractionTracker(FS, 1, SegmentRules(), 0.0, rest=[3.0], period_s=1.2)
    got = [g for _, g in t.process(env[:, :1400]) + t.poll()]
    t.set_period(None)
    got += [g for _, g in t.process(env[:, 1400:]) + t.poll() + t.finish()]
    onsets = [g.onset_s for g in got]
    assert onsets == sorted(onsets) and onsets[0] == pytest.approx(0.5, abs=0.1)
    # without the cycle the 0.3 s dips are shorter than the 0.4 s merge gap: the rest is one contraction
    assert len(got) == 2 and got[1].offset_s > 7.0


def test_a_rep_longer_than_one_and_a_half_cycles_makes_the_count_uncertain():
    """UCI 3Nmar ST: a hamstring that never relaxes between strides reads 3 reps for 5 strides;
    the rep that holds two strides lasts 2.4 s at a 1.4 s cycle, and the channel says so."""
    from app.analysis.segments import Segment, confidence

    segs = [Segment(0.2, 0.9, 40.0, True), Segment(1.6, 4.0, 43.0, True), Segment(4.4, 5.1, 38.0, True)]
    c = confidence(segs, 2.0, period_s=1.4)
    assert c.long == 1 and c.uncertain and c.level == "clear"
    assert "count uncertain: 1 rep lasts longer than 1.5 movement cycles (2.1 s)" in c.sentence()
    assert c.to_dict()["uncertain"] is True and c.to_dict()["longer_than_cycles"] == 1
    steady = confidence(segs[:1] + segs[2:], 2.0, period_s=1.4)
    assert not steady.uncertain and "uncertain" not in steady.sentence()
    assert not confidence(segs, 2.0).uncertain  # without a cycle there is no yardstick


def test_a_real_walk_whose_hamstring_never_relaxes_says_its_count_is_uncertain():
    """UCI 3Nmar: 5 strides on the goniometer. BF counts 5; ST stays above 10 µV between strides
    and reads 3, and says its count is uncertain instead of passing 3 off as clear."""
    rec = load_recording(DATA / "uci_3Nmar.txt", rate=1000.0)
    a = analyze(rec.data[:4], rec.sample_rate_hz, rec.labels[:4])
    assert a.rhythm is not None and a.rhythm.period_s == pytest.approx(1.39, abs=0.07)
    by = {c.name: c for c in a.channels}
    st, bf = by["ST"].confidence, by["BF"].confidence
    assert st is not None and st.uncertain and "count uncertain" in st.sentence()
    assert bf is not None and not bf.uncertain
    assert a.summary()["count_uncertain"] == {"ST": st.doubt()}
    assert st.doubt().startswith("the count may be short: 1 rep lasted longer than 1.5 movement cycles (2.1 s)")


def test_contractions_that_barely_stand_out_say_the_count_is_unreliable():
    """UCI 9Npie BF: rest 13 µV, contractions 3.7× — the one miss of the knee flexions."""
    from app.analysis.segments import Segment, confidence

    c = confidence([Segment(1.0, 2.0, 49.0, True), Segment(5.0, 6.0, 50.0, True)], 13.4, period_s=4.6)
    assert c.uncertain and c.level == "unreliable"
    assert c.doubt() == "the contractions barely stand out from the rest level (3.7× the rest level): the count is unreliable."


def test_a_rep_is_given_when_its_burst_ends_and_again_when_its_cycle_adds_one():
    """Live, a rep must not wait for its cycle: a guided protocol scores it 1.2 s after the hold
    (runner.py), and at a 12 s cycle the join window is 4 s. So the swing burst is a rep at once;
    the loading burst of the same stride gives the same rep again, longer (same onset, 2 parts),
    and a flush (rest measured again) drops a burst still under way."""
    env, _ = _walking(8.0)
    t = ContractionTracker(FS, 1, SegmentRules(), 0.0, rest=[3.0], period_s=1.2)
    (ch, first), = t.process(env[:, :1250]) + t.poll()  # swing 0.5-0.8 s over; loading under way
    assert first.counted and first.parts == 1 and first.offset_s == pytest.approx(0.85, abs=0.1)
    again = [g for _, g in t.process(env[:, 1250:1700]) + t.poll()]
    assert len(again) == 1 and again[0].onset_s == first.onset_s and again[0].parts == 2
    assert again[0].offset_s == pytest.approx(1.45, abs=0.1)
    t.process(env[:, 1700:1850])  # the next stride's swing burst under way
    assert t.flush() == [] and t.finish() == []


def test_live_shows_one_rep_per_stride_and_lengthens_it_when_the_loading_burst_joins():
    from app.analysis.live import LiveAnalysis
    from app.dsp.worker import ProcessedBlock

    env, strides = _walking(14.0)
    live = LiveAnalysis(FS, ("hamstring_L",))
    live.contractions = ContractionTracker(FS, 1, SegmentRules(), 0.0, rest=[3.0], period_s=1.2)
    live.rhythm.process = lambda block: False  # the cycle as given, not re-estimated
    for i in range(0, env.shape[1], 50):
        x = env[:, i : i + 50]
        live(ProcessedBlock(i, x, x, x, ()))
    live.settle()
    reps = live.snapshot().channels[0].reps
    assert len(reps) == strides and live.uncounted[0] == []
    assert all(r.duration_s == pytest.approx(0.9, abs=0.15) for r in reps)  # swing to end of loading


def test_rules_whose_on_level_is_below_the_off_level_are_refused():
    with pytest.raises(ValueError, match="on level"):
        SegmentRules(cycle_on_fraction=0.1, cycle_off_fraction=0.3)
