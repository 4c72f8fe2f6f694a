"""Plays the cue mixer on the computer's sound output through QtMultimedia.

A ``QAudioSink`` in pull mode reads a ``QIODevice`` whose ``readData`` pulls the mixer. The sink
lives on a thread of its own ("glutefire-audio"), not the UI thread: a long paint or a layout would
otherwise leave a 20 ms buffer empty and the cue would crackle or arrive late. The device buffer is
asked to be ~20 ms, so a cue started by the DSP thread is heard ~20-25 ms later.

Without a sound output (no PulseAudio/PipeWire server, no device, QtMultimedia missing a library)
``available`` is False and ``reason`` says so in one sentence; the window shows cues only.

Note that Qt connects to the sound server once per process (the first time a device is asked for):
a server started later is not seen until the app restarts.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

import numpy as np
from PySide6.QtCore import QCoreApplication, QIODevice, QMetaObject, QObject, Qt, QThread, Slot

from app.session.sound import SAMPLE_RATE, Mixer

log = logging.getLogger(__name__)

BUFFER_S = 0.020
try:
    from PySide6.QtMultimedia import QAudioDevice, QAudioFormat, QAudioSink, QMediaDevices, QtAudio
except ImportError as exc:  # e.g. "libpulse.so.0: cannot open shared object file"
    IMPORT_ERROR: str | None = str(exc)
else:
    IMPORT_ERROR = None


class LinearResampler:
    """Streams samples from one rate to another by linear interpolation, keeping its place between calls.

    Only used when the device refuses SAMPLE_RATE (PulseAudio and PipeWire resample anything, so it is
    rare); the cue tones survive linear interpolation well enough, and it costs next to nothing.
    """

    def __init__(self, rate_in: int, rate_out: int) -> None:
        self.step = rate_in / rate_out  # input samples per output sample
        self._buf = np.zeros(1)  # input samples not yet passed; starts with one silent sample
        self._pos = 0.0  # where the next output sample falls in self._buf

    def process(self, pull: Callable[[int], np.ndarray], n_out: int) -> np.ndarray:
        """n_out output samples, pulling from pull(k) (a Mixer.pull) just the input samples they need."""
        if n_out <= 0:
            return np.zeros(0, dtype=np.float32)
        where = self._pos + self.step * np.arange(n_out)
        need = int(np.floor(where[-1])) + 2 - self._buf.size  # both neighbours of the last position
        if need > 0:
            self._buf = np.concatenate((self._buf, np.asarray(pull(need), dtype=np.float64)))
        y = np.interp(where, np.arange(self._buf.size), self._buf)
        nxt = where[-1] + self.step
        drop = min(int(np.floor(nxt)), self._buf.size - 1)
        self._buf = self._buf[drop:]
        self._pos = nxt - drop
        return y.astype(np.float32)


def to_device_bytes(pcm: np.ndarray, sample_format: str, channels: int) -> bytes:
    """Mono float samples -> interleaved frames of 'float' (float32) or 'int16' for channels channels."""
    x = np.clip(np.asarray(pcm, dtype=np.float32), -1.0, 1.0)
    if channels > 1:
        x = np.repeat(x, channels)
    if sample_format == "int16":
        return np.round(x * 32767.0).astype("<i2").tobytes()
    return x.astype("<f4").tobytes()


class _MixerDevice(QIODevice):
    """A read-only, unbuffered QIODevice whose bytes are the mixer's next samples in the device's format."""

    def __init__(self, mixer: Mixer, sample_format: str, channels: int, rate: int) -> None:
        super().__init__()
        self._mixer = mixer
        self._format = sample_format
        self._channels = channels
        self._frame_bytes = (2 if sample_format == "int16" else 4) * channels
        self._resampler = LinearResampler(SAMPLE_RATE, rate) if rate != SAMPLE_RATE else None

    def readData(self, maxlen: int) -> bytes:
        frames = int(maxlen) // self._frame_bytes
        if frames <= 0:
            return b""
        try:
            if self._resampler is not None:
                pcm = self._resampler.process(self._mixer.pull, frames)
            else:
                pcm = self._mixer.pull(frames)
            return to_device_bytes(pcm, self._format, self._channels)
        except Exception:  # an exception here would go to Qt's thread and silence the app: play silence
            log.exception("the sound mixer failed; playing silence")
            return bytes(frames * self._frame_bytes)

    def writeData(self, data: bytes) -> int:  # type: ignore[override]
        return -1

    def bytesAvailable(self) -> int:
        return 1 << 20  # always more: the mixer makes silence when idle

    def isSequential(self) -> bool:
        return True


class _SinkWorker(QObject):
    """Owns the QAudioSink on the audio thread (a QAudioSink must be used on the thread that made it)."""

    def __init__(self, mixer: Mixer, device: QAudioDevice, fmt: QAudioFormat, sample_format: str) -> None:
        super().__init__()
        self._mixer = mixer
        self._device = device
        self._fmt = fmt
        self._sample_format = sample_format
        self._sink: QAudioSink | None = None
        self._io: _MixerDevice | None = None
        self.error = ""
        self.buffer_bytes = 0

    @Slot()
    def open(self) -> None:
        fmt = self._fmt
        sink = QAudioSink(self._device, fmt)
        sink.setBufferSize(int(round(BUFFER_S * fmt.sampleRate())) * fmt.bytesPerFrame())
        io = _MixerDevice(self._mixer, self._sample_format, fmt.channelCount(), fmt.sampleRate())
        io.open(QIODevice.OpenModeFlag.ReadOnly | QIODevice.OpenModeFlag.Unbuffered)
        sink.start(io)
        if sink.error() != QtAudio.Error.NoError or sink.state() == QtAudio.State.StoppedState:
            self.error = sink.error().name
            sink.stop()
            io.close()
            return
        self._sink, self._io = sink, io
        self.buffer_bytes = sink.bufferSize()

    @Slot()
    def close(self) -> None:
        if self._sink is not None:
            self._sink.stop()
        if self._io is not None:
            self._io.close()
        self._sink = self._io = None


def _choose_format(device: QAudioDevice) -> tuple[QAudioFormat, str] | None:
    """SAMPLE_RATE mono float, else int16, else the device's own rate/channels in either; None if none fit."""
    preferred = device.preferredFormat()
    shapes = [(SAMPLE_RATE, 1), (SAMPLE_RATE, preferred.channelCount()),
              (preferred.sampleRate(), 1), (preferred.sampleRate(), preferred.channelCount())]
    for rate, channels in shapes:
        for sample_format, qt_format in (("float", QAudioFormat.SampleFormat.Float),
                                         ("int16", QAudioFormat.SampleFormat.Int16)):
            fmt = QAudioFormat()
            fmt.setSampleRate(rate)
            fmt.setChannelCount(max(1, channels))
            fmt.setSampleFormat(qt_format)
            if rate > 0 and device.isFormatSupported(fmt):
                return fmt, sample_format
    return None


