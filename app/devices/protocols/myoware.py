"""MyoWare 2.0 Wireless Shield (ESP32): one ASCII value per notification, no counter, no rate.

Source: AdvancerTechnologies/MyoWare-Arduino-Library ``src/MyoWare.h`` and its BLE examples.
The shield's own service streams Arduino ``String(double)`` text ("512.00") of the sensor's ENV
output once connected. A BLE-UART example variant (Nordic UART Service) sends ``"ENV,RAW\\n"``.

Values are 12-bit ADC counts (V = counts x 3.3 / 4095; the RAW output in mV at the electrodes is
V / 200 x 1000), recorded as ``counts`` because the sensor's gain knob makes volts unknowable.
The ENV output is already a rectified, smoothed envelope, so GluteFire shows it as it comes
instead of band-passing it. With no sample clock, each value is stamped on arrival and
``UniformResampler`` interpolates linearly onto a uniform grid (default 100 Hz), which the rest of
the app needs; the jitter of BLE arrival (one connection interval) stays in the data.
"""

from __future__ import annotations

import numpy as np

from app.devices.protocols.base import Decoded
from app.devices.protocols.errors import MalformedPacket

SERVICE_UUID = "ec3af789-2154-49f4-a9fc-bc6c88e9e930"
NOTIFY_UUID = "f3a56edf-8f1e-4533-93bf-5601b2e91308"
UART_SERVICE_UUID = "6e400001-b5a3-f393-e0a9-e50e24dcca9e"
UART_TX_UUID = "6e400003-b5a3-f393-e0a9-e50e24dcca9e"
DEFAULT_RATE_HZ = 100.0
ADC_MAX = 4095.0


def parse_values(payload: bytes, n_channels: int) -> list[list[float]]:
    """Values in a payload: '512.00' or one or more 'ENV,RAW' lines."""
    try:
        text = payload.decode("ascii").strip()
    except UnicodeDecodeError:
        raise MalformedPacket("MyoWare notification is not ASCII text.") from None
    rows = []
    for line in filter(None, (ln.strip() for ln in text.replace("\r", "\n").split("\n"))):
        parts = line.split(",")
        if len(parts) != n_channels:
            raise MalformedPacket(f"MyoWare line {line!r} has {len(parts)} values; {n_channels} expected.")
        try:
            vals = [float(p) for p in parts]
        except ValueError:
            raise MalformedPacket(f"MyoWare line {line!r} is not numeric.") from None
        if not all(np.isfinite(vals)):
            raise MalformedPacket(f"MyoWare line {line!r} is not a finite number.")
        rows.append(vals)
    if not rows:
        raise MalformedPacket("MyoWare notification is empty.")
    return rows


class UniformResampler:
    """Streaming linear interpolation of (time, value) pairs onto t0 + k / rate."""

    def __init__(self, rate_hz: float, n_channels: int) -> None:
        if rate_hz <= 0:
            raise ValueError("rate must be positive")
        self.rate = rate_hz
        self.n_channels = n_channels
        self._t0: float | None = None
        self._k = 0  # next grid index to produce
        self._last_t: float | None = None
        self._last_v: np.ndarray | None = None

    def push(self, t: float, values: np.ndarray) -> np.ndarray:
        """Add one observation; return the grid samples (channels, n) it completes."""
        v = np.asarray(values, dtype=np.float64).reshape(self.n_channels)
        if self._t0 is None:
            self._t0, self._last_t, self._last_v = t, t, v
            self._k = 1
            return v[:, None].copy()
        assert self._last_t is not None and self._last_v is not None
        if t <= self._last_t:  # out-of-order or duplicate stamp: nudge forward
            t = self._last_t + 1e-6
        grid_t = self._t0 + np.arange(self._k, int(np.floor((t - self._t0) * self.rate)) + 1) / self.rate
        out = np.empty((self.n_channels, grid_t.size))
        if grid_t.size:
            w = (grid_t - self._last_t) / (t - self._last_t)
            out[:] = self._last_v[:, None] + (v - self._last_v)[:, None] * w[None, :]
            self._k += grid_t.size
        self._last_t, self._last_v = t, v
        return out


class MyoWareDecoder:
    """ASCII values stamped on arrival and resampled; 1 channel (ENV) or 2 (ENV, RAW)."""

    def __init__(self, n_channels: int = 1, rate_hz: float = DEFAULT_RATE_HZ) -> None:
        if n_channels not in (1, 2):
            raise ValueError("MyoWare sends 1 (ENV) or 2 (ENV,RAW) values")
        self.n_channels = n_channels
        self.resampler = UniformResampler(rate_hz, n_channels)

    def feed(self, payload: bytes, arrival_s: float) -> Decoded:
        rows = parse_values(payload, self.n_channels)
        outs = [self.resampler.push(arrival_s, np.array(r)) for r in rows]
        return Decoded(np.concatenate(outs, axis=1))
