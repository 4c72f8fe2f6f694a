"""Test-side encoders: what each real device would send for given integer samples.

Written from the same sources as the decoders (docs cited there); used by the fake BlueZ
peripherals and by the decoder round-trip tests.
"""

from __future__ import annotations

import numpy as np

from app.devices.protocols import openpatch


def _pack_fields(fields: list[int], bits: int) -> bytes:
    value = 0
    for f in fields:
        value = (value << bits) | (f & ((1 << bits) - 1))
    n_bytes = (len(fields) * bits + 7) // 8
    pad = n_bytes * 8 - len(fields) * bits
    return (value << pad).to_bytes(n_bytes, "big")


def ganglion_fw3_packets(counts: np.ndarray, first_id: int = 100, bits: int = 19) -> list[bytes]:
    """Firmware 3: 2 samples x 4 channels per packet; field = sample >> shift, LSB := sign."""
    shift = 5 if bits == 19 else 6
    base = 100 if bits == 19 else 0
    out = []
    pid = first_id
    for s in range(0, counts.shape[1] - 1, 2):
        fields = []
        for k in (s, s + 1):
            for ch in range(4):
                v = int(counts[ch, k])
                f = v >> shift
                f = (f & ~1) | (1 if v < 0 else 0)
                fields.append(f)
        out.append(bytes([pid]) + _pack_fields(fields, bits))
        pid = base + (pid - base + 1) % 100
    return out


def ganglion_fw2_packets(counts: np.ndarray) -> list[bytes]:
    """Firmware 2: id 0 raw int24 BE, then 19-bit deltas (sign in LSB), new = last - delta."""
    out = [bytes([0]) + b"".join(int(v).to_bytes(3, "big", signed=True) for v in counts[:, 0]) + bytes(7)]
    last = counts[:, 0].astype(np.int64)
    pid = 101
    for s in range(1, counts.shape[1] - 1, 2):
        fields = []
        for k in (s, s + 1):
            delta = last - counts[:, k].astype(np.int64)
            for d in delta:
                d = int(d)
                if d < 0:
                    f = (d + (1 << 19)) | 1  # two's complement, odd marks negative
                    if (f - (1 << 19)) != d:
                        raise ValueError("fw2 delta must be odd when negative and even when positive")
                else:
                    if d & 1:
                        raise ValueError("fw2 delta must be even when positive")
                    f = d
                fields.append(f)
            last = counts[:, k].astype(np.int64)
        out.append(bytes([pid]) + _pack_fields(fields, 19))
        pid = pid + 1 if pid < 200 else 101
    return out


def myo_packets(counts: np.ndarray) -> list[tuple[int, bytes]]:
    """(characteristic index, 16 bytes) round-robin over the four EMG characteristics."""
    out = []
    for j, s in enumerate(range(0, counts.shape[1] - 1, 2)):
        block = counts[:, s : s + 2].T.astype(np.int8)
        out.append((j % 4, block.tobytes()))
    return out


def myoware_payloads(values: np.ndarray) -> list[bytes]:
    """One ASCII notification per value ('512.00'), or 'ENV,RAW\\n' for 2 channels."""
    values = np.atleast_2d(values)
    if values.shape[0] == 1:
        return [f"{v:.2f}".encode() for v in values[0]]
    return [f"{e:.0f},{r:.0f}\n".encode() for e, r in values.T]


def openpatch_packets(counts: np.ndarray, rate_hz: int, uv_per_count: float, fmt: int = openpatch.FORMAT_INT16, first_seq: int = 0) -> list[bytes]:
    per = openpatch.frames_per_packet(counts.shape[0], fmt)
    return [
        openpatch.encode(first_seq + j, counts[:, s : s + per], rate_hz, uv_per_count, fmt)
        for j, s in enumerate(range(0, counts.shape[1], per))
    ]
