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
from app.storage.text_layout import sniff, split

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


#: sample rates a surface-EMG recording can have (Hz); outside them a file is broken, not exotic
MIN_RATE_HZ, MAX_RATE_HZ = 10.0, 100_000.0


def _check_rate(rate: float, what: str, said: str) -> float:
    if not np.isfinite(rate) or rate <= 0:
        raise UserError(f"The sample rate in {what} must be a positive number, not {said}.")
    if not MIN_RATE_HZ <= rate <= MAX_RATE_HZ:
        raise UserError(f"The sample rate in {what} is {said}; a surface-EMG recording has "
                        f"{MIN_RATE_HZ:g} to {MAX_RATE_HZ:g} Hz.")
    return rate


def _parse_rate(text: str, what: str) -> float:
    try:
        rate = float(text)
    except ValueError:
        raise UserError(f"The sample rate {text!r} in {what} is not a number.") from None
    return _check_rate(rate, what, f"{text} Hz")


def load_recording(path: str | Path, rate: float | None = None) -> Recording:
    """Load ``path``; ``rate`` is required for files with neither metadata nor a time column."""
    p = Path(path)
    if rate is not None:
        _check_rate(rate, "--rate", f"{rate:g} Hz")
    if not p.exists():
        raise UserError(f"The file {p} does not exist.")
    if p.is_dir():
        raise UserError(f"{p} is a folder, not a recording file.")
    try:
        raw_bytes = p.read_bytes()
    except OSError as exc:
        raise UserError(f"Cannot read {p}: {exc.strerror or exc}.") from None
    if raw_bytes[:2] in (b"\xff\xfe", b"\xfe\xff"):  # UTF-16 with its byte-order mark (Excel's "Unicode text")
        try:
            raw_bytes = raw_bytes.decode("utf-16").encode("utf-8")
        except UnicodeDecodeError:
            raise UserError(f"{p} starts like UTF-16 text but is not valid UTF-16.") from None
    if b"\x00" in raw_bytes[:4096]:
        raise UserError(f"{p} is a binary file, not a delimited text recording.")
    try:
        text = raw_bytes.decode("utf-8-sig")
    except UnicodeDecodeError:  # older Windows tools write their code page ("µV" as one byte)
        text = raw_bytes.decode("cp1252", errors="replace")

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

    first = split(body[0], ",")
    if fmt.EVENTS_COLUMN in [c.strip().strip('"') for c in first]:
        header = [c.strip().strip('"') for c in first]
        rows = body[1:]
        if not rows:
            raise UserError(f"{p} has a header but no samples.")
        rec = _load_own(p, meta, header, rows, rate)
        # events that came after the last sample (a mark just before Stop) close the file as notes
        notes = [ln.strip()[len("# note:"):].strip() for ln in lines[body_start:] if ln.strip().startswith("# note:")]
        end = rec.duration_s - 1.0 / rec.sample_rate_hz if rec.data.shape[1] else 0.0
        rec.events.extend((end, e) for note in notes for e in note.split("; ") if e)
        return rec
    return _load_generic(p, lines[body_start:], meta, rate, body_start)


#: a unit at the end of a column name or channel line: "RF_mV", "RF (mV)", "units: mV"
_UNIT = re.compile(r"(?:[_\s(\[]|units?:\s*)(uV|µV|mV|V)\)?\]?\s*$|engineering units:\s*(uV|µV|mV|V)\b", re.IGNORECASE)
_TO_UV = {"uv": 1.0, "µv": 1.0, "mv": 1e3, "v": 1e6}


def _unit_of(text: str) -> str | None:
    m = _UNIT.search(text)
    if m is None:
        return None
    return (m.group(1) or m.group(2)).lower()


