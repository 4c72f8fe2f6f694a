"""The long run (issue 12): an accelerated 60-minute 8-channel 2 kHz session records completely
with flat memory. Three minutes of machine time, so ``soak``-marked (``pytest -m soak``); the
same code is ``python -m benchmarks memory``, whose numbers are in benchmarks/results.json."""

from __future__ import annotations

import pytest

from benchmarks.bench_memory import run

pytestmark = pytest.mark.soak


def test_sixty_minutes_at_eight_channels_record_every_sample_with_flat_memory():
    r = run(minutes=60.0, speed=20.0)
    assert r["recorder_error"] is None and r["dsp_overrun_samples"] == 0
    assert r["rows_recorded"] == r["rows_expected"] >= 60 * 60 * 2000
    assert r["file_lines"] >= r["rows_recorded"]
    assert r["rss_growth_mb_per_hour"] <= 10.0, r
