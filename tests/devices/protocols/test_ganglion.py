"""OpenBCI Ganglion decoder: published/derived vectors, round trips, packet-id accounting."""

from __future__ import annotations

import numpy as np
import pytest

from app.devices.protocols import ganglion
from app.devices.protocols.errors import MalformedPacket
from tests.ble import encoders

UV = ganglion.UV_PER_COUNT

# derived from compressData19 (OpenBCI_Ganglion_Library 3.0.2), see docs/ble notes
FW3_VECTOR = bytes.fromhex("6400101ffe0407897f0ef00001ffffc04007ffff")
FW3_SAMPLES = [[4096, -4096, 123456, -123456], [0, -32, 65536, -1]]
FW3_DECODED = [4096, -4096, 123456, -123456, 0, -64, 65536, -64]

# openbci-archive/OpenBCI_NodeJS_Ganglion test/openBCIGanglionSample-test.js (commit 605b59d)
NODE_VECTORS = [
    (19, "000000000800050000480009f001b000300008", [[0, 2, 10, 4], [262148, 507910, 393222, 8]]),
    (19, "ffffbfffeffffcffff58000b3e38e0003ff001", [[-3, -5, -7, -11], [-262139, -198429, -262137, -4095]]),
    (18, "0000000020002800048000bc00070028c00a", [[0, 2, 10, 4], [131074, 245760, 114698, 49162]]),
    (18, "ffff7fffbfffe7fff500014f8e30001ff001", [[-3, -5, -7, -11], [-262139, -198429, -262137, -4095]]),
]


def counts_of(decoded) -> np.ndarray:
    return np.round(decoded.samples / UV).astype(np.int64)


def feed_all(dec: ganglion.GanglionDecoder, packets: list[bytes]):
    return [dec.feed(p) for p in packets]


# -- vectors -------------------------------------------------------------------------------
def test_fw3_vector_decodes_brainflow_style():
    d = ganglion.GanglionDecoder(3).feed(FW3_VECTOR)
    assert d.samples.shape == (4, 2) and d.samples.dtype == np.float64
    assert counts_of(d).T.ravel().tolist() == FW3_DECODED
    assert d.seq == 100 and d.lost_samples == 0 and d.lost_packets == 0


def test_fw3_test_encoder_reproduces_the_vector():
    pkt = encoders.ganglion_fw3_packets(np.array(FW3_SAMPLES).T)
    assert pkt == [FW3_VECTOR]


def test_fw2_bit_order_vector():
    bits, hexdata, _ = NODE_VECTORS[0]
    fields = ganglion.unpack_fields(bytes.fromhex(hexdata), bits)
    assert fields == [0, 2, 10, 4, 262148, 507910, 393222, 8]


@pytest.mark.parametrize("bits,hexdata,expected", NODE_VECTORS)
def test_fw2_deltas_use_the_sign_in_the_lsb(bits, hexdata, expected):
    fields = ganglion.unpack_fields(bytes.fromhex(hexdata), bits)
    deltas = [ganglion.fw2_field_to_delta(f, bits) for f in fields]
    assert deltas == expected[0] + expected[1]


def test_fw2_packet_applies_new_is_last_minus_delta():
    raw = b"\x00" + (1000).to_bytes(3, "big", signed=True) * 4 + b"ABCDEFG"
    bits, hexdata, expected = NODE_VECTORS[1]
    dec = ganglion.GanglionDecoder(2)
    first = dec.feed(raw)
    assert counts_of(first).ravel().tolist() == [1000] * 4
    d = dec.feed(bytes([101]) + bytes.fromhex(hexdata))
    s1 = [1000 - x for x in expected[0]]
    s2 = [a - x for a, x in zip(s1, expected[1])]
    assert counts_of(d).T.tolist() == [s1, s2]


@pytest.mark.parametrize(
    "text,fw", [("3.0.2", 3), ("3.1.1\x00", 3), ("v3.0", 3), ("2.0.1", 2), ("1.0.0", 2), ("", 2), ("12.0", 3)]
)
def test_firmware_from_software_revision(text, fw):
    assert ganglion.firmware_from_revision(text) == fw


