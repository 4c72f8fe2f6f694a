"""Read recordings back: GluteFire CSVs and any delimited numeric text (one column per channel);
EDF/BDF and XDF files go to their own modules (``_other_format``), returning the same ``Recording``.

Every way a file can be wrong ends in one ``UserError`` sentence naming the file and, where it
helps, the line. Empty cells (link outages) become NaN.
"""

from __future__ import annotations

import csv
import io
import re
from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from app.analysis.mvic import MvicReference
from app.errors import UserError, os_reason
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


#: rows parsed at a time: memory stays bounded by the table itself, not by the file's text
CHUNK_ROWS = 20_000
#: lines of another tool's export read to find its layout (from the start, and from the end)
HEAD_LINES, TAIL_LINES = 2_000, 200


def load_recording(path: str | Path, rate: float | None = None, envelope: bool = True) -> Recording:
    """Load ``path``; ``rate`` is required for files with neither metadata nor a time column.

    The file is streamed in chunks of ``CHUNK_ROWS`` lines into one preallocated table, so a
    recording needs about the memory of its numbers (8 bytes a value), never several copies of
    its text; ``envelope=False`` skips the recorded envelope columns (``analyze`` computes its own).
    """
    p = Path(path)
    if rate is not None:
        _check_rate(rate, "--rate", f"{rate:g} Hz")
    if not p.exists():
        raise UserError(f"The file {p} does not exist.")
    if p.is_dir():
        raise UserError(f"{p} is a folder, not a recording file.")
    try:
        with p.open("rb") as f:
            head = f.read(4096)
    except OSError as exc:
        raise UserError(f"Cannot read {p}: {exc.strerror or exc}.") from None
    other = _other_format(p, head, rate)
    if other is not None:
        return other
    if head[:2] in (b"\xff\xfe", b"\xfe\xff"):  # UTF-16 with its byte-order mark (Excel's "Unicode text")
        encoding = "utf-16"
    elif b"\x00" in head:
        raise UserError(f"{p} is a binary file, not a delimited text recording.")
    else:
        encoding = "utf-8-sig"
    try:
        return _read(p, encoding, rate, envelope)
    except UnicodeError:
        if encoding == "utf-16":
            raise UserError(f"{p} starts like UTF-16 text but is not valid UTF-16.") from None
        # older Windows tools write their code page ("µV" as one byte); cp1252 decodes any byte
        return _read(p, "cp1252", rate, envelope)
    except OSError as exc:
        raise UserError(f"Cannot read {p}: {exc.strerror or exc}.") from None


#: file names of the binary formats read through their own modules (docs/formats.md)
_OTHER_SUFFIXES = {".edf": "an EDF", ".bdf": "a BDF", ".xdf": "an XDF"}


def _other_format(p: Path, head: bytes, rate: float | None) -> Recording | None:
    """EDF/EDF+/BDF/BDF+ (app/storage/edf.py) or XDF (app/storage/xdf.py), known by their first
    bytes whatever the name; a file named like one that does not start like one is said so."""
    from app.storage import edf, xdf

    kind = edf.kind_of(head)
    try:
        if kind is not None:
            return edf.read(p, kind, rate)
        if head.startswith(xdf.MAGIC):
            return xdf.read(p, rate)
    except OSError as exc:
        raise UserError(f"Cannot read {p}: {os_reason(exc)}.") from None
    name = _OTHER_SUFFIXES.get(p.suffix.lower())
    if name is not None:
        raise UserError(f"{p} is named like {name} file but does not start like one; it is damaged or "
                        "another kind of file.")
    return None


def _line_bound(p: Path) -> int:
    """At least the number of lines of ``p`` (counted in bytes, 16 MB at a time)."""
    lf = cr = 0
    with p.open("rb") as f:
        while block := f.read(1 << 24):
            lf += block.count(b"\n")
            cr += block.count(b"\r")
    return max(lf, cr) + 1


def _lines(p: Path, encoding: str) -> Iterator[str]:
    """The file's lines without their line ends (any of LF, CRLF, CR)."""
    errors = "replace" if encoding == "cp1252" else "strict"
    with p.open(encoding=encoding, errors=errors, newline=None) as f:
        for line in f:
            yield line.rstrip("\n")


