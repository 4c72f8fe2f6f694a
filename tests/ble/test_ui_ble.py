"""The window with a Bluetooth patch (fake BlueZ): scan dialog lists it, connect streams it,
a dropped link shows a message that clears when the link is back."""

from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtWidgets import QDialog

from app.devices.ble_loop import stop_shared_loop
from app.devices.protocols import openpatch
from app.session.controller import State
from app.ui.app import configure_pyqtgraph
from app.ui.connect_dialog import ConnectDialog
from app.ui.main_window import MainWindow
from tests.ble import encoders
from tests.ble.fake_bluez import FakeCharacteristic, FakeDevice, FakeService

pytestmark = pytest.mark.ble
ADDR = "AA:00:00:00:03:01"


@pytest.fixture(scope="module")
def patch(fake_bluez):
    fs = 1000
    t = np.arange(fs * 30) / fs
    amp = np.where((t % 4) < 2, 200.0, 5.0)  # 2 s contractions every 4 s
    counts = np.vstack([amp * np.sin(2 * np.pi * 90 * t), 0.3 * amp * np.sin(2 * np.pi * 70 * t)]).astype(int)
    pkts = encoders.openpatch_packets(counts, fs, 1.0)
    per_s = fs / openpatch.frames_per_packet(2)

    def on_write(value: bytes) -> None:
        if value == openpatch.START:
            fake_bluez.stream(ADDR, openpatch.DATA_UUID, pkts, per_s)

    fake_bluez.add_device(FakeDevice(ADDR, "GluteFire-ESP32", [FakeService(openpatch.SERVICE_UUID, [
        FakeCharacteristic(openpatch.DATA_UUID, ["notify"]),
        FakeCharacteristic(openpatch.CONTROL_UUID, ["write"], on_write=on_write),
    ])], rssi=-58))
    yield
    stop_shared_loop()


def test_scan_dialog_connect_and_stream(qtbot, qsettings, tmp_path, patch, fake_bluez):
    configure_pyqtgraph()
    win = MainWindow(settings=qsettings, recordings_dir=tmp_path)
    qtbot.addWidget(win)
    win.show()
    dlg = ConnectDialog(win, scan_seconds=1.5)
    qtbot.addWidget(dlg)
    dlg.show()
    qtbot.waitUntil(lambda: dlg.table.rowCount() >= 1, timeout=10_000)
    names = [dlg.table.item(r, 0).text() for r in range(dlg.table.rowCount())]
    assert "GluteFire-ESP32" in names
    row = names.index("GluteFire-ESP32")
    assert "strong" in dlg.table.item(row, 2).text()
    dlg.table.selectRow(row)
    dlg.grab().save(str(tmp_path / "connect-dialog.png"))
    dlg.accept()
    assert dlg.result() == QDialog.DialogCode.Accepted and dlg.chosen.address == ADDR

    win.toolbar.source.choose_device(dlg.chosen.address, dlg.chosen.protocol, dlg.chosen.name)
    assert not win.toolbar.scenario.isEnabled() and not win.channels.contract_btn.isVisible()
    win.connect_source()
    if win.controller.state is State.CONNECTING:  # (a fast fake patch may be connected already)
        assert win.toolbar.connect_btn.text() == "Cancel connecting" and win.toolbar.connect_btn.isEnabled()
    qtbot.waitUntil(lambda: len(win.rows) == 2, timeout=15_000)

    def traced() -> bool:
        x = win.rows[0].env_curve.getData()[0]
        return x is not None and len(x) > 50

    qtbot.waitUntil(traced, timeout=5000)
    assert win.rows[0].label == "gluteus_maximus_L"  # the preset's labels: the patch has 2 channels
    assert win.toolbar.connect_btn.text() == "Disconnect"
    qtbot.waitUntil(lambda: win.rows[0].tile.firing is True, timeout=6000)
    win.update_status()
    assert "1000 Hz" in win.status.rate.text()
    win.grab().save(str(tmp_path / "ble-streaming.png"))

    fake_bluez.drop_link(ADDR)
    qtbot.waitUntil(lambda: win.banner.isVisible() and "Lost the link" in win.banner.text(), timeout=5000)
    fake_bluez.restore(ADDR)
    qtbot.waitUntil(lambda: not win.banner.isVisible(), timeout=20_000)
    win.disconnect_source()
    assert win.prefs.last_source().startswith("ble:")
