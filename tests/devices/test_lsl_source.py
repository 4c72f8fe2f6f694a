"""The LSL inlet source against real pylsl outlets on this machine: rate, labels and units from
the stream info, samples in order and equal to what was sent, lost samples from time stamps,
link lost and restored, and one sentence for streams it cannot use."""

from __future__ import annotations

import gc
import threading
import time

import numpy as np
import pytest

from app.devices.lsl import find_streams
from app.devices.lsl_source import MAX_GAP_S, LslSource, channel_label, lost_before
from app.devices.source import Block, EventKind, SourceEvent
from app.errors import UserError
from tests.lsl_helpers import Pusher, counter, emg_outlet, pylsl, unique


class Sink:
    """Collects blocks and events from the source's thread."""

    def __init__(self) -> None:
        self.blocks: list[Block] = []
        self.events: list[SourceEvent] = []
        self.cv = threading.Condition()

    def block(self, b: Block) -> None:
        with self.cv:
            self.blocks.append(b)
            self.cv.notify_all()

    def event(self, e: SourceEvent) -> None:
        with self.cv:
            self.events.append(e)
            self.cv.notify_all()

    def samples(self) -> int:
        return sum(b.data.shape[1] + b.lost_before for b in self.blocks)

    def wait(self, cond, timeout: float = 15.0) -> None:  # type: ignore[no-untyped-def]
        with self.cv:
            assert self.cv.wait_for(cond, timeout), "timed out"

    def kinds(self) -> list[EventKind]:
        return [e.kind for e in self.events]


def test_labels_are_made_csv_safe_and_unique() -> None:
    taken: set[str] = set()
    assert [channel_label(x, i, taken) for i, x in enumerate(["EMG 1", "", None, "EMG 1", "glute-max L"])] == [
        "EMG_1", "ch2", "ch3", "ch4", "glute_max_L"]


def test_lost_samples_come_from_gaps_longer_than_one_and_a_half_periods() -> None:
    fs = 100.0
    ts = np.array([0.0, 0.01, 0.02, 0.034, 0.05, 0.09, 0.10, 0.095])  # 1.4 periods: no loss; 1.6: one; 4: three
    assert lost_before(ts, None, fs).tolist() == [0, 0, 0, 0, 1, 3, 0, 0]
    assert lost_before(np.array([1.0]), 0.5, fs).tolist() == [49]
    assert lost_before(np.array([10_000.0]), 0.0, fs).tolist() == [int(MAX_GAP_S * fs)]  # an outage is capped


def test_an_lsl_stream_streams_its_samples_in_order_with_a_gap_counted() -> None:
    name = unique("emg")
    fs, total = 500.0, 600
    outlet = emg_outlet(name, ["gluteus maximus L", "hamstring_L"], ["millivolts", "microvolts"], fs)
    src = LslSource(name)
    src.open()
    assert src.sample_rate_hz == fs and src.labels == ("gluteus_maximus_L", "hamstring_L")
    assert [c.unit for c in src.channels] == ["uV", "uV"]
    assert src.metadata()["lsl_units"] == "millivolts,microvolts"
    sink = Sink()
    pusher = Pusher(outlet, fs, total, chunk=16, skip_at=299, skip=37).start()
    src.start(sink.block, sink.event)
    try:
        sink.wait(lambda: sink.samples() >= total + 37)
    finally:
        src.stop()
    assert pusher.done.is_set()
    got = np.hstack([b.data for b in sink.blocks])
    sent = np.vstack(pusher.sent).T
    np.testing.assert_array_equal(got[0], sent[0] * 1000.0)  # millivolts -> µV
    np.testing.assert_array_equal(got[1], sent[1])
    gaps = [(b.lost_before, b.data[1, 0] / 2) for b in sink.blocks if b.lost_before]
    assert gaps == [(37, 300.0 + 37)]  # the block after the gap starts at the counter's next value
    assert src.stats.lost_samples == 37 and src.stats.lost_packets == 1 and src.stats.samples == total
    assert sink.kinds() == [EventKind.CONNECTED, EventKind.DISCONNECTED]


def test_a_silent_stream_is_a_lost_link_and_its_return_restores_it_with_the_outage_as_a_gap() -> None:
    name = unique("quiet")
    fs = 200.0
    outlet = emg_outlet(name, ["gluteus_maximus_L"], ["microvolts"], fs)
    src = LslSource(name, link_timeout_s=0.3)
    src.open()
    sink = Sink()
    src.start(sink.block, sink.event)
    try:
        assert outlet.wait_for_consumers(10.0)
        t0 = pylsl.local_clock()
        outlet.push_chunk(counter(0, 20, 1).astype(np.float32), (t0 + np.arange(20) / fs).tolist())
        sink.wait(lambda: EventKind.LINK_LOST in sink.kinds())
        outlet.push_chunk(counter(120, 20, 1).astype(np.float32), (t0 + (120 + np.arange(20)) / fs).tolist())
        sink.wait(lambda: EventKind.LINK_RESTORED in sink.kinds())
        sink.wait(lambda: sink.samples() >= 140)
    finally:
        src.stop()
    assert sink.kinds()[:3] == [EventKind.CONNECTED, EventKind.LINK_LOST, EventKind.LINK_RESTORED]
    assert src.stats.lost_samples == 100
    np.testing.assert_array_equal(np.hstack([b.data for b in sink.blocks])[0], np.r_[0:20, 120:140])


