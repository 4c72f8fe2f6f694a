"""``glutefire --self-test``: does this installation work, end to end? One line says.

Used to smoke-test a ``pip install``, a frozen build (packaging/build.sh) or a clinic's computer.
It runs what a session runs, with nothing of the person's touched: the real window (offscreen) on
the simulated patch, so the DSP, the live analysis and the frame painting really run; a goal cue
through Qt's audio into a private null sink (selftest_sound.py), heard back from its monitor;
two seconds recorded to a temporary file, read back by the reader and analysed offline; and the
app's own records database opened. Preferences, recordings and session records of the self-test
live in a temporary folder that is removed afterwards.

Exit status 0 with ``GluteFire <version> self-test passed: ...``; 1 with ``... self-test FAILED
at <step>: <reason>``.
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from app import __version__

if TYPE_CHECKING:
    from app.ui.main_window import MainWindow

RECORD_SECONDS = 2.0
MIN_FRAMES = 20  # painted frames before the self-test believes the display runs
WAIT_S = 20.0  # generous: a shared CI machine, a first start that compiles nothing but is slow
SEED = 15


class SelfTestFailure(Exception):
    """One step did not do what it must; ``str`` is the reason in a sentence."""

    def __init__(self, step: str, reason: str) -> None:
        super().__init__(reason)
        self.step = step


@dataclass
class SelfTestReport:
    """What each step found, in the order they ran; ``line()`` is the verdict."""

    found: list[tuple[str, str]] = field(default_factory=list)
    failure: SelfTestFailure | None = None

    def add(self, step: str, detail: str) -> None:
        self.found.append((step, detail))

    @property
    def passed(self) -> bool:
        return self.failure is None

    def line(self) -> str:
        head = f"GluteFire {__version__} self-test"
        if self.failure is not None:
            return f"{head} FAILED at {self.failure.step}: {self.failure}"
        return f"{head} passed: " + "; ".join(f"{step}: {detail}" for step, detail in self.found) + "."


def _wait(app_process: Callable[[], None], done: Callable[[], bool], step: str, what: str,
          timeout: float = WAIT_S) -> None:
    deadline = time.monotonic() + timeout
    while not done():
        if time.monotonic() > deadline:
            raise SelfTestFailure(step, f"{what} within {timeout:g} s.")
        app_process()
        time.sleep(0.005)


def _make_window(tmp: Path, sound: bool) -> MainWindow:
    from PySide6.QtCore import QSettings

    from app.storage.store import Store
    from app.ui.main_window import MainWindow
    from app.ui.preferences import Preferences

    settings = QSettings(str(tmp / "prefs.ini"), QSettings.Format.IniFormat)
    prefs = Preferences(settings)
    # no speech (espeak-ng is optional); muted unless the only listener is our null sink
    from app.session.sound import SoundSettings

    prefs.set_sound(SoundSettings(muted=not sound, speech=False))
    return MainWindow(settings, recordings_dir=tmp / "recordings", seed=SEED, store=Store(tmp / "records.sqlite3"))


def _stream_and_paint(win: MainWindow, process: Callable[[], None], report: SelfTestReport) -> None:
    """Step 1-2: the simulated patch streams, the DSP and the live analysis run, frames are painted."""
    from app.session.controller import State

    win.connect_source()
    ctl = win.controller
    _wait(process, lambda: ctl.state is State.STREAMING, "streaming", "The simulated patch did not start")
    source = ctl.source
    assert source is not None
    fs = source.sample_rate_hz
    _wait(process, lambda: ctl.newest_sample() >= fs and win.frames >= MIN_FRAMES, "streaming",
          f"Fewer than {MIN_FRAMES} frames were painted from one second of signal")
    frame = ctl.frame()
    if frame.status is not None and frame.status.dsp_error:
        raise SelfTestFailure("dsp", f"Signal processing failed: {frame.status.dsp_error}.")
    _wait(process, lambda: ctl.frame().analysis is not None, "live analysis", "The live analysis produced nothing")
    snap = ctl.frame().analysis
    assert snap is not None
    report.add("stream", f"simulated patch {len(source.labels)} ch at {fs:g} Hz, live analysis of "
                         f"{len(snap.channels)} channel(s)")
    image = win.channels.grab().toImage()
    if image.isNull() or image.width() < 100:
        raise SelfTestFailure("display", "The traces could not be drawn offscreen.")
    small = image.scaled(160, 90)
    colours = {small.pixel(x, y) for x in range(small.width()) for y in range(small.height())}
    if len(colours) < 16:
        raise SelfTestFailure("display", f"The traces look blank ({len(colours)} colours in the picture).")
    report.add("display", f"{win.frames} frames painted offscreen")


def _record(win: MainWindow, process: Callable[[], None], path: Path) -> tuple[float, int]:
    """Step 4: two seconds recorded through the same path as the Record button."""
    ctl = win.controller
    source = ctl.source
    assert source is not None
    fs = source.sample_rate_hz
    n = int(round(RECORD_SECONDS * fs))
    ctl.start_recording(path, max_samples=n)
    rec = ctl.recording
    assert rec is not None
    # past the end by 0.1 s: the DSP counts a block as processed before its sinks (the recorder) have it
    end = rec.start_index + n + int(0.1 * fs)
    _wait(process, lambda: ctl.newest_sample() >= end or bool(rec.error), "recording",
          f"{RECORD_SECONDS:g} s were not recorded")
    saved = ctl.stop_recording()
    if saved is None or saved.error:
        raise SelfTestFailure("recording", saved.error if saved is not None and saved.error else "Nothing was saved.")
    rows = int(round(saved.seconds * fs))
    if rows < 0.95 * n:
        raise SelfTestFailure("recording", f"Only {rows} of {n} samples were recorded.")
    return fs, rows


def _sound(win: MainWindow, process: Callable[[], None], server: object | None, tmp: Path) -> str:
    """Step 3: the goal cue through Qt's audio into the null sink, heard back on its monitor."""
    from app.selftest_sound import NullSinkServer, dominant_hz
    from app.session.sound import GOAL_HZ, Cue

    if not isinstance(server, NullSinkServer):
        return "skipped (no sound server: pulseaudio is not installed)"
    mixer = win.sound.mixer
    if win.sound.reason or mixer is None:
        raise SelfTestFailure("sound", win.sound.reason or "The sound output did not start.")
    monitor = server.monitor(tmp / "monitor.f32")
    time.sleep(0.2)  # parec connected
    played_from = mixer.position
    mixer.play(Cue.GOAL)
    _wait(process, lambda: mixer.position >= played_from + server.rate // 2, "sound",
          "The sound output did not play half a second")
    if monitor is None:
        return "goal cue played to a null sink (not heard back: parec is not installed)"
    heard = monitor.stop()
    loud = heard[np.abs(heard) > 0.05]
    if loud.size < server.rate // 20:
        raise SelfTestFailure("sound", "The goal cue was played but the null sink's monitor stayed silent.")
    hz = dominant_hz(heard, server.rate)
    if abs(hz - GOAL_HZ) > 5:
        raise SelfTestFailure("sound", f"The null sink heard {hz:.0f} Hz, not the goal cue's {GOAL_HZ:g} Hz.")
    return f"goal cue heard on a null sink ({hz:.0f} Hz)"


