"""Preferences that persist across restarts (QSettings): thresholds, filters, channels, source.

Thresholds are stored per channel label, so a clinician's target for gluteus_maximus_L survives a
change of channel preset.
"""

from __future__ import annotations

from dataclasses import asdict, fields, replace
from pathlib import Path

from PySide6.QtCore import QSettings

from app.analysis.fatigue import STOP_CONSECUTIVE, STOP_FRACTION
from app.analysis.mvic import DEFAULT_TARGET_PERCENT
from app.devices.personas import DEFAULT_PERSONA, PERSONAS
from app.devices.scenarios import DEFAULT_SCENARIO, SCENARIOS
from app.devices.simulator import DEFAULT_RATE_HZ, SUPPORTED_RATES
from app.dsp.filters import FilterSettings
from app.dsp.firing import DEFAULT_THRESHOLD_UV
from app.muscles import DEFAULT_PRESET, PRESETS
from app.session.controller import SessionOptions
from app.session.sound import SoundSettings


class Preferences:
    """Typed access to the app's QSettings."""

    def __init__(self, settings: QSettings | None = None) -> None:
        self.q = settings or QSettings("GluteFire", "GluteFire")

    # -- thresholds --
    def _positive(self, key: str, default: float) -> float:
        """A stored positive number, or ``default`` when missing or damaged."""
        try:
            f = float(self.q.value(key, default))  # type: ignore[arg-type]
        except (TypeError, ValueError):
            return default
        return f if f > 0 else default

    def threshold(self, label: str) -> float:
        return self._positive(f"thresholds/{label}", DEFAULT_THRESHOLD_UV)

    def set_threshold(self, label: str, value: float) -> None:
        self.q.setValue(f"thresholds/{label}", float(value))

    # -- filters --
    def filters(self) -> FilterSettings:
        default = FilterSettings()
        kw = {}
        for f in fields(FilterSettings):
            v = self.q.value(f"filters/{f.name}", None)
            if v is None:
                continue
            try:
                kw[f.name] = type(getattr(default, f.name))(v)
            except (TypeError, ValueError):
                continue
        try:
            return FilterSettings(**kw)
        except TypeError:
            return default

    def set_filters(self, settings: FilterSettings) -> None:
        for k, v in asdict(settings).items():
            self.q.setValue(f"filters/{k}", v)

    # -- simulated patch and source --
    def _choice(self, key: str, default: str, allowed: dict) -> str:
        v = str(self.q.value(key, default))
        return v if v in allowed else default

    def preset(self) -> str:
        return self._choice("sim/preset", DEFAULT_PRESET, PRESETS)

    def set_preset(self, name: str) -> None:
        self.q.setValue("sim/preset", name)

    def scenario(self) -> str:
        return self._choice("sim/scenario", DEFAULT_SCENARIO, SCENARIOS)

    def set_scenario(self, key: str) -> None:
        self.q.setValue("sim/scenario", key)

    def sample_rate(self) -> int:
        try:
            v = int(self.q.value("sim/rate", DEFAULT_RATE_HZ))  # type: ignore[call-overload]
        except (TypeError, ValueError):
            return DEFAULT_RATE_HZ
        return v if v in SUPPORTED_RATES else DEFAULT_RATE_HZ

    def set_sample_rate(self, hz: int) -> None:
        self.q.setValue("sim/rate", int(hz))

    def persona(self) -> str:
        """Who the simulated patch's person is when they follow prompts."""
        return self._choice("sim/persona", DEFAULT_PERSONA, PERSONAS)

    def set_persona(self, key: str) -> None:
        self.q.setValue("sim/persona", key)

    def last_source(self) -> str:
        return str(self.q.value("source/last", "sim"))

    def set_last_source(self, key: str) -> None:
        self.q.setValue("source/last", key)

    def sync(self) -> None:
        self.q.sync()

    def last_device(self) -> tuple[str, str, str] | None:
        """(address, protocol, name) of the last Bluetooth patch, if any."""
        v = str(self.q.value("source/device", ""))
        parts = v.split("|")
        return (parts[0], parts[1], parts[2]) if len(parts) == 3 and parts[0] else None

    def set_last_device(self, address: str, protocol: str, name: str) -> None:
        self.q.setValue("source/device", f"{address}|{protocol}|{name}")

    def person(self) -> str:
        """The person chosen last (their %MVIC references load on Connect)."""
        return str(self.q.value("person/name", ""))

    def set_person(self, name: str) -> None:
        self.q.setValue("person/name", name)

    # -- per-person targets in %MVIC --
    def target_percent(self, person: str, label: str, default: float = DEFAULT_TARGET_PERCENT) -> float:
        """The person's target for ``label`` in % MVIC (default 40%)."""
        return self._positive(f"person_targets/{_key(person)}/{label}", default)

    def set_target_percent(self, person: str, label: str, value: float) -> None:
        self.q.setValue(f"person_targets/{_key(person)}/{label}", float(value))

    # -- stopping rule (seed article: stop when effort stays below 90% of the best) --
    def stopping_rule(self) -> tuple[float, int]:
        """(fraction of the best, consecutive reps); defaults in ``app.analysis.fatigue``."""
        try:
            frac = float(self.q.value("session/stop_fraction", STOP_FRACTION))  # type: ignore[arg-type]
            n = int(str(self.q.value("session/stop_reps", STOP_CONSECUTIVE)))
        except (TypeError, ValueError):
            return STOP_FRACTION, STOP_CONSECUTIVE
        return ((frac if 0.5 <= frac <= 1.0 else STOP_FRACTION),
                (n if 1 <= n <= 10 else STOP_CONSECUTIVE))

    # -- sound --
    def sound(self) -> SoundSettings:
        """Volume, mute, pitch that follows the level, spoken cues (defaults: ``SoundSettings``)."""
        d = SoundSettings()

        def flag(key: str, default: bool) -> bool:
            v = self.q.value(f"sound/{key}", default)
            return v if isinstance(v, bool) else str(v).lower() in ("true", "1", "yes")

        volume = self._positive("sound/volume", d.volume)
        return SoundSettings(min(1.0, volume), flag("muted", d.muted), flag("pitch", d.pitch_follows_level),
                             flag("speech", d.speech))

    def set_sound(self, s: SoundSettings) -> None:
        self.q.setValue("sound/volume", float(s.volume))
        self.q.setValue("sound/muted", bool(s.muted))
        self.q.setValue("sound/pitch", bool(s.pitch_follows_level))
        self.q.setValue("sound/speech", bool(s.speech))

    def set_stopping_rule(self, fraction: float, consecutive: int) -> None:
        self.q.setValue("session/stop_fraction", float(fraction))
        self.q.setValue("session/stop_reps", int(consecutive))

    # -- Lab Streaming Layer (off by default) --
    def lsl_outlet(self) -> bool:
        """Publish each session as LSL streams (raw, envelope, markers) for LabRecorder."""
        v = self.q.value("lsl/outlet", False)
        return v if isinstance(v, bool) else str(v).lower() in ("true", "1", "yes")

    def set_lsl_outlet(self, on: bool) -> None:
        self.q.setValue("lsl/outlet", bool(on))

    def session_options(self, recordings_dir: Path, base: SessionOptions | None = None) -> SessionOptions:
        """What the next Connect starts with: the stopping rule and LSL publishing from here, on
        ``base`` (the session's options, whose filters ``set_filters`` keeps), else our filters."""
        frac, reps = self.stopping_rule()
        filters = base.filters if base is not None else self.filters()
        return replace(base or SessionOptions(), filters=filters, stop_fraction=frac, stop_consecutive=reps,
                       recordings_dir=recordings_dir, lsl_outlet=self.lsl_outlet())


def _key(name: str) -> str:
    """A QSettings-safe group name for a person (no slashes)."""
    return name.replace("/", "_").replace("\\", "_") or "_"
