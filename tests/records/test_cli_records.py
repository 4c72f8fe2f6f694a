"""``glutefire people`` and ``history``: a clinic scripts its records; mistakes are one sentence."""

from __future__ import annotations

import json

from app.cli import main
from app.storage.store import Store


def _run(capsys, *argv) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_people_add_list_edit_archive_remove(tmp_path, capsys, monkeypatch):
    db = str(tmp_path / "r.sqlite3")
    assert _run(capsys, "people", "--db", db, "add", "Ann Example", "--id", "P-017", "--sides", "L,R",
                "--notes", "ACL L")[0] == 0
    assert _run(capsys, "people", "add", "Bo", "--db", db)[0] == 0  # --db after the action too
    code, out, _ = _run(capsys, "people", "--db", db, "list", "--json")
    people = json.loads(out)
    assert code == 0 and people[0] == {"name": "Ann Example", "id": "P-017", "sides": ["L", "R"], "notes": "ACL L",
                                       "created": people[0]["created"], "archived": False}
    assert _run(capsys, "people", "--db", db, "edit", "P-017", "--sides", "R", "--name", "Ann E.")[0] == 0
    assert _run(capsys, "people", "--db", db, "archive", "Bo")[1] == "Bo is archived.\n"
    code, out, _ = _run(capsys, "people", "--db", db, "list")
    assert out == "Ann E.  (ID P-017; sides R; ACL L)\n"
    assert "Bo" in _run(capsys, "people", "--db", db, "list", "--all")[1]
    monkeypatch.setattr("sys.stdin.isatty", lambda: False)
    code, _, err = _run(capsys, "people", "--db", db, "remove", "Bo")
    assert code == 2 and "add --yes" in err
    assert _run(capsys, "people", "--db", db, "remove", "Bo", "--yes")[0] == 0
    s = Store(db)
    assert [p.name for p in s.people(include_archived=True)] == ["Ann E."]
    s.close()


def test_people_mistakes_are_one_sentence(tmp_path, capsys):
    db = str(tmp_path / "r.sqlite3")
    for argv, said in ((["add", "x", "--sides", "up"], "Unknown side 'up'; use L, R or L,R."),
                       (["remove", "Nobody", "--yes"], "No person named 'Nobody'"),
                       (["edit", "Nobody"], "No person named 'Nobody'")):
        code, _, err = _run(capsys, "people", "--db", db, *argv)
        assert code == 2 and said in err and err.count("\n") == 1, err
    _run(capsys, "people", "--db", db, "add", "Ann")
    code, _, err = _run(capsys, "people", "--db", db, "add", "Ann")
    assert code == 2 and "already a person called 'Ann'" in err


def test_history_of_a_person_as_text_and_json(demo_records, capsys):
    code, out, _ = _run(capsys, "history", "--person", "Ann Example", "--db", str(demo_records))
    assert code == 0 and out.startswith("Ann Example: 2 session(s)\n")
    assert "Four-week retest: Glute bridge" in out and "The glute now fires first in 5 of 5 reps, was 0 of 5." in out
    code, out, _ = _run(capsys, "history", "--person", "P-017", "--json", "--pseudonym", "--db", str(demo_records))
    d = json.loads(out)
    assert d["person"] == "P-017" and [s["glute_led_share"] for s in d["sessions"]] == [0.0, 1.0]
    assert {"started", "exercise", "reps", "glute_led_share", "peak_mvic_pct", "compensation_share"} <= set(d["sessions"][0])
    assert d["retest"]["is_retest"] and d["trends"]["glute_led_share"]["values"] == [0.0, 100.0]
    code, out, _ = _run(capsys, "history", "--person", "Ann Example", "--since", "2026-11-20", "--json",
                        "--db", str(demo_records))
    assert len(json.loads(out)["sessions"]) == 1
    code, _, err = _run(capsys, "history", "--person", "Nobody", "--db", str(demo_records))
    assert code == 2 and "No person named 'Nobody'" in err
    code, _, err = _run(capsys, "history", "--person", "Ann Example", "--since", "last week")
    assert code == 2 and "is not a date like 2026-11-30" in err
