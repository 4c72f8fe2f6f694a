"""Replay: a real recording (written by the real recorder, read by the real reader) played back as a
source — blocks, gaps, marks, pause, speed, seek, end — and through the controller: the same
envelope and onsets as the offline path, no rep across a seek, re-recording, broken files."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import numpy as np
import pytest

from app.analysis.offline import analyze
from app.cli import main
from app.devices.emg_model import EmgModel
from app.devices.simulator import SimulatedPatch
from app.devices.source import Block, EventKind, SourceEvent
from app.dsp.filters import FilterSettings
from app.dsp.pipeline import process_whole
from app.dsp.ring import RingBuffer
from app.dsp.worker import DspWorker, ProcessedBlock
from app.session.controller import EventType, MemoryTargets, SessionController, SessionOptions, State
from app.session.replay import SEEK_GAP_S, ReplayChoice, ReplaySource, clock
from app.storage.reader import Recording, load_recording
from app.storage.recorder import CsvRecorder, RecordingInfo
from tests.session.test_controller import Events

LABELS = ("gluteus_maximus_L", "hamstring_L", "lumbar_erector_L")
FS = 1000.0
GAP = (6000, 6260)  # samples lost in the recording (a link outage of 0.26 s)
MARK_AT = 9000


def write_recording(path: Path, seconds: float = 30.0, gap: tuple[int, int] | None = GAP, seed: int = 21) -> Path:
    """Simulated bridges through the real DSP worker into the real recorder: a link outage (empty
    rows, "link lost" / "link restored") and a mark with a note typed afterwards."""
    patch = SimulatedPatch(labels=LABELS, scenario="bridges", sample_rate_hz=FS)
    x = patch.generate(int(seconds * FS), EmgModel(FS, len(LABELS), np.random.default_rng(seed)))
    ring = RingBuffer(len(LABELS), int(40 * FS))
    worker = DspWorker(ring, FS, FilterSettings(), np.full(len(LABELS), 50.0))
    info = RecordingInfo(LABELS, ("uV",) * 3, FS, "Simulated patch", "sim", worker.describe_filters(), worker.delay_s,
                         (50.0, 50.0, 50.0), (("person", "Ada"),))
    rec = CsvRecorder(path, info)
    worker.add_sink(rec)
    if gap is not None:
        rec.mark("link lost", gap[0])
        rec.mark("link restored", gap[1])
    rec.mark("mark 1", MARK_AT)
    rec.mark("mark 1 note: knee wobble", MARK_AT + 1500)
    for i in range(0, x.shape[1], 20):
        a, b = i, min(i + 20, x.shape[1])
        if gap is not None and a >= gap[0] and b <= gap[1]:
            ring.write_gap(b - a)
        else:
            ring.write(x[:, a:b])
        worker.process_available()
    rec.close()
    return path


@pytest.fixture(scope="module")
def recording_file(tmp_path_factory) -> Path:
    return write_recording(tmp_path_factory.mktemp("replay") / "bridges.csv")


@pytest.fixture(scope="module")
def recording(recording_file) -> Recording:
    return load_recording(recording_file)


class Collector:
    """A source's consumer: the samples as the stream would hold them (NaN for ``lost_before``) and
    each event with the number of samples received before it."""

    def __init__(self, n_channels: int) -> None:
        self.parts: list[np.ndarray] = []
        self.blocks: list[Block] = []
        self.events: list[tuple[SourceEvent, int]] = []
        self.total = 0
        self.n = n_channels
        self.ended = threading.Event()

    def on_block(self, b: Block) -> None:
        if b.lost_before:
            self.parts.append(np.full((self.n, b.lost_before), np.nan))
        self.parts.append(b.data)
        self.blocks.append(b)
        self.total += b.lost_before + b.data.shape[1]

    def on_event(self, e: SourceEvent) -> None:
        self.events.append((e, self.total))
        if e.kind is EventKind.END:
            self.ended.set()

    def data(self) -> np.ndarray:
        return np.hstack(self.parts)

    def wait_total(self, n: int, timeout: float = 10.0) -> None:
        end = time.monotonic() + timeout
        while self.total < n:
            assert time.monotonic() < end, f"only {self.total} of {n} samples came"
            time.sleep(0.005)


def play(rec: Recording, speed: float) -> tuple[ReplaySource, Collector]:
    src = ReplaySource(rec, speed=speed)
    got = Collector(len(rec.labels))
    src.start(got.on_block, got.on_event)
    return src, got


def test_the_recording_as_written(recording):
    """(The fixture is what the tests below expect: empty rows for the outage, the events.)"""
    lost = np.isnan(recording.data).all(axis=0)
    assert np.flatnonzero(lost).tolist() == list(range(*GAP))
    assert (MARK_AT / FS, "mark 1") in recording.events


def test_gaps_marks_and_link_events_arrive_where_they_were(recording):
    src, got = play(recording, speed=200.0)
    try:
        assert got.ended.wait(20)
    finally:
        src.stop()
    x = got.data()
    assert x.shape == recording.data.shape
    assert np.array_equal(np.isnan(x), np.isnan(recording.data))  # the outage, sample for sample
    assert np.array_equal(np.nan_to_num(x), np.nan_to_num(recording.data))
    gap_blocks = [b for b in got.blocks if b.lost_before]
    assert sum(b.lost_before for b in gap_blocks) == GAP[1] - GAP[0] == src.stats.lost_samples
    kinds = {e.kind: (e, at) for e, at in got.events}
    mark, at = kinds[EventKind.MARK]
    assert at == MARK_AT and mark.value == 1 and mark.message == "knee wobble"  # the note joined to its mark
    assert kinds[EventKind.LINK_LOST][1] == GAP[0] and kinds[EventKind.LINK_RESTORED][1] == GAP[1]
    assert "lost here in the recording (6.0 s)" in kinds[EventKind.LINK_LOST][0].message
    assert [e.kind for e, _ in got.events].count(EventKind.END) == 1
    assert max(b.data.shape[1] for b in got.blocks) == 10  # ~10 ms blocks, as the window's patch sends


def test_pause_stops_the_flow_and_play_goes_on(recording):
    src, got = play(recording, speed=1.0)
    try:
        got.wait_total(200)
        src.pause()
        held = got.total
        time.sleep(0.3)
        assert got.total == held and not src.state().playing
        src.play()
        got.wait_total(held + 100)
    finally:
        src.stop()
    x = got.data()
    assert np.array_equal(x, recording.data[:, : x.shape[1]])  # nothing lost or doubled across the pause


def _rate(src: ReplaySource, got: Collector, seconds: float) -> float:
    n0, t0 = got.total, time.monotonic()
    time.sleep(seconds)
    return (got.total - n0) / (time.monotonic() - t0)


def test_four_times_the_speed_delivers_four_times_the_samples(recording):
    """Counts per wall second, compared between speeds (no wall-clock limit on either)."""
    src, got = play(recording, speed=1.0)
    try:
        got.wait_total(50)
        one = _rate(src, got, 0.8)
        src.set_speed(4.0)
        four = _rate(src, got, 0.8)
        src.set_speed(0.5)
        half = _rate(src, got, 0.8)
    finally:
        src.stop()
    assert four / one == pytest.approx(4.0, rel=0.15)
    assert half / one == pytest.approx(0.5, rel=0.15)
    assert one == pytest.approx(FS, rel=0.15)


def test_a_seek_lands_at_its_sample_after_a_short_break(recording):
    src, got = play(recording, speed=50.0)
    try:
        got.wait_total(500)
        src.pause()
        before, lost = len(got.blocks), src.stats.lost_samples
        src.seek(20.0)
        assert src.position_s == 20.0
        src.play()
        got.wait_total(got.total + 2000)
    finally:
        src.stop()
    first = got.blocks[before]
    assert first.lost_before == int(SEEK_GAP_S * FS)  # the jump: a break, so the filters start again
    joined = np.hstack([b.data for b in got.blocks[before:]])
    assert np.array_equal(joined, recording.data[:, 20_000 : 20_000 + joined.shape[1]])
    assert src.stats.lost_samples == lost  # a seek is not a lost sample


def test_the_end_is_said_and_play_starts_again(recording):
    src, got = play(recording, speed=200.0)
    try:
        assert got.ended.wait(20)
        st = src.state()
        assert st.ended and not st.playing and st.position_s == pytest.approx(recording.duration_s)
        assert st.text == "0:30 / 0:30" and clock(3725) == "1:02:05"
        end = next(e for e, _ in got.events if e.kind is EventKind.END)
        assert end.message == "End of recording (0:30)."
        n = got.total
        time.sleep(0.1)
        assert got.total == n  # stopped cleanly: nothing after the end
        src.play()  # from the start again
        got.wait_total(n + 500)
        assert not src.state().ended
    finally:
        src.stop()
    assert [e.kind for e, _ in got.events].count(EventKind.DISCONNECTED) == 1


# -- through the controller -------------------------------------------------------------------------
@pytest.fixture
def ctl(tmp_path, store):
    c = SessionController(SessionOptions(recordings_dir=tmp_path / "rec"), MemoryTargets(), store=store)
    c.events = Events()  # type: ignore[attr-defined]
    c.listeners.append(c.events)  # type: ignore[attr-defined]
    yield c
    c.disconnect()


class Tap:
    """A test's sink on the DSP worker: every processed block."""

    def __init__(self) -> None:
        self.blocks: list[ProcessedBlock] = []

    def __call__(self, b: ProcessedBlock) -> None:
        self.blocks.append(b)

    def envelope(self) -> np.ndarray:
        return np.hstack([b.envelope for b in self.blocks])


