"""XDF import (pyxdf) from files written by our own XDF container writer (tests/storage/xdf_container.py)."""

from __future__ import annotations

import numpy as np
import pytest

from app.errors import UserError
from app.storage.reader import load_recording
from tests.storage.xdf_container import Stream, XdfFile, emg_stream, marker_stream

FS = 1000.0
LABELS = ("gluteus_maximus_L", "EMG R Glute")


def _data(rng, n=3000):
    return rng.standard_normal((2, n)) * 100.0


def test_emg_stream_with_markers_reads_as_a_recording(tmp_path, rng):
    data = _data(rng)
    emg = emg_stream(data, FS, LABELS, unit="millivolts")
    marks = marker_stream([(1000.5, "rep 1 start"), (1001.25, "mark 1: knee in"), (2000.0, "long after")])
    path = XdfFile([emg, marks]).write(tmp_path / "lab.xdf")
    rec = load_recording(path)
    assert rec.labels == ("gluteus_maximus_L", "R_Glute") and rec.units == ("uV", "uV")
    assert rec.sample_rate_hz == FS
    np.testing.assert_allclose(rec.data, data, rtol=1e-6, atol=1e-4)  # float32 millivolts, scaled to µV
    assert [(round(t, 6), e) for t, e in rec.events] == [(0.5, "rep 1 start"), (1.25, "mark 1: knee in")]
    assert rec.metadata["device"] == "Delsys EMG" and rec.metadata["file_datetime"] == "2026-11-22T11:30:00+0100"
    assert "1 marker(s) outside" in rec.metadata["import_note"]


def test_lost_samples_become_a_gap(tmp_path, rng):
    data = _data(rng)
    path = XdfFile([emg_stream(data, FS, LABELS, drop=slice(1200, 1400))]).write(tmp_path / "gap.xdf")
    rec = load_recording(path)
    assert rec.data.shape == (2, 3000)
    assert np.isnan(rec.data[:, 1200:1400]).all() and not np.isnan(rec.data[:, :1200]).any()
    np.testing.assert_allclose(rec.data[:, 1400:], data[:, 1400:], rtol=1e-6, atol=1e-4)
    assert rec.events == [(1.2, "gap: 200 samples missing")]


def test_the_raw_stream_is_chosen_over_an_envelope_stream(tmp_path, rng):
    data = _data(rng)
    raw = emg_stream(data, FS, LABELS, name="GluteFire raw")
    env = emg_stream(np.abs(data), FS, LABELS, name="GluteFire envelope", stream_id=2)
    rec = load_recording(XdfFile([env, raw]).write(tmp_path / "two.xdf"))
    np.testing.assert_allclose(rec.data, data, rtol=1e-6, atol=1e-4)
    assert "not the envelope" in rec.metadata["import_note"]


def test_the_only_numeric_stream_is_read_and_said(tmp_path, rng):
    data = _data(rng, 500)
    s = emg_stream(data, 500.0, ("a", "b"), type="EEG")
    rec = load_recording(XdfFile([s]).write(tmp_path / "eeg.xdf"))
    assert rec.sample_rate_hz == 500.0 and "only numeric stream" in rec.metadata["import_note"]


def test_an_irregular_stream_gets_its_rate_from_its_time_stamps(tmp_path, rng):
    data = _data(rng, 800)
    s = emg_stream(data, 800.0, ("a", "b"))
    s.nominal_srate = 0.0
    rec = load_recording(XdfFile([s]).write(tmp_path / "irr.xdf"))
    assert rec.sample_rate_hz == pytest.approx(800.0)


@pytest.mark.parametrize("streams, words", [
    (lambda d: [marker_stream([(1.0, "x")])], "has no EMG stream"),
    (lambda d: [emg_stream(d, FS, LABELS, type="EEG"), emg_stream(d, FS, LABELS, type="EEG", stream_id=2)],
     "has no EMG stream"),
    (lambda d: [emg_stream(d, FS, LABELS, name="A"), emg_stream(d, FS, LABELS, name="B", stream_id=2)],
     "has 2 EMG streams"),
])
def test_no_or_several_emg_streams_are_one_sentence(tmp_path, rng, streams, words):
    path = XdfFile(streams(_data(rng, 100))).write(tmp_path / "bad.xdf")
    with pytest.raises(UserError, match=words):
        load_recording(path)


def test_a_stream_in_other_units_is_refused(tmp_path, rng):
    s = Stream("Force", "EMG", np.arange(100) / 100.0, rng.standard_normal((100, 1)), 100.0, labels=("F",), units=("N",))
    with pytest.raises(UserError, match="no channel .* is in volts"):
        load_recording(XdfFile([s]).write(tmp_path / "force.xdf"))


def test_a_cut_off_file_reads_what_is_whole_and_wrong_magic_is_refused(tmp_path, rng, capsys):
    whole = XdfFile([emg_stream(_data(rng), FS, LABELS)]).to_bytes()
    cut = tmp_path / "cut.xdf"
    cut.write_bytes(whole[: len(whole) // 2])
    rec = load_recording(cut)
    assert 1000 < rec.data.shape[1] < 3000
    assert capsys.readouterr().err == ""  # pyxdf's own log lines are not printed
    fake = tmp_path / "fake.xdf"
    fake.write_bytes(b"XDX:" + whole[4:])
    with pytest.raises(UserError, match="named like an XDF file but does not start like one"):
        load_recording(fake)
    header_only = tmp_path / "h.xdf"
    header_only.write_bytes(b"XDF:")
    with pytest.raises(UserError, match="has no EMG stream"):
        load_recording(header_only)
