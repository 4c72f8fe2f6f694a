"""The live window: source, connect, stacked channels with targets, record, status.

Thin: it builds a ``LiveStream`` (session layer) and, on a QTimer at the display rate, pulls the
newest display bins and firing state from the DSP worker. Nothing here runs per packet.
"""

from __future__ import annotations

import datetime as _dt
from pathlib import Path

import numpy as np
from platformdirs import user_documents_dir
from PySide6.QtCore import QObject, QSettings, Qt, QTimer, Signal
from PySide6.QtGui import QAction, QCloseEvent, QIcon, QKeyEvent, QKeySequence
from PySide6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QLabel,
    QMainWindow,
    QMenu,
    QPushButton,
    QScrollArea,
    QStatusBar,
    QToolBar,
    QVBoxLayout,
    QWidget,
)

from app import __version__
from app.analysis.live import LiveSnapshot
from app.devices.scenarios import SCENARIOS
from app.devices.simulator import SimulatedPatch
from app.devices.source import EventKind, Source, SourceEvent
from app.dsp.decimate import DISPLAY_BINS_PER_WINDOW
from app.dsp.worker import aligned_display
from app.errors import UserError
from app.muscles import PRESETS
from app.session.stream import LiveStream
from app.storage.store import Store
from app.ui import theme
from app.ui.channel_row import ChannelRow
from app.ui.preferences import Preferences
from app.ui.session_panel import SessionPanel

FRAME_MS = 16  # ~60 fps
ENVELOPE_HEADROOM = 1.8
STATUS_MS = 250
SIM_KEY = "sim"
SCAN_KEY = "scan"
CALIBRATE_KEY = "\x00calibrate"  # the person box's "calibrate someone" entry


def default_recordings_dir() -> Path:
    return Path(user_documents_dir()) / "GluteFire" / "recordings"


class _CrossingBridge(QObject):
    """Carries rare moments from other threads to the UI as queued Qt signals.

    ``crossed``: a channel crossed its target (DSP thread) — the window paints the tile at once
    instead of up to one frame later (benchmarks/bench_latency.py). ``event``: the source reported
    connected / link lost / restored / battery / error (source or BLE thread). Samples never
    travel this way.
    """

    crossed = Signal()
    event = Signal(object)


