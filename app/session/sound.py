"""Sound cues for training eyes-off: what each cue sounds like, and the mixer the audio device pulls. No Qt.

A person doing a bridge or a clamshell is not looking at the screen, so the feedback that matters
most has to be heard: a tone the moment the glute reaches its goal, a warning that cannot be
mistaken for it when a compensator (hamstring, lower back) takes over, and the routine's cues.

Sound design (each cue is float32 mono at ``SAMPLE_RATE``):

- GOAL: a pure 880 Hz (A5) tone, 150 ms: bright, short, clearly a "yes".
- COMPENSATOR: two 120 ms bursts of a 220 Hz complex with six harmonics, amplitude-modulated at
  40 Hz. Low pitch, a harmonic-rich burst pattern (IEC 60601-1-8 builds its alarm signals the same
  way: a 150-1000 Hz fundamental with at least four harmonics, in pulses) and modulation in the
  15-300 Hz range heard as *roughness* (Zwicker & Fastl, Psychoacoustics, 3rd ed., ch. 11) make it
  a warning, not a reward.
- HOLD / RELAX / REP_DONE / SET_DONE / DONE_FOR_TODAY: the words, spoken by espeak-ng when it is
  installed and speech is on; otherwise tone patterns (up for hold, down for relax, a tick for a
  rep, short and long arpeggios for the set and the day).
- Every gate has raised-cosine ramps of a few ms: a rectangular gate splatters energy across the
  spectrum and is heard as a click.

Latency: the DSP thread calls ``Mixer.play`` as soon as it sees a crossing; it only appends to a
list. The device thread ``pull``s short chunks, so a cue starts at the first sample of the next
pull and is heard one device buffer (~20 ms) later: well inside the 50 ms onset -> tone target.
"""

from __future__ import annotations

import io
import logging
import math
import os
import shutil
import subprocess
import threading
import time
import wave
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from enum import StrEnum
from typing import NamedTuple

import numpy as np

from app.errors import UserError

log = logging.getLogger(__name__)

SAMPLE_RATE = 48_000
GOAL_HZ = 880.0
GOAL_S = 0.150
COMPENSATOR_HZ = 220.0
COMPENSATOR_PULSE_S = 0.120
COMPENSATOR_GAP_S = 0.060
COMPENSATOR_AM_HZ = 40.0
#: the pitch-follows-level tone: 0 of the goal -> low, the goal and above -> high
PITCH_LOW_HZ = 300.0
PITCH_HIGH_HZ = 900.0
#: each cue peaks at half scale so two overlapping ones still fit; the level tone stays underneath
CUE_PEAK = 0.5
PITCH_PEAK = 0.25
RAMP_S = 0.008
#: a level change glides the pitch over this long (level updates come every DSP block, ~20 ms)
GLIDE_S = 0.020
#: a volume or mute change ramps the gain over this long, so it never clicks
GAIN_RAMP_S = 0.010
#: more than this many overlapping sounds is a burst of triggers; the oldest ones are dropped
MAX_VOICES = 16
LOG_LENGTH = 4096
#: above this the mix is bent smoothly towards +-1 instead of clipping
LIMIT_KNEE = 0.8
SPEECH_ENGINES = ("espeak-ng", "espeak")
SPEECH_WORDS_PER_MINUTE = 165
SPEECH_TIMEOUT_S = 10.0


class Cue(StrEnum):
    GOAL = "goal"  # the target muscle reached its goal (rising crossing)
    COMPENSATOR = "compensator"  # a compensator went over its ceiling: "taking over"
    HOLD = "hold"
    RELAX = "relax"
    REP_DONE = "rep done"
    SET_DONE = "set done"
    DONE_FOR_TODAY = "done for today"


#: what is said for the routine's cues (the goal and the warning stay tones: they must be instant)
WORDS: dict[Cue, str] = {
    Cue.HOLD: "Hold",
    Cue.RELAX: "Relax",
    Cue.REP_DONE: "Rep done",
    Cue.SET_DONE: "Set done",
    Cue.DONE_FOR_TODAY: "Done for today",
}


@dataclass(frozen=True)
class SoundSettings:
    volume: float = 0.7  # 0..1, linear amplitude
    muted: bool = False
    pitch_follows_level: bool = False
    speech: bool = True  # speak the cue words where a speech engine exists


class StartedSound(NamedTuple):
    """One cue that began playing: when it was asked for, and where and when it entered the output."""

    cue: Cue
    requested_at: float  # time.monotonic() of the play() request
    first_sample_index: int  # index of its first sample in the mixer's output stream
    pulled_at: float  # time.monotonic() of the pull() that started it


