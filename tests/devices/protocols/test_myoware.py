"""MyoWare 2.0 Wireless Shield: ASCII parsing and the arrival-time resampler."""

from __future__ import annotations

import numpy as np
import pytest

from app.devices.protocols import myoware
from app.devices.protocols.errors import MalformedPacket
from tests.ble import encoders


# -- parsing -------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "payload,rows",
    [
        (b"512.00", [[512.0]]),
        (b"0.00", [[0.0]]),
        (b" 1023.50\r\n", [[1023.5]]),
        (b"512.00\x00", [[512.0]]),
        (b"7", [[7.0]]),
    ],
)
def test_single_value_payloads(payload, rows):
    assert myoware.parse_values(payload, 1) == rows


@pytest.mark.parametrize(
    "payload,rows",
    [
        (b"512.00,-3.00\n", [[512.0, -3.0]]),
        (b"10.00,20.00\n11.00,-21.00\n", [[10.0, 20.0], [11.0, -21.0]]),
        (b"4095.00,2047.00", [[4095.0, 2047.0]]),
    ],
)
def test_env_raw_payloads(payload, rows):
    assert myoware.parse_values(payload, 2) == rows


@pytest.mark.parametrize(
    "payload,n",
    [
        (b"", 1),
        (b"\n\n", 1),
        (b"abc", 1),
        (b"512.00,1.00\n", 1),
        (b"512.00\n", 2),
        (b"nan", 1),
        (b"inf,1\n", 2),
        (b"\xff\xfe", 1),
        (b"1" * 200, 1),
    ],
)
def test_malformed_payloads(payload, n):
    with pytest.raises(MalformedPacket):
        myoware.parse_values(payload, n)


def test_encoder_payloads_parse_back():
    vals = np.array([512.0, 0.0, 4095.0, 17.25])
    pays = encoders.myoware_payloads(vals)
    assert pays[0] == b"512.00"
    assert [myoware.parse_values(p, 1)[0][0] for p in pays] == vals.tolist()
    two = np.array([[100.0, 200.0], [-5.0, 7.5]])
    pays2 = encoders.myoware_payloads(two)
    assert pays2[0] == b"100.00,-5.00\n"
    assert [myoware.parse_values(p, 2)[0] for p in pays2] == two.T.tolist()


def test_unit_helpers():
    assert myoware.counts_to_volts(4095.0) == pytest.approx(3.3)
    assert myoware.raw_counts_to_mv(4095.0) == pytest.approx(3.3 / 200 * 1000)
    assert myoware.env_counts_to_mv(4095.0, 50.0) == pytest.approx(3.3 / (200 * 51) * 1000)


# -- resampler -----------------------------------------------------------------------------------
def run(res: myoware.UniformResampler, ts, vs):
    out = [res.push(t, v) for t, v in zip(ts, vs)]
    return np.hstack([d.samples for d in out]), out


def test_resampler_grid_is_uniform_from_the_first_stamp():
    res = myoware.UniformResampler(100.0)
    ts = np.array([10.0, 10.013, 10.021, 10.05])
    got, out = run(res, ts, [0.0, 1.3, 2.1, 5.0])  # value = 100 * (t - t0): a ramp
    # grid 10.00, 10.01, ..., 10.05 -> 6 samples
    np.testing.assert_allclose(got[0], [0, 1, 2, 3, 4, 5], atol=1e-9)
    assert [d.seq for d in out] == [0, 1, 2, 3]
    assert res.count == 6


def test_resampler_interpolates_linearly_between_neighbours():
    res = myoware.UniformResampler(10.0)
    got, _ = run(res, [0.0, 0.25, 0.5], [0.0, 10.0, 0.0])
    # grid 0, .1, .2 (rising), .3, .4, .5 (falling)
    np.testing.assert_allclose(got[0], [0, 4, 8, 8, 4, 0], atol=1e-9)


