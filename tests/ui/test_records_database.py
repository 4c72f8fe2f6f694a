"""Records ▾ → Records database…: a server address is saved (never with a password) and used
at once and at every start, unless the command line or the environment chose."""

from __future__ import annotations

from app.storage import db_url
from app.ui import records_database
from app.ui.records_database import SETTING, RecordsDatabaseDialog, apply_saved_choice


def test_the_setting_saves_an_address_refuses_a_password_and_applies_at_start(qtbot, qsettings, tmp_path, monkeypatch):
    d = RecordsDatabaseDialog(settings=qsettings)
    qtbot.addWidget(d)
    d.url.setText("postgresql://anna:secret@records.clinic/glutefire")
    d.save()
    assert "~/.pgpass" in d.said.text() and qsettings.value(SETTING, "") in ("", None)
    d.url.setText("records.sqlite3")
    d.save()
    assert "postgresql://" in d.said.text()
    d.url.setText("")
    assert d.try_it() and "Connected: 0 people in" in d.said.text()  # this computer's file (a temp one here)
    d.url.setText("postgresql://anna@records.clinic/glutefire?sslmode=verify-full")
    d.resize(d.sizeHint())
    d.grab().save(str(tmp_path / "records-database.png"))
    monkeypatch.setattr(RecordsDatabaseDialog, "try_it", lambda self: self.said.setText("Cannot open …") or False)
    d.save()  # the server does not answer (here: there is none): not kept yet, the button says what a second click does
    assert qsettings.value(SETTING, "") in ("", None) and d.save_btn.text() == "Save anyway"
    assert "keeps it for the next start" in d.said.text()
    d.save()
    assert qsettings.value(SETTING) == "postgresql://anna@records.clinic/glutefire?sslmode=verify-full"
    assert d.chosen == qsettings.value(SETTING) and not d.reachable

    monkeypatch.delenv(db_url.ENV, raising=False)
    before = db_url.choose(None)
    try:
        apply_saved_choice(qsettings)
        assert db_url.chosen(None) == "postgresql://anna@records.clinic/glutefire?sslmode=verify-full"
        db_url.choose("/elsewhere.sqlite3")  # --database wins over the saved setting
        apply_saved_choice(qsettings)
        assert db_url.chosen(None) == "/elsewhere.sqlite3"
    finally:
        db_url.choose(before)
        records_database._chosen_elsewhere = False
    assert (tmp_path / "records-database.png").stat().st_size > 0
