"""Any Lab Streaming Layer EMG stream as a Source (Delsys, OpenSignals, BrainFlow's streamer, ...).

The stream is found by name, its rate, channel labels and units come from its stream info
(``desc/channels/channel/{label,unit}``, the XDF EMG meta-data conventions), and samples are
pulled on a thread of its own. Voltages in V or mV are turned into µV (the app's unit); a unit
we do not know is kept as it comes and shown as "counts".

LSL samples carry no sequence numbers, so lost samples are found from the time stamps (clock
synchronised to this computer, ``proc_clocksync``): two consecutive samples more than 1.5 sample
periods apart mean ``round(gap x rate) - 1`` samples are missing (``Block.lost_before``). Only
real gaps count; an outlet whose time stamps jitter by more than half a period shows false gaps
(docs/lsl.md). A silence longer than ``link_timeout_s`` is a link loss; the first samples after
it restore the link, and the outage itself becomes a gap of the missing samples, at most
``MAX_GAP_S`` long (a longer outage is recorded as that: the events column says how it came).
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from typing import Any

import numpy as np

from app.devices.lsl import UNIT_SCALE_TO_UV, describe, pylsl
from app.devices.source import Block, ChannelInfo, EventKind, Source, SourceEvent, start_loop, stop_loop
from app.errors import UserError

#: consecutive time stamps further apart than this many sample periods mean lost samples
GAP_PERIODS = 1.5
#: an outage is recorded as at most this long a gap (the input ring holds 30 s)
MAX_GAP_S = 20.0
PULL_TIMEOUT_S = 0.1


def channel_label(raw: str | None, index: int, taken: set[str]) -> str:
    """A CSV-safe label from an LSL channel label ('EMG 1' -> 'EMG_1'); ch<N> when it has none
    or the same label came before."""
    label = "".join(c if c.isalnum() else "_" for c in (raw or "").strip()).strip("_")
    if not label or label in taken:
        label = f"ch{index + 1}"
    taken.add(label)
    return label


def lost_before(timestamps: np.ndarray, previous: float | None, fs: float) -> np.ndarray:
    """Samples missing before each sample, from its time stamp and the one before it."""
    ts = np.asarray(timestamps, dtype=np.float64)
    prev = np.concatenate(([ts[0] if previous is None else previous], ts[:-1]))
    gap = (ts - prev) * fs
    lost = np.where(gap > GAP_PERIODS, np.rint(gap) - 1, 0)
    return np.minimum(lost, int(MAX_GAP_S * fs)).astype(np.int64)


class LslSource(Source):
    """An LSL stream of numeric samples at a regular rate, found by its name."""

    kind = "lsl"

    def __init__(self, stream_name: str, resolve_s: float = 3.0, link_timeout_s: float = 1.5) -> None:
        super().__init__()
        if not stream_name.strip():
            raise UserError("Name the LSL stream to connect to (glutefire scan --lsl lists them).")
        self.stream_name = stream_name
        self.name = f"LSL {stream_name}"
        self.resolve_s = resolve_s
        self.link_timeout_s = link_timeout_s
        self._inlet: Any = None
        self._channels: tuple[ChannelInfo, ...] | None = None
        self._scale = np.ones(0)
        self._fs = 0.0
        self._meta: dict[str, str] = {}
        self._thread: threading.Thread | None = None
        self._stop_evt = threading.Event()

    # -- what it streams ----------------------------------------------------------------------
    @property
    def channels(self) -> tuple[ChannelInfo, ...]:
        if self._channels is None:
            raise RuntimeError("open() the LSL stream first")
        return self._channels

    @property
    def sample_rate_hz(self) -> float:
        if self._channels is None:
            raise RuntimeError("open() the LSL stream first")
        return self._fs

    def metadata(self) -> dict[str, str]:
        return dict(self._meta)

    # -- connecting ---------------------------------------------------------------------------
    def _resolve(self, timeout: float) -> Any:
        """The stream's info (EMG-typed first when several share the name), or None."""
        found = pylsl().resolve_byprop("name", self.stream_name, minimum=1, timeout=timeout)
        found.sort(key=lambda i: i.type().upper() != "EMG")
        return found[0] if found else None

    def _inlet_for(self, info: Any) -> Any:
        lsl = pylsl()
        return lsl.StreamInlet(info, max_buflen=60, recover=True, processing_flags=lsl.proc_clocksync, as_numpy=True)

    def open(self) -> None:
        lsl = pylsl()
        info = self._resolve(self.resolve_s)
        if info is None:
            raise UserError(f"No LSL stream named {self.stream_name!r} answered within {self.resolve_s:g} s; is the "
                            "program that sends it running? (glutefire scan --lsl lists the streams.)")
        found = describe(info)
        if not found.numeric:
            raise UserError(f"The LSL stream {self.stream_name!r} sends text (markers), not EMG samples.")
        if found.sample_rate_hz <= 0:
            raise UserError(f"The LSL stream {self.stream_name!r} has no regular sample rate; EMG needs one.")
        inlet = self._inlet_for(info)
        try:
            full = inlet.info(timeout=self.resolve_s)
        except lsl.util.TimeoutError:
            raise UserError(f"The LSL stream {self.stream_name!r} did not send its description within "
                            f"{self.resolve_s:g} s.") from None
        n = found.channel_count
        labels = full.get_channel_labels() or [None] * n
        units = full.get_channel_units() or [None] * n
        taken: set[str] = set()
        channels, scale = [], []
        for i in range(n):
            unit = (units[i] if i < len(units) else None) or ""
            factor = UNIT_SCALE_TO_UV.get(unit.strip().lower()) if unit else 1.0  # no unit: µV, as EMG streams send
            channels.append(ChannelInfo(channel_label(labels[i] if i < len(labels) else None, i, taken),
                                        "uV" if factor is not None else "counts"))
            scale.append(factor if factor is not None else 1.0)
        self._inlet, self._fs, self._channels, self._scale = inlet, found.sample_rate_hz, tuple(channels), np.array(scale)
        self._meta = {"lsl_stream": found.name, "lsl_type": found.type, "lsl_source_id": found.source_id,
                      "lsl_host": found.hostname, "lsl_units": ",".join(u or "" for u in units)}

    def close(self) -> None:
        inlet, self._inlet = self._inlet, None
        if inlet is not None:
            inlet.close_stream()

    # -- streaming ----------------------------------------------------------------------------
    def _start(self) -> None:
        if self._inlet is None:
            self.open()
        self._thread = start_loop(self._thread, self._stop_evt, self._run, "lsl-inlet")

    def _stop(self) -> None:
        stop_loop(self._thread, self._stop_evt)
        self._thread = None
        self.close()

    def _run(self) -> None:
        lsl = pylsl()
        max_n = max(1, int(self._fs * 0.1))
        previous: float | None = None
        seq = 0
        lost = False
        heard = time.monotonic()
        self._emit_event(SourceEvent(EventKind.CONNECTED, f"Streaming from the LSL stream {self.stream_name}."))
        while not self._stop_evt.is_set():
            try:
                data, ts = self._inlet.pull_chunk(timeout=PULL_TIMEOUT_S, max_samples=max_n, min_samples=1)
            except lsl.util.LostError:  # an outlet without a source_id cannot be recovered by liblsl: find it again
                if not lost:
                    lost = True
                    self._emit_event(SourceEvent(EventKind.LINK_LOST, f"The LSL stream {self.stream_name} went away."))
                self._reconnect()
                continue
            if len(ts) == 0:
                if not lost and time.monotonic() - heard > self.link_timeout_s:
                    lost = True
                    self._emit_event(SourceEvent(EventKind.LINK_LOST, f"The LSL stream {self.stream_name} went quiet."))
                continue
            heard = time.monotonic()
            if lost:
                lost = False
                self._emit_event(SourceEvent(EventKind.LINK_RESTORED, f"The LSL stream {self.stream_name} is back."))
            seq = self._deliver(np.asarray(data, dtype=np.float64).T * self._scale[:, None], np.asarray(ts), previous, seq)
            previous = float(ts[-1])
        self._emit_event(SourceEvent(EventKind.DISCONNECTED, f"The LSL stream {self.stream_name} was closed."))

    def _deliver(self, data: np.ndarray, ts: np.ndarray, previous: float | None, seq: int) -> int:
        """Blocks of ``data`` split where samples are missing; returns the next block number."""
        lost = lost_before(ts, previous, self._fs)
        cuts = [0, *np.flatnonzero(lost[1:]) + 1, ts.size]
        for a, b in zip(cuts[:-1], cuts[1:]):
            if lost[a]:
                self.stats.lost_packets += 1  # one gap, however many samples it holds
            self._emit_block(Block(data[:, a:b], seq=seq, lost_before=int(lost[a])))
            seq += 1
        return seq

    def _reconnect(self) -> None:
        """After a ``LostError``: look for the stream by name again (until found or stopped)."""
        info = self._resolve(0.5)
        if info is None or self._stop_evt.is_set():
            return
        found = describe(info)
        if found.channel_count != len(self.channels) or found.sample_rate_hz != self._fs:
            self._emit_event(SourceEvent(EventKind.ERROR, f"The LSL stream {self.stream_name} came back with "
                                         f"{found.channel_count} channels at {found.sample_rate_hz:g} Hz; reconnect to it."))
            self._stop_evt.set()
            return
        self._inlet = self._inlet_for(info)


@dataclass(frozen=True)
class LslChoice:
    """An LSL stream by name, as the source selector and ``--device lsl:NAME`` choose it."""

    stream_name: str

    exercise = "Live session"

    def make(self) -> Source:
        return LslSource(self.stream_name)
