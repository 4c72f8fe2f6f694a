"""The built-in simulated patch: to the rest of the app indistinguishable from a Bluetooth patch.

It runs in its own thread and delivers 20 ms packets at the true rate with a 16-bit sequence
counter, like a BLE notification stream. The signal is the physiologically plausible surface EMG
of ``emg_model`` driven by a ``Scenario``. ``speed`` > 1 produces data faster than real time (for
headless generation of test recordings); the app always runs at 1.

The simulated person also follows the app's prompts (``cue``): told to squeeze at some effort
(calibration), every muscle contracts at that fraction of its MVIC amplitude; given an exercise's
``Effort``, its ``persona`` (``app.devices.personas``: healthy, amnesia, fatigue, weak-medius)
decides which muscle fires when and how hard; told to rest, it relaxes; ``cue(None)`` hands back to
the scenario. So calibration, every protocol and screening test can be demonstrated and tested
without hardware.
"""

from __future__ import annotations

import threading
import time

import numpy as np

from app.devices.emg_model import Artefacts, EmgModel
from app.devices.personas import DEFAULT_PERSONA, REST, Effort, FollowedPrompt, persona
from app.devices.scenarios import DEFAULT_SCENARIO, SCENARIOS, Scenario, mvic_uv
from app.devices.source import Block, ChannelInfo, EventKind, Source, SourceEvent, start_loop, stop_loop
from app.errors import UserError
from app.muscles import DEFAULT_PRESET, PRESETS, validate_label

SUPPORTED_RATES = (250, 500, 1000, 2000, 4000)
DEFAULT_RATE_HZ = 1000
MAX_CHANNELS = 8
MANUAL_RAMP_S = 0.03  # a quick voluntary squeeze


