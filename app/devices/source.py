"""The one interface every signal source implements (simulated patch, BLE patches, replay).

A source runs its own thread (or asyncio loop), turns whatever the device sends into ``Block``s of
shape (channels, samples) and hands them to ``on_block``. Rare happenings (connected, link lost,
battery) go to ``on_event``. Neither callback may block: the consumer only copies into a ring
buffer. Samples never travel as Qt signals.
"""

from __future__ import annotations

import threading
import time
from abc import ABC, abstractmethod
from collections.abc import Callable
from dataclasses import dataclass, field
from enum import StrEnum

import numpy as np


@dataclass(frozen=True)
class Block:
    """Consecutive samples from a source.

    ``data`` is float64 (channels, n) in the source's units. ``seq`` is the device's packet
    sequence number of the first packet in the block (or a running count where the device has
    none). ``lost_before`` counts samples known to be missing immediately before this block
    (sequence gaps, link outages); the pipeline keeps time running across them.
    """

    data: np.ndarray
    seq: int = 0
    lost_before: int = 0
    received_at: float = field(default_factory=time.monotonic)


class EventKind(StrEnum):
    """What a ``SourceEvent`` reports. Values are the words written to recordings."""

    CONNECTED = "connected"
    DISCONNECTED = "disconnected"
    LINK_LOST = "link lost"
    LINK_RESTORED = "link restored"
    BATTERY = "battery"
    ERROR = "error"
    INFO = "info"
    MARK = "mark"  # a mark replayed from a recording (message: its note, value: its number)
    END = "end of recording"  # a replayed recording reached its last sample


@dataclass(frozen=True)
class SourceEvent:
    """A rare happening at the source; ``message`` is one sentence fit for a person."""

    kind: EventKind
    message: str = ""
    value: float | None = None
    at: float = field(default_factory=time.monotonic)


@dataclass(frozen=True)
class ChannelInfo:
    """One channel: a label (CSV column stem, muscle) and its unit ('uV' or 'counts')."""

    label: str
    unit: str = "uV"


@dataclass
class LinkStats:
    """Link health counters, updated by the source thread and read by the UI (plain ints)."""

    packets: int = 0
    lost_packets: int = 0
    lost_samples: int = 0
    malformed: int = 0
    samples: int = 0
    battery_percent: int | None = None
    started_at: float | None = None

    def effective_rate_hz(self, now: float | None = None) -> float:
        """Samples per second actually delivered since the stream started."""
        if self.started_at is None:
            return 0.0
        elapsed = (now if now is not None else time.monotonic()) - self.started_at
        return self.samples / elapsed if elapsed > 0.5 else 0.0


BlockCallback = Callable[[Block], None]
EventCallback = Callable[[SourceEvent], None]


class Source(ABC):
    """A stream of EMG blocks. ``start`` returns at once; data flows until ``stop``."""

    #: Human name shown in the source selector and written to recordings.
    name: str = "source"
    #: Short machine-readable kind for metadata ("sim", "ganglion", "myo", ...).
    kind: str = "source"
    #: "raw" surface EMG, or "envelope" for devices that send an already rectified envelope
    #: (MyoWare ENV): the pipeline shows those as they come instead of band-passing them.
    signal_kind: str = "raw"

    def __init__(self) -> None:
        self.stats = LinkStats()
        self._on_block: BlockCallback | None = None
        self._on_event: EventCallback | None = None
        self._lock = threading.Lock()

    @property
    @abstractmethod
    def channels(self) -> tuple[ChannelInfo, ...]:
        """Channel labels and units, fixed while streaming."""

    @property
    @abstractmethod
    def sample_rate_hz(self) -> float:
        """Nominal sample rate of the delivered blocks."""

    @property
    def labels(self) -> tuple[str, ...]:
        return tuple(c.label for c in self.channels)

    def metadata(self) -> dict[str, str]:
        """Extra ``key: value`` lines for recordings (firmware, address, battery...)."""
        return {}

    def open(self) -> None:  # noqa: B027 - most sources have nothing to open
        """Get ready to stream (connect to the device); may block for seconds, so callers that
        must stay responsive run it on another thread. Raises ``UserError`` when it cannot."""

    def close(self) -> None:  # noqa: B027 - most sources have nothing to release
        """Release the device after ``open`` when streaming never started (``stop`` otherwise)."""

    def start(self, on_block: BlockCallback, on_event: EventCallback | None = None) -> None:
        """Begin streaming into ``on_block``; returns immediately."""
        self._on_block = on_block
        self._on_event = on_event
        battery = self.stats.battery_percent  # may have been read while connecting
        self.stats = LinkStats(started_at=time.monotonic(), battery_percent=battery)
        self._start()

    def stop(self) -> None:
        """Stop streaming and release the device; safe to call twice."""
        self._stop()

    @abstractmethod
    def _start(self) -> None: ...

    @abstractmethod
    def _stop(self) -> None: ...

    # -- helpers for implementations -------------------------------------------------------
    def _emit_block(self, block: Block) -> None:
        self.stats.packets += 1
        self.stats.samples += block.data.shape[1]
        self.stats.lost_samples += block.lost_before
        if self._on_block is not None:
            self._on_block(block)

    def _emit_event(self, event: SourceEvent) -> None:
        if event.kind is EventKind.BATTERY and event.value is not None:
            self.stats.battery_percent = int(event.value)
        if self._on_event is not None:
            self._on_event(event)


def start_loop(current: threading.Thread | None, stop: threading.Event, loop: Callable[[], None],
               name: str) -> threading.Thread:
    """The thread a paced source runs ``loop`` on; the running one if it is still alive."""
    if current is not None and current.is_alive():
        return current
    stop.clear()
    thread = threading.Thread(target=loop, name=name, daemon=True)
    thread.start()
    return thread


def stop_loop(thread: threading.Thread | None, stop: threading.Event) -> None:
    """Ask the loop to end and wait for it (briefly), unless the loop itself is stopping its source."""
    stop.set()
    if thread is not None and thread is not threading.current_thread():
        thread.join(timeout=2.0)
