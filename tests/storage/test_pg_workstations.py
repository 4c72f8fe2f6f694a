"""Two workstations, one clinic server: two processes with their own data folders add sessions
for the same person at the same time; both see the whole history, no session lost or doubled."""

from __future__ import annotations

import json
import multiprocessing
import os
import subprocess
import sys
from pathlib import Path

from app.storage.store import Store

N = 60


def _workstation(url: str, data_home: str, room: str, n: int) -> None:
    """One treatment room's laptop: its own data folder, the server from the environment."""
    os.environ["XDG_DATA_HOME"] = data_home
    os.environ["GLUTEFIRE_DATABASE_URL"] = url
    from app.storage.store import Store, new_uuid

    s = Store()  # GLUTEFIRE_DATABASE_URL chooses the server
    ann = s.ensure_person("Ann")  # both rooms add her at once: one person
    for i in range(n):
        key = new_uuid()
        summary = {"room": room, "i": i}
        s.put_session(key, ann.id, "Glute bridge", f"/{room}/s{i}.csv", summary)
        if i % 10 == 0:  # a write retried after a lost answer: the same UUID, still one session
            s.put_session(key, ann.id, "Glute bridge", f"/{room}/s{i}.csv", summary)
    s.close()


def test_two_workstations_share_one_history(pg_url, tmp_path):
    ctx = multiprocessing.get_context("spawn")
    rooms = {room: tmp_path / room for room in ("room1", "room2")}
    procs = [ctx.Process(target=_workstation, args=(pg_url, str(home), room, N)) for room, home in rooms.items()]
    for p in procs:
        p.start()
    for p in procs:
        p.join(120)
        assert p.exitcode == 0
    s = Store(pg_url)
    (ann,) = s.people()
    got = sorted((x.summary["room"], x.summary["i"]) for x in s.sessions(ann.id))
    assert got == sorted((room, i) for room in rooms for i in range(N))  # every session, once
    assert len({x.uuid for x in s.sessions(ann.id)}) == 2 * N
    s.close()
    for room, home in rooms.items():  # each workstation's own command line sees both rooms' sessions
        env = dict(os.environ, XDG_DATA_HOME=str(home), GLUTEFIRE_DATABASE_URL=pg_url)
        out = subprocess.run([sys.executable, "-m", "app", "history", "--person", "Ann", "--json"],
                             capture_output=True, text=True, env=env, timeout=120, cwd=Path(__file__).parents[2])
        assert out.returncode == 0, out.stderr
        assert len(json.loads(out.stdout)["sessions"]) == 2 * N, room
        assert not list(home.glob("**/*.sqlite3"))  # nothing went to a local file instead
