"""Offline analysis of a recording: what ``glutefire analyze`` reports, as one JSON-ready dict.

Bursts (envelope detector), reps and holds, fatigue trend and stopping rule, signal quality, firing
order per contraction (TKEO onsets) and left/right symmetry; algorithms in docs/algorithms.md.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from scipy import signal as sps

from app.dsp.bursts import detect_bursts, zero_phase_envelope
from app.dsp.fatigue import StoppingRule, fatigue_trend
from app.dsp.filters import FilterSettings, design_bandpass
from app.dsp.firing_order import firing_order, summary
from app.dsp.onset import detect_onsets
from app.dsp.quality import assess
from app.dsp.reps import reps_from_bursts
from app.dsp.symmetry import pairs
from app.muscles import display_name
from app.session.reader import Recording


def analyze_recording(rec: Recording) -> dict[str, Any]:
    """Everything the analysis knows about ``rec``."""
    fs = rec.sample_rate_hz
    # bursts: envelope detector (edges of each contraction); firing order: TKEO onsets, which
    # date the first motor-unit activity more sharply (issue 4 takes both further)
    bursts = detect_bursts(rec.data, fs)
    env = zero_phase_envelope(rec.data, fs)
    order = firing_order(detect_onsets(rec.data, fs), rec.labels)

    filtered = sps.sosfiltfilt(design_bandpass(FilterSettings(), fs), np.nan_to_num(rec.data), axis=1)
    quality = assess(rec.data, fs, rec.labels, float(rec.metadata.get("mains_hz", 50) or 50))
    targets = rec.thresholds
    channels = []
    peaks: dict[str, float] = {}
    means: dict[str, float] = {}
    stop_messages = []
    for ch, (name, unit, chan) in enumerate(zip(rec.labels, rec.units, bursts)):
        spans = [(b.onset_s, b.offset_s) for b in chan]
        reps = reps_from_bursts(env[ch], fs, spans, targets.get(name))
        rows = [
            {"onset_s": round(b.onset_s, 4), "offset_s": round(b.offset_s, 4),
             "duration_s": round(b.offset_s - b.onset_s, 4), "peak": round(r.peak, 3), "mean": round(r.mean, 3)}
            for b, r in zip(chan, reps)
        ]
        trend = fatigue_trend(filtered[ch], fs, spans)
        rule = StoppingRule()
        for r in reps:
            rule.add(r.peak)
        if rule.done:
            stop_messages.append(f"{display_name(name)}: {rule.message()}")
        if reps:
            peaks[name] = float(np.mean([r.peak for r in reps]))
            means[name] = float(np.mean([r.mean for r in reps]))
        channels.append({
            "name": name, "unit": unit, "bursts": rows,
            "reps": [r.to_dict() for r in reps],
            "fatigue": trend.to_dict() if trend else None,
            "quality": quality[ch].to_dict(),
        })
    result = {
        "file": str(rec.path),
        "sample_rate_hz": float(fs),
        "duration_s": round(rec.duration_s, 4),
        "detectors": {
            "bursts": "threshold on zero-phase moving RMS, edges walked to baseline (app/dsp/bursts.py)",
            "firing_order": "TKEO-conditioned double threshold (app/dsp/onset.py)",
        },
        "channels": channels,
        "firing_order": [c.to_dict() for c in order if len(c.onsets) >= 2],
        "firing_order_summary": summary(order),
        "symmetry": [
            {"muscle": sp.muscle, "left_peak": round(sp.left, 2), "right_peak": round(sp.right, 2),
             "peak_index_percent": round(sp.index_percent, 1),
             "mean_index_percent": round(sm.index_percent, 1),
             "flagged": sp.flagged, "sentence": sp.sentence()}
            for sp, sm in zip(pairs(peaks), pairs(means))
        ],
        "stopping_rule": stop_messages,
    }
    return result
