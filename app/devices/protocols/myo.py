"""Thalmic Myo armband, raw EMG (8 channels, 200 Hz, int8 counts; no volts scale exists).

Source: thalmiclabs/myo-bluetooth ``myohw.h``; test vector from iomz/dl-myo. UUIDs are
``d506XXXX-a904-deb9-4748-2c7f4a124842``. Start: write ``01 03 03 01 00`` (set mode: EMG raw,
IMU on, classifier off) and ``09 01 01`` (never sleep) to the command characteristic, then
subscribe to the four EMG characteristics 0105, 0205, 0305, 0405. The armband notifies them in
turn, each with 2 consecutive samples x 8 channels (16 x int8), so merging them in that order
restores the sample order; a characteristic that comes out of turn means notifications were lost
(2 samples each). Notifications are unacknowledged and carry no counter.
"""

from __future__ import annotations

import numpy as np

from app.devices.protocols.base import Decoded, seq_gap
from app.devices.protocols.errors import MalformedPacket


def _uuid(short: str) -> str:
    return f"d506{short}-a904-deb9-4748-2c7f4a124842"


SERVICE_UUID = _uuid("0001")
CONTROL_SERVICE_UUID = _uuid("0001")
EMG_SERVICE_UUID = _uuid("0005")
COMMAND_UUID = _uuid("0401")
EMG_UUIDS = (_uuid("0105"), _uuid("0205"), _uuid("0305"), _uuid("0405"))
SET_MODE_RAW_EMG = bytes([0x01, 0x03, 0x03, 0x01, 0x00])
SET_MODE_OFF = bytes([0x01, 0x03, 0x00, 0x00, 0x00])
NEVER_SLEEP = bytes([0x09, 0x01, 0x01])
SAMPLE_RATE_HZ = 200.0
N_CHANNELS = 8


class MyoDecoder:
    """Merges the four EMG characteristics into one ordered stream."""

    def __init__(self) -> None:
        self._expected: int | None = None

    def feed(self, index: int, payload: bytes) -> Decoded:
        if not 0 <= index < 4:
            raise MalformedPacket(f"Myo EMG characteristic index {index} is not 0-3.")
        if len(payload) != 16:
            raise MalformedPacket(f"Myo EMG notification has {len(payload)} bytes; 16 expected.")
        lost = seq_gap(index, self._expected, 4)
        self._expected = (index + 1) % 4
        counts = np.frombuffer(payload, dtype=np.int8).reshape(2, N_CHANNELS).T.astype(np.float64)
        return Decoded(counts, lost * 2, lost, index)
