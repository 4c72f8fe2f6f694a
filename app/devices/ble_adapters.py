"""How to drive each protocol over a bleak connection: what to read, subscribe, write.

Byte decoding lives in ``app/devices/protocols`` (pure, unit-tested); these adapters only wire a
connected ``BleakClient`` to a decoder and report decoded samples through ``on_decoded``. They run
on the BLE loop thread; callbacks decode and hand over, nothing more.
"""

from __future__ import annotations

import time
from abc import ABC, abstractmethod
from collections.abc import Callable

import numpy as np
from bleak import BleakClient

from app.devices.protocols import PROTOCOLS, ganglion, myo, myoware, openpatch
from app.devices.protocols.base import Decoded
from app.devices.protocols.errors import MalformedPacket

#: (samples (channels, n), lost samples before them, lost packets, malformed payloads skipped)
OnDecoded = Callable[[np.ndarray, int, int, int], None]


def _has_char(client: BleakClient, uuid: str) -> bool:
    uuid = uuid.lower()
    return any(c.uuid.lower() == uuid for s in client.services for c in s.characteristics)


class ProtocolAdapter(ABC):
    """One device family on one connection."""

    key: str = ""
    #: "raw" EMG (band-passed and enveloped by the pipeline) or "envelope" (shown as it comes)
    signal_kind: str = "raw"

    def __init__(self) -> None:
        self.info = PROTOCOLS[self.key]
        self._on: OnDecoded | None = None

    @property
    def unit(self) -> str:
        return self.info.unit

    @property
    @abstractmethod
    def n_channels(self) -> int: ...

    @property
    @abstractmethod
    def sample_rate_hz(self) -> float: ...

    def metadata(self) -> dict[str, str]:
        return {"protocol": self.info.name}

    async def setup(self, client: BleakClient) -> None:
        """Read what decides the decoding (firmware version, variant) before streaming."""
        for uuid in self.info.notify_uuids[:1]:
            if not _has_char(client, uuid) and self.key != "myoware":
                from bleak.exc import BleakCharacteristicNotFoundError

                raise BleakCharacteristicNotFoundError(uuid)

    @abstractmethod
    async def start(self, client: BleakClient, on_decoded: OnDecoded) -> None: ...

    async def stop(self, client: BleakClient) -> None:
        if self.info.command_uuid and self.info.stop_commands and _has_char(client, self.info.command_uuid):
            for cmd in self.info.stop_commands:
                await client.write_gatt_char(self.info.command_uuid, cmd, response=True)

    def _deliver(self, decode: Callable[[], Decoded]) -> None:
        assert self._on is not None
        try:
            d = decode()
        except MalformedPacket:
            self._on(np.zeros((self.n_channels, 0)), 0, 0, 1)
            return
        self._on(d.samples, d.lost_samples, d.lost_packets, 0)

    async def _write_start(self, client: BleakClient) -> None:
        if self.info.command_uuid:
            for cmd in self.info.start_commands:
                await client.write_gatt_char(self.info.command_uuid, cmd, response=True)


class GanglionAdapter(ProtocolAdapter):
    key = "ganglion"

    def __init__(self) -> None:
        super().__init__()
        self.firmware = 3
        self.decoder = ganglion.GanglionDecoder(3)
        self.revision = ""

    n_channels = property(lambda self: ganglion.N_CHANNELS)
    sample_rate_hz = property(lambda self: ganglion.SAMPLE_RATE_HZ)

    def metadata(self) -> dict[str, str]:
        return {**super().metadata(), "firmware": self.revision or f"{self.firmware}.x (assumed)"}

    async def setup(self, client: BleakClient) -> None:
        await super().setup(client)
        if _has_char(client, ganglion.SOFTWARE_REVISION_UUID):
            raw = await client.read_gatt_char(ganglion.SOFTWARE_REVISION_UUID)
            self.revision = bytes(raw).decode("ascii", "replace").strip("\x00 ")
            self.firmware = ganglion.firmware_from_revision(self.revision)
        self.decoder = ganglion.GanglionDecoder(self.firmware)

    async def start(self, client: BleakClient, on_decoded: OnDecoded) -> None:
        self._on = on_decoded
        await client.start_notify(ganglion.NOTIFY_UUID, lambda _c, data: self._deliver(lambda: self.decoder.feed(bytes(data))))
        await self._write_start(client)