def test_scale_is_the_mcp3912_full_scale():
    assert UV == pytest.approx(1.2e6 / (8388607 * 1.5 * 51), rel=1e-12)  # BrainFlow
    assert UV == pytest.approx(15686 / 8388607, rel=2e-5)  # the docs' rounded figure


# -- round trips -----------------------------------------------------------------------------
@pytest.mark.parametrize("first_id", [100, 0])
def test_fw3_round_trip_within_quantisation(first_id, rng):
    counts = rng.integers(-(1 << 23), 1 << 23, size=(4, 1000))
    pkts = encoders.ganglion_fw3_packets(counts, first_id=first_id, wrap_drop=False)
    out = feed_all(ganglion.GanglionDecoder(3, count_wrap_drop=False), pkts)
    got = np.round(np.hstack([d.samples for d in out]) / UV)
    assert got.shape == (4, 1000)
    # bits below the shift are cut and the bit at the shift carries the sign, so the decoded
    # value is the sample with its low 6 (19-bit) or 7 (18-bit) bits cleared, for either sign
    keep = 6 if first_id == 100 else 7
    np.testing.assert_array_equal(got, counts & ~((1 << keep) - 1))


def test_fw3_samples_in_equal_samples_out_plus_lost(rng):
    counts = rng.integers(-100_000, 100_000, size=(4, 1000))
    pkts = encoders.ganglion_fw3_packets(counts, first_id=150)  # the firmware drops 1 sample per wrap
    out = feed_all(ganglion.GanglionDecoder(3), pkts)
    delivered = sum(d.samples.shape[1] for d in out)
    lost = sum(d.lost_samples for d in out)
    # 50 packets, drop, 100 packets, drop, ... : 1000 samples = 994 sent + 5 dropped + 1 left over
    assert (len(pkts), delivered, lost) == (497, 994, 5)
    assert sum(d.lost_packets for d in out) == 0
    sent = encoders.ganglion_fw3_sent_indices(1000, first_id=150)
    assert sent.size == 994 and 100 not in sent and 301 not in sent and sent[-1] == 998
    got = np.round(np.hstack([d.samples for d in out]) / UV)
    np.testing.assert_array_equal(got, counts[:, sent] & ~63)
    # where the firmware dropped sample 100, the decoded stream skips it too
    first_wrap = next(i for i, d in enumerate(out) if d.lost_samples)
    assert first_wrap == 50 and out[first_wrap].seq == 100
    np.testing.assert_allclose(out[first_wrap].samples / UV, counts[:, 101:103], atol=64)


def test_fw2_round_trip_exact_for_lsb_friendly_deltas(rng):
    deltas = rng.integers(-50_000, 50_000, size=(4, 500))
    deltas = np.where(deltas >= 0, deltas & ~1, deltas | 1)  # even positive, odd negative: exact
    start = rng.integers(-1_000_000, 1_000_000, size=(4, 1))
    counts = np.hstack([start, start - np.cumsum(deltas, axis=1)])
    pkts = encoders.ganglion_fw2_packets(counts)
    assert [p[0] for p in pkts[:3]] == [0, 101, 102] and pkts[101][0] == 0
    out = feed_all(ganglion.GanglionDecoder(2), pkts)
    got = np.hstack([d.samples for d in out]) / UV
    assert got.shape[1] == 501
    np.testing.assert_allclose(got, counts[:, :501], atol=1e-6)
    assert sum(d.lost_samples for d in out) == 0


@pytest.mark.parametrize("bits", [18, 19])
def test_fw2_round_trip_any_deltas_within_drift(bits, rng):
    counts = np.cumsum(rng.integers(-3000, 3000, size=(4, 603)), axis=1)
    pkts = encoders.ganglion_fw2_packets(counts, bits=bits)
    out = feed_all(ganglion.GanglionDecoder(2), pkts)
    got = np.round(np.hstack([d.samples for d in out]) / UV)
    assert got.shape[1] == 603
    # the LSB of each delta is lost: at most 1 count per delta, reset by every raw packet
    err = np.abs(got - counts)
    assert err.max() <= 200
    np.testing.assert_array_equal(err[:, [0, 201, 402]], 0)


