"""Health data stays the person's: owner-only files and folders, no network connection during a
session (only Bluetooth over D-Bus, and the local sound server), formula-safe exports."""

from __future__ import annotations

import json
import os
import shutil
import stat
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def _mode(p: Path) -> int:
    return stat.S_IMODE(p.stat().st_mode)


@pytest.mark.skipif(os.name != "posix", reason="POSIX file modes")
def test_records_recordings_tables_and_reports_are_owner_only(tmp_path, demo_records):
    from app.reports.make import session_document, write_report
    from app.storage.rep_csv import write_rep_csv
    from app.storage.store import Store

    store = Store(tmp_path / "new" / "records.sqlite3")
    store.add_person("Ann")
    assert _mode(tmp_path / "new") == 0o700 and _mode(tmp_path / "new" / "records.sqlite3") == 0o600
    assert all(_mode(p) == 0o600 for p in (tmp_path / "new").glob("records.sqlite3*"))
    store.close()
    assert _mode(write_rep_csv(tmp_path / "t.reps.csv", [{"exercise": "x", "reps": [{"rep": 1}]}])) == 0o600
    demo = Store(demo_records)
    last = demo.sessions(demo.require_person("Ann Example").id)[-1]
    write_report(session_document(demo, last), tmp_path / "r.pdf", png_too=True)
    demo.close()
    assert _mode(tmp_path / "r.pdf") == 0o600 and all(_mode(p) == 0o600 for p in tmp_path.glob("r*.png"))


@pytest.mark.skipif(os.name != "posix", reason="POSIX file modes")
def test_the_command_creates_private_folders_and_files(tmp_path):
    out = tmp_path / "new-folder" / "s.csv"
    env = {**os.environ, "XDG_DATA_HOME": str(tmp_path / "xdg")}
    code = ("import sys; from app.__main__ import console_main; sys.argv = ['glutefire', 'record', '--device', 'sim', "
            f"'--seconds', '1', '--speed', '10', '--out', {str(out)!r}]; sys.exit(console_main())")
    proc = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert _mode(out.parent) == 0o700 and _mode(out) == 0o600
    db = tmp_path / "xdg" / "GluteFire" / "glutefire.sqlite3"
    assert db.exists() and _mode(db) == 0o600 and _mode(db.parent) == 0o700


#: run in a child: record every Python-level connect / name lookup, then run a session
HOOK = """
import json, socket, sys
seen = []
def hook(event, args):
    if event == "socket.connect":
        sock, addr = args
        seen.append([int(sock.family), repr(addr)])
    elif event == "socket.getaddrinfo":
        seen.append(["getaddrinfo", repr(args[0])])
sys.addaudithook(hook)
import atexit
atexit.register(lambda: open(sys.argv[1], "w").write(json.dumps(seen)))
"""


def _connections(tmp_path: Path, body: str) -> list:
    log = tmp_path / "net.json"
    env = {**os.environ, "XDG_DATA_HOME": str(tmp_path / "xdg"), "QT_QPA_PLATFORM": "offscreen"}
    proc = subprocess.run([sys.executable, "-c", HOOK + body, str(log)], cwd=ROOT, env=env, capture_output=True,
                          text=True, timeout=240)
    assert proc.returncode == 0, proc.stderr[-2000:]
    return json.loads(log.read_text())


def _not_local(seen: list) -> list:
    import socket

    return [s for s in seen if s[0] == "getaddrinfo" or s[0] in (int(socket.AF_INET), int(socket.AF_INET6))]


def test_a_session_from_the_command_line_opens_no_network_connection(tmp_path):
    body = f"""
from app.cli import main
db = {str(tmp_path / 'r.sqlite3')!r}
main(["people", "--db", db, "add", "Ann"])
main(["practice", "--exercise", "glute_bridge", "--sets", "1", "--reps", "2", "--speed", "8", "--quiet",
      "--person", "Ann", "--db", db, "--out", {str(tmp_path / 's.csv')!r}])
main(["report", {str(tmp_path / 's.csv')!r}, "--out", {str(tmp_path / 'r.pdf')!r}, "--db", db])
"""
    seen = _connections(tmp_path, body)
    assert _not_local(seen) == [], seen


def test_a_session_in_the_window_opens_no_network_connection(tmp_path):
    body = f"""
from pathlib import Path
from app.ui.screenshots import main_window_shot
main_window_shot(Path({str(tmp_path / 'w.png')!r}), scenario="holds", seconds=4.0, practice="glute_bridge")
"""
    seen = _connections(tmp_path, body)
    assert _not_local(seen) == [], seen  # the sound server and D-Bus are local (AF_UNIX) sockets


