"""Replay: a recording played back as a ``Source``, so it goes through the same live window.

A ``ReplaySource`` hands a loaded ``Recording`` (any format ``app.storage.reader.load_recording``
reads) to the stream in blocks of ~10 ms of the recording, paced on its own thread at the chosen
speed (0.5x to 4x in the window; any positive speed for tests), so filters, tiles, firing order and
the session column work exactly as with a patch. Play, pause, speed and seek are thread-safe; a
block is handed over while the source's lock is held, so once ``pause`` or ``seek`` returns no
block from before it can still arrive.

What the file says is replayed where it was:

- lost samples (rows whose channels are all empty) become ``lost_before`` of the next block, as a
  patch reports a link outage, so the pipeline restarts its filters there and the trace shows the
  gap; "link lost" / "link restored" rows become the same ``SourceEvent``s a patch sends;
- marks ("mark 3", "mark 3: note", a later "mark 3 note: ...") become ``EventKind.MARK`` events,
  each sent just before the block that starts at its sample, so the stream knows its exact sample;
- target crossings are not replayed: the live pipeline finds them again with today's targets.

Seeking is a discontinuity, on purpose: the next block carries ``SEEK_GAP_S`` of missing samples
(not counted as lost), so the filters restart as after a link outage, the trace shows a break and a
re-recording has empty rows there; the controller starts the live analysis again at the jump
(keeping the rest level it measured), so no rep spans two parts of the recording and the fatigue
trend and the 90%-of-best rule only see consecutive reps.
"""

from __future__ import annotations

import re
import threading
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from app.devices.source import Block, ChannelInfo, EventKind, Source, SourceEvent
from app.errors import UserError
from app.storage.reader import Recording, load_recording

#: the speeds the window offers
SPEEDS = (0.5, 1.0, 2.0, 4.0)
#: recording time per block: about one BLE connection interval, as the window's simulated patch
BLOCK_S = 0.010
#: missing samples put into the stream at a seek (shows as a break; the filters restart)
SEEK_GAP_S = 0.1
#: behind the clock by more than this (a stalled machine): catch up from now, not in a burst
MAX_LAG_S = 0.25

_MARK = re.compile(r"mark (\d+)(?::\s*(.*))?")
_MARK_NOTE = re.compile(r"mark (\d+) note:\s*(.*)")


def clock(seconds: float) -> str:
    """'1:05' (or '1:02:05' past an hour): a position as a media player shows it."""
    s = max(0, int(seconds))
    h, m, s = s // 3600, s // 60 % 60, s % 60
    return f"{h}:{m:02d}:{s:02d}" if h else f"{m}:{s:02d}"


@dataclass(frozen=True)
class ReplayState:
    """Where the replay is, for the transport bar (immutable, any thread)."""

    file: str
    position_s: float
    duration_s: float
    playing: bool
    speed: float
    ended: bool

    @property
    def text(self) -> str:
        """'0:42 / 2:03'."""
        return f"{clock(self.position_s)} / {clock(self.duration_s)}"


@dataclass(frozen=True)
class _FileEvent:
    index: int  # sample of the recording it belongs to
    kind: EventKind
    message: str
    value: float | None = None


def file_events(rec: Recording) -> list[_FileEvent]:
    """The recording's marks (their later notes joined in) and link events, by sample."""
    fs = rec.sample_rate_hz
    last = max(0, rec.data.shape[1] - 1)
    marks: dict[int, tuple[int, str]] = {}
    out: list[_FileEvent] = []
    for t, text in rec.events:
        text = text.strip()
        i = min(last, max(0, int(round(t * fs))))
        if m := _MARK_NOTE.fullmatch(text):
            n = int(m.group(1))
            at, old = marks.get(n, (i, ""))
            marks[n] = (at, "; ".join(x for x in (old, m.group(2).strip()) if x))
        elif m := _MARK.fullmatch(text):
            marks[int(m.group(1))] = (i, (m.group(2) or "").strip())
        elif text in (EventKind.LINK_LOST.value, EventKind.LINK_RESTORED.value):
            kind = EventKind(text)
            said = "lost" if kind is EventKind.LINK_LOST else "back"
            out.append(_FileEvent(i, kind, f"The patch's link was {said} here in the recording ({t:.1f} s)."))
    out += [_FileEvent(i, EventKind.MARK, note, float(n)) for n, (i, note) in marks.items()]
    return sorted(out, key=lambda e: (e.index, e.kind is EventKind.MARK))


