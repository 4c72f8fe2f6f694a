"""Writes kept while the records are away are tried again less and less often (each try against
an unreachable server can hold the window's thread for libpq's 2 s connect timeout), and at once
at the normal pace again after one succeeds."""

from __future__ import annotations

from contextlib import contextmanager

from app.storage import later
from app.storage.db_errors import RecordsUnavailable
from app.storage.later import RecordsLater


class _Server:
    """A records stand-in that is away until ``back``; counts the tries."""

    def __init__(self) -> None:
        self.back, self.tries, self.saved = False, 0, []

    @contextmanager
    def patience(self, seconds: float):  # type: ignore[no-untyped-def]
        yield

    def write(self, what: str):  # type: ignore[no-untyped-def]
        def go(db) -> int:  # type: ignore[no-untyped-def]
            self.tries += 1
            if not self.back:
                raise RecordsUnavailable("The records server is not reachable.")
            self.saved.append(what)
            return 1
        return go


def test_tries_back_off_to_one_a_minute_and_recover(monkeypatch):
    now = [1000.0]
    monkeypatch.setattr(later.time, "monotonic", lambda: now[0])
    srv, lat = _Server(), RecordsLater(retry_every_s=2.0, max_retry_s=60.0)
    assert lat.write(srv, "session 1", srv.write("s1")) is None  # type: ignore[arg-type]
    lat.write(srv, "session 2", srv.write("s2"))  # type: ignore[arg-type]
    assert lat.pending == 2 and srv.tries == 1
    tries_at = []
    for _ in range(3600):  # an hour away, the frame loop asking every second
        now[0] += 1.0
        before = srv.tries
        lat.retry(srv)  # type: ignore[arg-type]
        if srv.tries > before:
            tries_at.append(now[0])
    gaps = [b - a for a, b in zip(tries_at, tries_at[1:], strict=False)]
    assert gaps[:5] == [4.0, 8.0, 16.0, 32.0, 60.0] and set(gaps[5:]) == {60.0}
    assert len(tries_at) < 70  # not 1800 tries of up to 2 s each
    srv.back = True
    now[0] += 60.0
    assert lat.retry(srv) == (["session 1", "session 2"], [])  # type: ignore[arg-type]
    assert srv.saved == ["s1", "s2"] and lat.pending == 0  # in their order, once
    srv.back = False
    lat.write(srv, "session 3", srv.write("s3"))  # type: ignore[arg-type]
    assert lat.retry_in_s == 2.0  # the next outage starts at the normal pace again


def test_a_server_is_tried_on_a_thread_of_its_own_and_the_caller_never_waits():
    import threading

    srv = _Server()
    lat = RecordsLater(retry_every_s=0.0)
    lat.write(srv, "session 1", srv.write("s1"))  # type: ignore[arg-type]
    assert lat.pending == 1 and lat.waiting
    release, opened = threading.Event(), threading.Event()

    def open_store():  # type: ignore[no-untyped-def]
        opened.set()
        release.wait(10)  # an unreachable server: the connect hangs until libpq's timeout
        srv.back = True
        return srv

    srv.close = lambda: None  # type: ignore[attr-defined]
    assert lat.retry_in_background(open_store) == ([], [])  # returns at once: the try runs elsewhere
    assert opened.wait(5) and lat.pending == 1
    assert lat.retry_in_background(open_store) == ([], [])  # one try at a time
    release.set()
    for _ in range(500):  # the outcome is collected by a later call, once
        got = lat.retry_in_background(open_store)
        if got != ([], []):
            break
        threading.Event().wait(0.01)
    assert got == (["session 1"], []) and srv.saved == ["s1"] and lat.pending == 0
    assert lat.retry_in_background(open_store) == ([], []) and not lat.waiting