# -- packet ids and losses ---------------------------------------------------------------------
def test_fw3_lost_packets_counted_across_the_wrap():
    counts = np.zeros((4, 240), dtype=np.int64)
    pkts = encoders.ganglion_fw3_packets(counts, first_id=190)  # ids 190..199, 100..
    assert [p[0] for p in pkts[8:12]] == [198, 199, 100, 101]
    kept = pkts[:8] + pkts[11:]  # drop ids 198, 199, 100
    out = feed_all(ganglion.GanglionDecoder(3), kept)
    assert [d.lost_packets for d in out[7:10]] == [0, 3, 0]
    # 3 packets = 6 samples, plus the sample the firmware drops at every wrap
    assert out[8].lost_samples == 7 and out[8].seq == 101


def test_fw3_gap_inside_a_cycle_and_without_wrap_drop():
    counts = np.zeros((4, 40), dtype=np.int64)
    pkts = encoders.ganglion_fw3_packets(counts, first_id=100)
    out = feed_all(ganglion.GanglionDecoder(3, count_wrap_drop=False), pkts[:3] + pkts[7:])
    assert out[3].lost_packets == 4 and out[3].lost_samples == 8
    assert sum(d.lost_samples for d in out) == 8


def test_fw3_18_bit_ids_wrap_99_to_0():
    counts = np.zeros((4, 30), dtype=np.int64)
    pkts = encoders.ganglion_fw3_packets(counts, first_id=95)
    assert [p[0] for p in pkts[3:7]] == [98, 99, 0, 1]
    out = feed_all(ganglion.GanglionDecoder(3), pkts)
    assert [d.lost_samples for d in out[3:7]] == [0, 0, 1, 0]


def test_fw3_start_quirk_packet_99_is_skipped_and_first_cycle_is_short():
    # firmware 3.0.2 starts with ring level 0xFF: ids 99, 100..198, then 100.. (derived, see module)
    counts = np.zeros((4, 2 * 102), dtype=np.int64)
    pkts = encoders.ganglion_fw3_packets(counts, first_id=100, wrap_drop=False)
    quirk = [bytes([99]) + pkts[0][1:]] + pkts[:99] + pkts[100:]
    assert [p[0] for p in quirk[:2]] + [p[0] for p in quirk[99:101]] == [99, 100, 198, 100]
    dec = ganglion.GanglionDecoder(3)
    out = feed_all(dec, quirk)
    assert out[0].samples.shape == (4, 0) and dec.skipped_packets == 1
    assert [d.lost_samples for d in out] == [0] * 100 + [1] + [0] * (len(out) - 101)


def test_fw2_ids_and_losses_across_the_raw_packet():
    counts = np.zeros((4, 402), dtype=np.int64)
    pkts = encoders.ganglion_fw2_packets(counts)
    assert [p[0] for p in pkts[99:103]] == [199, 200, 0, 101]
    kept = pkts[:100] + pkts[102:]  # drop id 200 (2 samples) and id 0 (1 sample)
    out = feed_all(ganglion.GanglionDecoder(2), kept)
    assert out[100].lost_packets == 2 and out[100].lost_samples == 3
    assert sum(d.samples.shape[1] for d in out) + sum(d.lost_samples for d in out) == 402


