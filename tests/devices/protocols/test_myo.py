"""Thalmic Myo decoder: dl-myo vectors, ordered merge of the four characteristics, losses."""

from __future__ import annotations

import numpy as np
import pytest

from app.devices.protocols import myo
from app.devices.protocols.errors import MalformedPacket
from tests.ble import encoders

# iomz/dl-myo tests/test_myo/test_types.py
DL_MYO_VECTORS = [
    ("090d01fefefefa0206e9fcfdfcfe0502", (9, 13, 1, -2, -2, -2, -6, 2), (6, -23, -4, -3, -4, -2, 5, 2)),
    ("fe0200ff0000ff0304110000fefe0304", (-2, 2, 0, -1, 0, 0, -1, 3), (4, 17, 0, 0, -2, -2, 3, 4)),
    ("05fe00000204151ef2f3fffe02fc01ed", (5, -2, 0, 0, 2, 4, 21, 30), (-14, -13, -1, -2, 2, -4, 1, -19)),
]


@pytest.mark.parametrize("hexdata,s1,s2", DL_MYO_VECTORS)
def test_dl_myo_vectors(hexdata, s1, s2):
    d = myo.MyoDecoder().feed(0, bytes.fromhex(hexdata))
    assert d.samples.shape == (8, 2) and d.samples.dtype == np.float64
    assert tuple(d.samples[:, 0]) == s1 and tuple(d.samples[:, 1]) == s2
    assert d.samples.flags.c_contiguous


def test_commands_match_myohw():
    assert myo.SET_MODE_RAW_EMG == bytes.fromhex("0103030100")
    assert myo.NEVER_SLEEP == bytes.fromhex("090101")
    assert myo.EMG_UUIDS[0] == "d5060105-a904-deb9-4748-2c7f4a124842"
    assert [u[4:8] for u in myo.EMG_UUIDS] == ["0105", "0205", "0305", "0405"]


def test_round_robin_merge_restores_sample_order(rng):
    counts = rng.integers(-128, 128, size=(8, 400))
    pkts = encoders.myo_packets(counts)
    assert [i for i, _ in pkts[:6]] == [0, 1, 2, 3, 0, 1]
    dec = myo.MyoDecoder()
    out = [dec.feed(i, p) for i, p in pkts]
    np.testing.assert_array_equal(np.hstack([d.samples for d in out]), counts)
    assert [d.seq for d in out[:3]] == [0, 1, 2] and dec.notifications == 200
    assert sum(d.lost_samples for d in out) == 0


def test_characteristic_out_of_turn_counts_lost_notifications(rng):
    counts = rng.integers(-128, 128, size=(8, 40))
    pkts = encoders.myo_packets(counts)
    dec = myo.MyoDecoder()
    kept = pkts[:3] + pkts[5:]  # 0105 0205 0305 | lost 0405 0105 | 0205 ...
    out = [dec.feed(i, p) for i, p in kept]
    assert out[3].lost_packets == 2 and out[3].lost_samples == 4
    assert sum(d.lost_samples for d in out) == 4


def test_order_check_can_be_turned_off(rng):
    pkts = encoders.myo_packets(rng.integers(-128, 128, size=(8, 8)))
    dec = myo.MyoDecoder(check_order=False)
    assert dec.feed(*pkts[0]).lost_samples == 0
    assert dec.feed(*pkts[3]).lost_samples == 0


@pytest.mark.parametrize("index,payload", [(0, b"\x00" * 15), (0, b"\x00" * 17), (4, b"\x00" * 16), (-1, b"\x00" * 16)])
def test_malformed(index, payload):
    with pytest.raises(MalformedPacket):
        myo.MyoDecoder().feed(index, payload)


def test_encoder_rejects_out_of_range():
    with pytest.raises(ValueError):
        encoders.myo_packets(np.full((8, 2), 128))
