"""The session toolbar: where the EMG comes from, which exercise and muscles, and the session's
buttons (Connect, Record, Mark, Check, Settings).

It only says what the person asked for (signals) and shows what is enabled in each state; the
window passes the requests on to the session controller. Everything fits a 1280 px wide screen:
the boxes size to their (short) texts, and the full descriptions are tooltips.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QComboBox, QLabel, QMenu, QPushButton, QToolBar, QWidget

from app.devices.lsl_source import LslChoice
from app.devices.protocols import PROTOCOLS
from app.devices.scenarios import SCENARIOS
from app.muscles import PRESETS
from app.session.controller import BluetoothChoice, SimulatedChoice, SourceChoice, State
from app.ui.preferences import Preferences

SIM_KEY = "sim"
SCAN_KEY = "scan"
LSL_FIND_KEY = "lsl-find"
LSL_PREFIX = "lsl:"


def device_key(address: str, protocol: str, name: str) -> str:
    return f"ble:{address}|{protocol}|{name}"


class SourceBox(QComboBox):
    """The simulated patch, the remembered Bluetooth patches, and "Find a Bluetooth patch…"
    (which opens the scan dialog; the patch chosen there becomes the source)."""

    chosen = Signal()

    def __init__(self, prefs: Preferences, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.prefs = prefs
        self.addItem("Simulated patch", SIM_KEY)
        last = prefs.last_device()
        if last is not None:
            self.add_device(*last)
        self.addItem("Find a Bluetooth patch…", SCAN_KEY)
        self.addItem("Find an LSL stream…", LSL_FIND_KEY)
        if prefs.last_source().startswith(LSL_PREFIX):
            self.add_lsl(prefs.last_source()[len(LSL_PREFIX):])
        self.setToolTip("Where the EMG comes from")
        self.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
        key = prefs.last_source()
        idx = self.findData(key)
        self.setCurrentIndex(idx if idx >= 0 and key not in (SCAN_KEY, LSL_FIND_KEY) else 0)
        self._index = self.currentIndex()
        self.activated.connect(self._activated)

    def add_device(self, address: str, protocol: str, name: str) -> int:
        """The patch as an entry (after the simulated patch); returns its index."""
        key = device_key(address, protocol, name)
        idx = self.findData(key)
        if idx < 0:
            kind = PROTOCOLS[protocol].name if protocol in PROTOCOLS else protocol
            idx = 1
            shown = name or address
            self.insertItem(idx, shown if len(shown) <= 20 else shown[:19] + "…", key)
            self.setItemData(idx, f"{name or address} ({kind}, {address})", Qt.ItemDataRole.ToolTipRole)
        return idx

    def find_patch(self) -> None:
        """The scan dialog (scans in the background); the patch chosen becomes the source."""
        from app.ui.connect_dialog import ConnectDialog

        last = self.prefs.last_device()
        dlg = ConnectDialog(self.window(), last_address=last[0] if last else None)
        self.dialog = dlg
        if dlg.exec() and dlg.chosen is not None:
            self.choose_device(dlg.chosen.address, dlg.chosen.protocol, dlg.chosen.name)

    def choose_device(self, address: str, protocol: str, name: str) -> None:
        self.prefs.set_last_device(address, protocol, name)
        self.setCurrentIndex(self.add_device(address, protocol, name))
        self._activated(self.currentIndex())

    def add_lsl(self, name: str) -> int:
        """An LSL stream as an entry (after the simulated patch); returns its index."""
        idx = self.findData(LSL_PREFIX + name)
        if idx < 0:
            idx = 1
            self.insertItem(idx, f"LSL: {name if len(name) <= 16 else name[:15] + '…'}", LSL_PREFIX + name)
            self.setItemData(idx, f"The Lab Streaming Layer stream {name}", Qt.ItemDataRole.ToolTipRole)
        return idx

    def find_lsl(self) -> None:
        from app.ui.lsl_dialog import LslDialog

        dlg = LslDialog(self.window())
        self.lsl_dialog = dlg
        if dlg.exec() and dlg.chosen is not None:
            self.setCurrentIndex(self.add_lsl(dlg.chosen.name))
            self._activated(self.currentIndex())

    def _activated(self, index: int) -> None:
        if self.itemData(index) in (SCAN_KEY, LSL_FIND_KEY):
            find = self.find_patch if self.itemData(index) == SCAN_KEY else self.find_lsl
            self.setCurrentIndex(self._index)
            find()
            return
        self._index = index
        self.prefs.set_last_source(str(self.currentData()))
        self.chosen.emit()

    @property
    def simulated(self) -> bool:
        return self.currentData() == SIM_KEY

    def choice(self, labels: tuple[str, ...], scenario: str, rate: int, seed: int | None) -> SourceChoice:
        """What Connect connects to."""
        if self.simulated:
            # 10 ms packets, as a patch notifies once per BLE connection event (7.5-15 ms): with
            # 20 ms packets the traces could move only 50 times a second (docs/performance.md)
            return SimulatedChoice(labels, rate, scenario, seed, persona=self.prefs.persona(), block_ms=10.0)
        if str(self.currentData()).startswith(LSL_PREFIX):
            return LslChoice(str(self.currentData())[len(LSL_PREFIX):])
        address, protocol, name = str(self.currentData())[4:].split("|")
        return BluetoothChoice(address, protocol or None, labels, name)


def _box(tip: str) -> QComboBox:
    box = QComboBox()
    box.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
    box.setToolTip(tip)
    box.setFocusPolicy(Qt.FocusPolicy.ClickFocus)  # Space stays the contraction key
    return box


class SessionToolbar(QToolBar):
    """Signals: ``connect_clicked``, ``record_clicked``, ``mark_clicked``, ``settings_clicked``,
    ``contact_check``, ``calibrate``, ``remeasure``, ``scenario_changed``, ``preset_changed``;
    the source box has its own (``source.chosen``)."""

    connect_clicked = Signal()
    record_clicked = Signal()
    mark_clicked = Signal()
    settings_clicked = Signal()
    contact_check = Signal()
    calibrate = Signal()
    remeasure = Signal()
    scenario_changed = Signal()
    preset_changed = Signal()
    practice = Signal()
    screening = Signal()
    home_view = Signal()
    people = Signal()
    history = Signal()
    review_last = Signal()
    recover = Signal()
    open_recording = Signal()  # replay a recording in the window (app.ui.replay_bar)
    resized = Signal()  # its contents changed width (a box's text)

    def __init__(self, prefs: Preferences, parent: QWidget | None = None) -> None:
        super().__init__("Session", parent)
        self.setMovable(False)
        self.setFloatable(False)
        self.prefs = prefs
        self.source = SourceBox(prefs)  # no "Source" label: the box says it (the simulated or a Bluetooth patch)
        self.source.setFocusPolicy(Qt.FocusPolicy.ClickFocus)
        self.source.currentIndexChanged.connect(lambda _i: self.resized.emit())
        self.addWidget(self.source)
        self.addWidget(QLabel("Exercise"))
        self.scenario = _box("What the simulated patch plays")
        for key, sc in SCENARIOS.items():
            self.scenario.addItem(sc.short_name, key)
            self.scenario.setItemData(self.scenario.count() - 1, f"{sc.name}: {sc.description}", Qt.ItemDataRole.ToolTipRole)
        self.scenario.setCurrentIndex(self.scenario.findData(prefs.scenario()))
        self.scenario.currentIndexChanged.connect(self._scenario)
        self.addWidget(self.scenario)
        self.addWidget(QLabel("Channels"))
        self.preset = _box("Which muscles the channels are on")
        for name, labels in PRESETS.items():
            self.preset.addItem(name, name)
            self.preset.setItemData(self.preset.count() - 1, ", ".join(labels), Qt.ItemDataRole.ToolTipRole)
        self.preset.setCurrentIndex(self.preset.findData(prefs.preset()))
        self.preset.currentIndexChanged.connect(self._preset)
        self.addWidget(self.preset)
        self.addSeparator()
        self.connect_btn = self._button("Connect", self.connect_clicked, "primary", "Start or stop streaming")
        self.record_btn = self._button("● Record", self.record_clicked, "record", "Record to a CSV file")
        self.mark_btn = self._button("Mark", self.mark_clicked, "", "Put a mark (and a note) in the recording (M)")
        self.check_btn = self._button("Check", None, "", "Electrode contact, %MVIC calibration, resting level")
        menu = QMenu(self.check_btn)
        menu.addAction("Check electrode contact (3 s at rest)", self.contact_check.emit)
        menu.addAction("Calibrate %MVIC…", self.calibrate.emit)
        menu.addAction("Measure the resting level again (relax 2 s)", self.remeasure.emit)
        self.check_btn.setMenu(menu)  # Qt draws the menu arrow itself
        self.practice_btn = self._button("Practice", None, "", "Guided exercises, screening tests, the at-home view")
        pmenu = QMenu(self.practice_btn)
        pmenu.addAction("Exercise with a protocol…", self.practice.emit)
        pmenu.addAction("Screening test…", self.screening.emit)
        pmenu.addAction("At-home view (full screen)", self.home_view.emit)
        self.practice_btn.setMenu(pmenu)
        self.records_btn = self._button("Records", None, "", "People, history and trends, session reviews, reports")
        rmenu = QMenu(self.records_btn)
        rmenu.addAction("People…", self.people.emit)
        rmenu.addAction("History and trends…", self.history.emit)
        rmenu.addAction("Review the last session…", self.review_last.emit)
        rmenu.addAction("Recover unfinished recordings", self.recover.emit)
        rmenu.addAction("Open recording… (replay it here, Ctrl+O)", self.open_recording.emit)
        self.records_btn.setMenu(rmenu)
        self.addSeparator()
        # a gear, not a word: the whole toolbar must fit 1280 px in every state ("Cancel connecting")
        self.settings_btn = self._button("⚙", self.settings_clicked, "gear", "Settings: filters, stopping rule, sample "
                                         "rate, sound, simulated person")
        self.settings_btn.setAccessibleName("Settings")
        self.set_state(State.IDLE, recording=False)

    def _button(self, text: str, signal, name: str, tip: str) -> QPushButton:  # type: ignore[no-untyped-def]
        b = QPushButton(text)
        if name:
            b.setObjectName(name)
        b.setToolTip(tip)
        b.setFocusPolicy(Qt.FocusPolicy.TabFocus)  # a click leaves the focus where it was: Space stays the key
        if signal is not None:
            b.clicked.connect(signal.emit)
        self.addWidget(b)
        return b

    def _scenario(self) -> None:
        self.prefs.set_scenario(str(self.scenario.currentData()))
        self.scenario_changed.emit()
        self.resized.emit()

    def _preset(self) -> None:
        self.prefs.set_preset(str(self.preset.currentData()))
        self.preset_changed.emit()
        self.resized.emit()

    @property
    def labels(self) -> tuple[str, ...]:
        return PRESETS[str(self.preset.currentData())]

    @property
    def scenario_key(self) -> str:
        return str(self.scenario.currentData())

    def set_state(self, state: State, recording: bool) -> None:
        """Enable what works now; lock what must not change mid-stream."""
        on = state is State.STREAMING
        # while a Bluetooth patch connects (seconds) the same button gives up on it
        self.connect_btn.setText({State.IDLE: "Connect", State.CONNECTING: "Cancel connecting"}.get(state, "Disconnect"))
        self.connect_btn.setProperty("streaming", on)
        self.connect_btn.setStyle(self.connect_btn.style())  # re-apply the stylesheet for the property
        for w in (self.record_btn, self.mark_btn, self.check_btn, self.practice_btn):
            w.setEnabled(on)
        for box in (self.preset, self.source):
            box.setEnabled(state is State.IDLE)
        self.scenario.setEnabled(self.source.simulated)
        self.record_btn.setText("■ Stop" if recording else "● Record")
        self.record_btn.setProperty("recording", recording)
        self.record_btn.setStyle(self.record_btn.style())
        self.resized.emit()  # "Cancel connecting" / "Disconnect" are wider: the window makes room