@pytest.mark.skipif(shutil.which("strace") is None, reason="strace shows connects made below Python (Qt, libpulse)")
def test_no_connect_below_python_either(tmp_path):
    out = tmp_path / "trace.txt"
    cmd = ["strace", "-f", "-qq", "-e", "trace=connect", "-o", str(out), sys.executable, "-m", "app", "practice",
           "--exercise", "glute_bridge", "--sets", "1", "--reps", "2", "--speed", "8", "--quiet",
           "--db", str(tmp_path / "r.sqlite3")]
    proc = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=240,
                          env={**os.environ, "XDG_DATA_HOME": str(tmp_path / "xdg")})
    if proc.returncode != 0 and "ptrace" in proc.stderr:
        pytest.skip("ptrace is not allowed here")
    assert proc.returncode == 0, proc.stderr[-2000:]
    inet = [ln for ln in out.read_text().splitlines() if "AF_INET" in ln]
    assert inet == [], inet


def test_an_events_cell_is_never_a_formula_nor_a_line_break(tmp_path):
    import numpy as np

    from app.dsp.worker import ProcessedBlock
    from app.storage.reader import load_recording
    from app.storage.recorder import CsvRecorder, RecordingInfo

    info = RecordingInfo(labels=("gluteus_maximus_L",), units=("uV",), sample_rate_hz=100.0, device="sim",
                         device_kind="sim", filter_description="none", envelope_delay_s=0.0, thresholds=(50.0,))
    rec = CsvRecorder(tmp_path / "e.csv", info)
    rec.mark('=HYPERLINK("http://x","click")', 0)
    rec.mark("@SUM(A1)\nsecond line", 1)
    x = np.zeros((1, 5))
    rec.write(ProcessedBlock(0, x, x, x, ()))
    rec.close()
    cells = [e for _, e in load_recording(tmp_path / "e.csv").events]
    assert cells[0].startswith("'=HYPERLINK") and cells[1] == "'@SUM(A1) second line"


HOSTILE = ['=HYPERLINK("http://x","click")', "+1+1", "-2+3", "@SUM(A1)", "\t=1", "x,=cmd|' /C calc'!A0",
           "y;=1+1", "z, @SUM(B2)"]


def _cells_a_spreadsheet_sees(text: str) -> list[str]:
    """Every cell when a spreadsheet opens the file split at commas and, as in comma-decimal
    locales, at semicolons (quoted cells kept whole, as spreadsheets do)."""
    import csv
    import io

    cells: list[str] = []
    for delim in (",", ";"):
        for row in csv.reader(io.StringIO(text), delimiter=delim):
            cells.extend(row)
    return cells


def _formulas(cells: list[str]) -> list[str]:
    def number(c: str) -> bool:
        try:
            float(c)
        except ValueError:
            return False
        return True

    return [c for c in cells if c.lstrip(" ")[:1] in ("=", "+", "-", "@") and not number(c.strip())]


def test_no_text_cell_of_a_recording_or_a_rep_table_is_a_formula(tmp_path):
    """Issue 12: names, notes, labels, marks, events, device names and every metadata value,
    hostile on purpose, never become a formula cell when a spreadsheet opens the export."""
    import numpy as np

    from app.dsp.worker import ProcessedBlock
    from app.storage.reader import load_recording
    from app.storage.recorder import CsvRecorder, RecordingInfo
    from app.storage.rep_csv import write_rep_csv

    extra = tuple((f"k{i}", v) for i, v in enumerate(HOSTILE)) + (("person", HOSTILE[5]), ("exercise", HOSTILE[6]))
    info = RecordingInfo(labels=("gluteus_maximus_L",), units=("uV",), sample_rate_hz=100.0, device=HOSTILE[5],
                         device_kind="sim", filter_description=HOSTILE[7], envelope_delay_s=0.0, thresholds=(50.0,),
                         extra=extra)
    rec = CsvRecorder(tmp_path / "h.csv", info)
    for i, text in enumerate(HOSTILE):
        rec.mark(text, i)
    x = np.full((1, 10), -5.0)  # negative numbers stay numbers
    rec.write(ProcessedBlock(0, x, x, x, ()))
    rec.close()
    text = (tmp_path / "h.csv").read_text()
    assert _formulas(_cells_a_spreadsheet_sees(text)) == []
    back = load_recording(tmp_path / "h.csv")
    assert back.data.shape == (1, 10) and back.metadata["person"].startswith("x,")  # still readable
    reps = [{"exercise": HOSTILE[0], "reps": [{"set": 1, "rep": 1, "side": HOSTILE[3], "note": t} for t in HOSTILE]}]
    table = write_rep_csv(tmp_path / "h.reps.csv", reps)
    assert _formulas(_cells_a_spreadsheet_sees(table.read_text())) == []
