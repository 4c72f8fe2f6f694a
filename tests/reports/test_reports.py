"""Reports: a session PDF and a progress PDF whose text is real (extracted with pypdf), the same
pages as PNG, and the CLI's one-sentence errors."""

from __future__ import annotations

import shutil

import pytest
from pypdf import PdfReader
from PySide6.QtGui import QImage

from app.cli import main
from app.reports.make import progress_document, session_document, write_report
from app.storage.store import Store


def _text(path) -> str:
    return " ".join(" ".join(p.extract_text().split()) for p in PdfReader(str(path)).pages)


@pytest.fixture
def demo(demo_records):
    s = Store(demo_records)
    yield s
    s.close()


def test_a_session_report_states_what_a_clinical_emg_report_must(demo, tmp_path):
    ann = demo.require_person("Ann Example")
    now = demo.sessions(ann.id)[-1]
    out = tmp_path / "session.pdf"
    sentence = write_report(session_document(demo, now), out, png_too=True)
    assert sentence.startswith(f"Wrote {out} (") and "PNG page" in sentence
    text = _text(out)
    for needle in ("Session report: Glute bridge", "Person: Ann Example", "Protocol: Glute bridge: 1 × 5",
                   "Key numbers", "Reps the glute led", "5 of 5", "0 of 5", "Four-week retest",
                   "The glute now fires first in 5 of 5 reps, was 0 of 5.", "Recording parameters",
                   "Sample rate 1000 Hz", "band-pass 20-450 Hz", "SENIAM", "Normalisation", "prone",
                   "Onset method", "TKEO"):
        assert needle in text, needle
    pngs = sorted(tmp_path.glob("session*.png"))
    assert len(pngs) == len(PdfReader(str(out)).pages) >= 1
    img = QImage(str(pngs[0]))
    assert img.width() == 1240 and img.height() == 1753  # A4 at 150 dpi
    # not blank: the envelope chart's blue is on the first page
    blue = sum(1 for x in range(0, img.width(), 4) for y in range(300, 700, 4)
               if img.pixelColor(x, y).blue() > 150 and img.pixelColor(x, y).red() < 60)
    assert blue > 50


def test_a_report_can_carry_only_the_pseudonymous_id(demo, tmp_path):
    now = demo.sessions(demo.require_person("P-017").id)[-1]
    write_report(session_document(demo, now, pseudonymous=True), tmp_path / "anon.pdf")
    text = _text(tmp_path / "anon.pdf")
    assert "Person: P-017" in text and "Ann" not in text


def test_the_progress_report_shows_the_retest_trends_and_screening(demo, tmp_path):
    ann = demo.require_person("Ann Example")
    out = tmp_path / "progress.pdf"
    write_report(progress_document(demo, ann), out)
    text = _text(out)
    for needle in ("Progress report: Ann Example", "Four-week retest: Glute bridge", "was 0 of 5",
                   "Trendelenburg: not flagged", "was flagged", "%MVIC references", "Sessions"):
        assert needle in text, needle


def test_report_from_the_command_line(demo_records, tmp_path, capsys):
    store = Store(demo_records)
    csv = store.sessions(store.require_person("Ann Example").id)[-1].csv_path
    store.close()
    out = tmp_path / "r.pdf"
    assert main(["report", csv, "--out", str(out), "--db", str(demo_records)]) == 0
    assert "Four-week retest" in _text(out)
    assert main(["report", "--person", "P-017", "--out", str(tmp_path / "p.png"), "--db", str(demo_records)]) == 0
    assert sorted(tmp_path.glob("p*.png"))  # p.png, or p-1.png, p-2.png … for more pages
    # a copy of the recording the records do not know (another clinic's file): analysed from the file
    other = tmp_path / "elsewhere" / "copy.csv"
    other.parent.mkdir()
    shutil.copy(csv, other)
    empty_db = tmp_path / "empty.sqlite3"
    assert main(["report", str(other), "--out", str(tmp_path / "o.pdf"), "--db", str(empty_db)]) == 0
    assert "Reps (" in _text(tmp_path / "o.pdf")
    capsys.readouterr()


@pytest.mark.parametrize("argv, said", [
    (["report", "missing.csv", "--out", "x.pdf"], "No recording at missing.csv."),
    (["report", "--person", "Nobody", "--out", "x.pdf"], "No person named 'Nobody'"),
    (["report", "--out", "x.pdf"], "Give either a recording"),
    (["report", "--person", "P-017", "--out", "x.docx"], "A report is saved as .pdf or .png; got x.docx."),
    (["report", "--person", "P-017", "--out", "/no/such/folder/x.pdf"], "There is no folder /no/such/folder"),
])
def test_report_mistakes_are_one_sentence(demo_records, tmp_path, monkeypatch, capsys, argv, said):
    monkeypatch.chdir(tmp_path)
    assert main([*argv, "--db", str(demo_records)]) == 2
    err = capsys.readouterr().err
    assert said in err and "Traceback" not in err and err.count("\n") == 1


def test_a_csv_without_reps_is_one_sentence(tmp_path, capsys):
    flat = tmp_path / "rest.csv"
    flat.write_text("time_s,gluteus_maximus_L_uV\n" + "".join(f"{i / 1000:.3f},{(i % 7) - 3}\n" for i in range(5000)))
    assert main(["report", str(flat), "--out", str(tmp_path / "x.pdf"), "--db", str(tmp_path / "r.sqlite3")]) == 2
    assert "has no reps to report" in capsys.readouterr().err


@pytest.mark.parametrize("name, content, said", [
    ("empty.csv", b"", "contains no samples"),
    ("binary.csv", bytes(range(256)) * 8, "is a binary file"),
    ("nan.csv", b"time,a\n0,1\n0.001,nan\n0.002,nan\n", "has no reps to report"),
    ("backwards.csv", b"time,a\n0,1\n0.002,2\n0.001,3\n", "not in time order"),
    ("absurd.csv", b"# sample_rate_hz: 1e308\n1\n2\n", "a surface-EMG recording has 10 to 100000 Hz"),
    ("utf16.csv", "time,a\n0,1\n0.001,2\n0.002,3\n".encode("utf-16"), "has no reps to report"),
    ("commas.csv", b"1,5\n2,5\n3,5\n", "ambiguous"),
    ("torn.csv", b"# format: glutefire-csv 1\n# sample_rate_hz: 1000\ntime_s,a_uV,a_env_uV,events\n0.000,1.0,1", "no samples"),
])
def test_a_broken_file_for_a_report_is_one_sentence(tmp_path, capsys, name, content, said):
    """Issue 12: the files that break readers (empty, binary, NaN-filled, backwards time, absurd
    rate, UTF-16, wrong delimiter, torn) are one sentence and exit 2 for ``report`` as for ``analyze``."""
    path = tmp_path / name
    path.write_bytes(content)
    assert main(["report", str(path), "--out", str(tmp_path / "x.pdf"), "--db", str(tmp_path / "r.sqlite3")]) == 2
    err = capsys.readouterr().err
    assert said in err and "Traceback" not in err and err.count("\n") == 1, err
    assert not (tmp_path / "x.pdf").exists()
