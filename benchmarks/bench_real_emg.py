"""Reps, bursts and onsets on real surface EMG against independent ground truth (not in the
default test run: ``python -m benchmarks real_emg``; the data: benchmarks/real_emg/README.md).

Sources:
- UCI "EMG dataset in Lower Limb" (Sanchez, Sotelo, Gonzalez, Hernandez 2014, UCI Machine
  Learning Repository, doi:10.24432/C5ZW3P, CC BY 4.0): Biometrics DataLOG, 1 kHz, rectus
  femoris, biceps femoris, vastus medialis, semitendinosus + knee goniometer; 11 healthy men
  seated knee extension (``sen``), standing knee flexion (``pie``) and walking (``mar``). Ground
  truth: the goniometer's excursions (one per rep or stride) and the movement onset (10 % of the
  excursion).
- musclesyneRgies example data (Santuz 2022, JOSS 7:4439; data of Santuz et al. 2020, iScience
  23:100796; MIT licence): treadmill walking, 13 muscles incl. gluteus maximus/medius,
  semitendinosus, biceps femoris, 1 kHz, with touchdown and lift-off times of every cycle.

Reported per file: true reps, reps found per channel (prime movers / others), prime movers'
onset against the movement onset, and for walking whether the hamstring's late-swing onset
precedes the gluteus maximus onset around touchdown.
"""

from __future__ import annotations

import csv
import glob
import os
from pathlib import Path

import numpy as np
from scipy.signal import butter, filtfilt, find_peaks

from app.analysis.offline import analyze
from app.storage.reader import load_recording

DATA = Path(os.environ.get("GLUTEFIRE_REAL_EMG", Path(__file__).resolve().parent / "real_emg" / "data"))
PRIME = {"sen": ("RF", "VM"), "pie": ("BF", "ST"), "mar": ("BF", "ST")}  # knee extensors / flexors; walking: the
# hamstrings burst in every late swing (Winter 1991), the quadriceps not always
ONSET_WINDOW_MS = (-600.0, 150.0)  # EMG onset before (−) or at most just after the movement starts
#: The tolerance an EMG onset is held to against the goniometer's movement onset (10 % of the
#: excursion), set from physiology and the instrument before it was scored: the muscle's
#: electrical activity precedes force by its electromechanical delay, 30–100 ms (Cavanagh & Komi
#: 1979, Eur J Appl Physiol 42:159), and a smooth voluntary movement of 1–2 s reaches 10 % of
#: its excursion about a quarter of its duration after it starts (minimum jerk, Flash & Hogan 1985,
#: J Neurosci 5:1688): 250–500 ms; so the EMG onset leads by up to ~600 ms. After it by at most
#: 150 ms: the goniometer is sampled at 50 Hz and upsampled (±20 ms), and the 0.2 s smoothing and
#: the detector's confirmation window date a slow ramp late by up to ~100 ms (onset_accuracy.py).
ONSET_TOLERANCE_MS = ONSET_WINDOW_MS


def _labels(rec) -> list[str]:  # type: ignore[no-untyped-def]
    """The UCI files name their channels three ways ('RF', 'Recto_Femoral', 'Recto_femoral'; the
    goniometer 'Flexo_Extension' or 'Flexo')."""
    prefixes = (("recto", "RF"), ("biceps", "BF"), ("vasto", "VM"), ("emg_semitend", "ST"), ("semitend", "ST"),
                ("flexo", "FX"))
    out = []
    for x in rec.labels:
        low = x.lower()
        out.append(next((short for pre, short in prefixes if low.startswith(pre)), x))
    return out


def _angle(fx: np.ndarray, fs: float) -> np.ndarray:
    """The goniometer's angle low-passed at 2 Hz (zero phase): the movement, not its jitter."""
    b, a = butter(2, 2.0 / (fs / 2))
    return np.asarray(filtfilt(b, a, np.nan_to_num(fx)))


