"""``glutefire people``, ``history`` and ``report``: the clinic's records from the command line,
so a clinic can script them (the same store, history and report code as the window)."""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from app.errors import UserError


def add_parsers(sub: argparse._SubParsersAction) -> None:
    pe = sub.add_parser("people", help="the people in the records: add, list, edit, archive, remove")
    pe.add_argument("--db", help="the records (SQLite) (default: the app's own)")
    act = pe.add_subparsers(dest="action", required=True, parser_class=type(pe))
    add = act.add_parser("add", help="add a person")
    add.add_argument("name", help="name, or a pseudonymous ID used as the name")
    for q in (add, edit := act.add_parser("edit", help="change a person's details")):
        q.add_argument("--id", dest="pseudonym", help="pseudonymous ID (reports can show it instead of the name)")
        q.add_argument("--sides", help="sides of interest: L, R or L,R")
        q.add_argument("--notes", help="free text (diagnosis, goals)")
    edit.add_argument("name", help="the person's name or ID")
    edit.add_argument("--name", dest="new_name", help="a new name")
    ls = act.add_parser("list", help="list the people")
    ls.add_argument("--json", action="store_true", help="machine-readable output")
    ls.add_argument("--all", action="store_true", help="include archived people")
    ar = act.add_parser("archive", help="keep a person's records but take them off the lists")
    ar.add_argument("name")
    ar.add_argument("--undo", action="store_true", help="bring an archived person back")
    rm = act.add_parser("remove", help="delete a person and all their records (recordings on disk stay)")
    rm.add_argument("name")
    rm.add_argument("--yes", action="store_true", help="do not ask")
    for q in (add, edit, ls, ar, rm):  # --db after the action too ("people add NAME --db F")
        q.add_argument("--db", default=argparse.SUPPRESS, help="the records (SQLite) (default: the app's own)")

    hi = sub.add_parser("history", help="a person's sessions, trends and four-week retest")
    hi.add_argument("--person", required=True, help="name or pseudonymous ID")
    hi.add_argument("--exercise", help="only sessions of this exercise (a part of its name)")
    hi.add_argument("--since", type=_date, help="only sessions on or after this date (YYYY-MM-DD)")
    hi.add_argument("--until", type=_date, help="only sessions on or before this date (YYYY-MM-DD)")
    hi.add_argument("--json", action="store_true", help="machine-readable output")
    hi.add_argument("--pseudonym", action="store_true", help="show the pseudonymous ID, not the name")
    hi.add_argument("--db", help="the records (SQLite) (default: the app's own)")

    rc = sub.add_parser("recover", help="finish recordings a killed or crashed program left, and their sessions")
    rc.add_argument("files", nargs="*", help="recordings to finish")
    rc.add_argument("--all", action="store_true", help="every unfinished session in the records")
    rc.add_argument("--db", help="the records (SQLite) (default: the app's own)")

    rp = sub.add_parser("report", help="a session report (from a recording) or a progress report (--person) "
                        "as PDF or PNG")
    rp.add_argument("file", nargs="?", help="a session's recording (GluteFire CSV)")
    rp.add_argument("--person", help="a progress report of this person instead of a session report")
    rp.add_argument("--exercise", help="progress report: only this exercise")
    rp.add_argument("--out", required=True, help="report.pdf, or report.png for page images")
    rp.add_argument("--png", action="store_true", help="also write the pages as PNG next to the PDF")
    rp.add_argument("--pseudonym", action="store_true", help="show the pseudonymous ID, not the name")
    rp.add_argument("--db", help="the records (SQLite) (default: the app's own)")


def _date(text: str) -> str:
    import datetime as _dt

    try:
        return _dt.date.fromisoformat(text).isoformat()
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date like 2026-11-30") from None


def _store(args: argparse.Namespace) -> Any:
    from app.storage.store import Store

    return Store(args.db) if args.db else Store()


def _person_dict(p: Any) -> dict[str, Any]:
    return {"name": p.name, "id": p.pseudonym or None, "sides": list(p.sides), "notes": p.notes,
            "created": p.created_at, "archived": p.archived}


