"""The fake BlueZ really drives the unmodified bleak BlueZ backend (not mocks)."""

from __future__ import annotations

import asyncio
import threading

import pytest
from bleak import BleakClient, BleakScanner

from tests.ble.fake_bluez import FakeCharacteristic, FakeDevice, FakeService

pytestmark = pytest.mark.ble

SVC = "12345678-0000-1000-8000-00805f9b34fb"
NOTIFY = "12345679-0000-1000-8000-00805f9b34fb"
READ = "1234567a-0000-1000-8000-00805f9b34fb"
WRITE = "1234567b-0000-1000-8000-00805f9b34fb"
ADDR = "AA:BB:CC:00:00:01"


@pytest.fixture(scope="module")
def device(fake_bluez):
    got: list[bytes] = []
    dev = FakeDevice(
        ADDR,
        "TestPatch",
        [FakeService(SVC, [
            FakeCharacteristic(NOTIFY, ["notify"]),
            FakeCharacteristic(READ, ["read"], value=b"3.1.2"),
            FakeCharacteristic(WRITE, ["write", "write-without-response"], on_write=got.append),
        ])],
    )
    fake_bluez.add_device(dev)
    dev.written = got  # type: ignore[attr-defined]
    return dev


def test_scan_finds_device_with_and_without_filter(ble_loop, device):
    async def run():
        a = await BleakScanner.discover(timeout=1.0, return_adv=True)
        b = await BleakScanner.discover(timeout=1.0, return_adv=True, service_uuids=[SVC])
        c = await BleakScanner.discover(timeout=1.0, return_adv=True, service_uuids=["0000aaaa-0000-1000-8000-00805f9b34fb"])
        return a, b, c

    a, b, c = ble_loop.run(run(), 30)
    assert ADDR in a and ADDR in b and ADDR not in c
    dev, adv = a[ADDR]
    assert adv.local_name == "TestPatch" and SVC in adv.service_uuids and adv.rssi < 0


def test_connect_read_write_notify_in_order_and_drop(ble_loop, fake_bluez, device):
    received: list[bytes] = []
    dropped = threading.Event()

    async def connect_and_listen():
        d = await BleakScanner.find_device_by_address(ADDR, timeout=5)
        client = BleakClient(d, disconnected_callback=lambda _c: dropped.set())
        await client.connect()
        uuids = {c.uuid for s in client.services for c in s.characteristics}
        value = await client.read_gatt_char(READ)
        await client.write_gatt_char(WRITE, b"b", response=True)
        await client.start_notify(NOTIFY, lambda _c, data: received.append(bytes(data)))
        return client, uuids, value

    client, uuids, value = ble_loop.run(connect_and_listen(), 30)
    assert {NOTIFY, READ, WRITE} <= uuids
    assert value == b"3.1.2" and device.written == [b"b"]
    assert fake_bluez.wait_notifying(ADDR, NOTIFY)
    payloads = [i.to_bytes(4, "little") for i in range(2000)]
    assert fake_bluez.notify_many(ADDR, NOTIFY, payloads) == 2000

    async def settle():
        for _ in range(200):
            if len(received) >= 2000:
                return
            await asyncio.sleep(0.01)

    ble_loop.run(settle(), 10)
    assert received == payloads  # in order, no loss, no duplicates

    fake_bluez.drop_link(ADDR, forget=True)
    assert dropped.wait(5)
    assert not client.is_connected
    ble_loop.run(client.disconnect(), 10)  # releases the client's own D-Bus connection

    fake_bluez.restore(ADDR)

    async def reconnect():
        d = await BleakScanner.find_device_by_address(ADDR, timeout=5)
        assert d is not None
        c2 = BleakClient(d)
        await c2.connect()
        ok = c2.is_connected
        await c2.disconnect()
        return ok

    assert ble_loop.run(reconnect(), 30)
