"""Small XDF files for tests, written from the container spec (github.com/sccn/xdf/wiki/Specifications).

A file is the magic ``XDF:`` and chunks: ``[NumLengthBytes][Length][Tag][Content]`` with Length
counting Tag and Content; tags 1 FileHeader, 2 StreamHeader, 3 Samples, 4 ClockOffset, 5 Boundary,
6 StreamFooter. A Samples chunk is ``[StreamId][NumSamples varlen]`` then per sample
``[TimeStampBytes 0|8][TimeStamp double][values]``; a string value is ``[varlen length][UTF-8]``.
All numbers little-endian. Our own code, so the reader is tested against the spec, not itself.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass, field
from pathlib import Path
from xml.sax.saxutils import escape

import numpy as np

#: the Boundary chunk's fixed UUID (spec: "Boundary Chunk")
BOUNDARY = bytes.fromhex("43A546DCCBF5410FB30ED5467383CBE4")
_DTYPES = {"float32": "<f4", "double64": "<f8", "int16": "<i2", "int32": "<i4", "int64": "<i8", "int8": "<i1"}


def varlen(n: int) -> bytes:
    """A variable-length integer: 1, 4 or 8 bytes, announced by one byte."""
    if n < 256:
        return b"\x01" + bytes([n])
    if n < 2**32:
        return b"\x04" + struct.pack("<I", n)
    return b"\x08" + struct.pack("<Q", n)


def chunk(tag: int, content: bytes) -> bytes:
    body = struct.pack("<H", tag) + content
    return varlen(len(body)) + body


@dataclass
class Stream:
    """One stream: numeric ``samples`` (n, channels) or, for ``channel_format='string'``, a list
    of per-sample lists of strings; ``stamps`` in seconds (LSL clock)."""

    name: str
    type: str
    stamps: np.ndarray
    samples: np.ndarray | list[list[str]]
    nominal_srate: float = 0.0
    channel_format: str = "float32"
    labels: tuple[str, ...] = ()
    units: tuple[str, ...] = ()
    extra_desc: str = ""
    stream_id: int = 1
    source_id: str = "test"

    @property
    def channel_count(self) -> int:
        if self.channel_format == "string":
            return len(self.samples[0]) if len(self.samples) else 1
        return int(np.asarray(self.samples).shape[1])

    def header_xml(self) -> str:
        chans = "".join(
            f"<channel><label>{escape(lb)}</label><unit>{escape(u)}</unit><type>{escape(self.type)}</type></channel>"
            for lb, u in zip(self.labels, self.units or ("microvolts",) * len(self.labels)))
        desc = (f"<channels>{chans}</channels>" if chans else "") + self.extra_desc
        return (f'<?xml version="1.0"?><info><name>{escape(self.name)}</name><type>{escape(self.type)}</type>'
                f"<channel_count>{self.channel_count}</channel_count><nominal_srate>{self.nominal_srate:g}</nominal_srate>"
                f"<channel_format>{self.channel_format}</channel_format><source_id>{self.source_id}</source_id>"
                f"<version>1.1</version><created_at>1000.0</created_at><uid>u{self.stream_id}</uid>"
                f"<session_id>default</session_id><hostname>test</hostname><desc>{desc}</desc></info>")

    def sample_chunks(self, per_chunk: int) -> list[bytes]:
        out = []
        n = len(self.stamps)
        for start in range(0, n, per_chunk):
            stop = min(n, start + per_chunk)
            body = [struct.pack("<I", self.stream_id), varlen(stop - start)]
            for k in range(start, stop):
                body.append(b"\x08" + struct.pack("<d", float(self.stamps[k])))
                if self.channel_format == "string":
                    for value in self.samples[k]:
                        raw = str(value).encode("utf-8")
                        body.append(varlen(len(raw)) + raw)
                else:
                    body.append(np.asarray(self.samples[k], dtype=_DTYPES[self.channel_format]).tobytes())
            out.append(chunk(3, b"".join(body)))
        return out

    def footer_xml(self) -> str:
        first = float(self.stamps[0]) if len(self.stamps) else 0.0
        last = float(self.stamps[-1]) if len(self.stamps) else 0.0
        return (f'<?xml version="1.0"?><info><first_timestamp>{first!r}</first_timestamp>'
                f"<last_timestamp>{last!r}</last_timestamp><sample_count>{len(self.stamps)}</sample_count>"
                "<clock_offsets><offset><time>1000.0</time><value>0.0</value></offset></clock_offsets></info>")


@dataclass
class XdfFile:
    streams: list[Stream] = field(default_factory=list)
    datetime: str = "2026-11-22T11:30:00+0100"
    per_chunk: int = 100

    def to_bytes(self) -> bytes:
        parts = [b"XDF:", chunk(1, (f'<?xml version="1.0"?><info><version>1.0</version>'
                                    f"<datetime>{self.datetime}</datetime></info>").encode())]
        for s in self.streams:
            parts.append(chunk(2, struct.pack("<I", s.stream_id) + s.header_xml().encode()))
        parts.append(chunk(5, BOUNDARY))
        for s in self.streams:
            parts.extend(s.sample_chunks(self.per_chunk))
            for t in (1000.0, 1001.0):  # two clock offsets of 0 s: clocks already agree
                parts.append(chunk(4, struct.pack("<I", s.stream_id) + struct.pack("<dd", t, 0.0)))
        parts.append(chunk(5, BOUNDARY))
        for s in self.streams:
            parts.append(chunk(6, struct.pack("<I", s.stream_id) + s.footer_xml().encode()))
        return b"".join(parts)

    def write(self, path: Path) -> Path:
        path.write_bytes(self.to_bytes())
        return path


def emg_stream(data_uv: np.ndarray, rate: float, labels: tuple[str, ...], t0: float = 1000.0,
               drop: slice | None = None, unit: str = "microvolts", **kw: object) -> Stream:
    """An EMG stream of ``data_uv`` (channels, n) at ``rate``; ``drop``: samples LSL lost."""
    n = data_uv.shape[1]
    stamps = t0 + np.arange(n) / rate
    keep = np.ones(n, dtype=bool)
    if drop is not None:
        keep[drop] = False
    factor = {"microvolts": 1.0, "millivolts": 1e-3, "volts": 1e-6}[unit]
    return Stream(name=str(kw.pop("name", "Delsys EMG")), type=str(kw.pop("type", "EMG")), stamps=stamps[keep],
                  samples=(data_uv.T * factor)[keep], nominal_srate=rate, labels=labels,
                  units=(unit,) * len(labels), **kw)  # type: ignore[arg-type]


def marker_stream(marks: list[tuple[float, str]], stream_id: int = 2, name: str = "Markers") -> Stream:
    return Stream(name=name, type="Markers", stamps=np.array([t for t, _ in marks]),
                  samples=[[m] for _, m in marks], channel_format="string", stream_id=stream_id)