class MainWindow(QMainWindow):
    """GluteFire's live biofeedback window."""

    def __init__(
        self,
        settings: QSettings | None = None,
        recordings_dir: Path | None = None,
        seed: int | None = None,
        store: Store | None = None,
    ) -> None:
        super().__init__()
        self.prefs = Preferences(settings)
        self.recordings_dir = recordings_dir or default_recordings_dir()
        self._seed = seed
        self.stream: LiveStream | None = None
        self.live = None
        self.references: dict = {}  # type: ignore[type-arg]  # label -> MvicReference in use
        self._snap_version = -1
        self.store = store
        self.rows: list[ChannelRow] = []
        self.frames = 0
        self.setWindowTitle(f"GluteFire {__version__} — live glute activation")
        icon = Path(__file__).resolve().parents[2] / "assets" / "glutefire.svg"
        if icon.exists():  # source checkout; bundles ship it under assets/ too
            self.setWindowIcon(QIcon(str(icon)))
        self.resize(1280, 760)
        self.setStyleSheet(theme.APP_STYLE)

        self._build_toolbar()
        central = QWidget()
        columns = QHBoxLayout(central)
        columns.setContentsMargins(12, 10, 12, 8)
        columns.setSpacing(10)
        left = QWidget()
        outer = QVBoxLayout(left)
        outer.setContentsMargins(0, 0, 0, 0)
        outer.setSpacing(8)
        columns.addWidget(left, 1)
        self.panel = SessionPanel()
        columns.addWidget(self.panel)
        self.person_box = self.panel.person_box
        self.person_box.activated.connect(self._person_chosen)
        self._fill_people()
        self.banner = QLabel("")
        self.banner.setWordWrap(True)
        self.banner.setStyleSheet(
            f"background: {theme.ERROR_BG}; color: {theme.ERROR_FG}; padding: 8px 12px; border-radius: 6px;"
        )
        self.banner.hide()
        outer.addWidget(self.banner)
        self.done_banner = QLabel("")
        self.done_banner.setWordWrap(True)
        self.done_banner.setStyleSheet(
            "background: #dcfce7; color: #14532d; padding: 8px 12px; border-radius: 6px; font-size: 15px; font-weight: 600;"
        )
        self.done_banner.hide()
        outer.addWidget(self.done_banner)
        self.insight = QLabel("")
        self.insight.setStyleSheet("color: #0f172a; font-size: 16px; font-weight: 600; padding: 2px 4px;")
        self.insight.setToolTip("The last rep: which muscle fired first (onset detector, docs/algorithms.md)")
        self.insight.hide()
        outer.addWidget(self.insight)
        self.channels_box = QWidget()
        self.channels_layout = QVBoxLayout(self.channels_box)
        self.channels_layout.setContentsMargins(0, 0, 0, 0)
        self.channels_layout.setSpacing(10)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QScrollArea.Shape.NoFrame)
        scroll.setWidget(self.channels_box)
        outer.addWidget(scroll, 1)
        self.placeholder = QLabel(
            "Press Connect to stream from the patch.\n"
            "The simulated patch is always available, no hardware needed."
        )
        self.placeholder.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.placeholder.setStyleSheet("color: #64748b; font-size: 16px; padding: 60px;")
        self.channels_layout.addWidget(self.placeholder)

        self.contract_btn = QPushButton("Hold to contract  (or hold Space)")
        self.contract_btn.setObjectName("contract")
        self.contract_btn.pressed.connect(lambda: self._press(True))
        self.contract_btn.released.connect(lambda: self._press(False))
        outer.addWidget(self.contract_btn)
        self.setCentralWidget(central)

        self._build_status()
        self.frame_timer = QTimer(self)
        self.frame_timer.setTimerType(Qt.TimerType.PreciseTimer)
        self.frame_timer.timeout.connect(self.refresh)
        self._bridge = _CrossingBridge(self)
        self._bridge.crossed.connect(self.refresh, Qt.ConnectionType.QueuedConnection)
        self._bridge.event.connect(self._on_source_event, Qt.ConnectionType.QueuedConnection)
        self.status_timer = QTimer(self)
        self.status_timer.timeout.connect(self.update_status)
        self._sync_source_controls()
        self.update_status()

    # -- construction -----------------------------------------------------------------------
    def _build_toolbar(self) -> None:
        tb = QToolBar("Session")
        tb.setMovable(False)
        self.addToolBar(tb)
        tb.addWidget(QLabel("Source"))
        self.source_box = QComboBox()
        self.source_box.addItem("Simulated patch", SIM_KEY)
        last = self.prefs.last_device()
        if last is not None:
            self._add_device_item(*last)
        self.source_box.addItem("Find a Bluetooth patch…", SCAN_KEY)
        self.source_box.setToolTip("Where the EMG comes from")
        self.source_box.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        self.source_box.setMinimumContentsLength(14)
        key = self.prefs.last_source()
        idx = self.source_box.findData(key)
        self.source_box.setCurrentIndex(idx if idx >= 0 and key != SCAN_KEY else 0)
        self._source_index = self.source_box.currentIndex()
        self.source_box.activated.connect(self._source_chosen)
        tb.addWidget(self.source_box)
        tb.addWidget(QLabel("Exercise"))
        self.scenario_box = QComboBox()
        self.scenario_box.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        self.scenario_box.setMinimumContentsLength(15)
        for key, sc in SCENARIOS.items():
            self.scenario_box.addItem(sc.name, key)
            self.scenario_box.setItemData(self.scenario_box.count() - 1, sc.description, Qt.ItemDataRole.ToolTipRole)
        self.scenario_box.setCurrentIndex(self.scenario_box.findData(self.prefs.scenario()))
        self.scenario_box.currentIndexChanged.connect(self._scenario_changed)
        tb.addWidget(self.scenario_box)
        tb.addWidget(QLabel("Channels"))
        self.preset_box = QComboBox()
        self.preset_box.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        self.preset_box.setMinimumContentsLength(15)
        for name in PRESETS:
            self.preset_box.addItem(name, name)
        self.preset_box.setCurrentIndex(self.preset_box.findData(self.prefs.preset()))
        self.preset_box.currentIndexChanged.connect(self._preset_changed)
        tb.addWidget(self.preset_box)
        tb.addSeparator()
        self.connect_btn = QPushButton("Connect")
        self.connect_btn.setObjectName("primary")
        self.connect_btn.setCheckable(True)
        self.connect_btn.clicked.connect(self.toggle_connect)
        tb.addWidget(self.connect_btn)
        self.record_btn = QPushButton("● Record")
        self.record_btn.setObjectName("record")
        self.record_btn.setCheckable(True)
        self.record_btn.setEnabled(False)
        self.record_btn.clicked.connect(self.toggle_record)
        self.record_btn.setToolTip("Record to a CSV file in " + str(self.recordings_dir))
        tb.addWidget(self.record_btn)
        self.mark_btn = QPushButton("Mark")
        self.mark_btn.setEnabled(False)
        self.mark_btn.setToolTip("Put a mark in the recording (M)")
        self.mark_btn.clicked.connect(self.add_mark)
        tb.addWidget(self.mark_btn)
        self.check_btn = QPushButton("Check ▾")
        self.check_btn.setEnabled(False)
        menu = QMenu(self.check_btn)
        menu.addAction("Check electrode contact (3 s at rest)", self.check_contact)
        menu.addAction("Calibrate %MVIC…", self.calibrate)
        menu.addAction("Measure the resting level again (relax 2 s)", self.remeasure_rest)
        self.check_btn.setMenu(menu)
        tb.addWidget(self.check_btn)
        tb.addSeparator()
        settings_btn = QPushButton("Settings…")
        settings_btn.clicked.connect(self.open_settings)
        tb.addWidget(settings_btn)
        mark_action = QAction(self)
        mark_action.setShortcut(QKeySequence("M"))
        mark_action.triggered.connect(self.add_mark)
        self.addAction(mark_action)

    def _build_status(self) -> None:
        sb = QStatusBar()
        self.setStatusBar(sb)
        self.status_source = QLabel()
        self.status_rate = QLabel()
        self.status_lost = QLabel()
        self.status_rec = QLabel()
        self._seps = []
        for w in (self.status_source, self.status_rate, self.status_lost):
            sb.addWidget(w)
            sep = _sep()
            self._seps.append(sep)
            sb.addWidget(sep)
        sb.addWidget(self.status_rec, 1)

    # -- source ---------------------------------------------------------------------------------
    def _add_device_item(self, address: str, protocol: str, name: str) -> int:
        key = f"ble:{address}|{protocol}|{name}"
        idx = self.source_box.findData(key)
        if idx < 0:
            from app.devices.protocols import PROTOCOLS

            label = f"{name or address} ({PROTOCOLS[protocol].name if protocol in PROTOCOLS else protocol})"
            idx = 1  # after the simulated patch
            self.source_box.insertItem(idx, label, key)
        return idx

    def _source_chosen(self, index: int) -> None:
        if self.source_box.itemData(index) == SCAN_KEY:
            self.source_box.setCurrentIndex(self._source_index)
            self.find_patch()
            return
        self._source_index = index
        self.prefs.set_last_source(self.source_box.currentData())
        self._sync_source_controls()

    def find_patch(self) -> None:
        """Open the scan dialog; a chosen patch becomes the current source."""
        from app.ui.connect_dialog import ConnectDialog

        last = self.prefs.last_device()
        dlg = ConnectDialog(self, last_address=last[0] if last else None)
        self._connect_dialog = dlg
        if dlg.exec() and dlg.chosen is not None:
            dev = dlg.chosen
            self.prefs.set_last_device(dev.address, dev.protocol, dev.name)
            idx = self._add_device_item(dev.address, dev.protocol, dev.name)
            self.source_box.setCurrentIndex(idx)
            self._source_chosen(idx)

    def _is_sim(self) -> bool:
        return self.source_box.currentData() == SIM_KEY

    def _sync_source_controls(self) -> None:
        sim = self._is_sim()
        self.scenario_box.setEnabled(sim)
        self._sync_manual_button()

    def make_source(self) -> Source:
        """The source chosen in the toolbar: the simulated patch or a Bluetooth patch."""
        if not self._is_sim():
            from app.devices.ble import BleSource

            address, protocol, _name = str(self.source_box.currentData())[4:].split("|")
            preset = PRESETS[self.preset_box.currentData()]
            return BleSource(address, protocol=protocol or None, labels=preset)
        return SimulatedPatch(
            labels=PRESETS[self.preset_box.currentData()],
            sample_rate_hz=self.prefs.sample_rate(),
            scenario=self.scenario_box.currentData(),
            seed=self._seed,
        )

    def toggle_connect(self) -> None:
        if self.stream is None:
            self.connect_source()
        else:
            self.disconnect_source()

    def connect_source(self) -> None:
        try:
            source = self.make_source()
        except UserError as exc:
            self.show_error(str(exc))
            self.connect_btn.setChecked(False)
            return
        if not isinstance(source, SimulatedPatch):  # a Bluetooth patch: connect off the UI thread
            self._open_in_background(source)
            return
        self._start_stream(source)

    def _open_in_background(self, source: Source) -> None:
        import concurrent.futures

        self.connect_btn.setEnabled(False)
        self.connect_btn.setText("Connecting…")
        self.statusBar().showMessage(f"Connecting to {self.source_box.currentText()}…")
        pool = concurrent.futures.ThreadPoolExecutor(1, thread_name_prefix="ble-open")
        fut = pool.submit(source.open)
        pool.shutdown(wait=False)
        self._opening = (source, fut)
        timer = QTimer(self)
        timer.timeout.connect(lambda: self._check_open(timer))
        timer.start(100)

    def _check_open(self, timer: QTimer) -> None:
        source, fut = self._opening
        if not fut.done():
            return
        timer.stop()
        timer.deleteLater()
        self.connect_btn.setEnabled(True)
        self.connect_btn.setText("Connect")
        self.statusBar().clearMessage()
        exc = fut.exception()
        if exc is not None:
            self.show_error(str(exc) if isinstance(exc, UserError) else f"Could not connect: {exc}")
            self.connect_btn.setChecked(False)
            return
        # labels: the preset's muscles when the counts match, otherwise ch1..chN
        try:
            source.channels  # noqa: B018
        except UserError:
            source._labels = None  # type: ignore[attr-defined]
        self._start_stream(source)

    def _start_stream(self, source: Source) -> None:
        try:
            thresholds = [self.prefs.threshold(lb) for lb in source.labels]
            self.stream = LiveStream(source, self.prefs.filters(), thresholds)
        except UserError as exc:
            source.stop()
            self.show_error(str(exc))
            self.connect_btn.setChecked(False)
            return
        self.prefs.set_last_source(self.source_box.currentData())
        self._build_rows(source)
        self.stream.worker.add_sink(self._on_processed)
        from app.analysis.live import LiveAnalysis

        fraction, consecutive = self.prefs.stopping_rule()
        self.live = LiveAnalysis(source.sample_rate_hz, source.labels, envelope_delay_s=self.stream.worker.delay_s,
                                 targets_uv=thresholds, signal_kind=self.stream.worker.signal_kind,
                                 stop_fraction=fraction, stop_consecutive=consecutive)
        self.stream.worker.add_sink(self.live)
        self.show_snapshot(self.live.snapshot())
        self.insight.show()
        self.done_banner.hide()
        self.stream.event_listeners.append(self._bridge.event.emit)
        self.stream.start()
        self._set_connected(True)
        self.frame_timer.start(FRAME_MS)
        self.status_timer.start(STATUS_MS)
        self.hide_error()
        self._load_references()
        self.update_status()

    def _set_connected(self, on: bool) -> None:
        """Enable what works while streaming; lock what must not change mid-stream."""
        self.connect_btn.setText("Disconnect" if on else "Connect")
        self.connect_btn.setChecked(on)
        for w in (self.record_btn, self.mark_btn, self.check_btn):
            w.setEnabled(on)
        for w in (self.preset_box, self.source_box):
            w.setEnabled(not on)

    def disconnect_source(self) -> None:
        if self.stream is None:
            return
        if self.stream.recorder is not None:
            self.stop_recording()
        self.frame_timer.stop()
        self.status_timer.stop()
        self.stream.stop()
        self.stream = None
        if self.live is not None:
            self.live.close()  # the column keeps showing the session's figures
        self.insight.hide()
        self._set_connected(False)
        self.update_status()

    def _build_rows(self, source: Source) -> None:
        for row in self.rows:
            row.setParent(None)
            row.deleteLater()
        self.rows = []
        self.placeholder.hide()
        for i, ch in enumerate(source.channels):
            row = ChannelRow(i, ch.label, ch.unit, self.prefs.threshold(ch.label))
            row.threshold_changed.connect(self._threshold_changed)
            self.channels_layout.addWidget(row, 1)
            self.rows.append(row)
        if self.rows:
            self.rows[-1].show_time_axis_label()

    def _on_processed(self, block) -> None:  # type: ignore[no-untyped-def]
        """DSP thread: only forwards the rare crossing moments (a queued signal)."""
        if block.crossings:
            self._bridge.crossed.emit()

    def _threshold_changed(self, index: int, value: float) -> None:
        """``value`` in µV (the DSP's unit); saved as µV, or as % MVIC for the person."""
        if self.stream is None:
            return
        th = self.stream.thresholds.copy()
        th[index] = value
        self.stream.set_thresholds(th)
        if self.live is not None:
            self.live.set_targets(th)
        row = self.rows[index]
        if row.label in self.references:
            self.prefs.set_target_percent(self.prefs.person(), row.label, row.target_display)
        else:
            self.prefs.set_threshold(row.label, value)

    def _scenario_changed(self) -> None:
        self.prefs.set_scenario(self.scenario_box.currentData())
        self._sync_manual_button()
        if self.stream is not None:
            # a new exercise is a new stream: restart the simulated patch in place
            self.disconnect_source()
            self.connect_source()

    def _preset_changed(self) -> None:
        self.prefs.set_preset(self.preset_box.currentData())

    def _sync_manual_button(self) -> None:
        self.contract_btn.setVisible(self._is_sim() and SCENARIOS[self.scenario_box.currentData()].manual)

    def _press(self, pressed: bool) -> None:
        if self.stream is not None and isinstance(self.stream.source, SimulatedPatch):
            self.stream.source.press(pressed)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() == Qt.Key.Key_Space and not event.isAutoRepeat():
            self._press(True)
            self.contract_btn.setDown(True)
            return
        super().keyPressEvent(event)

    def keyReleaseEvent(self, event: QKeyEvent) -> None:
        if event.key() == Qt.Key.Key_Space and not event.isAutoRepeat():
            self._press(False)
            self.contract_btn.setDown(False)
            return
        super().keyReleaseEvent(event)

    # -- recording ----------------------------------------------------------------------------
    def toggle_record(self) -> None:
        if self.stream is None:
            self.record_btn.setChecked(False)
            return
        if self.stream.recorder is None:
            self.start_recording()
        else:
            self.stop_recording()

    def start_recording(self, path: Path | None = None) -> None:
        if self.stream is None:
            return
        if path is None:
            stamp = _dt.datetime.now().strftime("%Y-%m-%d_%H%M%S")
            path = self.recordings_dir / f"{stamp}_{self.scenario_box.currentData()}.csv"
        extra: dict[str, str] = {}
        person = self.prefs.person()
        if person:
            extra["person"] = person
        if self.references:
            from app.storage.csvformat import format_mvic

            extra["mvic"] = format_mvic(self.references)  # the file carries its own normalisation
        try:
            self.stream.start_recording(path, extra=extra)
        except UserError as exc:
            self.show_error(str(exc))
            self.record_btn.setChecked(False)
            return
        self.record_btn.setText("■ Stop")
        self.record_btn.setChecked(True)
        self.update_status()

    def stop_recording(self) -> None:
        if self.stream is None:
            return
        rec = self.stream.stop_recording()
        self.record_btn.setText("● Record")
        self.record_btn.setChecked(False)
        if rec is not None:
            if rec.error:
                self.show_error(rec.error)
            self.statusBar().showMessage(f"Saved {rec.duration_s:.1f} s to {rec.path}", 8000)
            self._add_session_record(str(rec.path))
        self.update_status()

    def remeasure_rest(self) -> None:
        """The onset detector's rest level, again from the next 2 s (after moving during the first)."""
        if self.live is not None:
            self.live.remeasure_rest()
            self.insight.setText(f"Relax for {self.live.settings.calibration_s:.0f} s: measuring the resting level…")

    def _add_session_record(self, csv_path: str) -> None:
        """The person's records get the session: exercise, file and what the live analysis found."""
        store = self._open_store()
        if store is None or self.live is None:
            return
        name = self.prefs.person()
        person = store.find_person(name) if name else None
        exercise = self.scenario_box.currentText() if self._is_sim() else "Live session"
        try:
            store.add_session(person.id if person else None, exercise, csv_path, self.live.snapshot().summary())
        except UserError as exc:
            self.show_error(str(exc))

    def add_mark(self) -> None:
        if self.stream is not None and self.stream.recorder is not None:
            self.stream.mark("")
            self.statusBar().showMessage("Mark added", 1500)

    def check_contact(self) -> None:
        from app.ui.contact_check import ContactCheckDialog

        if self.stream is None:
            return
        self.contact_dialog = ContactCheckDialog(self.stream, self)
        self.contact_dialog.show()

    # -- people and %MVIC ----------------------------------------------------------------------
    def _open_store(self) -> Store | None:
        """The SQLite records, opened on first use; a message (not a crash) when they cannot be."""
        if self.store is None:
            try:
                self.store = Store()
            except UserError as exc:
                self.show_error(str(exc))
                return None
        return self.store

    def _fill_people(self) -> None:
        box = self.person_box
        box.blockSignals(True)
        box.clear()
        box.addItem("Nobody (levels in µV)", "")
        store = self._open_store()
        for p in store.people() if store is not None else []:
            box.addItem(p.name, p.name)
        box.addItem("Calibrate someone new…", CALIBRATE_KEY)
        current = self.prefs.person()
        idx = box.findData(current) if current else 0
        box.setCurrentIndex(max(0, idx))
        box.blockSignals(False)
        self._person_index = box.currentIndex()
        self.panel.set_person(str(box.currentData() or ""), bool(self.references))

    def _person_chosen(self, index: int) -> None:
        key = self.person_box.itemData(index)
        if key == CALIBRATE_KEY:
            self.person_box.setCurrentIndex(self._person_index)
            self.calibrate(new_person=True)
            return
        self._person_index = index
        self.prefs.set_person(str(key or ""))
        self._load_references()

    def _load_references(self) -> None:
        """The chosen person's latest stored references for the muscles present (µV without)."""
        from app.analysis.mvic import MvicReference

        name = self.prefs.person()
        refs: dict[str, MvicReference] = {}
        store = self._open_store() if name else None
        if store is not None:
            person = store.find_person(name)
            stored = store.latest_mvic(person.id) if person else {}
            refs = stored
        self.apply_references(refs)
        if name and self.rows:
            missing = [row.tile.name.text() for row in self.rows if row.label not in self.references]
            if not self.references:
                self.statusBar().showMessage(f"{name} has no %MVIC calibration for these muscles: levels in µV.", 8000)
            elif missing:
                self.statusBar().showMessage(f"{name}: no %MVIC calibration for {', '.join(missing)} (shown in µV).", 8000)
            else:
                self.statusBar().showMessage(f"{name}'s %MVIC references loaded.", 6000)

    def apply_references(self, refs: dict) -> None:  # type: ignore[type-arg]
        """Levels, traces and targets in %MVIC where a reference exists (the person's saved
        target, 40% by default), µV elsewhere; the live analysis follows."""
        name = self.prefs.person()
        self.references = {row.label: refs[row.label] for row in self.rows if row.label in refs}
        for row in self.rows:
            ref = self.references.get(row.label)
            if ref is None:
                row.set_reference(None, self.prefs.threshold(row.label))
            else:
                row.set_reference(ref, self.prefs.target_percent(name, row.label))
        if self.live is not None:
            self.live.set_references(self.references)
        self.panel.set_person(name, bool(self.references))

    def calibrate(self, new_person: bool = False) -> None:
        """Guided %MVIC calibration; the references also go to the person's records."""
        from app.ui.calibration_dialog import CalibrationDialog

        if self.stream is None:
            self.statusBar().showMessage("Connect to the patch first, then calibrate.", 6000)
            return
        store = self._open_store()
        if store is None:
            return
        dlg = CalibrationDialog(self.stream, store, self, person="" if new_person else self.prefs.person())
        self.calibration_dialog = dlg
        dlg.accepted.connect(lambda: self._calibrated(dlg.person_name, dlg.references))
        dlg.show()

    def _calibrated(self, person: str, refs: dict) -> None:  # type: ignore[type-arg]
        self.prefs.set_person(person)
        self._fill_people()
        self.apply_references(refs)
        self.statusBar().showMessage(f"Calibrated {person}: levels in %MVIC, targets at their saved value "
                                     "(40% MVIC the first time).", 8000)

    def open_settings(self) -> None:
        from app.ui.settings_dialog import SettingsDialog

        dlg = SettingsDialog(self.prefs, self.stream is not None, self)
        if dlg.exec() and self.stream is not None:
            self.stream.set_settings(self.prefs.filters())
            if self.live is not None and self.stream.worker.signal_kind == "raw":
                self.live.set_envelope_delay(self.prefs.filters().envelope_delay_s(self.stream.fs))

    # -- frame ---------------------------------------------------------------------------------
    def refresh(self) -> None:
        """One display frame: pull bins and firing state from the DSP worker, paint."""
        stream = self.stream
        if stream is None:
            return
        worker = stream.worker
        start, lo, hi, env = aligned_display(worker, DISPLAY_BINS_PER_WINDOW)
        n = env.shape[1]
        bin_s = worker.display_bin / stream.fs
        end_bin = start + n
        t = (np.arange(start, end_bin) - end_bin) * bin_s if n else np.empty(0)
        now_index = worker.processed_samples
        firing = worker.firing.firing.copy()
        since = worker.firing.since.copy()
        last = worker.last_envelope
        for i, row in enumerate(self.rows):
            row.show_data(t, lo[i], hi[i], env[i])
            held = (now_index - since[i]) / stream.fs if firing[i] else 0.0
            row.tile.set_state(bool(firing[i]), float(last[i]), held)
            if n and self.frames % 15 == 0:
                # scale to the envelope (the message); the raw trace may run off the top
                peak = np.fmax.reduce(env[i][-n // 2 :]) * ENVELOPE_HEADROOM
                row.autoscale(float(peak) if np.isfinite(peak) else 0.0)
        if self.live is not None:
            snap = self.live.snapshot()  # cached: cheap unless a rep ended or quality changed
            if snap.version != self._snap_version:
                self.show_snapshot(snap)
        self.frames += 1

    def show_snapshot(self, snap: LiveSnapshot) -> None:
        """What the live analysis found: the headline, the session column, each tile's rep and signal."""
        self._snap_version = snap.version
        self.panel.show_snapshot(snap)
        self.insight.setText(snap.last_sentence)
        if snap.stop_message and not self.done_banner.isVisible():
            self.done_banner.setText(snap.stop_message + " Rest and come back tomorrow.")
            self.done_banner.show()
        for row, ch in zip(self.rows, snap.channels):
            if ch.reps:
                last, best = ch.reps[-1], ch.summary.best_peak if ch.summary else ch.reps[-1].peak
                u = "%" if ch.unit.startswith("%") else f" {ch.unit}"
                row.tile.show_rep(f"Last rep: peak {last.peak:.0f}{u} · best {best:.0f}{u}")
            if ch.quality is not None:
                row.tile.show_signal(ch.quality.verdict, ch.quality.problems()[0].split(": ", 1)[-1]
                                     if ch.quality.problems() else "")

    def _on_source_event(self, ev: SourceEvent) -> None:
        """UI thread: a rare source event, delivered by a queued signal."""
        if ev.kind in (EventKind.ERROR, EventKind.LINK_LOST):
            self.show_error(ev.message)  # stays until the link is back
        elif ev.kind is EventKind.LINK_RESTORED:
            self.hide_error()
            self.statusBar().showMessage(ev.message, 5000)
        elif ev.kind is EventKind.INFO:
            self.statusBar().showMessage(ev.message, 5000)
        elif ev.kind is EventKind.BATTERY:
            self.update_status()

    def update_status(self) -> None:
        connected = self.stream is not None
        for w in (self.status_rate, self.status_lost, *self._seps[1:]):
            w.setVisible(connected)
        if self.stream is None:
            self.status_source.setText("Not connected")
            self.status_rec.setText("Not recording")
            self.status_rec.setStyleSheet("")
            return
        st = self.stream.status()
        self.status_source.setText(st.source + (f" · battery {st.battery_percent}%" if st.battery_percent is not None else ""))
        self.status_rate.setText(f"{st.sample_rate_hz:g} Hz (receiving {st.effective_rate_hz:.0f} Hz)")
        lost = f"{st.lost_packets} packets lost · {st.lost_samples} samples missing"
        if st.malformed:
            lost += f" · {st.malformed} damaged packets skipped"
        self.status_lost.setText(lost)
        if st.recording:
            self.status_rec.setText(f"● Recording {st.recorded_s:.1f} s → {st.recording}")
            self.status_rec.setStyleSheet("color: #b91c1c; font-weight: 600;")
        else:
            self.status_rec.setText("Not recording")
            self.status_rec.setStyleSheet("")
        for err in (st.recorder_error, st.dsp_error):
            if err:
                self.show_error(err)

    def show_error(self, message: str) -> None:
        self.banner.setText(message)
        self.banner.show()

    def hide_error(self) -> None:
        self.banner.hide()

    def closeEvent(self, event: QCloseEvent) -> None:
        self.disconnect_source()
        self.prefs.sync()
        super().closeEvent(event)


def _sep() -> QLabel:
    s = QLabel("|")
    s.setStyleSheet("color: #cbd5e1;")
    return s
