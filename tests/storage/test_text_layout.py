"""Other tools' text exports: title and comment lines, header or none, commas / semicolons /
tabs / spaces, decimal commas, units in the names, a really ambiguous file in one sentence."""

from __future__ import annotations

import re

import numpy as np
import pytest

from app.errors import UserError
from app.storage.reader import load_recording
from app.storage.text_layout import sniff

BODY = [(0.000, 1.5, -2.25), (0.001, 3.0, 4.125), (0.002, -0.5, 0.0), (0.003, 2.0, 1.0)]


def _write(tmp_path, text: str, name: str = "x.txt"):
    p = tmp_path / name
    p.write_text(text, encoding="utf-8")
    return p


@pytest.mark.parametrize("layout, text", [
    ("comma + header", "time,RF,BF\n" + "".join(f"{t},{a},{b}\n" for t, a, b in BODY)),
    ("title with commas, header, spaces", "Exported by Acme EMG, v2.1, 2025-11-03, subject 4\n"
     "time RF BF\n" + "".join(f"{t:.3f} {a} {b}\n" for t, a, b in BODY)),
    ("two comment lines, tabs", "# device: acme\n# note, with a comma\ntime\tRF\tBF\n"
     + "".join(f"{t}\t{a}\t{b}\n" for t, a, b in BODY)),
    ("semicolons + decimal commas", "Zeit;RF;BF\n" + "".join(f"{t};{a};{b}\n".replace(".", ",") for t, a, b in BODY)),
    ("tabs + decimal commas, a title", "Messung vom 3.11.2025\ntime\tRF\tBF\n"
     + "".join(f"{t}\t{a}\t{b}\n".replace(".", ",") for t, a, b in BODY)),
    ("spaces + decimal commas", "time RF BF\n" + "".join(f"{t:.3f}  {a}  {b}\n".replace(".", ",") for t, a, b in BODY)),
])
def test_each_layout_reads_the_same_numbers(tmp_path, layout, text):
    rec = load_recording(_write(tmp_path, text))
    assert rec.labels == ("RF", "BF"), layout
    assert rec.sample_rate_hz == pytest.approx(1000.0)
    np.testing.assert_allclose(rec.data, np.array([[a for _, a, _ in BODY], [b for _, _, b in BODY]]))


def test_no_header_numbers_only_need_the_rate(tmp_path):
    p = _write(tmp_path, "Some title, with a comma\n\n" + "".join(f"{a};{b}\n".replace(".", ",") for _, a, b in BODY))
    with pytest.raises(UserError, match="--rate"):
        load_recording(p)
    rec = load_recording(p, rate=500)
    assert rec.labels == ("ch1", "ch2") and rec.data.shape == (2, 4) and rec.data[1, 1] == pytest.approx(4.125)
    assert rec.metadata["title"] == "Some title, with a comma"
    assert rec.metadata["layout"] == "2 columns separated by semicolons, decimal commas"


def test_a_biometrics_export_with_channel_lines_in_mv(tmp_path):
    """The DataLOG layout of the UCI lower-limb set: channel lines name the columns and their unit,
    a blank line, tab-separated mV, a trailing line of tabs."""
    text = ("File Name: 5Nsen.log\n"
            "Channel 1: 'RF', 4 values, engineering units: mV, no filters.\n"
            "Channel 2: 'BF', 4 values, engineering units: mV, no filters.\n"
            "Channel 3: 'FX', 4 values, engineering units: deg, no filters, extrapolated from 50 to 1000.\n\n"
            + "".join(f"{a / 1000}\t{b / 1000}\t64.1\n" for _, a, b in BODY) + "\t\t\n")
    rec = load_recording(_write(tmp_path, text), rate=1000)
    assert rec.labels == ("RF", "BF", "FX")
    np.testing.assert_allclose(rec.data[0], [a for _, a, _ in BODY])  # mV -> µV
    assert rec.data[2, 0] == pytest.approx(64.1)  # degrees stay degrees
    assert "RF x1000" in rec.metadata["scaled_to_uV"]


def test_a_biometrics_export_with_a_digital_inputs_column(tmp_path):
    """The other DataLOG layout of the UCI set (patients 9-11): the digital inputs are one more
    column, described by a "Digitals combined" line without a channel number; before, the names
    were dropped (ch1..ch6) because there were five names for six columns."""
    text = ("File Name: 10Amar.log\n"
            "Channel 1: 'Recto femoral', 4 values, engineering units: mV, no filters.\n"
            "Channel 2: 'Semitendinoso', 4 values, engineering units: mV, no filters.\n"
            "Channel 3: 'Flexo', 4 values, engineering units: deg, no filters.\n"
            "Digitals combined (event=16, d=8, c=4, b=2, a=1): 4 values, .\n\n"
            + "".join(f"{a / 1000}\t{b / 1000}\t11.5\t31\n" for _, a, b in BODY))
    rec = load_recording(_write(tmp_path, text), rate=1000)
    assert rec.labels == ("Recto_femoral", "Semitendinoso", "Flexo", "Digitals")
    np.testing.assert_allclose(rec.data[0], [a for _, a, _ in BODY])  # mV -> µV
    assert rec.data[2, 0] == pytest.approx(11.5) and rec.data[3, 0] == 31  # degrees and the digital word as they are


