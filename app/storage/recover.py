"""Finish a recording its program could not close (killed, crashed, power cut): cut a torn last
row, write the closing line. A finished recording ends with ``# end: <time>, <rows> rows``
(``CsvRecorder.close``); without it, the file was not finished."""

from __future__ import annotations

import datetime as _dt
import os
from pathlib import Path

from app.errors import UserError
from app.storage.recorder import END_KEY


def is_finished(path: str | Path) -> bool:
    """The recording's last lines hold its closing line."""
    p = Path(path)
    with open(p, "rb") as f:
        f.seek(max(0, p.stat().st_size - 4096))
        tail = f.read()
    return any(ln.startswith(f"# {END_KEY}:".encode()) for ln in tail.splitlines()[-4:])


def finish(path: str | Path) -> str:
    """Cut a torn last row and write the closing line; returns what was done, as a sentence."""
    p = Path(path)
    if not p.is_file():
        raise UserError(f"No recording at {p}.")
    if is_finished(p):
        return f"{p} was finished already."
    with open(p, "rb+") as f:
        data_end = p.stat().st_size
        f.seek(max(0, data_end - 65536))
        tail = f.read()
        cut = ""
        if tail and not tail.endswith(b"\n"):  # a row cut off mid-way: keep up to the last whole line
            keep = tail.rfind(b"\n") + 1
            f.truncate(data_end - (len(tail) - keep))
            cut = " (a torn last row was cut)"
        f.seek(0, os.SEEK_END)
        when = _dt.datetime.now(_dt.UTC).astimezone().isoformat(timespec="seconds")
        f.write(f"# {END_KEY}: {when}, recovered\n".encode())
        f.flush()
        os.fsync(f.fileno())
    return f"Finished {p}{cut}."
