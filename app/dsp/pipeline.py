"""The live chain on one block: band-pass (+notch) -> rectify -> envelope, all channels at once."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from app.dsp.envelope import Envelope
from app.dsp.filters import FilterSettings, StreamingSOS, design_bandpass


@dataclass(frozen=True)
class Processed:
    """Output of one block: band-passed signal and its envelope, both (channels, n), in µV."""

    filtered: np.ndarray
    envelope: np.ndarray


class Pipeline:
    """Band-pass -> envelope with state carried across blocks (chunked output == whole output)."""

    def __init__(self, settings: FilterSettings, sample_rate_hz: float, n_channels: int) -> None:
        self.settings = settings.validated(sample_rate_hz)
        self.sample_rate_hz = sample_rate_hz
        self.n_channels = n_channels
        self._bandpass = StreamingSOS(design_bandpass(settings, sample_rate_hz), n_channels)
        self._envelope = Envelope(settings, sample_rate_hz, n_channels)

    @property
    def delay_s(self) -> float:
        """Documented envelope delay; the band-pass adds < 4 ms in band (see docs/algorithms.md)."""
        return self._envelope.delay_s

    def reset(self) -> None:
        """Restart the filters (after a gap in the data) from the next block's first sample."""
        self._bandpass.reset()
        self._envelope.reset()

    def process(self, raw: np.ndarray) -> Processed:
        filtered = self._bandpass.process(np.asarray(raw, dtype=np.float64))
        return Processed(filtered, self._envelope.process(filtered))


def process_whole(
    raw: np.ndarray, sample_rate_hz: float, settings: FilterSettings | None = None
) -> Processed:
    """Run the live (causal) chain over a whole recording in one call."""
    settings = settings or FilterSettings()
    return Pipeline(settings, sample_rate_hz, raw.shape[0]).process(raw)


class Passthrough:
    """For devices that send an envelope already (MyoWare ENV): shown as it comes, no delay."""

    def __init__(self, settings: FilterSettings, sample_rate_hz: float, n_channels: int) -> None:
        self.settings = settings
        self.sample_rate_hz = sample_rate_hz
        self.n_channels = n_channels
        self.delay_s = 0.0

    def reset(self) -> None:
        pass

    def process(self, raw: np.ndarray) -> Processed:
        x = np.asarray(raw, dtype=np.float64)
        return Processed(x, x.copy())


def make_pipeline(
    settings: FilterSettings, sample_rate_hz: float, n_channels: int, signal_kind: str = "raw"
) -> Pipeline | Passthrough:
    """The chain for a source: full EMG processing for raw signals, passthrough for envelopes."""
    if signal_kind == "envelope":
        return Passthrough(settings, sample_rate_hz, n_channels)
    return Pipeline(settings, sample_rate_hz, n_channels)
