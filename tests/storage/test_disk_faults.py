"""A full disk and a read-only folder (issue 12): one clear sentence, a non-zero exit, the
recording so far kept and readable, no half-written report. The full disk is a real one: a
small tmpfs mounted for the test (needs root, as in CI; skipped otherwise)."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from app.storage.reader import load_recording

ROOT = Path(__file__).resolve().parents[2]


def _glutefire(*args: str, tmp: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "app", *args], cwd=ROOT, capture_output=True, text=True,
                          env={**os.environ, "XDG_DATA_HOME": str(tmp / "xdg")}, timeout=120)


def _mount_small_disk(where: Path, size_kb: int) -> bool:
    where.mkdir()
    if os.geteuid() != 0:
        return False
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size_kb}k,mode=0700", "tmpfs", str(where)],
                          capture_output=True)
    return done.returncode == 0


@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[Path]:
    """A real 256 KB file system."""
    where = tmp_path / "disk"
    if not _mount_small_disk(where, 256):
        pytest.skip("mounting a small tmpfs needs root")
    yield where
    subprocess.run(["umount", str(where)], check=False)


@pytest.fixture
def read_only_folder(tmp_path: Path) -> Path:
    """A folder this user cannot write into (for root, which ignores modes: sysfs)."""
    if os.geteuid() == 0:
        return Path("/sys")
    folder = tmp_path / "ro"
    folder.mkdir()
    folder.chmod(0o500)
    return folder


def _one_sentence(done: subprocess.CompletedProcess[str], words: str) -> None:
    assert done.returncode == 2, done
    err = done.stderr.strip()
    assert "Traceback" not in err and len(err.splitlines()) == 1 and words in err, err


def test_a_disk_filling_up_mid_recording_keeps_what_was_recorded(small_disk, tmp_path):
    out = small_disk / "long.csv"
    done = _glutefire("record", "--seconds", "60", "--speed", "20", "--quiet", "--out", str(out), tmp=tmp_path)
    _one_sentence(done, "the disk is full")
    rec = load_recording(out)  # readable: the torn last row skipped
    assert rec.duration_s > 1.0
    said = int(done.stderr.split(";")[1].split()[0])  # "…; 1234 samples up to that moment are saved in …"
    assert abs(rec.data.shape[1] - said) <= 200


def test_a_report_on_a_full_disk_is_a_sentence_and_leaves_no_half_file(small_disk, tmp_path):
    rec = tmp_path / "r.csv"
    assert _glutefire("record", "--seconds", "3", "--speed", "10", "--quiet", "--out", str(rec), tmp=tmp_path).returncode == 0
    (small_disk / "filler").write_bytes(b"\0" * (240 * 1024))  # 16 KB left: less than a report
    done = _glutefire("report", str(rec), "--out", str(small_disk / "report.pdf"), "--db", str(tmp_path / "r.db"),
                      tmp=tmp_path)
    _one_sentence(done, "the disk is full")
    assert sorted(p.name for p in small_disk.iterdir()) == ["filler"]


def test_a_read_only_folder_for_a_recording_or_a_report_is_a_sentence(read_only_folder, tmp_path):
    _one_sentence(_glutefire("record", "--seconds", "1", "--quiet", "--out", str(read_only_folder / "x.csv"),
                             tmp=tmp_path), "Cannot write")
    rec = tmp_path / "r.csv"
    assert _glutefire("record", "--seconds", "2", "--speed", "10", "--quiet", "--out", str(rec), tmp=tmp_path).returncode == 0
    for name in ("r.pdf", "r.png"):
        _one_sentence(_glutefire("report", str(rec), "--out", str(read_only_folder / name), "--db",
                                 str(tmp_path / "r.db"), tmp=tmp_path), "read-only")


def test_output_to_a_full_stream_is_a_sentence_not_a_traceback(tmp_path):
    rec = tmp_path / "r.csv"
    assert _glutefire("record", "--seconds", "2", "--speed", "10", "--quiet", "--out", str(rec), tmp=tmp_path).returncode == 0
    with open("/dev/full", "w") as full:
        done = subprocess.run([sys.executable, "-m", "app", "analyze", str(rec), "--json"], cwd=ROOT, stdout=full,
                              stderr=subprocess.PIPE, text=True, timeout=120)
    _one_sentence(done, "the disk is full")
