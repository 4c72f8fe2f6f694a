"""XDF files (what LabRecorder writes next to every LSL stream) read as recordings, with pyxdf.

XDF (github.com/sccn/xdf/wiki/Specifications) holds several streams, each with its own clock,
rate and XML header. A recording here is one EMG stream: the stream of type ``EMG`` (the LSL
meta-data convention, github.com/sccn/xdf/wiki/EMG-Meta-Data), or the file's only numeric stream.
Several EMG streams: an envelope stream (its name says "env") is passed over for the raw one;
still several, or none, is one sentence. Every string stream (``Markers``) becomes events, on the
EMG stream's time axis (pyxdf synchronises the clocks with the file's clock offsets).

With a nominal rate the (dejittered) time stamps place each sample on the rate's grid, so samples
LSL lost for 50 ms or more become NaN gaps (as our CSV's empty rows) with a ``gap`` event; an
irregular stream (nominal rate 0) gets its rate from its time stamps and is read sample after
sample.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import numpy as np

from app.errors import UserError
from app.storage.channels import label_from_foreign, microvolt_factor, our_unit, unique
from app.storage.reader import MAX_RATE_HZ, MIN_RATE_HZ, Recording

MAGIC = b"XDF:"
#: pyxdf fits one straight clock line through each run of samples (dejittering); a step in the
#: time stamps longer than this many seconds (or samples) starts a new run, so a loss that long
#: shows as a gap. Its default (1 s or 500 samples) would spread a shorter loss over its run.
BREAK_S, BREAK_SAMPLES = 0.05, 5
#: a stream longer than this many times its sample count, once placed on its rate's grid, has
#: time stamps that do not fit its rate (a clock reset): it is read sample after sample instead
_GRID_SLACK = 2.0


class _Collect(logging.Handler):
    """pyxdf's log lines (a cut-off file, a corrupt chunk) kept as words for ``import_note``."""

    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(record.getMessage())


def _load(p: Path) -> tuple[list[dict[str, Any]], dict[str, Any], list[str]]:
    """pyxdf's streams, the file header, and what it logged (never printed: its tracebacks are not ours to show)."""
    import pyxdf

    log = logging.getLogger("pyxdf")
    handler = _Collect()
    saved = log.propagate
    log.addHandler(handler)
    log.propagate = False
    try:
        streams, header = pyxdf.load_xdf(str(p), jitter_break_threshold_seconds=BREAK_S,
                                         jitter_break_threshold_samples=BREAK_SAMPLES)
    except Exception as exc:  # pyxdf raises bare Exception, OSError, EOFError, RuntimeError, ParseError...
        raise UserError(f"{p} is not a readable XDF file ({type(exc).__name__}: {exc}).") from None
    finally:
        log.removeHandler(handler)
        log.propagate = saved
    return streams, header if isinstance(header, dict) else {}, handler.lines


def _first(info: dict[str, Any], key: str, default: str = "") -> str:
    value = info.get(key)
    if isinstance(value, list) and value and isinstance(value[0], str):
        return value[0]
    return default


def _describe(s: dict[str, Any]) -> str:
    info = s["info"]
    return f"{_first(info, 'name', '?')!r} (type {_first(info, 'type', 'none')})"


def _numeric(s: dict[str, Any]) -> bool:
    return _first(s["info"], "channel_format") != "string" and len(s["time_stamps"]) > 0


def _pick(p: Path, streams: list[dict[str, Any]]) -> tuple[dict[str, Any], str | None]:
    """The EMG stream, and a note on how it was chosen (None: it is the one EMG stream)."""
    numeric = [s for s in streams if _numeric(s)]
    emg = [s for s in numeric if _first(s["info"], "type").strip().lower() == "emg"]
    if len(emg) == 1:
        return emg[0], None
    if len(emg) > 1:
        raw = [s for s in emg if "env" not in _first(s["info"], "name").lower()]
        if len(raw) == 1:
            return raw[0], f"read the EMG stream {_describe(raw[0])}, not the envelope stream(s)"
        names = ", ".join(_describe(s) for s in emg)
        raise UserError(f"{p} has {len(emg)} EMG streams ({names}); GluteFire reads one recording at a time, so "
                        "save each device's stream in its own file.")
    if len(numeric) == 1:
        return numeric[0], f"read {_describe(numeric[0])} as EMG: it is the file's only numeric stream"
    kinds = ", ".join(_describe(s) for s in streams) or "none"
    raise UserError(f"{p} has no EMG stream (its streams: {kinds}); GluteFire reads a stream of type EMG.")


def _channel_info(info: dict[str, Any], n: int) -> tuple[list[str], list[str]]:
    """Labels and units from ``desc/channels/channel`` (ch1.. and microvolts where not said)."""
    labels, units = [f"ch{i + 1}" for i in range(n)], ["microvolts"] * n
    try:
        channels = info["desc"][0]["channels"][0]["channel"]
    except (KeyError, IndexError, TypeError):
        return labels, units
    for i, ch in enumerate(channels[:n]):
        if isinstance(ch, dict):
            labels[i] = _first(ch, "label", labels[i]) or labels[i]
            units[i] = _first(ch, "unit", units[i]) or units[i]
    return labels, units


