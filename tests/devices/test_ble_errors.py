"""Every Bluetooth failure becomes one sentence a person can act on."""

from __future__ import annotations

import pytest
from bleak.exc import (
    BleakBluetoothNotAvailableError,
    BleakBluetoothNotAvailableReason,
    BleakCharacteristicNotFoundError,
    BleakDBusError,
    BleakDeviceNotFoundError,
    BleakError,
)

from app.devices.ble_errors import explain


@pytest.mark.parametrize(
    "exc, words",
    [
        (BleakBluetoothNotAvailableError("x", BleakBluetoothNotAvailableReason.NO_BLUETOOTH), "No Bluetooth adapter"),
        (BleakBluetoothNotAvailableError("x", BleakBluetoothNotAvailableReason.POWERED_OFF), "turned off"),
        (BleakBluetoothNotAvailableError("x", BleakBluetoothNotAvailableReason.DENIED_BY_USER), "not allowed"),
        (BleakDBusError("org.bluez.Error.NotReady", []), "turned off"),
        (BleakDBusError("org.freedesktop.DBus.Error.AccessDenied", []), "Permission denied"),
        (BleakDBusError("org.freedesktop.DBus.Error.UnknownObject", []), "disappeared while connecting"),
        (BleakDBusError("org.freedesktop.DBus.Error.ServiceUnknown", []), "not running"),
        (BleakDeviceNotFoundError("AA"), "was not found"),
        (BleakCharacteristicNotFoundError("2a19"), "data channel"),
        (BleakError("No Bluetooth adapters found."), "No Bluetooth adapter"),
        (TimeoutError(), "did not answer in time"),
        (PermissionError(13, "denied"), "Permission denied"),
        (FileNotFoundError(2, "no socket"), "not reachable"),
    ],
)
def test_one_sentence(exc, words):
    msg = str(explain(exc, "MyPatch"))
    assert words in msg and msg[-1] in ".?" and "\n" not in msg and "Traceback" not in msg
