"""Reading and analysing a long recording needs about the memory of its numbers, not several
copies of its text (issue 12: peak memory was 11-12x the file size; a 60-minute 8-channel
recording needed 10 GB). Measured as the peak RSS of a real ``glutefire analyze`` process, compared
with the same command on a two-second file in the same run (no absolute limits: machines differ)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[2]
CHANNELS = "ch1,ch2,ch3,ch4,ch5,ch6,ch7,ch8"


def _run(args: list[str], tmp_path: Path) -> tuple[int, float]:
    """(exit code, peak RSS in MB) of ``python -m app ARGS``."""
    proc = subprocess.Popen([sys.executable, "-m", "app", *args], cwd=ROOT, stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE, env={**os.environ, "XDG_DATA_HOME": str(tmp_path / "xdg")})
    _, status, usage = os.wait4(proc.pid, 0)  # this child's own peak, not the test run's
    proc.returncode = os.waitstatus_to_exitcode(status)
    assert proc.stderr is not None
    proc.stderr.close()
    return proc.returncode, usage.ru_maxrss / 1024.0


def _record(tmp_path: Path, name: str, seconds: int) -> Path:
    out = tmp_path / name
    code, _ = _run(["record", "--seconds", str(seconds), "--rate", "2000", "--channels", CHANNELS, "--speed", "60",
                    "--quiet", "--out", str(out)], tmp_path)
    assert code == 0 and out.exists()
    return out


def test_analyze_needs_about_the_memory_of_the_samples_not_of_the_text(tmp_path):
    small = _record(tmp_path, "small.csv", 2)
    big = _record(tmp_path, "big.csv", 90)
    size_mb = big.stat().st_size / 1e6
    code_small, rss_small = _run(["analyze", str(small)], tmp_path)
    code_big, rss_big = _run(["analyze", str(big)], tmp_path)
    assert code_small == 0 and code_big == 0
    # the samples as float64 are ~0.7x the text; before streaming the reader peaked at ~12x
    print(f"file {size_mb:.1f} MB: peak RSS {rss_small:.0f} MB (2 s file) -> {rss_big:.0f} MB")
    assert rss_big - rss_small < 2.5 * size_mb, (rss_small, rss_big, size_mb)


def test_reading_in_chunks_gives_exactly_what_reading_whole_gives(tmp_path, monkeypatch):
    """The chunk boundaries (events rows, gaps, a torn last row, a note after the last sample)
    change nothing: 7-row chunks read the same samples, envelope and events as one chunk."""
    from app.storage import reader

    lines = ["# format: glutefire-csv 1", "# sample_rate_hz: 100", "time_s,a_uV,b_uV,a_env_uV,b_env_uV,events"]
    for i in range(53):
        ev = '"mark 1: a, b"' if i == 9 else ("a above target" if i == 21 else "")
        cells = ["", ""] if i in (30, 31) else [f"{i % 7}.5", f"-{i % 3}"]
        lines.append(f"{i / 100:.2f},{cells[0]},{cells[1]},{i % 5},{i % 4},{ev}")
    text = "\n".join(lines) + "\n# note: mark 2\n0.53,1.0,2"  # a torn last row after the note
    (tmp_path / "c.csv").write_text(text)
    monkeypatch.setattr(reader, "CHUNK_ROWS", 10**6)
    whole = reader.load_recording(tmp_path / "c.csv")
    monkeypatch.setattr(reader, "CHUNK_ROWS", 7)
    chunked = reader.load_recording(tmp_path / "c.csv")
    np.testing.assert_array_equal(whole.data, chunked.data)
    assert whole.envelope is not None and chunked.envelope is not None
    np.testing.assert_array_equal(whole.envelope, chunked.envelope)
    assert whole.events == chunked.events and len(whole.events) == 3
    assert whole.data.shape == (2, 53) and np.isnan(whole.data[:, 30:32]).all()
    assert "torn_last_line" in chunked.metadata
    generic = "Title, with commas\ntime;a;b\n" + "".join(f"{i / 100:.2f}".replace(".", ",") + f";{i},5;{-i}\n" for i in range(40))
    (tmp_path / "g.csv").write_text(generic)
    monkeypatch.setattr(reader, "CHUNK_ROWS", 10**6)
    g_whole = reader.load_recording(tmp_path / "g.csv")
    monkeypatch.setattr(reader, "CHUNK_ROWS", 3)
    monkeypatch.setattr(reader, "HEAD_LINES", 5)
    monkeypatch.setattr(reader, "TAIL_LINES", 4)
    g_chunked = reader.load_recording(tmp_path / "g.csv")
    np.testing.assert_array_equal(g_whole.data, g_chunked.data)
    assert g_whole.labels == g_chunked.labels == ("a", "b") and g_whole.data[0, 3] == 3.5
