"""Command line: ``glutefire [record|analyze|...]``; no subcommand opens the window.

Mistakes a person can make end in one sentence on stderr and exit status 2; nothing prints a
traceback. Headless recording uses the same LiveStream as the window, so files are identical.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import NoReturn

import numpy as np

from app import __version__
from app.errors import UserError

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


def build_parser() -> argparse.ArgumentParser:
    from app.devices.scenarios import SCENARIOS

    p = _Parser(
        prog="glutefire",
        description="Live surface-EMG biofeedback for glute activation. "
        "Without a command, opens the window.",
    )
    p.add_argument("--version", action="version", version=f"GluteFire {__version__}")
    sub = p.add_subparsers(dest="command", parser_class=_Parser)

    g = sub.add_parser("gui", help="open the window (the default)")
    g.add_argument("--scenario", choices=sorted(SCENARIOS), help="simulated patch scenario")
    g.add_argument("--connect", action="store_true", help="start streaming at once")

    r = sub.add_parser("record", help="record a session to CSV without the window")
    r.add_argument(
        "--device", default="sim",
        help="'sim' for the simulated patch (default), or a Bluetooth patch's address or name",
    )
    r.add_argument("--protocol", choices=["ganglion", "myo", "myoware", "openpatch"],
                   help="Bluetooth protocol (detected from the patch's services when not given)")
    r.add_argument("--seconds", type=_positive_float, required=True, help="how long to record")
    r.add_argument("--out", required=True, help="CSV file to write")
    r.add_argument("--scenario", default="holds", choices=sorted(SCENARIOS))
    r.add_argument("--rate", type=_positive_float, default=1000.0, help="sample rate (sim), Hz")
    r.add_argument(
        "--channels",
        default=None,
        help="comma-separated channel labels, e.g. gluteus_maximus_L,gluteus_maximus_R "
        "(sim default: gluteus_maximus_L,hamstring_L; a patch: ch1, ch2, ...)",
    )
    r.add_argument("--threshold", type=_positive_float, default=50.0, help="target, µV")
    r.add_argument("--notch", type=float, default=0.0, choices=[0.0, 50.0, 60.0], help="mains notch Hz")
    r.add_argument("--seed", type=int, default=None, help="random seed (sim)")
    r.add_argument(
        "--speed",
        type=_positive_float,
        default=1.0,
        help="simulated patch only: generate this many times faster than real time",
    )
    r.add_argument("--quiet", action="store_true", help="no progress line")

    sc = sub.add_parser("scan", help="list the EMG patches in Bluetooth range")
    sc.add_argument("--seconds", type=_positive_float, default=5.0, help="how long to listen")

    a = sub.add_parser("analyze", help="report bursts in a recording")
    a.add_argument("file", help="GluteFire CSV or any delimited numeric text file")
    a.add_argument("--rate", type=_positive_float, help="sample rate when the file has no time column")
    a.add_argument("--json", action="store_true", help="machine-readable output")
    return p


def _make_source(args: argparse.Namespace):  # type: ignore[no-untyped-def]
    """The simulated patch, or a Bluetooth patch found by address or name (connected here)."""
    labels = tuple(x.strip() for x in args.channels.split(",") if x.strip()) if args.channels else None
    if args.device == "sim":
        from app.devices.simulator import SimulatedPatch

        return SimulatedPatch(
            labels=labels or ("gluteus_maximus_L", "hamstring_L"),
            sample_rate_hz=args.rate,
            scenario=args.scenario,
            seed=args.seed,
            speed=args.speed,
        )
    if args.speed != 1.0:
        raise UserError("--speed only applies to the simulated patch.")
    from app.devices.ble import BleSource
    from app.muscles import validate_label

    if labels:
        labels = tuple(validate_label(x) for x in labels)
    source = BleSource(args.device, protocol=args.protocol, labels=labels)
    if not args.quiet:
        print(f"Connecting to {args.device}…", file=sys.stderr)
    source.open()
    try:
        source.channels  # noqa: B018 - checks the number of labels now, with one sentence
    except UserError:
        source.close()
        raise
    return source


def cmd_record(args: argparse.Namespace) -> int:
    from app.dsp.filters import FilterSettings
    from app.session.stream import LiveStream

    out = Path(args.out)
    if out.is_dir():
        raise UserError(f"{out} is a folder; give a file name for --out.")
    source = _make_source(args)
    labels = source.labels
    try:
        stream = LiveStream(
            source, FilterSettings(notch_hz=args.notch), [args.threshold] * len(labels)
        )
    except UserError:
        source.stop()
        raise
    n = int(round(args.seconds * source.sample_rate_hz))
    # recording starts before the patch does, so time_s = 0 is the patch's first sample
    rec = stream.start_recording(out, max_samples=n)
    stream.start()
    interrupted = False
    try:
        # a Bluetooth patch may drop and come back: allow time for reconnecting
        deadline = time.monotonic() + args.seconds / args.speed + (10.0 if args.device == "sim" else 60.0)
        while rec.rows < n:
            if rec.error:
                raise UserError(rec.error)
            if stream.worker.error is not None:
                raise UserError(f"Signal processing failed: {stream.worker.error}.")
            if time.monotonic() > deadline:
                raise UserError("The patch stopped sending data; the recording so far is saved.")
            if not args.quiet and sys.stderr.isatty():
                sys.stderr.write(f"\rrecording {rec.rows / source.sample_rate_hz:6.1f} s")
            time.sleep(0.05)
    except KeyboardInterrupt:
        interrupted = True
    finally:
        stream.stop()
    if not args.quiet:
        if sys.stderr.isatty():
            sys.stderr.write("\n")
        st = stream.status()
        print(
            f"Recorded {rec.rows / source.sample_rate_hz:.2f} s of {len(labels)} channel(s) at "
            f"{source.sample_rate_hz:g} Hz to {out} ({st.lost_samples} samples lost)."
            + (" Stopped early by Ctrl+C." if interrupted else "")
        )
    return 130 if interrupted else 0


def cmd_scan(args: argparse.Namespace) -> int:
    from app.devices.ble import scan

    found = scan(args.seconds)
    if not found:
        print(f"No EMG patch found in {args.seconds:g} s; is it switched on and close by?", file=sys.stderr)
        return 1
    for dev in found:
        print(dev.line())
    return 0


def cmd_analyze(args: argparse.Namespace) -> int:
    from app.dsp.bursts import detect_bursts, zero_phase_envelope
    from app.dsp.fatigue import StoppingRule, fatigue_trend
    from app.dsp.filters import FilterSettings, design_bandpass
    from app.dsp.firing_order import firing_order, summary
    from app.dsp.quality import assess
    from app.dsp.reps import reps_from_bursts
    from app.dsp.symmetry import pairs
    from scipy import signal as sps
    from app.dsp.onset import detect_onsets
    from app.muscles import display_name
    from app.session.reader import load_recording

    rec = load_recording(args.file, args.rate)
    fs = rec.sample_rate_hz
    # bursts: envelope detector (edges of each contraction); firing order: TKEO onsets, which
    # date the first motor-unit activity more sharply (issue 4 takes both further)
    bursts = detect_bursts(rec.data, fs)
    env = zero_phase_envelope(rec.data, fs)
    order = firing_order(detect_onsets(rec.data, fs), rec.labels)

    filtered = sps.sosfiltfilt(design_bandpass(FilterSettings(), fs), np.nan_to_num(rec.data), axis=1)
    quality = assess(rec.data, fs, rec.labels, float(rec.metadata.get("mains_hz", 50) or 50))
    targets = rec.thresholds
    channels = []
    peaks: dict[str, float] = {}
    means: dict[str, float] = {}
    stop_messages = []
    for ch, (name, unit, chan) in enumerate(zip(rec.labels, rec.units, bursts)):
        spans = [(b.onset_s, b.offset_s) for b in chan]
        reps = reps_from_bursts(env[ch], fs, spans, targets.get(name))
        rows = [
            {"onset_s": round(b.onset_s, 4), "offset_s": round(b.offset_s, 4),
             "duration_s": round(b.offset_s - b.onset_s, 4), "peak": round(r.peak, 3), "mean": round(r.mean, 3)}
            for b, r in zip(chan, reps)
        ]
        trend = fatigue_trend(filtered[ch], fs, spans)
        rule = StoppingRule()
        for r in reps:
            rule.add(r.peak)
        if rule.done:
            stop_messages.append(f"{display_name(name)}: {rule.message()}")
        if reps:
            peaks[name] = float(np.mean([r.peak for r in reps]))
            means[name] = float(np.mean([r.mean for r in reps]))
        channels.append({
            "name": name, "unit": unit, "bursts": rows,
            "reps": [r.to_dict() for r in reps],
            "fatigue": trend.to_dict() if trend else None,
            "quality": quality[ch].to_dict(),
        })
    result = {
        "file": str(rec.path),
        "sample_rate_hz": float(fs),
        "duration_s": round(rec.duration_s, 4),
        "detectors": {
            "bursts": "threshold on zero-phase moving RMS, edges walked to baseline (app/dsp/bursts.py)",
            "firing_order": "TKEO-conditioned double threshold (app/dsp/onset.py)",
        },
        "channels": channels,
        "firing_order": [c.to_dict() for c in order if len(c.onsets) >= 2],
        "firing_order_summary": summary(order),
        "symmetry": [
            {"muscle": sp.muscle, "left_peak": round(sp.left, 2), "right_peak": round(sp.right, 2),
             "peak_index_percent": round(sp.index_percent, 1),
             "mean_index_percent": round(sm.index_percent, 1),
             "flagged": sp.flagged, "sentence": sp.sentence()}
            for sp, sm in zip(pairs(peaks), pairs(means))
        ],
        "stopping_rule": stop_messages,
    }
    if args.json:
        print(json.dumps(result, indent=2))
        return 0
    print(f"{rec.path}: {rec.duration_s:.1f} s at {fs:g} Hz, {len(rec.labels)} channel(s)")
    for ch in channels:
        print(f"\n{display_name(ch['name'])}: {len(ch['bursts'])} burst(s)")
        if ch["bursts"]:
            print(f"  {'#':>3} {'onset s':>9} {'offset s':>9} {'length s':>9} {'peak':>9} {'mean':>9}")
        for i, b in enumerate(ch["bursts"], 1):
            print(
                f"  {i:>3} {b['onset_s']:>9.3f} {b['offset_s']:>9.3f} {b['duration_s']:>9.3f}"
                f" {b['peak']:>9.1f} {b['mean']:>9.1f}"
            )
    for ch in channels:
        if ch["fatigue"]:
            f = ch["fatigue"]
            print(f"\n{display_name(ch['name'])} median frequency: {f['mdf_hz'][0]:.0f} -> {f['mdf_hz'][-1]:.0f} Hz "
                  f"({f['mdf_slope_percent_per_min']:+.1f}%/min)")
    for q in (c["quality"] for c in channels):
        for problem in q["problems"]:
            print(f"Signal: {problem}")
    for sym in result["symmetry"]:
        print(f"Symmetry: {sym['sentence']} (SI {sym['peak_index_percent']:+.0f}%)")
    for msg in stop_messages:
        print(msg)
    if result["firing_order"]:
        print("\nFiring order per contraction:")
        for c in result["firing_order"]:
            print(f"  {c['start_s']:>8.2f} s  {c['sentence']}")
        sm = result["firing_order_summary"]
        if sm.get("compared"):
            print(
                f"  glute fired first in {sm['glute_first_fraction'] * 100:.0f}% of {sm['compared']} "
                f"contractions; median glute lag {sm['median_glute_lag_ms']:.0f} ms"
            )
    return 0


def run(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command in (None, "gui"):
        from app.ui.app import run_gui

        return run_gui(
            scenario=getattr(args, "scenario", None), connect=getattr(args, "connect", False)
        )
    handlers = {"record": cmd_record, "analyze": cmd_analyze, "scan": cmd_scan}
    return handlers[args.command](args)


def main(argv: Sequence[str] | None = None) -> int:
    """Console entry point: one sentence and exit 2 for user mistakes."""
    try:
        return run(argv)
    except UserError as exc:
        print(f"glutefire: {exc}", file=sys.stderr)
        return EXIT_USER_ERROR
    except KeyboardInterrupt:
        return 130
