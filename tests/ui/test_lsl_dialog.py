"""The source selector's "Find an LSL stream…": a real LSL outlet on this machine is listed, chosen
and becomes what Connect connects to; the LSL publishing setting reaches the session options."""

from __future__ import annotations

from pathlib import Path

from app.devices.lsl_source import LslChoice
from app.ui.lsl_dialog import LslDialog
from app.ui.preferences import Preferences
from app.ui.settings_dialog import SettingsDialog
from app.ui.toolbar import LSL_FIND_KEY, SessionToolbar
from tests.lsl_helpers import emg_outlet, unique


def test_an_lsl_stream_is_found_chosen_and_connected_to(qtbot, qsettings, tmp_path):
    name = unique("Trigno")
    _outlet = emg_outlet(name, ["gluteus_maximus_L", "gluteus_maximus_R"], ["microvolts"] * 2, 2000.0)
    prefs = Preferences(qsettings)
    tb = SessionToolbar(prefs)
    qtbot.addWidget(tb)
    assert tb.source.findData(LSL_FIND_KEY) >= 0
    dlg = LslDialog(tb)
    qtbot.addWidget(dlg)
    dlg.show()
    qtbot.waitUntil(lambda: any(name in dlg.list.item(i).text() for i in range(dlg.list.count())), timeout=10000)
    row = next(i for i in range(dlg.list.count()) if name in dlg.list.item(i).text())
    dlg.list.setCurrentRow(row)
    assert "2 channels, 2000 Hz" in dlg.list.item(row).text() and dlg.ok.isEnabled()
    dlg.grab().save(str(tmp_path / "lsl_dialog.png"))
    dlg.accept()
    assert dlg.chosen is not None and dlg.chosen.name == name
    tb.source.setCurrentIndex(tb.source.add_lsl(name))
    tb.source._activated(tb.source.currentIndex())
    assert tb.source.currentText().startswith("LSL: ") and prefs.last_source() == f"lsl:{name}"
    assert tb.source.choice(tb.labels, tb.scenario_key, 1000, None) == LslChoice(name)
    assert not tb.scenario.isEnabled() or not tb.source.simulated
    tb.resize(tb.sizeHint())
    tb.grab().save(str(tmp_path / "toolbar_lsl.png"))
    again = SessionToolbar(prefs)  # remembered: the next start offers the same stream
    qtbot.addWidget(again)
    assert again.source.currentData() == f"lsl:{name}"
    assert Path(tmp_path / "toolbar_lsl.png").stat().st_size > 0


def test_publishing_on_lsl_is_off_by_default_and_a_setting(qtbot, qsettings, tmp_path):
    prefs = Preferences(qsettings)
    assert prefs.session_options(tmp_path).lsl_outlet is False
    dlg = SettingsDialog(prefs, streaming=False)
    qtbot.addWidget(dlg)
    assert not dlg.lsl.isChecked()
    dlg.lsl.setChecked(True)
    dlg.accept()
    assert prefs.lsl_outlet() and prefs.session_options(tmp_path).lsl_outlet is True
    dlg.grab().save(str(tmp_path / "settings_lsl.png"))
