"""``glutefire database copy --to postgresql://…``: a single machine's history moves to the
clinic's server whole, once however often it is run, and says what moved."""

from __future__ import annotations

import sqlite3

from app.analysis.mvic import MvicReference
from app.cli import main
from app.storage.store import Store
from tests.storage.test_store import V1_SCHEMA


def _history(tmp_path):  # type: ignore[no-untyped-def]
    """A file of the first release, opened (migrated) and used since: everything the store keeps."""
    path = tmp_path / "mine.sqlite3"
    with sqlite3.connect(path) as db:
        db.executescript(V1_SCHEMA)
    rec = tmp_path / "bridge.csv"
    rec.write_bytes(b"# GluteFire recording\n" + b"0.0,1.0\n" * 300_000)  # ~2.4 MB: three chunks
    s = Store(path)
    ann = s.require_person("Ann Example")
    bo = s.add_person("Bo", notes="R hip", pseudonym="P-2", sides=("R",))
    s.save_mvic(bo.id, MvicReference("gluteus_medius_R", 150.0, "maximal", 500, 3, position="side-lying"))
    s.add_session(ann.id, "Clamshell", str(rec), {"reps": {"n": 8}}, started_at="2026-11-20T10:00:00+01:00")
    s.add_session(None, "Nobody's bridge", None, {})
    s.add_screening(bo.id, "trendelenburg", {"flagged": True, "verdict": "weak right medius"})
    s.save_exercise({"id": "glute_bridge_custom", "custom_of": "glute_bridge", "name": "Bridge (Bo)"})
    s.archive_person(bo.id)
    s.close()
    return path, rec


def test_copy_moves_everything_once_and_says_what(pg_url, tmp_path, capsys):
    path, rec = _history(tmp_path)
    assert main(["database", "copy", "--from", str(path), "--to", pg_url]) == 0
    first = capsys.readouterr().out
    assert ("2 people, 2 %MVIC references, 3 sessions, 1 recordings, 1 screening results, 1 exercises." in first), first
    assert main(["database", "copy", "--from", str(path), "--to", pg_url]) == 0  # again: nothing new
    again = capsys.readouterr().out
    assert "0 people (2 already there), 0 %MVIC references (2 already there), 0 sessions (3 already there)" in again
    assert "0 recordings (1 already there)" in again

    mine, server = Store(path), Store(pg_url)
    assert [p.name for p in server.people(include_archived=True)] == ["Ann Example", "Bo"]
    bo = server.require_person("Bo")
    assert (bo.pseudonym, bo.sides, bo.archived, bo.notes) == ("P-2", ("R",), True, "R hip")
    assert server.latest_mvic(bo.id)["gluteus_medius_R"].position == "side-lying"
    assert sorted(x.uuid for x in server.all_sessions()) == sorted(x.uuid for x in mine.all_sessions())
    ann = server.require_person("Ann Example")
    assert [x.started_at for x in server.sessions(ann.id)] == [x.started_at for x in mine.sessions(1)]
    (screen,) = server.screenings(bo.id)
    assert screen["verdict"] == "weak right medius" and screen["taken_at"] == mine.screenings(2)[0]["taken_at"]
    assert [e["name"] for e in server.custom_exercises()] == ["Bridge (Bo)"]
    clam = next(x for x in server.all_sessions() if x.exercise == "Clamshell")
    mine.close()
    server.close()

    out = tmp_path / "other-workstation"
    out.mkdir()
    assert main(["database", "fetch", clam.uuid, "--out", str(out), "--db", pg_url]) == 0
    assert (out / rec.name).read_bytes() == rec.read_bytes()


def test_copy_mistakes_are_sentences(pg_url, tmp_path, capsys):
    assert main(["database", "copy", "--from", str(tmp_path / "none.sqlite3"), "--to", pg_url]) == 2
    assert "no records at" in capsys.readouterr().err
    Store(tmp_path / "a.sqlite3").close()
    assert main(["database", "copy", "--from", str(tmp_path / "a.sqlite3"), "--to", str(tmp_path / "a.sqlite3")]) == 2
    assert "same records" in capsys.readouterr().err
    assert main(["database", "fetch", "no-such-uuid", "--db", pg_url]) == 2
    assert "no recording of session" in capsys.readouterr().err
