"""Command line: ``glutefire [record|analyze|...]``; no subcommand opens the window.

Mistakes a person can make end in one sentence on stderr and exit status 2; nothing prints a
traceback. Headless recording uses the same LiveStream as the window, so files are identical.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, NoReturn

from app import __version__
from app.dsp.filters import MAINS_HZ
from app.errors import UserError, os_reason

if TYPE_CHECKING:
    from app.analysis.mvic import MvicReference
    from app.session.controller import SessionController, SourceChoice
    from app.storage.store import Store

EXIT_USER_ERROR = 2


class _Parser(argparse.ArgumentParser):
    """argparse that reports a usage mistake in one sentence instead of a usage dump."""

    def error(self, message: str) -> NoReturn:
        msg = message[0].upper() + message[1:] if message else "Invalid arguments"
        if not msg.endswith("."):
            msg += "."
        raise UserError(f"{msg} See '{self.prog} --help'.")


def _positive_float(text: str) -> float:
    try:
        v = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number") from None
    if not math.isfinite(v) or v <= 0:
        raise argparse.ArgumentTypeError(f"{text} must be a positive number")
    return v


def _mains(allow_off: bool) -> Callable[[str], float]:
    """A mains frequency typed as 50 or 60 (or 0 / off for no notch), said back in words."""
    words = "0 (off), 50 or 60" if allow_off else "50 or 60"

    def parse(text: str) -> float:
        t = text.strip().lower()
        if allow_off and t in ("off", "none"):
            return 0.0
        try:
            v = float(t)
        except ValueError:
            v = -1.0
        if v in MAINS_HZ or (allow_off and v == 0.0):
            return v
        raise argparse.ArgumentTypeError(f"must be {words} Hz, not {text!r}")

    return parse


def _channels(text: str) -> tuple[str, ...]:
    """Comma-separated muscle labels, each checked against the known muscles."""
    from app.muscles import validate_muscle_label

    labels = tuple(x.strip() for x in text.split(",") if x.strip())
    if not labels:
        raise UserError("--channels needs at least one label, e.g. gluteus_maximus_L.")
    try:
        return tuple(validate_muscle_label(x) for x in labels)
    except UserError as exc:
        raise UserError(f"--channels: {exc}") from None


def build_parser() -> argparse.ArgumentParser:
    """The command line; every list of choices comes from the registry that knows it."""
    from app.devices.scenarios import SCENARIOS

    p = _Parser(
        prog="glutefire",
        description="Live surface-EMG biofeedback for glute activation. "
        "Without a command, opens the window.",
    )
    p.add_argument("--version", action="version", version=f"GluteFire {__version__}")
    p.add_argument("--self-test", action="store_true",
                   help="check this installation end to end (simulated patch to file and database); one line, exit 0 if fine")
    p.add_argument("--database", metavar="URL", help="the records: a clinic's server (postgresql://…, see "
                   "docs/clinic.md) or a SQLite file (default: $GLUTEFIRE_DATABASE_URL, else the app's own file)")
    sub = p.add_subparsers(dest="command", parser_class=_Parser)

    g = sub.add_parser("gui", help="open the window (the default)")
    g.add_argument("--scenario", choices=sorted(SCENARIOS), help="simulated patch scenario")
    g.add_argument("--connect", action="store_true", help="start streaming at once")
    g.add_argument("--replay", metavar="FILE", help="play a recording back in the window (any format analyze reads)")
    _add_record(sub)
    sc = sub.add_parser("scan", help="list the EMG patches in Bluetooth range")
    sc.add_argument("--seconds", type=_positive_float, default=5.0, help="how long to listen")
    sc.add_argument("--lsl", action="store_true", help="list the Lab Streaming Layer EMG streams instead (docs/lsl.md)")
    _add_analyze(sub)
    ex = sub.add_parser("exercises", help="the exercise library: instructions, cues, muscles, %%MVIC evidence, protocol")
    ex.add_argument("--json", action="store_true", help="machine-readable output")
    ex.add_argument("--db", help="the records (SQLite) with a clinic's adapted exercises (default: the app's own)")
    _add_practice(sub)
    from app.cli_formats import add_parsers as add_format_parsers
    from app.cli_records import add_parsers

    add_parsers(sub)
    add_format_parsers(sub)
    from app.cli_database import add_parsers as add_database_parsers

    add_database_parsers(sub)
    return p


def _add_guided(q: argparse.ArgumentParser) -> None:
    """What practice and screen share: the patch, the simulated person, the person, output."""
    from app.devices.personas import DEFAULT_PERSONA
    from app.devices.simulator import DEFAULT_RATE_HZ

    q.add_argument("--device", default="sim", help="'sim' for the simulated patch (default), or a Bluetooth patch's "
                   "address or name")
    q.add_argument("--persona", default=DEFAULT_PERSONA, help="simulated patch: who follows the prompts "
                   "(healthy, amnesia, fatigue, weak-medius)")
    q.add_argument("--channels", help="comma-separated channel labels (default: the drill's muscles)")
    q.add_argument("--rate", type=_positive_float, default=float(DEFAULT_RATE_HZ), help="sample rate (sim), Hz")
    q.add_argument("--speed", type=_positive_float, default=1.0,
                   help="simulated patch only: run this many times faster than real time")
    q.add_argument("--seed", type=int, default=None, help="random seed (sim)")
    q.add_argument("--person", help="use this person's %%MVIC references and keep the result in their records")
    q.add_argument("--db", help="the records (SQLite) (default: the app's own)")
    q.add_argument("--json", action="store_true", help="machine-readable output")
    q.add_argument("--quiet", action="store_true", help="no line per rep while it runs")


def _add_practice(sub: argparse._SubParsersAction) -> None:
    pr = sub.add_parser("practice", help="run an exercise's protocol without the window and print each rep's score")
    pr.add_argument("--exercise", required=True, help="an id from 'glutefire exercises', e.g. glute_bridge")
    pr.add_argument("--sets", type=_positive_int, help="sets (default: the exercise's protocol)")
    pr.add_argument("--reps", type=_positive_int, help="reps per set")
    pr.add_argument("--hold", type=_positive_float, help="seconds to hold each rep")
    pr.add_argument("--rest", type=_positive_float, help="seconds of rest between reps")
    pr.add_argument("--goal", type=_positive_float, help="the glute's goal, %% MVIC")
    pr.add_argument("--faded", action="store_true", help="faded feedback (fewer reps with the live display each set)")
    pr.add_argument("--probes", action="store_true", help="one no-feedback retention probe rep per set")
    pr.add_argument("--out", help="also record the session to this CSV file (an existing file is kept unless --force)")
    pr.add_argument("--force", action="store_true", help="replace --out if it exists")
    _add_guided(pr)
    sc = sub.add_parser("screen", help="run a screening test (single-leg bridge, Trendelenburg, hip drive)")
    sc.add_argument("--test", required=True, help="single_leg_bridge, trendelenburg or hip_drive")
    _add_guided(sc)


def _add_record(sub: argparse._SubParsersAction) -> None:
    from app.devices.protocols import PROTOCOLS
    from app.devices.scenarios import DEFAULT_SCENARIO, SCENARIOS
    from app.devices.simulator import DEFAULT_RATE_HZ
    from app.dsp.firing import DEFAULT_THRESHOLD_UV

    r = sub.add_parser("record", help="record a session to CSV without the window")
    r.add_argument(
        "--device", default="sim",
        help="'sim' for the simulated patch (default), 'lsl:NAME' for a Lab Streaming Layer stream, or a "
        "Bluetooth patch's address or name",
    )
    r.add_argument("--lsl", action="store_true", help="also publish the session as Lab Streaming Layer streams "
                   "(raw, envelope, markers; docs/lsl.md)")
    r.add_argument("--protocol", choices=sorted(PROTOCOLS),
                   help="Bluetooth protocol (detected from the patch's services when not given)")
    r.add_argument("--seconds", type=_positive_float, required=True, help="how long to record")
    r.add_argument("--out", required=True, help="CSV file to write (an existing file is kept unless --force)")
    r.add_argument("--force", action="store_true", help="replace --out if it exists")
    r.add_argument("--scenario", default=DEFAULT_SCENARIO, choices=sorted(SCENARIOS))
    r.add_argument("--rate", type=_positive_float, default=float(DEFAULT_RATE_HZ), help="sample rate (sim), Hz")
    r.add_argument(
        "--channels",
        default=None,
        help="comma-separated channel labels, e.g. gluteus_maximus_L,gluteus_maximus_R "
        "(sim default: gluteus_maximus_L,hamstring_L; a patch: ch1, ch2, ...)",
    )
    r.add_argument("--threshold", type=_positive_float, default=DEFAULT_THRESHOLD_UV, help="target, µV")
    r.add_argument("--notch", type=_mains(allow_off=True), default=0.0, metavar="{0,50,60}",
                   help="mains notch, Hz (0 = off)")
    r.add_argument("--seed", type=int, default=None, help="random seed (sim)")
    r.add_argument(
        "--speed",
        type=_positive_float,
        default=1.0,
        help="simulated patch only: generate this many times faster than real time",
    )
    r.add_argument("--quiet", action="store_true", help="no progress line")
    r.add_argument("--person", help="write this person's latest %%MVIC references into the file")
    r.add_argument("--db", help="the records (SQLite) to look the person up in (default: the app's own)")


def _add_analyze(sub: argparse._SubParsersAction) -> None:
    from app.analysis.onset import DETECTORS

    a = sub.add_parser("analyze", help="onsets, firing order, reps, symmetry, fatigue and signal quality")
    a.add_argument("file", help="GluteFire CSV, EDF/EDF+/BDF/BDF+, XDF, or any delimited numeric text file")
    a.add_argument("--rate", type=_positive_float, help="sample rate when the file has no time column")
    a.add_argument("--json", action="store_true", help="machine-readable output")
    a.add_argument("--person", help="report in %%MVIC with this person's latest stored references "
                   "(default: the references written in the file, if any)")
    a.add_argument("--db", help="the records (SQLite) to look the person up in (default: the app's own)")
    a.add_argument("--mains", type=_mains(allow_off=False), metavar="{50,60}",
                   help="mains frequency for the hum check (default: the file's, else both)")
    a.add_argument("--detector", choices=DETECTORS, default=DETECTORS[0],
                   help="onset conditioning (docs/algorithms.md); envelope-only devices always use 'envelope'")
    a.add_argument("--no-reps", action="store_true", help="text output: leave out the per-rep lines")


def _positive_int(text: str) -> int:
    try:
        v = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if v < 1:
        raise argparse.ArgumentTypeError(f"{text} must be 1 or more")
    return v


def _choice(args: argparse.Namespace, default_labels: tuple[str, ...] = ("gluteus_maximus_L", "hamstring_L"),
            ) -> SourceChoice:
    """What ``--device`` names: the simulated patch, or a Bluetooth patch by address or name."""
    from app.devices.personas import DEFAULT_PERSONA, persona
    from app.devices.scenarios import DEFAULT_SCENARIO
    from app.session.controller import BluetoothChoice, SimulatedChoice

    labels = _channels(args.channels) if args.channels else None
    who = getattr(args, "persona", DEFAULT_PERSONA)
    if args.device == "sim":
        persona(who)  # an unknown persona is one sentence now, not in the patch's thread
        rate = int(args.rate) if args.rate == int(args.rate) else args.rate  # 777.5 Hz: the patch says no
        return SimulatedChoice(labels or default_labels, rate, getattr(args, "scenario", DEFAULT_SCENARIO), args.seed,
                               args.speed, who)
    if args.speed != 1.0:
        raise UserError("--speed only applies to the simulated patch.")
    if who != DEFAULT_PERSONA:
        raise UserError("--persona only applies to the simulated patch.")
    if args.device.startswith("lsl:"):
        from app.devices.lsl_source import LslChoice

        return LslChoice(args.device[4:])
    return BluetoothChoice(args.device, getattr(args, "protocol", None), labels or default_labels, strict_labels=True)


def _out_file(path: str, force: bool = False) -> Path:
    """Where ``--out`` writes; a missing folder is created, and the person is told so. An earlier
    recording is never overwritten unless ``--force`` says so."""
    out = Path(path)
    if out.is_dir():
        raise UserError(f"{out} is a folder; give a file name for --out.")
    if out.exists() and not force:
        raise UserError(f"{out} already exists; choose another name, or add --force to replace it.")
    if out.parent.exists() and not out.parent.is_dir():
        raise UserError(f"{out.parent} is a file, not a folder; --out needs a folder to write into.")
    if not out.parent.exists():
        try:
            out.parent.mkdir(parents=True)
        except OSError as exc:
            raise UserError(f"Cannot create the folder {out.parent}: {exc.strerror or exc}.") from None
        print(f"glutefire: created the folder {out.parent}.", file=sys.stderr)
    return out


def cmd_record(args: argparse.Namespace) -> int:
    from app.dsp.filters import FilterSettings
    from app.session.controller import EventType, MemoryTargets, SessionController, SessionEvent, SessionOptions

    out = _out_file(args.out, args.force)
    choice = _choice(args)
    store = _open_store(args.db) if (args.db or args.person) else None
    ctl = SessionController(SessionOptions(filters=FilterSettings(notch_hz=args.notch), lsl_outlet=args.lsl),
                            MemoryTargets(threshold_uv=args.threshold), store=store)
    if args.person:
        assert store is not None
        if store.find_person(args.person) is None:
            raise UserError(f"No person named {args.person!r} in {store.path}.")
        ctl.choose_person(args.person)

    def tell(ev: SessionEvent) -> None:  # any thread: the rare happenings, in words
        if not args.quiet and ev.type in (EventType.LINK_LOST, EventType.LINK_RESTORED, EventType.ERROR, EventType.INFO):
            print(f"\nglutefire: {ev.message}", file=sys.stderr)

    ctl.listeners.append(tell)
    if args.device != "sim" and not args.quiet:
        print(f"Connecting to {args.device}…", file=sys.stderr)
    # recording starts before the patch does, so time_s = 0 is the patch's first sample
    ctl.connect(choice, wait=True, record_to=out, record_seconds=args.seconds)
    rec = ctl.recording
    assert rec is not None and ctl.source is not None
    fs = ctl.source.sample_rate_hz
    interrupted = ""
    try:
        _wait_for_recording(ctl, args)
    except Terminated:
        interrupted = "a stop signal (SIGTERM)"
    except KeyboardInterrupt:
        interrupted = "Ctrl+C"
    finally:
        status = ctl.frame().status
        ctl.close()
        if store is not None:
            store.close()
    if not args.quiet:
        if sys.stderr.isatty():
            sys.stderr.write("\n")
        lost = status.lost_samples if status is not None else 0
        behind = status.overrun_samples if status is not None else 0
        print(
            f"Recorded {rec.rows / fs:.2f} s of {len(rec.info.labels)} channel(s) at "
            f"{fs:g} Hz to {out} ({lost} samples lost"
            + (f", {behind} more because this computer fell behind" if behind else "") + ")."
            + (f" Stopped early by {interrupted}; what was recorded is saved." if interrupted else "")
        )
    return (143 if interrupted.startswith("a stop") else 130) if interrupted else 0


def _wait_for_recording(ctl: SessionController, args: argparse.Namespace) -> None:
    """Until ``--seconds`` are recorded; a stalled patch, a full disk or a DSP failure end it in
    one sentence (what was recorded stays saved)."""
    rec, source = ctl.recording, ctl.source
    assert rec is not None and source is not None
    fs = source.sample_rate_hz
    n = int(round(args.seconds * fs))
    # stalled = no new sample for this long (a Bluetooth patch may drop and come back)
    patience = 10.0 if args.device == "sim" else 60.0
    started = last_move = time.monotonic()
    seen = rec.rows
    while rec.rows < n:
        frame = ctl.frame()
        if rec.error:
            raise UserError(rec.error)
        if frame.status is not None and frame.status.dsp_error:
            raise UserError(f"Signal processing failed: {frame.status.dsp_error}.")
        now = time.monotonic()
        if rec.rows != seen:
            seen, last_move = rec.rows, now
        elif now - last_move > patience:
            raise UserError("The patch stopped sending data; the recording so far is saved.")
        if not args.quiet and sys.stderr.isatty():
            sys.stderr.write(f"\rrecording {rec.rows / fs:6.1f} s")
        time.sleep(0.05)
    achieved = args.seconds / max(1e-9, time.monotonic() - started)
    if args.device == "sim" and args.speed > 1 and achieved < 0.8 * args.speed and not args.quiet:
        print(f"glutefire: the simulated patch ran at {achieved:.0f}× real time, not the {args.speed:g}× asked: "
              "that is as fast as this machine generates it (the recording is complete).", file=sys.stderr)


def cmd_scan(args: argparse.Namespace) -> int:
    if args.lsl:
        from app.devices.lsl import scan_lines

        return scan_lines(args.seconds)
    from app.devices.ble import scan

    found = scan(args.seconds)
    if not found:
        print(f"No EMG patch found in {args.seconds:g} s; is it switched on and close by?", file=sys.stderr)
        return 1
    for dev in found:
        print(dev.line())
    return 0


def _open_store(db: str | None) -> Store:
    from app.storage.store import Store

    return Store(db) if db else Store()


def _person_references(person: str, db: str | None) -> dict[str, MvicReference]:
    """A stored person's latest %MVIC references by label; one sentence when unknown."""
    store = _open_store(db)
    try:
        found = store.find_person(person)
        if found is None:
            raise UserError(f"No person named {person!r} in {store.path}.")
        return store.latest_mvic(found.id)
    finally:
        store.close()


