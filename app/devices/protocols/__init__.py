"""Byte decoders for the supported Bluetooth LE EMG patches, one module per device family.

``PROTOCOLS`` describes each family (UUIDs to scan for and subscribe to, commands, rate, channels,
unit, a decoder factory); ``detect_protocol`` tells which one a scanned device speaks from its
advertised service UUIDs or, failing that, its name. Everything here is pure: no bleak, no
threads, so it is unit-tested on byte vectors and fast enough for a notification callback.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from app.devices.protocols import ganglion, myo, myoware, openpatch
from app.devices.protocols.base import Decoded
from app.devices.protocols.errors import MalformedPacket

__all__ = ["PROTOCOLS", "Decoded", "MalformedPacket", "ProtocolInfo", "detect_protocol", "normalize_uuid"]

_SIG_BASE = "-0000-1000-8000-00805f9b34fb"


def normalize_uuid(uuid: str) -> str:
    """Lower-case 128-bit form; 16- and 32-bit short UUIDs get the Bluetooth base UUID."""
    u = uuid.strip().lower()
    if len(u) == 4:
        return f"0000{u}{_SIG_BASE}"
    if len(u) == 8:
        return f"{u}{_SIG_BASE}"
    return u


@dataclass(frozen=True)
class ProtocolInfo:
    """What the BLE layer needs to know about one device family.

    ``service_uuids`` filter the scan; ``shared_uuids`` among them are used by other devices too
    (the Nordic UART Service), so they identify this family only together with a name prefix.
    Subscribe to every ``notify_uuids`` characteristic the device has: the Myo has all four
    (merged in arrival order, index = position in the tuple); a MyoWare has one of two variants.
    Write ``start_commands`` (in order) to ``command_uuid`` after subscribing and
    ``stop_commands`` before disconnecting. ``sample_rate_hz`` None means no fixed rate
    (MyoWare: resampled) or carried in the packets (openpatch); ``n_channels`` None means it
    depends on the variant or the packets.
    """

    key: str
    name: str
    service_uuids: tuple[str, ...]
    notify_uuids: tuple[str, ...]
    command_uuid: str | None
    start_commands: tuple[bytes, ...]
    stop_commands: tuple[bytes, ...]
    sample_rate_hz: float | None
    n_channels: int | None
    unit: str
    name_prefixes: tuple[str, ...] = ()
    shared_uuids: tuple[str, ...] = ()


PROTOCOLS: dict[str, ProtocolInfo] = {
    "ganglion": ProtocolInfo(
        key="ganglion",
        name="OpenBCI Ganglion",
        service_uuids=(ganglion.SERVICE_UUID,),
        notify_uuids=(ganglion.NOTIFY_UUID,),
        command_uuid=ganglion.WRITE_UUID,
        start_commands=(ganglion.START,),
        stop_commands=(ganglion.STOP,),
        sample_rate_hz=ganglion.SAMPLE_RATE_HZ,
        n_channels=ganglion.N_CHANNELS,
        unit="uV",
        name_prefixes=("Ganglion", "Simblee"),
    ),
    "myo": ProtocolInfo(
        key="myo",
        name="Thalmic Myo",
        service_uuids=(myo.CONTROL_SERVICE_UUID, myo.EMG_SERVICE_UUID),
        notify_uuids=myo.EMG_UUIDS,
        command_uuid=myo.COMMAND_UUID,
        start_commands=(myo.NEVER_SLEEP, myo.SET_MODE_RAW_EMG),
        stop_commands=(myo.SET_MODE_OFF, myo.NORMAL_SLEEP),
        sample_rate_hz=myo.SAMPLE_RATE_HZ,
        n_channels=myo.N_CHANNELS,
        unit="counts",
        name_prefixes=("Myo",),
    ),
    "myoware": ProtocolInfo(
        key="myoware",
        name="MyoWare 2.0 Wireless Shield",
        service_uuids=(myoware.SERVICE_UUID, myoware.UART_SERVICE_UUID),
        notify_uuids=(myoware.NOTIFY_UUID, myoware.UART_TX_UUID),
        command_uuid=None,
        start_commands=(),
        stop_commands=(),
        sample_rate_hz=None,
        n_channels=None,
        unit="counts",
        name_prefixes=myoware.NAME_PREFIXES,
        shared_uuids=(myoware.UART_SERVICE_UUID,),
    ),
    "openpatch": ProtocolInfo(
        key="openpatch",
        name="openpatch (DIY)",
        service_uuids=(openpatch.SERVICE_UUID,),
        notify_uuids=(openpatch.DATA_UUID,),
        command_uuid=openpatch.CONTROL_UUID,
        start_commands=(openpatch.START,),
        stop_commands=(openpatch.STOP,),
        sample_rate_hz=None,
        n_channels=None,
        unit="uV",
        name_prefixes=(openpatch.NAME_PREFIX,),
    ),
}

# longest prefix first: "MyoWareSensor1" and "MyoW1" are MyoWare shields, not Myo armbands
_PREFIXES = sorted(
    ((p, k) for k, info in PROTOCOLS.items() for p in info.name_prefixes), key=lambda pk: -len(pk[0])
)


_OWN_UUIDS = {
    k: {normalize_uuid(u) for u in info.service_uuids} - {normalize_uuid(u) for u in info.shared_uuids}
    for k, info in PROTOCOLS.items()
}


def detect_protocol(name: str | None, service_uuids: Iterable[str]) -> str | None:
    """The protocol key a scanned device speaks, or None.

    A family's own advertised service UUID decides first; a shared one (Nordic UART) counts only
    when the name also fits; otherwise the name prefix decides ("Ganglion-…", "Simblee",
    "MyoWareSensor1", "MyoW1", "OpenPatch…", "Myo…").
    """
    uuids = {normalize_uuid(u) for u in service_uuids}
    for key, own in _OWN_UUIDS.items():
        if uuids & own:
            return key
    if name:
        for prefix, key in _PREFIXES:
            if name.startswith(prefix):
                return key
    return None