def _read_back(path: Path, rows: int, report: SelfTestReport) -> None:
    """Step 5: the file, read by the reader the analysis uses, holds what was recorded."""
    from app.analysis.offline import AnalysisSettings, analyze
    from app.storage.reader import load_recording

    rec = load_recording(path, envelope=False)
    if rec.data.shape[1] != rows:  # every row the recorder wrote, and no other
        raise SelfTestFailure("read back", f"The file holds {rec.data.shape[1]} rows; the recorder wrote {rows}.")
    if not np.all(np.isfinite(rec.data)):
        raise SelfTestFailure("read back", "The recording has missing samples.")
    if rec.metadata.get("app_version") != f"GluteFire {__version__}":
        raise SelfTestFailure("read back", f"The file says it was written by {rec.metadata.get('app_version')!r}.")
    result = analyze(rec.data, rec.sample_rate_hz, rec.labels, AnalysisSettings(), thresholds=rec.thresholds)
    reps = sum(len(c.reps) for c in result.channels)
    report.add("recording", f"{rec.data.shape[1] / rec.sample_rate_hz:.2f} s x {len(rec.labels)} ch written, "
                            f"read back and analysed ({reps} rep(s), {len(result.firing_order)} contraction(s))")


def _database(report: SelfTestReport) -> None:
    """Step 6: the app's own records open (SQLite, the data folder writable)."""
    from app.errors import UserError
    from app.storage.store import Store

    try:
        store = Store()
    except UserError as exc:
        raise SelfTestFailure("database", str(exc)) from None
    try:
        people = len(store.people())
        report.add("database", f"{store.path} opened ({people} people)")
    finally:
        store.close()


def self_test() -> SelfTestReport:
    """Run every step; the first that fails ends the test with its reason."""
    report = SelfTestReport()
    try:
        with tempfile.TemporaryDirectory(prefix="glutefire-selftest-") as folder:
            _run(Path(folder), report)
        _database(report)
    except SelfTestFailure as exc:
        report.failure = exc
    except Exception as exc:  # any crash of a step is the verdict, in one line
        report.failure = SelfTestFailure("an unexpected error", f"{type(exc).__name__}: {exc}")
    return report


def _run(tmp: Path, report: SelfTestReport) -> None:
    import contextlib

    from app.selftest_sound import NullSinkServer
    from app.session.sound import SAMPLE_RATE

    with contextlib.ExitStack() as stack:
        server: NullSinkServer | None = None
        try:
            if NullSinkServer.installed():
                server = stack.enter_context(NullSinkServer(tmp, SAMPLE_RATE))
        except (OSError, RuntimeError) as exc:
            raise SelfTestFailure("sound", f"{exc}.") from None
        from PySide6.QtWidgets import QApplication

        if QApplication.instance() is None:
            os.environ["QT_QPA_PLATFORM"] = "offscreen"  # nothing flashes on screen; works without a display
            # the verdict is the one line: not Qt's note of which FFmpeg its audio uses
            os.environ.setdefault("QT_LOGGING_RULES", "qt.multimedia.ffmpeg.info=false")
        app = QApplication.instance() or QApplication([sys.argv[0] if sys.argv else "glutefire"])
        from app.ui.app import configure_pyqtgraph

        configure_pyqtgraph()
        win = _make_window(tmp, sound=server is not None)
        try:
            _stream_and_paint(win, app.processEvents, report)
            report.add("sound", _sound(win, app.processEvents, server, tmp))
            _fs, rows = _record(win, app.processEvents, tmp / "selftest.csv")
        finally:
            win.close()  # stops the patch, the DSP, the recorder and the sound, in that order
            store = win.controller.store
            if store is not None:
                store.close()  # handed in: the window does not close it
            win.deleteLater()
            app.processEvents()
        _read_back(tmp / "selftest.csv", rows, report)


def run_self_test() -> int:
    """The CLI's ``--self-test``: the verdict on stdout, 0 when it passed."""
    report = self_test()
    print(report.line(), flush=True)
    return 0 if report.passed else 1
