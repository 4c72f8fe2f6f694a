"""Test-side encoders: the bytes each real device would send for given integer samples.

Written from the firmware sources cited in ``app/devices/protocols`` (OpenBCI_Ganglion_Library
3.0.2 / 2.0.1, myohw.h, the MyoWare library's BLE examples), so the fake BlueZ peripherals send
what hardware sends, and the decoders are tested against an independent implementation of the
sending side. openpatch uses the product encoder, which is its reference.

Every function takes integer samples shaped (channels, n) and returns notification payloads in
sending order. Device encoders leave out samples that do not fill a last packet, as the
firmware would hold them back; openpatch sends them in a shorter last packet.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from app.devices.protocols import openpatch

INT24_MIN, INT24_MAX = -(1 << 23), (1 << 23) - 1


def _pack_fields(fields: Sequence[int], bits: int, n_bytes: int) -> bytes:
    """Unsigned fields MSB-first, zero-padded at the end to ``n_bytes``."""
    value = 0
    for f in fields:
        value = (value << bits) | (f & ((1 << bits) - 1))
    return (value << (n_bytes * 8 - len(fields) * bits)).to_bytes(n_bytes, "big")


def _int_matrix(samples: np.ndarray, rows: int, lo: int, hi: int, what: str) -> np.ndarray:
    a = np.asarray(samples)
    if a.ndim != 2 or a.shape[0] != rows:
        raise ValueError(f"{what} samples must be shaped ({rows}, n)")
    if not np.issubdtype(a.dtype, np.integer):
        raise ValueError(f"{what} samples must be integers")
    if a.size and (a.min() < lo or a.max() > hi):
        raise ValueError(f"{what} samples outside {lo}..{hi}")
    return a.astype(np.int64)


def _fw3_schedule(n: int, first_id: int, wrap_drop: bool) -> list[tuple[int, int]]:
    """(packet id, index of its first sample) for n samples, as ``processData`` sends them."""
    if not 0 <= first_id <= 199:
        raise ValueError("firmware 3 packet ids are 0-199")
    base = 100 if first_id >= 100 else 0
    pos, s, out = first_id - base, 0, []
    while s + 1 < n:
        out.append((base + pos, s))
        s += 2
        pos += 1
        if pos == 100:
            pos = 0
            if wrap_drop:
                s += 1  # sample 200 of the cycle: packed, never sent
    return out


def ganglion_fw3_sent_indices(n: int, first_id: int = 100, *, wrap_drop: bool = True) -> np.ndarray:
    """Indices of the n input samples that ``ganglion_fw3_packets`` sends (the rest are dropped)."""
    return np.array([k for _, s in _fw3_schedule(n, first_id, wrap_drop) for k in (s, s + 1)], dtype=np.int64)


def ganglion_fw3_packets(samples_counts: np.ndarray, first_id: int = 100, *, wrap_drop: bool = True) -> list[bytes]:
    """Firmware 3 packets: ids ``first_id``.. wrapping 199 -> 100 (19-bit) or 99 -> 0 (18-bit).

    As ``compressData19``/``compressData18``: each field is ``sample >> 5`` (``>> 6``) with bit
    0 overwritten by the sign, 2 samples x 4 channels per packet, MSB-first; 18-bit packets end
    with an accelerometer byte (0 here). With ``wrap_drop`` one sample is skipped at every id wrap,
    as ``processData`` does with sample 200 of each cycle (``ganglion_fw3_sent_indices`` tells
    which samples went out).
    """
    counts = _int_matrix(samples_counts, 4, INT24_MIN, INT24_MAX, "Ganglion")
    bits, shift = (19, 5) if first_id >= 100 else (18, 6)
    out: list[bytes] = []
    for pid, s in _fw3_schedule(counts.shape[1], first_id, wrap_drop):
        fields = []
        for k in (s, s + 1):
            for v in counts[:, k].tolist():
                fields.append(((v >> shift) & ~1) | (1 if v < 0 else 0))
        body = _pack_fields(fields, 19, 19) if bits == 19 else _pack_fields(fields, 18, 18) + b"\x00"
        out.append(bytes([pid]) + body)
    return out


def ganglion_fw2_packets(samples_counts: np.ndarray, *, bits: int = 19) -> list[bytes]:
    """Firmware 2 packets: id 0 (one raw sample, int24 BE, padded 'A'-'G'), then 100 delta
    packets with ids 101-200 (19-bit) or 1-100 (18-bit), then id 0 again — 201 samples a cycle.

    As ``compressData19`` of firmware 2.0.1: ``delta = previous - new`` with bit 0 overwritten by
    the sign, so a delta is exact when even and positive or odd and negative and off by one
    otherwise. Raises ValueError when a delta does not fit in ``bits``.
    """
    if bits not in (18, 19):
        raise ValueError("firmware 2 deltas are 18 or 19 bits")
    counts = _int_matrix(samples_counts, 4, INT24_MIN, INT24_MAX, "Ganglion")
    base = 100 if bits == 19 else 0
    limit = 1 << (bits - 1)
    n_bytes = 19 if bits == 19 else 18
    out: list[bytes] = []
    s, n = 0, counts.shape[1]
    while s < n:
        raw = b"".join(int(v).to_bytes(3, "big", signed=True) for v in counts[:, s].tolist())
        out.append(b"\x00" + raw + b"ABCDEFG")
        last = counts[:, s]
        s += 1
        for pos in range(1, 101):
            if s + 1 >= n:
                return out
            fields = []
            for k in (s, s + 1):
                delta = last - counts[:, k]
                if np.any(np.abs(delta) >= limit):
                    raise ValueError(f"a firmware-2 delta does not fit in {bits} bits")
                fields += [(int(d) & ~1) | (1 if d < 0 else 0) for d in delta.tolist()]
                last = counts[:, k]
            body = _pack_fields(fields, bits, n_bytes)
            out.append(bytes([base + pos]) + body + b"\x00" * (19 - n_bytes))
            s += 2
    return out


def ganglion_impedance_payload(channel: int, value: int) -> bytes:
    """An impedance report: id 201-204 (channel 1-4) or 205 (reference), ASCII digits, 'Z'."""
    if not 1 <= channel <= 5:
        raise ValueError("impedance channel is 1-4, or 5 for the reference")
    return bytes([200 + channel]) + str(int(value)).encode() + b"Z"


def myo_packets(samples: np.ndarray) -> list[tuple[int, bytes]]:
    """(characteristic index 0-3, 16 bytes) pairs: 2 samples x 8 channels int8, round-robin."""
    counts = _int_matrix(samples, 8, -128, 127, "Myo")
    out = []
    for j, s in enumerate(range(0, counts.shape[1] - 1, 2)):
        out.append((j % 4, np.ascontiguousarray(counts[:, s : s + 2].T).astype(np.int8).tobytes()))
    return out


def myoware_payloads(values: np.ndarray | Sequence[float]) -> list[bytes]:
    """One notification per value, as Arduino ``String(double)`` writes it (2 decimals).

    1-D values give the shield's own service (``b"512.00"``); (2, n) values give the BLE-UART
    example's ``b"ENV,RAW\\n"`` lines.
    """
    v = np.asarray(values, dtype=np.float64)
    if v.ndim == 1:
        return [f"{x:.2f}".encode() for x in v.tolist()]
    if v.ndim == 2 and v.shape[0] == 2:
        return [f"{e:.2f},{r:.2f}\n".encode() for e, r in v.T.tolist()]
    raise ValueError("MyoWare values are (n,) or (2, n)")


def openpatch_packets(
    counts: np.ndarray,
    rate_hz: int,
    uv_per_count: float,
    fmt: int = openpatch.FORMAT_INT16,
    first_seq: int = 0,
    *,
    frames: int | None = None,
    stream_start: bool = True,
) -> list[bytes]:
    """openpatch packets through the product encoder; the first one flags STREAM_START.

    Packets are full (``frames`` or as many as fit in 244 bytes) except the last, which carries
    what is left, as a patch does when it is stopped mid-packet.
    """
    c = np.asarray(counts)
    per = frames or openpatch.frames_per_packet(c.shape[0], fmt)
    out = []
    for j, s in enumerate(range(0, c.shape[1], per)):
        flags = openpatch.FLAG_STREAM_START if (stream_start and j == 0) else 0
        out.append(openpatch.encode(first_seq + j, c[:, s : s + per], rate_hz, uv_per_count, fmt, flags))
    return out
