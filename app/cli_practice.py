"""The guided commands: ``glutefire exercises``, ``practice`` and ``screen`` — the same session
controller, protocol runner and scoring as the window, without it.

``practice`` runs an exercise's protocol on the simulated person (``--persona``) or a patch and
prints each rep's score as it comes, then the set summaries (``--json``: one JSON document);
``screen`` runs a screening test and prints its result card. With ``--person`` the levels are in
%MVIC from their references and the result goes to their records.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from dataclasses import replace
from typing import Any

from app.cli import _choice, _open_store, _out_file
from app.errors import UserError


def cmd_exercises(args: argparse.Namespace) -> int:
    from app.exercises.library import LIBRARY, Exercise
    from app.muscles import MUSCLES

    exercises = list(LIBRARY.values())
    if args.db:
        store = _open_store(args.db)
        try:
            exercises += [Exercise.from_dict(d) for d in store.custom_exercises()]
        finally:
            store.close()
    if args.json:
        print(json.dumps({"exercises": [e.to_dict() for e in exercises]}, indent=2, ensure_ascii=False))
        return 0
    for e in exercises:
        p = e.protocol
        names = lambda ms: ", ".join(MUSCLES[m] for m in ms) or "none"  # noqa: E731
        ranges = "; ".join(f"{MUSCLES[r.muscle]} {_span(r.low_pct, r.high_pct)}% ({r.citation}"
                           f"{'' if r.verified else ', not verified'})" for r in e.mvic_ranges)
        print(f"{e.id}: {e.name} ({e.kind}{', one side at a time' if e.unilateral else ''})")
        print(f"  targets {names(e.targets)}; watch {names(e.compensators)}")
        print(f"  protocol {p.sets} x {p.reps}, hold {p.hold_s:g} s, rest {p.rest_s:g} s, goal {p.goal_mvic_pct:g}% MVIC")
        print(f"  published %MVIC: {ranges}")
        print(f"  cue: {e.cues[0] if e.cues else '-'}")
    return 0


def _span(low: float, high: float) -> str:
    return f"{low:g}" if low == high else f"{low:g}-{high:g}"


def _labels_for(drill: Any, side_both: bool) -> tuple[str, ...]:
    """The drill's muscles, left side (both sides for one-sided drills)."""
    sides = ("L", "R") if side_both else ("L",)
    return tuple(f"{m}_{s}" for m in (*drill.targets, *drill.compensators) for s in sides)


def _run(args: argparse.Namespace, drill: Any, protocol: Any, start: Any) -> tuple[Any, Any]:
    """Connect, run ``start(controller)`` to completion, printing reps; returns (run, controller)."""
    from app.session.controller import EventType, MemoryTargets, SessionController, SessionEvent

    choice = _choice(args, _labels_for(drill, drill.unilateral))
    store = _open_store(args.db)
    ctl = SessionController(targets=MemoryTargets(), store=store)
    out = _out_file(args.out, getattr(args, "force", False)) if getattr(args, "out", None) else None
    try:
        if args.person:
            if store.find_person(args.person) is None:
                raise UserError(f"No person named {args.person!r} in {store.path}.")
            ctl.choose_person(args.person)

        def tell(ev: SessionEvent) -> None:
            if args.json or args.quiet:
                return
            if ev.type in (EventType.REP_SCORED, EventType.SET_DONE, EventType.DONE_FOR_TODAY):
                print(ev.message, flush=True)
            elif ev.type in (EventType.LINK_LOST, EventType.LINK_RESTORED, EventType.ERROR):
                print(f"glutefire: {ev.message}", file=sys.stderr)

        ctl.listeners.append(tell)
        ctl.connect(choice, wait=True)
        if not (args.json or args.quiet):
            who = f"the simulated person ({args.persona})" if args.device == "sim" else ctl.source.name  # type: ignore[union-attr]
            unit = "% MVIC" if ctl.references else "µV (no %MVIC reference: give --person)"
            print(f"{drill.name} with {who}; levels in {unit}.", flush=True)
        if out is not None:
            ctl.start_recording(out)
        run = start(ctl)
        total = sum(s.seconds for s in run.steps)
        deadline = time.monotonic() + total / args.speed + 30.0
        while ctl.practice is run:
            frame = ctl.frame()
            if frame.status is not None and frame.status.dsp_error:
                raise UserError(f"Signal processing failed: {frame.status.dsp_error}.")
            if time.monotonic() > deadline:
                raise UserError("The patch stopped sending data; the exercise could not finish.")
            time.sleep(0.02)
        return run, ctl
    finally:
        ctl.close()
        store.close()


def cmd_practice(args: argparse.Namespace) -> int:
    from app.exercises.library import exercise

    ex = exercise(args.exercise)
    p = ex.protocol
    protocol = replace(p, sets=args.sets or p.sets, reps=args.reps or p.reps, hold_s=args.hold or p.hold_s,
                       rest_s=args.rest or p.rest_s, goal_mvic_pct=args.goal or p.goal_mvic_pct).validated()
    run, _ = _run(args, ex, protocol, lambda ctl: ctl.start_practice(ex, protocol, faded=args.faded, probes=args.probes))
    unit = run.scores[0].unit if run.scores else ""
    if args.json:
        print(json.dumps({"exercise": ex.id, "persona": args.persona if args.device == "sim" else None,
                          "unit": unit, "protocol": protocol.to_dict(),
                          "reps": [s.to_dict() for s in run.scores], "sets": [s.to_dict() for s in run.summaries],
                          "done_for_today": bool(run.done_for_today), "stopping_rule": run.done_for_today or None},
                         indent=2, ensure_ascii=False))
    elif not run.scores:
        print("No rep could be scored.")
    elif args.quiet:  # no line per rep, but the outcome: each set, and the stopping rule if it fired
        for summary in run.summaries:
            print(summary.sentence())
        if run.done_for_today:
            print(run.done_for_today)
    return 0


def cmd_screen(args: argparse.Namespace) -> int:
    from app.exercises.screening import screening_test

    test = screening_test(args.test)
    run, _ = _run(args, test, test.protocol, lambda ctl: ctl.start_screening(test))
    card = run.card
    if card is None:
        raise UserError("The screening test did not finish.")
    if args.json:
        print(json.dumps({**card.to_dict(), "persona": args.persona if args.device == "sim" else None,
                          "reps": [s.to_dict() for s in run.scores]}, indent=2, ensure_ascii=False))
    else:
        print(card.text())
    return 0