def _excursion(fx: np.ndarray, fs: float, task: str) -> np.ndarray:
    """The movement, up: knee flexion (the angle low-passed, signed so that its deepest bend is
    positive: some goniometers were mounted inverted), or for the seated extension the negated
    flexion. Not |angle|, which assumed every goniometer read 0° at full extension: where the angle
    crosses zero during a rep (7Nsen: 52° seated to −11° extended) |angle| put the "peak" of the
    extension at the crossing, 0.8 s early."""
    a = _angle(fx, fs)
    lo, hi = np.percentile(a, (2, 98))
    flexion = a if hi >= -lo else -a
    return -flexion if task == "sen" else flexion


def goniometer_truth(fx: np.ndarray, fs: float, task: str) -> tuple[np.ndarray, np.ndarray]:
    """(peak times, movement-onset times) of the goniometer's excursions (``_excursion``): peaks
    of at least half the range, 1.5 s apart (0.6 s when walking); the onset is where the angle
    last left its starting value by 10 % of the excursion before each peak."""
    sig = _excursion(fx, fs, task)
    lo, hi = np.percentile(sig, 2), np.percentile(sig, 98)
    peaks, _ = find_peaks(sig, prominence=0.5 * (hi - lo), distance=int((0.6 if task == "mar" else 1.5) * fs))
    onsets = []
    for p in peaks:
        start = sig[max(0, p - int(3 * fs)):p]
        base = float(np.min(start)) if start.size else float(sig[p])
        level = base + 0.1 * (sig[p] - base)
        below = np.flatnonzero(start < level)
        onsets.append((p - start.size + (below[-1] if below.size else 0)) / fs)
    return peaks / fs, np.asarray(onsets)


def cut_excursions(fx: np.ndarray, fs: float, task: str, peaks_s: np.ndarray) -> int:
    """Reps the recording starts or ends in (the knee already, or still, past half its range,
    e.g. patients 1Asen, 5Apie): not a peak to ``find_peaks``, but a rep the EMG shows."""
    sig = _excursion(fx, fs, task)
    lo, hi = np.percentile(sig, 2), np.percentile(sig, 98)
    up = sig > lo + 0.5 * (hi - lo)
    n = 0
    for edge in (0, up.size - 1):
        if not up[edge]:
            continue
        run = np.flatnonzero(~up[edge:] if edge == 0 else ~up[::-1])
        length = int(run[0]) if run.size else up.size
        span = (0.0, length / fs) if edge == 0 else ((up.size - length) / fs, up.size / fs)
        if length >= 0.5 * fs and not any(span[0] <= p <= span[1] for p in peaks_s):
            n += 1
    return n


def _onset_errors(rep_onsets: list[float], movement: np.ndarray) -> list[float]:
    out = []
    for m in movement:
        near = [o for o in rep_onsets if ONSET_WINDOW_MS[0] / 1000 - 0.4 <= o - m <= 0.5]
        if near:
            out.append((min(near, key=lambda o: abs(o - m + 0.15)) - m) * 1000.0)
    return out


def uci_rows(group: str = "N") -> list[dict]:
    """``N``: the 11 healthy subjects (the rules were tuned on them); ``A``: the 11 with a knee
    abnormality, kept aside to check the rules on recordings they were not tuned on."""
    rows = []
    folder = DATA / ("uci" if group == "N" else "uci_a")
    for path in sorted(glob.glob(str(folder / f"*{group}*.txt")), key=lambda p: (p[-7:-4], int(Path(p).name[:-8]))):
        task = Path(path).stem[-3:]
        rec = load_recording(path, rate=1000.0)
        labels = _labels(rec)
        emg_idx = [i for i, lb in enumerate(labels) if lb in ("RF", "BF", "VM", "ST")]
        peaks, movement = goniometer_truth(rec.data[labels.index("FX")], rec.sample_rate_hz, task)
        cut = 0 if task == "mar" else cut_excursions(rec.data[labels.index("FX")], rec.sample_rate_hz, task, peaks)
        a = analyze(rec.data[emg_idx], rec.sample_rate_hz, [labels[i] for i in emg_idx])
        found = {c.name: len(c.reps) for c in a.channels}
        if task == "mar" and peaks.size > 1:
            # walking starts and ends mid-stride: the truth is the strides whose swing peak the
            # goniometer shows, so the reps counted are those starting within half a stride of them
            half = float(np.median(np.diff(peaks))) / 2
            found = {c.name: int(sum(peaks[0] - half <= r.onset_s < peaks[-1] + half for r in c.reps))
                     for c in a.channels}
        prime = PRIME.get(task, tuple(found))
        errs: list[float] = []
        for c in a.channels:
            if c.name in prime and task != "mar":
                errs += _onset_errors([r.onset_s for r in c.reps], movement)
        rows.append({"file": Path(path).stem, "task": task, "true": len(peaks) + cut, "found": found, "prime": prime,
                     "onset_ms": errs, "cycle_s": a.rhythm.period_s if a.rhythm else None,
                     "true_cycle_s": float(np.median(np.diff(peaks))) if peaks.size > 1 else None,
                     "confidence": {c.name: c.confidence.level if c.confidence else "" for c in a.channels},
            "uncertain": {c.name: bool(c.confidence and c.confidence.uncertain) for c in a.channels}})
    return rows


