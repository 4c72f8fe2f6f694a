"""Short guided routines on the live stream: %MVIC calibration and the electrode contact check.

Each is a DSP-worker sink (no Qt). It keeps the raw samples it needs and tells, in stream time
(samples, not wall-clock ticks, so an accelerated simulation runs them faster and a stalled UI
cannot stretch them), what the person should be doing now (``Prompt``). When it has all it needs,
the result is worked out on a short-lived thread of its own, so no DSP block waits for it.

Calibration follows the ISEK consensus for amplitude normalisation (CEDE, Besomi et al. 2020):
three maximal (or a stated submaximal effort) isometric contractions of 5 s with rest between;
the reference is ``app.analysis.mvic.reference_from_recording``.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from app.analysis.mvic import MvicReference, reference_from_recording
from app.analysis.quality import Quality, assess
from app.dsp.worker import ProcessedBlock
from app.errors import UserError

CONTACT_CHECK_S = 3.0
log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Prompt:
    """What the person is asked to do right now, in words a patient understands."""

    phase: str  # "relax" | "contract" | "rest" | "done"
    text: str
    seconds_left: float
    step: int = 0  # which contraction (1-based), 0 outside contractions
    steps: int = 0
    effort: float = 0.0  # fraction of maximal asked for (0 = relax)

    @property
    def contracting(self) -> bool:
        return self.phase == "contract"


@dataclass(frozen=True)
class CalibrationPlan:
    """The calibration routine: settle, then ``contractions`` x (contract, rest)."""

    contractions: int = 3
    contract_s: float = 5.0
    rest_s: float = 5.0
    settle_s: float = 2.0
    tail_s: float = 1.0  # after the last contraction, so its offset is seen
    effort: float = 1.0  # 1.0 maximal; e.g. 0.5 for a submaximal reference (pain)
    window_ms: float = 500.0

    def __post_init__(self) -> None:
        if self.contractions < 1 or min(self.contract_s, self.rest_s, self.settle_s) <= 0:
            raise UserError("A calibration needs at least one contraction and positive times.")
        if not 0 < self.effort <= 1:
            raise UserError("The calibration effort must be between 1 and 100%.")
        if self.contract_s * 1000.0 < self.window_ms:
            raise UserError(f"Each contraction must last at least {self.window_ms:g} ms.")

    @property
    def total_s(self) -> float:
        return self.settle_s + self.contractions * self.contract_s + (self.contractions - 1) * self.rest_s + self.tail_s

    def prompt_at(self, t: float) -> Prompt:
        """The instruction ``t`` seconds into the routine."""
        n = self.contractions
        if t < self.settle_s:
            return Prompt("relax", "Relax completely", self.settle_s - t)
        t -= self.settle_s
        period = self.contract_s + self.rest_s
        k = min(int(t // period), n - 1)
        within = t - k * period
        if within < self.contract_s:
            ask = "Squeeze as hard as you can" if self.effort >= 1.0 else f"Squeeze at {self.effort * 100:.0f}% effort"
            return Prompt("contract", f"{ask} ({k + 1} of {n})", self.contract_s - within, k + 1, n, self.effort)
        if k < n - 1:
            return Prompt("rest", f"Rest ({k + 1} of {n} done)", period - within, k + 1, n)
        return Prompt("done", "Relax: working out the references", max(0.0, self.total_s - self.settle_s - t))


class Routine:
    """Collects the raw samples of ``seconds`` of stream, then works out a result off-thread and
    calls ``on_done(self)`` there (``done`` is set first; ``error`` holds a sentence on failure)."""

    on_done: Callable[[Routine], None] | None = None
    stream: Any = None  # the LiveStream it runs on (set by the controller)
    sink: Callable[[ProcessedBlock], None] | None = None  # its sink on that stream's worker

    def __init__(self, fs: float, labels: Sequence[str], seconds: float) -> None:
        self.fs = float(fs)
        self.labels = tuple(labels)
        self.need = max(1, int(round(seconds * self.fs)))
        self._parts: list[np.ndarray] = []
        self.have = 0
        self._lock = threading.Lock()
        self._worker: threading.Thread | None = None
        self.done = threading.Event()
        self.error: str | None = None

    def __call__(self, block: ProcessedBlock) -> None:
        """DSP thread."""
        with self._lock:
            if self.have >= self.need:
                return
            take = min(block.raw.shape[1], self.need - self.have)
            self._parts.append(block.raw[:, :take])
            self.have += take
            self._advanced(self.have / self.fs)
            full = self.have >= self.need
        if full:
            self._worker = threading.Thread(target=self._finish, name=type(self).__name__, daemon=True)
            self._worker.start()

    def _advanced(self, seconds: float) -> None:
        """Called with the stream time reached (caller holds the lock)."""

    @property
    def progress(self) -> float:
        with self._lock:
            return self.have / self.need

    def raw(self) -> np.ndarray:
        with self._lock:
            return np.hstack(self._parts) if self._parts else np.zeros((len(self.labels), 0))

    def _finish(self) -> None:
        try:
            self._compute(self.raw())
        except UserError as exc:
            self.error = str(exc)
        except Exception as exc:  # a bug must not pass for a result: say so, keep the traceback in the log
            log.exception("%s could not work out its result", type(self).__name__)
            self.error = f"The result could not be worked out ({type(exc).__name__}: {exc}); try again."
        finally:
            self.done.set()
            if self.on_done is not None:
                self.on_done(self)

    def _compute(self, raw: np.ndarray) -> None:
        raise NotImplementedError

    def join(self, timeout: float | None = None) -> None:
        t = self._worker
        if t is not None:
            t.join(timeout)


class CalibrationRun(Routine):
    """%MVIC calibration on the live stream; ``on_prompt`` hears each new instruction (DSP
    thread) — the controller passes it on to a simulated person, who then does as told."""

    def __init__(self, fs: float, labels: Sequence[str], plan: CalibrationPlan, person: str,
                 on_prompt: Callable[[Prompt], None] | None = None) -> None:
        super().__init__(fs, labels, plan.total_s)
        self.plan = plan
        self.person = person
        self._on_prompt = on_prompt
        self._prompt = plan.prompt_at(0.0)
        self.references: dict[str, MvicReference] = {}
        if on_prompt is not None:
            on_prompt(self._prompt)

    @property
    def prompt(self) -> Prompt:
        with self._lock:
            return self._prompt

    def _advanced(self, seconds: float) -> None:
        p = self.plan.prompt_at(seconds)
        changed = (p.phase, p.step) != (self._prompt.phase, self._prompt.step)
        self._prompt = p
        if changed and self._on_prompt is not None:
            self._on_prompt(p)

    def _compute(self, raw: np.ndarray) -> None:
        refs = reference_from_recording(raw, self.fs, self.labels, window_ms=self.plan.window_ms,
                                        expected=self.plan.contractions, fraction=self.plan.effort)
        self.references = {r.label: r for r in refs}


class ContactCheck(Routine):
    """A few seconds at rest, then one signal-quality verdict per channel (``app.analysis.quality``)."""

    def __init__(self, fs: float, labels: Sequence[str], mains_hz: float | None, seconds: float = CONTACT_CHECK_S) -> None:
        super().__init__(fs, labels, seconds)
        self.seconds = seconds
        self.mains_hz = mains_hz
        self.results: list[Quality] = []

    def _compute(self, raw: np.ndarray) -> None:
        self.results = assess(raw, self.fs, self.labels, self.mains_hz)

    def sentences(self) -> list[str]:
        """One line per channel: good contact, or what to fix."""
        from app.muscles import display_name

        lines: list[str] = []
        for q in self.results:
            if q.ok:
                lines.append(f"✔ {display_name(q.label)}: good contact (rest noise {q.noise_floor_uv:.1f} µV).")
            else:
                lines += [f"✘ {p}" for p in q.problems()]
        return lines
