"""EDF+/BDF+ export read back by an independent reader (MNE), and EDF/BDF import into a Recording."""

from __future__ import annotations

import datetime as dt

import mne
import numpy as np
import pytest
from edfio import Edf, EdfAnnotation, EdfSignal

from app.dsp.worker import ProcessedBlock
from app.errors import UserError
from app.muscles import MUSCLES
from app.storage.channels import EDF_MUSCLES, edf_labels, label_from_foreign
from app.storage.edf import GAP_TEXT, PAD_TEXT, export
from app.storage.reader import Recording, load_recording
from app.storage.recorder import CsvRecorder, RecordingInfo

FS = 1000.0
LABELS = ("gluteus_maximus_L", "hamstring_L", "tensor_fasciae_latae_R")
FILTER = "band-pass 20-450 Hz Butterworth order 4 causal; no notch; envelope moving RMS 70 ms"
#: digital levels - 1 of each format: the step is (physical max - min) / this
LEVELS = {"edf": 2**16 - 1, "bdf": 2**24 - 1}


def _recording(tmp_path, rng, n=2500, rate=FS, person="Ann Example"):
    """A real recording: 3 channels, a 200-sample link outage, marks and crossings, 2.5 s (so
    the last 1 s data record is padded)."""
    extra = (("mains_hz", "50"), ("mvic", "gluteus_maximus_L=312.40 uV maximal 100% 500ms x3"))
    if person:
        extra = (("person", person), *extra)
    info = RecordingInfo(labels=LABELS, units=("uV",) * 3, sample_rate_hz=rate, device="Test patch", device_kind="test",
                         filter_description=FILTER, envelope_delay_s=0.0345, thresholds=(50.0, 40.0, 30.0), extra=extra)
    path = tmp_path / "rec.csv"
    rec = CsvRecorder(path, info)
    data = rng.standard_normal((3, n)) * np.array([[120.0], [40.0], [800.0]])
    data[:, 900:1100] = np.nan
    rec.mark("mark 1: hip drop", 300)
    rec.mark("link lost", 900)
    rec.mark("link restored", 1100)
    rec.mark("mark 2", 2000)
    for start in range(0, n, 250):
        part = data[:, start : start + 250]
        rec.write(ProcessedBlock(start, part, part, np.abs(part), ()))
    rec.close()
    return path, load_recording(path)


def _mne(path, kind):
    reader = mne.io.read_raw_bdf if kind == "bdf" else mne.io.read_raw_edf
    return reader(path, preload=True, verbose="error")


def _tolerance(data: np.ndarray, kind: str) -> np.ndarray:
    """Half a quantisation step per channel (the range includes the 0 µV gap fill), with 0.1%
    for the header's 8-character rounding of physical min/max."""
    lo = np.minimum(np.nanmin(data, axis=1), 0.0)
    hi = np.maximum(np.nanmax(data, axis=1), 0.0)
    return 0.5 * (hi - lo) / LEVELS[kind] * 1.001


@pytest.mark.parametrize("kind", ["edf", "bdf"])
def test_mne_reads_samples_labels_units_annotations_and_start(tmp_path, rng, kind):
    _, rec = _recording(tmp_path, rng)
    out = tmp_path / f"rec.{kind}"
    done = export(rec, out, kind)
    raw = _mne(out, kind)

    assert raw.ch_names == ["EMG GluMax L", "EMG Hamstr L", "EMG TFL R"]
    assert raw.info["sfreq"] == FS
    assert set(raw._orig_units.values()) == {"µV"}  # EDF's "uV", as MNE names it
    got = raw.get_data()[:, : rec.data.shape[1]] * 1e6  # MNE gives volts
    tol = _tolerance(rec.data, kind)
    ok = np.isfinite(rec.data)
    err = np.abs(np.where(ok, got - rec.data, 0.0)).max(axis=1)
    assert (err <= tol).all(), (err, tol)
    assert (np.abs(got[:, 900:1100]) <= tol[:, None]).all()  # the documented fill value, 0 µV (quantised)
    assert done.step_uv == pytest.approx(tuple(2 * tol), rel=2e-3)

    ann = [(round(a["onset"], 6), round(a["duration"], 6), a["description"]) for a in raw.annotations]
    assert (0.3, 0.0, "mark 1: hip drop") in ann
    assert (0.9, 0.0, "link lost") in ann and (1.1, 0.0, "link restored") in ann
    assert (0.9, 0.2, GAP_TEXT) in ann
    assert (2.5, 0.5, PAD_TEXT) in ann  # 2.5 s in whole 1 s data records
    assert (0.0, 0.0, f"# filter: {FILTER}") in ann
    start = dt.datetime.fromisoformat(rec.metadata["start_time"]).replace(tzinfo=None)
    assert raw.info["meas_date"].replace(tzinfo=None) == start.replace(microsecond=0)  # MNE keeps whole seconds
    assert raw.n_times == 3000


