"""A stalled consumer loses nothing (issue 12): a slow disk, a slow step of the live analysis and
(in tests/ui) a frozen window thread. Queues are bounded; only a stall longer than the 30 s input
ring loses samples, and then they are counted, shown and written as a gap, never silently."""

from __future__ import annotations

import threading
import time

import numpy as np

from app.devices.simulator import SimulatedPatch
from app.session.stream import LiveStream
from app.storage import recorder as recorder_module
from app.storage.reader import load_recording


def _stream(fs: int = 1000) -> LiveStream:
    return LiveStream(SimulatedPatch(("gluteus_maximus_L", "hamstring_L"), sample_rate_hz=fs, seed=1))


def _wait(cond, timeout: float) -> bool:  # type: ignore[no-untyped-def]
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if cond():
            return True
        time.sleep(0.01)
    return False


def _complete(path, fs: int, seconds: float) -> None:  # type: ignore[no-untyped-def]
    rec = load_recording(path)
    assert rec.data.shape[1] >= int(seconds * fs) * 0.95
    assert np.isfinite(rec.data).all(), "a stall left a gap in the recording"
    t = np.arange(rec.data.shape[1]) / fs
    assert abs(rec.duration_s - t[-1] - 1 / fs) < 1e-9


def _record_with_one_stalled_step(stream: LiveStream, path, stall_s: float, then_s: float) -> None:  # type: ignore[no-untyped-def]
    """Record while one consumer on the DSP thread (a step of the live analysis) stalls once."""
    once = threading.Event()

    def stalls_once(block):  # type: ignore[no-untyped-def]
        if block.start_index > 300 and not once.is_set():
            once.set()
            time.sleep(stall_s)

    stream.worker.add_sink(stalls_once)
    stream.start_recording(path)
    stream.start()
    assert _wait(once.is_set, 10)
    time.sleep(then_s)
    stream.stop()


def test_a_disk_stalled_for_two_seconds_neither_freezes_the_feedback_nor_loses_samples(tmp_path, monkeypatch):
    stalled = threading.Event()
    real_write = recorder_module.CsvRecorder._write

    def slow_write(self, text):  # type: ignore[no-untyped-def]
        if self.rows > 500 and not stalled.is_set():
            stalled.set()
            time.sleep(2.0)  # a USB stick, a network folder, a virus scanner holding the file
        real_write(self, text)

    monkeypatch.setattr(recorder_module.CsvRecorder, "_write", slow_write)
    stream = _stream()
    rec = stream.start_recording(tmp_path / "slow-disk.csv")
    stream.start()
    assert _wait(stalled.is_set, 10)
    before = stream.worker.processed_samples
    time.sleep(1.0)
    during = stream.worker.processed_samples
    assert during - before > 800, "the display and the cues froze with the disk"
    assert stream.status().disk_backlog_s > 0.5  # the status bar shows the disk is behind
    time.sleep(1.8)
    assert _wait(lambda: stream.status().disk_backlog_s < 0.2, 5)
    stream.stop()
    assert rec.error is None and stream.worker.overrun_samples == 0
    _complete(tmp_path / "slow-disk.csv", 1000, 3.0)


def test_a_slow_step_of_the_live_analysis_delays_but_loses_nothing(tmp_path):
    stream = _stream()
    _record_with_one_stalled_step(stream, tmp_path / "slow-step.csv", stall_s=2.0, then_s=3.0)
    assert stream.worker.overrun_samples == 0 and stream.status().overrun_samples == 0
    _complete(tmp_path / "slow-step.csv", 1000, 3.0)


def test_a_stall_longer_than_the_buffer_is_counted_shown_and_written_as_a_gap(tmp_path, monkeypatch):
    import app.session.stream as stream_module

    monkeypatch.setattr(stream_module, "RING_SECONDS", 0.5)  # a 0.5 s ring: a 1.5 s stall overflows it
    stream = _stream()
    _record_with_one_stalled_step(stream, tmp_path / "overflow.csv", stall_s=1.5, then_s=2.5)
    lost = stream.status().overrun_samples
    assert 500 <= lost <= 1500, lost
    rec = load_recording(tmp_path / "overflow.csv")
    gap = int(np.isnan(rec.data[0]).sum())
    assert gap == lost  # time kept running: the lost samples are empty rows, not a silent splice
    assert "fell behind" in stream.status().loss_text()


def test_the_stream_remembers_when_each_sample_arrived():
    stream = _stream()
    stream.start()
    assert _wait(lambda: stream.ring.total > 500, 5)
    newest = stream.ring.total
    at = stream.arrived_at(newest)
    assert at is not None and 0 <= time.perf_counter() - at < 1.0
    assert stream.arrived_at(newest + 10**6) is None  # not arrived yet
    early = stream.arrived_at(1)
    assert early is not None and early <= at
    stream.stop()
