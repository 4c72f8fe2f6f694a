"""Fixtures: a private D-Bus daemon as the "system bus", a fake BlueZ on it, a bleak loop."""

from __future__ import annotations

import os

import pytest

from app.devices.ble_loop import BleLoop
from tests.ble.dbus_session import bluetoothctl_stub_dir, start_private_bus
from tests.ble.fake_bluez import FakeBlueZ


@pytest.fixture(scope="module")
def system_bus(tmp_path_factory):
    bus = start_private_bus()
    stub = bluetoothctl_stub_dir(tmp_path_factory.mktemp("bluez"))
    old = {k: os.environ.get(k) for k in ("DBUS_SYSTEM_BUS_ADDRESS", "PATH")}
    os.environ["DBUS_SYSTEM_BUS_ADDRESS"] = bus.address
    os.environ["PATH"] = f"{stub}{os.pathsep}{os.environ.get('PATH', '')}"
    yield bus
    for k, v in old.items():
        if v is None:
            os.environ.pop(k, None)
        else:
            os.environ[k] = v
    bus.stop()


@pytest.fixture(scope="module")
def fake_bluez(system_bus):
    fake = FakeBlueZ(system_bus.address).start()
    yield fake
    fake.stop()


@pytest.fixture(scope="module")
def ble_loop(fake_bluez):
    """A fresh bleak loop per module: bleak keeps one bus per loop, bound to this daemon."""
    loop = BleLoop(name="ble-test")
    yield loop
    loop.stop()