@pytest.mark.parametrize("kind", ["edf", "bdf"])
def test_export_then_import_equals_the_recording_within_quantisation(tmp_path, rng, kind):
    _, rec = _recording(tmp_path, rng)
    out = export(rec, tmp_path / f"rec.{kind}", kind).path
    back = load_recording(out)

    assert back.labels == rec.labels and back.units == rec.units
    assert back.sample_rate_hz == rec.sample_rate_hz
    assert back.data.shape == rec.data.shape  # the padding is trimmed
    assert np.array_equal(np.isnan(back.data), np.isnan(rec.data))  # gaps come back as gaps
    tol = _tolerance(rec.data, kind)
    assert (np.nanmax(np.abs(back.data - rec.data), axis=1) <= tol).all()
    assert [(round(t, 9), e) for t, e in back.events] == [(round(t, 9), e) for t, e in rec.events]
    for key in ("filter", "mains_hz", "mvic", "threshold", "envelope_delay_ms"):
        assert back.metadata[key] == rec.metadata[key]
    assert back.thresholds == rec.thresholds and back.mvic.keys() == rec.mvic.keys()
    assert back.metadata["start_time"] == rec.metadata["start_time"][:23]  # EDF keeps no UTC offset
    assert back.metadata["device"] == "Test patch"
    assert "person" not in back.metadata


def test_names_are_written_only_when_asked(tmp_path, rng):
    _, rec = _recording(tmp_path, rng)
    anonymous = export(rec, tmp_path / "a.edf", "edf").path.read_bytes()
    assert b"Ann Example" not in anonymous and b"Ann_Example" not in anonymous and anonymous[8:88].rstrip() == b"X X X X"
    named = export(rec, tmp_path / "n.edf", "edf", with_person=True).path
    assert named.stat().st_mode & 0o777 == 0o600  # health data: owner-only (docs/privacy.md)
    assert named.read_bytes()[8:88].rstrip() == b"X X X Ann_Example"
    assert load_recording(named).person == "Ann Example"
    raw = _mne(named, "edf")
    assert "Ann" in str(raw.info["subject_info"])
    (tmp_path / "x").mkdir()
    _, nobody = _recording(tmp_path / "x", rng, person="")
    with pytest.raises(UserError, match="names no person"):
        export(nobody, tmp_path / "z.edf", "edf", with_person=True)


def test_a_rate_that_is_not_whole_gets_longer_data_records(tmp_path, rng):
    rec = Recording(rng.standard_normal((2, 1555 * 2 + 100)) * 50, 777.5, ("gluteus_maximus_L", "ch2"), ("uV", "uV"),
                    metadata={"start_time": "2026-11-22T11:30:00.250+01:00"}, events=[(1.0, "mark 1")])
    out = export(rec, tmp_path / "r.bdf", "bdf").path
    raw = _mne(out, "bdf")
    assert raw.info["sfreq"] == pytest.approx(777.5)
    assert raw.n_times == 1555 * 3  # three 2 s records of 1555 samples
    assert load_recording(out).data.shape == rec.data.shape


def test_labels_fit_edf_and_read_back_as_ours():
    for muscle in MUSCLES:
        for side in "LR":
            (short,) = edf_labels((f"{muscle}_{side}",))
            assert len(short) <= 16 and label_from_foreign(short, 0) == f"{muscle}_{side}"
    assert set(EDF_MUSCLES) == set(MUSCLES)
    long = edf_labels(("a_very_long_channel_name_1", "a_very_long_channel_name_2", "ch1"))
    assert len(set(long)) == 3 and all(len(x) <= 16 for x in long) and long[2] == "EMG ch1"


def _foreign_edf(path, signals, annotations=None):
    Edf(signals, annotations=annotations).write(path)
    return path