def _preamble(lines: Iterator[str]) -> tuple[dict[str, str], int, str | None]:
    """The leading ``# key: value`` lines, how many lines they and blank lines took, and the first
    line after them (None: nothing else in the file)."""
    meta: dict[str, str] = {}
    n = 0
    for line in lines:
        s = line.strip()
        if s.startswith("#"):
            key, sep, value = s[1:].partition(":")
            if sep:
                meta[key.strip()] = value.strip()
        elif s:
            return meta, n, line
        n += 1
    return meta, n, None


def _read(p: Path, encoding: str, rate: float | None, envelope: bool) -> Recording:
    lines = _lines(p, encoding)
    meta, lead, first = _preamble(lines)
    if first is None:
        raise UserError(f"{p} contains no samples.")
    cells = [c.strip().strip('"') for c in split(first, ",")]
    if fmt.EVENTS_COLUMN in cells:
        return _load_own(p, meta, cells, lines, lead + 2, rate, envelope)
    return _load_generic(p, encoding, meta, lead, rate)


class _Table:
    """Columns of numbers filled chunk by chunk into one array allocated for the file's line
    count (``keep``: which of a row's columns are stored)."""

    def __init__(self, p: Path, keep: list[int], bound: int) -> None:
        self.p = p
        self.keep = keep
        self.cols = np.empty((len(keep), bound), dtype=np.float64)
        self.n = 0

    def add(self, rows: list[str], numbers: list[int], delim: str | None, n_cols: int) -> None:
        if not rows:
            return
        part = _numeric_table(self.p, rows, delim, n_cols, numbers)
        k = part.shape[0]
        if self.n + k > self.cols.shape[1]:  # (the line count is a bound; only a changing file passes it)
            grown = np.empty((self.cols.shape[0], 2 * (self.n + k)))
            grown[:, : self.n] = self.cols[:, : self.n]
            self.cols = grown
        self.cols[:, self.n : self.n + k] = part[:, self.keep].T
        self.n += k

    def column(self, i: int) -> np.ndarray:
        return self.cols[i, : self.n]

    def rows_of(self, idx: list[int]) -> np.ndarray:
        """Stored columns ``idx`` (positions in ``keep``) as (len(idx), n); a view when adjacent."""
        if idx and idx == list(range(idx[0], idx[0] + len(idx))):
            return self.cols[idx[0] : idx[0] + len(idx), : self.n]
        return self.cols[idx, : self.n]


#: a unit at the end of a column name or channel line: "RF_mV", "RF (mV)", "units: mV"
_UNIT = re.compile(r"(?:[_\s(\[]|units?:\s*)(uV|µV|mV|V)\)?\]?\s*$|engineering units:\s*(uV|µV|mV|V)\b", re.IGNORECASE)
_TO_UV = {"uv": 1.0, "µv": 1.0, "mv": 1e3, "v": 1e6}


def _unit_of(text: str) -> str | None:
    m = _UNIT.search(text)
    if m is None:
        return None
    return (m.group(1) or m.group(2)).lower()


def _sniff_lines(p: Path, encoding: str, lead: int) -> tuple[list[str], int]:
    """The lines after the metadata the layout is read from — all of them for a file of a few
    thousand lines, else the first ``HEAD_LINES`` and the last ``TAIL_LINES`` — and how many
    lines the file has (the table's size, counted on the same pass)."""
    it = _lines(p, encoding)
    for _ in range(lead):
        next(it, None)
    head: list[str] = []
    tail: deque[str] = deque(maxlen=TAIL_LINES)
    n = lead
    for line in it:
        n += 1
        if len(head) < HEAD_LINES:
            head.append(line)
        else:
            tail.append(line)
    return head + list(tail), n


