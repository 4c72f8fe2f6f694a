"""The toolbar says what works in each state; Connect becomes Cancel connecting while a patch opens."""

from __future__ import annotations

from app.session.controller import State
from app.ui.preferences import Preferences
from app.ui.toolbar import SessionToolbar


def test_buttons_follow_the_session_state(qtbot, qsettings):
    tb = SessionToolbar(Preferences(qsettings))
    qtbot.addWidget(tb)
    tb.set_state(State.IDLE, recording=False)
    assert tb.connect_btn.text() == "Connect" and not tb.record_btn.isEnabled() and not tb.practice_btn.isEnabled()
    tb.set_state(State.CONNECTING, recording=False)
    assert tb.connect_btn.text() == "Cancel connecting" and tb.connect_btn.isEnabled()
    assert not tb.source.isEnabled() and not tb.preset.isEnabled()
    tb.set_state(State.STREAMING, recording=True)
    assert tb.connect_btn.text() == "Disconnect" and tb.record_btn.text() == "■ Stop"
    assert tb.practice_btn.isEnabled() and tb.check_btn.isEnabled()
    actions = [a.text() for a in tb.practice_btn.menu().actions()]
    assert actions == ["Exercise with a protocol…", "Screening test…", "At-home view (full screen)"]
