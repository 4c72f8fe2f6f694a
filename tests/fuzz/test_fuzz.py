"""Property-based tests (hypothesis) of everything that reads bytes or text from outside: every
protocol decoder and every file reader. Over random and mutated valid inputs: never an unhandled
exception (only the documented rejection: ``MalformedPacket`` / ``UserError``), never NaN or inf
(a gap is NaN only where the reader says so: empty cells), never a wrong shape; rejects are
counted. A few hundred cases each in the default run; ``pytest -m soak`` runs 10 000 each."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from app.devices.protocols import ganglion, myo, myoware, openpatch
from app.devices.protocols.errors import MalformedPacket
from app.errors import UserError
from app.storage import reader as reader_module
from app.storage.reader import load_recording

QUICK = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
SOAK = settings(max_examples=10_000, deadline=None, suppress_health_check=[HealthCheck.too_slow])
COUNTS: dict[str, list[int]] = {}


def _count(name: str, rejected: bool) -> None:
    c = COUNTS.setdefault(name, [0, 0])
    c[0] += 1
    c[1] += rejected


def _check_decoded(d, n_channels: int | None = None) -> None:  # type: ignore[no-untyped-def]
    s = np.asarray(d.samples)
    assert s.ndim == 2 and (n_channels is None or s.shape[0] == n_channels)
    assert np.isfinite(s).all(), "a decoder produced NaN or inf"
    assert d.lost_samples >= 0 and d.lost_packets >= 0


def _valid_openpatch(seq: int, n_ch: int, frames: int) -> bytes:
    counts = np.arange(n_ch * frames, dtype=np.int64).reshape(n_ch, frames) % 2000 - 1000
    return openpatch.encode(seq, counts, 1000, 0.5, openpatch.FORMAT_INT16, 0)


def _mutate(data: bytes, flips: list[tuple[int, int]]) -> bytes:
    b = bytearray(data)
    for pos, val in flips:
        if b:
            b[pos % len(b)] = val
    return bytes(b)


packets = st.one_of(
    st.binary(max_size=260),
    st.builds(lambda s, n, f, fl: _mutate(_valid_openpatch(s, n, f), fl), st.integers(0, 65535), st.integers(1, 8),
              st.integers(1, 12), st.lists(st.tuples(st.integers(0, 300), st.integers(0, 255)), max_size=4)),
)


def _feed_openpatch(stream: list[bytes]) -> None:
    dec = openpatch.OpenPatchDecoder()
    for p in stream:
        try:
            _check_decoded(dec.feed(p))
            _count("openpatch", False)
        except MalformedPacket:
            _count("openpatch", True)


def _feed_ganglion(stream: list[bytes], firmware: int) -> None:
    dec = ganglion.GanglionDecoder(firmware)
    for p in stream:
        try:
            _check_decoded(dec.feed(p))
            _count(f"ganglion fw{firmware}", False)
        except MalformedPacket:
            _count(f"ganglion fw{firmware}", True)


def _feed_myo(stream: list[bytes]) -> None:
    dec = myo.MyoDecoder()
    for i, p in enumerate(stream):
        try:
            _check_decoded(dec.feed(i % 4, p))
            _count("myo", False)
        except MalformedPacket:
            _count("myo", True)


def _feed_myoware(stream: list[bytes], n: int) -> None:
    dec = myoware.MyoWareDecoder(n)
    for i, p in enumerate(stream):
        try:
            _check_decoded(dec.feed(p, 0.01 * i))
            _count(f"myoware {n}ch", False)
        except MalformedPacket:
            _count(f"myoware {n}ch", True)


texts = st.lists(st.one_of(st.binary(max_size=40), st.sampled_from(
    [b"512\n", b"512,498\n", b"1e308,-1e308\n", b"nan\n", b"inf,3\n", b"-5\r\n", b"99999999999999999999\n", b""])),
    max_size=30).map(b"".join)
streams = st.lists(packets, min_size=1, max_size=20)


@QUICK
@given(streams)
def test_openpatch(stream):
    _feed_openpatch(stream)


@QUICK
@given(streams, st.sampled_from([2, 3]))
def test_ganglion(stream, fw):
    _feed_ganglion(stream, fw)


@QUICK
@given(streams)
def test_myo(stream):
    _feed_myo(stream)


@QUICK
@given(st.lists(texts, min_size=1, max_size=10), st.sampled_from([1, 2]))
def test_myoware(stream, n):
    _feed_myoware(stream, n)


def _valid_csv() -> bytes:
    return (b"# format: glutefire-csv 1\n# sample_rate_hz: 100\n# channels: a\n"
            b"time_s,a_uV,a_env_uV,events\n" + b"".join(f"{i / 100:.2f},{i % 7}.5,{i % 5},\n".encode() for i in range(40))
            + b"0.40,1,1,mark 1\n")


files = st.one_of(
    st.binary(max_size=600),
    st.text(max_size=400).map(lambda s: s.encode("utf-8", "replace")),
    st.builds(_mutate, st.just(_valid_csv()), st.lists(st.tuples(st.integers(0, 2000), st.integers(0, 255)),
                                                       min_size=1, max_size=6)),
    st.builds(lambda cut: _valid_csv()[:cut], st.integers(0, 1500)),
    st.lists(st.lists(st.one_of(st.floats(allow_nan=True, allow_infinity=True), st.integers(-10**6, 10**6)),
                      min_size=1, max_size=4), min_size=1, max_size=30).map(
        lambda rows: "\n".join(";".join(str(v) for v in r) for r in rows).encode()),
)


def _read(data: bytes) -> None:
    with tempfile.TemporaryDirectory(prefix="glutefire-fuzz-") as d:
        p = Path(d) / "f.csv"
        p.write_bytes(data)
        try:
            rec = load_recording(p, rate=100.0)
        except UserError as exc:
            assert "\n" not in str(exc)
            _count("reader", True)
            return
        _count("reader", False)
        assert rec.data.ndim == 2 and rec.data.shape[0] == len(rec.labels) >= 1
        assert not np.isinf(rec.data).any(), "inf must become a gap"
        assert np.isfinite(rec.sample_rate_hz) and rec.sample_rate_hz > 0


@QUICK
@given(files)
@example(b"time_s,,,events\n,,,")  # (found by the soak run: an empty column name of our format)
@example(b"time_s,,\x80,events\n,,,")
def test_readers(data):
    _read(data)


@pytest.mark.soak
@SOAK
@given(streams)
def test_soak_openpatch(stream):
    _feed_openpatch(stream)


@pytest.mark.soak
@SOAK
@given(streams, st.sampled_from([2, 3]))
def test_soak_ganglion(stream, fw):
    _feed_ganglion(stream, fw)


@pytest.mark.soak
@SOAK
@given(streams)
def test_soak_myo(stream):
    _feed_myo(stream)


@pytest.mark.soak
@SOAK
@given(st.lists(texts, min_size=1, max_size=10), st.sampled_from([1, 2]))
def test_soak_myoware(stream, n):
    _feed_myoware(stream, n)


@pytest.mark.soak
@SOAK
@given(files)
def test_soak_readers(data):
    _read(data)


_SIZES = (reader_module.CHUNK_ROWS, reader_module.HEAD_LINES, reader_module.TAIL_LINES)


def setup_module(module) -> None:  # type: ignore[no-untyped-def]
    """Tiny chunks and sniffing windows, so the small fuzz files cross every chunk boundary and
    take the head-and-tail layout path that only long files take otherwise."""
    reader_module.CHUNK_ROWS, reader_module.HEAD_LINES, reader_module.TAIL_LINES = 7, 12, 5


def teardown_module(module) -> None:  # type: ignore[no-untyped-def]
    """The counts, for the note (``pytest -s``)."""
    reader_module.CHUNK_ROWS, reader_module.HEAD_LINES, reader_module.TAIL_LINES = _SIZES
    if os.environ.get("GLUTEFIRE_FUZZ_REPORT"):
        for name, (n, rej) in sorted(COUNTS.items()):
            print(f"fuzz {name}: {n} inputs, {rej} rejected")
