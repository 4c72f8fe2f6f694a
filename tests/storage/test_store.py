"""The SQLite store is a real file: people, %MVIC references (latest wins), sessions."""

from __future__ import annotations

import sqlite3

import pytest

from app.analysis.mvic import MvicReference
from app.errors import UserError
from app.storage.store import Store


def test_people_references_and_sessions_survive_reopening(tmp_path):
    path = tmp_path / "records.sqlite3"
    s = Store(path)
    ann = s.add_person("Ann Example", "L knee ACL 2025")
    s.save_mvic(ann.id, MvicReference("gluteus_maximus_L", 310.0, "maximal", 500, 3))
    stored = s.save_mvic(ann.id, MvicReference("gluteus_maximus_L", 335.0, "maximal", 500, 3))
    s.save_mvic(ann.id, MvicReference("hamstring_L", 120.0, "submaximal", 500, 3, fraction=0.5))
    s.add_session(ann.id, "bridges", "/tmp/a.csv", {"reps": 10, "peak_pct_mvic": 82.5})
    s.close()

    s = Store(path)
    assert [p.name for p in s.people()] == ["Ann Example"]
    ref = s.latest_mvic(ann.id)
    assert ref["gluteus_maximus_L"] == stored and stored.recorded_at  # one type, the same fields back
    assert isinstance(ref["gluteus_maximus_L"], MvicReference)
    assert ref["hamstring_L"].fraction == 0.5
    assert [m.value_uv for m in s.mvic_history(ann.id, "gluteus_maximus_L")] == [310.0, 335.0]
    (sess,) = s.sessions(ann.id)
    assert sess.summary["peak_pct_mvic"] == 82.5 and sess.exercise == "bridges"
    s.close()
    # a real SQLite file anyone can open
    with sqlite3.connect(path) as db:
        assert db.execute("SELECT count(*) FROM mvic").fetchone()[0] == 3


def test_mistakes_are_sentences(tmp_path):
    s = Store(tmp_path / "r.sqlite3")
    s.add_person("Bo")
    with pytest.raises(UserError, match="already a person"):
        s.add_person("Bo")
    with pytest.raises(UserError, match="needs a name"):
        s.add_person("  ")
    with pytest.raises(UserError, match="above 0"):
        s.save_mvic(1, MvicReference("gluteus_maximus_L", 0.0, "maximal", 500, 3))
    s.close()


def test_not_a_database(tmp_path):
    bad = tmp_path / "bad.sqlite3"
    bad.write_text("this is not sqlite" * 100)
    with pytest.raises(UserError, match="not a GluteFire database"):
        Store(bad)


#: the schema the first release (version 1) wrote, as it was
V1_SCHEMA = """
CREATE TABLE schema_version (version INTEGER NOT NULL);
CREATE TABLE person (id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE, notes TEXT NOT NULL DEFAULT '',
                     created_at TEXT NOT NULL);
CREATE TABLE mvic (id INTEGER PRIMARY KEY, person_id INTEGER NOT NULL REFERENCES person(id) ON DELETE CASCADE,
                   label TEXT NOT NULL, value_uv REAL NOT NULL CHECK (value_uv > 0), method TEXT NOT NULL,
                   window_ms REAL NOT NULL, n_contractions INTEGER NOT NULL, fraction REAL NOT NULL DEFAULT 1.0,
                   recorded_at TEXT NOT NULL);
CREATE INDEX mvic_person_label ON mvic(person_id, label, recorded_at);
CREATE TABLE session (id INTEGER PRIMARY KEY, person_id INTEGER REFERENCES person(id) ON DELETE SET NULL,
                      started_at TEXT NOT NULL, exercise TEXT NOT NULL, csv_path TEXT, summary TEXT NOT NULL DEFAULT '{}');
CREATE INDEX session_person ON session(person_id, started_at);
INSERT INTO schema_version VALUES (1);
INSERT INTO person VALUES (1, 'Ann Example', '', '2026-11-01T10:00:00+00:00');
INSERT INTO mvic VALUES (1, 1, 'gluteus_maximus_L', 300.0, 'maximal', 500.0, 3, 1.0, '2026-11-01T10:05:00+00:00');
INSERT INTO session VALUES (1, 1, '2026-11-01T10:10:00+00:00', 'Glute bridges', '/tmp/a.csv', '{"reps": {}}');
"""


def test_a_database_of_the_first_release_is_migrated_with_everything_kept(tmp_path):
    from app.storage.store import SCHEMA_VERSION

    path = tmp_path / "old.sqlite3"
    with sqlite3.connect(path) as db:
        db.executescript(V1_SCHEMA)
    s = Store(path)
    assert s.version == SCHEMA_VERSION >= 2
    ann = s.find_person("Ann Example")
    assert ann is not None and s.latest_mvic(ann.id)["gluteus_maximus_L"].value_uv == 300.0
    assert [x.exercise for x in s.sessions(ann.id)] == ["Glute bridges"]
    sid = s.add_screening(ann.id, "trendelenburg", {"flagged": True, "verdict": "weak right medius"})
    s.save_exercise({"id": "glute_bridge_custom", "custom_of": "glute_bridge", "name": "Bridge (Ann)"})
    s.close()
    s = Store(path)  # reopening migrates nothing more and keeps the new rows
    assert s.version == SCHEMA_VERSION
    (res,) = s.screenings(ann.id, "trendelenburg")
    assert res["id"] == sid and res["verdict"] == "weak right medius" and res["flagged"] is True
    assert [e["name"] for e in s.custom_exercises()] == ["Bridge (Ann)"]
    s.close()


def test_a_database_from_a_newer_release_is_refused(tmp_path):
    path = tmp_path / "new.sqlite3"
    Store(path).close()
    with sqlite3.connect(path) as db:
        db.execute("UPDATE schema_version SET version = 99")
    with pytest.raises(UserError, match="written by a newer GluteFire"):
        Store(path)
