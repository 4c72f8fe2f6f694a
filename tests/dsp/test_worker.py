"""DSP worker: whole blocks in, identical results to one offline pass; gaps keep time."""

from __future__ import annotations

import numpy as np

from app.dsp.filters import FilterSettings
from app.dsp.pipeline import process_whole
from app.dsp.ring import RingBuffer
from app.dsp.worker import DspWorker, ProcessedBlock, aligned_display


def run_worker(x: np.ndarray, fs: float, chunks: list[int], gaps: dict[int, int] | None = None):
    ring = RingBuffer(x.shape[0], 50_000)
    w = DspWorker(ring, fs, FilterSettings(), np.full(x.shape[0], 50.0))
    got: list[ProcessedBlock] = []
    w.add_sink(got.append)
    i = 0
    k = 0
    while i < x.shape[1]:
        n = chunks[k % len(chunks)]
        if gaps and k in gaps:
            ring.write_gap(gaps[k])
        ring.write(x[:, i : i + n])
        w.process_available()
        i += n
        k += 1
    return w, got


def test_worker_output_equals_offline_pipeline(rng):
    fs = 2000.0
    x = rng.standard_normal((4, 20_000)) * 40
    w, got = run_worker(x, fs, [40, 13, 200, 1])
    env = np.hstack([b.envelope for b in got])
    np.testing.assert_allclose(env, process_whole(x, fs).envelope, atol=1e-9, rtol=0)
    assert [b.start_index for b in got] == list(np.cumsum([0] + [b.raw.shape[1] for b in got[:-1]]))
    assert w.overrun_samples == 0


def test_gap_is_nan_and_time_keeps_running(rng):
    fs = 1000.0
    x = rng.standard_normal((2, 4000)) * 40
    w, got = run_worker(x, fs, [100], gaps={10: 250})
    raw = np.hstack([b.raw for b in got])
    assert raw.shape[1] == 4250
    assert np.isnan(raw[:, 1000:1250]).all()
    assert np.isfinite(raw[:, 1250:]).all()
    env = np.hstack([b.envelope for b in got])
    assert np.isnan(env[:, 1000:1250]).all() and np.isfinite(env[:, 1250:]).all()


def test_threaded_worker_and_display_bins(rng):
    fs = 1000.0
    ring = RingBuffer(2, 30_000)
    w = DspWorker(ring, fs, FilterSettings(), np.array([50.0, 50.0]))
    got: list[ProcessedBlock] = []
    w.add_sink(got.append)
    w.start()
    x = rng.standard_normal((2, 12_000)) * 40
    for i in range(0, 12_000, 20):
        ring.write(x[:, i : i + 20])
    w.stop()  # drains
    assert sum(b.raw.shape[1] for b in got) == 12_000
    start, lo, hi, env = aligned_display(w, 5000)
    assert lo.shape == hi.shape == env.shape
    assert env.shape[1] == 12_000 // w.display_bin
    assert np.all(lo <= hi)
    filt = process_whole(x, fs).filtered
    b = w.display_bin
    last = filt[:, (start + env.shape[1] - 1) * b : (start + env.shape[1]) * b]
    np.testing.assert_allclose(hi[:, -1], last.max(axis=1), atol=1e-9)


def test_a_failing_sink_is_taken_off_and_the_others_go_on():
    """A bug in one consumer (the live analysis) must not stop the DSP thread and the recording."""
    ring = RingBuffer(1, 10_000)
    worker = DspWorker(ring, 1000.0, FilterSettings(), np.array([50.0]))
    got = []

    def bad(block):
        raise ValueError("negative dimensions are not allowed")

    worker.add_sink(bad)
    worker.add_sink(lambda b: got.append(b.raw.shape[1]))
    for _ in range(3):
        ring.write(np.zeros((1, 20)))
        worker.process_available()
    assert got == [20, 20, 20] and worker.error is None
    assert worker.sink_error == "ValueError: negative dimensions are not allowed"
    assert bad not in worker._sinks


def test_the_cue_envelope_crosses_earlier_than_the_display_envelope():
    """The sound's own 20 ms envelope decides a contraction (a 150 ms rise, as a prompted squeeze)
    before the 70 ms display envelope does."""
    from app.devices.emg_model import Artefacts, synthesize

    fs = 2000.0
    act = np.zeros((1, int(3 * fs)))
    rise = int(0.15 * fs)
    act[0, int(1.5 * fs):int(1.5 * fs) + rise] = np.linspace(0, 200.0, rise)
    act[0, int(1.5 * fs) + rise:] = 200.0
    x = synthesize(act, fs, seed=3, artefacts=Artefacts(3.0, 0.0, 50, 0))
    ring = RingBuffer(1, 20_000)
    worker = DspWorker(ring, fs, FilterSettings(), np.array([100.0]))
    worker.cues = True
    shown, cued = [], []
    worker.add_sink(lambda b: (shown.extend(c.index for c in b.crossings if c.rising),
                               cued.extend(c.index for c in b.cue_crossings if c.rising)))
    for i in range(0, x.shape[1], 40):
        ring.write(x[:, i : i + 40])
        worker.process_available()
    assert len(shown) == 1 and len(cued) >= 1
    lead_ms = (shown[0] - cued[0]) / fs * 1000
    assert 10 <= lead_ms <= 40, lead_ms
