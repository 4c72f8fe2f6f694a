"""The session controller: one place that runs a session, for the window and for the CLI. No Qt.

A ``SessionController`` owns a session's life: which source (the simulated patch or a Bluetooth
patch), connect and disconnect, targets, the person and their %MVIC references, recording with
marks, the live analysis, the guided routines (calibration, contact check) and the session
records. A view reads it in two ways:

- ``frame()``: one immutable ``Frame`` per display frame — the newest display bins, each
  channel's state (firing, level, time above target, unit, target), the live analysis snapshot,
  the link status, the recording, marks on screen and the current prompt;
- rare ``SessionEvent``s, handed to ``listeners`` on whatever thread they happen (the window turns
  them into a queued Qt signal; the CLI prints them).

Commands are called from one thread (the UI thread, or the CLI's main thread). A Bluetooth patch
connects on a thread of its own (it takes seconds); ``frame()`` (or ``poll()``) picks up the
finished connection on the caller's thread, so the session never starts under the caller's feet.

Targets are kept in µV inside (the DSP's unit) and shown in %MVIC when the channel has a
reference; a ``TargetBook`` remembers them between sessions (the window's preferences; in memory
for the CLI and tests).
"""

from __future__ import annotations

import concurrent.futures
import datetime as _dt
import logging
import sqlite3
import threading
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

import numpy as np

from app.analysis.fatigue import STOP_CONSECUTIVE, STOP_FRACTION
from app.analysis.firing_order import is_glute
from app.analysis.live import LiveAnalysis, LiveSnapshot
from app.analysis.mvic import DEFAULT_TARGET_PERCENT, MvicReference
from app.devices.lsl_source import LslChoice
from app.devices.personas import DEFAULT_PERSONA, Effort
from app.devices.scenarios import DEFAULT_SCENARIO, SCENARIOS
from app.devices.simulator import DEFAULT_RATE_HZ, SimulatedPatch
from app.devices.source import EventKind, Source, SourceEvent
from app.dsp.decimate import DISPLAY_BINS_PER_WINDOW, DISPLAY_WINDOW_S
from app.dsp.filters import FilterSettings
from app.dsp.firing import DEFAULT_THRESHOLD_UV
from app.dsp.worker import ProcessedBlock, aligned_display
from app.errors import UserError, os_reason
from app.exercises.library import LIBRARY, Exercise
from app.exercises.plan import DrillLike, ProtocolLike, Step, plan_steps
from app.exercises.scoring import ChannelRoles, RepScore, assign_roles
from app.exercises.screening import ResultCard, ScreeningTest
from app.muscles import display_name, short_name
from app.session.replay import SEEK_GAP_S, ReplayChoice, ReplaySource, ReplayState
from app.session.routines import CalibrationPlan, CalibrationRun, ContactCheck, Prompt, Routine
from app.session.runner import PracticeRun, PracticeState, practice_summary
from app.session.stream import LiveStream, StreamStatus
from app.storage.csvformat import format_mvic
from app.storage.later import RecordsLater
from app.storage.recorder import CsvRecorder
from app.storage.rep_csv import rep_csv_path, write_rep_csv
from app.storage.store import Store, new_uuid
from app.storage.sync import Outbox, PendingSession

if TYPE_CHECKING:
    from app.session.lsl_outlet import LslOutlet

UNIT_TEXT = {"uV": "µV", "counts": "counts", "mV": "mV"}
#: a new goal tone (or helper warning) needs the level below the goal for this long first: a level
#: hovering at the goal must not chatter
CUE_GAP_S = 0.3
#: after a replay's seek, a contraction starting this soon after the break was under way at the jump
UNDER_WAY_S = 0.25
log = logging.getLogger(__name__)


# -- what to connect to ------------------------------------------------------------------------
@dataclass(frozen=True)
class SimulatedChoice:
    """The built-in simulated patch playing ``scenario`` on ``labels``."""

    labels: tuple[str, ...]
    sample_rate_hz: int = DEFAULT_RATE_HZ
    scenario: str = DEFAULT_SCENARIO
    seed: int | None = None
    speed: float = 1.0
    persona: str = DEFAULT_PERSONA  # who follows the prompts (app.devices.personas)
    block_ms: float = 20.0  # packet length (the window uses 10 ms, a BLE connection interval)

    @property
    def exercise(self) -> str:
        return SCENARIOS[self.scenario].name if self.scenario in SCENARIOS else self.scenario

    def make(self) -> Source:
        return SimulatedPatch(labels=self.labels, sample_rate_hz=self.sample_rate_hz, scenario=self.scenario,
                              seed=self.seed, speed=self.speed, persona_key=self.persona, block_ms=self.block_ms)


@dataclass(frozen=True)
class BluetoothChoice:
    """A Bluetooth LE patch by address (or advertised name); ``labels`` name its channels when
    the patch has that many (otherwise ch1..chN)."""

    target: str
    protocol: str | None = None
    labels: tuple[str, ...] | None = None
    name: str = ""
    strict_labels: bool = False  # True: a label count that does not fit is an error (CLI)

    exercise = "Live session"

    def make(self) -> Source:
        from app.devices.ble import BleSource

        return BleSource(self.target, protocol=self.protocol, labels=self.labels)


SourceChoice = SimulatedChoice | BluetoothChoice | ReplayChoice | LslChoice


# -- remembering targets --------------------------------------------------------------------------
class TargetBook(Protocol):
    """Where targets live between sessions: µV per muscle label, % MVIC per person and label."""

    def threshold(self, label: str) -> float: ...
    def set_threshold(self, label: str, value: float) -> None: ...
    def target_percent(self, person: str, label: str) -> float: ...
    def set_target_percent(self, person: str, label: str, value: float) -> None: ...


class MemoryTargets:
    """A ``TargetBook`` that forgets at exit (CLI, tests)."""

    def __init__(self, threshold_uv: float = DEFAULT_THRESHOLD_UV, percent: float = DEFAULT_TARGET_PERCENT) -> None:
        self._uv: dict[str, float] = {}
        self._pct: dict[tuple[str, str], float] = {}
        self.default_uv, self.default_percent = threshold_uv, percent

    def threshold(self, label: str) -> float:
        return self._uv.get(label, self.default_uv)

    def set_threshold(self, label: str, value: float) -> None:
        self._uv[label] = float(value)

    def target_percent(self, person: str, label: str) -> float:
        return self._pct.get((person, label), self.default_percent)

    def set_target_percent(self, person: str, label: str, value: float) -> None:
        self._pct[(person, label)] = float(value)


# -- what a view reads ----------------------------------------------------------------------------
class State(StrEnum):
    IDLE = "idle"
    CONNECTING = "connecting"
    STREAMING = "streaming"


