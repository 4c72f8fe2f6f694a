"""The real Qt audio path: AudioOutput plays into a PulseAudio null sink whose monitor is recorded.

Qt connects to the sound server once per process, the first time a device is asked for. So the
test that needs *no* server runs in a fresh interpreter, and the playback test runs in this one only
while Qt's audio is still unbound or bound to our server (else it reruns itself in a fresh one).
The server lives for the whole session: stopping it earlier would make Qt's reconnect attempts warn
in whichever test runs next.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

from app.session.sound import GOAL_HZ, SAMPLE_RATE, Cue, CueSounds, Mixer, SoundSettings, render
from app.ui.audio import LinearResampler, to_device_bytes
from tests.conftest import SINK, Pulse

ROOT = Path(__file__).resolve().parents[2]
CHILD = "GLUTEFIRE_AUDIO_TEST_CHILD"
TONES = SoundSettings(speech=False)


@contextlib.contextmanager
def recording(pulse: Pulse, path: Path) -> Iterator[Path]:
    """Record the null sink's monitor (float32 mono, 48 kHz) into path while the block runs."""
    argv = ["parec", "-d", f"{SINK}.monitor", "--raw", "--format=float32le", f"--rate={SAMPLE_RATE}",
            "--channels=1", "--latency-msec=10"]
    with open(path, "wb") as out:
        proc = subprocess.Popen(argv, env=pulse.client_env, stdin=subprocess.DEVNULL, stdout=out,
                                stderr=subprocess.PIPE)
    try:
        time.sleep(0.2)  # parec connected and recording
        assert proc.poll() is None, proc.stderr.read().decode() if proc.stderr else "parec exited"
        yield path
    finally:
        proc.send_signal(signal.SIGINT)
        try:
            proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        if proc.stderr is not None:
            proc.stderr.close()


def _loud_span(x: np.ndarray, fraction: float = 0.5) -> tuple[int, int]:
    """First and last sample of the 1 ms envelope above fraction of its peak."""
    usable = x[: x.size // 48 * 48]
    env = np.abs(usable).reshape(-1, 48).max(axis=1)
    loud = np.nonzero(env > fraction * env.max())[0]
    return int(loud[0]) * 48, int(loud[-1] + 1) * 48


def _dominant_hz(x: np.ndarray) -> float:
    n = 1 << 17
    spec = np.abs(np.fft.rfft(x * np.hanning(x.size), n))
    return float(np.argmax(spec) * SAMPLE_RATE / n)


def _rerun_in_a_fresh_process(test_id: str, pulse: Pulse) -> None:
    env = dict(os.environ, **{CHILD: "1"})
    env.pop("PULSE_SERVER", None)  # the child starts its own server
    done = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", f"{__file__}::{test_id}"],
                          cwd=ROOT, env=env, capture_output=True, text=True, timeout=110)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-2000:]
    assert "1 passed" in done.stdout, done.stdout[-3000:]


