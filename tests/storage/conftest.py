"""A real PostgreSQL server for the store's tests: a throwaway cluster (``initdb`` + ``pg_ctl``)
in a temp folder, listening only on a unix socket there, started once per test session.

initdb refuses to run as root, so as root the cluster belongs to the ``postgres`` user Debian's
package creates (commands through ``runuser``); as anyone else it is their own. Password
authentication (SCRAM) with the password in a libpq password file (``PGPASSFILE``), as a clinic
would have it. Without PostgreSQL these tests FAIL (CI must run them): ``python3 dev.py test``
installs Debian's ``postgresql`` package.
"""

from __future__ import annotations

import contextlib
import glob
import itertools
import os
import shutil
import sqlite3
import subprocess
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

ADMIN = "gfadmin"
ADMIN_PASSWORD = "s3cret-admin-pw"


def _bindir() -> Path | None:
    """Debian keeps the server's programs off PATH, in /usr/lib/postgresql/<version>/bin."""
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), key=lambda p: int(Path(p).parts[-3]))
    if found:
        return Path(found[-1]).parent
    on_path = shutil.which("initdb")
    return Path(on_path).parent if on_path else None


@dataclass
class PgServer:
    root: Path  # the socket's folder too
    bindir: Path
    owner: str | None  # the OS user the cluster runs as (None: this process' own)
    options: str = "-c listen_addresses=''"  # only the unix socket, unless a test listens on TCP

    @property
    def data(self) -> Path:
        return self.root / "data"

    def _run(self, *argv: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        cmd = list(argv)
        if self.owner is not None:
            cmd = ["runuser", "-u", self.owner, "--", *cmd]
        r = subprocess.run(cmd, capture_output=True, text=True, stdin=subprocess.DEVNULL, timeout=120)
        if check and r.returncode != 0:
            log = self.root / "server.log"
            tail = log.read_text(errors="replace")[-1500:] if log.exists() else ""
            pytest.fail(f"PostgreSQL could not be started or stopped ({' '.join(argv[:2])}): "
                        f"{(r.stderr or r.stdout).strip()} {tail}", pytrace=False)
        return r

    def start(self) -> None:
        opts = f"{self.options} -k {self.root} -c fsync=off -c synchronous_commit=off -c full_page_writes=off"
        self._run(str(self.bindir / "pg_ctl"), "-D", str(self.data), "-l", str(self.root / "server.log"),
                  "-w", "-t", "60", "-o", opts, "start")

    def stop(self) -> None:
        self._run(str(self.bindir / "pg_ctl"), "-D", str(self.data), "-m", "fast", "-w", "stop", check=False)

    def url(self, dbname: str = "postgres", user: str = ADMIN) -> str:
        return f"postgresql://{user}@/{dbname}?host={self.root}"

    def admin(self, sql: str, dbname: str = "postgres") -> None:
        import psycopg

        with psycopg.connect(self.url(dbname), autocommit=True) as conn:
            conn.execute(sql)


def _start_server(root: Path, options: str | None = None, before_start: Callable[[PgServer], None] | None = None) -> PgServer:
    bindir = _bindir()
    if bindir is None:
        pytest.fail("PostgreSQL is not installed (python3 dev.py test installs Debian's postgresql package).",
                    pytrace=False)
    owner = None
    if os.geteuid() == 0:  # initdb refuses root: the cluster is the postgres user's
        owner = "postgres"
        try:
            import pwd

            entry = pwd.getpwnam(owner)
        except KeyError:
            pytest.fail("Running as root, but there is no 'postgres' user to run the test server as.", pytrace=False)
        os.chown(root, entry.pw_uid, entry.pw_gid)
    server = PgServer(root, bindir, owner) if options is None else PgServer(root, bindir, owner, options)
    pwfile = root / "pw"
    pwfile.write_text(ADMIN_PASSWORD + "\n")
    if owner is not None:
        os.chown(pwfile, entry.pw_uid, entry.pw_gid)
    server._run(str(bindir / "initdb"), "-D", str(server.data), "-U", ADMIN, "--auth=scram-sha-256",
                f"--pwfile={pwfile}", "-E", "UTF8", "--no-locale", "--no-sync")
    pwfile.unlink()
    if before_start is not None:
        before_start(server)
    server.start()
    return server


@contextlib.contextmanager
def throwaway_server(prefix: str, options: str | None = None,
                     before_start: Callable[[PgServer, Path], None] | None = None) -> Iterator[tuple[PgServer, Path]]:
    """A cluster of its own, the admin's password in a libpq password file (``PGPASSFILE``: no
    password in any URL), and a private folder for the test's other files (``before_start``
    gets both, e.g. to put certificates there); all removed after.
    Both folders are directly under the temp folder: pytest's own folders are private to this
    user, and the server's user must reach its data and socket (the suite checks nothing named
    glutefire-* is left)."""
    root = Path(tempfile.mkdtemp(prefix=f"glutefire-{prefix}-"))
    private = Path(tempfile.mkdtemp(prefix=f"glutefire-{prefix}-files-"))
    passfile = private / "pgpass"
    passfile.write_text(f"*:*:*:{ADMIN}:{ADMIN_PASSWORD}\n")
    passfile.chmod(0o600)
    old = os.environ.get("PGPASSFILE")
    os.environ["PGPASSFILE"] = str(passfile)
    server = None
    try:
        prepare = None if before_start is None else (lambda srv: before_start(srv, private))
        server = _start_server(root, options, prepare)
        yield server, private
    finally:
        if server is not None:
            server.stop()
        if old is None:
            os.environ.pop("PGPASSFILE", None)
        else:
            os.environ["PGPASSFILE"] = old
        shutil.rmtree(root, ignore_errors=True)
        shutil.rmtree(private, ignore_errors=True)


@pytest.fixture(scope="session")
def pg_server() -> Iterator[PgServer]:
    with throwaway_server("pg") as (server, _):
        yield server


_numbers = itertools.count(1)


@pytest.fixture
def pg_url(pg_server: PgServer) -> Iterator[str]:
    """A new empty database on the test server, dropped afterwards."""
    name = f"gftest_{os.getpid()}_{next(_numbers)}"
    pg_server.admin(f"CREATE DATABASE {name}")
    try:
        yield pg_server.url(name)
    finally:
        with contextlib.suppress(Exception):  # the server may have been stopped by the test
            pg_server.admin(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


@pytest.fixture(params=["sqlite", "postgresql"])
def target(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """The same store tests on both backends: a SQLite file path, or a PostgreSQL database URL."""
    if request.param == "sqlite":
        return str(tmp_path / "records.sqlite3")
    return str(request.getfixturevalue("pg_url"))


def run_sql(target: str, script: str) -> None:
    """Statements written for SQLite straight into either backend (an old release's schema)."""
    from app.storage.db_url import is_server

    if not is_server(target):
        with sqlite3.connect(target) as db:
            db.executescript(script)
        return
    import psycopg

    from app.storage.pg import ddl

    with psycopg.connect(target, autocommit=True) as conn:
        for sql in script.split(";"):
            if sql.strip():
                conn.execute(ddl(sql))
        for table in ("person", "mvic", "session", "screening"):  # ids given explicitly: move the counters on
            if conn.execute(f"SELECT to_regclass('{table}')").fetchone() != (None,):
                conn.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'),"
                             f" (SELECT coalesce(max(id), 0) + 1 FROM {table}), false)")


def query(target: str, sql: str) -> list[tuple[object, ...]]:
    """Rows read by the backend's own client, not through the store."""
    from app.storage.db_url import is_server

    if not is_server(target):
        with sqlite3.connect(target) as db:
            return db.execute(sql).fetchall()
    import psycopg

    with psycopg.connect(target) as conn:
        return conn.execute(sql).fetchall()
