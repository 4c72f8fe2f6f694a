"""Bluetooth LE EMG patches through bleak: scanning, a ``Source`` per patch, automatic reconnect.

Everything bleak does happens on the one ``BleLoop`` thread. Notification callbacks only decode
(``app/devices/protocols``) and hand a ``Block`` to the consumer (which copies it into the ring
buffer). Rare happenings — connected, link lost, link restored, battery, error — go to the
``on_event`` callback, which the UI turns into Qt signals / messages.

After an unexpected drop the source keeps trying with backoff (0.5 s doubling to 5 s), rescanning
for a fresh ``BLEDevice`` each time because BlueZ may have forgotten the old one. Time keeps
running: the first block after the outage carries ``lost_before`` = the samples the outage ate.
"""

from __future__ import annotations

import asyncio
import logging
import threading
import time
from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np
from bleak import BleakClient, BleakScanner
from bleak.backends.device import BLEDevice
from bleak.backends.scanner import AdvertisementData

from app.devices.ble_adapters import ADAPTERS, ProtocolAdapter, make_adapter
from app.devices.ble_errors import explain
from app.devices.ble_loop import BleLoop, shared_loop
from app.devices.protocols import PROTOCOLS, detect_protocol
from app.devices.source import Block, ChannelInfo, EventKind, Source, SourceEvent
from app.errors import UserError

log = logging.getLogger(__name__)

BATTERY_LEVEL_UUID = "00002a19-0000-1000-8000-00805f9b34fb"
RECONNECT_BACKOFF_S = (0.5, 1.0, 2.0, 4.0, 5.0)


@dataclass(frozen=True)
class FoundDevice:
    """A recognised EMG patch seen while scanning."""

    address: str
    name: str
    protocol: str
    rssi: int

    def line(self) -> str:
        return f"{self.address}  {self.name or '(no name)'}  {PROTOCOLS[self.protocol].name}  {self.rssi} dBm"


def _all_service_uuids() -> list[str]:
    out: list[str] = []
    for info in PROTOCOLS.values():
        out += [u.lower() for u in info.service_uuids]
    return sorted(set(out))


async def scan_async(seconds: float) -> list[FoundDevice]:
    """Scan for ``seconds`` with the known service UUIDs as filter; strongest signal first."""
    found: dict[str, FoundDevice] = {}

    def seen(device: BLEDevice, adv: AdvertisementData) -> None:
        name = adv.local_name or device.name or ""
        proto = detect_protocol(name, adv.service_uuids)
        if proto is not None:
            found[device.address] = FoundDevice(device.address, name, proto, int(adv.rssi))

    async with BleakScanner(detection_callback=seen, service_uuids=_all_service_uuids()):
        await asyncio.sleep(seconds)
    return sorted(found.values(), key=lambda d: -d.rssi)


def scan(seconds: float = 5.0, loop: BleLoop | None = None) -> list[FoundDevice]:
    """Blocking scan from any thread but the loop's; Bluetooth problems become ``UserError``."""
    loop = loop or shared_loop()
    try:
        return loop.run(scan_async(seconds), timeout=seconds + 15.0)
    except Exception as exc:
        raise explain(exc) from None


def _looks_like_address(target: str) -> bool:
    parts = target.split(":")
    return (len(parts) == 6 and all(len(p) == 2 for p in parts)) or (len(target) == 36 and target.count("-") == 4)


async def _find(target: str, timeout: float) -> tuple[BLEDevice, AdvertisementData] | None:
    """A fresh BLEDevice by address (or macOS UUID) or advertised name."""
    want = target.lower()

    def match(d: BLEDevice, ad: AdvertisementData) -> bool:
        if _looks_like_address(target):
            return d.address.lower() == want
        return (ad.local_name or d.name or "").lower() == want

    async with BleakScanner(service_uuids=_all_service_uuids()) as scanner:
        try:
            async with asyncio.timeout(timeout):
                async for d, ad in scanner.advertisement_data():
                    if match(d, ad):
                        return d, ad
        except TimeoutError:
            return None
    return None


#: how much earlier than its time a burst of notifications may arrive (BLE connection events)
MAX_JITTER_S = 1.0