def cmd_people(args: argparse.Namespace) -> int:
    from app.storage.store import parse_sides

    store = _store(args)
    try:
        if args.action == "add":
            p = store.add_person(args.name, args.notes or "", args.pseudonym or "",
                                 parse_sides(args.sides) if args.sides else ())
            print(f"Added {p.name}" + (f" (ID {p.pseudonym})" if p.pseudonym else "") + f" to {store.path}.")
        elif args.action == "edit":
            p = store.require_person(args.name)
            p = store.update_person(p.id, name=args.new_name, notes=args.notes, pseudonym=args.pseudonym,
                                    sides=parse_sides(args.sides) if args.sides is not None else None)
            print(f"Saved {p.name}.")
        elif args.action == "list":
            people = store.people(include_archived=args.all)
            if args.json:
                print(json.dumps([_person_dict(p) for p in people], indent=2))
            elif not people:
                print(f"Nobody in {store.path} yet; add someone with 'glutefire people add NAME'.")
            for p in [] if args.json else people:
                extra = [x for x in (p.pseudonym and f"ID {p.pseudonym}", p.sides and "sides " + ",".join(p.sides),
                                     p.archived and "archived", p.notes) if x]
                print(p.name + (f"  ({'; '.join(str(x) for x in extra)})" if extra else ""))
        elif args.action == "archive":
            p = store.archive_person(store.require_person(args.name).id, not args.undo)
            print(f"{p.name} is {'archived' if p.archived else 'back on the lists'}.")
        else:
            p = store.require_person(args.name)
            n = len(store.sessions(p.id))
            if not args.yes:
                if not sys.stdin.isatty():
                    raise UserError(f"Removing {p.name} deletes {n} session(s) and their references; "
                                    "add --yes to do it without being asked.")
                answer = input(f"Delete {p.name} and {n} session(s) from {store.path}? Type yes: ")
                if answer.strip().lower() != "yes":
                    print("Nothing removed.")
                    return 1
            store.delete_person(p.id)
            print(f"Removed {p.name} and {n} session(s); recordings on disk were not touched.")
    finally:
        store.close()
    return 0


def cmd_history(args: argparse.Namespace) -> int:
    from app.records.history import load_history

    store = _store(args)
    try:
        person = store.require_person(args.person)
        h = load_history(store, person, args.exercise, args.since, args.until)
    finally:
        store.close()
    if args.json:
        print(json.dumps(h.to_dict(args.pseudonym), indent=2, ensure_ascii=False))
        return 0
    print(f"{person.shown(args.pseudonym)}: {len(h.measures)} session(s)")
    for m in h.measures:
        led = f"glute first {m.glute_led or 0}/{m.compared}" if m.compared else "no firing order"
        peak = "" if m.peak is None else (f", peak {m.peak:.0f}% MVIC" if m.peak_unit.startswith("%")
                                          else f", peak {m.peak:.0f} {m.peak_unit}")
        share = "" if m.compensation_share is None else f", helpers {m.compensation_share * 100:.0f}%"
        print(f"  {m.started[:16].replace('T', ' ')}  {m.exercise}: {m.reps} reps, {led}{peak}{share}")
    if h.retest is not None:
        print()
        print(h.retest.text())
    for line in h.screening_lines:
        print(line)
    return 0


def cmd_recover(args: argparse.Namespace) -> int:
    from app.records.recover import recover, recover_all

    if not args.files and not args.all:
        raise UserError("Give the recordings to finish, or --all for every unfinished session in the records.")
    store = _store(args)
    try:
        lines = [recover(f, store) for f in args.files] + (recover_all(store) if args.all else [])
    finally:
        store.close()
    for line in lines:
        print(line)
    return 0


def _document(args: argparse.Namespace) -> Any:
    from app.reports.make import progress_document, session_document

    store = _store(args)
    try:
        if args.person:
            return progress_document(store, store.require_person(args.person), args.exercise, args.pseudonym)
        return session_document(store, csv_path=args.file, pseudonymous=args.pseudonym)
    finally:
        store.close()


def cmd_report(args: argparse.Namespace) -> int:
    from app.reports.make import check_report_path, write_report

    if bool(args.file) == bool(args.person):
        raise UserError("Give either a recording (a session report) or --person NAME (a progress report).")
    check_report_path(args.out)
    print(write_report(_document(args), args.out, png_too=args.png))
    return 0
