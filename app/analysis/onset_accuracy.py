"""Onset accuracy on generated signals with known onsets: the experiment behind docs/algorithms.md.

Each trial is one channel of ``emg_model.synthesize``: rest, then three contractions at random
times (1-2 s long, 1.5-3 s apart) with a step or a linear ramp of activation, white noise floor
``noise_uv`` and no hum or wander, so SNR = 20 log10(A / noise_uv). All trials of a condition are
generated and analysed as channels of one recording (fast), each with its own automatic baseline
(the quietest window). Per condition: signed onset errors (detected - true) of matched onsets,
misses (no detected onset within ``match_s``), and false bursts per minute of rest (detected
onsets outside every contraction).

Regenerate the table: ``python -m app.analysis.onset_accuracy`` (add ``--trials 200`` for more).
"""

from __future__ import annotations

import argparse
from dataclasses import dataclass

import numpy as np

from app.analysis.onset import OnsetSettings, detect_bursts, rest_baseline
from app.devices.emg_model import Artefacts, synthesize


@dataclass(frozen=True)
class AccuracyResult:
    """Onset errors of one condition (fs, SNR, activation shape, detector)."""

    fs: float
    snr_db: float
    shape: str  # "step" or "ramp"
    ramp_s: float  # rise time of a ramp (0 for a step)
    detector: str
    errors_ms: np.ndarray  # signed, matched onsets only
    offset_errors_ms: np.ndarray  # signed offset errors of the matched bursts
    n_true: int
    missed: int
    false_bursts: int
    rest_minutes: float

    @property
    def activation(self) -> str:
        return "step" if self.shape == "step" else f"ramp {self.ramp_s * 1000:g} ms"

    @property
    def median_abs_ms(self) -> float:
        e = self._abs_with_misses()
        return float(np.median(e)) if e.size else float("nan")

    @property
    def p90_abs_ms(self) -> float:
        e = self._abs_with_misses()
        return float(np.percentile(e, 90)) if e.size else float("nan")

    @property
    def bias_ms(self) -> float:
        return float(np.median(self.errors_ms)) if self.errors_ms.size else float("nan")

    @property
    def offset_median_abs_ms(self) -> float:
        e = np.abs(self.offset_errors_ms)
        return float(np.median(e)) if e.size else float("nan")

    @property
    def false_per_min(self) -> float:
        return self.false_bursts / self.rest_minutes if self.rest_minutes > 0 else float("nan")

    def _abs_with_misses(self) -> np.ndarray:
        """|errors|, a miss counting as an infinite error (so it can only worsen the figures)."""
        return np.concatenate([np.abs(self.errors_ms), np.full(self.missed, np.inf)])

    def row(self) -> dict[str, float | int | str]:
        return {
            "fs_hz": self.fs,
            "snr_db": self.snr_db,
            "activation": self.activation,
            "detector": self.detector,
            "onsets": self.n_true,
            "median_abs_ms": round(self.median_abs_ms, 1),
            "p90_abs_ms": round(self.p90_abs_ms, 1),
            "bias_ms": round(self.bias_ms, 1),
            "offset_median_abs_ms": round(self.offset_median_abs_ms, 1),
            "missed": self.missed,
            "false_per_min": round(self.false_per_min, 2),
        }


def make_trials(fs: float, snr_db: float, trials: int, seed: int, shape: str = "step",
                ramp_s: float = 0.1, noise_uv: float = 1.0, contractions: int = 3
                ) -> tuple[np.ndarray, list[list[tuple[float, float]]]]:
    """(raw (trials, n) µV, true (onset, offset) per trial)."""
    rng = np.random.default_rng(seed)
    amp = noise_uv * 10 ** (snr_db / 20.0)
    truth: list[list[tuple[float, float]]] = []
    for _ in range(trials):
        t = rng.uniform(1.5, 2.5)
        spans = []
        for _k in range(contractions):
            d = rng.uniform(1.0, 2.0)
            spans.append((t, t + d))
            t += d + rng.uniform(1.5, 3.0)
        truth.append(spans)
    n = int((max(s[-1][1] for s in truth) + 2.0) * fs)
    act = np.zeros((trials, n))
    tt = np.arange(n) / fs
    for i, spans in enumerate(truth):
        for on, off in spans:
            if shape == "ramp":
                prof = np.clip((tt - on) / ramp_s, 0.0, 1.0)
            else:
                prof = (tt >= on).astype(float)
            act[i] += amp * prof * (tt < off)
    raw = synthesize(act, fs, seed=seed, artefacts=Artefacts(noise_uv, 0.0, 50.0, 0.0))
    return raw, truth


