""""Find an LSL stream…": the Lab Streaming Layer EMG streams on the network, found in the
background (a second of listening), one to choose as the source (docs/lsl.md)."""

from __future__ import annotations

import threading

from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QDialog, QDialogButtonBox, QLabel, QListWidget, QListWidgetItem, QPushButton, QVBoxLayout, QWidget

from app.devices.lsl import LslStream, find_streams
from app.errors import UserError

LISTEN_S = 1.0


class LslDialog(QDialog):
    """Lists the EMG-capable LSL streams; ``chosen`` is the one picked (None if cancelled)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Find a Lab Streaming Layer stream")
        self.chosen: LslStream | None = None
        lay = QVBoxLayout(self)
        self.status = QLabel("")
        self.status.setWordWrap(True)
        lay.addWidget(self.status)
        self.list = QListWidget()
        self.list.setMinimumWidth(460)
        self.list.itemDoubleClicked.connect(lambda _i: self.accept())
        lay.addWidget(self.list)
        self.again = QPushButton("Search again")
        self.again.clicked.connect(self.search)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        buttons.addButton(self.again, QDialogButtonBox.ButtonRole.ActionRole)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        self.ok = buttons.button(QDialogButtonBox.StandardButton.Ok)
        lay.addWidget(buttons)
        self._result: list[LslStream] | str | None = None
        self._timer = QTimer(self)
        self._timer.timeout.connect(self._poll)
        self.search()

    def search(self) -> None:
        """Listen for streams on a thread of its own; the list fills when it is done."""
        self.list.clear()
        self.ok.setEnabled(False)
        self.again.setEnabled(False)
        self.status.setText("Looking for LSL streams on this network…")
        self._result = None

        def listen() -> None:
            try:
                self._result = find_streams(LISTEN_S)
            except UserError as exc:
                self._result = str(exc)

        threading.Thread(target=listen, name="lsl-find", daemon=True).start()
        self._timer.start(100)

    def _poll(self) -> None:
        found = self._result
        if found is None:
            return
        self._timer.stop()
        self.again.setEnabled(True)
        self.show_streams(found)

    def show_streams(self, found: list[LslStream] | str) -> None:
        if isinstance(found, str):
            self.status.setText(found)
            return
        self.status.setText(f"{len(found)} EMG stream(s) found. Choose one to stream from:" if found else
                            "No LSL EMG stream found; start the program that sends it, then Search again.")
        for s in found:
            item = QListWidgetItem(f"{s.name} — {s.type}, {s.channel_count} channels, {s.sample_rate_hz:g} Hz, {s.hostname}")
            item.setData(Qt.ItemDataRole.UserRole, s)
            self.list.addItem(item)
        if found:
            self.list.setCurrentRow(0)
            self.ok.setEnabled(True)

    def accept(self) -> None:
        item = self.list.currentItem()
        if item is None:
            return
        self.chosen = item.data(Qt.ItemDataRole.UserRole)
        super().accept()