def _drain(ctl: SessionController, tap: Tap | None = None) -> None:
    """Until the DSP's consumers (the live analysis, the test's tap) have every sample received."""
    assert ctl.stream is not None and ctl.live is not None
    end = time.monotonic() + 10
    total = ctl.stream.ring.total
    while ctl.live.taken < total or tap is not None and sum(b.raw.shape[1] for b in tap.blocks) < total:
        assert time.monotonic() < end
        time.sleep(0.005)


def _replay_to_end(ctl: SessionController, path: Path, speed: float = 50.0, record_to: Path | None = None) -> Tap:
    ctl.connect(ReplayChoice(path, load_recording(path), speed, paused=True), record_to=record_to)
    assert ctl.stream is not None and ctl.replay_state() is not None and not ctl.replay_state().playing
    tap = Tap()
    ctl.stream.worker.add_sink(tap)
    ctl.replay_play()
    ctl.events.wait_for(EventType.INFO, 30)  # "End of recording"
    rec = ctl.source.recording  # type: ignore[union-attr]
    _drain(ctl, tap)
    ctl.frame()  # the last rep is settled here
    assert ctl.live is not None and ctl.stream.ring.total >= rec.data.shape[1]
    return tap


def test_replay_reproduces_the_offline_envelope_and_onsets(ctl, tmp_path):
    """The recording's raw through replay + the live pipeline equals the whole-file path: the
    envelope (chunked equals whole) and the reps' onsets (tolerances as tests/analysis/test_live)."""
    path = write_recording(tmp_path / "clean.csv", gap=None)
    rec = load_recording(path)
    tap = _replay_to_end(ctl, path)
    assert tap.blocks[0].start_index == 0  # (the tap went on before the first block was processed)
    env = tap.envelope()[:, : rec.data.shape[1]]
    whole = process_whole(rec.data, FS, FilterSettings()).envelope
    assert np.allclose(env, whole, rtol=1e-9, atol=1e-9)
    snap = ctl.live.snapshot()
    offline = analyze(rec.data, FS, rec.labels, thresholds=rec.thresholds)
    for live_ch, off_ch in zip(snap.channels, offline.channels, strict=True):
        assert len(live_ch.reps) == len(off_ch.reps) >= 5
        for lr, orp in zip(live_ch.reps, off_ch.reps):
            assert lr.onset_s == pytest.approx(orp.onset_s, abs=0.01)
            assert lr.peak == pytest.approx(orp.peak, rel=0.02)
    assert len(snap.contractions) == len(offline.channels[0].reps)  # the firing order of every rep
    f = ctl.frame()
    assert f.replay is not None and f.replay.ended and f.source_name == "Replay of clean.csv"
    assert [c.target_uv for c in f.channels] == [50.0, 50.0, 50.0]  # the recording's own targets


