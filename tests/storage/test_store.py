"""The store on both backends, the same tests: a real SQLite file and a real PostgreSQL server
(``target`` in conftest.py): people, %MVIC references (latest wins), sessions, migrations."""

from __future__ import annotations

import sqlite3

import pytest

from app.analysis.mvic import MvicReference
from app.errors import UserError
from app.storage.store import SCHEMA_VERSION, Store
from tests.storage.conftest import query, run_sql


def test_people_references_and_sessions_survive_reopening(target):
    s = Store(target)
    ann = s.add_person("Ann Example", "L knee ACL 2025")
    s.save_mvic(ann.id, MvicReference("gluteus_maximus_L", 310.0, "maximal", 500, 3))
    stored = s.save_mvic(ann.id, MvicReference("gluteus_maximus_L", 335.0, "maximal", 500, 3))
    s.save_mvic(ann.id, MvicReference("hamstring_L", 120.0, "submaximal", 500, 3, fraction=0.5))
    s.add_session(ann.id, "bridges", "/tmp/a.csv", {"reps": 10, "peak_pct_mvic": 82.5})
    s.close()

    s = Store(target)
    assert [p.name for p in s.people()] == ["Ann Example"]
    ref = s.latest_mvic(ann.id)
    assert ref["gluteus_maximus_L"] == stored and stored.recorded_at  # one type, the same fields back
    assert isinstance(ref["gluteus_maximus_L"], MvicReference)
    assert ref["hamstring_L"].fraction == 0.5
    assert [m.value_uv for m in s.mvic_history(ann.id, "gluteus_maximus_L")] == [310.0, 335.0]
    (sess,) = s.sessions(ann.id)
    assert sess.summary["peak_pct_mvic"] == 82.5 and sess.exercise == "bridges"
    s.close()
    # a real database anyone can open with its own client
    assert query(target, "SELECT count(*) FROM mvic") == [(3,)]


def test_mistakes_are_sentences(target):
    s = Store(target)
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


def test_a_database_of_the_first_release_is_migrated_with_everything_kept(target):
    """The same migration history on both backends: a version-1 database comes up to date."""
    path = target
    run_sql(target, V1_SCHEMA)
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
    (old_session,) = s.sessions(ann.id)
    assert old_session.uuid  # sessions from before the UUIDs got one when migrated
    (res,) = s.screenings(ann.id, "trendelenburg")
    assert res["id"] == sid and res["verdict"] == "weak right medius" and res["flagged"] is True
    assert [e["name"] for e in s.custom_exercises()] == ["Bridge (Ann)"]
    s.close()


def test_a_database_from_a_newer_release_is_refused(target):
    Store(target).close()
    run_sql(target, "UPDATE schema_version SET version = 99")
    with pytest.raises(UserError, match="written by a newer GluteFire"):
        Store(target)


#: what release 2 (guided practice) added to version 1, as it was
V2_ADDED = """
CREATE TABLE screening (id INTEGER PRIMARY KEY, person_id INTEGER REFERENCES person(id) ON DELETE CASCADE,
                        test TEXT NOT NULL, taken_at TEXT NOT NULL, flagged INTEGER NOT NULL, result TEXT NOT NULL);
CREATE INDEX screening_person ON screening(person_id, test, taken_at);
CREATE TABLE exercise (id TEXT PRIMARY KEY, custom_of TEXT, name TEXT NOT NULL, definition TEXT NOT NULL,
                       saved_at TEXT NOT NULL);
UPDATE schema_version SET version = 2;
INSERT INTO screening VALUES (1, 1, 'trendelenburg', '2026-11-01T10:20:00+00:00', 1, '{"flagged": true}');
"""


def test_a_database_of_the_current_release_is_migrated_to_people_with_ids_sides_and_positions(target):
    path = target
    run_sql(target, V1_SCHEMA + V2_ADDED)
    s = Store(path)
    ann = s.require_person("Ann Example")
    assert (ann.pseudonym, ann.sides, ann.archived) == ("", (), False)
    assert s.latest_mvic(ann.id)["gluteus_maximus_L"].position == ""  # not known then: not invented
    assert len(s.screenings(ann.id)) == 1 and len(s.sessions(ann.id)) == 1
    ann = s.update_person(ann.id, pseudonym="P-017", sides=("L",), notes="ACL L")
    assert s.find_person("P-017") == ann and ann.shown(pseudonymous=True) == "P-017"
    s.close()
    if path.endswith(".sqlite3"):
        with sqlite3.connect(path) as db:
            assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
            assert db.execute("PRAGMA foreign_key_check").fetchall() == []