def _load_generic(p: Path, lines: list[str], meta: dict[str, str], rate: float | None, offset: int) -> Recording:
    """Another tool's text export: its layout sniffed from the numbers (``text_layout``), values
    in mV or V (said in a column name or a channel line) scaled to µV."""
    layout = sniff(lines, str(p))
    rows = [ln.replace('"', "") for ln in lines[layout.body_start:] if ln.strip() and not ln.lstrip().startswith("#")]
    if layout.decimal_comma:
        rows = [ln.replace(",", ".") for ln in rows]
    n_cols = layout.n_fields
    table = _numeric_table(p, rows, layout.separator, n_cols, first_line=offset + layout.body_start + 1)
    names = list(layout.header) if layout.header else [f"ch{i + 1}" for i in range(n_cols)]
    twice = sorted({n for n in names if names.count(n) > 1})
    if twice:
        many = len(twice) > 1
        raise UserError(f"The column{'s' if many else ''} {', '.join(twice)} of {p} appear{'' if many else 's'} "
                        "more than once; give each channel its own name.")
    time_idx = _time_column(names) if layout.header else None
    if time_idx is not None:
        fs_from_time = _rate_from_time(p, table[:, time_idx])
        keep = [i for i in range(n_cols) if i != time_idx]
        table, names = table[:, keep], [names[i] for i in keep]
        fs = rate or fs_from_time
    elif "sample_rate_hz" in meta:
        fs = rate or _parse_rate(meta["sample_rate_hz"], str(p))
    elif rate is not None:
        fs = rate
    else:
        raise UserError(f"{p} has no time column and no sample-rate metadata; give the rate with --rate HZ.")
    if table.shape[1] == 0:
        raise UserError(f"{p} has a time column but no channel columns.")
    channel_lines = [t for t in layout.title_lines if t.lower().lstrip().startswith("channel")]
    scale = np.ones(len(names))
    for i, name in enumerate(names):
        unit = _unit_of(name) or (_unit_of(channel_lines[i]) if i < len(channel_lines) else None)
        if unit is not None and unit in _TO_UV:
            scale[i] = _TO_UV[unit]
            names[i] = _UNIT.sub("", name).strip() if _unit_of(name) else name
    extra = dict(meta)
    extra["layout"] = layout.describe()
    if layout.title_lines:
        extra["title"] = " | ".join(t.strip() for t in layout.title_lines)[:500]
    if np.any(scale != 1.0):
        extra["scaled_to_uV"] = ", ".join(f"{n} x{s:g}" for n, s in zip(names, scale, strict=True) if s != 1.0)
    labels = tuple(_label(n, i) for i, n in enumerate(names))
    _check_channels(p, table.T, labels)
    return Recording(
        data=np.ascontiguousarray(table.T * scale[:, None]),
        sample_rate_hz=float(fs),
        labels=labels,
        units=tuple(meta.get("units", "").split(", ")) if "units" in meta else ("uV",) * len(labels),
        metadata=extra,
        path=p,
    )


def _whole_row(line: str, n_cols: int) -> bool:
    """A complete row of our format: the header's field count, every number whole."""
    import csv

    cells = next(csv.reader([line]), [])
    if len(cells) != n_cols:
        return False
    return all(c == "" or _is_number(c) for c in cells[:-1])


