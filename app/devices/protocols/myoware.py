"""MyoWare 2.0 Wireless Shield (ESP32): ASCII values, no counter, no sample clock.

Source (read, not copied): AdvancerTechnologies/MyoWare-Arduino-Library (2024), ``src/MyoWare.h``
and ``src/MyoWare.cpp`` (UUIDs, 12-bit ADC at 3.3 V, RAW gain 200, ENV gain
200 x (1 + gain-potentiometer kΩ)), ``examples/MyoWareBLEPeripheral`` (name "MyoWareSensor1",
one ``String(double)`` value per notification, e.g. ``b"512.00"``, of the ENV output by default,
written as fast as the loop runs while connected) and ``examples/MyoWareBLEUART`` (name "MyoW1",
Nordic UART Service, ``String(env) + "," + String(raw) + "\\n"`` per notification).

Units, honestly: the values are ADC counts as the shield sends them (``setConvertOutput(false)``
is the examples' default). V at the ADC = counts x 3.3 / 4095. The ENV channel is the sensor's
rectified, smoothed envelope, not raw EMG; referring it to the electrodes needs the gain knob's
resistance, which the app cannot know, so it stays in counts. RAW (UART variant) is ``RAW - REF``
counts, signed, with a fixed gain of 200, so its electrode amplitude in mV is V / 200 x 1000
(``raw_counts_to_mv``).

Timing: there is no sample clock, so each value is stamped on arrival and ``UniformResampler``
interpolates linearly onto a uniform grid (default 100 Hz, or the measured mean arrival rate).
BLE arrival jitter (up to a connection interval, values arriving in bursts) stays in the data as
timing noise; silences longer than ``max_gap_s`` are reported as lost samples, not bridged.
"""

from __future__ import annotations

import math
from collections.abc import Iterable

import numpy as np

from app.devices.protocols.base import Decoded, empty
from app.devices.protocols.errors import MalformedPacket

SERVICE_UUID = "ec3af789-2154-49f4-a9fc-bc6c88e9e930"
NOTIFY_UUID = "f3a56edf-8f1e-4533-93bf-5601b2e91308"
UART_SERVICE_UUID = "6e400001-b5a3-f393-e0a9-e50e24dcca9e"
UART_RX_UUID = "6e400002-b5a3-f393-e0a9-e50e24dcca9e"
UART_TX_UUID = "6e400003-b5a3-f393-e0a9-e50e24dcca9e"  # notify
NAME_PREFIXES = ("MyoWareSensor", "MyoW")

DEFAULT_RATE_HZ = 100.0
DEFAULT_MAX_GAP_S = 0.25
ADC_MAX = 4095.0
ADC_VOLTS = 3.3
RAW_GAIN = 200.0
MAX_PAYLOAD = 128  # the example's BLEStringCharacteristic size


def counts_to_volts(counts: np.ndarray | float) -> np.ndarray | float:
    """Volts at the shield's 12-bit ADC."""
    return np.asarray(counts) * (ADC_VOLTS / ADC_MAX)


def raw_counts_to_mv(counts: np.ndarray | float) -> np.ndarray | float:
    """RAW (``RAW - REF``) counts to mV at the electrodes (fixed gain 200)."""
    return np.asarray(counts) * (ADC_VOLTS / ADC_MAX / RAW_GAIN * 1000.0)


def env_counts_to_mv(counts: np.ndarray | float, gain_pot_kohm: float = 50.0) -> np.ndarray | float:
    """ENV counts to mV at the electrodes, given the gain knob's resistance (library default 50 kΩ)."""
    return np.asarray(counts) * (ADC_VOLTS / ADC_MAX / (RAW_GAIN * (1.0 + gain_pot_kohm)) * 1000.0)


def parse_values(payload: bytes, n_channels: int) -> list[list[float]]:
    """The rows of numbers in one payload: ``b"512.00"`` or ``b"512.00,-3.00\\n"`` (several lines allowed)."""
    if len(payload) > MAX_PAYLOAD:
        raise MalformedPacket(f"MyoWare notification has {len(payload)} bytes, more than {MAX_PAYLOAD}.")
    try:
        text = payload.decode("ascii")
    except UnicodeDecodeError:
        raise MalformedPacket("MyoWare notification is not ASCII text.") from None
    rows: list[list[float]] = []
    for line in text.replace("\x00", "").replace("\r", "\n").split("\n"):
        line = line.strip()
        if not line:
            continue
        parts = line.split(",")
        if len(parts) != n_channels:
            raise MalformedPacket(f"MyoWare line {line!r} has {len(parts)} values instead of {n_channels}.")
        try:
            vals = [float(p) for p in parts]
        except ValueError:
            raise MalformedPacket(f"MyoWare line {line!r} is not numeric.") from None
        if not all(math.isfinite(v) for v in vals):
            raise MalformedPacket(f"MyoWare line {line!r} is not a finite number.")
        rows.append(vals)
    if not rows:
        raise MalformedPacket("MyoWare notification holds no value.")
    return rows


def mean_rate_hz(timestamps: Iterable[float]) -> float:
    """Mean arrival rate of values stamped at ``timestamps`` (0 when it cannot be told)."""
    t = np.asarray(list(timestamps), dtype=np.float64)
    if t.size < 2 or t[-1] <= t[0]:
        return 0.0
    return float((t.size - 1) / (t[-1] - t[0]))


