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
