"""Recorder and reader: streaming CSV round trip, metadata, events, gaps, full disk."""

from __future__ import annotations

import os

import numpy as np
import pytest

from app.devices.simulator import SimulatedPatch
from app.devices.source import Block, EventKind, SourceEvent
from app.dsp.firing import Crossing
from app.dsp.worker import ProcessedBlock
from app.errors import UserError
from app.session.stream import LiveStream
from app.storage.reader import load_recording
from app.storage.recorder import CsvRecorder, RecordingInfo

INFO = RecordingInfo(
    labels=("gluteus_maximus_L", "hamstring_L"),
    units=("uV", "uV"),
    sample_rate_hz=1000.0,
    device="Test patch",
    device_kind="test",
    filter_description="band-pass 20-450 Hz",
    envelope_delay_s=0.035,
    thresholds=(50.0, 40.0),
)


def block(start: int, raw: np.ndarray, crossings=()) -> ProcessedBlock:
    return ProcessedBlock(start, raw, raw, np.abs(raw), tuple(crossings))


def test_round_trip_with_metadata_events_and_gap(tmp_path, rng):
    path = tmp_path / "s.csv"
    rec = CsvRecorder(path, INFO)
    a = rng.standard_normal((2, 500)) * 100
    b = rng.standard_normal((2, 300)) * 100
    gap = np.full((2, 200), np.nan)
    rec.write(block(0, a, [Crossing(0, 120, True)]))
    rec.mark("mark: hip drop", 600)  # lands on its row (a gap row here)
    rec.write(block(500, gap))
    rec.write(block(700, b, [Crossing(0, 750, False)]))
    rec.close()

    r = load_recording(path)
    assert r.sample_rate_hz == 1000.0
    assert r.labels == INFO.labels and r.units == ("uV", "uV")
    assert r.metadata["device"] == "Test patch"
    assert r.metadata["start_time"][:4].isdigit() and "T" in r.metadata["start_time"]
    assert r.thresholds == {"gluteus_maximus_L": 50.0, "hamstring_L": 40.0}
    assert r.data.shape == (2, 1000)
    np.testing.assert_allclose(r.data[:, :500], a, atol=5e-4)
    assert np.isnan(r.data[:, 500:700]).all()
    np.testing.assert_allclose(r.data[:, 700:], b, atol=5e-4)
    assert r.envelope is not None
    np.testing.assert_allclose(r.envelope[:, :500], np.abs(a), atol=5e-4)
    assert r.events == [
        (0.12, "gluteus_maximus_L above target"),
        (0.6, "mark: hip drop"),
        (0.75, "gluteus_maximus_L below target"),
    ]


def test_file_is_valid_while_recording(tmp_path, rng):
    """Crash safety: what is on disk after each block is a readable recording."""
    path = tmp_path / "live.csv"
    rec = CsvRecorder(path, INFO)
    rec.write(block(0, rng.standard_normal((2, 250))))
    assert load_recording(path).data.shape == (2, 250)  # before close()
    rec.close()


@pytest.mark.skipif(not os.path.exists("/dev/full"), reason="needs /dev/full")
def test_full_disk_stops_with_one_sentence_and_no_traceback(rng):
    rec = CsvRecorder("/dev/full", INFO)
    rec.write(block(0, rng.standard_normal((2, 100))))
    assert rec.error is not None and "disk is full" in rec.error
    rec.close()


def test_unwritable_path_is_a_user_error(tmp_path):
    (tmp_path / "f").write_text("x")
    with pytest.raises(UserError, match="Cannot write"):
        CsvRecorder(tmp_path / "f" / "sub" / "x.csv", INFO)


def test_live_stream_marks_link_outage_and_keeps_time(tmp_path, rng):
    """A source-side gap (lost packets / link outage) becomes empty cells plus event rows."""

    class Scripted(SimulatedPatch):
        def _start(self) -> None:  # deliver by hand instead of a thread
            pass

        def _stop(self) -> None:
            pass

    src = Scripted(labels=("gluteus_maximus_L",))
    stream = LiveStream(src)
    stream.start()
    path = tmp_path / "gap.csv"
    stream.start_recording(path)
    x = rng.standard_normal((1, 2000)) * 50
    src._emit_block(Block(x[:, :1000], seq=0))
    assert stream.wait_samples(1000, 5.0)  # the DSP thread has taken the first second
    src._emit_event(SourceEvent(EventKind.LINK_LOST, "Link lost."))
    src._emit_event(SourceEvent(EventKind.LINK_RESTORED, "Link restored."))
    src._emit_block(Block(x[:, 1000:], seq=7, lost_before=300))
    stream.stop()
    r = load_recording(path)
    assert r.data.shape == (1, 2300)
    assert np.isnan(r.data[0, 1000:1300]).all()
    np.testing.assert_allclose(r.data[0, 1300:], x[0, 1000:], atol=5e-4)
    words = [e for _, e in r.events]
    assert "link lost" in words and "link restored" in words
    assert src.stats.lost_samples == 300