def _rate(p: Path, info: dict[str, Any], stamps: np.ndarray, given: float | None) -> tuple[float, bool]:
    """The rate, and whether it is nominal (samples can be placed on its grid)."""
    try:
        nominal = float(_first(info, "nominal_srate", "0"))
    except ValueError:
        nominal = 0.0
    if given:
        rate, on_grid = given, False
    elif nominal > 0:
        rate, on_grid = nominal, True
    elif stamps.size >= 2 and stamps[-1] > stamps[0]:
        rate, on_grid = (stamps.size - 1) / float(stamps[-1] - stamps[0]), False
    else:
        raise UserError(f"{p}: the EMG stream has no nominal rate and too few time stamps to tell one; give the rate "
                        "with --rate HZ.")
    if not MIN_RATE_HZ <= rate <= MAX_RATE_HZ:
        raise UserError(f"The sample rate in {p} is {rate:.4g} Hz; a surface-EMG recording has {MIN_RATE_HZ:g} to "
                        f"{MAX_RATE_HZ:g} Hz.")
    return rate, on_grid


def _on_grid(values: np.ndarray, stamps: np.ndarray, rate: float) -> tuple[np.ndarray, list[tuple[float, str]]]:
    """(channels, n) with NaN where no sample came, and a ``gap`` event at each."""
    idx = np.round((stamps - stamps[0]) * rate).astype(np.int64)
    n = int(idx[-1]) + 1
    if np.any(np.diff(idx) <= 0) or n > _GRID_SLACK * idx.size + rate:
        return values.T.copy(), []
    data = np.full((values.shape[1], n), np.nan)
    data[:, idx] = values.T
    events = []
    for at in np.flatnonzero(np.diff(idx) > 1):
        missing = int(idx[at + 1] - idx[at] - 1)
        events.append((float(idx[at] + 1) / rate, f"gap: {missing} samples missing"))
    return data, events


def read(p: Path, rate: float | None = None) -> Recording:
    """The file's EMG stream as a recording in µV, its marker streams as events."""
    streams, header, logged = _load(p)
    stream, how = _pick(p, streams)
    info = stream["info"]
    stamps = np.asarray(stream["time_stamps"], dtype=np.float64)
    values = np.asarray(stream["time_series"], dtype=np.float64)
    if values.ndim != 2 or values.shape[0] != stamps.size or values.shape[1] == 0:
        raise UserError(f"{p}: the stream {_describe(stream)} holds no channel values.")
    fs, grid = _rate(p, info, stamps, rate)
    names, unit_words = _channel_info(info, values.shape[1])
    kept = [i for i, u in enumerate(unit_words) if microvolt_factor(u) is not None]
    if not kept:
        raise UserError(f"{p}: no channel of {_describe(stream)} is in volts (units: {', '.join(set(unit_words))}).")
    data, events = _on_grid(values, stamps, fs) if grid else (values.T.copy(), [])
    data = data[kept] * np.array([[microvolt_factor(unit_words[i]) or 1.0] for i in kept])
    t0 = float(stamps[0])
    markers = [s for s in streams if _first(s["info"], "channel_format") == "string"]
    outside = 0
    for s in markers:
        prefix = f"{_first(s['info'], 'name')}: " if len(markers) > 1 else ""
        for t, sample in zip(s["time_stamps"], s["time_series"]):
            at = float(t) - t0
            if not 0.0 <= at <= data.shape[1] / fs:
                outside += 1
                continue
            events.extend((at, f"{prefix}{v}") for v in sample if v)
    events.sort(key=lambda e: e[0])
    meta = {"format": "XDF", "device": _first(info, "name"), "stream_type": _first(info, "type")}
    file_info = header.get("info")
    written = _first(file_info, "datetime") if isinstance(file_info, dict) else ""
    if written:
        meta["file_datetime"] = written  # when LabRecorder started the file (not the first sample's time)
    created = _first(info, "created_at")
    if created:
        meta["lsl_created_at"] = created
    notes = [how] if how else []
    if len(kept) < values.shape[1]:
        left = [names[i] for i in range(values.shape[1]) if i not in kept]
        notes.append(f"left out {len(left)} channel(s) not in volts: {', '.join(left)}")
    if outside:
        notes.append(f"{outside} marker(s) outside the EMG stream's time were left out")
    notes += logged[:3]
    if notes:
        meta["import_note"] = "; ".join(notes)
    labels = unique([label_from_foreign(names[i], i) for i in kept])
    return Recording(data=data, sample_rate_hz=float(fs), labels=labels,
                     units=tuple(our_unit(unit_words[i]) for i in kept), metadata=meta, events=events, path=p)
