"""The live window: toolbar, the traces column, the session column, the status line.

Thin: the ``SessionController`` runs the session; this window passes it the person's requests and paints its
``Frame`` on new samples (``FramePacer``); rare events reach the UI thread from any thread by a queued signal.
"""

from __future__ import annotations

from pathlib import Path

from platformdirs import user_documents_dir
from PySide6.QtCore import QObject, QSettings, Qt, QTimer, Signal
from PySide6.QtGui import QAction, QCloseEvent, QKeySequence
from PySide6.QtWidgets import QHBoxLayout, QInputDialog, QMainWindow, QVBoxLayout, QWidget

from app import __version__
from app.analysis.live import LiveSnapshot
from app.devices.scenarios import SCENARIOS
from app.errors import UserError
from app.session.controller import EventType, SessionController, SessionEvent, SourceChoice, State
from app.storage.store import Store
from app.ui import theme
from app.ui.about_dialog import install_about
from app.ui.channel_row import ChannelRow
from app.ui.channels_view import ChannelsView, ContractionKey
from app.ui.frame_pacer import FramePacer
from app.ui.practice_controls import PracticeControls
from app.ui.preferences import Preferences
from app.ui.records_controls import RecordsControls
from app.ui.replay_bar import ReplayControls
from app.ui.routine_panel import RoutinePanel
from app.ui.session_panel import SessionPanel
from app.ui.sound_feedback import SoundFeedback
from app.ui.status_bar import SessionStatusBar
from app.ui.toolbar import SessionToolbar

FRAME_MS = 14  # the shortest gap between frames: with 4 ms ticks, a frame every ~16 ms (60 fps)
STATUS_MS = 250


class _Bridge(QObject):
    """Carries the controller's events (any thread) to the UI thread as a queued signal."""

    happened = Signal(object)


