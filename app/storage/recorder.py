"""Crash-safe streaming CSV recorder.

Rows are written as blocks arrive (never kept in RAM), flushed to the OS after every block and
fsync'd about once a second, so a crash or power cut loses at most the last second and leaves a
valid CSV. A write failure (disk full, USB stick pulled) stops the recording with one sentence and
keeps everything written so far.
"""

from __future__ import annotations

import datetime as _dt
import os
import threading
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from app import __version__
from app.dsp.worker import ProcessedBlock
from app.errors import UserError, os_reason
from app.storage import csvformat as fmt
from app.storage.private import make_private_dir, open_private

#: the closing metadata line of a finished recording
END_KEY = "end"


@dataclass(frozen=True)
class RecordingInfo:
    """Everything the metadata lines say about a recording."""

    labels: tuple[str, ...]
    units: tuple[str, ...]
    sample_rate_hz: float
    device: str
    device_kind: str
    filter_description: str
    envelope_delay_s: float
    thresholds: tuple[float, ...]
    extra: tuple[tuple[str, str], ...] = ()


class CsvRecorder:
    """Writes ``ProcessedBlock``s to a CSV file as they come (a DSP-worker sink)."""

    FSYNC_EVERY_S = 1.0

    def __init__(self, path: str | os.PathLike[str], info: RecordingInfo, start_index: int = 0):
        self.path = Path(path)
        self.info = info
        self._start_index = start_index
        self._lock = threading.Lock()
        self._pending_events: list[tuple[int | None, str]] = []
        self.rows = 0
        self.error: str | None = None
        self.started_at = _dt.datetime.now(_dt.UTC).astimezone()
        try:
            make_private_dir(self.path.parent)
            self._f = open_private(self.path, "w", encoding="utf-8", newline="")
        except OSError as exc:
            raise UserError(f"Cannot write {self.path}: {exc.strerror or exc}.") from None
        self._last_sync = time.monotonic()
        n = len(info.labels)
        d = fmt.time_decimals(info.sample_rate_hz)
        self._fs = info.sample_rate_hz
        self._row_fmt = ",".join([f"%.{d}f"] + ["%.3f"] * (2 * n))
        self._write_preamble()


    @property
    def start_index(self) -> int:
        """The stream sample of the file's first row."""
        return self._start_index
    def _write_preamble(self) -> None:
        i = self.info
        meta: list[tuple[str, str]] = [
            ("format", f"{fmt.FORMAT_NAME} {fmt.FORMAT_VERSION}"),
            ("app_version", f"GluteFire {__version__}"),
            ("start_time", self.started_at.isoformat(timespec="milliseconds")),
            ("device", i.device),
            ("device_kind", i.device_kind),
            ("sample_rate_hz", f"{i.sample_rate_hz:g}"),
            ("channels", ", ".join(i.labels)),
            ("units", ", ".join(i.units)),
            ("filter", i.filter_description),
            ("envelope_delay_ms", f"{i.envelope_delay_s * 1000:.1f}"),
            (
                "threshold",
                ", ".join(
                    f"{lb}={t:g} {u}" for lb, t, u in zip(i.labels, i.thresholds, i.units)
                ),
            ),
            *i.extra,
        ]
        # a value never breaks the line structure (a device named "a\nb" would end the metadata),
        # nor puts a formula in a cell when a spreadsheet splits the line at its commas
        lines = [f"# {k}: {fmt.safe_meta(str(v))}\n" for k, v in meta]
        lines.append(",".join(fmt.header(i.labels, i.units)) + "\n")
        self._write("".join(lines))

    def _write(self, text: str) -> None:
        if self.error is not None:
            return
        try:
            self._f.write(text)
            self._f.flush()
            now = time.monotonic()
            if now - self._last_sync >= self.FSYNC_EVERY_S:
                os.fsync(self._f.fileno())
                self._last_sync = now
        except OSError as exc:
            reason = os_reason(exc)
            self.error = (
                f"Recording stopped because {reason}; {self.rows} samples up to that moment "
                f"are saved in {self.path}."
            )

    def mark(self, text: str, index: int | None = None) -> None:
        """Queue an event (user mark, link lost, ...) for the row at ``index`` (next row if None)."""
        with self._lock:
            self._pending_events.append((index, text))

    def __call__(self, block: ProcessedBlock) -> None:
        self.write(block)

    def write(self, block: ProcessedBlock) -> None:
        n = block.raw.shape[1]
        if n == 0 or self.error is not None:
            return
        start = block.start_index
        events: dict[int, list[str]] = {}
        for c in block.crossings:
            if c.index >= self._start_index:
                word = "above target" if c.rising else "below target"
                events.setdefault(c.index - start, []).append(f"{self.info.labels[c.channel]} {word}")
        with self._lock:  # an event for a sample not yet processed waits for the block holding it
            pending = [e for e in self._pending_events if e[0] is None or e[0] < start + n]
            self._pending_events = [e for e in self._pending_events if not (e[0] is None or e[0] < start + n)]
        for idx, text in pending:
            pos = 0 if idx is None else min(max(idx - start, 0), n - 1)
            events.setdefault(pos, []).append(text)
        t = (start - self._start_index + np.arange(n)) / self._fs
        table = np.column_stack([t, block.raw.T, block.envelope.T])
        gap_rows = np.isnan(table).any(axis=1)
        rowfmt = self._row_fmt
        lines: list[str] = []
        for r in range(n):
            row = table[r]
            if gap_rows[r]:
                line = ",".join("" if np.isnan(v) else f"{v:.3f}" for v in row[1:])
                line = f"{row[0]:.{fmt.time_decimals(self._fs)}f}," + line
            else:
                line = rowfmt % tuple(row)
            ev = events.get(r)
            if ev:
                line += "," + _quote("; ".join(ev))
            else:
                line += ","
            lines.append(line)
        self._write("\n".join(lines) + "\n")
        self.rows += n

    def close(self) -> None:
        """Flush pending events as a last row-less note, fsync and close."""
        with self._lock:
            pending, self._pending_events = self._pending_events, []
        if pending and self.error is None:
            self._write(f"# note: {'; '.join(t for _, t in pending)}\n")
        if self._f.closed:
            return
        if self.error is None:  # the closing line: a file without it was not finished (see recover.py)
            self._write(f"# {END_KEY}: {_dt.datetime.now(_dt.UTC).astimezone().isoformat(timespec='seconds')}, "
                        f"{self.rows} rows\n")
        try:
            self._f.flush()
            os.fsync(self._f.fileno())
        except OSError as exc:
            self.error = self.error or f"Could not finish {self.path}: {exc.strerror or exc}."
        finally:
            try:
                self._f.close()  # closes the file even when its final flush fails
            except OSError:
                pass

    @property
    def duration_s(self) -> float:
        return self.rows / self._fs


def _quote(text: str) -> str:
    """An events cell: one line, never run as a spreadsheet formula (a leading = + - @ gets a
    ' as spreadsheets expect for text; OWASP "CSV injection"), quoted as RFC 4180 asks."""
    text = fmt.safe_text(text)
    if any(c in text for c in ',;"'):  # (a ';' too: spreadsheets in comma-decimal locales split there)
        return '"' + text.replace('"', '""') + '"'
    return text
