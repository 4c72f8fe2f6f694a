"""openpatch: GluteFire's open binary format for DIY EMG patches (full spec: docs/openpatch.md).

None of the commercial formats carries a sequence number, a sample rate and more than 200 Hz at
once, so a maker's ESP32 + MyoWare (or ADS1292/ADS1299) patch gets this one. Every notification
describes itself: a 14-byte little-endian header, then whole sample frames interleaved by sample
(ch0 s0, ch1 s0, ..., ch0 s1, ...). With Data Length Extension and an ATT MTU of 247 a
notification carries up to 244 bytes: 8 channels x int16 = 16 bytes per frame, 14 frames
(238 bytes), so 8 channels at 2000 Hz need 2000 / 14 = 143 notifications per second.

Header (little-endian, 14 bytes)::

    off size field
    0   u8   version            1
    1   u8   flags              bit 0 STREAM_START: first packet after a start command
    2   u16  seq                +1 per packet produced (also for packets the radio had no room for)
    4   u16  sample_rate_hz     1..65535
    6   u8   channels           1..32
    7   u8   sample_format      1 = int16 LE, 2 = int24 LE (3 bytes, two's complement)
    8   f32  uv_per_count       > 0: µV at the electrodes per count
    12  u8   frames             samples per channel in this packet (0 only in the descriptor)
    13  u8   reserved           0

``encode`` is the reference for firmware authors; ``decode`` is its stateless inverse and
``OpenPatchDecoder`` adds sequence-gap accounting (uint16 wrap) on top. The 128-bit UUIDs were
drawn at random for this format (v4 base ``2b95xxxx-592b-4dc7-b758-27c2330dfee7``).
"""

from __future__ import annotations

import math
import struct
from typing import NamedTuple

import numpy as np

from app.devices.protocols.base import Decoded
from app.devices.protocols.errors import MalformedPacket

SERVICE_UUID = "2b950001-592b-4dc7-b758-27c2330dfee7"
DATA_UUID = "2b950002-592b-4dc7-b758-27c2330dfee7"  # notify
CONTROL_UUID = "2b950003-592b-4dc7-b758-27c2330dfee7"  # write (start/stop), read (descriptor)
BATTERY_SERVICE_UUID = "0000180f-0000-1000-8000-00805f9b34fb"
BATTERY_LEVEL_UUID = "00002a19-0000-1000-8000-00805f9b34fb"
NAME_PREFIX = "OpenPatch"

START = b"\x01"
STOP = b"\x00"

VERSION = 1
FLAG_STREAM_START = 0x01
HEADER = struct.Struct("<BBHHBBfBB")
HEADER_SIZE = HEADER.size  # 14
FORMAT_INT16 = 1
FORMAT_INT24 = 2
BYTES_PER_SAMPLE = {FORMAT_INT16: 2, FORMAT_INT24: 3}
FORMAT_NAMES = {FORMAT_INT16: "int16", FORMAT_INT24: "int24"}
SAMPLE_LIMITS = {FORMAT_INT16: (-(1 << 15), (1 << 15) - 1), FORMAT_INT24: (-(1 << 23), (1 << 23) - 1)}
MAX_PAYLOAD = 244  # ATT MTU 247 - 3
MAX_CHANNELS = 32
SEQ_MOD = 1 << 16


class Header(NamedTuple):
    """A parsed openpatch header."""

    version: int
    flags: int
    seq: int
    sample_rate_hz: int
    channels: int
    sample_format: int
    uv_per_count: float
    frames: int

    @property
    def bytes_per_sample(self) -> int:
        return BYTES_PER_SAMPLE[self.sample_format]

    @property
    def stream_start(self) -> bool:
        return bool(self.flags & FLAG_STREAM_START)


