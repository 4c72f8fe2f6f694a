"""The window's records: People, History and trends, the review of a session (after it, from
the practice strip or the history) and the reports — wired to the controller's store. Kept apart
from the main window so it stays a thin frame."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QObject, QTimer
from PySide6.QtWidgets import QWidget

from app.errors import UserError
from app.records.recover import recover_all, unfinished
from app.reports.make import progress_document, session_document, write_report
from app.session.controller import EventType, SessionController, SessionEvent
from app.storage import db_url
from app.storage.store import Store
from app.ui.history_view import HistoryDialog
from app.ui.people_dialog import PeopleDialog
from app.ui.practice_strip import PracticeStrip
from app.ui.records_database import RecordsDatabaseDialog, use_now
from app.ui.review_dialog import ReviewDialog
from app.ui.toolbar import SessionToolbar


class RecordsControls(QObject):
    """``people_changed`` is called after People changed someone (the person box refills)."""

    def __init__(self, controller: SessionController, window: QWidget, say: Callable[[str], None],
                 people_changed: Callable[[], None]) -> None:
        super().__init__(window)
        self.controller, self.window, self._say = controller, window, say
        self._people_changed = people_changed
        self.people: PeopleDialog | None = None
        self.history: HistoryDialog | None = None
        self.review: ReviewDialog | None = None

    def wire(self, toolbar: SessionToolbar, strip: PracticeStrip) -> None:
        toolbar.people.connect(self.open_people)
        toolbar.history.connect(lambda: self.open_history())
        toolbar.review_last.connect(self.review_last)
        toolbar.recover.connect(self.recover_unfinished)
        menu = toolbar.records_btn.menu()
        menu.addAction("Records database…", self.open_database)
        strip.review_clicked.connect(self.review_last)
        QTimer.singleShot(0, self.check_unfinished)  # once the window is up

    def open_database(self) -> RecordsDatabaseDialog:
        prefs = getattr(self.window, "prefs", None)  # the window's own settings (a test's temp file)
        d = RecordsDatabaseDialog(self.window, prefs.q if prefs is not None else None)
        d.accepted.connect(lambda: self.switch_records(d.chosen) if d.reachable else self._say(
            "Saved for the next start; the records did not answer, so this window keeps the ones it has."))
        d.open()
        return d

    def switch_records(self, value: str) -> None:
        """The saved choice, used now: the window's records are the new ones from this moment."""
        if self.controller.recording is not None:
            self._say("Saved for the next start: the session being recorded stays in the records it "
                      "started in (choose the records again after Stop to switch now).")
            return
        if not use_now(value):
            self._say("Saved; used from the next start (this run's records were chosen by --database "
                      "or GLUTEFIRE_DATABASE_URL).")
            return
        store = self.controller.switch_records()
        self._people_changed()
        if store is not None:
            self._say(f"Records: {db_url.redact(str(store.path))}.")
            self.check_unfinished()

    def check_unfinished(self) -> list[Path]:
        """Recordings a killed or crashed session left unfinished, said on the status line."""
        store = self.controller.store
        if store is None:
            return []
        try:
            left = unfinished(store)
        except sqlite3.Error:
            return []
        if left:
            n = len(left)
            self._say(f"{n} recording{'s were' if n > 1 else ' was'} not finished (GluteFire stopped during "
                      f"{'them' if n > 1 else 'it'}): Records → Recover unfinished recordings.")
        return left

    def recover_unfinished(self) -> list[str]:
        store = self._store()
        if store is None:
            return []
        lines = recover_all(store)
        self._say(" ".join(lines))
        return lines

    def _store(self) -> Store | None:
        store = self.controller.store
        if store is None:
            self._say("The records cannot be opened (see the message above), so there is nothing to show.")
        return store

    def open_people(self) -> None:
        store = self._store()
        if store is None:
            return
        self.people = PeopleDialog(store, self.controller.person, self.window)
        self.people.changed.connect(self._after_people_change)
        self.people.renamed.connect(self._renamed)
        self.people.history_requested.connect(self.open_history)
        self.people.show()

    def _after_people_change(self) -> None:
        """Refill the person box; the chosen person deleted or archived: nobody is chosen."""
        self._people_changed()
        store, name = self.controller.store, self.controller.person
        if store is not None and name:
            found = store.find_person(name)
            if found is None or found.archived:
                self._choose("")

    def _renamed(self, old: str, new: str) -> None:
        self._people_changed()
        if self.controller.person == old:
            self._choose(new)

    def _choose(self, name: str) -> None:
        box = getattr(getattr(self.window, "panel", None), "person_box", None)
        if box is not None:
            box.choose(name)  # as if picked: the window keeps the preference and says what is shown
        else:
            self.controller.choose_person(name)

    def open_history(self, person_id: int | None = None) -> None:
        store = self._store()
        if store is None:
            return
        if person_id is None and self.controller.person:
            found = store.find_person(self.controller.person)
            person_id = found.id if found else None
        self.history = HistoryDialog(store, person_id, self.window, report=self.report)
        self.history.review_requested.connect(self.open_review)
        self.history.show()

    def open_review(self, session_id: int) -> None:
        store = self._store()
        if store is None:
            return
        try:
            self.review = ReviewDialog(store, session_id, self.window,
                                       report=lambda sid, path: self.report("session", sid, path))
        except UserError as exc:
            self._say(str(exc))
            return
        self.review.show()

    def review_last(self) -> None:
        sid = self.controller.last_session_id
        if sid is None:
            self._say("No session has been saved in the records yet: record one or finish an exercise.")
            return
        self.open_review(sid)

    def report(self, kind: str, target: int, path: Path) -> str:
        """Write a progress (``target``: a person) or session (``target``: a session) report."""
        store = self.controller.store
        if store is None:
            raise UserError("The records cannot be opened.")
        doc = (progress_document(store, store.person(target)) if kind == "progress"
               else session_document(store, store.session(target)))
        return write_report(doc, path)

    def on_event(self, ev: SessionEvent) -> None:
        """UI thread: a saved recording says where its review is."""
        if ev.type is EventType.RECORDING_SAVED and getattr(ev.data, "session_id", None) is not None:
            self._say(f"{ev.message} Its review: Records → Review the last session.")
