"""Live analysis on the DSP thread: onsets -> firing order per rep, and the stopping rule.

A DSP-worker sink (no Qt). The first ``baseline_s`` seconds after connecting are taken as rest
(the person is told to relax while the patch settles) to set each channel's onset threshold;
after that an ``OnsetTracker`` (the same detector as ``glutefire analyze``) follows every block.
A contraction closes ``window_s`` after its first onset; then its firing-order sentence is
published. Rep peaks of the first glute channel feed the 90%-of-best stopping rule.
"""

from __future__ import annotations

import threading

import numpy as np

from app.dsp.fatigue import StoppingRule
from app.dsp.firing_order import Contraction, _is_glute
from app.dsp.onset import Conditioner, OnsetSettings, OnsetTracker, baseline
from app.dsp.worker import ProcessedBlock


class LiveAnalysis:
    """Consumes ``ProcessedBlock``s; the UI reads ``last_sentence``, ``contractions``, ``stop_message``."""

    def __init__(self, fs: float, labels: tuple[str, ...], baseline_s: float = 2.0,
                 window_s: float = 0.5, settings: OnsetSettings | None = None) -> None:
        self.fs = fs
        self.labels = labels
        self.s = settings or OnsetSettings()
        self.window_s = window_s
        self._need = int(baseline_s * fs)
        self._rest: list[np.ndarray] = []
        self._have = 0
        self.tracker: OnsetTracker | None = None
        self._open: dict[str, float] = {}  # onsets of the contraction being gathered
        self._t = 0.0  # stream time of the newest sample
        self._burst_peak: dict[int, float] = {}
        self._lock = threading.Lock()
        self.contractions: list[Contraction] = []
        self.last_sentence = "Relax for 2 s: measuring the resting level…"
        glutes = [i for i, lb in enumerate(labels) if _is_glute(lb)]
        self._rule_channel = glutes[0] if glutes else 0
        self.rule = StoppingRule()
        self.stop_message = ""

    def __call__(self, block: ProcessedBlock) -> None:
        raw = block.raw
        self._t = (block.start_index + raw.shape[1]) / self.fs
        if self.tracker is None:
            self._rest.append(np.nan_to_num(raw))
            self._have += raw.shape[1]
            if self._have >= self._need:
                rest = np.hstack(self._rest)
                self._rest = []
                cond = Conditioner(self.fs, rest.shape[0], self.s).process(rest)
                mu, sd = baseline(cond[:, cond.shape[1] // 4 :], self.fs, self.s.baseline_s)
                self.tracker = OnsetTracker(self.fs, rest.shape[0], mu, sd, self.s)
                # the tracker's clock starts here: offset its times by the rest already seen
                self._offset = self._have / self.fs
                with self._lock:
                    self.last_sentence = "Ready: contract when you like."
            return
        events = self.tracker.process(np.nan_to_num(raw))
        env = block.envelope
        for ch in list(self._burst_peak):
            seg = env[ch][np.isfinite(env[ch])]
            if seg.size:
                self._burst_peak[ch] = max(self._burst_peak[ch], float(seg.max()))
        for e in events:
            t = e.time_s + self._offset
            if e.onset:
                if not self._open or t - min(self._open.values()) <= self.window_s:
                    self._open.setdefault(self.labels[e.channel], t)
                self._burst_peak[e.channel] = 0.0
            elif e.channel in self._burst_peak:
                peak = self._burst_peak.pop(e.channel)
                if e.channel == self._rule_channel and peak > 0 and self.rule.add(peak):
                    with self._lock:
                        self.stop_message = self.rule.message()
        if self._open and self._t - min(self._open.values()) > self.window_s:
            self._close()

    def _close(self) -> None:
        onsets = self._open
        self._open = {}
        leader = min(onsets, key=lambda lb: onsets[lb])
        lags = {lb: (t - onsets[leader]) * 1000.0 for lb, t in onsets.items()}
        c = Contraction(onsets[leader], onsets, leader, lags)
        with self._lock:
            self.contractions.append(c)
            self.last_sentence = f"Rep {len(self.contractions)}: {c.sentence()}"

    def snapshot(self) -> tuple[str, str, int]:
        with self._lock:
            return self.last_sentence, self.stop_message, len(self.contractions)
