"""What every decoder returns for one notification, and the sequence arithmetic they share.

Decoders are pure byte-to-array translators with a little state (last sequence number, firmware-2
running value). They never block and never touch bleak, so the notification callback can call
them on the BLE loop and push the result straight into a ring buffer.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Decoded:
    """Samples from one notification and what is known to be missing right before them.

    ``samples`` is float64 (channels, n) in the protocol's unit; n may be 0 (text, impedance or
    an undecodable-but-counted packet). ``lost_samples`` counts sample frames missing
    immediately before ``samples`` (sequence gaps), so a consumer can keep time running;
    ``lost_packets`` counts the notifications that carried them. ``seq`` is the packet's own
    sequence number where the protocol has one (a running count otherwise, or None).
    """

    samples: np.ndarray
    lost_samples: int = 0
    lost_packets: int = 0
    seq: int | None = None


def empty(n_channels: int) -> np.ndarray:
    """A (channels, 0) float64 array: the ``samples`` of a packet that carries none."""
    return np.zeros((n_channels, 0), dtype=np.float64)


def seq_gap(seq: int, expected: int | None, modulus: int) -> int:
    """Packets missing between the expected and the received sequence number (with wrap)."""
    if expected is None:
        return 0
    return (seq - expected) % modulus
