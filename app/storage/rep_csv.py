"""The per-rep summary CSV written next to a raw recording (``<recording>.reps.csv``).

One row per scored rep of every protocol run during the recording, in the recording's own time,
so a spreadsheet or R/pandas gets the scores without parsing JSON. Documented in
docs/csv-format.md (section 6). Standard-library ``csv``.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from app.errors import UserError, os_reason
from app.storage.csvformat import safe_text
from app.storage.private import write_private_bytes

COLUMNS = ("exercise", "set", "rep", "side", "start_s", "end_s", "probe", "feedback", "glute_led", "lead_ms",
           "peak", "unit", "time_above_goal_s", "compensation_share", "compensators_over", "good")


def rep_csv_path(recording: str | Path) -> Path:
    """``session.csv`` -> ``session.reps.csv``."""
    p = Path(recording)
    return p.with_name(p.stem + ".reps.csv")


def _cell(v: Any) -> str:
    if v is None:
        return ""
    if isinstance(v, bool):
        return "1" if v else "0"
    if isinstance(v, (int, float)):
        return str(v)
    text = " ".join(str(x) for x in v) if isinstance(v, (list, tuple)) else str(v)
    return safe_text(text)  # a text cell a spreadsheet would run as a formula is kept as text


def rep_rows(practice: Sequence[Mapping[str, Any]]) -> list[dict[str, str]]:
    out = []
    for p in practice:
        for r in p.get("reps") or []:
            row = {k: _cell(r.get(k)) for k in COLUMNS}
            row["exercise"] = _cell(str(p.get("exercise", "")))
            row["start_s"], row["end_s"] = _cell(r.get("rec_start_s")), _cell(r.get("rec_end_s"))
            out.append(row)
    return out


def write_rep_csv(path: str | Path, practice: Sequence[Mapping[str, Any]]) -> Path:
    """Write the reps of ``practice`` (``practice_summary`` dicts) to ``path``, whole or not at all."""
    path = Path(path)
    text = io.StringIO(newline="")
    w = csv.DictWriter(text, fieldnames=COLUMNS)
    w.writeheader()
    w.writerows(rep_rows(practice))
    try:
        write_private_bytes(path, text.getvalue().encode("utf-8"))
    except OSError as exc:
        raise UserError(f"The rep table {path} could not be written: {os_reason(exc)}.") from None
    return path


def read_rep_csv(path: str | Path) -> list[dict[str, str]]:
    with open(path, newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))
