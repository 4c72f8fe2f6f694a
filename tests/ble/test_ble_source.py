"""End to end over the real bleak BlueZ code path: fake BlueZ -> bleak -> decoder -> DSP -> CSV.

Each fake device streams what the real one would (encoded by ``tests/ble/encoders.py``) at its
real notification rate once GluteFire starts it; the recording must hold the sent samples in
order, without duplicates, within each format's quantisation.
"""

from __future__ import annotations

import time
from collections.abc import Callable

import numpy as np
import pytest

from app.devices.ble import BleSource, scan
from app.devices.protocols import ganglion, myo, myoware, openpatch
from app.errors import UserError
from app.session.stream import LiveStream
from app.storage.reader import load_recording
from tests.ble import encoders
from tests.ble.fake_bluez import FakeBlueZ, FakeCharacteristic, FakeDevice, FakeService

pytestmark = pytest.mark.ble

RNG = np.random.default_rng(42)
BATTERY_SVC = "0000180f-0000-1000-8000-00805f9b34fb"
BATTERY = "00002a19-0000-1000-8000-00805f9b34fb"
DEVINFO_SVC = "0000180a-0000-1000-8000-00805f9b34fb"

GANGLION_COUNTS = RNG.integers(-2_000_000, 2_000_000, size=(4, 300))
MYO_COUNTS = RNG.integers(-128, 128, size=(8, 300))
MYOWARE_VALUES = np.linspace(100.0, 900.0, 80)
OPENPATCH_COUNTS = RNG.integers(-30000, 30000, size=(2, 1500))


class Streamer:
    """Starts a paced stream when the device is told to start (as the real firmware does)."""

    def __init__(self, fake: FakeBlueZ, address: str, uuid: str | list[str], payloads: list, per_s: float):
        self.fake, self.address, self.uuid, self.payloads, self.per_s = fake, address, uuid, payloads, per_s
        self.sent = 0
        self.future = None

    def on_write(self, value: bytes) -> None:
        if value in (b"b", openpatch.START, myo.SET_MODE_RAW_EMG) and self.sent < len(self.payloads):
            rest = self.payloads[self.sent :]
            self.future = self.fake.stream(self.address, self.uuid, rest, self.per_s)
            self.future.add_done_callback(lambda f: setattr(self, "sent", self.sent + f.result()))

    def finished(self) -> bool:
        """The whole stream has been sent."""
        return self.future is not None and self.future.done()

    def wait(self, timeout: float = 30.0) -> None:
        end = time.monotonic() + timeout
        while (self.future is None or not self.future.done()) and time.monotonic() < end:
            time.sleep(0.02)


@pytest.fixture(scope="module")
def devices(fake_bluez: FakeBlueZ):
    out: dict[str, tuple[FakeDevice, Streamer]] = {}

    g = Streamer(fake_bluez, "AA:00:00:00:00:01", ganglion.NOTIFY_UUID, encoders.ganglion_fw3_packets(GANGLION_COUNTS), 100)
    dev = FakeDevice("AA:00:00:00:00:01", "Ganglion-1a2b", [
        FakeService(ganglion.SERVICE_UUID, [
            FakeCharacteristic(ganglion.NOTIFY_UUID, ["notify"]),
            FakeCharacteristic(ganglion.WRITE_UUID, ["write", "write-without-response"], on_write=g.on_write),
            FakeCharacteristic(ganglion.DISCONNECT_UUID, ["write"]),
        ]),
        FakeService(DEVINFO_SVC, [FakeCharacteristic(ganglion.SOFTWARE_REVISION_UUID, ["read"], value=b"3.1.2")]),
    ], rssi=-60)
    out["ganglion"] = (dev, g)

    m = Streamer(fake_bluez, "AA:00:00:00:00:02", list(myo.EMG_UUIDS), encoders.myo_packets(MYO_COUNTS), 100)
    dev = FakeDevice("AA:00:00:00:00:02", "Myo", [
        FakeService(myo.CONTROL_SERVICE_UUID, [FakeCharacteristic(myo.COMMAND_UUID, ["write"], on_write=m.on_write)]),
        FakeService(myo.EMG_SERVICE_UUID, [FakeCharacteristic(u, ["notify"]) for u in myo.EMG_UUIDS]),
        FakeService(BATTERY_SVC, [FakeCharacteristic(BATTERY, ["read", "notify"], value=bytes([87]))]),
    ], rssi=-50)
    out["myo"] = (dev, m)

    w = Streamer(fake_bluez, "AA:00:00:00:00:03", myoware.NOTIFY_UUID, encoders.myoware_payloads(MYOWARE_VALUES), 50)
    dev = FakeDevice("AA:00:00:00:00:03", "MyoWareSensor1", [
        FakeService(myoware.SERVICE_UUID, [FakeCharacteristic(myoware.NOTIFY_UUID, ["read", "notify"],
                                                              on_subscribe=lambda: w.on_write(b"b"))]),
    ], rssi=-70)
    out["myoware"] = (dev, w)

    o = Streamer(fake_bluez, "AA:00:00:00:00:04", openpatch.DATA_UUID,
                 encoders.openpatch_packets(OPENPATCH_COUNTS, 1000, 0.5), 1000 / openpatch.frames_per_packet(2))
    dev = FakeDevice("AA:00:00:00:00:04", "GluteFire-ESP32", [
        FakeService(openpatch.SERVICE_UUID, [
            FakeCharacteristic(openpatch.DATA_UUID, ["notify"]),
            FakeCharacteristic(openpatch.CONTROL_UUID, ["read", "write", "write-without-response"], on_write=o.on_write,
                               value=openpatch.encode_descriptor(1000, 2, 0.5)),
        ]),
    ], rssi=-45)
    out["openpatch"] = (dev, o)
    for dev, _ in out.values():
        fake_bluez.add_device(dev)
    return out


