"""Access and safety on the server: a clinician's role does everything the app needs and nothing
more (no DROP, ALTER or CREATE); no password in any message, output or recording."""

from __future__ import annotations

import pytest

from app.analysis.mvic import MvicReference
from app.cli import main
from app.errors import UserError
from app.storage.db_url import redact
from app.storage.pg_roles import clinician, group_grants
from app.storage.store import Store
from tests.storage.conftest import ADMIN, ADMIN_PASSWORD


def test_a_clinician_role_can_do_what_the_app_needs_and_cannot_drop_tables(pg_server, pg_url, tmp_path, monkeypatch):
    import psycopg

    dbname = pg_url.split("/")[3].split("?")[0]
    Store(pg_url).close()  # the owner creates the schema
    group, anna = f"{dbname}_clinicians", f"{dbname}_anna"
    with psycopg.connect(pg_url, autocommit=True) as conn:
        for sql in [*group_grants(dbname, group), clinician(anna, group), f"ALTER ROLE {anna} PASSWORD 'anna-pw'"]:
            conn.execute(sql)
    passfile = tmp_path / "pgpass"  # each clinician's password in their own libpq password file
    passfile.write_text(f"*:*:*:{ADMIN}:{ADMIN_PASSWORD}\n*:*:*:{anna}:anna-pw\n")
    passfile.chmod(0o600)
    monkeypatch.setenv("PGPASSFILE", str(passfile))
    url = pg_server.url(dbname, user=anna)

    s = Store(url)  # opens (reads the schema version) without any right to create
    p = s.add_person("Ann", pseudonym="P-1")
    s.update_person(p.id, notes="L hip")
    s.save_mvic(p.id, MvicReference("gluteus_maximus_L", 300.0, "maximal", 500, 3))
    rec = tmp_path / "r.csv"
    rec.write_text("t,x\n0,1\n")
    sess = s.add_session(p.id, "Glute bridge", str(rec), {"in_progress": True})
    s.update_session(sess.id, summary={"reps": 3})
    assert s.put_recording(sess.uuid, rec) and s.unfinished_sessions() == []
    s.add_screening(p.id, "trendelenburg", {"flagged": False})
    s.save_exercise({"id": "x_custom", "custom_of": "x", "name": "X"})
    s.delete_exercise("x_custom")
    s.archive_person(p.id)
    assert s.delete_person(p.id) == 1
    s.close()
    with psycopg.connect(url, autocommit=True) as conn:
        for forbidden in ("DROP TABLE session", "ALTER TABLE person ADD COLUMN x TEXT", "CREATE TABLE mine (x INT)",
                          "TRUNCATE session", "UPDATE schema_version SET version = 1"):
            with pytest.raises(psycopg.errors.InsufficientPrivilege):
                conn.execute(forbidden)
    # an older schema on the server is migrated by its owner, not by a clinician: a sentence
    with psycopg.connect(pg_url, autocommit=True) as conn:
        conn.execute("UPDATE schema_version SET version = 3")
    with pytest.raises(UserError, match="does not let this role"):
        Store(url)


def test_a_password_in_a_url_is_never_shown(pg_server, pg_url, tmp_path, capsys):
    dbname = pg_url.split("/")[3].split("?")[0]
    wrong = pg_server.url(dbname).replace(f"{ADMIN}@", f"{ADMIN}:Wr0ng-Secret-77@")
    with pytest.raises(UserError) as err:
        Store(wrong)
    assert "Wr0ng-Secret-77" not in str(err.value) and "password authentication failed" in str(err.value)
    right = pg_server.url(dbname).replace(f"{ADMIN}@", f"{ADMIN}:{ADMIN_PASSWORD}@")
    assert main(["--database", right, "people", "add", "Ann"]) == 0
    assert main(["--database", right, "people", "list", "--all"]) == 0
    assert main(["--database", right, "people", "remove", "Nobody", "--yes"]) == 2
    out = capsys.readouterr()
    assert ADMIN_PASSWORD not in out.out + out.err and "***" in out.out and "Ann" in out.out
    assert main(["database", "copy", "--from", str(tmp_path / "none.sqlite3"), "--to", right]) == 2
    assert main(["database", "sync", "--db", right]) == 0
    out = capsys.readouterr()
    assert ADMIN_PASSWORD not in out.out + out.err


def test_a_recording_made_with_the_server_carries_no_credentials(pg_server, pg_url, tmp_path, monkeypatch):
    from app.session.controller import MemoryTargets, SessionController, SessionOptions, SimulatedChoice
    from app.storage.sync import Outbox

    dbname = pg_url.split("/")[3].split("?")[0]
    right = pg_server.url(dbname).replace(f"{ADMIN}@", f"{ADMIN}:{ADMIN_PASSWORD}@")
    monkeypatch.setenv("GLUTEFIRE_DATABASE_URL", right)
    ctl = SessionController(SessionOptions(recordings_dir=tmp_path / "rec"), MemoryTargets())
    ctl.outbox = Outbox(tmp_path / "outbox")
    ctl.connect(SimulatedChoice(("gluteus_maximus_L",), seed=1))
    path = ctl.start_recording()
    assert ctl.wait_samples(ctl.stream.worker.processed_samples + 200, 10)
    ctl.stop_recording()
    ctl.close()
    store = Store(right)
    (session,) = store.all_sessions()
    assert store.recording_info(session.uuid) is not None
    for text in (path.read_bytes(), repr(session.summary).encode(), str(store.path).encode()):
        assert ADMIN_PASSWORD.encode() not in text
    store.close()


def test_redact_covers_both_places_a_url_carries_a_password():
    assert redact("postgresql://anna:pw%40x@db.clinic/records?sslmode=verify-full") == \
        "postgresql://anna:***@db.clinic/records?sslmode=verify-full"
    assert redact("postgresql://db.clinic/records?user=anna&password=pw&sslmode=verify-full") == \
        "postgresql://db.clinic/records?user=anna&password=***&sslmode=verify-full"
    assert redact("/home/anna/records.sqlite3") == "/home/anna/records.sqlite3"
