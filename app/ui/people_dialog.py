"""People: create, edit, archive and delete the people in the records, with their %MVIC
references (when, how, in which position) — the store does the work; this is its form."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QDialog,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QMessageBox,
    QPlainTextEdit,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from app.errors import UserError
from app.muscles import display_name
from app.storage.store import Person, Store

REF_COLUMNS = ("Muscle", "Reference", "Method", "Trials", "Position", "Recorded")


def fill_table(table: QTableWidget, rows: list[list[str]]) -> None:
    """Plain read-only cells."""
    table.setRowCount(len(rows))
    for r, cells in enumerate(rows):
        for c, text in enumerate(cells):
            item = QTableWidgetItem(text)
            item.setFlags(item.flags() & ~Qt.ItemFlag.ItemIsEditable)
            table.setItem(r, c, item)


def read_only_table(headings: tuple[str, ...] | list[str]) -> QTableWidget:
    t = QTableWidget(0, len(headings))
    t.setHorizontalHeaderLabels(list(headings))
    t.verticalHeader().setVisible(False)
    t.setSelectionBehavior(QTableWidget.SelectionBehavior.SelectRows)
    t.setSelectionMode(QTableWidget.SelectionMode.SingleSelection)
    t.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
    t.horizontalHeader().setStretchLastSection(True)
    return t


class PeopleDialog(QDialog):
    """``changed`` after any change (the window refills its person box); ``history_requested``
    with a person's id."""

    changed = Signal()
    renamed = Signal(str, str)  # old name, new name
    history_requested = Signal(int)

    def __init__(self, store: Store, current: str = "", parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.store = store
        self.setWindowTitle("People")
        self.resize(980, 600)
        self._person: Person | None = None
        outer = QHBoxLayout(self)
        left = QVBoxLayout()
        self.list = QListWidget()
        self.list.currentItemChanged.connect(self._chosen)
        self.show_archived = QCheckBox("Show archived people")
        self.show_archived.toggled.connect(lambda: self.reload())
        self.new_btn = QPushButton("New person")
        self.new_btn.clicked.connect(self.new_person)
        left.addWidget(self.list)
        left.addWidget(self.show_archived)
        left.addWidget(self.new_btn)
        outer.addLayout(left, 1)
        right = QVBoxLayout()
        form = QFormLayout()
        self.name = QLineEdit()
        self.name.setPlaceholderText("Name, or a pseudonymous ID")
        self.pseudonym = QLineEdit()
        self.pseudonym.setPlaceholderText("e.g. P-017 — reports can show this instead of the name")
        sides = QHBoxLayout()
        self.side_l, self.side_r = QCheckBox("Left"), QCheckBox("Right")
        sides.addWidget(self.side_l)
        sides.addWidget(self.side_r)
        sides.addStretch(1)
        self.notes = QPlainTextEdit()
        self.notes.setPlaceholderText("Diagnosis, goals, anything the next session should know")
        self.notes.setMaximumHeight(90)
        form.addRow("Name", self.name)
        form.addRow("Pseudonymous ID", self.pseudonym)
        form.addRow("Sides of interest", sides)
        form.addRow("Notes", self.notes)
        right.addLayout(form)
        self.save_btn = QPushButton("Save")
        self.save_btn.setDefault(True)
        self.save_btn.clicked.connect(self.save)
        self.archive_btn = QPushButton("Archive")
        self.archive_btn.setToolTip("Keeps every record but takes the person off the everyday lists")
        self.archive_btn.clicked.connect(self.toggle_archive)
        self.delete_btn = QPushButton("Delete…")
        self.delete_btn.setToolTip("Deletes the person, their references, sessions and screening results")
        self.delete_btn.clicked.connect(self.delete)
        self.history_btn = QPushButton("History and trends…")
        self.history_btn.clicked.connect(lambda: self._person and self.history_requested.emit(self._person.id))
        buttons = QHBoxLayout()
        for b in (self.save_btn, self.archive_btn, self.delete_btn, self.history_btn):
            buttons.addWidget(b)
        buttons.addStretch(1)
        right.addLayout(buttons)
        self.message = QLabel("")
        self.message.setWordWrap(True)
        self.message.setStyleSheet("color: #1e3a8a;")
        right.addWidget(self.message)
        right.addWidget(QLabel("<b>%MVIC references</b> (newest last; a change of reference shows in the trends)"))
        self.refs_note = QLabel("")
        self.refs_note.setStyleSheet("color: #92400e;")
        right.addWidget(self.refs_note)
        self.refs = read_only_table(REF_COLUMNS)
        right.addWidget(self.refs, 1)
        close = QPushButton("Close")
        close.clicked.connect(self.close)
        right.addWidget(close, 0, Qt.AlignmentFlag.AlignRight)
        outer.addLayout(right, 2)
        self.reload(current)
        if not self.store.people(include_archived=True):
            self.message.setText("Nobody in the records yet: type a name (or only a pseudonymous ID) and press Save.")

    def reload(self, select: str = "") -> None:
        keep = select or (self._person.name if self._person else "")
        self.list.blockSignals(True)
        self.list.clear()
        for p in self.store.people(include_archived=self.show_archived.isChecked()):
            text = p.name + (f"  ({p.pseudonym})" if p.pseudonym else "") + ("  — archived" if p.archived else "")
            item = QListWidgetItem(text)
            item.setData(Qt.ItemDataRole.UserRole, p.id)
            self.list.addItem(item)
            if p.name == keep:
                self.list.setCurrentItem(item)
        self.list.blockSignals(False)
        self._chosen(self.list.currentItem())

    def _chosen(self, item: QListWidgetItem | None, _old: object = None) -> None:
        self._person = self.store.person(int(item.data(Qt.ItemDataRole.UserRole))) if item is not None else None
        p = self._person
        self.name.setText(p.name if p else "")
        self.pseudonym.setText(p.pseudonym if p else "")
        self.side_l.setChecked(bool(p and "L" in p.sides))
        self.side_r.setChecked(bool(p and "R" in p.sides))
        self.notes.setPlainText(p.notes if p else "")
        for b in (self.archive_btn, self.delete_btn, self.history_btn):
            b.setEnabled(p is not None)
        self.archive_btn.setText("Restore" if p and p.archived else "Archive")
        refs = self.store.mvic_history(p.id) if p else []
        self.refs_note.setText(f"{p.name} has no %MVIC reference yet: Check → Calibrate %MVIC… (levels stay in µV "
                               "until then)." if p is not None and not refs else "")
        fill_table(self.refs, [[display_name(r.label), f"{r.value_uv:.0f} µV",
                                r.method + ("" if r.fraction >= 1 else f" ({r.fraction * 100:.0f}% effort)"),
                                f"{r.n_contractions} × best {r.window_ms:g} ms", r.position or "not stated",
                                r.recorded_at[:16].replace("T", " ")] for r in refs])

    def new_person(self) -> None:
        self.list.setCurrentRow(-1)
        self._chosen(None)
        self.name.setFocus()
        self.message.setText("Type a name (or only a pseudonymous ID) and press Save.")

    def _sides(self) -> tuple[str, ...]:
        return tuple(s for s, box in (("L", self.side_l), ("R", self.side_r)) if box.isChecked())

    def save(self) -> None:
        try:
            if self._person is None:
                p = self.store.add_person(self.name.text(), self.notes.toPlainText(), self.pseudonym.text(), self._sides())
                self.message.setText(f"Added {p.name}.")
            else:
                old = self._person.name
                p = self.store.update_person(self._person.id, name=self.name.text(), notes=self.notes.toPlainText(),
                                             pseudonym=self.pseudonym.text(), sides=self._sides())
                self.message.setText(f"Saved {p.name}.")
                if p.name != old:
                    self.renamed.emit(old, p.name)
        except UserError as exc:
            self.message.setText(str(exc))
            return
        self._person = p
        self.reload(p.name)
        self.changed.emit()

    def toggle_archive(self) -> None:
        if self._person is None:
            return
        p = self.store.archive_person(self._person.id, not self._person.archived)
        self.message.setText(f"{p.name} is archived: the records stay, the lists no longer show them."
                             if p.archived else f"{p.name} is back on the lists.")
        if p.archived and not self.show_archived.isChecked():
            self._person = None
        self.reload(p.name)
        self.changed.emit()

    def confirm(self, text: str) -> bool:
        """Asks; a test replaces this."""
        answer = QMessageBox.question(self, "Delete a person", text,
                                      QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.Cancel,
                                      QMessageBox.StandardButton.Cancel)
        return answer == QMessageBox.StandardButton.Yes

    def delete(self) -> None:
        p = self._person
        if p is None:
            return
        n = len(self.store.sessions(p.id))
        if not self.confirm(f"Delete {p.name}, their %MVIC references, {n} session(s) and screening results? "
                            "This cannot be undone. Recordings on disk are not touched."):
            self.message.setText("Nothing was deleted.")
            return
        self.store.delete_person(p.id)
        self._person = None
        self.message.setText(f"Deleted {p.name} and {n} session(s).")
        self.reload()
        self.changed.emit()