def test_resampler_is_exact_on_a_linear_signal_under_jitter(rng):
    rate = 100.0
    t = np.cumsum(rng.uniform(0.002, 0.03, size=2000))  # irregular BLE arrivals
    values = np.vstack([3.0 * t + 1.0, -7.0 * t])
    res = myoware.UniformResampler(rate, n_channels=2)
    got, out = run(res, t, values.T)
    grid = t[0] + np.arange(got.shape[1]) / rate
    np.testing.assert_allclose(got, np.vstack([3.0 * grid + 1.0, -7.0 * grid]), atol=1e-9)
    assert grid[-1] <= t[-1] < grid[-1] + 1 / rate
    assert sum(d.lost_samples for d in out) == 0


def test_resampler_stream_equals_batch_interpolation(rng):
    t = np.cumsum(rng.uniform(0.001, 0.02, size=500))
    v = np.sin(2 * np.pi * 1.5 * t)
    res = myoware.UniformResampler(200.0)
    got, _ = run(res, t, v)
    grid = t[0] + np.arange(got.shape[1]) / 200.0
    np.testing.assert_allclose(got[0], np.interp(grid, t, v), atol=1e-12)


def test_resampler_non_increasing_stamps_keep_order():
    res = myoware.UniformResampler(1000.0)
    got, _ = run(res, [1.0, 1.0, 1.0, 1.002], [0.0, 5.0, 7.0, 9.0])
    # the burst is squeezed into microseconds after 1.0: the grid sees its last value
    assert got.shape == (1, 3)
    np.testing.assert_allclose(got[0], [0.0, 8.0, 9.0], atol=0.01)
    assert np.all(np.isfinite(got))


def test_resampler_reports_a_silence_as_lost_samples():
    res = myoware.UniformResampler(100.0, max_gap_s=0.1)
    got, out = run(res, [0.0, 0.01, 0.02, 0.52, 0.53], [1.0, 2.0, 3.0, 4.0, 5.0])
    assert out[3].samples.shape == (1, 0) and out[3].lost_samples == 50  # 0.03 .. 0.52
    assert out[4].samples.shape == (1, 1) and out[4].lost_samples == 0
    np.testing.assert_allclose(got[0], [1, 2, 3, 5])
    assert res.count == 54


def test_push_many_matches_push(rng):
    t = np.cumsum(rng.uniform(0.001, 0.02, size=100))
    v = rng.normal(size=(1, 100))
    a = myoware.UniformResampler(100.0).push_many(t, v)
    b, _ = run(myoware.UniformResampler(100.0), t, v[0])
    np.testing.assert_array_equal(a.samples, b)


def test_mean_rate():
    assert myoware.mean_rate_hz([0.0, 0.01, 0.02, 0.03]) == pytest.approx(100.0)
    assert myoware.mean_rate_hz([1.0]) == 0.0


# -- decoder -------------------------------------------------------------------------------------
def test_decoder_resamples_ascii_values(rng):
    t = np.cumsum(rng.uniform(0.003, 0.012, size=300))
    vals = np.round(200 + 50 * t, 2)  # within String(double) precision
    dec = myoware.MyoWareDecoder(1, 100.0)
    out = [dec.feed(p, ti) for p, ti in zip(encoders.myoware_payloads(vals), t)]
    got = np.hstack([d.samples for d in out])
    grid = t[0] + np.arange(got.shape[1]) / 100.0
    np.testing.assert_allclose(got[0], np.interp(grid, t, vals), atol=1e-9)
    assert dec.measured_rate_hz == pytest.approx(299 / (t[-1] - t[0]))


def test_decoder_env_raw_variant_gives_two_channels():
    dec = myoware.MyoWareDecoder(2, 50.0)
    d0 = dec.feed(b"100.00,-5.00\n", 0.0)
    d1 = dec.feed(b"110.00,5.00\n", 0.04)
    assert d0.samples.shape == (2, 1) and d1.samples.shape == (2, 2)
    np.testing.assert_allclose(d1.samples, [[105.0, 110.0], [0.0, 5.0]])


def test_decoder_without_resampling_returns_values_as_they_come():
    dec = myoware.MyoWareDecoder(2, None)
    d = dec.feed(b"1.00,2.00\n3.00,4.00\n", 5.0)
    np.testing.assert_array_equal(d.samples, [[1.0, 3.0], [2.0, 4.0]])
    assert dec.feed(b"5.00,6.00\n", 5.1).seq == 2


def test_decoder_rejects_bad_channel_count():
    with pytest.raises(ValueError):
        myoware.MyoWareDecoder(3)
