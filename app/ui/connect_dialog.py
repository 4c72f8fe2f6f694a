"""Find and choose a Bluetooth EMG patch: scan (in the background), list, pick.

The scan runs on the BLE loop thread; this dialog polls its future from a QTimer, so the window
never freezes. Only recognised EMG patches are listed (service-UUID filter + name check).
"""

from __future__ import annotations

import concurrent.futures

from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from app.devices.ble import FoundDevice, scan_async
from app.devices.ble_errors import explain
from app.devices.ble_loop import BleLoop, shared_loop
from app.devices.protocols import PROTOCOLS

SCAN_SECONDS = 4.0


def signal_words(rssi: int) -> str:
    """RSSI in words a clinician can use to decide whether to move closer."""
    if rssi >= -60:
        return f"strong ({rssi} dBm)"
    if rssi >= -75:
        return f"good ({rssi} dBm)"
    return f"weak ({rssi} dBm) — move closer"


class ConnectDialog(QDialog):
    """Scan for patches and return the chosen ``FoundDevice`` via ``chosen``."""

    def __init__(self, parent: QWidget | None = None, last_address: str | None = None,
                 loop: BleLoop | None = None, scan_seconds: float = SCAN_SECONDS) -> None:
        super().__init__(parent)
        self.setWindowTitle("Connect a Bluetooth EMG patch")
        self.resize(620, 360)
        self.loop = loop
        self.scan_seconds = scan_seconds
        self.last_address = last_address
        self.found: list[FoundDevice] = []
        self.chosen: FoundDevice | None = None
        self._future: concurrent.futures.Future[list[FoundDevice]] | None = None

        lay = QVBoxLayout(self)
        intro = QLabel(
            "Switch the patch on and keep it within a few metres. Supported: "
            + ", ".join(p.name for p in PROTOCOLS.values()) + "."
        )
        intro.setWordWrap(True)
        lay.addWidget(intro)
        self.table = QTableWidget(0, 4)
        self.table.setHorizontalHeaderLabels(["Name", "Type", "Signal", "Address"])
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        self.table.setSelectionBehavior(QTableWidget.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QTableWidget.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().hide()
        self.table.doubleClicked.connect(self.accept)
        lay.addWidget(self.table, 1)
        row = QHBoxLayout()
        self.status = QLabel("")
        self.status.setWordWrap(True)
        row.addWidget(self.status, 1)
        self.scan_btn = QPushButton("Scan again")
        self.scan_btn.clicked.connect(self.start_scan)
        row.addWidget(self.scan_btn)
        lay.addLayout(row)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel)
        self.connect_btn = self.buttons.addButton("Connect", QDialogButtonBox.ButtonRole.AcceptRole)
        self.connect_btn.setEnabled(False)
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        lay.addWidget(self.buttons)
        self.table.itemSelectionChanged.connect(
            lambda: self.connect_btn.setEnabled(bool(self.table.selectedItems()))
        )
        self._poll = QTimer(self)
        self._poll.timeout.connect(self._check)
        self.start_scan()

    def start_scan(self) -> None:
        if self._future is not None and not self._future.done():
            return
        self.status.setText(f"Scanning for {self.scan_seconds:g} s…")
        self.status.setStyleSheet("")
        self.scan_btn.setEnabled(False)
        loop = self.loop or shared_loop()
        self._future = loop.submit(scan_async(self.scan_seconds))
        self._poll.start(100)

    def _check(self) -> None:
        fut = self._future
        if fut is None or not fut.done():
            return
        self._poll.stop()
        self.scan_btn.setEnabled(True)
        try:
            self.found = fut.result()
        except Exception as exc:
            self.status.setText(str(explain(exc)))
            self.status.setStyleSheet("color: #b91c1c;")
            return
        self._fill()

    def _fill(self) -> None:
        self.table.setRowCount(len(self.found))
        select = 0
        for r, dev in enumerate(self.found):
            cells = [dev.name or "(no name)", PROTOCOLS[dev.protocol].name, signal_words(dev.rssi), dev.address]
            for c, text in enumerate(cells):
                item = QTableWidgetItem(text)
                item.setData(Qt.ItemDataRole.UserRole, r)
                self.table.setItem(r, c, item)
            if dev.address == self.last_address:
                select = r
        if self.found:
            self.table.selectRow(select)
            self.status.setText(f"{len(self.found)} patch(es) found. Pick one and press Connect.")
        else:
            self.status.setText("No EMG patch found. Is it switched on, charged and close by?")

    def accept(self) -> None:
        rows = self.table.selectionModel().selectedRows()
        if not rows:
            return
        self.chosen = self.found[rows[0].row()]
        super().accept()

    def done(self, result: int) -> None:
        self._poll.stop()
        super().done(result)
