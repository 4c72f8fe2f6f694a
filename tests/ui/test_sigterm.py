"""SIGTERM (logout, ``kill``) closes the window the normal way: exit 0, no traceback on stderr.

Before, the console's handler raised inside a Qt callback and the window printed "Error calling
Python override of QObject::eventFilter(): Traceback …" on its way out."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.slow
def test_sigterm_closes_the_streaming_window_without_a_traceback(tmp_path: Path) -> None:
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", HOME=str(tmp_path), XDG_CONFIG_HOME=str(tmp_path / "config"),
               XDG_DATA_HOME=str(tmp_path / "data"), XDG_DOCUMENTS_DIR=str(tmp_path / "docs"))
    proc = subprocess.Popen([sys.executable, "-m", "app", "gui", "--connect"], cwd=ROOT, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        time.sleep(6.0)  # imports, the window, the simulated patch streaming
        assert proc.poll() is None, proc.communicate()[1]
        proc.send_signal(signal.SIGTERM)
        out, err = proc.communicate(timeout=30)
    finally:  # a window that ignored the signal must not stay behind, loading the machine
        if proc.poll() is None:
            proc.kill()
            proc.communicate()
    assert proc.returncode == 0, err
    assert "Traceback" not in err and "Error calling Python override" not in err, err