def test_plain_edf_in_millivolts_with_mixed_rates_reads_the_emg(tmp_path, rng):
    emg = rng.standard_normal((2, 2000)) * 0.2  # mV
    path = _foreign_edf(tmp_path / "other.edf", [
        EdfSignal(emg[0], 1000, label="EMG RGlut", physical_dimension="mV", physical_range=(-2, 2)),
        EdfSignal(emg[1], 1000, label="EMG LGlut", physical_dimension="mV", physical_range=(-2, 2)),
        EdfSignal(np.full(2, 36.6), 1, label="Temp", physical_dimension="degC", physical_range=(30, 40)),
        EdfSignal(rng.standard_normal(200), 100, label="Acc", physical_dimension="g", physical_range=(-8, 8)),
        EdfSignal(rng.standard_normal(20), 10, label="EMG slow", physical_dimension="uV", physical_range=(-8, 8)),
    ], annotations=[EdfAnnotation(0.5, 1.25, "rep 1")])
    rec = load_recording(path)
    assert rec.labels == ("RGlut", "LGlut") and rec.units == ("uV", "uV") and rec.sample_rate_hz == 1000
    np.testing.assert_allclose(rec.data, emg * 1000, atol=0.5 * 4000 / 65535 * 1.001)
    assert rec.events == [(0.5, "rep 1 (1.25 s)")]
    note = rec.metadata["import_note"]
    assert "Temp (degC, 1 Hz)" in note and "Acc (g, 100 Hz)" in note and "EMG slow (uV, 10 Hz)" in note


@pytest.mark.parametrize("cut, words", [
    (100, "cut off inside its EDF header (100 of at least 256 bytes)"),
    (300, "cut off inside its EDF header (300 of 1280 bytes)"),  # 3 signals + annotations: 256 * 5
])
def test_a_truncated_header_is_one_sentence(tmp_path, rng, cut, words):
    _, rec = _recording(tmp_path, rng)
    whole = export(rec, tmp_path / "w.edf", "edf").path.read_bytes()
    bad = tmp_path / "cut.edf"
    bad.write_bytes(whole[:cut])
    with pytest.raises(UserError, match=words.replace("(", r"\(").replace(")", r"\)")):
        load_recording(bad)


def test_a_file_cut_inside_its_data_is_read_up_to_the_cut_and_says_so(tmp_path, rng):
    _, rec = _recording(tmp_path, rng)
    whole = export(rec, tmp_path / "w.edf", "edf").path.read_bytes()
    bad = tmp_path / "cut.edf"
    bad.write_bytes(whole[: len(whole) - 5000])
    back = load_recording(bad)
    assert back.data.shape[1] == 2000  # the two whole 1 s records
    assert "Incomplete data record" in back.metadata["import_note"]


def test_wrong_magic_discontinuous_and_no_volts_are_one_sentence(tmp_path, rng):
    fake = tmp_path / "fake.edf"
    fake.write_text("time,a\n0,1\n")
    with pytest.raises(UserError, match="named like an EDF file but does not start like one"):
        load_recording(fake)
    _, rec = _recording(tmp_path, rng)
    data = bytearray(export(rec, tmp_path / "c.edf", "edf").path.read_bytes())
    data[192:197] = b"EDF+D"
    d = tmp_path / "d.edf"
    d.write_bytes(bytes(data))
    with pytest.raises(UserError, match="discontinuous EDF\\+D"):
        load_recording(d)
    temp = _foreign_edf(tmp_path / "t.edf", [EdfSignal(np.full(10, 36.6), 10, label="Temp", physical_dimension="degC",
                                                        physical_range=(30, 40))])
    with pytest.raises(UserError, match="no channel in volts"):
        load_recording(temp)


def test_damaged_edf_and_bdf_files_end_in_one_sentence(tmp_path, rng):
    """Bytes changed in the header and the annotations (or the file cut): a recording or a
    UserError, never another exception (found this way: undecodable annotation bytes)."""
    _, rec = _recording(tmp_path, rng, n=1000)
    for kind in ("edf", "bdf"):
        whole = export(rec, tmp_path / f"w.{kind}", kind).path.read_bytes()
        for i in range(150):
            b = bytearray(whole)
            for _ in range(int(rng.integers(1, 6))):
                pos = int(rng.integers(8, 1280 if i % 3 else len(b)))
                b[pos] = int(rng.integers(0, 256)) if i % 2 else ord(str(rng.integers(0, 10)))
            if i % 5 == 0:
                b = b[: int(rng.integers(200, len(b)))]
            bad = tmp_path / f"bad.{kind}"
            bad.write_bytes(bytes(b))
            try:
                load_recording(bad)
            except UserError:
                pass
