"""What a decoder returns for one notification."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Decoded:
    """Samples (channels, n) float64 in the protocol's unit; losses just before them."""

    samples: np.ndarray
    lost_samples: int = 0
    lost_packets: int = 0
    seq: int | None = None


def seq_gap(seq: int, expected: int | None, modulus: int) -> int:
    """Packets missing between the expected and the received sequence number (with wrap)."""
    if expected is None:
        return 0
    return (seq - expected) % modulus