class EventType(StrEnum):
    """Rare happenings a view reacts to; ``message`` is a sentence for a person."""

    CONNECTED = "connected"
    CONNECT_FAILED = "connect failed"
    DISCONNECTED = "disconnected"
    LINK_LOST = "link lost"
    LINK_RESTORED = "link restored"
    BATTERY = "battery"
    ERROR = "error"
    INFO = "info"
    CROSSED = "crossed"  # a channel crossed its target (DSP thread): repaint now, not next frame
    RECORDING_STARTED = "recording started"
    RECORDING_SAVED = "recording saved"
    MARKED = "marked"
    PERSON_CHANGED = "person changed"
    CALIBRATION_FINISHED = "calibration finished"
    CALIBRATION_FAILED = "calibration failed"
    CALIBRATED = "calibrated"
    CONTACT_CHECKED = "contact checked"
    GOAL = "goal"  # a target muscle rose above its goal (DSP thread; only while feedback is shown)
    TAKING_OVER = "taking over"  # a compensator rose above its ceiling (DSP thread; likewise)
    STEP = "step"  # the protocol moved to a new step (data: Step; DSP thread): hold / relax cues
    REP_SCORED = "rep scored"  # data: RepScore
    SET_DONE = "set done"  # data: SetSummary
    DONE_FOR_TODAY = "done for today"  # the 90%-of-best rule during a protocol
    PRACTICE_FINISHED = "practice finished"  # data: PracticeRun
    SCREENING_RESULT = "screening result"  # data: ResultCard


@dataclass(frozen=True)
class SessionEvent:
    type: EventType
    message: str = ""
    data: Any = None


@dataclass(frozen=True)
class ChannelFrame:
    """One channel as a view shows it: ``scale`` turns the signal's unit into ``unit``."""

    label: str
    name: str
    unit: str  # as shown: "µV", "counts", "% MVIC" or "% MVIC (est.)"
    scale: float
    reference: MvicReference | None
    target: float  # in ``unit``
    target_uv: float  # in the signal's unit (what the DSP compares with)
    firing: bool = False  # above target (a compensator: above its ceiling, "taking over")
    level: float = float("nan")  # newest envelope, signal's unit
    held_s: float = 0.0  # seconds above target in the current hold
    role: str = ""  # "target", "compensator" or "" in the exercise under way


@dataclass(frozen=True)
class Mark:
    """A mark put in the recording: its number, ``seconds_ago`` (<= 0 on the trace's time axis)
    and its note."""

    number: int
    seconds_ago: float
    note: str


@dataclass(frozen=True)
class RecordingState:
    path: Path
    seconds: float


@dataclass(frozen=True)
class Frame:
    """Everything a view paints, at one moment; arrays are read-only (channels, bins)."""

    state: State
    person: str
    channels: tuple[ChannelFrame, ...] = ()
    times_s: np.ndarray = field(default_factory=lambda: np.empty(0))
    low: np.ndarray = field(default_factory=lambda: np.empty((0, 0)))
    high: np.ndarray = field(default_factory=lambda: np.empty((0, 0)))
    envelope: np.ndarray = field(default_factory=lambda: np.empty((0, 0)))
    analysis: LiveSnapshot | None = None
    status: StreamStatus | None = None
    recording: RecordingState | None = None
    marks: tuple[Mark, ...] = ()
    prompt: Prompt | None = None  # a guided routine's instruction, while one runs
    contact_progress: float | None = None  # 0..1 while the contact check measures
    source_name: str = ""
    practice: PracticeState | None = None  # the protocol under way (or just finished)
    shown_sample: int = -1  # the stream sample the traces end at (for the delay meter)
    replay: ReplayState | None = None  # where a replayed recording is (None: a patch)

    @property
    def streaming(self) -> bool:
        return self.state is State.STREAMING


@dataclass(frozen=True)
class SavedRecording:
    path: Path
    seconds: float
    error: str | None
    session_id: int | None


@dataclass(frozen=True)
class SessionOptions:
    """Settings a session starts with (the window's preferences; the CLI's flags)."""

    filters: FilterSettings = field(default_factory=FilterSettings)
    stop_fraction: float = STOP_FRACTION
    stop_consecutive: int = STOP_CONSECUTIVE
    recordings_dir: Path | None = None
    lsl_outlet: bool = False  # publish the session on the Lab Streaming Layer too (app.session.lsl_outlet)


Listener = Callable[[SessionEvent], None]


def describe_references(refs: Iterable[MvicReference]) -> str:
    """'References (maximal, 3 contractions): Glute max L 329 µV, Hamstring L 293 µV.'"""
    refs = list(refs)
    how = sorted({f"{r.method}, {r.n_contractions} contractions" for r in refs})
    values = ", ".join(f"{short_name(r.label)} {r.value_uv:.0f} µV" for r in refs)
    return f"References ({'; '.join(how)}): {values}."