def cmd_analyze(args: argparse.Namespace) -> int:
    from app.analysis.offline import AnalysisSettings, analyze
    from app.analysis.onset import OnsetSettings
    from app.storage.reader import load_recording

    rec = load_recording(args.file, args.rate, envelope=False)  # analyze computes its own envelope
    for key in ("torn_last_line", "import_note"):  # a recording cut mid-row, channels an import left: say so
        if key in rec.metadata:
            print(f"glutefire: in {args.file}, {rec.metadata[key]}.", file=sys.stderr)
    refs, source, person = rec.mvic, ("file" if rec.mvic else None), rec.person or None
    if args.person:
        stored = _person_references(args.person, args.db)
        person = args.person
        refs = {lb: r for lb, r in stored.items() if lb in rec.labels}
        source = "records" if refs else None
        if not refs:
            print(f"glutefire: {args.person} has no %MVIC reference for these channels; values in µV.",
                  file=sys.stderr)
    mains = args.mains
    if mains is None:
        try:
            mains = float(rec.metadata.get("mains_hz", "")) or None
        except ValueError:
            mains = None
    envelope_only = rec.metadata.get("signal_kind", "raw") == "envelope"
    onset = (OnsetSettings(detector="envelope", input="envelope") if envelope_only
             else OnsetSettings(detector=args.detector))
    result = analyze(rec.data, rec.sample_rate_hz, rec.labels, AnalysisSettings(onset=onset, mains_hz=mains),
                     thresholds=rec.thresholds, mvic=refs)
    if args.json:
        d = {"file": str(rec.path), "person": person, "mvic_source": source, **result.to_dict()}
        print(json.dumps(d, indent=2))
        return 0
    who = f"; {person}" if person else ""
    norm = f", %MVIC from the {source}" if source else ""
    print(f"{rec.path}{who}{norm}")
    print(result.to_table(per_rep=not args.no_reps), end="")
    return 0