class AudioOutput(QObject):
    """The mixer on the default sound output; start() once, stop() before quitting."""

    def __init__(self, mixer: Mixer, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.mixer = mixer
        self.available = False
        self.reason = ""
        self.device_name = ""
        self.device_id = b""
        self.sample_format = ""
        self._format: QAudioFormat | None = None
        self._device: QAudioDevice | None = None
        self._thread: QThread | None = None
        self._worker: _SinkWorker | None = None
        self._latency_s = BUFFER_S
        self._quit_hooked = False
        if IMPORT_ERROR is not None:
            self.reason = f"Sound is off because Qt's audio library could not load ({IMPORT_ERROR}); cues are shown only."
            log.info("%s", self.reason)
            return
        device = QMediaDevices.defaultAudioOutput()
        if device.isNull():
            self.reason = "No sound output was found; cues are shown only."
            log.info("%s", self.reason)
            return
        chosen = _choose_format(device)
        if chosen is None:
            self.reason = f"The sound output {device.description()} takes no format GluteFire can play; cues are shown only."
            log.info("%s", self.reason)
            return
        self._device = device
        self._format, self.sample_format = chosen
        self.device_name = device.description()
        self.device_id = bytes(device.id().data())
        self.available = True

    @property
    def latency_s(self) -> float:
        """How long the device buffer is (what Qt granted once started; the request before)."""
        return self._latency_s

    @property
    def running(self) -> bool:
        return self._worker is not None

    def start(self) -> bool:
        """Open the output and start pulling the mixer; False (with reason) when there is no sound."""
        if self._worker is not None:
            return True
        if not self.available or self._format is None or self._device is None:
            return False
        thread = QThread()
        thread.setObjectName("glutefire-audio")
        worker = _SinkWorker(self.mixer, self._device, self._format, self.sample_format)
        worker.moveToThread(thread)
        thread.start(QThread.Priority.HighPriority)
        QMetaObject.invokeMethod(worker, "open", Qt.ConnectionType.BlockingQueuedConnection)
        if worker.error:
            thread.quit()
            thread.wait()
            self.available = False
            self.reason = f"The sound output {self.device_name} could not be opened; cues are shown only."
            log.warning("%s (%s)", self.reason, worker.error)
            return False
        self._thread, self._worker = thread, worker
        fmt = self._format
        self._latency_s = worker.buffer_bytes / (fmt.bytesPerFrame() * fmt.sampleRate())
        app = QCoreApplication.instance()
        if app is not None and not self._quit_hooked:
            app.aboutToQuit.connect(self.stop)  # a running QThread must not outlive the app
            self._quit_hooked = True
        return True

    @Slot()
    def stop(self) -> None:
        """Stop playing and end the audio thread (safe to call twice)."""
        worker, thread = self._worker, self._thread
        self._worker = self._thread = None
        if worker is None or thread is None:
            return
        QMetaObject.invokeMethod(worker, "close", Qt.ConnectionType.BlockingQueuedConnection)
        thread.quit()
        thread.wait()
