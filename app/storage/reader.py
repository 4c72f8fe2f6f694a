"""Read recordings back: GluteFire CSVs and any delimited numeric text (one column per channel).

Every way a file can be wrong ends in one ``UserError`` sentence naming the file and, where it
helps, the line. Empty cells (link outages) become NaN.
"""

from __future__ import annotations

import io
import re
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from app.analysis.mvic import MvicReference
from app.errors import UserError
from app.storage import csvformat as fmt
from app.storage.csvformat import parse_mvic

_EMPTY_CELL = re.compile(r"(?<=[,;\t])(?=[,;\t]|$)|^(?=[,;\t])", re.MULTILINE)


@dataclass
class Recording:
    """Samples (channels, n) with their rate, labels and the file's metadata."""

    data: np.ndarray
    sample_rate_hz: float
    labels: tuple[str, ...]
    units: tuple[str, ...]
    envelope: np.ndarray | None = None
    metadata: dict[str, str] = field(default_factory=dict)
    events: list[tuple[float, str]] = field(default_factory=list)
    path: Path | None = None

    @property
    def duration_s(self) -> float:
        return self.data.shape[1] / self.sample_rate_hz

    @property
    def thresholds(self) -> dict[str, float]:
        """Per-channel targets from the metadata (``threshold: a=50 uV, b=40 uV``)."""
        out: dict[str, float] = {}
        for part in self.metadata.get("threshold", "").split(","):
            name, _, rest = part.strip().partition("=")
            try:
                out[name] = float(rest.split()[0])
            except (ValueError, IndexError):
                continue
        return out

    @property
    def mvic(self) -> dict[str, MvicReference]:
        """%MVIC references written with the recording (``# mvic: ...``), by channel label."""
        return parse_mvic(self.metadata.get("mvic", ""))

    @property
    def person(self) -> str:
        return self.metadata.get("person", "").strip()


def _parse_rate(text: str, what: str) -> float:
    try:
        rate = float(text)
    except ValueError:
        raise UserError(f"The sample rate {text!r} in {what} is not a number.") from None
    if not np.isfinite(rate) or rate <= 0:
        raise UserError(f"The sample rate in {what} must be a positive number, not {text}.")
    return rate


def load_recording(path: str | Path, rate: float | None = None) -> Recording:
    """Load ``path``; ``rate`` is required for files with neither metadata nor a time column."""
    p = Path(path)
    if rate is not None and (not np.isfinite(rate) or rate <= 0):
        raise UserError(f"The sample rate must be a positive number, not {rate:g}.")
    if not p.exists():
        raise UserError(f"The file {p} does not exist.")
    if p.is_dir():
        raise UserError(f"{p} is a folder, not a recording file.")
    try:
        raw_bytes = p.read_bytes()
    except OSError as exc:
        raise UserError(f"Cannot read {p}: {exc.strerror or exc}.") from None
    if b"\x00" in raw_bytes[:4096]:
        raise UserError(f"{p} is a binary file, not a delimited text recording.")
    try:
        text = raw_bytes.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise UserError(f"{p} is not a UTF-8 text file.") from None

    meta: dict[str, str] = {}
    lines = text.splitlines()
    body_start = 0
    for i, line in enumerate(lines):
        s = line.strip()
        if s.startswith("#"):
            key, sep, value = s[1:].partition(":")
            if sep:
                meta[key.strip()] = value.strip()
            body_start = i + 1
            continue
        if s:
            break
        body_start = i + 1
    body = [ln for ln in lines[body_start:] if ln.strip() and not ln.lstrip().startswith("#")]
    if not body:
        raise UserError(f"{p} contains no samples.")

    delim = _sniff_delimiter(body[0])
    first = _split(body[0], delim)
    has_header = not all(_is_number(c) for c in first if c != "")
    header = [c.strip().strip('"') for c in first] if has_header else None
    rows = body[1:] if has_header else body
    if not rows:
        raise UserError(f"{p} has a header but no samples.")
    n_cols = len(first)

    if header and fmt.EVENTS_COLUMN in header:
        rec = _load_own(p, meta, header, rows, rate)
        # events that came after the last sample (a mark just before Stop) close the file as notes
        notes = [ln.strip()[len("# note:"):].strip() for ln in lines[body_start:] if ln.strip().startswith("# note:")]
        end = rec.duration_s - 1.0 / rec.sample_rate_hz if rec.data.shape[1] else 0.0
        rec.events.extend((end, e) for note in notes for e in note.split("; ") if e)
        return rec

    table = _numeric_table(p, rows, delim, n_cols, first_line=body_start + (2 if has_header else 1))
    names = header or [f"ch{i + 1}" for i in range(n_cols)]
    time_idx = _time_column(names) if header else None
    if time_idx is not None:
        t = table[:, time_idx]
        fs_from_time = _rate_from_time(p, t)
        keep = [i for i in range(n_cols) if i != time_idx]
        table = table[:, keep]
        names = [names[i] for i in keep]
        fs = rate or fs_from_time
    elif "sample_rate_hz" in meta:
        fs = rate or _parse_rate(meta["sample_rate_hz"], str(p))
    elif rate is not None:
        fs = rate
    else:
        raise UserError(
            f"{p} has no time column and no sample-rate metadata; give the rate with --rate HZ."
        )
    if table.shape[1] == 0:
        raise UserError(f"{p} has a time column but no channel columns.")
    labels = tuple(_label(n, i) for i, n in enumerate(names))
    return Recording(
        data=np.ascontiguousarray(table.T),
        sample_rate_hz=float(fs),
        labels=labels,
        units=tuple(meta.get("units", "").split(", ")) if "units" in meta else ("",) * len(labels),
        metadata=meta,
        path=p,
    )