class SimulatedPatch(Source):
    """A virtual EMG patch streaming a scenario in real time."""

    kind = "sim"

    def __init__(
        self,
        labels: tuple[str, ...] = PRESETS[DEFAULT_PRESET],
        sample_rate_hz: float = DEFAULT_RATE_HZ,
        scenario: str = DEFAULT_SCENARIO,
        seed: int | None = None,
        block_ms: float = 20.0,
        speed: float = 1.0,
        artefacts: Artefacts | None = None,
        persona_key: str = DEFAULT_PERSONA,
    ) -> None:
        super().__init__()
        if not 1 <= len(labels) <= MAX_CHANNELS:
            raise UserError(f"The simulated patch has 1 to {MAX_CHANNELS} channels, not {len(labels)}.")
        if len(set(labels)) != len(labels):
            raise UserError("Each channel needs its own label.")
        if int(sample_rate_hz) not in SUPPORTED_RATES or sample_rate_hz != int(sample_rate_hz):
            rates = ", ".join(str(r) for r in SUPPORTED_RATES)
            raise UserError(f"The simulated patch samples at {rates} Hz, not {sample_rate_hz:g}.")
        if scenario not in SCENARIOS:
            raise UserError(
                f"Unknown scenario {scenario!r}; choose one of: {', '.join(SCENARIOS)}."
            )
        if not speed > 0:
            raise UserError("The simulation speed must be a positive number.")
        self._labels = tuple(validate_label(x) for x in labels)
        self._fs = float(sample_rate_hz)
        self.scenario: Scenario = SCENARIOS[scenario]
        self._seed = seed
        self._block = max(1, int(round(self._fs * block_ms / 1000.0)))
        self._speed = speed
        self._artefacts = artefacts or Artefacts()
        self._thread: threading.Thread | None = None
        self._stop_evt = threading.Event()
        self._pressed = False
        self._level = 0.0  # current manual or cued level (ramps toward the pressed/cued state)
        self._cue: Effort | None = None  # what the app asked for, or None (the scenario plays)
        self.persona = persona(persona_key)
        self._follow = FollowedPrompt(self._labels, self._fs, self.persona)
        self._mvic = np.array([mvic_uv(lb) for lb in self._labels])[:, None]
        self._n = 0  # samples produced
        self.manual_onsets: list[float] = []  # true onsets (s) of manual contractions

    name = "Simulated patch"

    @property
    def channels(self) -> tuple[ChannelInfo, ...]:
        return tuple(ChannelInfo(x, "uV") for x in self._labels)

    @property
    def sample_rate_hz(self) -> float:
        return self._fs

    @property
    def samples_per_block(self) -> int:
        return self._block

    def metadata(self) -> dict[str, str]:
        return {
            "scenario": self.scenario.key,
            "persona": self.persona.key,
            "mains_hz": f"{self._artefacts.mains_hz:g}",
        }

    def press(self, pressed: bool) -> None:
        """Manual scenario: contract while pressed (thread-safe; a plain bool store)."""
        self._pressed = pressed

    def cue(self, effort: float | Effort | None) -> None:
        """Follow a prompt (thread-safe; a plain store): every muscle at ``effort`` (0..1 of
        maximal; 0 = relax), an exercise's ``Effort`` carried out by the persona, or back to the
        scenario (None)."""
        if isinstance(effort, (int, float)):
            if not 0.0 <= effort <= 1.0:
                raise ValueError("effort is a fraction of maximal, 0..1")
            effort = Effort.maximal(float(effort)) if effort > 0 else REST
        self._cue = effort

    @property
    def cued(self) -> Effort | None:
        return self._cue

    def truth(self, duration_s: float) -> list[list[tuple[float, float]]]:
        """True onsets/offsets per channel (manual: press times on the muscles that take part)."""
        if self.scenario.manual:
            on = [(t, t) for t in self.manual_onsets]
            return [on if self.scenario.roles.get(lbl.rsplit("_", 1)[0]) else [] for lbl in self._labels]
        return self.scenario.truth(self._labels, duration_s)

    # -- Source ------------------------------------------------------------------------------
    def _start(self) -> None:
        self._thread = start_loop(self._thread, self._stop_evt, self._run, "sim-patch")

    def _stop(self) -> None:
        stop_loop(self._thread, self._stop_evt)
        self._thread = None

    def _manual_levels(self, n: int) -> np.ndarray:
        """Ramp the manual level toward the button state, 0->1 in MANUAL_RAMP_S (30 ms)."""
        target = 1.0 if self._pressed else 0.0
        if self._level == 0.0 and target == 1.0:
            self.manual_onsets.append(self._n / self._fs)
        return self._ramp(target, MANUAL_RAMP_S, n)

    def _ramp(self, target: float, ramp_s: float, n: int) -> np.ndarray:
        """The level over the next ``n`` samples, moving toward ``target`` at 1 per ``ramp_s``."""
        step = 1.0 / (ramp_s * self._fs)
        if target > self._level:
            lv = np.minimum(self._level + step * np.arange(1, n + 1), target)
        else:
            lv = np.maximum(self._level - step * np.arange(1, n + 1), target)
        self._level = float(lv[-1])
        return lv

    def generate(self, n: int, model: EmgModel) -> np.ndarray:
        """The next ``n`` samples (channels, n) in µV; used by the thread and by tests."""
        t = (self._n + np.arange(n)) / self._fs
        cue = self._cue
        if cue is not None:  # the person follows the app's prompt, whatever the scenario
            self._follow.follow(cue, self._n)
            level, tired = self._follow.next(self._n, n)
            amp, fatigue = self._mvic * level, (tired if tired.any() else None)
        else:
            manual = self._manual_levels(n) if self.scenario.manual else None
            amp, fatigue = self.scenario.activation(self._labels, t, manual)
        raw = model.next(amp, fatigue)
        self._n += n
        return raw

    def _run(self) -> None:
        rng = np.random.default_rng(self._seed)
        model = EmgModel(self._fs, len(self._labels), rng, self._artefacts)
        period = self._block / self._fs / self._speed
        self._n = 0
        seq = 0
        t0 = time.monotonic()
        self._emit_event(SourceEvent(EventKind.CONNECTED, "Simulated patch streaming."))
        while not self._stop_evt.is_set():
            deadline = t0 + (seq + 1) * period
            delay = deadline - time.monotonic()
            if delay > 0 and self._stop_evt.wait(delay):
                break
            data = self.generate(self._block, model)
            self._emit_block(Block(data, seq=seq & 0xFFFF))
            seq += 1
        self._emit_event(SourceEvent(EventKind.DISCONNECTED, "Simulated patch stopped."))
