"""LSL both ways through the real controller: a live session seen by pylsl inlets (raw, envelope,
markers), and an LSL stream recorded like a patch (the recording equals what the outlet sent)."""

from __future__ import annotations

import threading
import time

import numpy as np
import pytest

from app.devices.lsl_source import LslChoice
from app.dsp.worker import ProcessedBlock
from app.session.controller import MemoryTargets, SessionController, SessionOptions, SimulatedChoice
from app.session.lsl_outlet import monotonic_after, sample_times
from app.storage.reader import load_recording
from tests.lsl_helpers import Pusher, counter, emg_outlet, pylsl, unique

LABELS = ("gluteus_maximus_L", "hamstring_L")


def test_a_sample_is_stamped_with_its_blocks_arrival_back_dated_by_the_samples_after_it() -> None:
    fs = 100.0
    arrivals = [(10, 5.0), (20, 5.1), (30, 5.15)]  # blocks of 10: the third came 50 ms early
    ts = sample_times(8, 14, arrivals, fs, offset=1000.0, now=6.0)
    expected = np.r_[5.0 - 0.01 * np.arange(1, -1, -1), 5.1 - 0.01 * np.arange(9, -1, -1), 5.15 - 0.01 * np.arange(9, 7, -1)]
    np.testing.assert_allclose(ts, expected + 1000.0)
    assert sample_times(30, 2, arrivals, fs, 0.0, now=6.0).tolist() == pytest.approx([5.99, 6.0])  # not noted yet
    fixed = monotonic_after(ts, last=None, fs=fs)
    assert np.all(np.diff(fixed) > 0)
    np.testing.assert_array_equal(fixed[:12], ts[:12])  # in time: as they were
    assert fixed[12:] == pytest.approx(ts[11] + np.array([1e-5, 2e-5]))  # the early ones: just after the last
    assert monotonic_after(np.array([1.0, 2.0]), last=1.5, fs=fs)[0] > 1.5


class Blocks:
    """A DSP sink keeping what the worker processed (what the outlet was handed)."""

    def __init__(self) -> None:
        self.items: list[ProcessedBlock] = []
        self.lock = threading.Lock()

    def __call__(self, b: ProcessedBlock) -> None:
        with self.lock:
            self.items.append(b)

    def raw_and_envelope(self) -> tuple[np.ndarray, np.ndarray]:
        with self.lock:
            return np.hstack([b.raw for b in self.items]), np.hstack([b.envelope for b in self.items])


def _inlet(uid: str) -> pylsl.StreamInlet:
    found = pylsl.resolve_bypred(f"uid='{uid}'", 1, 10.0)
    assert found, "the outlet was not found on this machine"
    inlet = pylsl.StreamInlet(found[0], as_numpy=True)
    inlet.open_stream(10.0)
    return inlet


def _pull(inlet: pylsl.StreamInlet, into: tuple[list, list]) -> None:
    data, ts = inlet.pull_chunk(timeout=0.0, max_samples=4096)
    if len(ts):
        into[0].append(np.array(data))
        into[1].append(np.array(ts))


def _where(whole: np.ndarray, part: np.ndarray, tol: float = 0.0) -> int:
    """Where the first column of ``part`` is in ``whole`` (the noise makes it unique)."""
    return int(np.flatnonzero(np.all(np.abs(whole - part[:, :1]) <= tol, axis=0))[0])


