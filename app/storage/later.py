"""Writes to the records that wait for a busy or unreachable database instead of making the window wait.

SQLite lets one program write at a time; another (``glutefire`` in a terminal, a second window, a
backup tool) may hold the lock for seconds. A clinic's server may go away (network, restart) for
longer: its writes wait here the same way (``db_errors.transient``). The window's thread gives a
write ``quick_s``; if the records are still busy the write is kept here and tried again every
``retry_every_s`` (from the frame loop, each try as short), doubling after every failed try up to
``max_retry_s`` (a server that is away for an hour costs the window one short try a minute, not
one every two seconds: libpq's connect timeout is at least 2 s), and once more with the full
patience when the session closes. On a clinic's server (``retry_in_background``) the tries run on
a thread of their own with their own connection, so the window never waits for an unreachable
server at all; SQLite's tries stay on the caller's thread (a busy file answers in 50 ms).
Nothing is lost meanwhile: the recording is on disk, and its session row was opened at Record
(``in_progress``), so even a crash before the retry leaves it for ``glutefire recover``.
"""

from __future__ import annotations

import sqlite3
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

from app.storage.db_errors import transient
from app.storage.store import BUSY_TIMEOUT_S, Store

Write = Callable[[Store], int]


@dataclass
class _Pending:
    what: str  # for the sentence: "the session of /path/x.csv"
    write: Write


class RecordsLater:
    """The records writes that found the database busy, in the order they were made."""

    def __init__(self, quick_s: float = 0.5, retry_every_s: float = 2.0, max_retry_s: float = 60.0) -> None:
        self.quick_s = quick_s
        self.retry_every_s = retry_every_s
        self.max_retry_s = max_retry_s
        self._pending: list[_Pending] = []
        self._next_try = 0.0
        self._failed_tries = 0  # in a row: the wait before the next one doubles
        self._thread: threading.Thread | None = None  # a try on a server, under way
        self._lock = threading.Lock()
        self._done: tuple[list[str], list[str]] = ([], [])  # finished in the background, not yet said

    @property
    def retry_in_s(self) -> float:
        """The wait after the latest failed try (``retry_every_s`` doubled per failure in a row)."""
        return min(self.max_retry_s, self.retry_every_s * 2.0 ** min(self._failed_tries, 30))

    @property
    def pending(self) -> int:
        return len(self._pending)

    @property
    def waiting(self) -> bool:
        """Writes kept, a try under way, or its outcome not yet collected."""
        return bool(self._pending or self._done[0] or self._done[1]
                    or (self._thread is not None and self._thread.is_alive()))

    def retry_in_background(self, open_store: Callable[[], Store], patience_s: float = 2.0) -> tuple[list[str], list[str]]:
        """A due try on a thread of its own, through a connection of its own (``open_store``);
        returns what the earlier tries saved or gave up on since the last call (then said once)."""
        done = self._take_done()
        busy = self._thread is not None and self._thread.is_alive()
        if not busy and self._pending and time.monotonic() >= self._next_try:
            self._next_try = float("inf")  # the try sets the next one when it ends
            self._thread = threading.Thread(target=self._try_elsewhere, args=(open_store, patience_s),
                                            name="records-retry", daemon=True)
            self._thread.start()
        return done

    def _take_done(self) -> tuple[list[str], list[str]]:
        with self._lock:
            done, self._done = self._done, ([], [])
        return done

    def _try_elsewhere(self, open_store: Callable[[], Store], patience_s: float) -> None:
        try:
            store = open_store()
        except Exception:  # still away (or refusing us): try again later, less often
            self._failed_tries += 1
            self._next_try = time.monotonic() + self.retry_in_s
            return
        try:
            saved, failed = self.retry(store, patience_s, force=True)
            if self._pending and self._next_try == float("inf"):  # (a write kept meanwhile)
                self._next_try = time.monotonic() + self.retry_every_s
        finally:
            store.close()
        with self._lock:
            self._done[0].extend(saved)
            self._done[1].extend(failed)

    def write(self, store: Store, what: str, write: Write) -> int | None:
        """``write(store)`` now, or None when the records stay busy for ``quick_s`` (then it is
        kept for later, after any earlier one: their order is kept)."""
        if not self._pending:
            try:
                with store.patience(self.quick_s):
                    return write(store)
            except sqlite3.OperationalError as exc:
                if not transient(exc):
                    raise
        if not self._pending:
            self._failed_tries = 0
            self._next_try = time.monotonic() + self.retry_every_s
        self._pending.append(_Pending(what, write))
        return None

    def retry(self, store: Store, patience_s: float = 0.05, force: bool = False) -> tuple[list[str], list[str]]:
        """Try the kept writes (due ones, or all with ``force``): (saved, failed) sentences' subjects."""
        if not self._pending or (not force and time.monotonic() < self._next_try):
            return [], []
        saved: list[str] = []
        failed: list[str] = []
        while self._pending:
            job = self._pending[0]
            try:
                with store.patience(patience_s):
                    job.write(store)
            except sqlite3.OperationalError as exc:
                if transient(exc):
                    self._failed_tries += 1
                    self._next_try = time.monotonic() + self.retry_in_s
                    break
                failed.append(f"{job.what} ({exc})")
            except Exception as exc:  # the person was deleted meanwhile, the file replaced…
                failed.append(f"{job.what} ({exc})")
            else:
                saved.append(job.what)
                self._failed_tries = 0
            self._pending.pop(0)
        return saved, failed

    def flush(self, store: Store) -> tuple[list[str], list[str]]:
        """Everything kept, with the full patience (closing the session), after a try under way."""
        if self._thread is not None:
            self._thread.join(BUSY_TIMEOUT_S)
        done = self._take_done()
        saved, failed = self.retry(store, BUSY_TIMEOUT_S, force=True)
        return done[0] + saved, done[1] + failed