def test_an_outlet_that_goes_away_and_comes_back_is_recovered() -> None:
    """liblsl recovers an inlet whose outlet (same source_id) restarts; a second or two."""
    name = unique("restart")
    fs = 200.0
    outlet = emg_outlet(name, ["gluteus_maximus_L"], ["microvolts"], fs, source_id=f"{name}-sid")
    src = LslSource(name, link_timeout_s=0.3)
    src.open()
    sink = Sink()
    src.start(sink.block, sink.event)
    try:
        assert outlet.wait_for_consumers(10.0)
        outlet.push_chunk(counter(0, 20, 1).astype(np.float32), (pylsl.local_clock() + np.arange(20) / fs).tolist())
        sink.wait(lambda: sink.samples() >= 20)
        del outlet
        gc.collect()
        sink.wait(lambda: EventKind.LINK_LOST in sink.kinds())
        outlet = emg_outlet(name, ["gluteus_maximus_L"], ["microvolts"], fs, source_id=f"{name}-sid")
        k = 1000
        end = time.monotonic() + 20.0
        while EventKind.LINK_RESTORED not in sink.kinds() and time.monotonic() < end:
            outlet.push_chunk(counter(k, 4, 1).astype(np.float32))
            k += 4
            time.sleep(0.02)
    finally:
        src.stop()
    assert sink.kinds()[:3] == [EventKind.CONNECTED, EventKind.LINK_LOST, EventKind.LINK_RESTORED]
    values = np.hstack([b.data for b in sink.blocks])[0]
    assert values[:20].tolist() == list(range(20)) and values[20] >= 1000
    assert np.all(np.diff(values[20:]) == 1)  # in order after the restart


def test_streams_it_cannot_use_are_one_sentence() -> None:
    with pytest.raises(UserError, match="No LSL stream named"):
        LslSource(unique("absent"), resolve_s=0.3).open()
    text = unique("markers")
    _m = pylsl.StreamOutlet(pylsl.StreamInfo(text, "Markers", 1, pylsl.IRREGULAR_RATE, "string", text))
    with pytest.raises(UserError, match="sends text"):
        LslSource(text).open()
    irregular = unique("irregular")
    _i = pylsl.StreamOutlet(pylsl.StreamInfo(irregular, "EMG", 1, pylsl.IRREGULAR_RATE, "float32", irregular))
    with pytest.raises(UserError, match="no regular sample rate"):
        LslSource(irregular).open()
    with pytest.raises(UserError, match="Name the LSL stream"):
        LslSource(" ")


def test_find_streams_lists_emg_streams_and_leaves_marker_streams_out() -> None:
    emg, text = unique("listed"), unique("listed-markers")
    _e = emg_outlet(emg, ["a", "b", "c"], ["microvolts"] * 3, 1000.0)
    _m = pylsl.StreamOutlet(pylsl.StreamInfo(text, "Markers", 1, pylsl.IRREGULAR_RATE, "string", text))
    found = {s.name: s for s in find_streams(1.0)}
    assert emg in found and text not in found
    s = found[emg]
    assert (s.type, s.channel_count, s.sample_rate_hz) == ("EMG", 3, 1000.0)
    assert emg in s.line() and "1000 Hz" in s.line() and "3 ch" in s.line()
    assert text in {s.name for s in find_streams(1.0, usable_only=False)}


def test_the_command_line_lists_lsl_streams_and_records_one_publishing_itself_again(tmp_path, capsys) -> None:
    from app.cli import main
    from app.storage.reader import load_recording

    name = unique("cli")
    fs = 250.0
    outlet = emg_outlet(name, ["gluteus_maximus_L"], ["microvolts"], fs)
    assert main(["scan", "--lsl", "--seconds", "1"]) == 0
    assert name in capsys.readouterr().out
    pusher = Pusher(outlet, fs, 400, chunk=10, pace_s=0.01).start()
    out = tmp_path / "cli.csv"
    assert main(["record", "--device", f"lsl:{name}", "--seconds", "1", "--out", str(out), "--lsl", "--quiet"]) == 0
    assert pusher.done.wait(10.0)
    rec = load_recording(out)
    assert rec.labels == ("gluteus_maximus_L",) and rec.sample_rate_hz == fs
    np.testing.assert_array_equal(rec.data[0], np.arange(250.0))
    assert main(["record", "--device", "lsl:", "--seconds", "1", "--out", str(tmp_path / "x.csv")]) == 2
    assert "Name the LSL stream" in capsys.readouterr().err