def test_a_live_session_is_visible_to_lsl_inlets_with_its_markers(tmp_path, store) -> None:
    ctl = SessionController(SessionOptions(recordings_dir=tmp_path, lsl_outlet=True), MemoryTargets(threshold_uv=40.0),
                            store=store)
    ctl.connect(SimulatedChoice(LABELS, 1000, "bridges", seed=3))
    try:
        assert ctl.lsl is not None and ctl.stream is not None
        outlet = ctl.lsl
        kept = Blocks()
        ctl.stream.worker.add_sink(kept)
        raw_in, env_in, mark_in = (_inlet(o.get_info().uid()) for o in (outlet.raw, outlet.envelope, outlet.markers))
        info = raw_in.info(5.0)
        assert (info.type(), info.channel_count(), info.nominal_srate()) == ("EMG", 2, 1000.0)
        assert info.get_channel_labels() == list(LABELS) and info.get_channel_units() == ["microvolts"] * 2
        assert info.get_channel_types() == ["EMG", "EMG"]
        assert info.desc().child("acquisition").child_value("manufacturer") == "GluteFire"
        assert info.source_id() == f"{outlet.source_id}-raw" and outlet.source_id.startswith("glutefire-")
        ctl.start_recording(tmp_path / "session.csv")
        raw, env, marks = ([], []), ([], []), ([], [])
        words: list[str] = []
        end = time.monotonic() + 20.0
        marked = False
        while time.monotonic() < end:
            for inlet, into in ((raw_in, raw), (env_in, env), (mark_in, marks)):
                _pull(inlet, into)
            words = [m[0].decode() for chunk in marks[0] for m in chunk]
            if not marked and any(w.startswith("above target") for w in words):
                ctl.mark("knee over toes")
                marked = True
            if marked and "rep 1 gluteus_maximus_L" in words and sum(map(len, raw[1])) > 3000:
                break
            time.sleep(0.05)
        time.sleep(0.2)
        for inlet, into in ((raw_in, raw), (env_in, env), (mark_in, marks)):
            _pull(inlet, into)
        saved = ctl.disconnect()
    finally:
        ctl.close()
    got_raw, got_env = np.vstack(raw[0]).T, np.vstack(env[0]).T
    stamps, env_stamps = np.concatenate(raw[1]), np.concatenate(env[1])
    # samples in order and equal (as float32) to what the DSP processed, from where each inlet joined
    sent_raw, sent_env = (x.astype(np.float32) for x in kept.raw_and_envelope())
    j, e = _where(sent_raw, got_raw), _where(sent_env, got_env)
    n, ne = min(got_raw.shape[1], sent_raw.shape[1] - j), min(got_env.shape[1], sent_env.shape[1] - e)
    assert n > 3000 and ne > 3000
    np.testing.assert_array_equal(got_raw[:, :n], sent_raw[:, j:j + n])
    np.testing.assert_array_equal(got_env[:, :ne], sent_env[:, e:e + ne])
    both = min(n - max(0, e - j), ne - max(0, j - e))  # the samples both inlets got share their stamps
    np.testing.assert_array_equal(stamps[max(0, e - j):][:both], env_stamps[max(0, j - e):][:both])
    assert np.all(np.diff(stamps) > 0)
    assert np.median(np.diff(stamps)) == pytest.approx(1e-3, rel=0.05)
    assert abs(stamps[-1] - pylsl.local_clock()) < 30.0  # on this computer's LSL clock
    # the recording started after the inlet joined: it is a stretch of what the inlet got (CSV: 3 decimals)
    assert saved is not None
    rec = load_recording(saved.path)
    k = _where(got_raw, rec.data, tol=6e-4 + 1e-6 * float(np.nanmax(np.abs(rec.data))))
    m = min(rec.data.shape[1], got_raw.shape[1] - k)
    assert m > 1000
    np.testing.assert_allclose(rec.data[:, :m], got_raw[:, k:k + m], atol=6e-4, rtol=1e-6)
    words = [m[0].decode() for chunk in marks[0] for m in chunk]
    assert "above target gluteus_maximus_L" in words and "below target gluteus_maximus_L" in words
    assert "mark 1: knee over toes" in words and "mark 1: knee over toes" in [t for _, t in rec.events]
    assert "rep 1 gluteus_maximus_L" in words
    mark_ts = dict(zip(words, np.concatenate(marks[1])))
    assert stamps[0] < mark_ts["mark 1: knee over toes"] < stamps[-1] + 1.0


def test_an_lsl_stream_records_like_a_patch_with_its_lost_samples_counted(tmp_path, store) -> None:
    name = unique("brainflow")
    fs, total, skip = 500.0, 1500, 25
    outlet = emg_outlet(name, ["gluteus_maximus_L", "gluteus_maximus_R"], ["microvolts"] * 2, fs)
    pusher = Pusher(outlet, fs, total, chunk=20, skip_at=799, skip=skip).start()
    ctl = SessionController(SessionOptions(recordings_dir=tmp_path), MemoryTargets(), store=store)
    out = tmp_path / "lsl.csv"
    try:
        ctl.connect(LslChoice(name), wait=True, record_to=out, record_seconds=(total + skip) / fs)
        assert ctl.wait_samples(total + skip, 30.0)
        rec_obj = ctl.recording
        end = time.monotonic() + 10.0
        while rec_obj is not None and rec_obj.rows < total + skip and time.monotonic() < end:
            time.sleep(0.02)
        status = ctl.frame().status
        saved = ctl.disconnect()
    finally:
        ctl.close()
    assert pusher.done.is_set() and saved is not None and status is not None
    assert status.lost_samples == skip and status.source == f"LSL {name}"
    rec = load_recording(saved.path)
    assert rec.labels == ("gluteus_maximus_L", "gluteus_maximus_R") and rec.sample_rate_hz == fs
    assert rec.metadata["device_kind"] == "lsl" and rec.metadata["lsl_stream"] == name
    expected = np.full((2, total + skip), np.nan)
    sent = counter(0, total + skip, 2).T
    expected[:, :800] = sent[:, :800]
    expected[:, 800 + skip:] = sent[:, 800 + skip:]
    np.testing.assert_array_equal(rec.data, expected)
