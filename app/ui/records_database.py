"""Records ▾ → Records database…: which records this workstation uses, this computer's file or a
clinic's PostgreSQL server (docs/clinic.md). Saved in the preferences and used at once (the
window switches its records when no recording runs) and at every start, unless ``--database`` or
``GLUTEFIRE_DATABASE_URL`` chose the records for this run (then from the next start without them).
A URL with a password in it is refused: the password belongs in ~/.pgpass, never in the
preferences."""

from __future__ import annotations

from PySide6.QtCore import QSettings, Qt
from PySide6.QtWidgets import QDialog, QDialogButtonBox, QLabel, QLineEdit, QPushButton, QVBoxLayout, QWidget

from app.errors import UserError
from app.storage import db_url

SETTING = "records/database"

#: the command line or the environment chose this run's records (the saved setting waits)
_chosen_elsewhere = False


def _settings(settings: QSettings | None) -> QSettings:
    return settings or QSettings("GluteFire", "GluteFire")


def apply_saved_choice(settings: QSettings | None = None) -> None:
    """At start: the saved server, unless the command line or the environment chose already."""
    global _chosen_elsewhere
    saved = str(_settings(settings).value(SETTING, "") or "").strip()
    _chosen_elsewhere = db_url.chosen(None) is not None
    if saved and not _chosen_elsewhere:
        db_url.choose(saved)


def use_now(value: str) -> bool:
    """Make ``value`` this run's records too; False when --database or the environment chose them."""
    if _chosen_elsewhere:
        return False
    db_url.choose(value or None)
    return True


def check_choice(text: str) -> str:
    """'' (this computer's file) or a server URL without a password; else a sentence."""
    text = text.strip()
    if not text:
        return ""
    if not db_url.is_server(text):
        raise UserError("Give a server address starting with postgresql://, or leave it empty for this computer's file.")
    if db_url.password_of(text):
        raise UserError("Leave the password out of the address: put it in your ~/.pgpass (docs/clinic.md).")
    return text


class RecordsDatabaseDialog(QDialog):
    def __init__(self, parent: QWidget | None = None, settings: QSettings | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Records database")
        self.q = _settings(settings)
        self.chosen = ""  # what Save kept ("" : this computer's file)
        lay = QVBoxLayout(self)
        lay.addWidget(QLabel("<b>Where this workstation keeps the records</b><br>Empty: a file on this computer. "
                             "A clinic's server: its address from your administrator,<br>e.g. "
                             "<tt>postgresql://anna@records.clinic/glutefire?sslmode=verify-full</tt>"))
        self.url = QLineEdit(str(self.q.value(SETTING, "") or ""))
        self.url.setPlaceholderText("postgresql://you@server/glutefire?sslmode=verify-full")
        self.url.setMinimumWidth(460)
        lay.addWidget(self.url)
        self.test = QPushButton("Test the connection")
        self.test.clicked.connect(self.try_it)
        lay.addWidget(self.test)
        self.setMinimumWidth(560)  # a connection error wraps over a few lines, never clipped
        self.said = QLabel("Used at once (when no recording runs) and at every start."
                           if not _chosen_elsewhere else "This run's records were chosen by --database or "
                           "GLUTEFIRE_DATABASE_URL: a change here is used from the next start without them.")
        self.said.setWordWrap(True)
        self.said.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)  # to copy for the administrator
        lay.addWidget(self.said)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self.save)
        buttons.rejected.connect(self.reject)
        lay.addWidget(buttons)
        self.save_btn = buttons.button(QDialogButtonBox.StandardButton.Save)
        self.reachable = True  # Save found the records answering (else kept for the next start only)
        self._unreachable: str | None = None  # the address whose test failed: a second Save keeps it anyway

    def try_it(self) -> bool:
        from app.storage.store import Store, default_path

        try:  # (empty: this computer's own file, whatever this run was started with)
            store = Store(check_choice(self.url.text()) or default_path())
        except UserError as exc:
            self.said.setText(str(exc))
            self.adjustSize()
            return False
        self.said.setText(f"Connected: {len(store.people(include_archived=True))} people in {store.path}.")
        store.close()
        return True

    def save(self) -> None:
        try:
            value = check_choice(self.url.text())
        except UserError as exc:
            self.said.setText(str(exc))
            return
        if value != self._unreachable and not _chosen_elsewhere and not self.try_it():
            self._unreachable = value  # a mistyped address, or the server is down right now
            self.save_btn.setText("Save anyway")
            self.said.setText(self.said.text() + " Save anyway keeps it for the next start; this window keeps "
                              "the records it has.")
            self.adjustSize()
            return
        self.reachable = value != self._unreachable
        self.q.setValue(SETTING, value)
        self.chosen = value
        self.accept()
