"""openpatch: GluteFire's open binary format for DIY EMG patches (spec: docs/openpatch.md).

Every notification is self-describing: a 12-byte little-endian header (format version, flags,
uint16 sequence number, channel count, sample format, uint16 sample rate, float32 µV per count)
followed by whole sample frames, interleaved by sample (ch0 s0, ch1 s0, ..., ch0 s1, ...), as
many as fit in the notification (up to 244 bytes with Data Length Extension: 14 frames of
8 x int16, so 8 channels x 2000 Hz needs ~143 notifications/s).
"""

from __future__ import annotations

import struct

import numpy as np

from app.devices.protocols.base import Decoded, seq_gap
from app.devices.protocols.errors import MalformedPacket

SERVICE_UUID = "6f70656e-7061-7463-6800-00000000e000"
DATA_UUID = "6f70656e-7061-7463-6800-00000000e001"
CONTROL_UUID = "6f70656e-7061-7463-6800-00000000e002"
START = b"\x01"
STOP = b"\x00"
VERSION = 1
HEADER = struct.Struct("<BBHBBHf")  # version, flags, seq, channels, format, rate_hz, uv_per_count
HEADER_SIZE = HEADER.size  # 12
FORMAT_INT16 = 1
FORMAT_INT24 = 2
BYTES_PER_SAMPLE = {FORMAT_INT16: 2, FORMAT_INT24: 3}
MAX_PAYLOAD = 244
MAX_CHANNELS = 16


def frames_per_packet(n_channels: int, fmt: int = FORMAT_INT16, payload: int = MAX_PAYLOAD) -> int:
    return (payload - HEADER_SIZE) // (n_channels * BYTES_PER_SAMPLE[fmt])


def encode(
    seq: int,
    counts: np.ndarray,
    rate_hz: int,
    uv_per_count: float,
    fmt: int = FORMAT_INT16,
    flags: int = 0,
) -> bytes:
    """One notification for ``counts`` (channels, frames) of integers — the firmware reference."""
    counts = np.asarray(counts)
    n_ch, n = counts.shape
    width = BYTES_PER_SAMPLE[fmt]
    if HEADER_SIZE + n_ch * n * width > MAX_PAYLOAD:
        raise ValueError("too many frames for one 244-byte notification")
    head = HEADER.pack(VERSION, flags, seq & 0xFFFF, n_ch, fmt, rate_hz, uv_per_count)
    inter = counts.T.astype(np.int64).ravel()  # frame-major
    if fmt == FORMAT_INT16:
        body = inter.astype("<i2").tobytes()
    else:
        u = (inter & 0xFFFFFF).astype("<u4").view(np.uint8).reshape(-1, 4)[:, :3]
        body = u.tobytes()
    return head + body


class OpenPatchDecoder:
    """Decodes notifications; counts sequence gaps (uint16 wrap) as lost packets and samples."""

    def __init__(self) -> None:
        self._expected: int | None = None
        self.n_channels: int | None = None
        self.sample_rate_hz: float | None = None
        self.uv_per_count: float | None = None

    def feed(self, payload: bytes) -> Decoded:
        if len(payload) < HEADER_SIZE:
            raise MalformedPacket(f"openpatch notification has {len(payload)} bytes; the header alone is {HEADER_SIZE}.")
        version, _flags, seq, n_ch, fmt, rate, scale = HEADER.unpack_from(payload)
        if version != VERSION:
            raise MalformedPacket(f"openpatch format version {version} is not supported (this is version {VERSION}).")
        if not 1 <= n_ch <= MAX_CHANNELS:
            raise MalformedPacket(f"openpatch channel count {n_ch} is outside 1-{MAX_CHANNELS}.")
        if fmt not in BYTES_PER_SAMPLE:
            raise MalformedPacket(f"openpatch sample format {fmt} is unknown.")
        if rate == 0 or not np.isfinite(scale) or scale <= 0:
            raise MalformedPacket("openpatch header has a zero rate or an invalid scale.")
        width = BYTES_PER_SAMPLE[fmt]
        body = memoryview(payload)[HEADER_SIZE:]
        if len(body) % (n_ch * width):
            raise MalformedPacket(f"openpatch payload of {len(body)} bytes is not whole frames of {n_ch} x {width} bytes.")
        if self.n_channels is None:
            self.n_channels, self.sample_rate_hz, self.uv_per_count = n_ch, float(rate), float(scale)
        elif n_ch != self.n_channels or rate != self.sample_rate_hz:
            raise MalformedPacket("openpatch channel count or rate changed mid-stream.")
        n = len(body) // (n_ch * width)
        if fmt == FORMAT_INT16:
            flat = np.frombuffer(body, dtype="<i2").astype(np.float64)
        else:
            b = np.frombuffer(body, dtype=np.uint8).reshape(-1, 3).astype(np.int32)
            v = b[:, 0] | (b[:, 1] << 8) | (b[:, 2] << 16)
            flat = np.where(v & 0x800000, v - 0x1000000, v).astype(np.float64)
        samples = flat.reshape(n, n_ch).T * scale
        lost = seq_gap(seq, self._expected, 0x10000)
        self._expected = (seq + 1) & 0xFFFF
        return Decoded(samples, lost * n, lost, seq)