class UniformResampler:
    """Streaming linear interpolation of arrival-stamped values onto ``t0 + k / rate``.

    ``t0`` is the first timestamp, whose value is grid sample 0. Each ``push(t, v)`` returns the
    grid samples in (previous t, t], each interpolated linearly between the previous and the new
    value, so memory is one point and the output never goes back in time. Timestamps that do not
    increase (a burst handed over at once, or a clock step back) are moved 1 µs after the
    previous one: order is kept and the burst's later values win. If more than ``max_gap_s``
    passed since the previous value, the grid samples in between are not invented: they come back
    as ``lost_samples`` (time keeps running) and interpolation resumes from the new value.
    """

    def __init__(self, rate_hz: float, n_channels: int = 1, max_gap_s: float = DEFAULT_MAX_GAP_S) -> None:
        if not rate_hz > 0:
            raise ValueError("resampling rate must be positive")
        if n_channels < 1:
            raise ValueError("need at least one channel")
        self.rate_hz = float(rate_hz)
        self.n_channels = n_channels
        self.max_gap_s = float(max_gap_s)
        self._t0: float | None = None
        self._k = 0  # next grid index to produce
        self._last_t = 0.0
        self._last_v = np.zeros(n_channels)
        self.count = 0  # grid samples produced, including lost ones

    def push(self, t: float, values: np.ndarray | Iterable[float] | float) -> Decoded:
        """Add one observation; return the grid samples (channels, n) it completes."""
        v = np.asarray(values, dtype=np.float64).reshape(self.n_channels)
        if self._t0 is None:
            self._t0, self._last_t, self._last_v, self._k = float(t), float(t), v, 1
            self.count = 1
            return Decoded(v[:, None].copy(), seq=0)
        t = float(t)
        if t <= self._last_t:
            t = self._last_t + 1e-6
        # grid indices k with t0 + k / rate in (last_t, t]; the small epsilon absorbs rounding
        k_end = math.floor((t - self._t0) * self.rate_hz + 1e-9) + 1
        n = max(0, k_end - self._k)
        seq = self._k
        if n == 0:
            out = empty(self.n_channels)
            lost = 0
        elif t - self._last_t > self.max_gap_s:
            out = empty(self.n_channels)
            lost = n
        else:
            grid_t = self._t0 + np.arange(self._k, k_end, dtype=np.float64) / self.rate_hz
            w = (grid_t - self._last_t) / (t - self._last_t)
            # the convex form: (v - last) overflows between values of ±1e308, this never does
            out = self._last_v[:, None] * (1.0 - w)[None, :] + v[:, None] * w[None, :]
            lost = 0
        self._k += n
        self.count += n
        self._last_t, self._last_v = t, v
        return Decoded(out, lost, 0, seq)

    def push_many(self, timestamps: Iterable[float], values: np.ndarray) -> Decoded:
        """Push several observations ((channels, n) values) when no gap can occur among them."""
        vals = np.asarray(values, dtype=np.float64).reshape(self.n_channels, -1)
        outs: list[np.ndarray] = []
        lost, produced, seq = 0, 0, None
        for j, t in enumerate(timestamps):
            d = self.push(t, vals[:, j])
            if d.lost_samples and produced:
                raise ValueError("a gap inside push_many; push one value at a time to place it")
            lost, produced = lost + d.lost_samples, produced + d.samples.shape[1]
            seq = d.seq if seq is None else seq
            outs.append(d.samples)
        return Decoded(np.concatenate(outs, axis=1) if outs else empty(self.n_channels), lost, 0, seq)


class MyoWareDecoder:
    """ASCII values stamped on arrival and resampled: 1 channel (ENV) or 2 (ENV, RAW via BLE-UART).

    With ``rate_hz=None`` the values are returned as they come (one column per value, irregular
    in time) for callers that keep their own timestamps.
    """

    unit = "counts"

    def __init__(
        self, n_channels: int = 1, rate_hz: float | None = DEFAULT_RATE_HZ, *, max_gap_s: float = DEFAULT_MAX_GAP_S
    ) -> None:
        if n_channels not in (1, 2):
            raise ValueError("MyoWare sends 1 (ENV) or 2 (ENV,RAW) values per line")
        self.n_channels = n_channels
        self.resampler = UniformResampler(rate_hz, n_channels, max_gap_s) if rate_hz else None
        self.values = 0
        self._first_t: float | None = None
        self._last_t: float | None = None

    @property
    def measured_rate_hz(self) -> float:
        """Mean arrival rate of values so far (0 until two arrived at distinct times)."""
        if self._first_t is None or self._last_t is None or self._last_t <= self._first_t:
            return 0.0
        return (self.values - 1) / (self._last_t - self._first_t)

    def feed(self, payload: bytes, arrival_s: float) -> Decoded:
        """Decode one notification that arrived at ``arrival_s`` (a monotonic clock, seconds)."""
        rows = parse_values(payload, self.n_channels)
        if self._first_t is None:
            self._first_t = arrival_s
        self._last_t = arrival_s
        self.values += len(rows)
        if self.resampler is None:
            return Decoded(np.array(rows, dtype=np.float64).T, seq=self.values - len(rows))
        if len(rows) == 1:
            return self.resampler.push(arrival_s, rows[0])
        parts = [self.resampler.push(arrival_s, r) for r in rows]  # same stamp: kept in order
        lost = sum(p.lost_samples for p in parts)
        return Decoded(np.concatenate([p.samples for p in parts], axis=1), lost, 0, parts[0].seq)

