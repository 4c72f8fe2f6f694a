"""Byte decoders for the supported Bluetooth LE EMG patches, one module per device.

``PROTOCOLS`` describes each (UUIDs, commands, rate, channels, unit); ``detect_protocol`` tells
which one a scanned device speaks from its advertised service UUIDs or, failing that, its name.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from app.devices.protocols import ganglion, myo, myoware, openpatch


@dataclass(frozen=True)
class ProtocolInfo:
    key: str
    name: str
    service_uuids: tuple[str, ...]
    notify_uuids: tuple[str, ...]
    command_uuid: str | None
    start_commands: tuple[bytes, ...]
    stop_commands: tuple[bytes, ...]
    sample_rate_hz: float | None  # None: no fixed rate (resampled) or carried in the packets
    n_channels: int | None  # None: carried in the packets
    unit: str
    name_prefixes: tuple[str, ...] = ()


PROTOCOLS: dict[str, ProtocolInfo] = {
    "ganglion": ProtocolInfo(
        "ganglion", "OpenBCI Ganglion", (ganglion.SERVICE_UUID,), (ganglion.NOTIFY_UUID,),
        ganglion.WRITE_UUID, (ganglion.START,), (ganglion.STOP,), ganglion.SAMPLE_RATE_HZ,
        ganglion.N_CHANNELS, "uV", ("Ganglion", "Simblee"),
    ),
    "myo": ProtocolInfo(
        "myo", "Thalmic Myo", (myo.CONTROL_SERVICE_UUID, myo.EMG_SERVICE_UUID), myo.EMG_UUIDS,
        myo.COMMAND_UUID, (myo.NEVER_SLEEP, myo.SET_MODE_RAW_EMG), (myo.SET_MODE_OFF,),
        myo.SAMPLE_RATE_HZ, myo.N_CHANNELS, "counts", ("Myo",),
    ),
    "myoware": ProtocolInfo(
        "myoware", "MyoWare 2.0 Wireless Shield", (myoware.SERVICE_UUID, myoware.UART_SERVICE_UUID),
        (myoware.NOTIFY_UUID, myoware.UART_TX_UUID), None, (), (), None, None, "counts",
        ("MyoWareSensor", "MyoWare"),
    ),
    "openpatch": ProtocolInfo(
        "openpatch", "openpatch (DIY)", (openpatch.SERVICE_UUID,), (openpatch.DATA_UUID,),
        openpatch.CONTROL_UUID, (openpatch.START,), (openpatch.STOP,), None, None, "uV", (),
    ),
}


def detect_protocol(name: str | None, service_uuids: Iterable[str]) -> str | None:
    """The protocol key a device speaks, from its service UUIDs first, then its name."""
    uuids = {u.lower() for u in service_uuids}
    for key, info in PROTOCOLS.items():
        if uuids & {u.lower() for u in info.service_uuids}:
            return key
    if name:  # longest prefix first: "MyoWareSensor1" is MyoWare, not Myo
        prefixes = sorted(((p, k) for k, i in PROTOCOLS.items() for p in i.name_prefixes), key=lambda x: -len(x[0]))
        for prefix, key in prefixes:
            if name.startswith(prefix):
                return key
    return None
