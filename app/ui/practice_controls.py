"""The window's guided practice: the Practice menu's dialogs, the strip above the traces, the
at-home view and the screening result card — wired to the session controller.

Kept apart from the main window so the window stays a thin frame around its parts.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QObject
from PySide6.QtWidgets import QWidget

from app.errors import UserError
from app.session.controller import EventType, Frame, SessionController, SessionEvent
from app.ui.home_view import HomeView
from app.ui.practice_dialog import PracticeDialog, ResultCardDialog, ScreeningDialog
from app.ui.practice_strip import PracticeStrip


class PracticeControls(QObject):
    """``strip`` goes above the traces; ``say`` carries sentences to the status line."""

    def __init__(self, controller: SessionController, window: QWidget, say: Callable[[str], None]) -> None:
        super().__init__(window)
        self.controller, self.window = controller, window
        self._say = say
        self.strip = PracticeStrip()
        self.strip.pause_clicked.connect(self.toggle_pause)
        self.strip.skip_clicked.connect(controller.skip_step)
        self.strip.stop_clicked.connect(controller.stop_practice)
        self.home: HomeView | None = None
        self.dialog: QWidget | None = None

    def say(self, text: str) -> None:
        self._say(text)

    def choose_exercise(self) -> None:
        dlg = PracticeDialog(self.controller.exercises(), self.controller.save_exercise, self.window)
        self.dialog = dlg
        if dlg.exec() and dlg.chosen is not None and dlg.protocol is not None:
            ex, protocol = dlg.chosen, dlg.protocol
            faded, probes = dlg.faded.isChecked(), dlg.probes.isChecked()
            self.start(lambda: self.controller.start_practice(ex, protocol, faded=faded, probes=probes))

    def choose_screening(self) -> None:
        dlg = ScreeningDialog(self.window)
        self.dialog = dlg
        if dlg.exec() and dlg.chosen is not None:
            test = dlg.chosen
            self.start(lambda: self.controller.start_screening(test))

    def start(self, begin: Callable[[], object]) -> None:
        try:
            begin()
        except UserError as exc:
            self.say(str(exc))

    def toggle_pause(self) -> None:
        run = self.controller.practice
        if run is not None:
            self.controller.pause_practice(not run.state().paused)

    def open_home(self) -> None:
        """The at-home view, full screen (a window of its own; Esc leaves it)."""
        if self.home is None:
            self.home = HomeView(on_close=self._home_closed)
            self.home.pause_toggled.connect(self.toggle_pause)
        self.home.showFullScreen()
        self.home.activateWindow()

    def _home_closed(self) -> None:
        self.home = None

    def show_frame(self, frame: Frame) -> None:
        self.strip.show_state(frame.practice)
        if self.home is not None:
            self.home.show_frame(frame)

    def on_event(self, ev: SessionEvent) -> None:
        """UI thread."""
        if ev.type is EventType.SCREENING_RESULT:
            dlg = ResultCardDialog(ev.data, self.window)
            self.dialog = dlg
            dlg.open()
        elif ev.type is EventType.DONE_FOR_TODAY:
            self.say(ev.message)
