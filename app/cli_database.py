"""``glutefire database``: move a single machine's records to the clinic's server, send what this
workstation kept while the server was away, and fetch a session's recording from the server."""

from __future__ import annotations

import argparse
from pathlib import Path

from app.errors import UserError


def add_parsers(sub: argparse._SubParsersAction) -> None:
    db = sub.add_parser("database", help="the clinic's records server: copy a history to it, sync, fetch recordings")
    act = db.add_subparsers(dest="action", required=True, parser_class=type(db))
    cp = act.add_parser("copy", help="copy a SQLite history (people, references, sessions, recordings, screening "
                        "results, exercises) to a server; safe to repeat")
    cp.add_argument("--to", required=True, metavar="URL", help="postgresql://… (see docs/clinic.md), or a SQLite file")
    cp.add_argument("--from", dest="source", metavar="FILE", help="the SQLite records to copy (default: the app's own)")
    sy = act.add_parser("sync", help="send the sessions and recordings this workstation kept while the server was away")
    fe = act.add_parser("fetch", help="write a session's recording, as stored on the server, into a folder")
    fe.add_argument("session", help="the session's UUID (glutefire history --json shows it)")
    fe.add_argument("--out", default=".", help="the folder (default: here)")
    for q in (sy, fe):
        q.add_argument("--db", help="the records (default: --database, $GLUTEFIRE_DATABASE_URL, else the app's own)")


def cmd_database(args: argparse.Namespace) -> int:
    from app.storage import db_url
    from app.storage.store import Store, default_path

    if args.action == "copy":
        from app.storage.transfer import copy_records

        source_path = Path(args.source) if args.source else default_path()
        if not source_path.is_file():
            raise UserError(f"There are no records at {source_path} to copy.")
        if not db_url.is_server(args.to) and Path(args.to).resolve() == source_path.resolve():
            raise UserError("--to names the same records as --from; give the server's URL.")
        source = Store(source_path)
        try:
            target = Store(args.to)
            try:
                print(copy_records(source, target).summary(str(target.path)))
            finally:
                target.close()
        finally:
            source.close()
        return 0
    store = Store(args.db) if args.db else Store()
    try:
        if args.action == "sync":
            from app.storage.sync import Outbox

            if not store.shared:
                raise UserError(f"The records at {store.path} are a file on this computer; there is nothing to sync.")
            sent, waiting = Outbox().send_all(store)
            print(f"Sent {sent} session(s) and their recordings to {store.path}"
                  + (f"; {waiting} still wait (the server cannot be reached)." if waiting else "."))
            return 0 if not waiting else 1
        out = Path(args.out)
        if not out.is_dir():
            raise UserError(f"{out} is not a folder.")
        print(f"Wrote {store.fetch_recording(args.session, out)}.")
        return 0
    finally:
        store.close()
