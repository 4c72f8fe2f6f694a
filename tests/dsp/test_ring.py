"""Ring buffer: counter channel shows any dropped, duplicated or reordered sample (MNE-LSL habit)."""

from __future__ import annotations

import threading
import time

import numpy as np
import pytest

from app.dsp.ring import RingBuffer


def counter_block(start: int, n: int, channels: int = 2) -> np.ndarray:
    c = np.arange(start, start + n, dtype=np.float64)
    return np.vstack([c + 1000 * k for k in range(channels)])


def test_read_since_returns_everything_in_order_across_wraps(rng):
    ring = RingBuffer(2, 100)
    cursor, written, got = 0, 0, []
    for _ in range(200):
        n = int(rng.integers(1, 60))
        ring.write(counter_block(written, n))
        written += n
        data, cursor, skipped = ring.read_since(cursor)
        assert skipped == 0
        got.append(data)
    allv = np.hstack(got)
    np.testing.assert_array_equal(allv[0], np.arange(written))
    np.testing.assert_array_equal(allv[1], np.arange(written) + 1000)


def test_slow_reader_learns_how_much_it_missed():
    ring = RingBuffer(1, 50)
    ring.write(counter_block(0, 30, 1))
    ring.write(counter_block(30, 45, 1))
    data, cursor, skipped = ring.read_since(0)
    assert skipped == 25 and cursor == 75
    np.testing.assert_array_equal(data[0], np.arange(25, 75))


def test_block_larger_than_capacity_keeps_newest():
    ring = RingBuffer(1, 10)
    ring.write(counter_block(0, 7, 1))
    ring.write(counter_block(7, 23, 1))
    data, start = ring.latest(10)
    assert start == 20
    np.testing.assert_array_equal(data[0], np.arange(20, 30))


def test_latest_is_contiguous_after_wrap():
    ring = RingBuffer(1, 8)
    for i in range(5):
        ring.write(counter_block(i * 3, 3, 1))
    data, start = ring.latest(5)
    np.testing.assert_array_equal(data[0], np.arange(10, 15))
    assert start == 10


def test_gap_advances_clock_with_nan():
    ring = RingBuffer(1, 10)
    ring.write(counter_block(0, 4, 1))
    ring.write_gap(3)
    ring.write(counter_block(7, 2, 1))
    data, cursor, skipped = ring.read_since(0)
    assert cursor == 9 and skipped == 0
    assert np.isnan(data[0, 4:7]).all()
    ring.write_gap(1000)  # a long outage only stores what fits
    assert ring.total == 1009


def test_wrong_shape_rejected():
    ring = RingBuffer(2, 10)
    with pytest.raises(ValueError):
        ring.write(np.zeros((3, 4)))


def test_concurrent_writer_and_reader_see_every_sample_once():
    ring = RingBuffer(2, 65536)
    total = 100_000
    got: list[np.ndarray] = []

    def writer() -> None:
        i = 0
        while i < total:
            n = min(37, total - i)
            ring.write(counter_block(i, n))
            i += n
            time.sleep(0)  # a real source is paced; let the reader run

    t = threading.Thread(target=writer)
    t.start()
    cursor = 0
    while cursor < total:
        ring.wait_for(cursor, 0.1)
        data, cursor, skipped = ring.read_since(cursor)
        assert skipped == 0
        got.append(data)
    t.join()
    allv = np.hstack(got)
    np.testing.assert_array_equal(allv[0], np.arange(total))