def test_fw2_waits_for_a_raw_packet_at_start_and_after_a_loss_when_asked():
    counts = np.cumsum(np.full((4, 603), 2, dtype=np.int64), axis=1)
    pkts = encoders.ganglion_fw2_packets(counts)
    assert [pkts[i][0] for i in (0, 101, 202)] == [0, 0, 0]
    dec = ganglion.GanglionDecoder(2, resync="wait")
    # joining mid-cycle: nothing until id 0, and nothing counted as lost (time has not started)
    pre = feed_all(dec, pkts[50:101])
    assert all(d.samples.shape[1] == 0 and d.lost_samples == 0 for d in pre)
    out = feed_all(dec, pkts[101:103] + pkts[104:])  # lose one delta packet
    assert out[0].samples.shape == (4, 1) and out[1].samples.shape == (4, 2)
    assert out[2].lost_packets == 1 and out[2].lost_samples == 4 and out[2].samples.shape == (4, 0)
    assert all(d.samples.shape[1] == 0 and d.lost_samples == 2 for d in out[3:100])
    assert out[100].seq == 0 and out[100].lost_samples == 0
    np.testing.assert_array_equal(np.round(out[100].samples / UV), counts[:, [402]])
    assert sum(d.samples.shape[1] + d.lost_samples for d in out) == 603 - 201


def test_fw2_continue_keeps_streaming_after_a_loss():
    counts = np.cumsum(np.full((4, 201), 2, dtype=np.int64), axis=1)
    pkts = encoders.ganglion_fw2_packets(counts)
    out = feed_all(ganglion.GanglionDecoder(2), pkts[:5] + pkts[6:])
    assert out[5].lost_samples == 2 and out[5].samples.shape == (4, 2)
    assert sum(d.samples.shape[1] for d in out) + sum(d.lost_samples for d in out) == 201


# -- non-sample and malformed packets -------------------------------------------------------------
def test_impedance_and_text_packets_are_counted_not_samples():
    dec = ganglion.GanglionDecoder(3)
    for ch in range(1, 6):
        d = dec.feed(encoders.ganglion_impedance_payload(ch, 1234))
        assert d.samples.shape == (4, 0) and d.lost_samples == 0
    d = dec.feed(bytes([206]) + b"hello")
    assert d.samples.shape == (4, 0)
    dec.feed(bytes([207]) + b"$$$")
    assert dec.impedance_packets == 5 and dec.text_packets == 2
    # they do not disturb the id sequence
    dec.feed(FW3_VECTOR)
    assert dec.feed(bytes([101]) + FW3_VECTOR[1:]).lost_packets == 0


@pytest.mark.parametrize(
    "payload,fw",
    [
        (b"", 3),
        (FW3_VECTOR[:19], 3),
        (FW3_VECTOR + b"\x00", 3),
        (bytes([200]) + FW3_VECTOR[1:], 3),
        (bytes([255]) + FW3_VECTOR[1:], 3),
        (bytes([0]) + b"\x00" * 12, 2),
    ],
)
def test_malformed_payloads_raise(payload, fw):
    with pytest.raises(MalformedPacket) as e:
        ganglion.GanglionDecoder(fw).feed(payload)
    assert str(e.value).endswith(".") and "\n" not in str(e.value)


def test_constructor_rejects_unknown_firmware():
    with pytest.raises(ValueError):
        ganglion.GanglionDecoder(4)


def test_duplicated_and_overtaken_packets_are_dropped(rng):
    """Issue 12 fault test: a duplicated packet was taken as a whole cycle lost (99 packets), and
    in firmware 2 a delta packet applied twice would shift every later sample."""
    counts = rng.integers(-2000, 2000, size=(4, 40))
    pkts = encoders.ganglion_fw3_packets(counts, first_id=101, wrap_drop=False)
    dec = ganglion.GanglionDecoder(3)
    order = [0, 1, 1, 3, 2, 4, 5]  # a copy of packet 1; packet 2 overtaken by 3
    got = [dec.feed(pkts[i]) for i in order]
    assert [d.samples.shape[1] for d in got] == [2, 2, 0, 2, 0, 2, 2]
    assert sum(d.lost_packets for d in got) == 1 and dec.late == 2  # packet 2's place: one gap
    fw2 = encoders.ganglion_fw2_packets(np.cumsum(rng.integers(-3, 4, size=(4, 30)), axis=1) * 64)
    def joined(packets):
        return np.hstack([counts_of(d) for d in feed_all(ganglion.GanglionDecoder(2), packets)])

    np.testing.assert_allclose(joined(fw2[:5] + [fw2[4]] + fw2[5:]), joined(fw2))  # the copy shifted nothing