def test_units_in_column_names_are_scaled_to_microvolts(tmp_path):
    rec = load_recording(_write(tmp_path, "time,RF (mV),BF_V,TA_uV\n0,1.5,0.001,3\n0.001,2,0.002,4\n"))
    assert rec.labels == ("RF", "BF", "TA")
    np.testing.assert_allclose(rec.data[:, 0], [1500.0, 1000.0, 3.0])


def test_a_windows_code_page_file_is_read(tmp_path):
    p = tmp_path / "cp.txt"
    p.write_bytes("Zeit;RF µV\n0,000;1,5\n0,001;2,5\n".encode("cp1252"))
    rec = load_recording(p)
    assert rec.labels == ("RF",) and rec.data[0, 1] == pytest.approx(2.5)


@pytest.mark.parametrize("text, said", [
    ("1,5\n2,5\n3,5\n", "ambiguous: a line such as '1,5' reads as 2 values per line or 1 value per line"),
    ("title\nno numbers here\n", "not a table of numbers"),
])
def test_really_ambiguous_or_not_a_table_is_one_sentence(tmp_path, text, said):
    with pytest.raises(UserError, match=said.replace("(", r"\(")) as err:
        load_recording(_write(tmp_path, text), rate=1000)
    assert "\n" not in str(err.value)


def test_the_reading_is_decided_by_a_header_or_leading_zeros():
    assert sniff(["a,b", "1,5", "2,5"], "x").n_fields == 2  # the header has two names
    lay = sniff(["0,0015", "0,0023", "1,0500"], "x")  # integers are not written "0015"
    assert (lay.n_fields, lay.decimal_comma) == (1, True)


@pytest.mark.parametrize("text, rate, said", [
    ("time,a\n0,1\n1e-12,2\n2e-12,3\n", None, "is 1e+12 Hz (time steps of 1e-12 s); a surface-EMG recording has 10 to"),
    ("# sample_rate_hz: 1e308\na,b\n1.5,2\n3,4\n", None, "is 1e308 Hz; a surface-EMG recording has"),
    ("a,b\n1.5,2\n3,4\n", 1e308, "The sample rate in --rate is 1e+308 Hz"),
    ("time,a,a\n0,1,2\n0.001,2,3\n0.002,3,4\n", None, "The column a of"),
    ("time,a\n0,1\n0.002,2\n0.001,3\n0.003,4\n", None, "goes back or stands still after 0.002 s"),
    ("time,a,b\n0,1,inf\n0.001,2,inf\n0.002,inf,inf\n", None, "Channel b of"),
])
def test_broken_files_are_one_sentence_not_a_traceback(tmp_path, text, rate, said):
    """Regression (issue 12): a 1e-12 s step or 1e308 Hz raised LinAlgError; duplicate columns were
    analysed as channels; shuffled time was analysed as if in order; an all-inf channel read as
    "good contact, 0.0 µV"."""
    with pytest.raises(UserError, match=re.escape(said)) as err:
        load_recording(_write(tmp_path, text), rate=rate)
    assert "\n" not in str(err.value)


def test_quoted_numbers_utf16_and_one_inf_sample(tmp_path):
    rec = load_recording(_write(tmp_path, 'time,"RF"\n"0","1.5"\n"0.001","2.5"\n"0.002","inf"\n'))
    assert rec.labels == ("RF",) and rec.data[0, 1] == 2.5 and np.isnan(rec.data[0, 2])  # inf is a gap
    p = tmp_path / "u16.txt"
    p.write_text("time\tRF\n0\t1\n0.001\t2\n", encoding="utf-16")
    assert load_recording(p).data[0].tolist() == [1.0, 2.0]


def test_our_csv_whose_rate_contradicts_its_time_column_says_so(tmp_path):
    p = _write(tmp_path, "# format: glutefire-csv 1\n# sample_rate_hz: 1000\ntime_s,a_uV,a_env_uV,events\n"
               + "".join(f"{i / 500:.4f},1,1,\n" for i in range(10)), "c.csv")
    with pytest.raises(UserError, match="says 1000 Hz but its time column steps at 500 Hz"):
        load_recording(p)
    assert load_recording(p, rate=500.0).sample_rate_hz == 500.0


def test_a_tiny_mvic_reference_is_no_reference():
    from app.storage.csvformat import parse_mvic

    assert parse_mvic("a=1e-300 uV maximal, b=300 uV maximal") .keys() == {"b"}


def test_a_header_and_one_torn_row_is_one_sentence(tmp_path):
    """Found by the soak fuzz run: ``events\\n\\x01`` made numpy warn on an empty table."""
    p = tmp_path / "f.csv"
    p.write_bytes(b"events\n\x01")
    with pytest.raises(UserError, match="its first column is not time_s"):
        load_recording(p, rate=100.0)
    p.write_bytes(b"time_s,a_uV,a_env_uV,events\n0.0,1")  # a header and one torn row
    with pytest.raises(UserError, match="has a header but no samples"):
        load_recording(p, rate=100.0)
