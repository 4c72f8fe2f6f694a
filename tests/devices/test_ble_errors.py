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


def test_an_implausible_sequence_jump_is_a_fault_not_hours_of_lost_samples():
    """Regression (issue 12): one packet with a huge sequence jump was taken as millions of lost
    samples (7.5 M blank rows, 2.6 GB, the DSP stalled for minutes)."""
    import types

    import numpy as np

    from app.devices.ble import BleSource

    src = BleSource("AA:BB:CC:DD:EE:FF", protocol="openpatch")
    src.adapter = types.SimpleNamespace(sample_rate_hz=1000.0, n_channels=1, unit="uV")  # type: ignore[assignment]
    got = []
    src._on_block = got.append
    src._streaming = True
    src._on_decoded(np.zeros((1, 20)), 0)
    src._on_decoded(np.zeros((1, 20)), 7_500_000)  # "2 hours lost", 0 s after the previous packet
    src._on_decoded(np.zeros((1, 20)), 20)  # an ordinary lost packet stays lost time
    assert got[1].lost_before < 1000 and src.stats.malformed == 1
    assert got[2].lost_before <= 20