@pytest.mark.parametrize(
    "content, match",
    [
        ("", "no samples"),
        ("a,b\n", "not a table of numbers"),
        ("a,b\n1,2\n3,x\n", "not a number"),
        ("1.5,2\n3\n", "expected 2"),
        ("1.5,2\n3,4\n", "--rate"),
        ("1,2\n3,4\n", "ambiguous"),
        ("time,a\n0,1\n0,2\n", "does not increase"),
    ],
)
def test_bad_files_give_one_sentence(tmp_path, content, match):
    p = tmp_path / "bad.csv"
    p.write_text(content)
    with pytest.raises(UserError, match=match) as err:
        load_recording(p)
    assert "\n" not in str(err.value)


def test_binary_and_missing_files(tmp_path):
    p = tmp_path / "x.bin"
    p.write_bytes(b"\x00\x01\x02" * 100)
    with pytest.raises(UserError, match="binary"):
        load_recording(p)
    with pytest.raises(UserError, match="does not exist"):
        load_recording(tmp_path / "nope.csv")


@pytest.mark.parametrize("sep", [",", "\t", ";", " "])
def test_generic_delimited_files(tmp_path, sep, rng):
    x = rng.standard_normal((500, 3))
    p = tmp_path / "g.txt"
    p.write_text("\n".join(sep.join(f"{v:.6f}" for v in row) for row in x) + "\n")
    r = load_recording(p, rate=500.0)
    assert r.labels == ("ch1", "ch2", "ch3") and r.sample_rate_hz == 500.0
    np.testing.assert_allclose(r.data, x.T, atol=1e-6)


def test_generic_file_with_time_column_and_header(tmp_path, rng):
    x = rng.standard_normal((400, 2))
    t = np.arange(400) / 2000.0
    p = tmp_path / "h.csv"
    p.write_text("time,Glute L,Ham L\n" + "\n".join(f"{a:.5f},{b:.4f},{c:.4f}" for a, (b, c) in zip(t, x)))
    r = load_recording(p)
    assert r.sample_rate_hz == pytest.approx(2000.0)
    assert r.labels == ("Glute_L", "Ham_L")


def test_mvic_metadata_round_trip_and_junk_is_skipped():
    from app.analysis.mvic import MvicReference
    from app.storage.csvformat import format_mvic, parse_mvic

    refs = {
        "gluteus_maximus_L": MvicReference("gluteus_maximus_L", 312.4, "maximal", 500.0, 3, 1.0,
                                           "2026-11-22T10:00:00+00:00"),
        "hamstring_L": MvicReference("hamstring_L", 180.0, "submaximal", 500.0, 3, 0.5),
    }
    text = format_mvic(refs)
    assert text.startswith("gluteus_maximus_L=312.40 uV maximal 100% 500ms x3 2026-11-22T10:00:00+00:00, ")
    from dataclasses import replace

    from app.muscles import mvic_position

    # the file does not carry the test position: the muscle's usual one comes back
    assert parse_mvic(text) == {k: replace(v, position=mvic_position(k)) for k, v in refs.items()}
    assert parse_mvic(text)["gluteus_maximus_L"].position.startswith("prone")
    assert parse_mvic("") == {}
    got = parse_mvic("junk, a=, b=x uV, c=-5 uV, d=nan uV, e=5 mV, f=5 uV maximal 200% zzms xq")
    assert list(got) == ["f"] and got["f"].fraction == 1.0 and got["f"].window_ms == 500.0


def test_a_recording_cut_mid_row_is_read_up_to_the_cut_and_says_so(tmp_path, capsys):
    """Regression (issue 12): a recording cut mid-row (disk full, a kill, copied while written)
    was rejected whole ("Line 3015 … has 5 fields")."""
    from app.cli import main

    out = tmp_path / "a.csv"
    assert main(["record", "--device", "sim", "--seconds", "2", "--speed", "10", "--out", str(out)]) == 0
    whole = load_recording(out)
    torn = tmp_path / "torn.csv"
    body = out.read_bytes()
    body = body[: body.rindex(b"# end:")]  # as a killed program leaves it: no closing line,
    torn.write_bytes(body[:-7])  # and the last row cut
    rec = load_recording(torn)
    assert rec.data.shape[1] == whole.data.shape[1] - 1 and "cut off" in rec.metadata["torn_last_line"]
    capsys.readouterr()
    assert main(["analyze", str(torn), "--no-reps"]) == 0
    assert "the last line was cut off" in capsys.readouterr().err


