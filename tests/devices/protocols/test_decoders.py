"""Decoders against published/derived vectors and round trips through the test encoders."""

from __future__ import annotations

import timeit

import numpy as np
import pytest

from app.devices.protocols import PROTOCOLS, detect_protocol, ganglion, myo, myoware, openpatch
from app.devices.protocols.errors import MalformedPacket
from tests.ble import encoders

UV = ganglion.UV_PER_COUNT


def test_ganglion_fw3_vector_from_compressdata19():
    pkt = bytes.fromhex("6400101ffe0407897f0ef00001ffffc04007ffff")
    d = ganglion.GanglionDecoder(3).feed(pkt)
    counts = np.round(d.samples / UV).astype(int)
    assert counts.T.ravel().tolist() == [4096, -4096, 123456, -123456, 0, -64, 65536, -64]


def test_ganglion_fw2_bit_order_vector():
    payload = bytes.fromhex("0000000008000500004800" "09f001b000300008")
    assert ganglion.unpack_fields(payload, 19) == [0, 2, 10, 4, 262148, 507910, 393222, 8]


@pytest.mark.parametrize("bits", [18, 19])
def test_ganglion_fw3_round_trip_within_quantisation(bits, rng):
    counts = rng.integers(-2_000_000, 2_000_000, size=(4, 400))
    dec = ganglion.GanglionDecoder(3)
    pkts = encoders.ganglion_fw3_packets(counts, first_id=100 if bits == 19 else 0, bits=bits)
    got = np.hstack([dec.feed(p).samples for p in pkts]) / UV
    q = 2 ** (5 if bits == 19 else 6)
    assert np.max(np.abs(got - counts)) <= 2 * q


def test_ganglion_fw3_lost_packets_counted_across_wrap():
    counts = np.zeros((4, 240), dtype=int)
    pkts = encoders.ganglion_fw3_packets(counts, first_id=190)  # ids 190..199, 100..
    dec = ganglion.GanglionDecoder(3)
    kept = pkts[:8] + pkts[11:]  # drop 3 packets (ids 198, 199, 100)
    lost = [dec.feed(p).lost_samples for p in kept]
    assert sum(lost) == 6 and lost[8] == 6


def test_ganglion_fw2_round_trip_exact(rng):
    # firmware 2 marks the sign in the LSB, so positive deltas are even and negative ones odd
    deltas = rng.integers(-5000, 5000, size=(4, 200))
    deltas = np.where(deltas >= 0, deltas & ~1, deltas | 1)
    start = rng.integers(-100_000, 100_000, size=(4, 1))
    counts = np.hstack([start, start - np.cumsum(deltas, axis=1)])
    dec = ganglion.GanglionDecoder(2)
    pkts = encoders.ganglion_fw2_packets(counts)
    got = np.hstack([dec.feed(p).samples for p in pkts]) / UV
    np.testing.assert_allclose(got, counts[:, : got.shape[1]], atol=1e-6)
    assert got.shape[1] == 201


def test_ganglion_text_and_impedance_are_not_samples():
    dec = ganglion.GanglionDecoder(3)
    assert dec.feed(bytes([206]) + b"hello").samples.shape == (4, 0)
    assert dec.feed(bytes([201]) + b"1234Z").samples.shape == (4, 0)
    assert dec.non_sample_packets == 2
    with pytest.raises(MalformedPacket):
        dec.feed(bytes([120, 1, 2]))


@pytest.mark.parametrize("text, major", [("3.1.2", 3), ("v2.0.0", 2), ("", 2), ("Firmware 3.0", 3)])
def test_ganglion_firmware_from_revision(text, major):
    assert ganglion.firmware_from_revision(text) == major


def test_myo_vector_and_order_of_four_characteristics():
    d = myo.MyoDecoder().feed(0, bytes.fromhex("090d01fefefefa0206e9fcfdfcfe0502"))
    assert d.samples.T.tolist() == [[9, 13, 1, -2, -2, -2, -6, 2], [6, -23, -4, -3, -4, -2, 5, 2]]


def test_myo_round_trip_and_gap(rng):
    counts = rng.integers(-128, 128, size=(8, 40))
    pkts = encoders.myo_packets(counts)
    dec = myo.MyoDecoder()
    got = np.hstack([dec.feed(i, p).samples for i, p in pkts])
    np.testing.assert_array_equal(got, counts)
    dec = myo.MyoDecoder()
    dec.feed(*pkts[0])
    assert dec.feed(*pkts[3]).lost_samples == 4
    with pytest.raises(MalformedPacket):
        dec.feed(0, b"\x00" * 15)


