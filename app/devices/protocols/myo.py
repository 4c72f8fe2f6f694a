"""Thalmic Myo armband, raw EMG: 8 channels at 200 Hz, int8 counts (no volts scale exists).

Sources (read, not copied): thalmiclabs/myo-bluetooth ``myohw.h`` (UUID base, command layout
``myohw_command_set_mode_t`` = command 0x01, payload size 3, emg/imu/classifier modes; sleep mode
command 0x09; ``myohw_emg_data_t`` = ``int8 sample1[8]; int8 sample2[8]``;
``MYOHW_EMG_DEFAULT_STREAMING_RATE`` 200); iomz/dl-myo ``tests/test_myo/test_types.py`` (vectors).

UUIDs are ``d506XXXX-a904-deb9-4748-2c7f4a124842``; the armband advertises the control service
0x0001. Start: write ``09 01 01`` (never sleep) and ``01 03 03 01 00`` (set mode: EMG raw 0x03 —
0x02 would be the filtered variant —, IMU data on, classifier off) to the command characteristic
0x0401, and subscribe to the four EMG characteristics 0x0105, 0x0205, 0x0305, 0x0405.

Each notification holds 2 consecutive samples x 8 channels (16 x int8). The stream is split over
the four characteristics in turn (25 notifications/s each), and a single connection delivers
notifications in the order they were sent, so processing them in arrival order — which is
0105, 0205, 0305, 0405, 0105, ... — keeps the samples in order. There is no sequence counter
and no acknowledgement: the only loss signal is a characteristic coming out of turn, which means
1-3 notifications (2 samples each) went missing (4 in a row cannot be seen). That round-robin
order is inferred from the four-way split, not documented by Thalmic; ``check_order=False``
turns the inference off. ``seq`` is a running notification count.
"""

from __future__ import annotations

import numpy as np

from app.devices.protocols.base import Decoded, seq_gap
from app.devices.protocols.errors import MalformedPacket


def _uuid(short: str) -> str:
    return f"d506{short}-a904-deb9-4748-2c7f4a124842"


CONTROL_SERVICE_UUID = _uuid("0001")  # advertised
SERVICE_UUID = CONTROL_SERVICE_UUID
EMG_SERVICE_UUID = _uuid("0005")
COMMAND_UUID = _uuid("0401")
EMG_UUIDS = (_uuid("0105"), _uuid("0205"), _uuid("0305"), _uuid("0405"))
BATTERY_LEVEL_UUID = "00002a19-0000-1000-8000-00805f9b34fb"

SET_MODE_RAW_EMG = bytes([0x01, 0x03, 0x03, 0x01, 0x00])  # EMG raw, IMU data, classifier off
SET_MODE_OFF = bytes([0x01, 0x03, 0x00, 0x00, 0x00])
NEVER_SLEEP = bytes([0x09, 0x01, 0x01])
NORMAL_SLEEP = bytes([0x09, 0x01, 0x00])

SAMPLE_RATE_HZ = 200.0
N_CHANNELS = 8
PAYLOAD_SIZE = 16
SAMPLES_PER_NOTIFICATION = 2


class MyoDecoder:
    """Merges the four EMG characteristics into one ordered stream of int8 counts."""

    n_channels = N_CHANNELS
    unit = "counts"

    def __init__(self, *, check_order: bool = True) -> None:
        self.check_order = check_order
        self._expected: int | None = None
        self.notifications = 0

    def feed(self, index: int, payload: bytes) -> Decoded:
        """Decode a notification from EMG characteristic ``index`` (0 = 0105 ... 3 = 0405)."""
        if not 0 <= index < 4:
            raise MalformedPacket(f"Myo EMG characteristic index {index} is not 0-3.")
        if len(payload) != PAYLOAD_SIZE:
            raise MalformedPacket(f"Myo EMG notification has {len(payload)} bytes instead of {PAYLOAD_SIZE}.")
        lost = seq_gap(index, self._expected, 4) if self.check_order else 0
        self._expected = (index + 1) % 4
        seq = self.notifications
        self.notifications += 1
        counts = np.frombuffer(payload, dtype=np.int8).reshape(SAMPLES_PER_NOTIFICATION, N_CHANNELS)
        return Decoded(counts.T.astype(np.float64, order="C"), lost * SAMPLES_PER_NOTIFICATION, lost, seq)