class BleSource(Source):
    """A Bluetooth LE EMG patch as a ``Source``: ``open()`` connects, ``start()`` streams."""

    kind = "ble"

    def __init__(
        self,
        target: str,
        protocol: str | None = None,
        labels: Iterable[str] | None = None,
        loop: BleLoop | None = None,
        connect_timeout: float = 20.0,
        reconnect: bool = True,
    ) -> None:
        super().__init__()
        if protocol is not None and protocol not in ADAPTERS:
            raise UserError(f"Unknown protocol {protocol!r}; choose one of: {', '.join(ADAPTERS)}.")
        self.target = target
        self.protocol = protocol
        self._labels = tuple(labels) if labels else None
        self.loop = loop or shared_loop()
        self.connect_timeout = connect_timeout
        self.reconnect = reconnect
        self.name = target
        self.address = target
        self.adapter: ProtocolAdapter | None = None
        self._client: BleakClient | None = None
        self._streaming = False
        self._stopping = False
        self._pending: list[Block] = []
        self._first_data = threading.Event()
        self._lost_at: float | None = None
        self._last_data_at: float | None = None
        self._reconnect_task: asyncio.Task[None] | None = None
        self.reconnects = 0

    # -- Source --------------------------------------------------------------------------------
    @property
    def channels(self) -> tuple[ChannelInfo, ...]:
        if self.adapter is None:
            raise RuntimeError("open() the patch first")
        n = self.adapter.n_channels
        labels = self._labels or tuple(f"ch{i + 1}" for i in range(n))
        if len(labels) != n:
            raise UserError(f"The patch has {n} channels but {len(labels)} labels were given.")
        return tuple(ChannelInfo(lb, self.adapter.unit) for lb in labels)

    def use_labels(self, labels: Iterable[str] | None) -> bool:
        """After ``open``: name the channels ``labels`` when the patch has that many, else ch1..chN.
        Returns whether the labels were taken."""
        wanted = tuple(labels) if labels else None
        n = self.adapter.n_channels if self.adapter is not None else None
        self._labels = wanted if wanted is not None and len(wanted) == n else None
        return self._labels is not None

    @property
    def signal_kind(self) -> str:  # type: ignore[override]
        return self.adapter.signal_kind if self.adapter is not None else "raw"

    @property
    def sample_rate_hz(self) -> float:
        if self.adapter is None:
            raise RuntimeError("open() the patch first")
        return self.adapter.sample_rate_hz

    def metadata(self) -> dict[str, str]:
        meta = {"address": self.address, "protocol": self.protocol or ""}
        if self.adapter is not None:
            meta.update(self.adapter.metadata())
        if self.stats.battery_percent is not None:
            meta["battery_percent"] = str(self.stats.battery_percent)
        return meta

    def open(self, timeout: float | None = None) -> None:
        """Find, connect, set up and wait for the first data; ``UserError`` on any failure."""
        timeout = timeout or self.connect_timeout
        try:
            self.loop.run(self._open(timeout), timeout=timeout + 10.0)
        except Exception as exc:
            try:
                self.loop.run(self._close(), timeout=10.0)
            except Exception:  # the open already failed; that is what the person hears about
                log.warning("closing %s after a failed open failed too", self.target, exc_info=True)
            raise explain(exc, self.target) from None
        if not self._first_data.wait(timeout):
            self.close()
            raise UserError(f"The patch {self.target} connected but sent no data within {timeout:g} s.")

    def _start(self) -> None:
        if self.adapter is None:
            self.open()
        pending, self._pending = self._pending, []
        self._streaming = True
        self.stats.started_at = time.monotonic()
        self._emit_event(SourceEvent(EventKind.CONNECTED, f"Connected to {self.name}."))
        for b in pending:
            self._emit_block(b)

    def _stop(self) -> None:
        self._streaming = False
        self.close()

    def close(self) -> None:
        self._stopping = True
        if self.loop.running:
            try:
                self.loop.run(self._close(), timeout=10.0)
            except Exception:  # the device may be gone already; closing must not fail the caller
                log.warning("disconnecting %s failed", self.name, exc_info=True)

    # -- bleak side (loop thread) ------------------------------------------------------------
    async def _connect_once(self, timeout: float) -> None:
        found = await _find(self.target, timeout)
        if found is None:
            raise UserError(f"The patch {self.target} was not found; is it switched on and close by?")
        device, adv = found
        self.address = device.address
        self.name = adv.local_name or device.name or device.address
        proto = self.protocol or detect_protocol(self.name, adv.service_uuids)
        client = BleakClient(device, disconnected_callback=self._on_disconnect, timeout=timeout)
        await client.connect()
        if proto is None:  # not recognisable from the advertisement: look at the services
            uuids = [s.uuid for s in client.services]
            proto = detect_protocol(self.name, uuids)
        if proto is None:
            await client.disconnect()
            raise UserError(f"{self.name} is not a supported EMG patch (no known service found).")
        self.protocol = proto
        self.kind = proto
        if self.adapter is None:
            self.adapter = make_adapter(proto)
        self._client = client
        await self.adapter.setup(client)
        await self._battery(client)
        await self.adapter.start(client, self._on_decoded)

    async def _open(self, timeout: float) -> None:
        self._stopping = False
        await self._connect_once(timeout)

    async def _battery(self, client: BleakClient) -> None:
        for service in client.services:
            for ch in service.characteristics:
                if ch.uuid.lower() != BATTERY_LEVEL_UUID:
                    continue
                try:
                    if "read" in ch.properties:
                        value = await client.read_gatt_char(ch)
                        if value:
                            self._emit_event(SourceEvent(EventKind.BATTERY, f"Battery {value[0]}%.", float(value[0])))
                    if "notify" in ch.properties:
                        await client.start_notify(ch, self._on_battery)
                except Exception:  # battery is extra: a patch that refuses it still streams
                    log.info("battery level of %s not readable", self.name, exc_info=True)
                return

    def _on_battery(self, _char: object, data: bytearray) -> None:
        """Battery level notification (0x2A19: one byte, percent)."""
        if data:
            self._emit_event(SourceEvent(EventKind.BATTERY, f"Battery {data[0]}%.", float(data[0])))

    async def _close(self) -> None:
        if self._reconnect_task is not None:
            self._reconnect_task.cancel()
            self._reconnect_task = None
        client, self._client = self._client, None
        if client is not None and client.is_connected:
            try:
                if self.adapter is not None:
                    await self.adapter.stop(client)
            finally:
                await client.disconnect()

    def _on_decoded(self, samples: np.ndarray, lost_samples: int, lost_packets: int = 0, malformed: int = 0) -> None:
        """Adapter callback on the loop thread: one decoded notification."""
        if malformed:
            self.stats.malformed += malformed
        self.stats.lost_packets += lost_packets
        if samples.shape[1] == 0 and not lost_samples:
            return
        now = time.monotonic()
        lost = lost_samples
        if lost and self._last_data_at is not None and self._lost_at is None:
            # a sequence jump longer than the time that passed is a protocol fault (a corrupt or
            # hostile counter), not lost time: one packet claiming 2 h of loss made 7.5 M blank rows
            plausible = int((now - self._last_data_at + MAX_JITTER_S) * self.sample_rate_hz)
            if lost > plausible:
                self.stats.malformed += 1
                lost = max(0, int(round((now - self._last_data_at) * self.sample_rate_hz)) - samples.shape[1])
        if self._lost_at is not None:
            # the outage: time kept running while no sample arrived
            outage = now - (self._last_data_at or self._lost_at)
            lost += max(0, int(round(outage * self.sample_rate_hz)) - samples.shape[1])
            self._lost_at = None
        self._last_data_at = now
        block = Block(samples, lost_before=lost, received_at=now)
        self._first_data.set()
        if self._streaming:
            self._emit_block(block)
        else:
            self._pending.append(block)
            del self._pending[:-200]  # before start(): keep only the newest few seconds

    def _on_disconnect(self, _client: BleakClient) -> None:
        if self._stopping or not self._streaming:
            return
        self._lost_at = time.monotonic()
        self._emit_event(SourceEvent(EventKind.LINK_LOST, f"Lost the link to {self.name}; reconnecting…"))
        if self.reconnect:
            self._reconnect_task = asyncio.get_running_loop().create_task(self._reconnect_forever())

    async def _reconnect_forever(self) -> None:
        attempt = 0
        while not self._stopping:
            delay = RECONNECT_BACKOFF_S[min(attempt, len(RECONNECT_BACKOFF_S) - 1)]
            await asyncio.sleep(delay)
            attempt += 1
            try:
                old, self._client = self._client, None
                if old is not None:  # releases the dead connection's own D-Bus socket
                    try:
                        await old.disconnect()
                    except Exception:  # the old link is dead anyway
                        log.debug("releasing the dead connection to %s failed", self.name, exc_info=True)
                await self._connect_once(timeout=max(5.0, delay * 2))
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                log.info("reconnect attempt %d to %s failed: %s", attempt, self.name, exc)
                if attempt % 5 == 0:
                    self._emit_event(SourceEvent(EventKind.INFO, f"Still reconnecting: {explain(exc, self.name)}"))
                continue
            self.reconnects += 1
            self._emit_event(SourceEvent(EventKind.LINK_RESTORED, f"Link to {self.name} restored."))
            return