def santuz_row() -> dict | None:
    emg = DATA / "santuz" / "ID0012_TW_01_emg.csv"
    if not emg.exists():
        return None
    rec = load_recording(emg)
    with open(DATA / "santuz" / "ID0012_TW_01_cycles.csv") as f:
        cycles = [(float(r["V1"]), float(r["V2"])) for r in csv.DictReader(f)]
    t0 = float(np.genfromtxt(emg, delimiter=",", skip_header=1, max_rows=1)[0])  # the file's time starts here
    touch = np.array([c[0] for c in cycles]) - t0
    a = analyze(rec.data, rec.sample_rate_hz, rec.labels)
    by = {c.name: c for c in a.channels}
    found = {c.name: len(c.reps) for c in a.channels}
    ham_first, compared, gmax_err = 0, 0, []
    for td in touch:
        gm = [r.onset_s for r in by["MA"].reps if -0.35 <= r.onset_s - td <= 0.25]
        ham = [r.onset_s for name in ("ST", "BF") for r in by[name].reps if -0.6 <= r.onset_s - td <= 0.1]
        if gm:
            gmax_err.append((gm[0] - td) * 1000.0)
        if gm and ham:
            compared += 1
            ham_first += min(ham) < gm[0]
    # every cycle is a touchdown; the recording also shows the stride before the first one
    return {"file": "santuz ID0012_TW_01", "task": "walk", "true": len(cycles) + 1, "found": found,
            "prime": ("MA", "ME", "ST", "BF"), "onset_ms": gmax_err, "hamstring_first": (ham_first, compared),
            "cycle_s": a.rhythm.period_s if a.rhythm else None, "true_cycle_s": float(np.median(np.diff(touch))),
            "confidence": {c.name: c.confidence.level if c.confidence else "" for c in a.channels},
            "uncertain": {c.name: bool(c.confidence and c.confidence.uncertain) for c in a.channels}}


