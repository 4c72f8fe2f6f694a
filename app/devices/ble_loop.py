"""One asyncio event loop in one dedicated thread, for bleak, for the app's lifetime.

bleak objects must never be shared across loops, and Qt-integrated loops (qasync, QtAsyncio) do
not give bleak's Linux backend what it needs (``add_reader``) — see docs/devices.md. The UI and the
CLI call in with ``submit``/``run`` (``asyncio.run_coroutine_threadsafe``); callbacks of bleak run
on this thread and only decode and push into the ring buffer.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import logging
import threading
from collections.abc import Coroutine
from typing import Any, TypeVar

T = TypeVar("T")
log = logging.getLogger(__name__)


class BleLoop:
    """A running asyncio loop on a daemon thread."""

    def __init__(self, name: str = "ble") -> None:
        self.loop = asyncio.new_event_loop()
        self._ready = threading.Event()
        self.thread = threading.Thread(target=self._run, name=name, daemon=True)
        self.thread.start()
        self._ready.wait()

    def _run(self) -> None:
        asyncio.set_event_loop(self.loop)
        self.loop.call_soon(self._ready.set)
        self.loop.run_forever()
        # cancel what is left so nothing is destroyed while pending
        pending = asyncio.all_tasks(self.loop)
        for task in pending:
            task.cancel()
        if pending:
            self.loop.run_until_complete(asyncio.gather(*pending, return_exceptions=True))
        self.loop.run_until_complete(self.loop.shutdown_asyncgens())
        self.loop.close()

    @property
    def running(self) -> bool:
        return self.thread.is_alive() and not self.loop.is_closed()

    def submit(self, coro: Coroutine[Any, Any, T]) -> concurrent.futures.Future[T]:
        """Schedule ``coro`` on the loop from any thread."""
        return asyncio.run_coroutine_threadsafe(coro, self.loop)

    def run(self, coro: Coroutine[Any, Any, T], timeout: float | None = None) -> T:
        """Run ``coro`` on the loop and wait for its result (never call from the loop thread)."""
        if threading.current_thread() is self.thread:
            raise RuntimeError("BleLoop.run called from its own thread")
        fut = self.submit(coro)
        try:
            return fut.result(timeout)
        except concurrent.futures.TimeoutError:
            fut.cancel()
            raise

    def stop(self) -> None:
        """Release bleak's D-Bus connection for this loop (Linux), then end the thread."""
        if not self.running:
            return
        try:
            self.run(_release_bleak_bus(), timeout=5.0)
        except Exception:  # shutting down: a stuck bus must not keep the app from quitting
            log.warning("releasing bleak's D-Bus connection failed", exc_info=True)
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(timeout=5.0)


async def _release_bleak_bus() -> None:
    """bleak keeps one BlueZ manager (and D-Bus socket) per event loop; close ours."""
    try:
        from bleak.backends.bluezdbus import manager as bluez_manager
    except Exception:  # not Linux, or a bleak without the BlueZ backend: nothing to release
        return
    instances = getattr(bluez_manager, "_global_instances", {})
    mgr = instances.pop(asyncio.get_running_loop(), None)
    bus = getattr(mgr, "_bus", None)
    if bus is not None:
        bus.disconnect()
        try:
            await asyncio.wait_for(bus.wait_for_disconnect(), 2.0)
        except Exception:
            log.debug("bleak's D-Bus connection did not confirm its disconnect", exc_info=True)


_shared: BleLoop | None = None
_shared_lock = threading.Lock()


def shared_loop() -> BleLoop:
    """The app-wide loop, started on first use."""
    global _shared
    with _shared_lock:
        if _shared is None or not _shared.running:
            _shared = BleLoop()
        return _shared


def stop_shared_loop() -> None:
    """End the app-wide loop (at exit, or between tests that swap the D-Bus daemon)."""
    global _shared
    with _shared_lock:
        if _shared is not None:
            _shared.stop()
            _shared = None
