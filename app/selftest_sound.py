"""A private, silent sound server for ``glutefire --self-test``: PulseAudio with one null sink.

The self-test plays a real cue through Qt's real audio path, but it must never beep out of the
clinic's speakers. So it starts its own PulseAudio (``-n``: no default config, no hardware modules)
with ``module-null-sink`` and points ``PULSE_SERVER`` at it before Qt binds its audio; ``parec`` on
the sink's monitor records what was played (PulseAudio's pulse-cli-syntax(5), pactl(1), parec(1)).
Without the ``pulseaudio`` program there is no such server, and the self-test says so and skips sound.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import time
from pathlib import Path
from types import TracebackType

import numpy as np

SINK = "glutefire_selftest"
START_TIMEOUT_S = 10.0


def listening(path: Path) -> bool:
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as s:
        try:
            s.connect(str(path))
        except OSError:
            return False
    return True


class NullSinkServer:
    """``with NullSinkServer(folder, rate) as server:`` — PULSE_SERVER points at it inside the block."""

    @staticmethod
    def installed() -> bool:
        return shutil.which("pulseaudio") is not None

    def __init__(self, folder: Path, rate: int) -> None:
        exe = shutil.which("pulseaudio")
        if exe is None:
            raise RuntimeError("pulseaudio is not installed")
        self.folder = folder
        self.rate = rate
        self.socket = folder / "pulse.sock"
        self._exe = exe
        self._proc: subprocess.Popen[bytes] | None = None
        self._old_server: str | None = None
        runtime = folder / "xdg"
        runtime.mkdir(mode=0o700, exist_ok=True)
        env = {k: v for k, v in os.environ.items() if not k.startswith("PULSE_")}
        # its own HOME and runtime dir: it neither reads nor disturbs the person's own sound server
        env.update(HOME=str(folder), XDG_RUNTIME_DIR=str(runtime), XDG_CONFIG_HOME=str(folder / "config"),
                   PULSE_RUNTIME_PATH=str(folder / "runtime"))
        self.env = env

    def __enter__(self) -> NullSinkServer:
        argv = [self._exe, "--daemonize=no", "--exit-idle-time=-1", "-n", "--use-pid-file=no",
                "--log-target=stderr", f"--load=module-null-sink sink_name={SINK} rate={self.rate}",
                f"--load=module-native-protocol-unix socket={self.socket} auth-anonymous=1"]
        log = self.folder / "pulseaudio.log"
        with open(log, "wb") as out:
            self._proc = subprocess.Popen(argv, env=self.env, stdin=subprocess.DEVNULL, stdout=out,
                                          stderr=subprocess.STDOUT)
        deadline = time.monotonic() + START_TIMEOUT_S
        while not listening(self.socket):
            if self._proc.poll() is not None or time.monotonic() > deadline:
                self._stop()
                tail = log.read_text(errors="replace").strip().splitlines()[-1:] or ["no message"]
                raise RuntimeError(f"PulseAudio did not start ({tail[0]})")
            time.sleep(0.05)
        self._old_server = os.environ.get("PULSE_SERVER")
        os.environ["PULSE_SERVER"] = self.server
        return self

    @property
    def server(self) -> str:
        return f"unix:{self.socket}"

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        if self._old_server is None:
            os.environ.pop("PULSE_SERVER", None)
        else:
            os.environ["PULSE_SERVER"] = self._old_server
        self._stop()

    def _stop(self) -> None:
        proc, self._proc = self._proc, None
        if proc is None:
            return
        proc.terminate()
        try:
            proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()

    def monitor(self, path: Path) -> MonitorRecording | None:
        """Record the sink's monitor into ``path`` (float32 mono); None without ``parec``."""
        exe = shutil.which("parec")
        if exe is None:
            return None
        return MonitorRecording(exe, dict(self.env, PULSE_SERVER=self.server), path, self.rate)


class MonitorRecording:
    """parec on the null sink's monitor: what was really played, as samples."""

    def __init__(self, exe: str, env: dict[str, str], path: Path, rate: int) -> None:
        self.path = path
        self.rate = rate
        argv = [exe, "-d", f"{SINK}.monitor", "--raw", "--format=float32le", f"--rate={rate}", "--channels=1",
                "--latency-msec=10"]
        with open(path, "wb") as out:
            self._proc = subprocess.Popen(argv, env=env, stdin=subprocess.DEVNULL, stdout=out,
                                          stderr=subprocess.DEVNULL)

    @property
    def running(self) -> bool:
        return self._proc.poll() is None

    def stop(self) -> np.ndarray:
        """End the recording (SIGINT lets parec flush) and return its samples."""
        self._proc.send_signal(signal.SIGINT)
        try:
            self._proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            self._proc.kill()
            self._proc.wait()
        return np.fromfile(self.path, dtype="<f4").astype(np.float64)


def dominant_hz(x: np.ndarray, rate: int) -> float:
    """The strongest frequency of x (Hann window, zero-padded FFT, < 1 Hz bins)."""
    n = max(1 << 16, 1 << int(np.ceil(np.log2(max(2, x.size)))))
    spectrum = np.abs(np.fft.rfft(x * np.hanning(x.size), n))
    return float(np.argmax(spectrum) * rate / n)