def frames_per_packet(n_channels: int, fmt: int = FORMAT_INT16, payload: int = MAX_PAYLOAD) -> int:
    """Most whole frames that fit in one notification of ``payload`` bytes (at most 255)."""
    return min(255, (payload - HEADER_SIZE) // (n_channels * BYTES_PER_SAMPLE[fmt]))


def notifications_per_second(
    n_channels: int, rate_hz: float, fmt: int = FORMAT_INT16, payload: int = MAX_PAYLOAD
) -> float:
    """Notifications a firmware must send per second at full packets."""
    return rate_hz / frames_per_packet(n_channels, fmt, payload)


def _check_config(rate_hz: int, n_ch: int, fmt: int, uv_per_count: float) -> None:
    if fmt not in BYTES_PER_SAMPLE:
        raise ValueError(f"unknown sample format {fmt}")
    if not 1 <= n_ch <= MAX_CHANNELS:
        raise ValueError(f"channel count must be 1-{MAX_CHANNELS}")
    if not 1 <= rate_hz < SEQ_MOD:
        raise ValueError("sample rate must be 1-65535 Hz")
    if not (math.isfinite(uv_per_count) and uv_per_count > 0):
        raise ValueError("uv_per_count must be a positive number")


def encode(
    seq: int,
    counts: np.ndarray,
    rate_hz: int,
    uv_per_count: float,
    fmt: int = FORMAT_INT16,
    flags: int = 0,
    *,
    max_payload: int = MAX_PAYLOAD,
) -> bytes:
    """One notification for integer ``counts`` (channels, frames) — the reference for firmware.

    ``seq`` is taken modulo 65536. Raises ValueError for anything a firmware must not send
    (values out of the format's range, too many frames for ``max_payload``).
    """
    c = np.asarray(counts)
    if c.ndim != 2 or c.shape[1] < 1:
        raise ValueError("counts must be (channels, frames) with at least one frame")
    n_ch, frames = c.shape
    _check_config(rate_hz, n_ch, fmt, uv_per_count)
    if not np.issubdtype(c.dtype, np.integer):
        raise ValueError("counts must be integers")
    lo, hi = SAMPLE_LIMITS[fmt]
    if c.min() < lo or c.max() > hi:
        raise ValueError(f"counts outside the {FORMAT_NAMES[fmt]} range")
    width = BYTES_PER_SAMPLE[fmt]
    if frames > 255 or HEADER_SIZE + n_ch * frames * width > max_payload:
        raise ValueError(f"{frames} frames of {n_ch} x {width} bytes do not fit in {max_payload} bytes")
    head = HEADER.pack(VERSION, flags & 0xFF, seq % SEQ_MOD, rate_hz, n_ch, fmt, uv_per_count, frames, 0)
    inter = np.ascontiguousarray(c.T, dtype="<i4")  # frame-major: ch0 s0, ch1 s0, ...
    if fmt == FORMAT_INT16:
        body = inter.astype("<i2").tobytes()
    else:
        body = inter.view(np.uint8).reshape(-1, 4)[:, :3].tobytes()  # low 3 bytes, little-endian
    return head + body


def encode_descriptor(rate_hz: int, n_channels: int, uv_per_count: float, fmt: int = FORMAT_INT16) -> bytes:
    """The 14-byte header with 0 frames a firmware returns when the control characteristic is read."""
    _check_config(rate_hz, n_channels, fmt, uv_per_count)
    return HEADER.pack(VERSION, 0, 0, rate_hz, n_channels, fmt, uv_per_count, 0, 0)


def parse_header(payload: bytes) -> Header:
    """The header of a notification or descriptor; MalformedPacket if it cannot be one."""
    if len(payload) < HEADER_SIZE:
        raise MalformedPacket(f"openpatch packet has {len(payload)} bytes, fewer than the {HEADER_SIZE}-byte header.")
    version, flags, seq, rate, n_ch, fmt, scale, frames, _reserved = HEADER.unpack_from(payload)
    if version != VERSION:
        raise MalformedPacket(f"openpatch format version {version} is not supported (expected {VERSION}).")
    if not 1 <= n_ch <= MAX_CHANNELS:
        raise MalformedPacket(f"openpatch channel count {n_ch} is outside 1-{MAX_CHANNELS}.")
    if fmt not in BYTES_PER_SAMPLE:
        raise MalformedPacket(f"openpatch sample format {fmt} is unknown.")
    if rate == 0:
        raise MalformedPacket("openpatch header gives a sample rate of 0 Hz.")
    if not (math.isfinite(scale) and scale > 0):
        raise MalformedPacket("openpatch header gives no positive µV-per-count scale.")
    return Header(version, flags, seq, rate, n_ch, fmt, scale, frames)


def decode(payload: bytes) -> tuple[Header, np.ndarray]:
    """Stateless decode: the header and the samples in µV, float64 (channels, frames)."""
    h = parse_header(payload)
    width = BYTES_PER_SAMPLE[h.sample_format]
    n = h.channels * h.frames
    if h.frames == 0:
        raise MalformedPacket("openpatch data packet carries 0 frames.")
    if len(payload) != HEADER_SIZE + n * width:
        raise MalformedPacket(
            f"openpatch packet has {len(payload)} bytes but its header announces {HEADER_SIZE + n * width}."
        )
    if width == 2:
        flat = np.frombuffer(payload, dtype="<i2", count=n, offset=HEADER_SIZE)
    else:
        b = np.frombuffer(payload, dtype=np.uint8, count=3 * n, offset=HEADER_SIZE).reshape(n, 3)
        top = b[:, 2].view(np.int8).astype(np.int32) << 16  # signed top byte sign-extends
        flat = b[:, 0].astype(np.int32) | (b[:, 1].astype(np.int32) << 8) | top
    samples = np.multiply(flat.reshape(h.frames, h.channels).T, h.uv_per_count, order="C", dtype=np.float64)
    return h, samples


#: a packet at most this many behind the expected one is a duplicate or a late one, not a restart
LATE_WINDOW = 16


class OpenPatchDecoder:
    """Decodes notifications and counts sequence gaps (uint16 wrap) as lost packets and samples.

    The stream's configuration (channels, rate, format, scale) is fixed by ``configure`` (the
    control characteristic's descriptor) or by the first packet; a packet that differs is
    malformed. A STREAM_START packet restarts gap counting. A sequence number that jumps back by
    up to half the range is taken as an unannounced restart (counted in ``resyncs``), not a loss.
    """

    unit = "uV"

    def __init__(self) -> None:
        self._expected: int | None = None
        self.n_channels: int | None = None
        self.sample_rate_hz: float | None = None
        self.uv_per_count: float | None = None
        self.sample_format: int | None = None
        self.packets = 0
        self.resyncs = 0
        self.late = 0  # duplicated or overtaken packets, dropped

    def configure(self, descriptor: bytes) -> Header:
        """Adopt the configuration a firmware returns when the control characteristic is read."""
        h = parse_header(descriptor)
        self._adopt(h)
        return h

    def _adopt(self, h: Header) -> None:
        self.n_channels, self.sample_rate_hz = h.channels, float(h.sample_rate_hz)
        self.uv_per_count, self.sample_format = h.uv_per_count, h.sample_format

    def feed(self, payload: bytes) -> Decoded:
        """Decode one notification from the data characteristic."""
        h, samples = decode(payload)
        if self.n_channels is None:
            self._adopt(h)
        elif (h.channels, float(h.sample_rate_hz), h.sample_format, h.uv_per_count) != (
            self.n_channels,
            self.sample_rate_hz,
            self.sample_format,
            self.uv_per_count,
        ):
            raise MalformedPacket("openpatch channel count, rate, format or scale changed mid-stream.")
        lost = 0
        if self._expected is not None and not h.flags & FLAG_STREAM_START:
            lost = (h.seq - self._expected) % SEQ_MOD
            behind = SEQ_MOD - lost
            if lost >= SEQ_MOD // 2 and behind <= LATE_WINDOW:
                # a packet sent again or overtaken (its place was already counted as lost): its
                # samples would be a copy or out of time order, so they are dropped and counted
                self.late += 1
                return Decoded(np.zeros((h.channels, 0)), 0, 0, h.seq)
            if lost >= SEQ_MOD // 2:
                self.resyncs += 1
                lost = 0
        self._expected = (h.seq + 1) % SEQ_MOD
        self.packets += 1
        return Decoded(samples, lost * h.frames, lost, h.seq)

