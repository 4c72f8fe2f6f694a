"""A fake ``org.bluez`` on a private D-Bus, so the unmodified bleak BlueZ backend can be tested.

It speaks just enough of the BlueZ D-Bus API (doc/org.bluez.*.rst) for bleak to scan, connect,
resolve services, read, write, subscribe to notifications and notice a dropped link:
``ObjectManager.GetManagedObjects`` at ``/``, ``Properties.Get/GetAll/Set``, Adapter1
discovery methods, Device1 ``Connect/Disconnect/Pair``, GattCharacteristic1
``ReadValue/WriteValue/StartNotify/StopNotify``; and the signals bleak lives on afterwards:
``InterfacesAdded/Removed`` on ``/`` and ``PropertiesChanged`` on each object. ``NotifyAcquired``
is not offered, so bleak uses StartNotify (its default). Built on dbus-fast's low-level API in a
thread with its own event loop; written for GluteFire's tests (test infrastructure only).
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from dbus_fast import Message, MessageType, Variant
from dbus_fast.aio import MessageBus

ADAPTER = "/org/bluez/hci0"
IFACE_ADAPTER = "org.bluez.Adapter1"
IFACE_DEVICE = "org.bluez.Device1"
IFACE_SERVICE = "org.bluez.GattService1"
IFACE_CHAR = "org.bluez.GattCharacteristic1"
IFACE_PROPS = "org.freedesktop.DBus.Properties"
IFACE_OM = "org.freedesktop.DBus.ObjectManager"
FLOW_CONTROL_EVERY = 50  # a cheap round trip every N signals keeps the socket buffer from filling


@dataclass
class FakeCharacteristic:
    uuid: str
    flags: list[str]
    value: bytes = b""
    on_write: Callable[[bytes], None] | None = None
    on_subscribe: Callable[[], None] | None = None  # devices that stream once subscribed


@dataclass
class FakeService:
    uuid: str
    characteristics: list[FakeCharacteristic]


@dataclass
class FakeDevice:
    address: str
    name: str
    services: list[FakeService]
    rssi: int = -55
    advertised_uuids: list[str] | None = None  # default: every service UUID
    connect_delay_s: float = 0.0
    # filled in by FakeBlueZ
    connected: bool = False
    present: bool = True
    paths: dict[str, str] = field(default_factory=dict)  # char uuid -> object path
    notifying: set[str] = field(default_factory=set)  # char paths

    @property
    def path(self) -> str:
        return f"{ADAPTER}/dev_{self.address.replace(':', '_').upper()}"


class FakeBlueZ:
    """The fake service; public methods are thread-safe and may be called from any thread."""

    def __init__(self, bus_address: str) -> None:
        self.bus_address = bus_address
        self.devices: dict[str, FakeDevice] = {}
        self.discovering = False
        self.discovery_filter: dict[str, Any] = {}
        self.writes: list[tuple[str, str, bytes]] = []  # (address, char uuid, value)
        self.loop: asyncio.AbstractEventLoop | None = None
        self.bus: MessageBus | None = None
        self._thread: threading.Thread | None = None
        self._ready = threading.Event()
        self._stopped: asyncio.Event | None = None
        self._adv_task: asyncio.Task[None] | None = None
        self._send_count = 0
        self._error: BaseException | None = None

    # -- lifetime ------------------------------------------------------------------------------
    def start(self) -> FakeBlueZ:
        self._thread = threading.Thread(target=self._run, name="fake-bluez", daemon=True)
        self._thread.start()
        if not self._ready.wait(10) or self._error:
            raise RuntimeError(f"fake BlueZ did not start: {self._error}")
        return self

    def _run(self) -> None:
        self.loop = asyncio.new_event_loop()
        asyncio.set_event_loop(self.loop)
        try:
            self.loop.run_until_complete(self._main())
        except BaseException as exc:
            self._error = exc
            self._ready.set()
        finally:
            self.loop.close()

    async def _main(self) -> None:
        self._stopped = asyncio.Event()
        self.bus = await MessageBus(bus_address=self.bus_address).connect()
        await self.bus.request_name("org.bluez")
        self.bus.add_message_handler(self._handle)
        self._ready.set()
        await self._stopped.wait()
        others = [t for t in asyncio.all_tasks() if t is not asyncio.current_task()]
        for t in others:  # streams still running, the advertiser
            t.cancel()
        await asyncio.gather(*others, return_exceptions=True)
        self.bus.disconnect()

    def stop(self) -> None:
        if self.loop is not None and self._stopped is not None and not self.loop.is_closed():
            self.loop.call_soon_threadsafe(self._stopped.set)
        if self._thread is not None:
            self._thread.join(5)

    def _call(self, fn: Callable[[], Any]) -> Any:
        """Run ``fn`` on the fake's loop and return its result."""
        assert self.loop is not None
        fut: concurrent.futures.Future[Any] = concurrent.futures.Future()

        def run() -> None:
            try:
                fut.set_result(fn())
            except BaseException as exc:
                fut.set_exception(exc)

        self.loop.call_soon_threadsafe(run)
        return fut.result(10)

    # -- D-Bus helpers -------------------------------------------------------------------------
    def _signal(self, path: str, interface: str, member: str, signature: str, body: list[Any]) -> None:
        assert self.bus is not None
        self.bus.send(Message.new_signal(path, interface, member, signature, body))
        self._send_count += 1

    def _changed(self, path: str, interface: str, props: dict[str, Variant]) -> None:
        self._signal(path, IFACE_PROPS, "PropertiesChanged", "sa{sv}as", [interface, props, []])

    def _device_props(self, d: FakeDevice) -> dict[str, Variant]:
        uuids = d.advertised_uuids if d.advertised_uuids is not None else [s.uuid for s in d.services]
        return {
            "Address": Variant("s", d.address),
            "AddressType": Variant("s", "public"),
            "Name": Variant("s", d.name),
            "Alias": Variant("s", d.name),
            "Adapter": Variant("o", ADAPTER),
            "Paired": Variant("b", False),
            "Bonded": Variant("b", False),
            "Trusted": Variant("b", False),
            "Blocked": Variant("b", False),
            "LegacyPairing": Variant("b", False),
            "Connected": Variant("b", d.connected),
            "ServicesResolved": Variant("b", d.connected),
            "UUIDs": Variant("as", [u.lower() for u in uuids]),
            "RSSI": Variant("n", d.rssi),
        }

    def _gatt_objects(self, d: FakeDevice) -> dict[str, dict[str, dict[str, Variant]]]:
        objs: dict[str, dict[str, dict[str, Variant]]] = {}
        handle = 0x000C
        for svc in d.services:
            spath = f"{d.path}/service{handle:04x}"
            objs[spath] = {
                IFACE_SERVICE: {
                    "UUID": Variant("s", svc.uuid.lower()),
                    "Device": Variant("o", d.path),
                    "Primary": Variant("b", True),
                    "Includes": Variant("ao", []),
                }
            }
            handle += 1
            for ch in svc.characteristics:
                cpath = f"{spath}/char{handle:04x}"
                d.paths[ch.uuid.lower()] = cpath
                objs[cpath] = {
                    IFACE_CHAR: {
                        "UUID": Variant("s", ch.uuid.lower()),
                        "Service": Variant("o", spath),
                        "Value": Variant("ay", bytes(ch.value)),
                        "Notifying": Variant("b", False),
                        "Flags": Variant("as", ch.flags),
                        "MTU": Variant("q", 247),
                    }
                }
                handle += 2
            handle += 1
        return objs

    def _objects(self) -> dict[str, dict[str, dict[str, Variant]]]:
        objs: dict[str, dict[str, dict[str, Variant]]] = {
            ADAPTER: {
                IFACE_ADAPTER: {
                    "Address": Variant("s", "00:11:22:33:44:55"),
                    "AddressType": Variant("s", "public"),
                    "Name": Variant("s", "fake-hci0"),
                    "Alias": Variant("s", "fake-hci0"),
                    "Powered": Variant("b", True),
                    "Discoverable": Variant("b", False),
                    "Pairable": Variant("b", True),
                    "Discovering": Variant("b", self.discovering),
                    "UUIDs": Variant("as", []),
                    "Roles": Variant("as", ["central", "peripheral"]),
                }
            }
        }
        for d in self.devices.values():
            if not d.present:
                continue
            objs[d.path] = {IFACE_DEVICE: self._device_props(d)}
            if d.connected:
                objs.update(self._gatt_objects(d))
        return objs

    def _find_path(self, path: str) -> tuple[FakeDevice | None, FakeCharacteristic | None]:
        for d in self.devices.values():
            if not d.present:
                continue
            if path == d.path:
                return d, None
            for svc in d.services:
                for ch in svc.characteristics:
                    if d.paths.get(ch.uuid.lower()) == path and d.connected:
                        return d, ch
        return None, None

    # -- method calls ----------------------------------------------------------------------------
    def _handle(self, msg: Message) -> Message | bool | None:
        if msg.message_type != MessageType.METHOD_CALL or msg.destination != "org.bluez":
            return None
        try:
            return self._dispatch(msg)
        except _DBusError as err:
            return Message.new_error(msg, err.name, err.text)

    def _dispatch(self, msg: Message) -> Message:
        iface, member, path = msg.interface, msg.member, msg.path or ""
        if iface == IFACE_OM and member == "GetManagedObjects":
            return Message.new_method_return(msg, "a{oa{sa{sv}}}", [self._objects()])
        if iface == IFACE_PROPS:
            objs = self._objects()
            if path not in objs:
                raise _DBusError("org.freedesktop.DBus.Error.UnknownObject", f"no object {path}")
            if member == "GetAll":
                return Message.new_method_return(msg, "a{sv}", [objs[path].get(msg.body[0], {})])
            if member == "Get":
                value = objs[path].get(msg.body[0], {}).get(msg.body[1])
                if value is None:
                    raise _DBusError("org.freedesktop.DBus.Error.InvalidArgs", "no such property")
                return Message.new_method_return(msg, "v", [value])
            if member == "Set":
                return Message.new_method_return(msg)
        if iface == IFACE_ADAPTER and path == ADAPTER:
            return self._adapter_call(msg, member or "")
        dev, ch = self._find_path(path)
        if dev is None:
            raise _DBusError("org.freedesktop.DBus.Error.UnknownObject", f"no object {path}")
        if iface == IFACE_DEVICE and ch is None:
            return self._device_call(msg, dev, member or "")
        if iface == IFACE_CHAR and ch is not None:
            return self._char_call(msg, dev, ch, path, member or "")
        raise _DBusError("org.freedesktop.DBus.Error.UnknownMethod", f"{iface}.{member}")

    def _adapter_call(self, msg: Message, member: str) -> Message:
        if member == "SetDiscoveryFilter":
            self.discovery_filter = {k: v.value for k, v in msg.body[0].items()}
            return Message.new_method_return(msg)
        if member == "GetDiscoveryFilters":
            return Message.new_method_return(msg, "as", [["UUIDs", "RSSI", "Transport", "DuplicateData"]])
        if member == "StartDiscovery":
            self.discovering = True
            self._changed(ADAPTER, IFACE_ADAPTER, {"Discovering": Variant("b", True)})
            if self._adv_task is None or self._adv_task.done():
                self._adv_task = asyncio.get_running_loop().create_task(self._advertise())
            return Message.new_method_return(msg)
        if member == "StopDiscovery":
            self.discovering = False
            self._changed(ADAPTER, IFACE_ADAPTER, {"Discovering": Variant("b", False)})
            return Message.new_method_return(msg)
        if member == "RemoveDevice":
            for d in self.devices.values():
                if d.path == msg.body[0] and d.present and not d.connected:
                    self._remove(d)
            return Message.new_method_return(msg)
        raise _DBusError("org.freedesktop.DBus.Error.UnknownMethod", member)

    async def _advertise(self) -> None:
        """While discovering, every device 'advertises' (an RSSI change) every 100 ms."""
        k = 0
        while self.discovering:
            k += 1
            for d in list(self.devices.values()):
                if d.present and not d.connected:
                    if self._allowed(d):
                        self._changed(d.path, IFACE_DEVICE, {"RSSI": Variant("n", d.rssi - (k % 3))})
            await asyncio.sleep(0.1)

    def _allowed(self, d: FakeDevice) -> bool:
        wanted = {u.lower() for u in self.discovery_filter.get("UUIDs", [])}
        if not wanted:
            return True
        uuids = d.advertised_uuids if d.advertised_uuids is not None else [s.uuid for s in d.services]
        return bool(wanted & {u.lower() for u in uuids})

    def _device_call(self, msg: Message, d: FakeDevice, member: str) -> Message:
        if member == "Connect":
            if not d.connected:
                d.connected = True
                self._changed(d.path, IFACE_DEVICE, {"Connected": Variant("b", True)})
                asyncio.get_running_loop().call_later(d.connect_delay_s + 0.01, self._resolve_services, d)
            return Message.new_method_return(msg)
        if member == "Disconnect":
            if d.connected:
                self._drop(d)
            return Message.new_method_return(msg)
        if member == "Pair":
            return Message.new_method_return(msg)
        raise _DBusError("org.freedesktop.DBus.Error.UnknownMethod", member)

    def _resolve_services(self, d: FakeDevice) -> None:
        if not d.connected:
            return
        for path, ifaces in self._gatt_objects(d).items():
            self._signal("/", IFACE_OM, "InterfacesAdded", "oa{sa{sv}}", [path, ifaces])
        self._changed(d.path, IFACE_DEVICE, {"ServicesResolved": Variant("b", True)})

    def _char_call(self, msg: Message, d: FakeDevice, ch: FakeCharacteristic, path: str, member: str) -> Message:
        if member == "ReadValue":
            return Message.new_method_return(msg, "ay", [bytes(ch.value)])
        if member == "WriteValue":
            value = bytes(msg.body[0])
            self.writes.append((d.address, ch.uuid.lower(), value))
            if ch.on_write is not None:
                ch.on_write(value)
            return Message.new_method_return(msg)
        if member == "StartNotify":
            d.notifying.add(path)
            self._changed(path, IFACE_CHAR, {"Notifying": Variant("b", True)})
            if ch.on_subscribe is not None:
                asyncio.get_running_loop().call_soon(ch.on_subscribe)
            return Message.new_method_return(msg)
        if member == "StopNotify":
            d.notifying.discard(path)
            self._changed(path, IFACE_CHAR, {"Notifying": Variant("b", False)})
            return Message.new_method_return(msg)
        raise _DBusError("org.freedesktop.DBus.Error.UnknownMethod", member)

    def _drop(self, d: FakeDevice) -> None:
        self._changed(d.path, IFACE_DEVICE, {"ServicesResolved": Variant("b", False)})
        for path, ifaces in self._gatt_objects(d).items():
            self._signal("/", IFACE_OM, "InterfacesRemoved", "oas", [path, list(ifaces)])
        d.notifying.clear()
        d.connected = False
        self._changed(d.path, IFACE_DEVICE, {"Connected": Variant("b", False)})

    def _remove(self, d: FakeDevice) -> None:
        d.present = False
        self._signal("/", IFACE_OM, "InterfacesRemoved", "oas", [d.path, [IFACE_DEVICE]])

    def _add(self, d: FakeDevice) -> None:
        d.present = True
        self._signal("/", IFACE_OM, "InterfacesAdded", "oa{sa{sv}}", [d.path, {IFACE_DEVICE: self._device_props(d)}])

    # -- public, thread-safe -------------------------------------------------------------------
    def add_device(self, dev: FakeDevice) -> None:
        def run() -> None:
            self.devices[dev.address] = dev
            self._add(dev)

        self._call(run)

    def remove_device(self, address: str) -> None:
        self._call(lambda: self._remove(self.devices[address]))

    def connected(self, address: str) -> bool:
        return self.devices[address].connected

    def is_notifying(self, address: str, char_uuid: str) -> bool:
        d = self.devices[address]
        return d.paths.get(char_uuid.lower()) in d.notifying

    def wait_notifying(self, address: str, char_uuid: str, timeout: float = 10.0) -> bool:
        import time

        end = time.monotonic() + timeout
        while time.monotonic() < end:
            if self.is_notifying(address, char_uuid):
                return True
            time.sleep(0.01)
        return False

    def drop_link(self, address: str, forget: bool = False) -> None:
        """An unexpected disconnect (out of range, battery); ``forget``: BlueZ drops the device."""

        def run() -> None:
            d = self.devices[address]
            if d.connected:
                self._drop(d)
            if forget:
                self._remove(d)

        self._call(run)

    def restore(self, address: str) -> None:
        """The device advertises again (re-added to the tree if it was forgotten)."""

        def run() -> None:
            d = self.devices[address]
            if not d.present:
                self._add(d)

        self._call(run)

    async def _notify_batch(self, d: FakeDevice, path: str, payloads: list[bytes]) -> int:
        assert self.bus is not None
        sent = 0
        for p in payloads:
            if path not in d.notifying or not d.connected:
                break
            self._changed(path, IFACE_CHAR, {"Value": Variant("ay", bytes(p))})
            sent += 1
            if self._send_count % FLOW_CONTROL_EVERY == 0:
                await self.bus.call(
                    Message(destination="org.freedesktop.DBus", path="/org/freedesktop/DBus",
                            interface="org.freedesktop.DBus", member="GetId")
                )
        return sent

    def notify_many(self, address: str, char_uuid: str, payloads: list[bytes]) -> int:
        """Send notifications now (flow-controlled); returns how many went out."""
        assert self.loop is not None
        d = self.devices[address]
        path = d.paths.get(char_uuid.lower(), "")
        return asyncio.run_coroutine_threadsafe(self._notify_batch(d, path, payloads), self.loop).result(60)

    def notify(self, address: str, char_uuid: str, payload: bytes) -> int:
        return self.notify_many(address, char_uuid, [payload])

    def stream(
        self, address: str, char_uuid: str | list[str], payloads: list[bytes] | list[tuple[int, bytes]],
        per_second: float,
    ) -> concurrent.futures.Future[int]:
        """Send ``payloads`` paced at ``per_second`` (a device's real rate), in 10 ms batches.

        With several characteristics (Myo), items are (index, payload). Stops early when the link
        drops; the result is how many were sent.
        """
        assert self.loop is not None
        uuids = [char_uuid] if isinstance(char_uuid, str) else char_uuid

        async def run() -> int:
            d = self.devices[address]
            loop = asyncio.get_running_loop()
            t0 = loop.time()
            sent = 0
            while sent < len(payloads):
                due = min(len(payloads), int((loop.time() - t0) * per_second) + 1)
                while sent < due:
                    item = payloads[sent]
                    idx, p = item if isinstance(item, tuple) else (0, item)
                    path = d.paths.get(uuids[idx].lower(), "")
                    if not await self._notify_batch(d, path, [p]):
                        return sent
                    sent += 1
                await asyncio.sleep(0.01)
            return sent

        return asyncio.run_coroutine_threadsafe(run(), self.loop)


class _DBusError(Exception):
    def __init__(self, name: str, text: str) -> None:
        super().__init__(text)
        self.name = name
        self.text = text
