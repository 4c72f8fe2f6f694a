"""The protocol runner: walks a person through an exercise's protocol (or a screening test) on the
live stream and scores every rep. No Qt.

It is a DSP-worker sink timed in stream samples (like the calibration: an accelerated simulation
runs it faster, a stalled UI cannot stretch it): on every new step it tells the person what to do
(the controller passes the ``Effort`` to a simulated person and announces the step for sound),
and pause / resume / skip move its clock. Reps are scored on the caller's thread (``poll``, from
the controller's frame) from the live analysis — the same validated onsets, rep peaks and time
above target as everywhere else — once the rep's hold is over and the analysis has closed it.

The 90%-of-best rule runs on the exercise's own scored reps (the target's peak, per side), not on
every burst the analysis saw: a contraction before the first prompt (the patch's own demo holds,
a person still tensing) must not become the set's "best" and end it.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace

from app.analysis.fatigue import STOP_CONSECUTIVE, STOP_FRACTION, StoppingRule
from app.analysis.live import LiveSnapshot
from app.analysis.reps import Rep
from app.devices.personas import REST, Effort
from app.dsp.worker import ProcessedBlock
from app.exercises.plan import DrillLike, Step, effort_for
from app.exercises.scoring import ChannelRoles, RepScore, SetSummary, score_rep, summarize_set
from app.muscles import display_name

#: a rep is scored this long after its hold ends (the analysis closes a contraction once its
#: envelope has stayed down for the 0.4 s merge gap, ~0.6 s after the release; segments.py), or
#: when the next hold starts
SCORE_AFTER_S = 1.2
#: onsets this long before the hold prompt still belong to the rep (a quick starter)
EARLY_S = 0.5


@dataclass(frozen=True)
class PracticeState:
    """What a view shows of the protocol under way."""

    drill: str
    step: Step
    index: int
    steps: int
    seconds_left: float
    paused: bool
    sets: int
    reps: int
    scores: tuple[RepScore, ...]
    set_summaries: tuple[SetSummary, ...]
    done_for_today: str
    finished: bool
    card: object | None = None  # a screening test's ResultCard
    stopped: bool = False  # finished by Stop before its end (its reps so far are kept)

    @property
    def feedback(self) -> bool:
        """The live display (and its sounds) is shown now (faded feedback withholds it)."""
        return self.step.feedback and not self.paused

    @property
    def last(self) -> RepScore | None:
        return self.scores[-1] if self.scores else None


@dataclass
class _RepWindow:
    step: Step
    start_s: float
    hold_end_s: float | None = None
    score_at_s: float | None = None
    scored: bool = False


class PracticeRun:
    """One run of a drill's steps; the controller feeds it blocks and polls it."""

    def __init__(self, drill: DrillLike, steps: Sequence[Step], roles: Mapping[str | None, ChannelRoles], fs: float,
                 goal: float, on_step: Callable[[Step, Effort], None] | None = None,
                 stop_fraction: float = STOP_FRACTION, stop_consecutive: int = STOP_CONSECUTIVE) -> None:
        self.drill, self.steps, self.roles, self.fs = drill, list(steps), dict(roles), float(fs)
        self._rules = {side: StoppingRule(stop_fraction, stop_consecutive) for side in self.roles}
        self.goal = goal  # the target's goal in its shown unit (updated when the unit changes)
        self.on_step = on_step
        self._lock = threading.Lock()
        self._ends = []  # cumulative end (s) of each step
        t = 0.0
        for s in self.steps:
            t += s.seconds
            self._ends.append(t)
        self._elapsed = 0.0  # seconds of the protocol done (paused time does not count)
        self._index = -1
        self._paused = False
        self._stop_after = False
        self._stream_s = 0.0  # stream time of the newest block
        self._windows: list[_RepWindow] = []
        self.scores: list[RepScore] = []
        self.summaries: list[SetSummary] = []
        self.done_for_today = ""
        self.protocol: dict[str, object] = {}  # how it was dosed (sets, reps, hold, rest, goal, feedback schedule)
        self.stopped_early = False  # Stop, Disconnect or another routine cut it short
        self.finished = threading.Event()
        self.card: object | None = None  # a screening test's result card, once it is finished
        # routine bookkeeping (the controller's)
        self.stream: object = None
        self.sink: Callable[[ProcessedBlock], None] | None = None

    # -- DSP thread ------------------------------------------------------------------------------
    def __call__(self, block: ProcessedBlock) -> None:
        n = block.raw.shape[1]
        with self._lock:
            self._stream_s = (block.start_index + n) / self.fs
            if not self._paused and not self.finished.is_set():
                self._elapsed += n / self.fs
            index = self._step_at(self._elapsed)
            if self._stop_after and index < len(self.steps) - 1 and not self.steps[index].working:
                self._elapsed = self._ends[-2]  # straight to "done"
                index = len(self.steps) - 1
            changed = index != self._index
            if changed:
                self._enter(index, self._stream_s)
            step = self.steps[min(index, len(self.steps) - 1)]
        if changed and self.on_step is not None:
            self.on_step(step, self._effort(step))

    def _step_at(self, elapsed: float) -> int:
        for i, end in enumerate(self._ends):
            if elapsed < end:
                return i
        return len(self.steps)

    def _enter(self, index: int, now_s: float) -> None:
        """Caller holds the lock."""
        prev = self.steps[self._index] if 0 <= self._index < len(self.steps) else None
        self._index = index
        if prev is not None and prev.working and self._windows:
            w = self._windows[-1]
            w.hold_end_s = now_s
            w.score_at_s = now_s + SCORE_AFTER_S
        if index < len(self.steps) and self.steps[index].working:
            for w in self._windows:  # the next hold: every earlier rep is due now
                if w.score_at_s is None or w.score_at_s > now_s:
                    w.score_at_s = now_s
            self._windows.append(_RepWindow(self.steps[index], now_s))
        if index >= len(self.steps):
            self.finished.set()

    def _effort(self, step: Step) -> Effort:
        return effort_for(self.drill, step.side) if step.working and not self._paused else REST

    # -- commands (caller's thread) --------------------------------------------------------------
    def pause(self) -> None:
        with self._lock:
            self._paused = True
        if self.on_step is not None:
            self.on_step(replace(self.current, text="Paused"), REST)

    def resume(self) -> None:
        with self._lock:
            self._paused = False
            step = self.current
        if self.on_step is not None:
            self.on_step(step, self._effort(step))

    def skip(self) -> None:
        """On to the next step now (a skipped hold is not scored)."""
        with self._lock:
            if self._index >= len(self.steps):
                return
            if self.steps[self._index].working and self._windows:
                self._windows.pop()
            self._elapsed = self._ends[self._index]

    def stop_after_this_rep(self, why: str) -> None:
        """End the protocol once the current hold is over (the 90%-of-best rule said stop)."""
        with self._lock:
            self.done_for_today = why
            self._stop_after = True

    @property
    def current_roles(self) -> ChannelRoles:
        """The roles of the side being worked now (both sides: the one set of roles)."""
        return self.roles[self.current.side] if self.current.side in self.roles else next(iter(self.roles.values()))

    @property
    def current(self) -> Step:
        i = self._index
        return self.steps[min(max(i, 0), len(self.steps) - 1)]

    # -- scoring (caller's thread) ---------------------------------------------------------------
    def poll(self, snap: LiveSnapshot | None) -> list[RepScore | SetSummary]:
        """Score the reps that are due; returns what is new (rep scores, then a set's summary)."""
        if snap is None:
            return []
        with self._lock:
            now = self._stream_s
            due = [w for w in self._windows if not w.scored and w.score_at_s is not None and now >= w.score_at_s]
            for w in due:
                w.scored = True
        new: list[RepScore | SetSummary] = []
        for w in due:
            score = self._score(w, snap)
            self.scores.append(score)
            new.append(score)
            self._apply_stopping_rule(score)
            if self._set_complete(w.step):
                summary = summarize_set(w.step.set, [s for s in self.scores if s.set == w.step.set])
                self.summaries.append(summary)
                new.append(summary)
        return new

    def _apply_stopping_rule(self, score: RepScore) -> None:
        """Feed the target's peak to its side's 90%-of-best rule; once it fires, the protocol
        ends after the current hold (``done_for_today`` says why)."""
        rule = self._rules.get(score.side)
        if rule is None or score.peak is None or rule.done or self.done_for_today:
            return
        if rule.add(score.peak):
            roles = self.roles[score.side]
            self.stop_after_this_rep(f"{display_name(roles.labels[roles.targets[0]])} — {rule.message()}")

    def close_partial_set(self) -> SetSummary | None:
        """The summary of a set cut short (the stopping rule, Stop): the reps it got; None when
        every scored set already has one."""
        if not self.scores or any(s.set == self.scores[-1].set for s in self.summaries):
            return None
        last = self.scores[-1].set
        summary = summarize_set(last, [s for s in self.scores if s.set == last])
        self.summaries.append(summary)
        return summary

    def _score(self, w: _RepWindow, snap: LiveSnapshot) -> RepScore:
        end = w.hold_end_s if w.hold_end_s is not None else self._stream_s
        reps: list[Rep | None] = []
        for ch in snap.channels:
            mine = [r for r in ch.reps if w.start_s - EARLY_S <= r.onset_s <= end]
            reps.append(max(mine, key=lambda r: r.peak) if mine else None)
        onsets = [r.onset_s if r is not None else None for r in reps]
        st = w.step
        score = score_rep(st.set, st.rep, self.roles[st.side], reps, onsets, self.goal, probe=st.probe,
                          feedback=st.feedback, side=st.side)
        return replace(score, start_s=w.start_s - EARLY_S, end_s=end)

    @property
    def all_scored(self) -> bool:
        with self._lock:
            return all(w.scored for w in self._windows)

    def _set_complete(self, step: Step) -> bool:
        last = [s for s in self.steps if s.working and s.set == step.set]
        return bool(last) and last[-1] == step

    def state(self) -> PracticeState:
        with self._lock:
            i = self._index
            step = self.current
            left = (self._ends[i] - self._elapsed) if 0 <= i < len(self._ends) else 0.0
            paused = self._paused
        sets = max((s.set for s in self.steps), default=0)
        reps = max((s.rep for s in self.steps if s.working), default=0)
        return PracticeState(self.drill.name, step, max(i, 0), len(self.steps), max(0.0, left), paused, sets, reps,
                             tuple(self.scores), tuple(self.summaries), self.done_for_today,
                             self.finished.is_set(), self.card, self.stopped_early)


def practice_summary(run: PracticeRun, recording_start_s: float | None = None) -> dict[str, object]:
    """JSON-ready: the drill, its steps' protocol, every rep's score, the set summaries. With
    ``recording_start_s`` (the stream time of the recording's first row), each rep's window is
    given in the recording's own time too (``rec_start_s``/``rec_end_s``), so its traces can be
    opened from the file again."""
    drill = run.drill
    reps = [s.to_dict() for s in run.scores]
    if recording_start_s is not None:
        for r in reps:
            for key in ("start", "end"):
                t = r.get(f"{key}_s")
                r[f"rec_{key}_s"] = None if t is None else round(max(0.0, float(t) - recording_start_s), 3)
    return {
        "exercise": drill.id,
        "name": drill.name,
        "roles": {str(side): roles.describe() for side, roles in run.roles.items()},
        "goal": round(run.goal, 2),
        "protocol": run.protocol,
        "reps": reps,
        "sets": [s.to_dict() for s in run.summaries],
        "done_for_today": bool(run.done_for_today),
        "stopping_rule": run.done_for_today or None,
        "stopped_early": run.stopped_early,
    }