def record(ble_loop, tmp_path, target: str, until: Callable[[], bool], **kw) -> tuple[BleSource, LiveStream, object]:
    src = BleSource(target, loop=ble_loop, **kw)
    src.open(timeout=15)
    stream = LiveStream(src)
    path = tmp_path / f"{src.protocol}.csv"
    stream.start_recording(path)
    stream.start()
    end = time.monotonic() + 40
    while not until() and time.monotonic() < end:
        time.sleep(0.05)
    time.sleep(0.3)
    stream.stop()
    return src, stream, load_recording(path)


def test_scan_finds_each_device_with_its_protocol(ble_loop, devices):
    found = {d.address: d for d in scan(2.0, loop=ble_loop)}
    assert {found[dev.address].protocol for dev, _ in devices.values()} == set(devices)
    for key, (dev, _) in devices.items():
        assert found[dev.address].protocol == key and found[dev.address].name == dev.name
        assert found[dev.address].rssi < 0
    assert "OpenBCI Ganglion" in found["AA:00:00:00:00:01"].line()


def test_ganglion_fw3_samples_recorded_in_order(ble_loop, devices, tmp_path):
    _, streamer = devices["ganglion"]
    src, stream, rec = record(ble_loop, tmp_path, "Ganglion-1a2b", streamer.finished)
    assert src.protocol == "ganglion" and rec.metadata["firmware"] == "3.1.2"
    # firmware 3 never sends the sample at each packet-id wrap: it is a 1-sample gap, not an error
    sent = encoders.ganglion_fw3_sent_indices(GANGLION_COUNTS.shape[1])
    assert rec.data.shape == (4, sent[-1] + 1) and rec.sample_rate_hz == 200.0
    expect = GANGLION_COUNTS[:, sent] * ganglion.UV_PER_COUNT
    assert np.max(np.abs(rec.data[:, sent] - expect)) <= 2 * 64 * ganglion.UV_PER_COUNT + 1e-3
    assert np.isnan(rec.data[:, 200]).all() and src.stats.lost_samples == 1


def test_myo_four_characteristics_merged_in_order_with_battery(ble_loop, devices, tmp_path):
    _, streamer = devices["myo"]
    src, stream, rec = record(ble_loop, tmp_path, "AA:00:00:00:00:02", streamer.finished,
                              labels=[f"m{i}" for i in range(8)])
    np.testing.assert_array_equal(rec.data, MYO_COUNTS)
    assert rec.units == ("counts",) * 8
    assert src.stats.battery_percent == 87 and rec.metadata.get("battery_percent") == "87"
    # the never-sleep and raw-EMG mode commands reached the armband
    writes = devices["myo"][1].fake.writes
    assert ("AA:00:00:00:00:02", myo.COMMAND_UUID, myo.NEVER_SLEEP) in writes
    assert ("AA:00:00:00:00:02", myo.COMMAND_UUID, myo.SET_MODE_RAW_EMG) in writes


def test_myoware_values_resampled_in_order(ble_loop, devices, fake_bluez, tmp_path):
    _, streamer = devices["myoware"]  # no start command: the shield streams once subscribed
    src, stream, rec = record(ble_loop, tmp_path, "MyoWareSensor1", streamer.finished)
    v = rec.data[0]
    assert rec.sample_rate_hz == 100.0 and "resampling" in rec.metadata
    assert v.size >= 100  # 80 values at 50/s = 1.6 s -> ~160 grid samples
    assert np.all(np.diff(v) >= -1e-6)  # a rising ramp stays rising
    assert v[0] == pytest.approx(MYOWARE_VALUES[0], abs=0.01) and v[-1] <= MYOWARE_VALUES[-1] + 0.01
    assert "device sends an envelope" in rec.metadata["filter"]


def test_openpatch_exact_samples(ble_loop, devices, tmp_path):
    _, streamer = devices["openpatch"]
    src, stream, rec = record(ble_loop, tmp_path, "GluteFire-ESP32", streamer.finished)
    assert rec.sample_rate_hz == 1000.0
    np.testing.assert_allclose(rec.data, OPENPATCH_COUNTS * 0.5, atol=5e-4)
    assert src.stats.lost_samples == 0


def test_unknown_device_is_one_sentence(ble_loop, devices):
    with pytest.raises(UserError, match="was not found") as err:
        BleSource("AA:BB:CC:DD:EE:99", loop=ble_loop).open(timeout=2)
    assert "\n" not in str(err.value)


def test_missing_characteristic_is_one_sentence(ble_loop, fake_bluez):
    fake_bluez.add_device(FakeDevice("AA:00:00:00:00:09", "BrokenPatch", [
        FakeService(openpatch.SERVICE_UUID, [FakeCharacteristic(openpatch.CONTROL_UUID, ["write"])])
    ]))
    with pytest.raises(UserError, match="data channel"):
        BleSource("BrokenPatch", loop=ble_loop).open(timeout=5)