def run(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.self_test:
        from app.selftest import run_self_test

        return run_self_test()
    from app.storage import db_url

    before = db_url.choose(args.database)
    try:
        return _run(args)
    finally:
        db_url.choose(before)


def _run(args: argparse.Namespace) -> int:
    if args.command in (None, "gui"):
        from app.storage.reader import load_recording
        from app.ui.app import run_gui

        replay = load_recording(args.replay) if getattr(args, "replay", None) else None  # a broken file: exit 2
        return run_gui(
            scenario=getattr(args, "scenario", None), connect=getattr(args, "connect", False), replay=replay
        )
    from app.cli_database import cmd_database
    from app.cli_formats import cmd_export
    from app.cli_practice import cmd_exercises, cmd_practice, cmd_screen
    from app.cli_records import cmd_history, cmd_people, cmd_recover, cmd_report

    handlers = {"record": cmd_record, "analyze": cmd_analyze, "scan": cmd_scan, "exercises": cmd_exercises,
                "practice": cmd_practice, "screen": cmd_screen, "people": cmd_people, "history": cmd_history,
                "report": cmd_report, "recover": cmd_recover, "export": cmd_export, "database": cmd_database}
    return handlers[args.command](args)


def _silence_stdout() -> None:
    """Point stdout at /dev/null, so the interpreter's last flush does not fail again."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError):
        pass


class Terminated(KeyboardInterrupt):
    """SIGTERM (a service manager, ``kill``): ends a recording like Ctrl+C, with its own words."""


def _on_sigterm(signum: int, frame: object) -> None:
    raise Terminated()


def main(argv: Sequence[str] | None = None) -> int:
    """Console entry point: one sentence and exit 2 for user mistakes."""
    import signal
    import threading
    import warnings

    if threading.current_thread() is threading.main_thread() and hasattr(signal, "SIGTERM"):
        signal.signal(signal.SIGTERM, _on_sigterm)

    import numpy as np

    try:  # a 0/0 inside a measure is handled there; numpy's warning would only confuse on stderr
        with np.errstate(all="ignore"), warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            code = run(argv)
            sys.stdout.flush()  # a full disk under "> out.json" shows here, not as an ignored exception at exit
            return code
    except BrokenPipeError:  # "glutefire analyze f.csv --json | head": the reader has what it wanted
        _silence_stdout()
        return 0
    except UserError as exc:
        print(f"glutefire: {exc}", file=sys.stderr)
        return EXIT_USER_ERROR
    except OSError as exc:
        if exc.filename is not None:  # a file the command itself opened: a bug (files are checked first)
            raise
        _silence_stdout()  # the output itself failed: its file's disk is full, a pipe or terminal gone
        print(f"glutefire: Cannot write the output: {os_reason(exc)}.", file=sys.stderr)
        return EXIT_USER_ERROR
    except KeyboardInterrupt:
        return 130
