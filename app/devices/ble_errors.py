"""Turn whatever bleak, D-Bus or the OS raise into one sentence a person can act on."""

from __future__ import annotations

from bleak.exc import (
    BleakBluetoothNotAvailableError,
    BleakBluetoothNotAvailableReason,
    BleakCharacteristicNotFoundError,
    BleakDBusError,
    BleakDeviceNotFoundError,
    BleakError,
)

from app.errors import UserError

_REASONS = {
    BleakBluetoothNotAvailableReason.NO_BLUETOOTH: "No Bluetooth adapter was found on this computer.",
    BleakBluetoothNotAvailableReason.NO_BLE_CENTRAL_ROLE: "This Bluetooth adapter cannot connect to Bluetooth LE devices.",
    BleakBluetoothNotAvailableReason.POWERED_OFF: "Bluetooth is turned off; turn it on and try again.",
    BleakBluetoothNotAvailableReason.DENIED_BY_USER: (
        "GluteFire is not allowed to use Bluetooth; allow it in the system's privacy settings."
    ),
    BleakBluetoothNotAvailableReason.DENIED_BY_SYSTEM: "The system does not allow GluteFire to use Bluetooth.",
    BleakBluetoothNotAvailableReason.DENIED_BY_UNKNOWN: "Permission to use Bluetooth was denied.",
    BleakBluetoothNotAvailableReason.UNKNOWN: "Bluetooth is not available.",
}

_DBUS = {
    "org.bluez.Error.NotReady": "Bluetooth is turned off; turn it on and try again.",
    "org.bluez.Error.Failed": "The Bluetooth adapter refused the request; try again or restart Bluetooth.",
    "org.bluez.Error.InProgress": "Bluetooth is busy with another connection; try again in a moment.",
    "org.bluez.Error.NotPermitted": "The patch refused the request.",
    "org.freedesktop.DBus.Error.AccessDenied": (
        "Permission denied: your user may not use Bluetooth (on Linux, join the 'bluetooth' group)."
    ),
    "org.freedesktop.DBus.Error.ServiceUnknown": "The Bluetooth service is not running (on Linux, start bluetoothd).",
    "org.freedesktop.DBus.Error.UnknownObject": "The patch disappeared while connecting; bring it closer and try again.",
    "org.freedesktop.DBus.Error.NoReply": "The Bluetooth service did not answer; try again.",
}


def explain(exc: BaseException, what: str = "") -> UserError:
    """A ``UserError`` with one sentence for a Bluetooth failure (``what``: the device)."""
    dev = f" {what}" if what else ""
    if isinstance(exc, UserError):
        return exc
    if isinstance(exc, BleakBluetoothNotAvailableError):
        return UserError(_REASONS.get(exc.reason, "Bluetooth is not available."))
    if isinstance(exc, BleakDeviceNotFoundError):
        return UserError(f"The patch{dev} was not found; is it switched on and close by?")
    if isinstance(exc, BleakCharacteristicNotFoundError):
        return UserError(
            f"The patch{dev} does not offer the data channel its protocol needs; is it the right device and firmware?"
        )
    if isinstance(exc, BleakDBusError):
        return UserError(_DBUS.get(exc.dbus_error, f"Bluetooth error{dev}: {exc.dbus_error}."))
    if isinstance(exc, TimeoutError):
        return UserError(f"The patch{dev} did not answer in time; is it switched on and close by?")
    if isinstance(exc, PermissionError):
        return UserError("Permission denied: your user may not use Bluetooth (on Linux, join the 'bluetooth' group).")
    if isinstance(exc, (FileNotFoundError, ConnectionRefusedError)):
        return UserError("The Bluetooth service is not reachable (on Linux, is bluetoothd running?).")
    if isinstance(exc, BleakError):
        text = str(exc).strip().rstrip(".")
        low = text.lower()
        if "no bluetooth adapters" in low or "adapter" in low and "not found" in low:
            return UserError("No Bluetooth adapter was found on this computer.")
        if "not connected" in low or "disconnected" in low:
            return UserError(f"The patch{dev} disconnected; bring it closer and try again.")
        return UserError(f"Bluetooth error{dev}: {text}.")
    if isinstance(exc, OSError):
        return UserError(f"Bluetooth error{dev}: {exc.strerror or exc}.")
    return UserError(f"Bluetooth error{dev}: {type(exc).__name__}: {exc}.")