def _load_own(p: Path, meta: dict[str, str], header: list[str], rows: list[str], rate: float | None) -> Recording:
    """Our own format: time, raw per channel, envelope per channel, events (quoted text)."""
    import csv

    n_cols = len(header)
    ev_idx = header.index(fmt.EVENTS_COLUMN)
    num_idx = [i for i in range(n_cols) if i != ev_idx]
    events: list[tuple[float, str]] = []
    # fast path: the events column is last; split it off with the csv module only where present
    numeric_lines: list[str] = []
    for k, line in enumerate(rows):
        if line.endswith(","):
            numeric_lines.append(line[:-1])
            continue
        cells = next(csv.reader([line]))
        if len(cells) != n_cols:
            raise UserError(
                f"Line {k + len(meta) + 2} of {p} has {len(cells)} fields; the header has {n_cols}."
            )
        numeric_lines.append(",".join(cells[i] for i in num_idx))
        try:
            t = float(cells[0])
        except ValueError:
            continue
        events.extend((t, e) for e in cells[ev_idx].split("; ") if e)
    names = [header[i] for i in num_idx]
    table = _numeric_table(p, numeric_lines, ",", len(names), first_line=len(meta) + 2)
    if names[0] != fmt.TIME_COLUMN:
        raise UserError(f"{p} looks like a GluteFire CSV but its first column is not {fmt.TIME_COLUMN}.")
    fs = rate or (_parse_rate(meta["sample_rate_hz"], str(p)) if "sample_rate_hz" in meta else _rate_from_time(p, table[:, 0]))
    raw_idx = [i for i, n in enumerate(names) if i > 0 and fmt.ENV_INFIX not in n]
    env_idx = [i for i, n in enumerate(names) if fmt.ENV_INFIX in n]
    labels = tuple(names[i].rsplit("_", 1)[0] for i in raw_idx)
    units = tuple(names[i].rsplit("_", 1)[1] for i in raw_idx)
    env = np.ascontiguousarray(table[:, env_idx].T) if len(env_idx) == len(raw_idx) else None
    return Recording(
        data=np.ascontiguousarray(table[:, raw_idx].T),
        sample_rate_hz=float(fs),
        labels=labels,
        units=units,
        envelope=env,
        metadata=meta,
        events=events,
        path=p,
    )


def _sniff_delimiter(line: str) -> str | None:
    for d in (",", "\t", ";"):
        if d in line:
            return d
    return None  # whitespace


def _split(line: str, delim: str | None) -> list[str]:
    return [c.strip() for c in (line.split(delim) if delim else line.split())]


def _is_number(s: str) -> bool:
    try:
        float(s)
        return True
    except ValueError:
        return s.lower() == "nan"


def _numeric_table(p: Path, rows: list[str], delim: str | None, n_cols: int, first_line: int) -> np.ndarray:
    text = "\n".join(rows)
    if delim:
        text = _EMPTY_CELL.sub("nan", text)
    try:
        table = np.loadtxt(io.StringIO(text), delimiter=delim, ndmin=2, dtype=np.float64)
    except ValueError:
        for k, row in enumerate(rows):
            cells = _split(row, delim)
            if len(cells) != n_cols:
                raise UserError(
                    f"Line {first_line + k} of {p} has {len(cells)} values; expected {n_cols}."
                ) from None
            for c in cells:
                if c and not _is_number(c):
                    raise UserError(
                        f"Line {first_line + k} of {p} has a value that is not a number: {c!r}."
                    ) from None
        raise UserError(f"{p} is not a table of numbers.") from None
    if table.shape[1] != n_cols:
        raise UserError(f"{p} has rows of different lengths.")
    return table


def _time_column(names: list[str]) -> int | None:
    for i, n in enumerate(names):
        if n.lower() in ("time", "time_s", "t", "seconds", "timestamp_s"):
            return i
    return None


def _rate_from_time(p: Path, t: np.ndarray) -> float:
    if t.size < 2:
        raise UserError(f"{p} needs at least two samples to tell its sample rate.")
    dt = np.diff(t)
    step = float(np.median(dt))
    if not np.isfinite(step) or step <= 0:
        raise UserError(f"The time column of {p} does not increase.")
    return 1.0 / step


def _label(name: str, i: int) -> str:
    clean = re.sub(r"[^A-Za-z0-9_]+", "_", name).strip("_")
    return clean or f"ch{i + 1}"