class SessionController:
    """Runs one session at a time; see the module docstring for the threading rules."""

    def __init__(self, options: SessionOptions | None = None, targets: TargetBook | None = None,
                 store: Store | None = None, store_opener: Callable[[], Store] | None = None) -> None:
        self.options = options or SessionOptions()
        self.targets: TargetBook = targets or MemoryTargets()
        self._store = store
        self._owns_store = store is None
        self._later = RecordsLater()  # records writes that found the database busy (never the window waits)
        self.outbox = Outbox()  # finished sessions on their way to a clinic's server (kept until they are there)
        self._recording_uuid = ""  # the session's key, made at Record: the same on every workstation
        self._store_opener = store_opener or Store
        self._store_failed = False
        self.records_problem: str | None = None  # why the records could not be opened (shown until fixed)
        self.listeners: list[Listener] = []
        self.choice: SourceChoice | None = None
        self.stream: LiveStream | None = None
        self.live: LiveAnalysis | None = None
        self.person = ""
        self.references: dict[str, MvicReference] = {}
        self._opening: tuple[Source, SourceChoice, concurrent.futures.Future[None]] | None = None
        self._marks: list[tuple[int, str]] = []  # (sample index, note) per mark of this stream
        self._calibration: CalibrationRun | None = None
        self._contact: ContactCheck | None = None
        self._routine_lock = threading.Lock()
        self._recording_person = ""
        self._recorded_practice: list[dict[str, object]] = []
        self.last_session_id: int | None = None  # the newest session this controller added to the records
        self._recording_session: int | None = None  # the row written at Record, filled in at Stop
        self._last_fall: dict[int, int] = {}  # channel -> sample its cue level last fell below the goal
        #: someone listens: detect goal and helper crossings for the sound (the fast cue envelope)
        self.sound_cues = False
        self._practice: PracticeRun | None = None
        self._last_practice: PracticeRun | None = None  # shown until the next one starts
        self._restart_analysis = False  # set on a routine's thread, done on the caller's
        self._settle_at: int | None = None  # a replay ended at this stream sample: settle the last rep there
        self.lsl: LslOutlet | None = None  # the session's LSL streams, while published

    # -- events ---------------------------------------------------------------------------------
    def _emit(self, type_: EventType, message: str = "", data: Any = None) -> None:
        """To every listener; one that fails is logged and never stops the others or the DSP
        thread (CROSSED is emitted there)."""
        ev = SessionEvent(type_, message, data)
        for listener in list(self.listeners):
            try:
                listener(ev)
            except Exception:
                log.exception("a session listener failed on %s", type_)

    def _on_source_event(self, ev: SourceEvent) -> None:
        """Source thread: pass the rare happenings on in the view's terms."""
        kinds = {EventKind.LINK_LOST: EventType.LINK_LOST, EventKind.LINK_RESTORED: EventType.LINK_RESTORED,
                 EventKind.BATTERY: EventType.BATTERY, EventKind.ERROR: EventType.ERROR, EventKind.INFO: EventType.INFO}
        if ev.kind in kinds:
            self._emit(kinds[ev.kind], ev.message, ev.value)
        elif ev.kind in (EventKind.MARK, EventKind.END):
            self._on_replay_event(ev)

    def _on_replay_event(self, ev: SourceEvent) -> None:
        """Source thread: a replayed mark goes on the trace (and into a re-recording) at its own
        sample (the source sends it just before that sample); the end of the recording settles
        the last rep once the DSP has everything (``frame``)."""
        stream = self.stream
        if stream is None:
            return
        if ev.kind is EventKind.END:
            self._settle_at = stream.ring.total
            self._emit(EventType.INFO, ev.message)
            return
        number = int(ev.value or 0)
        stream.mark(f"mark {number}: {ev.message}" if ev.message else f"mark {number}")
        self._marks.append((stream.ring.total, ev.message))
        self._emit(EventType.MARKED, f"Mark {number} of the recording" + (f": {ev.message}" if ev.message else "."), number)

    def _on_block(self, block: ProcessedBlock) -> None:
        """DSP thread: only the rare crossing moments go out (a view repaints the tile at once);
        a target reaching its goal and, in an exercise, a helper taking over go out for the sound,
        from the faster cue envelope — once per contraction: a level hovering at the goal (below it
        for less than ``CUE_GAP_S``) does not chatter."""
        if block.crossings:
            self._emit(EventType.CROSSED)
        stream = self.stream
        if not block.cue_crossings or stream is None:
            return
        rising = []
        for c in block.cue_crossings:
            if not c.rising:
                self._last_fall[c.channel] = c.index
            elif c.index - self._last_fall.get(c.channel, -10**12) >= CUE_GAP_S * stream.fs:
                rising.append(c)
        if not rising:
            return
        run = self._practice
        if run is not None and not run.state().feedback:
            return  # faded feedback: no sound either on a withheld rep
        roles = run.current_roles if run is not None else None
        for c in rising:
            label = stream.labels[c.channel]
            if (c.channel in roles.targets) if roles is not None else is_glute(label):
                self._emit(EventType.GOAL, "", label)
            elif roles is not None and c.channel in roles.compensators:
                self._emit(EventType.TAKING_OVER, f"{display_name(label)} taking over", label)

    # -- the records ------------------------------------------------------------------------------
    @property
    def store(self) -> Store | None:
        """The records, opened on first use; None (and one ERROR event) when they cannot be."""
        if self._store is None and not self._store_failed:
            try:
                self._store = self._store_opener()
                self._send_outbox(self._store)
            except UserError as exc:
                self._store_failed = True
                self.records_problem = (f"{exc} Recordings are still saved, but this session does not go "
                                        "into the records.")
                self._emit(EventType.ERROR, self.records_problem)
        return self._store

    def switch_records(self, opener: Callable[[], Store] | None = None) -> Store | None:
        """Use other records from now on (Records ▾ → Records database…): the writes kept for the
        old ones go there first, the person chosen stays chosen when the new records know them.
        Refused while recording: that session belongs to the records it started in."""
        if self.recording is not None:
            raise UserError("Stop the recording first: its session belongs to the records it started in.")
        if self._store is not None:
            if self._later.waiting:
                self._report_later(*self._later.flush(self._store))
            if self._owns_store:
                self._store.close()
        self._store, self._store_failed, self.records_problem, self._owns_store = None, False, None, True
        if opener is not None:
            self._store_opener = opener
        store = self.store
        if self.person:
            self.choose_person(self.person if store is not None and store.find_person(self.person) else "")
        return store

    def _send_outbox(self, store: Store) -> None:
        """Sessions an earlier run kept while the server was away go now (or wait on)."""
        if store.shared and self.outbox.entries():
            self._later.write(store, "the sessions kept while the records server was away",
                              lambda db: self.outbox.send_all(db)[0])

    def people(self) -> list[str]:
        store = self.store
        return [p.name for p in store.people()] if store is not None else []

    # -- connecting -------------------------------------------------------------------------------
    @property
    def state(self) -> State:
        if self.stream is not None:
            return State.STREAMING
        return State.CONNECTING if self._opening is not None else State.IDLE

    @property
    def source(self) -> Source | None:
        stream = self.stream  # read once: another thread may be in a disconnect
        return stream.source if stream is not None else None

    def connect(self, choice: SourceChoice, wait: bool = False, record_to: Path | None = None,
                record_seconds: float | None = None) -> None:
        """Start streaming from ``choice``. The simulated patch starts at once; a Bluetooth patch
        connects on a thread of its own (``wait=True``: here, raising ``UserError``).
        ``record_to``: record from the very first sample (``record_seconds`` of it; headless use)."""
        if self.state is not State.IDLE:
            raise UserError("Disconnect first, then connect to another source.")
        source = choice.make()
        if isinstance(source, SimulatedPatch) or wait or isinstance(source, ReplaySource) and source.loaded:
            if not isinstance(source, SimulatedPatch):
                source.open()
                try:
                    self._label(source, choice)
                except UserError:
                    source.close()
                    raise
            n = None if record_seconds is None else int(round(record_seconds * source.sample_rate_hz))
            self._start(source, choice, record_to, n)
            return
        fut: concurrent.futures.Future[None] = concurrent.futures.Future()

        def opener() -> None:  # a daemon thread: closing the app mid-connect must not wait for it
            try:
                source.open()
            except BaseException as exc:
                fut.set_exception(exc)
            else:
                fut.set_result(None)

        threading.Thread(target=opener, name="open-patch", daemon=True).start()
        self._opening = (source, choice, fut)

    def poll(self) -> None:
        """Pick up a Bluetooth connection that finished opening (caller's thread)."""
        opening = self._opening
        if opening is None or not opening[2].done():
            return
        self._opening = None
        source, choice, fut = opening
        exc = fut.exception()
        if exc is not None:
            msg = str(exc) if isinstance(exc, UserError) else f"Could not connect: {exc}"
            self._emit(EventType.CONNECT_FAILED, msg)
            return
        try:
            self._label(source, choice)
            self._start(source, choice)
        except UserError as exc:
            source.close()
            self._emit(EventType.CONNECT_FAILED, str(exc))

    @staticmethod
    def _label(source: Source, choice: SourceChoice) -> None:
        """A patch's channels get the chosen muscles when the counts match (else ch1..chN)."""
        if isinstance(choice, BluetoothChoice) and not choice.strict_labels:
            use = getattr(source, "use_labels", None)
            if use is not None:
                use(choice.labels)
        source.channels  # noqa: B018 - a label count that does not fit is one sentence now

    def _start(self, source: Source, choice: SourceChoice, record_to: Path | None = None,
               max_samples: int | None = None) -> None:
        labels = source.labels
        thresholds = [self.targets.threshold(lb) for lb in labels]
        try:
            stream = LiveStream(source, self.options.filters, thresholds)
            if self.options.lsl_outlet:
                self._publish(stream)
        except UserError:
            source.stop()
            raise
        stream.worker.add_sink(self._on_block)
        stream.worker.cues = self.sound_cues
        stream.event_listeners.append(self._on_source_event)
        self.stream, self.choice = stream, choice
        self._restart_analysis = False
        self._new_analysis()
        self._marks, self._settle_at = [], None
        self._apply_references(self._person_references(labels))
        if isinstance(source, ReplaySource):
            self._replay_targets(source)
        if record_to is not None:
            try:
                self.start_recording(record_to, max_samples)
            except UserError:
                self.stream = None
                source.stop()
                self._unpublish()
                raise
        stream.start()
        self._emit(EventType.CONNECTED, f"Streaming from {source.name}.")

    def _replay_targets(self, source: ReplaySource) -> None:
        """A replay starts as it was recorded: the file's %MVIC references and its targets (µV);
        the window can change both, to see the session again with other settings."""
        rec = source.recording
        if rec.mvic:
            self._apply_references(rec.mvic)
        assert self.stream is not None
        said = rec.thresholds
        th = np.array([said.get(lb, t) for lb, t in zip(self.stream.labels, self.stream.thresholds)], float)
        self.stream.set_thresholds(th)
        if self.live is not None:
            self.live.set_targets(th)

    def _publish(self, stream: LiveStream) -> None:
        """The stream, its envelope and the session's events on the Lab Streaming Layer (docs/lsl.md)."""
        from app.session.lsl_outlet import LslOutlet

        self.lsl = LslOutlet(stream, lambda: self.live)
        self.listeners.append(self.lsl.on_session_event)

    def _unpublish(self) -> None:
        outlet, self.lsl = self.lsl, None
        if outlet is not None:
            self.listeners.remove(outlet.on_session_event)
            outlet.close()

    def _new_analysis(self, keep_rest: bool = False) -> None:
        """A fresh live analysis on the stream (at connect, and after a calibration: its maximal
        contractions are not exercise reps); it measures the rest level again first, unless
        ``keep_rest`` (a replay's seek: the same person and electrodes, a new part of the file)."""
        stream = self.stream
        assert stream is not None
        old = self.live
        if old is not None:
            stream.worker.remove_sink(old)
            old.close()
        live = LiveAnalysis(stream.fs, stream.labels, envelope_delay_s=stream.worker.delay_s,
                            targets_uv=list(stream.thresholds), signal_kind=stream.worker.signal_kind,
                            stop_fraction=self.options.stop_fraction, stop_consecutive=self.options.stop_consecutive)
        live.set_references(self.references)
        if keep_rest and old is not None:
            live.take_rest(old, SEEK_GAP_S + UNDER_WAY_S)
        stream.worker.add_sink(live)
        self.live = live

    def disconnect(self) -> SavedRecording | None:
        """Stop recording (the session goes to the records), stop the stream, keep the analysis
        figures for the view. Returns the saved recording, if one was running."""
        if self._opening is not None:
            source, _, fut = self._opening
            self._opening = None
            fut.add_done_callback(lambda _f: source.close())
        stream = self.stream
        if stream is None:
            return None
        self.cancel_routines()
        stream.halt()  # source off, everything received processed: the recording gets it all
        saved = self.stop_recording() if stream.recorder is not None else None
        stream.stop()
        self.stream = None
        self._unpublish()
        if self.live is not None:
            self.live.close()
        self._emit(EventType.DISCONNECTED, "Disconnected.")
        return saved

    def restart(self, choice: SourceChoice) -> None:
        """A new source or exercise mid-session: a new stream in place (recording stops)."""
        self.disconnect()
        self.connect(choice)

    # -- while streaming --------------------------------------------------------------------------
    def _need_stream(self, what: str) -> LiveStream:
        if self.stream is None:
            raise UserError(f"Connect to the patch first, then {what}.")
        return self.stream

    def press(self, pressed: bool) -> None:
        """The manual exercise: the simulated muscle contracts while pressed."""
        src = self.source
        if isinstance(src, SimulatedPatch):
            src.press(pressed)

    def set_filters(self, filters: FilterSettings) -> None:
        """New filters from the next block on (``UserError`` when they do not fit the rate)."""
        stream = self.stream
        if stream is not None:
            filters = filters.validated(stream.fs) if stream.worker.signal_kind == "raw" else filters
            stream.set_settings(filters)
            if self.live is not None and stream.worker.signal_kind == "raw":
                self.live.set_envelope_delay(filters.envelope_delay_s(stream.fs))
        self.options = replace(self.options, filters=filters)

    def set_target(self, index: int, value: float) -> None:
        """Channel ``index``'s target in its shown unit (% MVIC with a reference, else µV);
        remembered per muscle (µV) or per person and muscle (% MVIC)."""
        stream = self._need_stream("set a target")
        if not (np.isfinite(value) and value > 0):
            raise UserError("A target must be a positive number.")
        label = stream.labels[index]
        ref = self.references.get(label)
        uv = float(ref.uv(value)) if ref is not None else float(value)
        th = stream.thresholds.copy()
        th[index] = uv
        stream.set_thresholds(th)
        if self.live is not None:
            self.live.set_targets(th)
        if ref is not None:
            self.targets.set_target_percent(self.person, label, float(value))
        else:
            self.targets.set_threshold(label, uv)

    def remeasure_rest(self) -> str:
        """The onset detector's rest level again, from the next 2 s; returns what to tell the person."""
        self._need_stream("measure the resting level")
        assert self.live is not None
        self.live.remeasure_rest()
        return f"Relax for {self.live.settings.calibration_s:.0f} s: measuring the resting level…"

    # -- people and %MVIC --------------------------------------------------------------------------
    def choose_person(self, name: str) -> str:
        """Switch to ``name`` ("" = nobody): their latest references where they exist, µV elsewhere.
        Returns a sentence saying what is now shown."""
        self.person = name.strip()
        labels = self.stream.labels if self.stream is not None else ()
        self._apply_references(self._person_references(labels))
        mvic = format_mvic(self.references) if self.references else "none"
        self._note_in_recording(f"person: {self.person or 'nobody'}; mvic: {mvic}")
        msg = self._describe_references(labels)
        self._emit(EventType.PERSON_CHANGED, msg, self.person)
        return msg

    def _person_references(self, labels: Sequence[str]) -> dict[str, MvicReference]:
        if not self.person:
            return {}
        store = self.store
        person = store.find_person(self.person) if store is not None else None
        if store is None or person is None:
            return {}
        stored = store.latest_mvic(person.id)
        return {lb: stored[lb] for lb in labels if lb in stored}

    def _describe_references(self, labels: Sequence[str]) -> str:
        if not self.person:
            return "Nobody chosen: levels in µV."
        if not labels:
            return f"{self.person} chosen."
        missing = [display_name(lb) for lb in labels if lb not in self.references]
        if not self.references:
            return f"{self.person} has no %MVIC calibration for these muscles: levels in µV."
        if missing:
            return f"{self.person}: no %MVIC calibration for {', '.join(missing)} (shown in µV)."
        return f"{self.person}'s %MVIC references loaded."

    def _apply_references(self, refs: Mapping[str, MvicReference]) -> None:
        """Targets follow the unit: the person's % MVIC target where a reference exists (40% the
        first time), the muscle's µV target elsewhere; the live analysis re-expresses every rep."""
        stream = self.stream
        if stream is None:
            self.references = dict(refs)
            return
        self.references = {lb: refs[lb] for lb in stream.labels if lb in refs}
        th = np.array([
            float(self.references[lb].uv(self.targets.target_percent(self.person, lb)))
            if lb in self.references else self.targets.threshold(lb)
            for lb in stream.labels
        ])
        stream.set_thresholds(th)
        if self.live is not None:
            self.live.set_targets(th)
            self.live.set_references(self.references)

    def apply_references(self, refs: Mapping[str, MvicReference]) -> None:
        """Use ``refs`` for this session without storing them (e.g. read from a recording)."""
        self._apply_references(refs)

    # -- guided routines ---------------------------------------------------------------------------
    def start_calibration(self, person: str, plan: CalibrationPlan | None = None) -> CalibrationRun:
        """Guided %MVIC calibration for ``person`` (a new name creates them at ``accept``). The
        prompts show in ``frame().prompt``; a simulated person follows them."""
        stream = self._need_stream("calibrate")
        if not person.strip():
            raise UserError("Enter the person's name first.")
        self.cancel_routines()
        src = stream.source
        made: list[CalibrationRun] = []  # empty while the run is being made (its first prompt)

        def follow(p: Prompt) -> None:  # DSP thread: the simulated person does as told
            if isinstance(src, SimulatedPatch) and (not made or self.calibration is made[0]):
                src.cue(p.effort if p.contracting else 0.0)

        run = CalibrationRun(stream.fs, stream.labels, plan or CalibrationPlan(), person.strip(), follow)
        made.append(run)
        with self._routine_lock:
            self._calibration = run
        self._add_routine(stream, run, self._calibration_done)
        return run

    def _add_routine(self, stream: LiveStream, run: Routine, done: Callable[[Any], None]) -> None:
        """Feed ``run`` from the stream until it has what it needs; ``done(run)`` is called on the
        routine's own thread once the result is worked out. ``cancel_routines`` takes it off."""
        run.on_done = done
        run.stream = stream

        def sink(block: ProcessedBlock) -> None:
            run(block)
            if run.have >= run.need:
                stream.worker.remove_sink(sink)

        run.sink = sink
        stream.worker.add_sink(sink)

    def _current(self, run: Routine | None, attr: str) -> bool:
        """``run`` is still the routine under way (not cancelled, same stream)."""
        with self._routine_lock:
            return run is not None and getattr(self, attr) is run and run.stream is self.stream

    def _calibration_done(self, run: CalibrationRun) -> None:
        """Routine thread: the result is ready (or failed)."""
        if not self._current(run, "_calibration"):
            return  # cancelled, or the stream it ran on is gone
        src = run.stream.source if run.stream is not None else None
        if isinstance(src, SimulatedPatch):
            src.cue(None)  # back to the scenario
        self._restart_analysis = True  # the calibration's contractions are not the session's reps
        error = run.error or ("" if run.references else "No reference could be worked out; try again.")
        if error:
            with self._routine_lock:
                self._calibration = None
            self._emit(EventType.CALIBRATION_FAILED, error)
            return
        self._emit(EventType.CALIBRATION_FINISHED, describe_references(run.references.values()), run)

    @property
    def calibration(self) -> CalibrationRun | None:
        with self._routine_lock:
            return self._calibration

    def accept_calibration(self) -> str:
        """Store the finished calibration's references for its person and use them now."""
        run = self.calibration
        if run is None or not run.done.is_set() or run.error or not run.references:
            raise UserError("There is no finished calibration to keep.")
        store = self.store
        if store is None:
            raise UserError("The records cannot be opened, so the calibration cannot be kept.")
        try:
            person = store.find_person(run.person) or store.add_person(run.person)
            for ref in run.references.values():
                store.save_mvic(person.id, ref)
        except sqlite3.Error as exc:
            raise UserError(f"The calibration could not be saved in {store.path} ({exc}); try again.") from None
        with self._routine_lock:
            self._calibration = None
        self.person = run.person
        labels = self.stream.labels if self.stream is not None else tuple(run.references)
        self._apply_references(self._person_references(labels) or run.references)
        self._note_in_recording(f"calibrated {run.person}: {format_mvic(self.references)}")
        msg = (f"Calibrated {run.person}: levels in % MVIC, targets at their saved value "
               f"({DEFAULT_TARGET_PERCENT:.0f}% MVIC the first time).")
        self._emit(EventType.CALIBRATED, msg, run.person)
        return msg

    def start_contact_check(self, seconds: float | None = None) -> ContactCheck:
        """A few seconds at rest, then a verdict per electrode (``CONTACT_CHECKED``)."""
        stream = self._need_stream("check the electrodes")
        cal = self.calibration
        if cal is not None and not cal.done.is_set():
            raise UserError("A calibration is under way; finish or cancel it first.")
        self.cancel_routines()
        try:
            mains: float | None = float(stream.source.metadata().get("mains_hz", "") or 0) or None
        except ValueError:
            mains = None
        check = ContactCheck(stream.fs, stream.labels, mains, **({"seconds": seconds} if seconds else {}))
        with self._routine_lock:
            self._contact = check
        self._add_routine(stream, check, self._contact_done)
        return check

    def _contact_done(self, check: ContactCheck) -> None:
        if not self._current(check, "_contact"):
            return
        with self._routine_lock:
            self._contact = None
        self._emit(EventType.CONTACT_CHECKED, "\n".join(check.sentences()) or (check.error or ""), check)

    # -- guided practice --------------------------------------------------------------------------
    def start_practice(self, drill: DrillLike, protocol: ProtocolLike, *, faded: bool = False,
                       probes: bool = False, sides: tuple[str | None, ...] | None = None) -> PracticeRun:
        """Run ``drill``'s ``protocol`` on the stream: prompts (the simulated person follows
        them), targets at the goal and compensators at their ceiling, every rep scored. One-sided
        drills do each set on the left, then the right side (or ``sides``)."""
        stream = self._need_stream("start an exercise")
        cal = self.calibration
        if cal is not None and not cal.done.is_set():
            raise UserError("A calibration is under way; finish or cancel it first.")
        self.cancel_routines()
        if sides is None:
            sides = ("L", "R") if drill.unilateral else (None,)
        roles = {side: assign_roles(stream.labels, drill.targets, drill.compensators, side) for side in sides}
        if not any(r.targets for r in roles.values()):
            names = ", ".join(display_name(f"{m}_L").rsplit(" ", 1)[0] for m in drill.targets)
            raise UserError(f"{drill.name} trains {names}, but no channel is on it; choose channels that include it.")
        goal = self._set_goals(next(r for r in roles.values() if r.targets), protocol.goal_mvic_pct)
        run = PracticeRun(drill, plan_steps(drill, protocol, sides, faded, probes), roles, stream.fs, goal,
                          stop_fraction=self.options.stop_fraction, stop_consecutive=self.options.stop_consecutive)
        run.protocol = {"sets": protocol.sets, "reps": protocol.reps, "hold_s": protocol.hold_s,
                        "rest_s": protocol.rest_s, "set_rest_s": protocol.set_rest_s,
                        "goal_mvic_pct": protocol.goal_mvic_pct, "faded": faded, "probes": probes}

        def on_step(step: Step, effort: Effort) -> None:  # DSP or caller thread
            src = stream.source
            if isinstance(src, SimulatedPatch) and self._practice is run:
                src.cue(effort)
            self._emit(EventType.STEP, step.text, step)

        run.on_step = on_step
        if isinstance(stream.source, SimulatedPatch):  # at rest from now: the scenario's own holds would
            stream.source.cue(0.0)  # run into the fresh rest baseline and count as the exercise's rep 1
        self._new_analysis()  # the exercise's reps and best, from a fresh rest baseline ("get ready")
        with self._routine_lock:
            self._practice = self._last_practice = run
        run.stream = stream
        run.sink = run
        stream.worker.add_sink(run)
        return run

    def _set_goals(self, roles: ChannelRoles, goal_pct: float) -> float:
        """Targets at the goal (% MVIC where there is a reference, else their µV target),
        compensators at their ceiling; returns the goal in the first target's shown unit."""
        stream = self.stream
        assert stream is not None
        th = stream.thresholds.copy()
        t0 = roles.targets[0]
        for i, label in enumerate(stream.labels):
            ref = self.references.get(label)
            if i in roles.targets and ref is not None:
                th[i] = float(ref.uv(goal_pct))
            elif i in roles.compensators:
                th[i] = float(ref.uv(roles.ceiling_pct)) if ref is not None else roles.ceiling_ratio * th[t0]
        stream.set_thresholds(th)
        if self.live is not None:
            self.live.set_targets(th)
        ref0 = self.references.get(stream.labels[t0])
        return float(ref0.percent(th[t0])) if ref0 is not None else float(th[t0])

    @property
    def practice(self) -> PracticeRun | None:
        with self._routine_lock:
            return self._practice

    def pause_practice(self, paused: bool = True) -> None:
        """Pause (the person relaxes, the clock stops) or resume the protocol under way."""
        run = self.practice
        if run is not None:
            run.pause() if paused else run.resume()

    def skip_step(self) -> None:
        run = self.practice
        if run is not None:
            run.skip()

    def stop_practice(self) -> None:
        """End the protocol now: the reps scored so far go to the records and its summary stays
        shown (as "stopped") until this is called again to put it away."""
        run = self.practice
        if run is None:
            self._last_practice = None
            return
        self.cancel_routines()  # keeps its reps (``_keep_cut_short``)
        self._apply_references(self.references)
        run.finished.set()
        self._emit(EventType.PRACTICE_FINISHED, f"{run.drill.name} stopped.", run)

    def _poll_practice(self) -> None:
        """Caller's thread: score the reps that are due, pass the stopping rule on, finish."""
        run = self._practice
        if run is None or self.live is None:
            return
        snap = self.live.snapshot()
        already = bool(run.done_for_today)
        for item in run.poll(snap):
            if isinstance(item, RepScore):
                self._emit(EventType.REP_SCORED, item.sentence(), item)
            else:
                self._emit(EventType.SET_DONE, item.sentence(), item)
        if run.done_for_today and not already:  # the 90%-of-best rule on the exercise's own reps
            self._emit(EventType.DONE_FOR_TODAY, run.done_for_today, run)
        if run.finished.is_set() and run.all_scored:
            with self._routine_lock:
                self._practice = None
            last = run.close_partial_set()  # the stopping rule ended a set early
            if last is not None:
                self._emit(EventType.SET_DONE, last.sentence(), last)
            src = self.source
            if isinstance(src, SimulatedPatch):
                src.cue(None)
            if self.stream is not None:
                self.stream.worker.remove_sink(run)
            self._apply_references(self.references)  # the person's own targets again
            if isinstance(run.drill, ScreeningTest):
                run.card = run.drill.evaluate(run.scores)
                self._add_screening_record(run.card)
                self._emit(EventType.SCREENING_RESULT, run.card.verdict, run.card)
            else:
                self._add_practice_record(run)
            self._emit(EventType.PRACTICE_FINISHED, f"{run.drill.name} finished.", run)

    def exercises(self) -> list[Exercise]:
        """The library, then the clinic's own versions from the records."""
        out = list(LIBRARY.values())
        store = self.store
        if store is not None:
            for d in store.custom_exercises():
                try:
                    out.append(Exercise.from_dict(d))
                except UserError as exc:  # a damaged entry must not hide the others
                    log.warning("an adapted exercise in the records is unreadable: %s", exc)
        return out

    def save_exercise(self, exercise: Exercise) -> str:
        """Keep a clinician's version of an exercise in the records; returns a sentence."""
        store = self.store
        if store is None:
            raise UserError("The records cannot be opened, so the exercise cannot be kept.")
        exercise = exercise.validated()
        try:
            store.save_exercise(exercise.to_dict())
        except sqlite3.Error as exc:
            raise UserError(f"The exercise could not be saved in {store.path} ({exc}).") from None
        return f"Saved {exercise.name}."

    def start_screening(self, test: ScreeningTest) -> PracticeRun:
        """A screening test, run like a protocol; its card comes with ``SCREENING_RESULT``."""
        return self.start_practice(test, test.protocol)

    def _add_screening_record(self, card: ResultCard) -> None:
        store = self.store
        if store is None:
            return
        try:
            person = store.find_person(self.person) if self.person else None
            store.add_screening(person.id if person else None, card.test, card.to_dict())
        except (UserError, sqlite3.Error) as exc:
            self._emit(EventType.ERROR, f"The screening result could not be saved in the records ({exc}).")

    def _add_practice_record(self, run: PracticeRun) -> None:
        """The protocol's per-rep scores and set summaries go to the person's records: into the
        session of the recording under way (saved at Stop), or as a session of their own."""
        rec, stream = self.recording, self.stream
        if rec is not None and stream is not None:
            self._recorded_practice.append(practice_summary(run, rec.start_index / stream.fs))
            return
        store = self.store
        if store is None:
            return
        summary = {"practice": [practice_summary(run)], **(self.live.snapshot().summary() if self.live else {})}
        try:
            person = store.find_person(self.person) if self.person else None
            self.last_session_id = store.add_session(person.id if person else None, run.drill.name, None, summary).id
        except (UserError, sqlite3.Error) as exc:
            self._emit(EventType.ERROR, f"The exercise's scores could not be saved in the records ({exc}).")

    def _keep_cut_short(self, run: PracticeRun) -> None:
        """An exercise stopped before its end keeps the reps it scored in the records (a
        screening test cut short has no result: nothing is kept)."""
        if isinstance(run.drill, ScreeningTest) or not run.scores or run.finished.is_set() and run.all_scored:
            return
        run.stopped_early = True
        last = run.close_partial_set()
        if last is not None:
            self._emit(EventType.SET_DONE, last.sentence(), last)
        self._add_practice_record(run)

    def cancel_routines(self) -> None:
        """Stop a calibration or contact check under way: off the stream, the simulated person
        relaxes, a late result is ignored."""
        with self._routine_lock:
            runs: list[Any] = [r for r in (self._calibration, self._contact, self._practice) if r is not None]
            self._calibration, self._contact, self._practice = None, None, None
        for run in runs:
            if run.stream is not None and run.sink is not None:
                run.stream.worker.remove_sink(run.sink)
            if isinstance(run, PracticeRun):
                self._keep_cut_short(run)
        stream = self.stream
        src = stream.source if stream is not None else None
        if isinstance(src, SimulatedPatch) and src.cued is not None:
            src.cue(None)

    # -- recording --------------------------------------------------------------------------------
    @property
    def recording(self) -> CsvRecorder | None:
        return self.stream.recorder if self.stream is not None else None

    def _default_path(self) -> Path:
        folder = self.options.recordings_dir or Path.cwd()
        stamp = _dt.datetime.now().strftime("%Y-%m-%d_%H%M%S")
        key = {SimulatedChoice: getattr(self.choice, "scenario", ""), ReplayChoice: "replay"}.get(type(self.choice), "session")
        path = folder / f"{stamp}_{key}.csv"
        k = 2
        while path.exists():  # never overwrite an earlier recording
            path = folder / f"{stamp}_{key}-{k}.csv"
            k += 1
        return path

    def start_recording(self, path: Path | None = None, max_samples: int | None = None) -> Path:
        """Record to ``path`` (default: a new file in the recordings folder) from the next sample."""
        stream = self._need_stream("record")
        path = Path(path) if path is not None else self._default_path()
        extra: dict[str, str] = {}
        if self.person:
            extra["person"] = self.person
        if self.references:
            extra["mvic"] = format_mvic(self.references)  # the file carries its own normalisation
        rec = stream.start_recording(path, extra=extra, max_samples=max_samples)
        self._marks = []  # each recording numbers its marks from 1
        self._recording_person = self.person  # whose session it is (the file's header says so too)
        self._recorded_practice = []
        self._recording_uuid = new_uuid()
        self._recording_session = self._open_session_record(str(Path(rec.path).resolve()))
        self._emit(EventType.RECORDING_STARTED, f"Recording to {rec.path}.", rec.path)
        return rec.path

    def _open_session_record(self, csv_path: str) -> int | None:
        """The session row is written when recording starts (marked in progress), so a crash or a
        kill leaves it in the records for ``glutefire recover``; Stop fills it in."""
        store = self.store
        if store is None or self.choice is None:
            return None
        exercise, name, key = self.choice.exercise, self._recording_person, self._recording_uuid

        def open_row(db: Store) -> int:
            person = db.find_person(name) if name else None
            return db.put_session(key, person.id if person else None, exercise, csv_path, {"in_progress": True}).id

        try:
            opened = self._later.write(store, f"the session of {csv_path}", open_row)
            if opened is None:
                self._emit(EventType.INFO, "The records server cannot be reached; the recording goes on on this "
                           "computer and its session is added when the server is back." if store.shared else
                           "The records are busy in another program; this session is added to "
                           "them as soon as they are free (the recording goes on).")
            return opened
        except (UserError, sqlite3.Error) as exc:
            self._emit(EventType.ERROR, f"The records could not take the new session ({exc}); the recording goes on.")
            return None

    def stop_recording(self) -> SavedRecording | None:
        """Close the recording and add the session (with the live figures) to the records."""
        stream = self.stream
        if stream is None:
            return None
        rec = stream.stop_recording()
        if rec is None:
            return None
        session_id = self._add_session_record(str(Path(rec.path).resolve()))
        saved = SavedRecording(rec.path, rec.duration_s, rec.error, session_id)
        msg = rec.error or f"Saved {rec.duration_s:.1f} s to {rec.path}."
        self._emit(EventType.RECORDING_SAVED, msg, saved)
        return saved

    def _add_session_record(self, csv_path: str) -> int | None:
        """The session in the records, as the person whose recording it is (chosen at Record)."""
        store = self.store
        if store is None or self.live is None or self.choice is None:
            return None
        self.live.settle()  # the last contraction need not wait for its merge gap
        summary = self.live.snapshot().summary()
        exercise = self.choice.exercise
        if self._recorded_practice:  # the protocols done during the recording, with every rep's score
            summary["practice"] = self._recorded_practice
            exercise = ", ".join(dict.fromkeys(str(p["name"]) for p in self._recorded_practice))
            self._recorded_practice = []
            try:  # the same scores as a table next to the recording
                summary["rep_csv"] = str(write_rep_csv(rep_csv_path(csv_path), summary["practice"]))
            except UserError as exc:
                self._emit(EventType.ERROR, str(exc))
        self._recording_session = None
        name, key = self._recording_person, self._recording_uuid
        pending = PendingSession(key, name or None, exercise, csv_path, summary)

        def finish_row(db: Store) -> int:
            if db.shared:  # the session and the recording itself to the server, from the outbox
                return self.outbox.send(db, pending)
            # (the row opened at Record, by its UUID, or a new one if the records were busy then)
            person = db.find_person(name) if name else None
            return db.put_session(key, person.id if person else None, exercise, csv_path, summary).id

        try:
            if store.shared:
                self.outbox.put(pending)  # kept on this computer until the server has it
            saved = self._later.write(store, f"the session of {csv_path}", finish_row)
            if saved is None:
                self._emit(EventType.INFO, f"The recording {csv_path} is kept on this computer; the records server "
                           "cannot be reached, so it and its session go to the server when it is back."
                           if store.shared else f"The recording {csv_path} is saved; the records are busy in another "
                           "program, so its session is added as soon as they are free.")
                return None
            self.last_session_id = saved
            return saved
        except UserError as exc:
            self._emit(EventType.ERROR, str(exc))
        except sqlite3.Error as exc:
            self._emit(EventType.ERROR, f"The recording {csv_path} is saved, but the records could not "
                       f"take the session ({exc}).")
        except OSError as exc:  # the outbox on this computer (full disk): the recording itself is saved
            self._emit(EventType.ERROR, f"The recording {csv_path} is saved, but its session could not be kept "
                       f"for the records server ({os_reason(exc)}).")
        return None

    def _report_later(self, saved: list[str], failed: list[str]) -> None:
        for what in saved:
            self._emit(EventType.INFO, f"The records were free again: {what} is in them now.")
        for what in failed:
            self._emit(EventType.ERROR, f"The records could not take {what}; `glutefire recover` adds it later.")

    def _note_in_recording(self, text: str) -> None:
        """An event row in the recording under way (person or references changed mid-recording)."""
        stream = self.stream
        if stream is not None and stream.recorder is not None:
            stream.mark(text)

    def mark(self, note: str = "") -> int:
        """A mark at the newest sample of the recording ("mark 3", or "mark 3: note"); returns its
        number, so a note typed afterwards can be added with ``annotate_mark``."""
        stream = self.stream
        if stream is None or stream.recorder is None:
            raise UserError("Not recording: press Record first, then Mark.")
        note = " ".join(note.split())  # one line in the CSV
        number = len(self._marks) + 1
        stream.mark(f"mark {number}: {note}" if note else f"mark {number}")
        self._marks.append((stream.worker.processed_samples, note))
        self._emit(EventType.MARKED, f"Mark {number} added" + (f": {note}" if note else "."), number)
        return number

    def annotate_mark(self, number: int, note: str, recording: Path | None = None) -> bool:
        """A note for mark ``number`` of the recording at ``recording`` (the current one if None),
        typed after the mark was made: the mark keeps its moment, the note follows as "mark 3
        note: …". False when that recording has ended meanwhile (the note cannot go into it)."""
        stream = self.stream
        note = " ".join(note.split())
        rec = stream.recorder if stream is not None else None
        if stream is None or rec is None or (recording is not None and rec.path != recording):
            return False
        if not note or not 1 <= number <= len(self._marks):
            return False
        stream.mark(f"mark {number} note: {note}")
        index, _ = self._marks[number - 1]
        self._marks[number - 1] = (index, note)
        self._emit(EventType.MARKED, f"Mark {number}: {note}", number)
        return True

    # -- replay -----------------------------------------------------------------------------------
    def _replay(self) -> tuple[LiveStream, ReplaySource]:
        stream = self.stream
        if stream is None or not isinstance(stream.source, ReplaySource):
            raise UserError("No recording is being replayed: open one first (Records → Open recording…).")
        return stream, stream.source

    def replay_state(self) -> ReplayState | None:
        """Where the replayed recording is (None: not replaying); cheap, for the transport bar."""
        src = self.source
        return src.state() if isinstance(src, ReplaySource) else None

    def replay_play(self, playing: bool = True) -> None:
        """Play or pause the replayed recording (play at its end starts it again)."""
        _, src = self._replay()
        src.play() if playing else src.pause()

    def replay_speed(self, speed: float) -> None:
        self._replay()[1].set_speed(speed)

    def replay_seek(self, seconds: float) -> None:
        """Jump to ``seconds`` into the recording: a discontinuity (``app.session.replay``). The
        source stops, the DSP takes everything from before the jump, the live analysis starts
        again after it with the rest level it had measured, a routine under way is cancelled."""
        stream, src = self._replay()
        playing = src.playing
        src.pause()  # no block from before the jump can come after this
        stream.wait_samples(stream.ring.total, 2.0)
        self.cancel_routines()
        src.seek(seconds)
        self._settle_at = None
        self._new_analysis(keep_rest=True)
        if playing:
            src.play()

    # -- the frame --------------------------------------------------------------------------------
    def newest_sample(self) -> int:
        """How many samples the DSP has processed (cheap: a view asks it every few ms)."""
        stream = self.stream
        return stream.worker.processed_samples if stream is not None else -1

    def delay_s(self, shown_sample: int) -> float | None:
        """Seconds since the packet holding ``shown_sample`` (the newest sample a frame shows)
        arrived: the end-to-end delay the person sees, measured by the app itself."""
        stream = self.stream
        at = stream.arrived_at(shown_sample) if stream is not None and shown_sample > 0 else None
        return None if at is None else time.perf_counter() - at

    def frame(self, n_bins: int = DISPLAY_BINS_PER_WINDOW) -> Frame:
        """What a view paints now (cheap: the newest display bins and a cached analysis snapshot)."""
        self.poll()
        self._poll_practice()
        if self._later.waiting and self._store is not None:  # on a server never on this thread
            later = self._later
            self._report_later(*(later.retry_in_background(self._store.reopen) if self._store.shared
                                 else later.retry(self._store)))
        if self._restart_analysis and self.stream is not None:
            self._restart_analysis = False
            self._new_analysis()
        stream = self.stream
        settle = self._settle_at
        if settle is not None and stream is not None and self.live is not None and self.live.taken >= settle:
            self._settle_at = None
            self.live.settle()  # the replay's last contraction need not wait for a merge gap that never comes
        if stream is None:
            return Frame(self.state, self.person, self._idle_channels(),
                         analysis=self.live.snapshot() if self.live is not None else None)
        worker = stream.worker
        start, lo, hi, env = aligned_display(worker, n_bins)
        n = env.shape[1]
        fs = stream.fs
        bin_s = worker.display_bin / fs
        end = start + n
        t = (np.arange(start, end) - end) * bin_s if n else np.empty(0)
        now = worker.processed_samples
        firing = worker.firing.firing.copy()
        since = worker.firing.since.copy()
        last = worker.last_envelope.copy()
        with self._routine_lock:
            cal, contact, run = self._calibration, self._contact, self._practice
        shown = self._last_practice
        roles = (run or shown).current_roles if (run or shown) is not None else None  # type: ignore[union-attr]
        channels = tuple(
            replace(base, firing=bool(firing[i]), level=float(last[i]),
                    held_s=(now - since[i]) / fs if firing[i] else 0.0, role=roles.role(i) if roles else "")
            for i, base in enumerate(self._channel_bases(stream))
        )
        for a in (t, lo, hi, env):
            a.setflags(write=False)
        rec = stream.recorder
        return Frame(
            State.STREAMING, self.person, channels, t, lo, hi, env,
            analysis=self.live.snapshot() if self.live is not None else None,
            status=stream.status(),
            recording=RecordingState(rec.path, rec.duration_s) if rec is not None else None,
            marks=tuple(Mark(k, (i - now) / fs, note) for k, (i, note) in enumerate(self._marks, 1)
                        if now - i <= DISPLAY_WINDOW_S * fs),
            prompt=cal.prompt if cal is not None and not cal.done.is_set() else None,
            contact_progress=contact.progress if contact is not None else None,
            source_name=stream.source.name,
            practice=shown.state() if shown is not None else None,
            shown_sample=end * worker.display_bin,
            replay=stream.source.state() if isinstance(stream.source, ReplaySource) else None,
        )

    def _channel_bases(self, stream: LiveStream) -> list[ChannelFrame]:
        out = []
        for i, (label, unit) in enumerate(zip(stream.labels, stream.units)):
            ref = self.references.get(label)
            th = float(stream.thresholds[i])
            if ref is not None:
                shown, scale, target = ref.unit.replace("%MVIC", "% MVIC"), float(ref.percent(1.0)), float(ref.percent(th))
            else:
                shown, scale, target = UNIT_TEXT.get(unit, unit), 1.0, th
            out.append(ChannelFrame(label, display_name(label), shown, scale, ref, target, th))
        return out

    def _idle_channels(self) -> tuple[ChannelFrame, ...]:
        """After Disconnect: the last session's channels, nothing firing."""
        if self.live is None:
            return ()
        return tuple(ChannelFrame(lb, display_name(lb), "", 1.0, None, float("nan"), float("nan"))
                     for lb in self.live.labels)

    def close(self) -> None:
        """End the session and close the records when this controller opened them (a store
        handed in belongs to the caller)."""
        self.disconnect()
        if self._later.waiting and self._store is not None:
            self._report_later(*self._later.flush(self._store))
        if self._store is not None and self._owns_store:
            self._store.close()
            self._store = None

    def wait_samples(self, n: int, timeout: float) -> bool:
        """Block until the DSP has processed ``n`` samples (headless use, tests)."""
        stream = self.stream
        return stream.wait_samples(n, timeout) if stream is not None else False
