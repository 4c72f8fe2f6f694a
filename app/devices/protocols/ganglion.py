"""OpenBCI Ganglion (4 channels, 200 Hz, 20-byte notifications, ~100 per second).

Sources: OpenBCI Documentation ``Ganglion/08-Ganglion_Data_Format.md``; BrainFlow
``src/board_controller/openbci/ganglion_native.cpp`` (firmware selection from Software Revision
0x2A28, decode rules); OpenBCI_Ganglion_Library ``compressData19`` (firmware 3 encoder);
OpenBCI_NodeJS_Ganglion tests (firmware 2 bit order).

Two incompatible encodings exist:

- Firmware 3.x: packet ids 100-199 carry 8 fields of 19 bits (ids 0-99: 18 bits): 2 samples x 4
  channels, MSB-first. Each field holds sample bits 23..5 (23..6) with its least significant bit
  replaced by the sign. Decode as two's complement, minus 1 if negative, shifted left 5 (6) — so
  the low 5 (6) bits are lost (quantisation of 32 (64) counts = 0.06 (0.12) µV).
- Firmware 2.x: id 0 carries one raw sample (4 x int24 big-endian); ids 1-100 carry 18-bit and
  101-200 19-bit deltas, with the sign in the least significant bit; ``new = last - delta``.

Ids 201-205 are impedance reports (ASCII ending in 'Z'), 206/207 text: counted, not samples.
Scale: 15686 µV / 8388607 counts (MCP3912, gain 51 x 1.5).
"""

from __future__ import annotations

import numpy as np

from app.devices.protocols.base import Decoded, seq_gap
from app.devices.protocols.errors import MalformedPacket

SERVICE_UUID = "0000fe84-0000-1000-8000-00805f9b34fb"
NOTIFY_UUID = "2d30c082-f39f-4ce6-923f-3484ea480596"
WRITE_UUID = "2d30c083-f39f-4ce6-923f-3484ea480596"
DISCONNECT_UUID = "2d30c084-f39f-4ce6-923f-3484ea480596"
SOFTWARE_REVISION_UUID = "00002a28-0000-1000-8000-00805f9b34fb"
START = b"b"
STOP = b"s"
SAMPLE_RATE_HZ = 200.0
N_CHANNELS = 4
UV_PER_COUNT = 15686.0 / 8388607.0


def firmware_from_revision(text: str) -> int:
    """Major firmware version from the Software Revision string ('3.1.1' -> 3; unknown -> 2)."""
    digits = "".join(c if c.isdigit() or c == "." else " " for c in text).split()
    for d in digits:
        major = d.split(".")[0]
        if major:
            return 3 if int(major) >= 3 else 2
    return 2


def unpack_fields(payload: bytes, bits: int, count: int = 8) -> list[int]:
    """``count`` unsigned fields of ``bits`` bits, MSB-first, from ``payload``."""
    value = int.from_bytes(payload, "big")
    total = len(payload) * 8
    out = []
    for k in range(count):
        shift = total - (k + 1) * bits
        out.append((value >> shift) & ((1 << bits) - 1))
    return out


class GanglionDecoder:
    """Stateful decoder (firmware 2 keeps the last sample for its deltas)."""

    def __init__(self, firmware: int = 3) -> None:
        if firmware not in (2, 3):
            raise ValueError("Ganglion firmware must be 2 or 3")
        self.firmware = firmware
        self._expected: int | None = None
        self._last = np.zeros(N_CHANNELS, dtype=np.int64)
        self.non_sample_packets = 0

    def _empty(self, seq: int) -> Decoded:
        return Decoded(np.zeros((N_CHANNELS, 0)), seq=seq)

    def feed(self, payload: bytes) -> Decoded:
        if len(payload) < 1:
            raise MalformedPacket("Empty Ganglion notification.")
        pid = payload[0]
        body = payload[1:]
        if pid >= 201:
            self.non_sample_packets += 1
            return self._empty(pid)
        if self.firmware == 3:
            return self._fw3(pid, body)
        return self._fw2(pid, body)

    def _count_loss(self, pid: int, base: int, period: int) -> tuple[int, int]:
        """Lost packets/samples from the id sequence, which cycles base..base+period-1."""
        idx = pid - base
        lost = seq_gap(idx, self._expected, period)
        self._expected = (idx + 1) % period
        return lost, lost * 2

    def _fw3(self, pid: int, body: bytes) -> Decoded:
        if pid >= 200:
            raise MalformedPacket(f"Ganglion packet id {pid} is not a firmware-3 sample packet.")
        bits, shift = (19, 5) if pid >= 100 else (18, 6)
        need = (8 * bits + 7) // 8
        if len(body) < need:
            raise MalformedPacket(f"Ganglion packet {pid} has {len(body)} data bytes; {need} expected.")
        fields = unpack_fields(body[:need], bits)
        vals = []
        for f in fields:
            v = f - (1 << bits) if f & (1 << (bits - 1)) else f
            if v < 0:
                v -= 1
            vals.append(v << shift)
        lost_p, lost_s = self._count_loss(pid, 100 if pid >= 100 else 0, 100)
        counts = np.array(vals, dtype=np.float64).reshape(2, N_CHANNELS).T
        return Decoded(counts * UV_PER_COUNT, lost_s, lost_p, pid)

    def _fw2(self, pid: int, body: bytes) -> Decoded:
        if pid == 0:
            if len(body) < 12:
                raise MalformedPacket("Ganglion raw packet shorter than 12 data bytes.")
            raw = [int.from_bytes(body[3 * i : 3 * i + 3], "big", signed=True) for i in range(4)]
            self._last = np.array(raw, dtype=np.int64)
            self._expected = 1
            return Decoded(self._last[:, None].astype(np.float64) * UV_PER_COUNT, seq=pid)
        bits = 18 if pid <= 100 else 19
        need = (8 * bits + 7) // 8
        if len(body) < need:
            raise MalformedPacket(f"Ganglion packet {pid} has {len(body)} data bytes; {need} expected.")
        fields = unpack_fields(body[:need], bits)
        deltas = [f - (1 << bits) if f & 1 else f for f in fields]  # sign in the LSB
        lost_p = seq_gap(pid, self._expected, 201) if self._expected is not None else 0
        self._expected = pid + 1 if pid < 200 else 1
        out = np.empty((N_CHANNELS, 2))
        for s in range(2):
            self._last = self._last - np.array(deltas[4 * s : 4 * s + 4], dtype=np.int64)
            out[:, s] = self._last
        return Decoded(out * UV_PER_COUNT, lost_p * 2, lost_p, pid)