class MainWindow(QMainWindow):
    """GluteFire's live biofeedback window."""

    def __init__(self, settings: QSettings | None = None, recordings_dir: Path | None = None,
                 seed: int | None = None, store: Store | None = None) -> None:
        super().__init__()
        self.prefs = Preferences(settings)
        self.recordings_dir = recordings_dir or Path(user_documents_dir()) / "GluteFire" / "recordings"
        self._seed = seed
        self.controller = SessionController(self.prefs.session_options(self.recordings_dir), self.prefs, store=store)
        self.controller.person = self.prefs.person()
        self._bridge = _Bridge(self)
        self._bridge.happened.connect(self._on_event, Qt.ConnectionType.QueuedConnection)
        self.controller.listeners.append(self._bridge.happened.emit)
        self.frames = 0
        self._snap: LiveSnapshot | None = None
        self.setWindowTitle(f"GluteFire {__version__} — live glute activation")
        self.resize(1280, 720)
        self.setStyleSheet(theme.APP_STYLE)
        self.toolbar = SessionToolbar(self.prefs)
        self.addToolBar(self.toolbar)
        self.status = SessionStatusBar()
        self.setStatusBar(self.status)
        install_about(self)  # the icon, F1 and the version in the status bar
        self.practice = PracticeControls(self.controller, self, lambda text: self.status.say(text, 8000))
        self.records = RecordsControls(self.controller, self, lambda text: self.status.say(text, 8000), self._fill_people)
        self.sound = SoundFeedback(self.prefs.sound())
        self.controller.listeners.append(self.sound.on_event)  # straight from the DSP thread: no delay
        self._wire_toolbar()
        self.records.wire(self.toolbar, self.practice.strip)
        self.toolbar.resized.connect(self._fit_toolbar)
        self.replay = ReplayControls(self)  # the transport bar, its keys, Records → Open recording…
        self.setCentralWidget(self._build_central())
        self.frame_timer = FramePacer(self.refresh, self.controller.newest_sample, self)  # paints on new data
        self.status_timer = QTimer(self)
        self.status_timer.timeout.connect(self.update_status)
        self._space = ContractionKey(self, self.channels.contract_btn, self.controller.press)
        self._fill_people()
        self._fit_toolbar()
        self._sync_manual_button()
        self.update_status()

    def _wire_toolbar(self) -> None:
        tb = self.toolbar
        tb.connect_clicked.connect(self.toggle_connect)
        tb.record_clicked.connect(self.toggle_record)
        tb.mark_clicked.connect(self.add_mark)
        tb.settings_clicked.connect(self.open_settings)
        tb.contact_check.connect(lambda: self.routine.check_contact())
        tb.calibrate.connect(lambda: self.routine.calibrate())
        tb.remeasure.connect(self.remeasure_rest)
        tb.scenario_changed.connect(self._scenario_changed)
        tb.practice.connect(self.practice.choose_exercise)
        tb.screening.connect(self.practice.choose_screening)
        tb.home_view.connect(self.practice.open_home)
        tb.source.chosen.connect(self._sync_manual_button)
        mark = QAction(self)
        mark.setShortcut(QKeySequence("M"))
        mark.triggered.connect(self.add_mark)
        self.addAction(mark)

    def _fit_toolbar(self) -> None:
        """Never narrower than the toolbar: no button may hide behind its "»" (all fit 1280 px)."""
        self.setMinimumWidth(min(1280, self.toolbar.sizeHint().width() + 4))

    def _build_central(self) -> QWidget:
        central = QWidget()
        columns = QHBoxLayout(central)
        columns.setContentsMargins(12, 10, 12, 8)
        columns.setSpacing(10)
        left = QWidget()
        left.setMinimumWidth(520)
        outer = QVBoxLayout(left)
        outer.setContentsMargins(0, 0, 0, 0)
        outer.setSpacing(8)
        self.banner = theme.banner(f"background: {theme.ERROR_BG}; color: {theme.ERROR_FG};")
        self.done_banner = theme.banner("background: #dcfce7; color: #14532d; font-size: 15px; font-weight: 600;")
        self.routine = RoutinePanel(self.controller)
        self.routine.message.connect(lambda text: self.status.say(text, 8000))
        self.routine.calibrated.connect(self._calibrated)
        self.channels = ChannelsView(self.controller.press)
        self.channels.threshold_changed.connect(self._threshold_changed)
        self.channels.unit_changed.connect(self._show_person)
        for w in (self.banner, self.done_banner, self.replay.bar, self.routine, self.practice.strip):
            outer.addWidget(w)
        outer.addWidget(self.channels, 1)
        self.panel = SessionPanel()
        self.panel.person_box.person_chosen.connect(self._person_chosen)
        self.panel.person_box.calibrate_new.connect(lambda: self.routine.calibrate(new_person=True))
        columns.addWidget(left, 1)
        columns.addWidget(self.panel)
        return central

    @property
    def rows(self) -> list[ChannelRow]:
        return self.channels.rows

    # -- connecting ------------------------------------------------------------------------------
    def toggle_connect(self) -> None:
        self.connect_source() if self.controller.state is State.IDLE else self.disconnect_source()

    def connect_source(self, choice: SourceChoice | None = None) -> None:
        tb = self.toolbar
        choice = choice or tb.source.choice(tb.labels, tb.scenario_key, self.prefs.sample_rate(), self._seed)
        if self.sound.start():  # the first time: no sound output, said once
            self.status.say(self.sound.reason, 8000)
        self.controller.sound_cues = not self.sound.reason  # the goal tone's detector, only if heard
        try:
            self.controller.connect(choice)
        except UserError as exc:
            self.show_error(str(exc))
            return
        if self.controller.state is State.CONNECTING:
            self.status.say(f"Connecting to {tb.source.currentText()}…", 60_000)
        self.done_banner.hide()
        self._snap = None
        self.frame_timer.start(FRAME_MS)
        self.status_timer.start(STATUS_MS)
        self.refresh()
        self._sync_controls()

    def disconnect_source(self) -> None:
        self.controller.disconnect()
        self.frame_timer.stop()
        self.status_timer.stop()
        self.refresh()  # tiles go grey: nothing fires while disconnected
        self.routine.hide()
        self._sync_controls()
        self.update_status()

    def _scenario_changed(self) -> None:
        self._sync_manual_button()
        if self.controller.state is State.STREAMING:  # a new exercise is a new stream, in place
            self.disconnect_source()
            self.connect_source()

    def _manual(self) -> bool:
        return self.toolbar.source.simulated and SCENARIOS[self.toolbar.scenario_key].manual and not self.replay.active

    def _sync_manual_button(self) -> None:
        self.channels.contract_btn.setVisible(self._manual())
        self._sync_controls()

    def _sync_controls(self) -> None:
        self.toolbar.set_state(self.controller.state, self.controller.recording is not None)

    # -- recording, marks, checks ----------------------------------------------------------------
    def toggle_record(self) -> None:
        self.start_recording() if self.controller.recording is None else self.stop_recording()

    def start_recording(self, path: Path | None = None) -> None:
        try:
            self.controller.start_recording(path)
        except UserError as exc:
            self.show_error(str(exc))
        self._sync_controls()
        self.update_status()

    def stop_recording(self) -> None:
        self.controller.stop_recording()
        self._sync_controls()
        self.update_status()

    def add_mark(self) -> None:
        """A mark now (it keeps this moment); then a small box for an optional note."""
        try:
            number = self.controller.mark()
        except UserError as exc:
            self.status.say(str(exc))
            return
        dlg = QInputDialog(self)
        dlg.setWindowTitle(f"Mark {number}")
        dlg.setLabelText(f"Mark {number} is in the recording. A note for it (optional):")
        dlg.setModal(False)  # the traces and the recording go on while typing
        rec = self.controller.recording
        path = rec.path if rec is not None else None

        def noted(text: str) -> None:
            if text.strip() and not self.controller.annotate_mark(number, text, path):
                self.status.say(f"The recording of mark {number} has ended; the note was not added.")

        dlg.textValueSelected.connect(noted)
        dlg.show()
        dlg.raise_()
        dlg.activateWindow()  # typing goes into the note, not to the window's keys (M, Space)
        self.mark_dialog = dlg

    def remeasure_rest(self) -> None:
        try:
            self.channels.insight.setText(self.controller.remeasure_rest())
        except UserError as exc:
            self.status.say(str(exc))

    def open_settings(self) -> None:
        from app.ui.settings_dialog import SettingsDialog

        dlg = SettingsDialog(self.prefs, self.controller.state is State.STREAMING, self)
        if dlg.exec():
            try:
                self.controller.set_filters(self.prefs.filters())
            except UserError as exc:
                self.show_error(str(exc))
            self.controller.options = self.prefs.session_options(self.recordings_dir, self.controller.options)  # next Connect
            self.sound.set_settings(self.prefs.sound())

    # -- people -----------------------------------------------------------------------------------
    def _calibrated(self) -> None:
        self.prefs.set_person(self.controller.person)
        self._fill_people()

    def _fill_people(self) -> None:
        self.panel.person_box.fill(self.controller.people(), self.controller.person)
        self._show_person()

    def _person_chosen(self, name: str) -> None:
        self.prefs.set_person(name)
        self.status.say(self.controller.choose_person(name), 8000)
        self._show_person()

    def _show_person(self) -> None:
        self.panel.set_person(self.controller.person, bool(self.controller.references))

    def _threshold_changed(self, index: int, value: float) -> None:
        try:
            self.controller.set_target(index, value)
        except UserError as exc:
            self.status.say(str(exc))

    # -- the frame and events ---------------------------------------------------------------------
    def refresh(self) -> None:
        """One display frame: the controller's newest ``Frame``, painted."""
        frame = self.controller.frame()
        self.channels.show_frame(frame)
        self.status.note_delay(self.controller.delay_s(frame.shown_sample))
        if frame.analysis is not None and frame.analysis is not self._snap:
            self.show_snapshot(frame.analysis)
        self.routine.show_frame(frame)
        self.practice.show_frame(frame)
        self.sound.show_frame(frame)
        self.panel.show_practice(frame.practice)
        practising = frame.practice is not None and not frame.practice.finished
        busy = self.routine.running or practising  # one routine at a time; the prompts drive, not the button
        self.channels.contract_btn.setVisible(self._manual() and not busy)
        self.toolbar.check_btn.setEnabled(frame.streaming and not busy)
        self.frames += 1

    def show_snapshot(self, snap: LiveSnapshot) -> None:
        """What the live analysis found: the headline, the session column, the tiles, the stop cue."""
        self._snap = snap
        self.panel.show_snapshot(snap)
        self.channels.show_snapshot(snap, self.controller.state is State.STREAMING)
        if snap.stop_message and not self.done_banner.isVisible():
            self.done_banner.setText(snap.stop_message + " Rest and come back tomorrow.")
            self.done_banner.show()

    def _on_event(self, ev: SessionEvent) -> None:
        """UI thread: one rare event from the controller."""
        t = ev.type
        if t is EventType.CROSSED:
            self.refresh()  # paint the tile now, not up to a frame later (benchmarks/bench_latency.py)
        elif t in (EventType.ERROR, EventType.LINK_LOST, EventType.CONNECT_FAILED):
            self.show_error(ev.message)  # stays until the link is back or the next connect
            if t is EventType.CONNECT_FAILED:
                self.disconnect_source()
        elif t in (EventType.CONNECTED, EventType.LINK_RESTORED):  # (records that failed to open stay said)
            self.show_error(p) if (p := self.controller.records_problem) else self.hide_error()
            self.status.say(ev.message, 4000)
            self._sync_controls()
        elif t in (EventType.INFO, EventType.RECORDING_SAVED, EventType.MARKED):
            self.status.say(ev.message, 8000)
        elif t in (EventType.CALIBRATION_FINISHED, EventType.CALIBRATION_FAILED, EventType.CONTACT_CHECKED):
            self.routine.show_event(ev)
        elif t is EventType.BATTERY:
            self.update_status()
        self.practice.on_event(ev)
        self.records.on_event(ev)

    def update_status(self) -> None:
        frame = self.controller.frame()
        self.status.show_frame(frame)
        st = frame.status
        for err in (st.recorder_error, st.dsp_error, st.analysis_error) if st is not None else ():
            if err:
                self.show_error(err)

    def show_error(self, message: str) -> None:
        self.banner.setText(message)
        self.banner.show()

    def hide_error(self) -> None:
        self.banner.hide()

    def closeEvent(self, event: QCloseEvent) -> None:
        self._space.remove()
        self.disconnect_source()
        self.controller.close()
        self.sound.stop()
        self.prefs.sync()
        super().closeEvent(event)