def score(detected: list[list[tuple[float, float]]], truth: list[list[tuple[float, float]]],
          duration_s: float, match_s: float = 0.25) -> tuple[np.ndarray, np.ndarray, int, int, float]:
    """(signed onset errors ms, signed offset errors ms, misses, false bursts at rest, minutes of rest)."""
    errors: list[float] = []
    off_errors: list[float] = []
    missed = false = 0
    rest_s = 0.0
    for det, true in zip(detected, truth):
        ons = np.array([on for on, _ in det])
        for on, off in true:
            if ons.size and np.min(np.abs(ons - on)) <= match_s:
                k = int(np.argmin(np.abs(ons - on)))
                errors.append((ons[k] - on) * 1000.0)
                off_errors.append((det[k][1] - off) * 1000.0)
            else:
                missed += 1
        for on in ons:
            if not any(a - match_s <= on <= b + match_s for a, b in true):
                false += 1
        rest_s += duration_s - sum(b - a for a, b in true)
    return np.array(errors), np.array(off_errors), missed, false, rest_s / 60.0


def run_accuracy(fs: float, snr_db: float, trials: int = 25, seed: int = 0, shape: str = "step",
                 settings: OnsetSettings | None = None, ramp_s: float = 0.1) -> AccuracyResult:
    """One condition: ``trials`` recordings with three contractions each."""
    s = settings or OnsetSettings()
    raw, truth = make_trials(fs, snr_db, trials, seed, shape, ramp_s)
    bursts = detect_bursts(raw, fs, s)
    det = [[(b.onset_s, b.offset_s) for b in chan] for chan in bursts]
    errors, off_errors, missed, false, rest_min = score(det, truth, raw.shape[1] / fs)
    n_true = sum(len(t) for t in truth)
    ramp = ramp_s if shape == "ramp" else 0.0
    return AccuracyResult(fs, snr_db, shape, ramp, s.detector, errors, off_errors, n_true, missed, false, rest_min)


#: activations of the documented table: a step and linear ramps of 50 and 100 ms
ACTIVATIONS: tuple[tuple[str, float], ...] = (("step", 0.0), ("ramp", 0.05), ("ramp", 0.1))


def accuracy_table(fs_list: tuple[float, ...] = (1000.0, 2000.0), snr_list: tuple[float, ...] = (20.0, 10.0),
                   activations: tuple[tuple[str, float], ...] = ACTIVATIONS,
                   detectors: tuple[str, ...] = ("tkeo", "envelope"),
                   trials: int = 50, seed: int = 0) -> list[AccuracyResult]:
    """Every combination; the same seeds for both detectors, so they see the same signals."""
    out = []
    for det in detectors:
        for shape, ramp in activations:
            for fs in fs_list:
                for snr in snr_list:
                    k = seed * 100003 + int(fs) + int(snr) * 7 + int(ramp * 1000) * 13
                    out.append(run_accuracy(fs, snr, trials, k, shape, OnsetSettings(detector=det), ramp or 0.1))
    return out


def markdown_table(results: list[AccuracyResult]) -> str:
    lines = [
        "| detector | activation | fs | SNR | onsets | median abs err (ms) | p90 abs err (ms) | bias (ms) "
        "| offset median abs err (ms) | missed | false bursts / min rest |",
        "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |",
    ]
    for r in results:
        lines.append(
            f"| {r.detector} | {r.activation} | {r.fs:g} Hz | {r.snr_db:g} dB | {r.n_true} | {r.median_abs_ms:.1f} | "
            f"{r.p90_abs_ms:.1f} | {r.bias_ms:+.1f} | {r.offset_median_abs_ms:.1f} | {r.missed} | {r.false_per_min:.2f} |"
        )
    return "\n".join(lines)


