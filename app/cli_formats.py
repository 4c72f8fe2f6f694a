"""``glutefire export FILE --format edf|bdf --out X``: a recording for other tools (docs/formats.md).

Whatever ``analyze`` reads (our CSV, another tool's text export, EDF/BDF, XDF) can be exported,
so an XDF from LabRecorder becomes an EDF+ for a viewer that only reads EDF.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from app.errors import UserError

FORMATS = ("edf", "bdf")


def add_parsers(sub: argparse._SubParsersAction) -> None:
    from app.cli import _positive_float

    e = sub.add_parser("export", help="write a recording as EDF+ (16-bit) or BDF+ (24-bit) with its marks as annotations")
    e.add_argument("file", help="a GluteFire CSV, or any file 'analyze' reads")
    e.add_argument("--format", choices=FORMATS, help="edf (16-bit) or bdf (24-bit); default: from --out's extension")
    e.add_argument("--out", required=True, help="the file to write (an existing file is kept unless --force)")
    e.add_argument("--force", action="store_true", help="replace --out if it exists")
    e.add_argument("--with-person", action="store_true",
                   help="write the recording's '# person:' into the EDF+ patient field (default: anonymous X X X X)")
    e.add_argument("--rate", type=_positive_float, help="sample rate when the file has no time column")


def _kind(args: argparse.Namespace, out: Path) -> str:
    ext = out.suffix.lower().lstrip(".")
    if args.format:
        if ext in FORMATS and ext != args.format:
            raise UserError(f"--out {out} is named .{ext} but --format is {args.format}; name it .{args.format}.")
        return str(args.format)
    if ext in FORMATS:
        return ext
    raise UserError(f"Say --format edf or --format bdf (the name {out.name} does not end in .edf or .bdf).")


def cmd_export(args: argparse.Namespace) -> int:
    from app.cli import _out_file
    from app.storage.edf import export
    from app.storage.reader import load_recording

    kind = _kind(args, Path(args.out))
    rec = load_recording(args.file, args.rate, envelope=False)
    if Path(args.out).resolve() == Path(args.file).resolve():
        raise UserError("--out names the recording itself; choose another file.")
    out = _out_file(args.out, args.force)
    done = export(rec, out, "bdf" if kind == "bdf" else "edf", with_person=args.with_person)
    step = max(done.step_uv) if done.step_uv else 0.0
    gaps = f", {done.gaps} gap(s) as annotations" if done.gaps else ""
    print(f"Wrote {done.duration_s:.2f} s of {len(done.labels)} channel(s) ({', '.join(done.labels)}) to {out} "
          f"as {kind.upper()}+ with {done.annotations} annotation(s){gaps}; quantisation step at most {step:.3g} µV.")
    for key in ("torn_last_line", "import_note"):
        if key in rec.metadata:
            print(f"glutefire: in {args.file}, {rec.metadata[key]}.", file=sys.stderr)
    return 0