class MyoAdapter(ProtocolAdapter):
    key = "myo"
    n_channels = property(lambda self: myo.N_CHANNELS)
    sample_rate_hz = property(lambda self: myo.SAMPLE_RATE_HZ)

    def __init__(self) -> None:
        super().__init__()
        self.decoder = myo.MyoDecoder()

    def metadata(self) -> dict[str, str]:
        return {**super().metadata(), "units_note": "raw int8 counts; the Myo has no volts scale"}

    async def setup(self, client: BleakClient) -> None:
        await super().setup(client)
        self.decoder = myo.MyoDecoder()  # a new connection restarts the characteristic order

    async def start(self, client: BleakClient, on_decoded: OnDecoded) -> None:
        self._on = on_decoded
        for i, uuid in enumerate(myo.EMG_UUIDS):
            await client.start_notify(uuid, self._notify_from(i))
        await self._write_start(client)


    def _notify_from(self, index: int) -> Callable[[object, bytearray], None]:
        """The notification callback of EMG characteristic ``index`` (0..3)."""

        def on_notify(_char: object, data: bytearray) -> None:
            self._deliver(lambda: self.decoder.feed(index, bytes(data)))

        return on_notify


class MyoWareAdapter(ProtocolAdapter):
    key = "myoware"
    signal_kind = "envelope"

    def __init__(self, rate_hz: float = myoware.DEFAULT_RATE_HZ) -> None:
        super().__init__()
        self.rate_hz = rate_hz
        self.uart = False
        self.decoder = myoware.MyoWareDecoder(1, rate_hz)

    n_channels = property(lambda self: 2 if self.uart else 1)
    sample_rate_hz = property(lambda self: self.rate_hz)

    def metadata(self) -> dict[str, str]:
        return {
            **super().metadata(),
            "variant": "BLE-UART ENV,RAW" if self.uart else "ENV",
            "resampling": f"arrival-stamped, linear interpolation to {self.rate_hz:g} Hz",
        }

    async def setup(self, client: BleakClient) -> None:
        self.uart = not _has_char(client, myoware.NOTIFY_UUID) and _has_char(client, myoware.UART_TX_UUID)
        if not self.uart and not _has_char(client, myoware.NOTIFY_UUID):
            from bleak.exc import BleakCharacteristicNotFoundError

            raise BleakCharacteristicNotFoundError(myoware.NOTIFY_UUID)
        self.decoder = myoware.MyoWareDecoder(2 if self.uart else 1, self.rate_hz)

    async def start(self, client: BleakClient, on_decoded: OnDecoded) -> None:
        self._on = on_decoded
        uuid = myoware.UART_TX_UUID if self.uart else myoware.NOTIFY_UUID
        await client.start_notify(
            uuid, lambda _c, data: self._deliver(lambda: self.decoder.feed(bytes(data), time.monotonic()))
        )


class OpenPatchAdapter(ProtocolAdapter):
    key = "openpatch"

    def __init__(self) -> None:
        super().__init__()
        self.decoder = openpatch.OpenPatchDecoder()

    @property
    def n_channels(self) -> int:
        return self.decoder.n_channels or 1

    @property
    def sample_rate_hz(self) -> float:
        return self.decoder.sample_rate_hz or 1000.0

    def metadata(self) -> dict[str, str]:
        return {**super().metadata(), "uv_per_count": f"{self.decoder.uv_per_count:g}" if self.decoder.uv_per_count else ""}

    async def setup(self, client: BleakClient) -> None:
        await super().setup(client)
        self.decoder = openpatch.OpenPatchDecoder()  # the sequence restarts with the connection
        # a readable control characteristic holds the stream descriptor (docs/openpatch.md):
        # channels and rate are then known before the first packet
        for service in client.services:
            for ch in service.characteristics:
                if ch.uuid.lower() == openpatch.CONTROL_UUID and "read" in ch.properties:
                    try:
                        self.decoder.configure(bytes(await client.read_gatt_char(ch)))
                    except MalformedPacket:
                        pass  # learnt from the first packet instead

    async def start(self, client: BleakClient, on_decoded: OnDecoded) -> None:
        self._on = on_decoded
        await client.start_notify(openpatch.DATA_UUID, lambda _c, data: self._deliver(lambda: self.decoder.feed(bytes(data))))
        await self._write_start(client)


ADAPTERS: dict[str, type[ProtocolAdapter]] = {
    "ganglion": GanglionAdapter,
    "myo": MyoAdapter,
    "myoware": MyoWareAdapter,
    "openpatch": OpenPatchAdapter,
}


def make_adapter(key: str) -> ProtocolAdapter:
    return ADAPTERS[key]()