def _load_own(p: Path, meta: dict[str, str], header: list[str], rows: list[str], rate: float | None) -> Recording:
    """Our own format: time, raw per channel, envelope per channel, events (quoted text)."""
    import csv

    n_cols = len(header)
    ev_idx = header.index(fmt.EVENTS_COLUMN)
    num_idx = [i for i in range(n_cols) if i != ev_idx]
    if not num_idx or header[0] != fmt.TIME_COLUMN:  # (found by fuzzing: a lone "events" header)
        raise UserError(f"{p} looks like a GluteFire CSV but its first column is not {fmt.TIME_COLUMN}.")
    events: list[tuple[float, str]] = []
    # fast path: the events column is last; split it off with the csv module only where present
    numeric_lines: list[str] = []
    torn = ""
    if rows and not _whole_row(rows[-1], n_cols):  # cut mid-row (disk full, a kill, copied while written)
        torn = rows[-1]
        rows = rows[:-1]
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
    from_time = _rate_from_time(p, table[:, 0]) if table.shape[0] >= 2 else None
    said = _parse_rate(meta["sample_rate_hz"], str(p)) if "sample_rate_hz" in meta else None
    if said is not None and from_time is not None and rate is None and abs(from_time / said - 1.0) > 0.01:
        raise UserError(f"{p} says {said:g} Hz but its time column steps at {from_time:.4g} Hz; give the rate "
                        "with --rate HZ to choose.")
    fs = rate or said or from_time
    if fs is None:
        raise UserError(f"{p} needs at least two samples to tell its sample rate.")
    raw_idx = [i for i, n in enumerate(names) if i > 0 and fmt.ENV_INFIX not in n]
    env_idx = [i for i, n in enumerate(names) if fmt.ENV_INFIX in n]
    labels = tuple(names[i].rsplit("_", 1)[0] for i in raw_idx)
    units = tuple(names[i].rsplit("_", 1)[1] for i in raw_idx)
    env = np.ascontiguousarray(table[:, env_idx].T) if len(env_idx) == len(raw_idx) else None
    if table.shape[0]:
        _check_channels(p, table[:, raw_idx].T, labels)
    if torn:
        meta = {**meta, "torn_last_line": f"the last line was cut off ({torn[:40]!r}) and skipped"}
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


def _check_channels(p: Path, data: np.ndarray, labels: tuple[str, ...]) -> None:
    empty = [lb for lb, row in zip(labels, data, strict=True) if not np.isfinite(row).any()]
    if empty:
        raise UserError(f"Channel {', '.join(empty)} of {p} holds no numbers (every sample empty, NaN or infinite).")


def _is_number(s: str) -> bool:
    try:
        float(s)
        return True
    except ValueError:
        return s.lower() == "nan"


def _numeric_table(p: Path, rows: list[str], delim: str | None, n_cols: int, first_line: int) -> np.ndarray:
    if not rows:  # (found by fuzzing: a header, then one torn row)
        raise UserError(f"{p} has a header but no samples.")
    text = "\n".join(rows)
    if delim:
        text = _EMPTY_CELL.sub("nan", text)
    try:
        table = np.loadtxt(io.StringIO(text), delimiter=delim, ndmin=2, dtype=np.float64)
    except ValueError:
        for k, row in enumerate(rows):
            cells = split(row, delim)
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
    table[~np.isfinite(table)] = np.nan  # an infinite value is no measurement: a gap, as an empty cell
    return table


#: a time column's name in the tools and languages clinics export from ("Zeit", "Tiempo (s)")
_TIME_NAMES = {"time", "time_s", "t", "seconds", "sec", "timestamp", "timestamp_s", "zeit", "tiempo", "temps",
               "tempo", "tijd", "czas"}


def _time_column(names: list[str]) -> int | None:
    for i, n in enumerate(names):
        base = re.sub(r"[\s_]*[(\[].*[)\]]\s*$", "", n.strip().lower())  # "Time (s)", "t [s]"
        if base in _TIME_NAMES:
            return i
    return None


def _rate_from_time(p: Path, t: np.ndarray) -> float:
    if t.size < 2:
        raise UserError(f"{p} needs at least two samples to tell its sample rate.")
    dt = np.diff(t)
    step = float(np.median(dt))
    if not np.isfinite(step) or step <= 0:
        raise UserError(f"The time column of {p} does not increase.")
    back = np.flatnonzero(~(dt > 0))
    if back.size:  # shuffled or repeated times: analysing it as if in order would be wrong
        raise UserError(f"The time column of {p} goes back or stands still after {t[back[0]]:g} s "
                        f"(row {int(back[0]) + 2} of the samples); the rows are not in time order.")
    return _check_rate(1.0 / step, str(p), f"{1.0 / step:.4g} Hz (time steps of {step:.3g} s)")


def _label(name: str, i: int) -> str:
    clean = re.sub(r"[^A-Za-z0-9_]+", "_", name).strip("_")
    return clean or f"ch{i + 1}"