class ReplaySource(Source):
    """A recording streamed in real time (or faster, slower), with pause and seek."""

    kind = "replay"

    def __init__(self, recording: Recording | None = None, path: str | Path | None = None, speed: float = 1.0,
                 block_s: float = BLOCK_S, playing: bool = True) -> None:
        super().__init__()
        if recording is None and path is None:
            raise ValueError("a recording or its path")
        self.path = Path(path) if path is not None else recording.path if recording is not None else None
        self.name = f"Replay of {self.path.name}" if self.path is not None else "Replay"
        self._speed = self._check_speed(speed)
        self._block_s = block_s
        self._cond = threading.Condition(threading.RLock())
        self._thread: threading.Thread | None = None
        self._stopping = False
        self._playing = playing
        self._ended = False
        self._pos = 0  # next sample of the recording to hand over
        self._t0, self._p0 = 0.0, 0  # the clock: sample ``_p0`` was due at ``_t0`` (monotonic)
        self._pending_lost = 0  # missing samples read but not yet handed over (with the next block)
        self._jump = 0  # missing samples a seek put in (not counted as lost)
        self._seq = 0
        self._rec: Recording | None = None
        if recording is not None:
            self._prepare(recording)

    @staticmethod
    def _check_speed(speed: float) -> float:
        if not (np.isfinite(speed) and speed > 0):
            raise UserError("The replay speed must be a positive number.")
        return float(speed)

    # -- the recording ----------------------------------------------------------------------
    @property
    def loaded(self) -> bool:
        return self._rec is not None

    def open(self) -> None:
        """Read the file (may take seconds for a long recording; ``UserError`` if it is broken)."""
        if self._rec is None:
            assert self.path is not None
            self._prepare(load_recording(self.path))

    def _prepare(self, rec: Recording) -> None:
        self._rec = rec
        self._fs = float(rec.sample_rate_hz)
        self._block = max(1, int(round(self._fs * self._block_s)))
        self._lost = np.isnan(rec.data).all(axis=0)
        self._events = file_events(rec)
        self._next_event = 0
        edges = np.flatnonzero(np.diff(self._lost.astype(np.int8))) + 1
        self._cuts = np.unique(np.concatenate([edges, [e.index for e in self._events]]).astype(np.int64))
        if rec.metadata.get("signal_kind") == "envelope":
            self.signal_kind = "envelope"

    @property
    def recording(self) -> Recording:
        if self._rec is None:
            raise UserError("The recording is not open yet.")
        return self._rec

    @property
    def channels(self) -> tuple[ChannelInfo, ...]:
        rec = self.recording
        return tuple(ChannelInfo(lb, u) for lb, u in zip(rec.labels, rec.units, strict=True))

    @property
    def sample_rate_hz(self) -> float:
        return float(self.recording.sample_rate_hz)

    def metadata(self) -> dict[str, str]:
        """A recording made during a replay says what it replays."""
        rec = self.recording
        meta = {"replayed_from": str(Path(self.path).resolve()) if self.path is not None else "a recording in memory"}
        for key in ("device", "start_time", "person"):
            if rec.metadata.get(key):
                meta[f"replayed_{key}"] = rec.metadata[key]
        return meta

    # -- transport (any thread) ----------------------------------------------------------------
    def state(self) -> ReplayState:
        with self._cond:
            rec = self.recording
            return ReplayState(self.path.name if self.path is not None else "recording", self._pos / self._fs,
                               rec.duration_s, self._playing and not self._ended, self._speed, self._ended)

    @property
    def playing(self) -> bool:
        with self._cond:
            return self._playing and not self._ended

    @property
    def position_s(self) -> float:
        with self._cond:
            return self._pos / self._fs

    def play(self) -> None:
        """Go on from here (from the start again once the end was reached)."""
        with self._cond:
            if self._ended:
                self._seek_locked(0)
            self._playing = True
            self._anchor()
            self._cond.notify_all()

    def pause(self) -> None:
        """No block after this returns until ``play``."""
        with self._cond:
            self._playing = False
            self._cond.notify_all()

    def set_speed(self, speed: float) -> None:
        with self._cond:
            self._speed = self._check_speed(speed)
            self._anchor()
            self._cond.notify_all()

    def seek(self, seconds: float) -> None:
        """Go on from ``seconds`` into the recording (clamped to it); see the module docstring."""
        with self._cond:
            self._seek_locked(int(round(min(max(0.0, seconds), self.recording.duration_s) * self._fs)))
            self._anchor()
            self._cond.notify_all()

    def _seek_locked(self, index: int) -> None:
        self._pos = min(index, self.recording.data.shape[1])
        self._pending_lost = 0
        self._jump = max(1, int(round(SEEK_GAP_S * self._fs)))
        self._next_event = int(np.searchsorted([e.index for e in self._events], self._pos, side="left"))
        self._ended = False

    def _anchor(self) -> None:
        self._t0, self._p0 = time.monotonic(), self._pos

    # -- Source ----------------------------------------------------------------------------------
    def _start(self) -> None:
        self.recording  # noqa: B018 - one sentence if it was never opened
        if self._thread is not None and self._thread.is_alive():
            return
        with self._cond:
            self._stopping = False
            self._anchor()
        self._thread = threading.Thread(target=self._run, name="replay", daemon=True)
        self._thread.start()

    def _stop(self) -> None:
        with self._cond:
            self._stopping = True
            self._cond.notify_all()
        if self._thread is not None and self._thread is not threading.current_thread():
            self._thread.join(timeout=2.0)
        self._thread = None

    def _run(self) -> None:
        n_total = self.recording.data.shape[1]
        self._emit_event(SourceEvent(EventKind.CONNECTED, f"{self.name} playing."))
        with self._cond:
            while not self._stopping:
                if not self._playing or self._ended:
                    self._cond.wait()
                    continue
                rate = self._fs * self._speed
                end = min(n_total, self._pos + self._block)
                wait = self._t0 + (end - self._p0) / rate - time.monotonic()
                if wait > 0:
                    self._cond.wait(wait)  # a command (pause, seek, speed, stop) wakes it early
                    continue
                if -wait > MAX_LAG_S:
                    self._t0 = time.monotonic() - (end - self._p0) / rate
                self._hand_over(end)
                if self._pos >= n_total:
                    self._finish()
        self._emit_event(SourceEvent(EventKind.DISCONNECTED, f"{self.name} stopped."))

    def _hand_over(self, end: int) -> None:
        """Samples [pos, end): split at gaps and events, each event sent before its sample."""
        data, cuts = self.recording.data, self._cuts
        while self._pos < end:
            pos = self._pos
            self._send_events(pos)
            k = int(np.searchsorted(cuts, pos, side="right"))
            nxt = min(end, int(cuts[k])) if k < cuts.size else end
            if self._lost[pos]:
                self._pending_lost += nxt - pos
            else:
                self._send(data[:, pos:nxt].copy())
            self._pos = nxt

    def _send_events(self, upto: int) -> None:
        events = self._events
        while self._next_event < len(events) and events[self._next_event].index <= upto:
            if self._pending_lost or self._jump:  # the gap before it goes first: the event lands after it
                self._send(np.empty((self.recording.data.shape[0], 0)))
            e = events[self._next_event]
            self._next_event += 1
            self._emit_event(SourceEvent(e.kind, e.message, e.value))

    def _send(self, data: np.ndarray) -> None:
        lost, jump = self._pending_lost, self._jump
        self._pending_lost = self._jump = 0
        self._emit_block(Block(data, seq=self._seq & 0xFFFF, lost_before=lost + jump))
        self.stats.lost_samples -= jump  # a seek is not a loss
        self._seq += 1

    def _finish(self) -> None:
        self._send_events(self.recording.data.shape[1])
        if self._pending_lost:
            self._send(np.empty((self.recording.data.shape[0], 0)))
        self._ended = True
        self._emit_event(SourceEvent(EventKind.END, f"End of recording ({clock(self.recording.duration_s)})."))


@dataclass(frozen=True)
class ReplayChoice:
    """A recording to replay: by ``path`` (read when connecting, on a thread of its own) or
    already read (``recording``: the CLI reads it first, so a broken file is said before the
    window opens)."""

    path: Path
    recording: Recording | None = None
    speed: float = 1.0
    paused: bool = False  # ready at the start, waiting for Play

    @property
    def exercise(self) -> str:
        return f"Replay of {self.path.name}"

    def make(self) -> ReplaySource:
        return ReplaySource(self.recording, self.path, self.speed, playing=not self.paused)
