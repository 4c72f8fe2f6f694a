"""The cue sounds, judged by the samples the mixer really produces (FFT, RMS, onsets), not by mocks."""

from __future__ import annotations

import logging
import shutil
import threading
import time
import uuid
import wave

import numpy as np
import pytest

from app.errors import UserError
from app.session.sound import (
    COMPENSATOR_HZ,
    GAIN_RAMP_S,
    GOAL_HZ,
    PITCH_HIGH_HZ,
    PITCH_LOW_HZ,
    PITCH_PEAK,
    SAMPLE_RATE,
    WORDS,
    Cue,
    CueSounds,
    Mixer,
    SoundSettings,
    render,
    resample,
    write_wav,
)

TONES = SoundSettings(speech=False)


def dominant_hz(x: np.ndarray) -> float:
    """The strongest frequency, from a Hann-windowed, zero-padded FFT (~0.7 Hz bins)."""
    n = max(1 << 16, 1 << int(np.ceil(np.log2(x.size))))
    spec = np.abs(np.fft.rfft(x * np.hanning(x.size), n))
    return float(np.argmax(spec) * SAMPLE_RATE / n)


def centroid_hz(x: np.ndarray) -> float:
    power = np.abs(np.fft.rfft(x)) ** 2
    freqs = np.fft.rfftfreq(x.size, 1 / SAMPLE_RATE)
    return float(np.sum(freqs * power) / np.sum(power))


def onset_s(x: np.ndarray, threshold: float = 1e-3) -> float:
    return float(np.nonzero(np.abs(x) > threshold)[0][0] / SAMPLE_RATE)


def rms(x: np.ndarray) -> float:
    return float(np.sqrt(np.mean(np.square(x, dtype=np.float64))))


@pytest.fixture(scope="module")
def tones() -> CueSounds:
    return CueSounds(TONES)


