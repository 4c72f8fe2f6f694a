"""``glutefire export`` and ``analyze`` on EDF/BDF/XDF: the command line end to end, bad input in one sentence."""

from __future__ import annotations

import json

import mne
import numpy as np
import pytest

from app.cli import main
from tests.storage.xdf_container import XdfFile, emg_stream, marker_stream


@pytest.fixture
def recording(tmp_path):
    out = tmp_path / "session.csv"
    assert main(["record", "--seconds", "4", "--speed", "20", "--scenario", "holds", "--seed", "3",
                 "--out", str(out), "--quiet"]) == 0
    return out


def _onsets(capsys, path) -> dict[str, list[float]]:
    capsys.readouterr()
    assert main(["analyze", str(path), "--json"]) == 0
    d = json.loads(capsys.readouterr().out)
    return {c["name"]: [b["onset_s"] for b in c["bursts"]] for c in d["channels"]}


@pytest.mark.parametrize("kind", ["edf", "bdf"])
def test_export_then_analyze_finds_the_same_onsets(tmp_path, capsys, recording, kind):
    out = tmp_path / f"session.{kind}"
    assert main(["export", str(recording), "--out", str(out)]) == 0
    said = capsys.readouterr().out
    assert said.startswith(f"Wrote 4.00 s of 2 channel(s) (EMG GluMax L, EMG Hamstr L) to {out} as {kind.upper()}+")
    raw = (mne.io.read_raw_bdf if kind == "bdf" else mne.io.read_raw_edf)(out, verbose="error")
    assert raw.n_times == 4000 and raw.ch_names == ["EMG GluMax L", "EMG Hamstr L"]
    from_csv, from_edf = _onsets(capsys, recording), _onsets(capsys, out)
    assert from_csv.keys() == from_edf.keys() and any(from_csv.values())
    for name in from_csv:
        np.testing.assert_allclose(from_edf[name], from_csv[name], atol=0.002)  # within 2 samples


def test_an_xdf_from_labrecorder_exports_to_edf(tmp_path, capsys, rng):
    data = rng.standard_normal((2, 2000)) * 80
    xdf = XdfFile([emg_stream(data, 1000.0, ("gluteus_medius_R", "hamstring_R")),
                   marker_stream([(1000.5, "go")])]).write(tmp_path / "lab.xdf")
    out = tmp_path / "lab.edf"
    assert main(["export", str(xdf), "--format", "edf", "--out", str(out)]) == 0
    raw = mne.io.read_raw_edf(out, verbose="error")
    assert raw.ch_names == ["EMG GluMed R", "EMG Hamstr R"]
    assert [(a["onset"], a["description"]) for a in raw.annotations] == [(0.5, "go")]


@pytest.mark.parametrize("argv, words", [
    (["--out", "{tmp}/x.bdf", "--format", "edf"], "is named .bdf but --format is edf"),
    (["--out", "{tmp}/x.dat"], "Say --format edf or --format bdf"),
    (["--out", "{tmp}/exists.edf"], "already exists"),
    (["--out", "{tmp}/x.edf", "--with-person"], "names no person"),
    (["--out", "{tmp}/x.edf", "--format", "xdf"], "invalid choice"),
])
def test_export_mistakes_are_one_sentence_and_exit_2(tmp_path, capsys, recording, argv, words):
    (tmp_path / "exists.edf").write_bytes(b"keep me")
    argv = [a.replace("{tmp}", str(tmp_path)) for a in argv]
    assert main(["export", str(recording), *argv]) == 2
    err = capsys.readouterr().err
    assert words in err and err.count("\n") == 1 and "Traceback" not in err
    assert (tmp_path / "exists.edf").read_bytes() == b"keep me"


@pytest.mark.parametrize("name, content, words", [
    ("short.edf", b"0       X X X X", "cut off inside its EDF header"),
    ("text.bdf", b"time,a\n0,1\n", "named like a BDF file but does not start like one"),
    ("bad.xdf", b"XDF:\x01\x05\x01\x00junk", "is not a readable XDF file"),
])
def test_analyze_bad_files_is_one_sentence_and_exit_2(tmp_path, capsys, name, content, words):
    path = tmp_path / name
    path.write_bytes(content)
    assert main(["analyze", str(path)]) == 2
    err = capsys.readouterr().err
    assert words in err and err.count("\n") == 1 and "Traceback" not in err


def test_analyze_says_what_an_import_left_out(tmp_path, capsys, rng):
    from edfio import Edf, EdfSignal

    path = tmp_path / "mixed.edf"
    Edf([EdfSignal(rng.standard_normal(3000) * 50, 1000, label="EMG GluMax L", physical_dimension="uV",
                   physical_range=(-500, 500)),
         EdfSignal(np.full(3, 36.5), 1, label="Temp", physical_dimension="degC", physical_range=(30, 40))]).write(path)
    assert main(["analyze", str(path)]) == 0
    out = capsys.readouterr()
    assert "Gluteus maximus L" in out.out
    assert "left out 1 channel(s) not in volts or at a lower rate: Temp (degC, 1 Hz)" in out.err
