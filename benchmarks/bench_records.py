"""What the records cost as they grow: a person with a year of sessions (3 a week), their history
loaded (measures, trends, retest), the progress and session reports rendered to PDF, and two
writers at once against one.

The sessions are copies of a real recorded practice session (made by the CLI on the simulated
person), spread over 52 weeks, so each summary is as large as the app writes it.
"""

from __future__ import annotations

import datetime as _dt
import json
import multiprocessing
import sqlite3
import tempfile
import time
from pathlib import Path


def _best(fn, n: int = 5) -> float:  # type: ignore[no-untyped-def]
    times = []
    for _ in range(n):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return min(times) * 1000.0


def _writer(path: str, n: int, summary: str) -> None:
    from app.storage.store import Store

    s = Store(path)
    p = s.add_person(f"writer-{multiprocessing.current_process().pid}")
    for _ in range(n):
        s.add_session(p.id, "Glute bridge", None, json.loads(summary))
    s.close()


def _write_rate(path: Path, procs: int, n: int, summary: str) -> float:
    ctx = multiprocessing.get_context("spawn")
    ps = [ctx.Process(target=_writer, args=(str(path), n, summary)) for _ in range(procs)]
    t = time.perf_counter()
    for p in ps:
        p.start()
    for p in ps:
        p.join()
    return procs * n / (time.perf_counter() - t)


def run(weeks: int = 52) -> dict:
    from app.records.history import load_history
    from app.reports.make import progress_document, session_document
    from app.reports.render import write_pdf
    from app.storage.store import Store
    from app.ui.screenshots import demo_records

    with tempfile.TemporaryDirectory(prefix="glutefire-bench-") as tmp:
        folder = Path(tmp)
        db = demo_records(folder, speed=20.0, reps=10)
        store = Store(db)
        ann = store.require_person("Ann Example")
        base, last = store.sessions(ann.id)
        start = _dt.datetime(2025, 12, 1, 10, tzinfo=_dt.UTC)
        for w in range(weeks):
            for d in (0, 2, 4):
                src = base if w < weeks // 2 else last
                when = (start + _dt.timedelta(weeks=w, days=d)).isoformat()
                store.add_session(ann.id, src.exercise, src.csv_path, src.summary, started_at=when)
        n = len(store.sessions(ann.id))
        summary_bytes = len(json.dumps(last.summary))
        history_ms = _best(lambda: load_history(store, ann))
        progress_ms = _best(lambda: write_pdf(progress_document(store, ann), folder / "p.pdf"), 3)
        session_ms = _best(lambda: write_pdf(session_document(store, last), folder / "s.pdf"), 3)
        pages = write_pdf(progress_document(store, ann), folder / "p.pdf")
        store.close()
        text = json.dumps(last.summary)
        one = _write_rate(folder / "w1.sqlite3", 1, 300, text)
        two = _write_rate(folder / "w2.sqlite3", 2, 300, text)
        with sqlite3.connect(folder / "w2.sqlite3") as con:
            rows = con.execute("SELECT count(*) FROM session").fetchone()[0]
    return {
        "sessions": n,
        "summary_kb": round(summary_bytes / 1024, 1),
        "load_history_ms": round(history_ms, 1),
        "progress_report_pdf_ms": round(progress_ms, 1),
        "progress_report_pages": pages,
        "session_report_pdf_ms": round(session_ms, 1),
        "one_writer_sessions_per_s": round(one, 1),
        "two_writers_sessions_per_s": round(two, 1),
        "two_writers_rows": rows,
        "two_writers_lost": 600 - rows,
        "note": "times are the best of 3-5 runs on this machine; writes include process start-up",
    }


if __name__ == "__main__":
    print(json.dumps(run(), indent=2))