def test_a_seek_counts_no_rep_across_the_jump(ctl, recording_file, recording):
    """Landing in the middle of a hold: the analysis starts again at the jump (its rest level
    kept), so the half hold is no rep; the reps after it are the offline path's."""
    ctl.connect(ReplayChoice(recording_file, recording, 20.0))
    assert ctl.wait_samples(3000, 10) and ctl.live is not None and ctl.live.snapshot().ready
    offline = analyze(recording.data, FS, recording.labels, thresholds=recording.thresholds)
    holds = offline.channels[0].reps
    land = holds[2].onset_s + 1.0  # mid-hold
    ctl.replay_seek(land)
    assert ctl.live.snapshot().ready and ctl.live.snapshot().rep_count == 0  # fresh, no 2 s of relaxing again
    ctl.events.items.clear()
    ctl.events.wait_for(EventType.INFO, 30)
    _drain(ctl)
    snap = ctl.frame().analysis
    after = [r for r in holds if r.onset_s > land]
    assert snap is not None and len(snap.channels[0].reps) == len(after)
    assert len(snap.contractions) == len(after)  # the firing order has no bogus rep either


def test_rerecording_a_replay_writes_a_correct_file(ctl, recording_file, recording, tmp_path):
    out = tmp_path / "again.csv"
    _replay_to_end(ctl, recording_file, record_to=out)
    assert any(e.type is EventType.MARKED and "knee wobble" in e.message for e in ctl.events.items)
    saved = ctl.disconnect()
    assert saved is not None and saved.error is None
    again = load_recording(out)
    assert again.metadata["replayed_from"] == str(recording_file.resolve())
    assert again.metadata["replayed_person"] == "Ada" and again.metadata["device_kind"] == "replay"
    n = recording.data.shape[1]
    assert np.array_equal(np.isnan(again.data[:, :n]), np.isnan(recording.data))  # the outage as empty rows
    assert np.allclose(np.nan_to_num(again.data[:, :n]), np.nan_to_num(recording.data), atol=1e-3)
    assert (MARK_AT / FS, "mark 1: knee wobble") in again.events
    assert (GAP[0] / FS, "link lost") in again.events


