"""What a killed program leaves is recovered: the session row exists from Record on (marked in
progress), the recording has no closing line, ``glutefire recover`` finishes both; the window
says so at its next start and recovers from the Records menu."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from app.cli import main
from app.records.recover import unfinished
from app.storage.reader import load_recording
from app.storage.recover import is_finished
from app.storage.store import Store

ROOT = Path(__file__).resolve().parents[2]


def _killed_recording(tmp_path: Path) -> tuple[Path, Path]:
    db, out = tmp_path / "r.sqlite3", tmp_path / "killed.csv"
    assert main(["people", "--db", str(db), "add", "Ann"]) == 0
    proc = subprocess.Popen([sys.executable, "-m", "app", "record", "--device", "sim", "--scenario", "bridges",
                             "--seconds", "120", "--person", "Ann", "--db", str(db), "--out", str(out)], cwd=ROOT,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                            env={**os.environ, "XDG_DATA_HOME": str(tmp_path / "xdg")})
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and (not out.exists() or out.stat().st_size < 400_000):  # ~9 s of bridges
        time.sleep(0.1)
    proc.send_signal(signal.SIGKILL)
    proc.wait(30)
    return db, out


def test_a_killed_recording_and_its_session_are_recovered(tmp_path, capsys):
    db, out = _killed_recording(tmp_path)
    assert not is_finished(out)
    store = Store(db)
    (open_,) = store.unfinished_sessions()  # the session row was written at Record
    assert open_.csv_path == str(out.resolve()) and store.person(open_.person_id).name == "Ann"
    assert unfinished(store) == [out.resolve()]
    store.close()
    capsys.readouterr()
    assert main(["recover", "--all", "--db", str(db)]) == 0
    said = capsys.readouterr().out
    assert said.startswith(f"Finished {out.resolve()}") and "its session in the records is filled in" in said
    assert is_finished(out) and load_recording(out).duration_s > 5
    store = Store(db)
    (s,) = store.sessions(store.require_person("Ann").id)
    assert s.summary["recovered"] and not s.summary.get("in_progress") and s.summary["reps"]
    assert store.unfinished_sessions() == []
    store.close()
    assert main(["recover", str(out), "--db", str(db)]) == 0
    assert "was finished already" in capsys.readouterr().out


def test_a_normal_stop_finishes_the_file_and_fills_the_session_opened_at_record(tmp_path):
    db, out = tmp_path / "r.sqlite3", tmp_path / "ok.csv"
    main(["people", "--db", str(db), "add", "Ann"])
    assert main(["record", "--device", "sim", "--seconds", "2", "--speed", "10", "--person", "Ann", "--db", str(db),
                 "--out", str(out)]) == 0
    assert is_finished(out)
    store = Store(db)
    (s,) = store.all_sessions()
    assert not s.summary.get("in_progress") and "reps" in s.summary
    store.close()


def test_the_window_says_a_recording_was_left_and_recovers_it(tmp_path, qtbot, qsettings):
    from app.ui.main_window import MainWindow

    db, out = _killed_recording(tmp_path)
    store = Store(db)
    win = MainWindow(settings=qsettings, recordings_dir=tmp_path / "rec", seed=5, store=store)
    qtbot.addWidget(win)
    win.show()
    qtbot.waitUntil(lambda: "was not finished" in win.status.message.full_text(), timeout=5000)
    win.toolbar.recover.emit()  # Records ▾ → Recover unfinished recordings
    assert is_finished(out) and store.unfinished_sessions() == []
    assert "filled in" in win.status.message.full_text()
    win.close()
    store.close()