def test_myoware_ascii_env_raw_and_resampling():
    dec = myoware.MyoWareDecoder(1, rate_hz=100.0)
    out = [dec.feed(b"100.00", 0.0), dec.feed(b"200.00", 0.05), dec.feed(b"150.00", 0.1)]
    samples = np.hstack([o.samples for o in out])[0]
    # grid 0, 10, 20, ... 100 ms: linear between the arrivals
    np.testing.assert_allclose(samples, [100, 120, 140, 160, 180, 200, 190, 180, 170, 160, 150])
    dec2 = myoware.MyoWareDecoder(2, rate_hz=50.0)
    assert dec2.feed(b"512,2048\n", 0.0).samples.tolist() == [[512.0], [2048.0]]
    with pytest.raises(MalformedPacket):
        dec2.feed(b"512\n", 0.02)
    with pytest.raises(MalformedPacket):
        dec.feed(b"abc", 0.2)


def test_myoware_resampler_with_jitter_is_uniform(rng):
    r = myoware.UniformResampler(100.0, 1)
    t = np.cumsum(rng.uniform(0.005, 0.03, 500))
    vals = 3.0 * t + 1.0  # a line: interpolation must be exact
    out = np.hstack([r.push(ti, np.array([vi])) for ti, vi in zip(t, vals)])[0]
    grid = t[0] + np.arange(out.size) / 100.0
    np.testing.assert_allclose(out, 3.0 * grid + 1.0, atol=1e-9)
    assert grid[-1] <= t[-1]


@pytest.mark.parametrize("fmt", [openpatch.FORMAT_INT16, openpatch.FORMAT_INT24])
@pytest.mark.parametrize("n_ch", [1, 2, 4, 8])
def test_openpatch_round_trip(fmt, n_ch, rng):
    lim = 32767 if fmt == openpatch.FORMAT_INT16 else 8_388_607
    counts = rng.integers(-lim, lim, size=(n_ch, 300))
    pkts = encoders.openpatch_packets(counts, 2000, 0.25, fmt, first_seq=65530)
    assert all(len(p) <= 244 for p in pkts)
    dec = openpatch.OpenPatchDecoder()
    got = [dec.feed(p) for p in pkts]
    np.testing.assert_allclose(np.hstack([g.samples for g in got]), counts * 0.25)
    assert sum(g.lost_samples for g in got) == 0  # across the uint16 wrap
    assert dec.n_channels == n_ch and dec.sample_rate_hz == 2000.0


def test_openpatch_8ch_2khz_fits_and_gap_counts_samples(rng):
    assert openpatch.frames_per_packet(8) == 14  # 2000 / 14 = 143 notifications/s
    counts = rng.integers(-1000, 1000, size=(8, 14 * 10))
    pkts = encoders.openpatch_packets(counts, 2000, 1.0)
    dec = openpatch.OpenPatchDecoder()
    dec.feed(pkts[0])
    assert dec.feed(pkts[4]).lost_samples == 3 * 14


@pytest.mark.parametrize(
    "payload",
    [b"\x01\x00", bytes([2, 0, 0, 0, 1, 1, 0xD0, 7]) + b"\x00\x00\x80\x3f", bytes([1, 0, 0, 0, 2, 1, 0xD0, 7]) + b"\x00\x00\x80\x3f" + b"\x01\x02\x03"],
)
def test_openpatch_malformed(payload):
    with pytest.raises(MalformedPacket) as err:
        openpatch.OpenPatchDecoder().feed(payload)
    assert str(err.value).endswith(".")


def test_openpatch_decode_is_fast():
    pkt = encoders.openpatch_packets(np.zeros((8, 14), dtype=int), 2000, 1.0)[0]
    dec = openpatch.OpenPatchDecoder()
    per_call = timeit.timeit(lambda: dec.feed(pkt), number=2000) / 2000
    assert per_call > 0  # measured, not asserted against the clock (see benchmarks)


def test_detect_protocol():
    assert detect_protocol("x", [openpatch.SERVICE_UUID.upper()]) == "openpatch"
    assert detect_protocol("Ganglion-1a2b", []) == "ganglion"
    assert detect_protocol("MyoWareSensor1", []) == "myoware"
    assert detect_protocol("Speaker", ["0000180f-0000-1000-8000-00805f9b34fb"]) is None
    assert set(PROTOCOLS) == {"ganglion", "myo", "myoware", "openpatch"}
