"""Link health through the real bleak path: drop -> automatic reconnect -> gap marked;
8 ch x 2 kHz openpatch for 10 s without loss; malformed payloads counted and skipped."""

from __future__ import annotations

import time

import numpy as np
import pytest

from app.devices.ble import BleSource
from app.devices.protocols import openpatch
from app.session.stream import LiveStream
from app.storage.reader import load_recording
from tests.ble import encoders
from tests.ble.fake_bluez import FakeBlueZ, FakeCharacteristic, FakeDevice, FakeService

pytestmark = pytest.mark.ble


def openpatch_device(fake: FakeBlueZ, address: str, name: str, payloads: list[bytes], per_s: float) -> dict:
    """A device that streams ``payloads`` from where it stopped each time it is started."""
    state = {"sent": 0, "future": None}

    def on_write(value: bytes) -> None:
        if value == openpatch.START and state["sent"] < len(payloads):
            fut = fake.stream(address, openpatch.DATA_UUID, payloads[state["sent"] :], per_s)
            fut.add_done_callback(lambda f: state.__setitem__("sent", state["sent"] + f.result()))
            state["future"] = fut

    fake.add_device(FakeDevice(address, name, [FakeService(openpatch.SERVICE_UUID, [
        FakeCharacteristic(openpatch.DATA_UUID, ["notify"]),
        FakeCharacteristic(openpatch.CONTROL_UUID, ["write", "write-without-response"], on_write=on_write),
    ])]))
    return state


def wait(cond, timeout: float) -> bool:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if cond():
            return True
        time.sleep(0.02)
    return False


def start_recording(ble_loop, name: str, path):  # type: ignore[no-untyped-def]
    """Connect to ``name`` and record it to ``path``: (source, stream, recorder)."""
    src = BleSource(name, loop=ble_loop)
    src.open(timeout=10)
    stream = LiveStream(src)
    rec = stream.start_recording(path)
    stream.start()
    return src, stream, rec


def test_drop_reconnect_resume_with_gap_marked(ble_loop, fake_bluez, tmp_path):
    fs, per = 500, openpatch.frames_per_packet(1)
    counts = (np.arange(fs * 12) % 20000 - 10000).reshape(1, -1)  # a counter: order is visible
    pkts = encoders.openpatch_packets(counts, fs, 1.0)
    state = openpatch_device(fake_bluez, "AA:00:00:00:01:01", "DropPatch", pkts, fs / per)
    path = tmp_path / "drop.csv"
    src, stream, rec = start_recording(ble_loop, "DropPatch", path)
    assert wait(lambda: rec.rows > fs * 1.5, 10)
    fake_bluez.drop_link("AA:00:00:00:01:01", forget=True)  # BlueZ forgets it: a rescan is needed
    time.sleep(1.0)
    fake_bluez.restore("AA:00:00:00:01:01")
    assert wait(lambda: src.reconnects == 1, 20)
    assert wait(lambda: state["future"] is not None and state["future"].done() and state["sent"] == len(pkts), 30)
    time.sleep(0.3)
    stream.stop()

    r = load_recording(path)
    words = [e for _, e in r.events]
    assert "link lost" in words and "link restored" in words
    x = r.data[0]
    gap = np.isnan(x)
    assert gap.sum() > fs * 0.5  # time kept running through the ~1-2 s outage
    got = x[~gap]
    # every sample that arrived is in order, none twice, and none before the drop was lost
    diffs = np.diff(got)
    assert np.count_nonzero(diffs != 1) <= 1  # one jump: the samples the outage ate
    first_gap = int(np.flatnonzero(gap)[0])
    np.testing.assert_array_equal(x[:first_gap], counts[0, :first_gap])
    lost_t, restored_t = (t for t, e in r.events if e in ("link lost", "link restored"))
    assert lost_t <= restored_t


def test_openpatch_8ch_2khz_10s_without_loss(ble_loop, fake_bluez, tmp_path):
    fs, n_ch = 2000, 8
    per = openpatch.frames_per_packet(n_ch)
    counts = np.random.default_rng(7).integers(-32000, 32000, size=(n_ch, fs * 10))
    pkts = encoders.openpatch_packets(counts, fs, 0.25)
    state = openpatch_device(fake_bluez, "AA:00:00:00:01:02", "FastPatch", pkts, fs / per)
    path = tmp_path / "fast.csv"
    src, stream, rec = start_recording(ble_loop, "FastPatch", path)
    assert wait(lambda: state["future"] is not None and state["future"].done(), 40)
    assert wait(lambda: rec.rows >= counts.shape[1], 10)
    stream.stop()
    assert src.stats.lost_samples == 0 and src.stats.lost_packets == 0
    assert stream.worker.overrun_samples == 0
    r = load_recording(path)
    np.testing.assert_allclose(r.data, counts * 0.25, atol=5e-4)
    assert src.stats.effective_rate_hz() > 0


def test_malformed_payloads_counted_and_skipped(ble_loop, fake_bluez, tmp_path):
    fs = 250
    counts = np.arange(fs * 2).reshape(1, -1)
    pkts = encoders.openpatch_packets(counts, fs, 1.0)
    bad = [b"\x07garbage", b"\x01\x00"]
    mixed = pkts[:3] + bad + pkts[3:]
    state = openpatch_device(fake_bluez, "AA:00:00:00:01:03", "NoisyPatch", mixed, 20)
    src, stream, rec = start_recording(ble_loop, "NoisyPatch", tmp_path / "noisy.csv")
    assert wait(lambda: state["future"] is not None and state["future"].done(), 20)
    time.sleep(0.3)
    stream.stop()
    assert src.stats.malformed == 2
    r = load_recording(tmp_path / "noisy.csv")
    np.testing.assert_array_equal(r.data[0], counts[0])
    assert stream.status().malformed == 2


@pytest.mark.parametrize("drift", [1.01, 0.99])
def test_a_device_clock_one_percent_fast_or_slow_loses_nothing_and_shows_its_rate(ble_loop, fake_bluez, tmp_path,
                                                                                   drift):
    """Issue 12: a patch's crystal is off (±1 %, within what cheap boards do): it sends 1 % more or
    fewer samples per host second. Every sample is recorded in order, none is taken as lost, no
    gap is invented, and the rate actually received (what the status bar shows) tells the drift."""
    fs, n_ch = 2000, 8
    per = openpatch.frames_per_packet(n_ch)
    counts = np.random.default_rng(11).integers(-32000, 32000, size=(n_ch, fs * 8))
    pkts = encoders.openpatch_packets(counts, fs, 0.25)
    address = "AA:00:00:00:01:0" + ("5" if drift > 1 else "6")
    state = openpatch_device(fake_bluez, address, f"Drift{drift}", pkts, drift * fs / per)
    path = tmp_path / "drift.csv"
    src, stream, rec = start_recording(ble_loop, f"Drift{drift}", path)
    time.sleep(4.0)
    measured = src.stats.effective_rate_hz() / fs
    assert wait(lambda: state["future"] is not None and state["future"].done(), 40)
    assert wait(lambda: rec.rows >= counts.shape[1], 10)
    stream.stop()
    assert src.stats.lost_samples == 0 and src.stats.lost_packets == 0 and src.stats.malformed == 0
    assert stream.worker.overrun_samples == 0
    r = load_recording(path)
    assert r.data.shape[1] == counts.shape[1]
    np.testing.assert_allclose(r.data, counts * 0.25, atol=5e-4)
    assert abs(measured - drift) < 0.006, measured  # the drift is visible, not hidden