def _score(rows: list[dict]) -> tuple[dict, list[dict]]:
    ok_prime = ok_other = both = near = said = 0
    flagged = {"wrong": 0, "wrong_flagged": 0, "right": 0, "right_flagged": 0}  # prime-mover channels
    errors: list[float] = []
    out = []
    for r in rows:
        prime = {k: v for k, v in r["found"].items() if k in r["prime"]}
        other = {k: v for k, v in r["found"].items() if k not in r["prime"]}
        errors += [abs(v - r["true"]) / max(1, r["true"]) for v in prime.values()]
        near += all(abs(v - r["true"]) <= max(1, 0.1 * r["true"]) for v in prime.values())
        for k, v in prime.items():
            kind = "right" if v == r["true"] else "wrong"
            flagged[kind] += 1
            flagged[kind + "_flagged"] += bool(r["uncertain"].get(k))
        said += all(v == r["true"] or r["uncertain"].get(k) for k, v in prime.items())
        p_ok = all(v == r["true"] for v in prime.values())
        o_ok = all(v <= r["true"] + 1 for v in other.values())
        ok_prime += p_ok
        ok_other += o_ok
        both += p_ok and o_ok
        med = float(np.median(r["onset_ms"])) if r["onset_ms"] else None
        line = (f"{r['file']:<22} {r['task']:<4} true {r['true']:>2}  prime {prime}  others {other}  "
                f"{'OK' if p_ok and o_ok else 'MISS'}  onset vs event median {med if med is None else round(med)} ms")
        if "hamstring_first" in r:
            line += f"  hamstring before glute max {r['hamstring_first'][0]}/{r['hamstring_first'][1]}"
        print(line)
        out.append({**r, "prime_ok": p_ok, "others_ok": o_ok, "onset_median_ms": med})
    all_on = [e for r in rows if r["task"] != "walk" for e in r["onset_ms"]]
    lo, hi = ONSET_TOLERANCE_MS
    timed = [r for r in rows if r["task"] != "walk" and r["onset_ms"]]
    summary = {"files": len(rows), "prime_count_exact": ok_prime, "others_within_true_plus_1": ok_other,
               "both": both, "prime_within_1_or_10_percent": near,
               "prime_right_or_said_uncertain": said, "prime_channels": flagged,
               "prime_count_error_median_percent": round(100 * float(np.median(errors)), 1) if errors else None,
               "onset_vs_movement_median_ms": round(float(np.median(all_on)), 1) if all_on else None,
               "onset_vs_movement_p10_p90_ms": [round(float(np.percentile(all_on, q)), 1) for q in (10, 90)]
               if all_on else None,
               "onset_abs_error_median_ms": round(float(np.median(np.abs(all_on))), 1) if all_on else None,
               "onsets_within_tolerance": [int(sum(lo <= e <= hi for e in all_on)), len(all_on)],
               "files_onset_median_within_tolerance": [int(sum(lo <= float(np.median(r["onset_ms"])) <= hi
                                                                for r in timed)), len(timed)]}
    print(summary)
    return summary, [{k: v for k, v in r.items() if k != "onset_ms"} for r in out]


def _names(counts: dict, uncertain: dict) -> str:
    return ", ".join(f"{k} {v}" + (" (uncertain)" if uncertain.get(k) else "") for k, v in counts.items())


def markdown_table(rows: list[dict]) -> str:
    """The per-file table of docs/algorithms.md, from a run (so the docs are this output)."""
    lo, hi = ONSET_TOLERANCE_MS
    out = ["| file | task | true | cycle s, found (goniometer / touchdowns) | prime movers found | others found "
           "| counts met | prime onset − movement onset: median, median of the absolute, within tolerance |",
           "|---|---|---|---|---|---|---|---|"]
    for r in rows:
        prime = {k: v for k, v in r["found"].items() if k in r["prime"]}
        other = {k: v for k, v in r["found"].items() if k not in r["prime"]}
        met = all(v == r["true"] for v in prime.values()) and all(v <= r["true"] + 1 for v in other.values())
        cyc = "none" if r["cycle_s"] is None else f"{r['cycle_s']:.2f}"
        if r["true_cycle_s"] is not None:
            cyc += f" ({r['true_cycle_s']:.2f})"
        on = r["onset_ms"]
        if on:
            med = float(np.median(on))
            within = sum(lo <= e <= hi for e in on)
            timing = f"{med:.0f} ms, {float(np.median(np.abs(on))):.0f} ms, {within}/{len(on)}"
        else:
            timing = "—"
        if "hamstring_first" in r:
            timing += f"; hamstring before glute max {r['hamstring_first'][0]}/{r['hamstring_first'][1]}"
        out.append(f"| {r['file']} | {r['task']} | {r['true']} | {cyc} | {_names(prime, r['uncertain'])} "
                   f"| {_names(other, r['uncertain'])} | {'yes' if met else '**no**'} | {timing} |")
    return "\n".join(out)


def run() -> dict:
    rows = uci_rows("N")
    s = santuz_row()
    if s is not None:
        rows.append(s)
    if not rows:
        print(f"no data under {DATA}: see benchmarks/real_emg/README.md")
        return {}
    summary, out = _score(rows)
    print(markdown_table(rows))
    result: dict = {"summary": summary, "rows": out}
    held = uci_rows("A")  # the patients: not used to set the rules
    if held:
        print("held out: UCI subjects with a knee abnormality")
        result["held_out"], result["held_out_rows"] = _score(held)
        print(markdown_table(held))
    return result


if __name__ == "__main__":
    run()
