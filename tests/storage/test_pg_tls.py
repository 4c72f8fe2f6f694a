"""TLS to the clinic's server, as docs/clinic.md tells a clinic to set it up: the server has a
certificate from the clinic's own CA, the workstation checks it (``sslmode=verify-full`` with
``sslrootcert``), and the server refuses connections without TLS. A real server started with
``ssl=on`` on 127.0.0.1; certificates made by the openssl command-line tool for this test."""

from __future__ import annotations

import shutil
import socket
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from app.errors import UserError
from app.storage.store import Store
from tests.storage.conftest import ADMIN, ADMIN_PASSWORD, PgServer, throwaway_server


def _openssl(*args: str, cwd: Path) -> None:
    subprocess.run(["openssl", *args], cwd=cwd, check=True, capture_output=True, timeout=60)


def _ca(folder: Path, name: str) -> None:
    _openssl("req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
             "-keyout", f"{name}.key", "-out", f"{name}.crt", "-days", "2", "-subj", f"/CN={name}", cwd=folder)


def _certificates(folder: Path) -> None:
    """The clinic's CA, the server's certificate for 'localhost' signed by it, and a stranger CA."""
    _ca(folder, "clinic-ca")
    _ca(folder, "stranger-ca")
    _openssl("req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-keyout",
             "server.key", "-out", "server.csr", "-subj", "/CN=localhost", cwd=folder)
    (folder / "ext").write_text("subjectAltName=DNS:localhost\n")
    _openssl("x509", "-req", "-in", "server.csr", "-CA", "clinic-ca.crt", "-CAkey", "clinic-ca.key",
             "-CAcreateserial", "-out", "server.crt", "-days", "2", "-extfile", "ext", cwd=folder)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class _Tls:
    def __init__(self, server: PgServer, port: int, certs: Path) -> None:
        self.server, self.port, self.certs = server, port, certs

    def url(self, host: str = "localhost", **query: str) -> str:
        q = "&".join(f"{k}={v}" for k, v in query.items())
        return f"postgresql://{ADMIN}@{host}:{self.port}/postgres" + (f"?{q}" if q else "")


@pytest.fixture(scope="module")
def tls() -> Iterator[_Tls]:
    port = _free_port()

    def configure(server: PgServer, certs: Path) -> None:
        _certificates(certs)
        for name in ("server.crt", "server.key"):
            shutil.copy(certs / name, server.data / name)
            if server.owner is not None:
                shutil.chown(server.data / name, server.owner, server.owner)
        (server.data / "server.key").chmod(0o600)
        (server.data / "pg_hba.conf").write_text(
            "local all all scram-sha-256\n"
            "hostssl all all 127.0.0.1/32 scram-sha-256\n"
            "hostnossl all all 127.0.0.1/32 reject\n")

    options = f"-c listen_addresses=127.0.0.1 -c port={port} -c ssl=on"
    with throwaway_server("pgtls", options, configure) as (server, certs):
        yield _Tls(server, port, certs)


def test_verify_full_against_the_clinics_ca_connects_over_tls(tls):
    with Store(tls.url(sslmode="verify-full", sslrootcert=str(tls.certs / "clinic-ca.crt"))) as s:
        (ssl, version) = s._db.execute("SELECT ssl, version FROM pg_stat_ssl WHERE pid = pg_backend_pid()").fetchone()
        assert ssl is True and version.startswith("TLSv1.")
        s.add_person("Ann")
        assert [p.name for p in s.people()] == ["Ann"]


@pytest.mark.parametrize(("url_kw", "host", "words"), [
    ({"sslmode": "verify-full", "sslrootcert": "stranger-ca.crt"}, "localhost", "not signed by the certificate"),
    ({"sslmode": "verify-full", "sslrootcert": "clinic-ca.crt"}, "127.0.0.1", "for another name"),  # not its name
    ({"sslmode": "disable"}, "localhost", "accepts only TLS connections"),  # the server refuses plain TCP
    ({"sslmode": "verify-full", "sslrootcert": "missing.crt"}, "localhost", "no readable certificate"),
])
def test_a_server_that_cannot_be_trusted_is_one_sentence(tls, url_kw, host, words):
    kw = {k: (str(tls.certs / v) if k == "sslrootcert" else v) for k, v in url_kw.items()}
    with pytest.raises(UserError) as exc:
        Store(tls.url(host, **kw))
    text = str(exc.value)
    assert words in text and "Traceback" not in text and ADMIN_PASSWORD not in text
    assert text.count(". ") == 0 and "\n" not in text.strip() and "Either" not in text

