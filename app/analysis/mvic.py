"""%MVIC normalisation: the reference from maximal (or submaximal) calibration contractions.

Maximal reference (default): the person makes ``contractions`` maximal voluntary isometric
contractions (3 x 5 s with rest between); each is found by the onset detector, and the
reference is the mean, over the contractions, of each one's best ``window_ms`` (500 ms) moving
RMS of the band-passed signal (the same causal band-pass as the live chain, so the reference
and the live envelope share one µV scale). This is the "peak RMS over a 500 ms window,
averaged over trials" normalisation of the ISEK consensus matrix (CEDE project: Besomi et al.
2020, J Electromyogr Kinesiol 53:102438).

Submaximal reference (people in pain, or early rehabilitation): the contractions are held at a
known fraction of maximal effort (e.g. 50%). Values are then reported as "%MVIC (est.)" =
value / reference x fraction x 100, which assumes EMG amplitude grows in proportion to effort;
that holds only roughly (the EMG-force relation of large muscles is often curvilinear), so the
CEDE matrix asks that the reference task and level are reported alongside: ``unit`` and
``describe()`` say so, and ``percent_of_reference`` gives the plain %ref.
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np

from app.analysis.onset import Burst, OnsetSettings, detect_bursts
from app.dsp.filters import FilterSettings
from app.dsp.pipeline import process_whole
from app.errors import UserError
from app.muscles import mvic_position

#: a person's target the first time, in % MVIC (submaximal, sustainable, clearly above rest)
DEFAULT_TARGET_PERCENT = 40.0


@dataclass(frozen=True)
class MvicReference:
    """One channel's reference amplitude (µV RMS) and how it was obtained."""

    label: str
    value_uv: float
    method: str  # "maximal" or "submaximal"
    window_ms: float
    n_contractions: int
    fraction: float = 1.0
    recorded_at: str = ""
    position: str = ""  # the test position (a report states it; a retest compares like with like)

    @property
    def unit(self) -> str:
        return "%MVIC" if self.fraction >= 1.0 else "%MVIC (est.)"

    def describe(self) -> str:
        if self.fraction >= 1.0:
            return (f"%MVIC: mean of the best {self.window_ms:g} ms RMS of {self.n_contractions} maximal "
                    f"contractions = {self.value_uv:.0f} µV")
        return (f"%MVIC estimated from a {self.fraction * 100:.0f}% effort reference ({self.value_uv:.0f} µV, "
                f"best {self.window_ms:g} ms RMS of {self.n_contractions} contractions), assuming "
                "EMG grows in proportion to effort")

    def percent(self, envelope_uv: np.ndarray | float) -> np.ndarray | float:
        """Envelope (µV) in %MVIC (estimated from a submaximal reference when fraction < 1)."""
        return np.asarray(envelope_uv) / self.value_uv * 100.0 * self.fraction

    def percent_of_reference(self, envelope_uv: np.ndarray | float) -> np.ndarray | float:
        """Envelope (µV) in % of the reference contraction itself (%ref, no scaling)."""
        return np.asarray(envelope_uv) / self.value_uv * 100.0

    def uv(self, percent: float | np.ndarray) -> float | np.ndarray:
        """A %MVIC value (e.g. a target) back to µV, what the live threshold needs."""
        return percent / 100.0 / self.fraction * self.value_uv

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> MvicReference:
        keys = {"label", "value_uv", "method", "window_ms", "n_contractions", "fraction", "recorded_at", "position"}
        return cls(**{k: v for k, v in d.items() if k in keys})


def best_window_rms(filtered: np.ndarray, fs: float, window_ms: float) -> float:
    """Highest moving RMS over ``window_ms`` in a band-passed segment (µV)."""
    x = np.asarray(filtered, dtype=np.float64)
    n = max(1, int(round(window_ms * fs / 1000.0)))
    if x.size < n:
        return float(np.sqrt(np.mean(x * x))) if x.size else 0.0
    c = np.concatenate(([0.0], np.cumsum(x * x)))
    return float(np.sqrt(max(0.0, np.max((c[n:] - c[:-n]) / n))))


def reference_from_segments(filtered: np.ndarray, fs: float, spans: Iterable[tuple[float, float] | Burst],
                            label: str, window_ms: float = 500.0, expected: int = 3,
                            fraction: float = 1.0, recorded_at: str = "") -> MvicReference:
    """Reference of one channel from its calibration contractions (onset, offset in s).

    The ``expected`` strongest contractions count (a split or an extra twitch does not drag the
    mean down); each contributes its best ``window_ms`` RMS.
    """
    if not 0 < fraction <= 1:
        raise UserError("The reference effort must be between 0 and 100%.")
    x = np.asarray(filtered, dtype=np.float64)
    vals = []
    for sp in spans:
        on, off = (sp.onset_s, sp.offset_s) if isinstance(sp, Burst) else sp
        if off - on < window_ms / 1000.0:
            continue
        vals.append(best_window_rms(x[max(0, int(on * fs)) : int(off * fs)], fs, window_ms))
    if not vals:
        raise UserError(f"No contraction of at least {window_ms:g} ms was found on {label}; "
                        "try again, holding each contraction.")
    best = sorted(vals, reverse=True)[: max(1, expected)]
    return MvicReference(label, float(np.mean(best)), "maximal" if fraction >= 1.0 else "submaximal",
                         float(window_ms), len(best), float(fraction), recorded_at, mvic_position(label))


def reference_from_recording(raw: np.ndarray, fs: float, labels: Sequence[str], window_ms: float = 500.0,
                             expected: int = 3, fraction: float = 1.0, filters: FilterSettings | None = None,
                             onset: OnsetSettings | None = None) -> list[MvicReference]:
    """One reference per channel from a calibration recording of ``expected`` contractions."""
    x = np.nan_to_num(np.atleast_2d(np.asarray(raw, dtype=np.float64)))
    proc = process_whole(x, fs, filters)
    s = onset or OnsetSettings()
    if s.input == "raw":
        s = OnsetSettings(**{**s.to_dict(), "input": "filtered"})
    bursts = detect_bursts(proc.filtered, fs, s, envelope=proc.envelope, envelope_delay_s=0.0)
    now = _dt.datetime.now(_dt.UTC).astimezone().isoformat(timespec="seconds")
    return [reference_from_segments(proc.filtered[ch], fs, bursts[ch], label, window_ms, expected, fraction, now)
            for ch, label in enumerate(labels)]
