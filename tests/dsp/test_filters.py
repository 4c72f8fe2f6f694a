"""Streaming filters: chunked == whole, envelope of a sine, delay of an amplitude step."""

from __future__ import annotations

import numpy as np
import pytest

from app.dsp.filters import FilterSettings, design_bandpass
from app.dsp.pipeline import Pipeline, process_whole
from app.errors import UserError

SETTINGS = [
    FilterSettings(),
    FilterSettings(notch_hz=50.0),
    FilterSettings(envelope="linear"),
    FilterSettings(highpass_hz=30.0, lowpass_hz=350.0, notch_hz=60.0, rms_window_ms=100.0),
]


@pytest.mark.parametrize("settings", SETTINGS)
@pytest.mark.parametrize("fs", [500.0, 1000.0, 2000.0])
def test_random_chunks_equal_one_call(settings, fs, rng):
    x = rng.standard_normal((3, 6000)) * 50 + 300.0  # DC offset exercises the zi start-up
    whole = process_whole(x, fs, settings)
    pipe = Pipeline(settings, fs, 3)
    filtered, env = [], []
    i = 0
    while i < x.shape[1]:
        n = int(rng.choice([1, 5, 10, 50, 333, 1000]))
        out = pipe.process(x[:, i : i + n])
        filtered.append(out.filtered)
        env.append(out.envelope)
        i += n
    np.testing.assert_allclose(np.hstack(filtered), whole.filtered, rtol=0, atol=1e-9)
    np.testing.assert_allclose(np.hstack(env), whole.envelope, rtol=0, atol=1e-9)


@pytest.mark.parametrize("fs", [1000.0, 2000.0])
@pytest.mark.parametrize("freq", [80.0, 150.0])
def test_rms_envelope_of_sine_is_its_rms(fs, freq):
    t = np.arange(int(3 * fs)) / fs
    amp = 120.0
    x = amp * np.sin(2 * np.pi * freq * t)[None, :]
    env = process_whole(x, fs).envelope[0, int(fs) :]  # after the start-up second
    assert np.allclose(env, amp / np.sqrt(2), rtol=0.01)


def test_linear_envelope_of_sine_is_its_average_rectified_value():
    fs, freq, amp = 1000.0, 97.3, 80.0  # incommensurate with fs: samples cover all phases
    t = np.arange(int(4 * fs)) / fs
    x = amp * np.sin(2 * np.pi * freq * t)[None, :]
    env = process_whole(x, fs, FilterSettings(envelope="linear")).envelope[0, 2000:]
    assert np.mean(env) == pytest.approx(2 * amp / np.pi, rel=0.01)
    assert np.ptp(env) < 0.05 * amp  # ripple is filtered out


@pytest.mark.parametrize(
    "settings", [FilterSettings(), FilterSettings(envelope="linear"), FilterSettings(rms_window_ms=50)]
)
def test_amplitude_step_tracked_with_documented_delay(settings, rng):
    """The envelope's power reaches half way between levels after the documented delay."""
    fs = 2000.0
    n = int(4 * fs)
    step = int(2 * fs)
    t = np.arange(n) / fs
    amp = np.where(np.arange(n) < step, 10.0, 100.0)
    # a 200 Hz carrier keeps the band-pass out of the measurement
    x = (amp * np.sqrt(2) * np.sin(2 * np.pi * 200.0 * t))[None, :]
    pipe = Pipeline(settings, fs, 1)
    env = pipe.process(x).envelope[0]
    p = env**2
    half = (10.0**2 + 100.0**2) / 2
    if settings.envelope == "linear":  # the linear envelope is linear in amplitude, not power
        half = (10.0 + 100.0) / 2 * 2 * np.sqrt(2) / np.pi
        p = env
    crossing = np.flatnonzero(p[step:] >= half)[0] / fs
    assert crossing == pytest.approx(pipe.delay_s, abs=0.004)
    assert pipe.delay_s <= 0.040  # biofeedback budget (docs/algorithms.md)


def test_lowpass_is_clipped_below_nyquist():
    sos = design_bandpass(FilterSettings(lowpass_hz=450.0), 500.0)
    assert np.all(np.isfinite(sos))
    assert FilterSettings().effective_lowpass_hz(500.0) == 225.0


@pytest.mark.parametrize(
    "bad",
    [
        FilterSettings(highpass_hz=0.0),
        FilterSettings(highpass_hz=300.0, lowpass_hz=200.0),
        FilterSettings(notch_hz=55.0),
        FilterSettings(envelope="magic"),
        FilterSettings(rms_window_ms=5.0),
    ],
)
def test_bad_settings_give_one_sentence(bad):
    with pytest.raises(UserError) as err:
        bad.validated(1000.0)
    assert str(err.value).endswith(".") and "\n" not in str(err.value)


def test_band_pass_removes_baseline_wander_and_keeps_emg_band():
    fs = 1000.0
    t = np.arange(int(10 * fs)) / fs
    wander = 200 * np.sin(2 * np.pi * 0.3 * t)
    emg = 30 * np.sin(2 * np.pi * 100 * t)
    out = process_whole((wander + emg)[None, :], fs).filtered[0, 2000:]
    assert np.std(out) == pytest.approx(30 / np.sqrt(2), rel=0.05)


def test_streaming_sos_matches_scipy_public_sosfilt(rng):
    from scipy import signal

    from app.dsp.filters import StreamingSOS

    sos = design_bandpass(FilterSettings(notch_hz=50.0), 2000.0)
    x = rng.standard_normal((5, 3000)) * 20 + 7.0
    f = StreamingSOS(sos, 5)
    got = np.hstack([f.process(x[:, i : i + 37]) for i in range(0, 3000, 37)])
    zi = signal.sosfilt_zi(sos)[:, None, :] * x[None, :, 0, None]
    ref, _ = signal.sosfilt(sos, x, axis=1, zi=zi)
    np.testing.assert_allclose(got, ref, atol=1e-9, rtol=0)