def rest_false_bursts(fs: float, minutes: float = 1.0, channels: int = 20, seed: int = 0,
                      settings: OnsetSettings | None = None, rest_s: float = 5.0) -> float:
    """False bursts per minute in pure rest, baseline from a separate ``rest_s`` rest capture."""
    s = settings or OnsetSettings()
    n_rest = int(rest_s * fs)
    x = synthesize(np.zeros((channels, n_rest + int(minutes * 60 * fs))), fs, seed=seed,
                   artefacts=Artefacts(1.0, 0.0, 50.0, 0.0))
    b = rest_baseline(x[:, :n_rest], fs, s)
    found = detect_bursts(x[:, n_rest:], fs, s, b)
    return sum(len(c) for c in found) / (channels * minutes)


#: the lag experiment's muscles: (label, lag behind the first muscle s, amplitude µV RMS)
LAG_MUSCLES: tuple[tuple[str, float, float], ...] = (
    ("gluteus_maximus_L", 0.150, 60.0),
    ("hamstring_L", 0.0, 90.0),
    ("lumbar_erector_L", 0.060, 50.0),
)


def make_lag_trials(fs: float, seed: int, reps: int = 6, ramp_s: float = 0.05, noise_uv: float = 2.0
                    ) -> tuple[np.ndarray, list[float]]:
    """Reps where the hamstring leads, the lumbar erector follows at +60 ms and the glute at
    +150 ms (``LAG_MUSCLES``; 50 ms ramps, 28-33 dB): (raw (3, n), rep start times)."""
    n = int(fs * (2 + 4 * reps))
    act = np.zeros((len(LAG_MUSCLES), n))
    t = np.arange(n) / fs
    starts = []
    for k in range(reps):
        t0 = 2.0 + 4.0 * k + 0.3 * np.random.default_rng(seed + k).uniform()
        starts.append(t0)
        for ch, (_, lag, amp) in enumerate(LAG_MUSCLES):
            act[ch] += amp * np.clip((t - t0 - lag) / ramp_s, 0, 1) * (t < t0 + 2.0)
    return synthesize(act, fs, seed=seed, artefacts=Artefacts(noise_uv, 0.0, 50.0, 0.0)), starts


def lag_errors(fs_list: tuple[float, ...] = (1000.0, 2000.0), seeds: range = range(6),
               settings: OnsetSettings | None = None) -> np.ndarray:
    """Measured minus true lag (ms) of every muscle behind the first, over all reps and seeds."""
    from app.analysis.firing_order import firing_order

    labels = tuple(m[0] for m in LAG_MUSCLES)
    out = []
    for fs in fs_list:
        for seed in seeds:
            x, _ = make_lag_trials(fs, seed)
            for c in firing_order(detect_bursts(x, fs, settings), labels):
                for label, lag, _ in LAG_MUSCLES[:1] + LAG_MUSCLES[2:]:
                    if label in c.lags_ms and c.leader == "hamstring_L":
                        out.append(c.lags_ms[label] - lag * 1000.0)
                    else:
                        out.append(np.inf)  # wrong leader or a muscle missed: a failure
    return np.array(out)


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--trials", type=int, default=100)
    p.add_argument("--seed", type=int, default=0)
    a = p.parse_args(argv)
    print(markdown_table(accuracy_table(trials=a.trials, seed=a.seed)))
    print()
    print("| detector | fs | false bursts / min of pure rest (explicit 5 s rest baseline, 20 channels x 3 min) |")
    print("| --- | --- | --- |")
    for det in ("tkeo", "envelope"):
        for fs in (1000.0, 2000.0):
            rate = rest_false_bursts(fs, 3.0, 20, a.seed + int(fs), OnsetSettings(detector=det))
            print(f"| {det} | {fs:g} Hz | {rate:.2f} |")
    print()
    e = np.abs(lag_errors())
    print(f"Firing-order lags (150 ms and 60 ms behind the hamstring, 50 ms ramps, 1 and 2 kHz, {e.size} lags): "
          f"median |error| {np.median(e):.1f} ms, p90 {np.percentile(e, 90):.1f} ms, max {np.max(e):.1f} ms")


if __name__ == "__main__":
    main()