def test_people_are_edited_archived_and_deleted_with_their_records(target):
    s = Store(target)
    ann = s.add_person("Ann", pseudonym="P-1", sides=("L", "R"))
    bo = s.add_person("Bo")
    s.save_mvic(ann.id, MvicReference("gluteus_maximus_L", 300.0, "maximal", 500, 3, position="prone"))
    s.add_session(ann.id, "Glute bridge", None, {}, started_at="2026-11-01T10:00:00+01:00")
    s.add_session(ann.id, "Clamshell", None, {}, started_at="2026-11-29T10:00:00+01:00")
    s.add_session(bo.id, "Glute bridge", None, {})
    s.add_screening(ann.id, "trendelenburg", {"flagged": False})
    assert [x.exercise for x in s.sessions(ann.id, exercise="bridge")] == ["Glute bridge"]
    assert [x.exercise for x in s.sessions(ann.id, since="2026-11-15")] == ["Clamshell"]
    assert [x.exercise for x in s.sessions(ann.id, until="2026-11-01")] == ["Glute bridge"]
    assert s.mvic_history(ann.id)[0].position == "prone"
    with pytest.raises(UserError, match="already a person called 'Bo'"):
        s.update_person(ann.id, name="Bo")
    s.archive_person(ann.id)
    assert [p.name for p in s.people()] == ["Bo"]
    assert [p.name for p in s.people(include_archived=True)] == ["Ann", "Bo"]
    assert s.sessions(ann.id)  # archived keeps everything
    assert s.delete_person(ann.id) == 2
    assert s.find_person("Ann") is None and s.screenings(ann.id) == [] and s.mvic_history(ann.id) == []
    assert [x.person_id for x in s.all_sessions()] == [bo.id]
    with pytest.raises(UserError, match="No person named 'Ann'"):
        s.require_person("Ann")
    s.close()


def _writer(path: str, who: str, n: int) -> None:
    s = Store(path)
    p = s.find_person(who) or s.add_person(who)
    for i in range(n):
        s.add_session(p.id, "Glute bridge", None, {"i": i, "who": who})
        s.save_mvic(p.id, MvicReference("gluteus_maximus_L", 100.0 + i, "maximal", 500, 3))
    s.close()


def test_two_programs_writing_at_once_lose_nothing(target):
    """Two processes (two windows, or the window and the CLI) write sessions into one database at
    the same time, one of them opening (and migrating) an old one: every session arrives, once."""
    import multiprocessing

    path = target
    run_sql(target, V1_SCHEMA + V2_ADDED)
    ctx = multiprocessing.get_context("spawn")
    procs = [ctx.Process(target=_writer, args=(str(path), who, 150)) for who in ("Ann", "Cy", "Dee")]
    for p in procs:
        p.start()
    for p in procs:
        p.join(120)
        assert p.exitcode == 0
    s = Store(path)
    assert s.version == SCHEMA_VERSION
    for who in ("Cy", "Dee"):
        got = [x.summary["i"] for x in s.sessions(s.require_person(who).id)]
        assert got == list(range(150))
    assert len(s.sessions(s.require_person("Ann Example").id)) == 1
    assert len(s.sessions(s.require_person("Ann").id)) == 150
    s.close()
    assert query(target, "SELECT count(*) FROM schema_version") == [(1,)]
    if not path.startswith("postgresql"):
        with sqlite3.connect(path) as db:
            assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"


def test_a_fetch_cut_half_way_leaves_no_half_file_and_says_so(tmp_path, monkeypatch):
    """The connection lost (or the disk full) while a stored recording is written out: no
    ``.part`` is left in the folder, and the review gets one sentence instead of the error."""
    from dataclasses import replace
    from pathlib import Path

    from app.records.located import with_local_recording

    rec = tmp_path / "bridge.csv"
    rec.write_bytes(b"# GluteFire recording\n" + b"0.0,1.0\n" * 300_000)  # three 1 MiB chunks
    with Store(tmp_path / "r.sqlite3") as s:
        record = s.add_session(None, "Bridge", str(rec), {})
        assert s.put_recording(record.uuid, rec)
        gone = replace(record, csv_path=str(tmp_path / "elsewhere" / "bridge.csv"))
        real = s._db.execute

        def cut(sql, args=()):  # type: ignore[no-untyped-def]
            if "FROM recording_chunk" in sql:
                raise sqlite3.OperationalError("disk I/O error")
            return real(sql, args)

        monkeypatch.setattr(s._db, "execute", cut)
        got, note = with_local_recording(s, gone, tmp_path / "cache")
        assert got is gone and note == "The records' copy of this recording could not be fetched (disk I/O error)."
        assert not list((tmp_path / "cache").glob("**/*.part")) and not list((tmp_path / "cache").glob("**/*.csv"))
        monkeypatch.undo()
        got, note = with_local_recording(s, gone, tmp_path / "cache")  # whole this time
        assert Path(got.csv_path).read_bytes() == rec.read_bytes() and note.startswith("The recording was fetched")