def _load_generic(p: Path, encoding: str, meta: dict[str, str], lead: int, rate: float | None) -> Recording:
    """Another tool's text export: its layout sniffed from the numbers (``text_layout``), values
    in mV or V (said in a column name or a channel line) scaled to µV."""
    sample, n_lines = _sniff_lines(p, encoding, lead)
    layout = sniff(sample, str(p))
    n_cols = layout.n_fields
    names = list(layout.header) if layout.header else [f"ch{i + 1}" for i in range(n_cols)]
    twice = sorted({n for n in names if names.count(n) > 1})
    if twice:
        many = len(twice) > 1
        raise UserError(f"The column{'s' if many else ''} {', '.join(twice)} of {p} appear{'' if many else 's'} "
                        "more than once; give each channel its own name.")
    table = _Table(p, list(range(n_cols)), n_lines)
    rows: list[str] = []
    numbers: list[int] = []
    for k, line in enumerate(_lines(p, encoding)):
        if k < lead + layout.body_start or not line.strip() or line.lstrip().startswith("#"):
            continue
        line = line.replace('"', "")
        rows.append(line.replace(",", ".") if layout.decimal_comma else line)
        numbers.append(k + 1)
        if len(rows) >= CHUNK_ROWS:
            table.add(rows, numbers, layout.separator, n_cols)
            rows, numbers = [], []
    table.add(rows, numbers, layout.separator, n_cols)
    if table.n == 0:
        raise UserError(f"{p} has a header but no samples.")
    time_idx = _time_column(names) if layout.header else None
    keep = list(range(n_cols))
    if time_idx is not None:
        fs_from_time = _rate_from_time(p, table.column(time_idx))
        keep = [i for i in keep if i != time_idx]
        names = [names[i] for i in keep]
        fs = rate or fs_from_time
    elif "sample_rate_hz" in meta:
        fs = rate or _parse_rate(meta["sample_rate_hz"], str(p))
    elif rate is not None:
        fs = rate
    else:
        raise UserError(f"{p} has no time column and no sample-rate metadata; give the rate with --rate HZ.")
    if not keep:
        raise UserError(f"{p} has a time column but no channel columns.")
    channel_lines = [t for t in layout.title_lines if t.lower().lstrip().startswith("channel")]
    data = table.rows_of(keep)
    scaled: list[str] = []
    for i, name in enumerate(names):
        unit = _unit_of(name) or (_unit_of(channel_lines[i]) if i < len(channel_lines) else None)
        if unit is not None and unit in _TO_UV:
            names[i] = _UNIT.sub("", name).strip() if _unit_of(name) else name
            if _TO_UV[unit] != 1.0:
                data[i] *= _TO_UV[unit]
                scaled.append(f"{names[i]} x{_TO_UV[unit]:g}")
    extra = dict(meta)
    extra["layout"] = layout.describe()
    if layout.title_lines:
        extra["title"] = " | ".join(t.strip() for t in layout.title_lines)[:500]
    if scaled:
        extra["scaled_to_uV"] = ", ".join(scaled)
    labels = tuple(_label(n, i) for i, n in enumerate(names))
    _check_channels(p, data, labels)
    return Recording(
        data=data,
        sample_rate_hz=float(fs),
        labels=labels,
        units=tuple(meta.get("units", "").split(", ")) if "units" in meta else ("uV",) * len(labels),
        metadata=extra,
        path=p,
    )


def _whole_row(line: str, n_cols: int) -> bool:
    """A complete row of our format: the header's field count, every number whole."""
    cells = next(csv.reader([line]), [])
    if len(cells) != n_cols:
        return False
    return all(c == "" or _is_number(c) for c in cells[:-1])


