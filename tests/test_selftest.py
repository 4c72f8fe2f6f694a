"""``glutefire --self-test`` run as a person runs it: a fresh process, its one line and exit status."""

from __future__ import annotations

import os
import subprocess
import sys
from importlib.metadata import version
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _self_test(tmp_path: Path, **env: str) -> subprocess.CompletedProcess[str]:
    full = {k: v for k, v in os.environ.items() if not k.startswith("PULSE_")}
    (tmp_path / "xdg").mkdir(mode=0o700, exist_ok=True)
    full.update(HOME=str(tmp_path), XDG_RUNTIME_DIR=str(tmp_path / "xdg"), XDG_DATA_HOME=str(tmp_path / "data"))
    full.update(env)
    return subprocess.run([sys.executable, "-m", "app", "--self-test"], cwd=ROOT, env=full, capture_output=True,
                          text=True, timeout=110)


def test_the_self_test_passes_and_says_what_it_checked(tmp_path):
    done = _self_test(tmp_path)
    assert done.returncode == 0, done.stdout + done.stderr[-3000:]
    lines = done.stdout.strip().splitlines()
    assert len(lines) == 1, done.stdout
    line = lines[0]
    assert line.startswith(f"GluteFire {version('glutefire')} self-test passed: "), line
    for needle in ("stream: simulated patch 2 ch at 1000 Hz", "live analysis of 2 channel(s)", "frames painted offscreen",
                   "sound: goal cue heard on a null sink (880 Hz)", " s x 2 ch written, read back and analysed",
                   f"database: {tmp_path / 'data' / 'GluteFire' / 'glutefire.sqlite3'} opened"):
        assert needle in line, (needle, line)
    assert "Traceback" not in done.stderr
    assert (tmp_path / "data" / "GluteFire" / "glutefire.sqlite3").is_file()  # the app's own records, opened


def test_without_a_sound_server_sound_is_skipped_not_failed(tmp_path):
    empty = tmp_path / "bin"
    empty.mkdir()  # no pulseaudio, no parec on PATH
    done = _self_test(tmp_path, PATH=str(empty), PULSE_SERVER=f"unix:{tmp_path}/nobody.sock")
    assert done.returncode == 0, done.stdout + done.stderr[-3000:]
    assert "sound: skipped (no sound server: pulseaudio is not installed)" in done.stdout
    assert "self-test passed" in done.stdout


def test_records_that_cannot_open_fail_it_in_one_line(tmp_path):
    (tmp_path / "data").write_text("a file where the data folder should be")
    done = _self_test(tmp_path)
    assert done.returncode == 1, done.stdout + done.stderr[-3000:]
    line = done.stdout.strip()
    assert "\n" not in line and "Traceback" not in done.stderr
    assert line.startswith(f"GluteFire {version('glutefire')} self-test FAILED at database: Cannot open the records"), line