# -- building blocks ---------------------------------------------------------------------------


def _ramps(n: int, ramp_s: float = RAMP_S) -> np.ndarray:
    """Raised-cosine attack and release over ramp_s (shortened for very short sounds)."""
    env = np.ones(n)
    r = min(int(ramp_s * SAMPLE_RATE), n // 2)
    if r > 0:
        rise = 0.5 - 0.5 * np.cos(np.pi * (np.arange(r) + 0.5) / r)
        env[:r] = rise
        env[n - r:] = rise[::-1]
    return env


def tone(freq_hz: float, seconds: float, harmonics: Sequence[float] = (1.0,), am_hz: float = 0.0,
         am_depth: float = 0.0, ramp_s: float = RAMP_S) -> np.ndarray:
    """A gated tone: harmonic k+1 of freq_hz at amplitude harmonics[k], optional amplitude modulation."""
    n = max(1, round(seconds * SAMPLE_RATE))
    t = np.arange(n) / SAMPLE_RATE
    y = np.zeros(n)
    for k, amp in enumerate(harmonics, start=1):
        if amp and k * freq_hz < SAMPLE_RATE / 2:
            y += amp * np.sin(2 * np.pi * k * freq_hz * t)
    if am_hz and am_depth:
        y *= 1.0 - am_depth * (0.5 - 0.5 * np.cos(2 * np.pi * am_hz * t))
    return y * _ramps(n, ramp_s)


def _sequence(parts: Sequence[np.ndarray], gap_s: float) -> np.ndarray:
    gap = np.zeros(round(gap_s * SAMPLE_RATE))
    out: list[np.ndarray] = []
    for i, part in enumerate(parts):
        if i:
            out.append(gap)
        out.append(part)
    return np.concatenate(out)


def _normalised(x: np.ndarray, peak: float = CUE_PEAK) -> np.ndarray:
    top = float(np.max(np.abs(x))) if x.size else 0.0
    y = x * (peak / top) if top > 0 else x
    return np.ascontiguousarray(y, dtype=np.float32)


#: a soft, slightly hollow timbre for the routine's tone patterns (odd harmonics, like a flute-ish triangle)
_SOFT = (1.0, 0.0, 0.12, 0.0, 0.04)
_C5, _E5, _G5, _C6 = 523.25, 659.25, 783.99, 1046.50


def _goal() -> np.ndarray:
    return tone(GOAL_HZ, GOAL_S, ramp_s=0.010)


def _compensator() -> np.ndarray:
    pulse = tone(COMPENSATOR_HZ, COMPENSATOR_PULSE_S, harmonics=(1.0, 0.7, 0.55, 0.45, 0.35, 0.3),
                 am_hz=COMPENSATOR_AM_HZ, am_depth=0.6, ramp_s=0.012)
    return _sequence([pulse, pulse], COMPENSATOR_GAP_S)


def _hold() -> np.ndarray:  # rising: engage
    return _sequence([tone(_C5, 0.11, _SOFT), tone(_G5, 0.16, _SOFT)], 0.02)


def _relax() -> np.ndarray:  # falling: let go
    return _sequence([tone(_G5, 0.11, _SOFT), tone(_C5, 0.16, _SOFT)], 0.02)


def _tick() -> np.ndarray:
    n = round(0.035 * SAMPLE_RATE)
    decay = np.exp(-np.arange(n) / (0.008 * SAMPLE_RATE))
    return tone(1760.0, 0.035, (1.0, 0.3), ramp_s=0.002) * decay


def _set_done() -> np.ndarray:
    return _sequence([tone(f, 0.09, _SOFT) for f in (_C5, _E5, _G5)], 0.02)


def _done_for_today() -> np.ndarray:
    notes = [tone(f, 0.10, _SOFT) for f in (_C5, _E5, _G5)] + [tone(_C6, 0.40, _SOFT, ramp_s=0.06)]
    return _sequence(notes, 0.02)


TONE_PATTERNS: dict[Cue, Callable[[], np.ndarray]] = {
    Cue.GOAL: _goal,
    Cue.COMPENSATOR: _compensator,
    Cue.HOLD: _hold,
    Cue.RELAX: _relax,
    Cue.REP_DONE: _tick,
    Cue.SET_DONE: _set_done,
    Cue.DONE_FOR_TODAY: _done_for_today,
}


# -- speech ------------------------------------------------------------------------------------

_logged_once: set[str] = set()
_speech_cache: dict[tuple[str, str], np.ndarray | None] = {}
_speech_lock = threading.Lock()


def _log_once(key: str, msg: str, *args: object) -> None:
    if key not in _logged_once:
        _logged_once.add(key)
        log.info(msg, *args)


def find_speech_engine(command: str | None = None) -> str | None:
    """The path of the speech engine to use: command if given, else espeak-ng (or espeak) on PATH."""
    for name in (command,) if command else SPEECH_ENGINES:
        path = shutil.which(name)
        if path:
            return path
    _log_once(f"missing:{command}", "No speech engine (%s) was found; the routine's cues are tones.",
              command or " or ".join(SPEECH_ENGINES))
    return None


def wav_to_float(data: bytes) -> tuple[np.ndarray, int]:
    """Decode a PCM WAV file's bytes to float mono in [-1, 1] and its rate (stdlib wave)."""
    with wave.open(io.BytesIO(data), "rb") as w:
        width, channels, rate = w.getsampwidth(), w.getnchannels(), w.getframerate()
        # espeak-ng --stdout cannot know the length up front and writes a huge frame count: read what is there
        frames = w.readframes(w.getnframes())
    usable = len(frames) - len(frames) % (width * channels)
    raw = frames[:usable]
    if width == 1:
        x = (np.frombuffer(raw, np.uint8).astype(np.float64) - 128.0) / 128.0
    elif width == 2:
        x = np.frombuffer(raw, "<i2").astype(np.float64) / 32768.0
    elif width == 4:
        x = np.frombuffer(raw, "<i4").astype(np.float64) / 2147483648.0
    else:
        raise wave.Error(f"unsupported sample width {width}")
    return x.reshape(-1, channels).mean(axis=1), rate


def resample(x: np.ndarray, rate_in: int, rate_out: int = SAMPLE_RATE) -> np.ndarray:
    """Band-limited polyphase resampling (scipy.signal.resample_poly) between integer rates."""
    if rate_in == rate_out or x.size == 0:
        return x
    from scipy.signal import resample_poly

    g = math.gcd(rate_in, rate_out)
    return np.asarray(resample_poly(x, rate_out // g, rate_in // g), dtype=np.float64)


def _trimmed(x: np.ndarray) -> np.ndarray:
    """Cut the engine's leading/trailing silence (a spoken cue must start at once), fade the cut end."""
    if x.size == 0:
        return x
    loud = np.nonzero(np.abs(x) > 0.02 * np.max(np.abs(x)))[0]
    if loud.size == 0:
        return x[:0]
    start = max(0, int(loud[0]) - round(0.005 * SAMPLE_RATE))
    stop = min(x.size, int(loud[-1]) + round(0.030 * SAMPLE_RATE))
    y = x[start:stop].copy()
    fade = min(round(0.010 * SAMPLE_RATE), y.size)
    y[y.size - fade:] *= np.linspace(1.0, 0.0, fade)
    return y


def speak(text: str, command: str) -> np.ndarray | None:
    """text spoken by an espeak-compatible engine, at SAMPLE_RATE; None (logged) when it fails. Cached."""
    key = (command, text)
    with _speech_lock:
        if key in _speech_cache:
            return _speech_cache[key]
    argv = [command, "-v", "en", "-s", str(SPEECH_WORDS_PER_MINUTE), "--stdout", text]
    pcm: np.ndarray | None = None
    try:
        done = subprocess.run(argv, capture_output=True, timeout=SPEECH_TIMEOUT_S, check=False)
        if done.returncode != 0:
            raise OSError(done.stderr.decode(errors="replace").strip() or f"exit status {done.returncode}")
        x, rate = wav_to_float(done.stdout)
        y = _trimmed(resample(x, rate))
        if y.size == 0:
            raise OSError("it produced no sound")
        pcm = _normalised(y)
        pcm.flags.writeable = False
    except (OSError, subprocess.SubprocessError, wave.Error, EOFError) as exc:
        _log_once(f"fail:{command}", "The speech engine %s could not speak (%s); the routine's cues are tones.",
                  command, exc)
    with _speech_lock:
        _speech_cache[key] = pcm
    return pcm


# -- the cues ----------------------------------------------------------------------------------


class CueSounds:
    """The PCM (float32 mono, SAMPLE_RATE) of each cue, built once: tones, and words where they can be spoken.

    Speech needs espeak-ng (or ``speech_command``); without it, or with ``settings.speech`` off, the
    routine's cues are tone patterns. A missing engine is logged once, never an error.
    """

    def __init__(self, settings: SoundSettings | None = None, speech_command: str | None = None) -> None:
        self.settings = settings or SoundSettings()
        self.speech_command = speech_command
        self._engine = find_speech_engine(speech_command)
        self._speech_failed = False
        self._pcm: dict[Cue, np.ndarray] = {}
        self._spoken: set[Cue] = set()
        for cue in Cue:
            pcm: np.ndarray | None = None
            if cue in WORDS and self.settings.speech and self._engine is not None:
                pcm = speak(WORDS[cue], self._engine)
                if pcm is None:
                    self._speech_failed = True
                else:
                    self._spoken.add(cue)
            if pcm is None:
                pcm = _normalised(TONE_PATTERNS[cue]())
                pcm.flags.writeable = False
            self._pcm[cue] = pcm

    def pcm(self, cue: Cue) -> np.ndarray:
        """The cue's samples (read-only)."""
        return self._pcm[Cue(cue)]

    @property
    def speech_available(self) -> bool:
        """A speech engine was found (and did not fail when asked to speak)."""
        return self._engine is not None and not self._speech_failed

    @property
    def spoken(self) -> frozenset[Cue]:
        """The cues that are words rather than tones."""
        return frozenset(self._spoken)


# -- the mixer ---------------------------------------------------------------------------------


class _Voice:
    __slots__ = ("pcm", "pos")

    def __init__(self, pcm: np.ndarray) -> None:
        self.pcm = pcm
        self.pos = 0


def _ramp(start: float, end: float, n: int, ramp_n: int) -> np.ndarray:
    """n values going linearly from start to end over ramp_n samples, then holding end."""
    if start == end:
        return np.full(n, end)
    frac = np.minimum(np.arange(1, n + 1) / max(1, ramp_n), 1.0)
    return start + (end - start) * frac


def soft_limit(x: np.ndarray, knee: float = LIMIT_KNEE) -> np.ndarray:
    """Linear below knee, then bent with tanh towards +-1 (continuous slope): loud overlaps never clip."""
    a = np.abs(x)
    over = a > knee
    if not np.any(over):
        return x
    y = x.copy()
    head = 1.0 - knee
    y[over] = np.sign(x[over]) * (knee + head * np.tanh((a[over] - knee) / head))
    return y


class Mixer:
    """Mixes the cues for the audio device. Thread-safe: play() from any thread (the DSP thread for GOAL
    and COMPENSATOR), pull() from the device's thread.

    play() only appends to a list under a lock; pull() takes that list, starts each sound at the
    first sample it returns, mixes overlapping sounds and the level tone, applies volume and mute
    (with short gain ramps, so changes never click) and logs what started when.
    """

    def __init__(self, sounds: CueSounds, settings: SoundSettings | None = None) -> None:
        self._sounds = sounds
        self._settings = settings or sounds.settings
        self._lock = threading.Lock()
        self._pending: list[tuple[Cue, float]] = []
        self._started: deque[StartedSound] = deque(maxlen=LOG_LENGTH)
        # owned by the pulling thread
        self._voices: list[_Voice] = []
        self._position = 0
        self._gain = self._target_gain(self._settings)
        self._level: float | None = None
        self._phase = 0.0
        self._freq = PITCH_LOW_HZ
        self._amp = 0.0

    @property
    def sounds(self) -> CueSounds:
        return self._sounds

    @property
    def settings(self) -> SoundSettings:
        return self._settings

    def play(self, cue: Cue, at: float | None = None) -> None:
        """Start cue at the next pull; at = time.monotonic() of the request (default now)."""
        requested = time.monotonic() if at is None else at
        with self._lock:
            self._pending.append((Cue(cue), requested))

    def set_settings(self, settings: SoundSettings) -> None:
        """New volume / mute / level tone at the next pull; turning speech on or off rebuilds the words."""
        if settings.speech != self._sounds.settings.speech:
            self._sounds = CueSounds(replace(self._sounds.settings, speech=settings.speech),
                                     self._sounds.speech_command)
        self._settings = settings

    def set_level(self, fraction: float | None) -> None:
        """The level as a fraction of the goal (None = no level tone); heard only with pitch_follows_level."""
        self._level = None if fraction is None or not math.isfinite(fraction) else float(fraction)

    @property
    def started(self) -> list[StartedSound]:
        with self._lock:
            return list(self._started)

    @property
    def position(self) -> int:
        """How many samples have been pulled so far."""
        return self._position

    @staticmethod
    def _target_gain(settings: SoundSettings) -> float:
        return 0.0 if settings.muted else min(1.0, max(0.0, float(settings.volume)))

    def pull(self, n: int) -> np.ndarray:
        """The next n float32 samples in [-1, 1]; silence when idle."""
        if n < 0:
            raise ValueError("n must be >= 0")
        now = time.monotonic()
        with self._lock:
            pending, self._pending = self._pending, []
            for cue, requested in pending:
                self._started.append(StartedSound(cue, requested, self._position, now))
        settings, sounds = self._settings, self._sounds
        for cue, _ in pending:
            self._voices.append(_Voice(sounds.pcm(cue)))
        if len(self._voices) > MAX_VOICES:
            self._voices = self._voices[-MAX_VOICES:]
        out = np.zeros(n)
        keep: list[_Voice] = []
        for v in self._voices:
            k = min(n, v.pcm.size - v.pos)
            out[:k] += v.pcm[v.pos:v.pos + k]
            v.pos += k
            if v.pos < v.pcm.size:
                keep.append(v)
        self._voices = keep
        self._add_level_tone(out, settings)
        self._position += n
        target = self._target_gain(settings)
        gain = _ramp(self._gain, target, n, round(GAIN_RAMP_S * SAMPLE_RATE))
        if n:
            self._gain = float(gain[-1])
        return soft_limit(out * gain).astype(np.float32)

    def _add_level_tone(self, out: np.ndarray, settings: SoundSettings) -> None:
        """A continuous tone whose pitch follows the level: continuous phase, gliding pitch, ramped on/off."""
        level = self._level
        on = settings.pitch_follows_level and level is not None
        if not on and self._amp == 0.0:
            return
        n = out.size
        if n == 0:
            return
        target_f = self._freq if level is None else PITCH_LOW_HZ + (PITCH_HIGH_HZ - PITCH_LOW_HZ) * min(1.0, max(0.0, level))
        f = _ramp(self._freq, target_f, n, round(GLIDE_S * SAMPLE_RATE))
        a = _ramp(self._amp, PITCH_PEAK if on else 0.0, n, round(RAMP_S * SAMPLE_RATE))
        phase = self._phase + np.cumsum(2 * np.pi * f / SAMPLE_RATE)
        out += a * np.sin(phase)
        self._phase = float(phase[-1] % (2 * np.pi))
        self._freq = float(f[-1])
        self._amp = float(a[-1])


# -- offline -----------------------------------------------------------------------------------


def render(events: Sequence[tuple[float, Cue]], seconds: float, sounds: CueSounds | None = None,
           settings: SoundSettings | None = None) -> np.ndarray:
    """What the mixer produces for cues at the given times (s), sample-exact: for tests and previews."""
    if seconds < 0:
        raise ValueError("seconds must be >= 0")
    mixer = Mixer(sounds or CueSounds(settings), settings)
    total = round(seconds * SAMPLE_RATE)
    out = np.zeros(total, dtype=np.float32)
    pos = 0
    for t, cue in sorted(events, key=lambda e: e[0]):
        if t < 0:
            raise ValueError("a cue's time must be >= 0")
        k = min(round(t * SAMPLE_RATE), total)
        if k >= total:
            break
        out[pos:k] = mixer.pull(k - pos)
        pos = k
        mixer.play(cue, at=t)
    out[pos:] = mixer.pull(total - pos)
    return out


def write_wav(path: str | os.PathLike[str], pcm: np.ndarray, rate: int = SAMPLE_RATE) -> None:
    """Save mono samples in [-1, 1] as a 16-bit PCM WAV (stdlib wave), e.g. to preview the cues."""
    x = np.asarray(pcm, dtype=np.float64)
    if x.ndim != 1:
        raise ValueError("write_wav takes mono samples (a 1-D array)")
    ints = np.round(np.clip(x, -1.0, 1.0) * 32767.0).astype("<i2")
    try:
        # open the file first: wave.open(path) leaves a half-built writer behind when the path is bad
        with open(path, "wb") as f, wave.open(f, "wb") as w:
            w.setnchannels(1)
            w.setsampwidth(2)
            w.setframerate(int(rate))
            w.writeframes(ints.tobytes())
    except OSError as exc:
        raise UserError(f"Could not write the sound file {os.fspath(path)}: {exc.strerror or exc}.") from None