def _load_own(p: Path, meta: dict[str, str], header: list[str], lines: Iterator[str], first_line: int,
              rate: float | None, envelope: bool) -> Recording:
    """Our own format: time, raw per channel, envelope per channel, events (quoted text)."""
    n_cols = len(header)
    ev_idx = header.index(fmt.EVENTS_COLUMN)
    num_idx = [i for i in range(n_cols) if i != ev_idx]
    names = [header[i] for i in num_idx]
    if not num_idx or names[0] != fmt.TIME_COLUMN:  # (found by fuzzing: a lone "events" header)
        raise UserError(f"{p} looks like a GluteFire CSV but its first column is not {fmt.TIME_COLUMN}.")
    raw_idx = [i for i, n in enumerate(names) if i > 0 and fmt.ENV_INFIX not in n]
    env_idx = [i for i, n in enumerate(names) if fmt.ENV_INFIX in n]
    unnamed = [names[i] for i in raw_idx if not all(names[i].rpartition("_")[::2])]
    if unnamed:  # (found by fuzzing: an empty column name)
        raise UserError(f"The column {unnamed[0]!r} of {p} is not a channel name with its unit "
                        "(such as gluteus_maximus_L_uV).")
    with_env = envelope and len(env_idx) == len(raw_idx)
    keep = [0, *raw_idx, *(env_idx if with_env else [])]
    table = _Table(p, keep, _line_bound(p))
    events: list[tuple[float, str]] = []
    notes: list[str] = []
    rows: list[str] = []
    numbers: list[int] = []
    last = ""  # the newest row, held back until the next one: a torn last row is skipped, not an error
    last_no = 0

    def take(line: str, number: int) -> None:
        if line.endswith(","):  # fast path: no events in this row
            rows.append(line[:-1])
        else:
            cells = next(csv.reader([line]))
            if len(cells) != n_cols:
                raise UserError(f"Line {number} of {p} has {len(cells)} fields; the header has {n_cols}.")
            rows.append(",".join(cells[i] for i in num_idx))
            try:
                t = float(cells[0])
            except ValueError:
                t = None
            if t is not None:
                events.extend((t, e) for e in cells[ev_idx].split("; ") if e)
        numbers.append(number)
        if len(rows) >= CHUNK_ROWS:
            table.add(rows, numbers, ",", len(names))
            rows.clear()
            numbers.clear()

    for k, line in enumerate(lines, start=first_line):
        s = line.strip()
        if not s:
            continue
        if s.startswith("#"):
            if s.startswith("# note:"):
                notes.append(s[len("# note:"):].strip())
            continue
        if last:
            take(last, last_no)
        last, last_no = line, k
    if not last:
        raise UserError(f"{p} has a header but no samples.")
    torn = ""
    if _whole_row(last, n_cols):
        take(last, last_no)
    else:  # cut mid-row (disk full, a kill, copied while written)
        torn = last
    table.add(rows, numbers, ",", len(names))
    if table.n == 0:  # (found by fuzzing: a header, then one torn row)
        raise UserError(f"{p} has a header but no samples.")
    from_time = _rate_from_time(p, table.column(0)) if table.n >= 2 else None
    said = _parse_rate(meta["sample_rate_hz"], str(p)) if "sample_rate_hz" in meta else None
    if said is not None and from_time is not None and rate is None and abs(from_time / said - 1.0) > 0.01:
        raise UserError(f"{p} says {said:g} Hz but its time column steps at {from_time:.4g} Hz; give the rate "
                        "with --rate HZ to choose.")
    fs = rate or said or from_time
    if fs is None:
        raise UserError(f"{p} needs at least two samples to tell its sample rate.")
    labels = tuple(names[i].rsplit("_", 1)[0] for i in raw_idx)
    units = tuple(names[i].rsplit("_", 1)[1] for i in raw_idx)
    n_raw = len(raw_idx)
    data = table.rows_of(list(range(1, 1 + n_raw)))
    env = table.rows_of(list(range(1 + n_raw, 1 + 2 * n_raw))) if with_env else None
    _check_channels(p, data, labels)
    if torn:
        meta = {**meta, "torn_last_line": f"the last line was cut off ({torn[:40]!r}) and skipped"}
    rec = Recording(data=data, sample_rate_hz=float(fs), labels=labels, units=units, envelope=env,
                    metadata=meta, events=events, path=p)
    # events that came after the last sample (a mark just before Stop) close the file as notes
    end = rec.duration_s - 1.0 / rec.sample_rate_hz
    rec.events.extend((end, e) for note in notes for e in note.split("; ") if e)
    return rec


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


def _numeric_table(p: Path, rows: list[str], delim: str | None, n_cols: int, numbers: list[int]) -> np.ndarray:
    """Rows of numbers as a (rows, n_cols) table; ``numbers``: each row's line in the file (for
    the sentence naming a bad one). Empty cells and infinities become NaN (a gap)."""
    text = "\n".join(rows)
    if delim:
        text = _EMPTY_CELL.sub("nan", text)
    try:
        table = np.loadtxt(io.StringIO(text), delimiter=delim, ndmin=2, dtype=np.float64)
    except ValueError:
        for row, number in zip(rows, numbers, strict=True):
            cells = split(row, delim)
            if len(cells) != n_cols:
                raise UserError(f"Line {number} of {p} has {len(cells)} values; expected {n_cols}.") from None
            for c in cells:
                if c and not _is_number(c):
                    raise UserError(f"Line {number} of {p} has a value that is not a number: {c!r}.") from None
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
    # the times are rounded (777.5 Hz written with 4 decimals steps 0.0013, 0.0012, ...): the median
    # step is one of the rounded values, their mean over the regular steps is the true one
    regular = dt[np.abs(dt / step - 1.0) < 0.5]
    step = float(regular.mean()) if regular.size else step
    return _check_rate(1.0 / step, str(p), f"{1.0 / step:.4g} Hz (time steps of {step:.3g} s)")


def _label(name: str, i: int) -> str:
    clean = re.sub(r"[^A-Za-z0-9_]+", "_", name).strip("_")
    return clean or f"ch{i + 1}"