def test_record_never_overwrites_an_earlier_recording(tmp_path, capsys):
    """Regression (issue 12): ``record --out`` truncated an existing file."""
    from app.cli import main

    out = tmp_path / "a.csv"
    out.write_text("my earlier session\n")
    assert main(["record", "--device", "sim", "--seconds", "1", "--speed", "10", "--out", str(out)]) == 2
    assert "already exists; choose another name, or add --force" in capsys.readouterr().err
    assert out.read_text() == "my earlier session\n"
    assert main(["record", "--device", "sim", "--seconds", "1", "--speed", "10", "--out", str(out), "--force"]) == 0
    assert load_recording(out).data.shape[1] == 1000
    (tmp_path / "file").write_text("x")
    assert main(["record", "--device", "sim", "--seconds", "1", "--out", str(tmp_path / "file" / "b.csv")]) == 2
    assert "is a file, not a folder" in capsys.readouterr().err


def test_a_device_name_with_a_newline_cannot_break_the_recording(tmp_path):
    """Regression (issue 12): a patch advertising "Glute\\nFire" made every recording from it
    unreadable (the name ended the metadata line)."""
    from app.storage.recorder import CsvRecorder, RecordingInfo

    info = RecordingInfo(labels=("gluteus_maximus_L",), units=("uV",), sample_rate_hz=100.0,
                         device="Evil\npatch\r\n# format: other", device_kind="openpatch",
                         filter_description="none", envelope_delay_s=0.0, thresholds=(50.0,))
    rec = CsvRecorder(tmp_path / "n.csv", info)
    rec.close()
    text = (tmp_path / "n.csv").read_text()
    assert "# device: Evil patch # format: other\n" in text
    assert text.count("\n") == len([ln for ln in text.splitlines()])  # no line was split
    assert [ln.split(":")[0] for ln in text.splitlines() if ln.startswith("# format")] == ["# format"]


@pytest.mark.parametrize("fs", [777.5, 1234.567, 3000.0])
def test_a_rate_that_is_no_short_decimal_reads_back_with_its_rate(tmp_path, fs, monkeypatch):
    """777.5 Hz stamped with 4 decimals stepped 0.0013, 0.0012, ...: the reader took the median
    step for the rate (769 Hz) and refused our own file. Now the stamps carry enough decimals and
    the reader averages the regular steps; a file written the old way reads too."""
    from app.dsp.filters import FilterSettings
    from app.dsp.ring import RingBuffer
    from app.dsp.worker import DspWorker
    from app.storage import csvformat

    def write(path):  # type: ignore[no-untyped-def]
        x = np.random.default_rng(0).standard_normal((1, int(fs * 3))) * 50
        ring = RingBuffer(1, int(10 * fs))
        worker = DspWorker(ring, fs, FilterSettings(), np.full(1, 50.0))
        info = RecordingInfo(("gluteus_maximus_L",), ("uV",), fs, "x", "sim", worker.describe_filters(),
                             worker.delay_s, (50.0,), ())
        rec = CsvRecorder(path, info)
        worker.add_sink(rec)
        for i in range(0, x.shape[1], 20):
            ring.write(x[:, i:i + 20])
            worker.process_available()
        rec.close()
        return x.shape[1]

    n = write(tmp_path / "now.csv")
    got = load_recording(tmp_path / "now.csv")
    assert got.sample_rate_hz == pytest.approx(fs, rel=1e-5) and got.data.shape == (1, n)
    monkeypatch.setattr(csvformat, "time_decimals", lambda rate: 4)  # as files were written before
    write(tmp_path / "before.csv")
    assert load_recording(tmp_path / "before.csv").sample_rate_hz == pytest.approx(fs, rel=1e-5)


def test_time_decimals():
    from app.storage.csvformat import time_decimals

    assert [time_decimals(f) for f in (100, 250, 1000, 2000, 4000)] == [3, 3, 4, 4, 5]  # unique, exact
    assert [time_decimals(f) for f in (777.5, 1926.0, 3000.0)] == [6, 6, 7]  # within 0.1 % of a period