def test_replaying_while_recording_marks_the_new_file_with_the_seek(ctl, recording_file, recording, tmp_path):
    """A seek while re-recording: the new file has the break as empty rows, and the samples after
    it are the recording's from the landing point."""
    out = tmp_path / "seeked.csv"
    ctl.connect(ReplayChoice(recording_file, recording, 20.0), record_to=out)
    assert ctl.wait_samples(1000, 10)
    ctl.replay_seek(25.0)
    ctl.events.wait_for(EventType.INFO, 30)
    _drain(ctl)
    ctl.disconnect()
    again = load_recording(out)
    gap = np.flatnonzero(np.isnan(again.data).all(axis=0))
    assert gap.size == int(SEEK_GAP_S * FS)
    tail = again.data[:, gap[-1] + 1 :]
    assert np.allclose(tail, recording.data[:, 25_000:], atol=1e-3)


def test_a_broken_file_is_one_sentence(ctl, tmp_path, capsys):
    bad = tmp_path / "broken.csv"
    bad.write_text("# sample_rate_hz: 1000\ntime_s,a_uV,events\n0.000,1.0,\n0.001,oops,\n0.002,1.0,\n")
    ctl.connect(ReplayChoice(bad))  # read on a thread of its own, as a patch connects
    end = time.monotonic() + 10
    while ctl.state is State.CONNECTING and time.monotonic() < end:
        ctl.poll()
        time.sleep(0.01)
    failed = ctl.events.wait_for(EventType.CONNECT_FAILED)
    assert failed.message.startswith("Line 4 of ") and "\n" not in failed.message and ctl.state is State.IDLE
    assert main(["gui", "--replay", str(bad)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("glutefire: Line 4 of ") and err.count("\n") == 1
    assert main(["gui", "--replay", str(tmp_path / "missing.csv")]) == 2
    assert "does not exist" in capsys.readouterr().err