def test_goal_is_its_tone_and_starts_when_asked(tones):
    x = render([(0.5, Cue.GOAL)], 1.0, tones, TONES)
    assert x.dtype == np.float32 and x.size == SAMPLE_RATE
    assert abs(onset_s(x) - 0.5) <= 0.002
    assert np.all(x[: int(0.5 * SAMPLE_RATE)] == 0)  # nothing before it
    burst = x[int(0.5 * SAMPLE_RATE):int(0.65 * SAMPLE_RATE)]
    assert abs(dominant_hz(burst) - GOAL_HZ) < 3
    # soft attack: no click, the first millisecond stays far below the tone's peak
    assert np.max(np.abs(burst[: SAMPLE_RATE // 1000])) < 0.05 * np.max(np.abs(burst))


def test_the_compensator_warning_is_unlike_the_goal_and_on_time(tones):
    x = render([(0.3, Cue.COMPENSATOR)], 1.0, tones, TONES)
    assert abs(onset_s(x) - 0.3) <= 0.002
    warning = x[int(0.3 * SAMPLE_RATE):]
    goal = tones.pcm(Cue.GOAL)
    assert abs(dominant_hz(warning) - COMPENSATOR_HZ) < 5
    assert abs(dominant_hz(warning) - dominant_hz(goal)) > 400
    # rich in harmonics: its spectral centroid sits well above its fundamental
    assert centroid_hz(warning) > 1.8 * COMPENSATOR_HZ
    # two pulses: the 10 ms envelope falls to silence between them and rises again
    env = np.abs(warning[: warning.size // 480 * 480]).reshape(-1, 480).max(axis=1)
    loud = env > 0.3 * env.max()
    assert np.count_nonzero(np.diff(loud.astype(int)) == 1) + int(loud[0]) == 2


def test_overlapping_cues_mix_without_going_past_full_scale(tones):
    loud = SoundSettings(volume=1.0, speech=False)
    events = [(0.1, Cue.GOAL), (0.1, Cue.COMPENSATOR), (0.1, Cue.COMPENSATOR), (0.12, Cue.SET_DONE)]
    x = render(events, 0.6, tones, loud)
    assert np.max(np.abs(x)) <= 1.0
    single = render([(0.1, Cue.GOAL)], 0.6, tones, loud)
    assert np.max(np.abs(x)) > np.max(np.abs(single))  # they did add up
    # one cue alone is never touched by the limiter
    np.testing.assert_allclose(single[int(0.1 * SAMPLE_RATE):][: tones.pcm(Cue.GOAL).size], tones.pcm(Cue.GOAL), atol=1e-7)


def test_volume_scales_the_rms(tones):
    levels = {v: rms(render([(0.05, Cue.GOAL)], 0.3, tones, SoundSettings(volume=v, speech=False)))
              for v in (0.2, 0.4, 0.8)}
    assert levels[0.4] / levels[0.2] == pytest.approx(2.0, rel=1e-3)
    assert levels[0.8] / levels[0.2] == pytest.approx(4.0, rel=1e-3)


def test_mute_gives_silence(tones):
    muted = SoundSettings(muted=True, pitch_follows_level=True, speech=False)
    mixer = Mixer(tones, muted)
    mixer.set_level(0.8)
    mixer.play(Cue.GOAL)
    assert not np.any(mixer.pull(SAMPLE_RATE // 2))
    assert not render([(0.0, Cue.COMPENSATOR)], 0.5, tones, muted).any()


def test_muting_mid_tone_ramps_down_without_a_click(tones):
    mixer = Mixer(tones, SoundSettings(volume=1.0, speech=False))
    mixer.play(Cue.GOAL)
    before = mixer.pull(2400)
    mixer.set_settings(SoundSettings(volume=1.0, muted=True, speech=False))
    after = mixer.pull(2400)
    ramp = round(GAIN_RAMP_S * SAMPLE_RATE)
    assert not np.any(after[ramp:])
    step = np.max(np.abs(np.diff(np.concatenate((before, after)))))
    assert step < 2 * np.pi * GOAL_HZ * 0.5 / SAMPLE_RATE * 1.1  # no jump bigger than the tone's own slope


def test_pitch_follows_the_level_smoothly(tones):
    settings = SoundSettings(volume=1.0, pitch_follows_level=True, speech=False)
    mixer = Mixer(tones, settings)
    mixer.set_level(0.2)
    low = mixer.pull(SAMPLE_RATE // 2)
    mixer.set_level(1.4)  # above the goal: the top of the range
    high = mixer.pull(SAMPLE_RATE // 2)
    steady = slice(SAMPLE_RATE // 10, None)  # after the fade-in / the glide
    f_low, f_high = dominant_hz(low[steady]), dominant_hz(high[steady])
    assert f_low == pytest.approx(PITCH_LOW_HZ + 0.2 * (PITCH_HIGH_HZ - PITCH_LOW_HZ), abs=3)
    assert f_high == pytest.approx(PITCH_HIGH_HZ, abs=3)
    both = np.concatenate((low, high))
    edge = low.size
    jumps = np.abs(np.diff(both[edge - 480:edge + 480]))
    # continuous phase: no step at the change bigger than the fastest tone's own slope
    slope = 2 * np.pi * PITCH_HIGH_HZ * PITCH_PEAK / SAMPLE_RATE
    assert np.max(jumps) <= slope * 1.05
    # level off: the tone fades out, then silence
    mixer.set_level(None)
    tail = mixer.pull(SAMPLE_RATE // 10)
    assert np.max(np.abs(np.diff(np.concatenate((high[-1:], tail))))) <= slope * 1.05
    assert not np.any(tail[SAMPLE_RATE // 50:])


def test_no_level_tone_unless_asked(tones):
    mixer = Mixer(tones, TONES)
    mixer.set_level(0.5)
    assert not np.any(mixer.pull(4800))


@pytest.mark.skipif(shutil.which("espeak-ng") is None, reason="espeak-ng is not installed (python3 dev.py test installs it)")
def test_hold_is_spoken_when_espeak_is_there():
    sounds = CueSounds(SoundSettings(speech=True))
    assert sounds.speech_available
    assert sounds.spoken == set(WORDS)
    hold = sounds.pcm(Cue.HOLD).astype(np.float64)
    assert 0.2 <= hold.size / SAMPLE_RATE <= 1.5
    power = np.abs(np.fft.rfft(hold)) ** 2
    freqs = np.fft.rfftfreq(hold.size, 1 / SAMPLE_RATE)
    assert power[(freqs >= 100) & (freqs <= 4000)].sum() / power.sum() > 0.85
    # not a pure tone: the strongest 20 Hz around the peak hold a minority of the energy
    peak = freqs[np.argmax(power)]
    assert power[np.abs(freqs - peak) <= 10].sum() / power.sum() < 0.5
    assert sounds.pcm(Cue.HOLD).size != sounds.pcm(Cue.RELAX).size or not np.array_equal(sounds.pcm(Cue.HOLD),
                                                                                          sounds.pcm(Cue.RELAX))
    # the goal and the warning stay tones even with speech on: they must be instant
    assert dominant_hz(sounds.pcm(Cue.GOAL)) == pytest.approx(GOAL_HZ, abs=3)


def test_without_speech_hold_rises_and_relax_falls(tones):
    assert tones.spoken == frozenset()

    def halves(x: np.ndarray) -> tuple[float, float]:
        return dominant_hz(x[: x.size // 2]), dominant_hz(x[x.size // 2:])

    hold_first, hold_second = halves(tones.pcm(Cue.HOLD))
    relax_first, relax_second = halves(tones.pcm(Cue.RELAX))
    assert hold_second > 1.3 * hold_first
    assert relax_second < hold_first * 1.01 and relax_first > 1.3 * relax_second
    pcms = [tones.pcm(c).tobytes() for c in Cue]
    assert len(set(pcms)) == len(Cue)  # every cue has a sound of its own


def test_a_missing_speech_engine_means_tones_and_one_log_line(caplog):
    caplog.set_level(logging.INFO, logger="app.session.sound")
    engine = f"glutefire-no-such-engine-{uuid.uuid4().hex}"
    first = CueSounds(SoundSettings(speech=True), speech_command=engine)
    second = CueSounds(SoundSettings(speech=True), speech_command=engine)
    assert not first.speech_available and first.spoken == frozenset()
    assert np.array_equal(first.pcm(Cue.HOLD), second.pcm(Cue.HOLD))
    assert sum(engine in r.getMessage() for r in caplog.records) == 1


def test_turning_speech_off_in_the_mixer_rebuilds_the_words():
    mixer = Mixer(CueSounds(SoundSettings(speech=True), speech_command="glutefire-no-such-engine"))
    mixer.set_settings(SoundSettings(speech=False))
    assert mixer.sounds.settings.speech is False and mixer.settings.speech is False


def test_play_from_another_thread_starts_each_cue_once_by_the_next_pull(tones):
    mixer = Mixer(tones, TONES)
    pulls: list[tuple[float, int]] = []  # (time just before pull(), mixer position then)
    requests: list[tuple[float, float]] = []  # (at, time play() returned)
    done = threading.Event()

    def device() -> None:
        while not done.is_set():
            pulls.append((time.monotonic(), mixer.position))
            mixer.pull(240)
            time.sleep(0.001)
        pulls.append((time.monotonic(), mixer.position))
        mixer.pull(240)

    def dsp(rng: np.random.Generator) -> None:
        for i in range(150):
            at = time.monotonic()
            mixer.play(Cue.GOAL if i % 3 else Cue.COMPENSATOR, at=at)
            requests.append((at, time.monotonic()))
            time.sleep(float(rng.uniform(0, 0.004)))

    consumer = threading.Thread(target=device)
    producer = threading.Thread(target=dsp, args=(np.random.default_rng(7),))
    consumer.start()
    producer.start()
    producer.join()
    time.sleep(0.01)
    done.set()
    consumer.join()

    started = {s.requested_at: s for s in mixer.started}
    assert len(mixer.started) == len(requests) == len(started)  # each exactly once
    pull_times = np.array([t for t, _ in pulls])
    for at, returned in requests:
        s = started[at]
        first_after = int(np.searchsorted(pull_times, returned, side="right"))
        assert s.first_sample_index <= pulls[first_after][1]
        assert s.pulled_at >= at


def test_write_wav_round_trips_through_the_stdlib(tmp_path, tones):
    x = render([(0.05, Cue.GOAL), (0.2, Cue.COMPENSATOR)], 0.6, tones, TONES)
    path = tmp_path / "cues.wav"
    write_wav(path, x)
    with wave.open(str(path), "rb") as w:
        assert (w.getnchannels(), w.getsampwidth(), w.getframerate(), w.getnframes()) == (1, 2, SAMPLE_RATE, x.size)
        back = np.frombuffer(w.readframes(w.getnframes()), "<i2") / 32767.0
    np.testing.assert_allclose(back, x, atol=1 / 32767)


def test_write_wav_to_a_missing_folder_is_a_sentence(tmp_path):
    with pytest.raises(UserError, match=r"^Could not write the sound file .*\.$"):
        write_wav(tmp_path / "no" / "such" / "x.wav", np.zeros(10))


def test_render_refuses_negative_times(tones):
    with pytest.raises(ValueError):
        render([(-0.1, Cue.GOAL)], 1.0, tones, TONES)
    with pytest.raises(ValueError):
        render([], -1.0, tones, TONES)
    assert not render([(2.0, Cue.GOAL)], 1.0, tones, TONES).any()  # past the end: not in the preview


def test_resampling_keeps_the_pitch():
    rate = 22_050
    x = np.sin(2 * np.pi * 440 * np.arange(rate // 2) / rate)
    y = resample(x, rate)
    assert y.size == pytest.approx(SAMPLE_RATE // 2, abs=2)
    assert dominant_hz(y) == pytest.approx(440, abs=2)