def test_goal_is_heard_on_the_sound_server(qtbot, pulse, tmp_path):
    from app.ui.audio import AudioOutput

    mixer = Mixer(CueSounds(TONES), TONES)
    out = AudioOutput(mixer)
    if out.device_id != SINK.encode() and not os.environ.get(CHILD):
        _rerun_in_a_fresh_process("test_goal_is_heard_on_the_sound_server", pulse)  # Qt audio was bound earlier
        return
    assert out.available, out.reason
    assert out.device_id == SINK.encode()
    with recording(pulse, tmp_path / "monitor.f32") as path:
        assert out.start(), out.reason
        try:
            assert 0.005 <= out.latency_s <= 0.05
            # the stream is flowing (a new PulseAudio stream takes a moment to start)
            qtbot.waitUntil(lambda: mixer.position >= SAMPLE_RATE // 4, timeout=5000)
            mixer.play(Cue.GOAL)
            qtbot.waitUntil(lambda: bool(mixer.started), timeout=1000)
            qtbot.wait(500)
        finally:
            out.stop()
        assert not out.running
        qtbot.wait(100)
    heard = np.fromfile(path, dtype="<f4").astype(np.float64)
    assert heard.size > SAMPLE_RATE // 2, "the monitor recorded almost nothing"
    expected = render([(0.0, Cue.GOAL)], 0.3, mixer.sounds, TONES).astype(np.float64)

    start, stop = _loud_span(heard)
    e_start, e_stop = _loud_span(expected)
    assert abs((stop - start) - (e_stop - e_start)) <= 5 * 48  # ~140 ms above half its peak, within 5 ms
    tone = heard[start:stop]
    assert _dominant_hz(tone) == pytest.approx(GOAL_HZ, abs=3)
    assert np.max(np.abs(tone)) == pytest.approx(np.max(np.abs(expected)), rel=0.1)  # at the set volume
    # sample for sample what the mixer made: aligned, the recording matches the rendered cue
    e = expected[e_start:e_stop]
    lag = int(np.argmax(np.correlate(heard[start - 480:stop + 480], e, mode="valid")))
    seg = heard[start - 480 + lag:][: e.size]
    assert np.corrcoef(seg, e)[0, 1] > 0.98
    # exactly one tone, and silence around it
    assert np.max(np.abs(heard[: max(0, start - 480)]), initial=0.0) < 0.01
    assert np.max(np.abs(heard[stop + 480:]), initial=0.0) < 0.01


CHILD_SCRIPT = """
import json, sys
{block}
from PySide6.QtGui import QGuiApplication
app = QGuiApplication([])
from app.session.sound import CueSounds, Mixer, SoundSettings
from app.ui.audio import AudioOutput
out = AudioOutput(Mixer(CueSounds(SoundSettings(speech=False))))
started = out.start()
out.stop()
print(json.dumps({{"available": out.available, "reason": out.reason, "started": started}}))
"""


def _run_child(tmp_path: Path, block: str = "", **env: str) -> dict:
    full = {k: v for k, v in os.environ.items() if not k.startswith("PULSE_")}
    (tmp_path / "xdg").mkdir(mode=0o700, exist_ok=True)
    # a private runtime dir: no desktop sound server of the developer's can answer
    full.update(QT_QPA_PLATFORM="offscreen", HOME=str(tmp_path), XDG_RUNTIME_DIR=str(tmp_path / "xdg"), **env)
    done = subprocess.run([sys.executable, "-c", CHILD_SCRIPT.format(block=block)], cwd=ROOT, env=full,
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr[-3000:]
    assert "Traceback" not in done.stderr, done.stderr[-3000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


def _one_sentence(text: str) -> bool:
    return text.endswith(".") and "\n" not in text and text[0].isupper()


def test_no_sound_server_is_a_sentence_not_an_error(tmp_path):
    result = _run_child(tmp_path, PULSE_SERVER=f"unix:{tmp_path}/nobody-listens.sock")
    assert result == {"available": False, "started": False,
                      "reason": "No sound output was found; cues are shown only."}


def test_without_qtmultimedia_the_app_still_starts(tmp_path):
    block = "sys.modules['PySide6.QtMultimedia'] = None  # as if libpulse.so.0 were missing"
    result = _run_child(tmp_path, block, PULSE_SERVER=f"unix:{tmp_path}/nobody-listens.sock")
    assert result["available"] is False and result["started"] is False
    assert result["reason"].startswith("Sound is off because Qt's audio library could not load")
    assert _one_sentence(result["reason"])


def _chunks(total: int, rng: np.random.Generator) -> list[int]:
    sizes: list[int] = []
    while sum(sizes) < total:
        sizes.append(int(rng.integers(1, 700)))
    return sizes


@pytest.mark.parametrize("rate_out", [44_100, 96_000])
def test_the_resampler_keeps_pitch_and_continuity_across_pulls(rate_out):
    freq = 880.0
    pos = 0

    def source(n: int) -> np.ndarray:
        nonlocal pos
        y = 0.5 * np.sin(2 * np.pi * freq * (np.arange(n) + pos) / SAMPLE_RATE)
        pos += n
        return y

    r = LinearResampler(SAMPLE_RATE, rate_out)
    sizes = _chunks(rate_out // 2, np.random.default_rng(3))
    y = np.concatenate([r.process(source, n) for n in sizes])
    # output sample i is input position i * step, one silent sample behind (the resampler's start)
    t = (np.arange(y.size) * (SAMPLE_RATE / rate_out) - 1) / SAMPLE_RATE
    ideal = np.where(t >= 0, 0.5 * np.sin(2 * np.pi * freq * t), 0.0)
    assert np.max(np.abs(y[4:] - ideal[4:])) < 0.002  # linear interpolation error at 880 Hz
    assert pos <= y.size * SAMPLE_RATE / rate_out + 2  # pulled no more than it needed


def test_device_bytes_are_interleaved_frames():
    pcm = np.array([0.0, 0.5, -1.0, 2.0], dtype=np.float32)
    stereo16 = np.frombuffer(to_device_bytes(pcm, "int16", 2), "<i2")
    assert stereo16.tolist() == [0, 0, 16384, 16384, -32767, -32767, 32767, 32767]
    mono_f = np.frombuffer(to_device_bytes(pcm, "float", 1), "<f4")
    assert mono_f.tolist() == [0.0, 0.5, -1.0, 1.0]
