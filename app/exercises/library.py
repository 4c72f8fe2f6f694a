"""The exercise library: glute drills with their protocols, cues, electrode pictures and evidence.

Each exercise names the muscles it trains (*targets*) and the ones that take over in gluteal
amnesia (*compensators*: hamstring, lumbar erector, tensor fasciae latae), the external-focus cues
of the seed articles ("push the floor away", "knees slightly bent", "toes forward"), a default
protocol, and the published activation in % MVIC with where each number comes from.

**Evidence flags.** ``MvicRange.verified`` is True only where the number was read in the source
itself (its abstract or a table in it); False marks numbers quoted second-hand, recalled, or
derived by us, and the note says which. Per-exercise values of Boren et al. 2011 could not be
read: the 72-81 % for its top medius drills is the range seed 004 quotes.

**Goal lines.** "Above 40-60 % MVIC to strengthen" is a convention with no primary source we could
find (the seeds repeat it), so goals are not claims of a training effect. Each default goal sits
at about 80 % of what a healthy person typically reaches with the first target, rounded to 5 and
at most 40 (the low end of the convention): the line is reachable, and a weak glute falls short.

**typical_mvic_pct** (what the simulated healthy person reaches): for targets, the middle of the
lowest and highest *verified* body-weight values listed with the exercise (of all listed values
where none is verified), rounded to 5 — loaded values (barbell, 10-RM) are left out, and the two
squeeze drills, which are held rather than maximal, sit below their maximal-test values (commented
in the data); for compensators without a published range, our estimate, kept under the 30 % MVIC
"taking over" ceiling of ``app.exercises.scoring`` so that a healthy person's reps can be good.

Electrode sites follow SENIAM (Hermens et al. 2000); the tensor fasciae latae has no SENIAM site
and is placed by common practice (see ``docs/exercises.md``).
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any

from app.errors import UserError
from app.muscles import MUSCLES

#: isometric holds vs repeated contractions (band walks count steps as reps)
KINDS = ("hold", "reps")

_ID = re.compile(r"^[a-z][a-z0-9_]*$")
_MAX_GOAL = 150.0


def _number(d: Mapping[str, Any], key: str, what: str) -> float:
    value = d.get(key)
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise UserError(f"The {what} needs a number for {key!r}.")
    return float(value)


def _whole(d: Mapping[str, Any], key: str, what: str) -> int:
    value = _number(d, key, what)
    if not value.is_integer():
        raise UserError(f"The {what} needs a whole number for {key!r}; got {value:g}.")
    return int(value)


def _text(d: Mapping[str, Any], key: str, what: str) -> str:
    value = d.get(key)
    if not isinstance(value, str) or not value.strip():
        raise UserError(f"The {what} needs some text for {key!r}.")
    return value


def _texts(d: Mapping[str, Any], key: str, what: str) -> tuple[str, ...]:
    value = d.get(key)
    if not isinstance(value, list | tuple) or not all(isinstance(v, str) for v in value):
        raise UserError(f"The {what} needs a list of texts for {key!r}.")
    return tuple(value)


def _mapping(value: Any, what: str) -> Mapping[str, Any]:
    if not isinstance(value, Mapping):
        raise UserError(f"The {what} must be a JSON object.")
    return value


@dataclass(frozen=True)
class Protocol:
    """How an exercise is dosed: sets x reps, each rep held ``hold_s`` at the top, and the goal
    line for the target muscle in % MVIC."""

    sets: int
    reps: int
    hold_s: float
    rest_s: float
    set_rest_s: float
    goal_mvic_pct: float

    def validated(self) -> Protocol:
        """Itself, or a UserError naming the first impossible value (a clinician types these)."""
        if self.sets < 1:
            raise UserError(f"A protocol needs at least 1 set; got {self.sets}.")
        if self.reps < 1:
            raise UserError(f"A protocol needs at least 1 rep per set; got {self.reps}.")
        if not (math.isfinite(self.hold_s) and self.hold_s > 0):
            raise UserError(f"The hold time must be more than 0 s; got {self.hold_s:g} s.")
        if not (math.isfinite(self.rest_s) and self.rest_s >= 0):
            raise UserError(f"The rest between reps cannot be negative; got {self.rest_s:g} s.")
        if not (math.isfinite(self.set_rest_s) and self.set_rest_s >= 0):
            raise UserError(f"The rest between sets cannot be negative; got {self.set_rest_s:g} s.")
        if not (math.isfinite(self.goal_mvic_pct) and 0 < self.goal_mvic_pct <= _MAX_GOAL):
            raise UserError(f"The goal must be above 0 and at most {_MAX_GOAL:.0f}% MVIC; got {self.goal_mvic_pct:g}%.")
        return self

    def to_dict(self) -> dict[str, Any]:
        return {
            "sets": self.sets,
            "reps": self.reps,
            "hold_s": self.hold_s,
            "rest_s": self.rest_s,
            "set_rest_s": self.set_rest_s,
            "goal_mvic_pct": self.goal_mvic_pct,
        }

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> Protocol:
        """A validated protocol from its dict (a saved custom exercise, a settings file)."""
        d = _mapping(d, "protocol")
        what = "protocol"
        return cls(
            sets=_whole(d, "sets", what),
            reps=_whole(d, "reps", what),
            hold_s=_number(d, "hold_s", what),
            rest_s=_number(d, "rest_s", what),
            set_rest_s=_number(d, "set_rest_s", what),
            goal_mvic_pct=_number(d, "goal_mvic_pct", what),
        ).validated()


@dataclass(frozen=True)
class MvicRange:
    """Published activation of one muscle in one exercise (% MVIC), with its source; see the
    module docstring for what ``verified`` means."""

    muscle: str
    low_pct: float
    high_pct: float
    citation: str
    verified: bool = True
    note: str = ""

    def to_dict(self) -> dict[str, Any]:
        return {
            "muscle": self.muscle,
            "low_pct": self.low_pct,
            "high_pct": self.high_pct,
            "citation": self.citation,
            "verified": self.verified,
            "note": self.note,
        }

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> MvicRange:
        d = _mapping(d, "%MVIC range")
        what = "%MVIC range"
        verified = d.get("verified", True)
        if not isinstance(verified, bool):
            raise UserError("The %MVIC range needs true or false for 'verified'.")
        note = d.get("note", "")
        if not isinstance(note, str):
            raise UserError("The %MVIC range needs text for 'note'.")
        r = cls(_text(d, "muscle", what), _number(d, "low_pct", what), _number(d, "high_pct", what),
                _text(d, "citation", what), verified, note)
        if r.muscle not in MUSCLES:
            raise UserError(f"Unknown muscle {r.muscle!r} in a %MVIC range; use one of: {', '.join(MUSCLES)}.")
        if not (0 <= r.low_pct <= r.high_pct):
            raise UserError(f"A %MVIC range must run from low to high, both 0 or more; got {r.low_pct:g}-{r.high_pct:g}.")
        return r


@dataclass(frozen=True)
class Exercise:
    """One drill of the library, or a clinician's copy of one (``custom_of``)."""

    id: str
    name: str
    kind: str
    instructions: tuple[str, ...]
    cues: tuple[str, ...]
    targets: tuple[str, ...]
    compensators: tuple[str, ...]
    unilateral: bool
    mvic_ranges: tuple[MvicRange, ...]
    typical_mvic_pct: dict[str, float]
    references: tuple[str, ...]
    placement_image: str
    protocol: Protocol
    custom_of: str | None = None

    @property
    def citation(self) -> str:
        """The sources of the %MVIC ranges, each once, in order."""
        return "; ".join(dict.fromkeys(r.citation for r in self.mvic_ranges))

    def validated(self) -> Exercise:
        """Itself, or a UserError for the first thing a hand-edited exercise gets wrong."""
        if not _ID.match(self.id):
            raise UserError(f"An exercise id must be lower-case letters, digits and '_'; got {self.id!r}.")
        if not self.name.strip():
            raise UserError(f"Exercise {self.id!r} needs a name.")
        if self.kind not in KINDS:
            raise UserError(f"Exercise {self.id!r} has kind {self.kind!r}; use one of: {', '.join(KINDS)}.")
        if not self.instructions or not self.cues:
            raise UserError(f"Exercise {self.id!r} needs at least one instruction and one cue.")
        if not self.targets:
            raise UserError(f"Exercise {self.id!r} needs at least one target muscle.")
        for m in (*self.targets, *self.compensators, *(r.muscle for r in self.mvic_ranges), *self.typical_mvic_pct):
            if m not in MUSCLES:
                raise UserError(f"Exercise {self.id!r} names unknown muscle {m!r}; use one of: {', '.join(MUSCLES)}.")
        both = sorted(set(self.targets) & set(self.compensators))
        if both:
            raise UserError(f"Exercise {self.id!r} lists {', '.join(both)} as both target and compensator.")
        for m, pct in self.typical_mvic_pct.items():
            if not (math.isfinite(pct) and 0 <= pct <= _MAX_GOAL):
                raise UserError(f"Exercise {self.id!r} gives {m} a typical level of {pct:g}%; use 0 to {_MAX_GOAL:.0f}.")
        self.protocol.validated()
        return self

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready; ``from_dict`` reads it back unchanged."""
        return {
            "id": self.id,
            "name": self.name,
            "kind": self.kind,
            "instructions": list(self.instructions),
            "cues": list(self.cues),
            "targets": list(self.targets),
            "compensators": list(self.compensators),
            "unilateral": self.unilateral,
            "mvic_range": [r.to_dict() for r in self.mvic_ranges],
            "citation": self.citation,
            "typical_mvic_pct": dict(self.typical_mvic_pct),
            "references": list(self.references),
            "placement_image": self.placement_image,
            "protocol": self.protocol.to_dict(),
            "custom_of": self.custom_of,
        }

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> Exercise:
        """An exercise from ``to_dict`` output (a saved custom drill); "citation" is derived from
        the ranges, so it is not read."""
        d = _mapping(d, "exercise")
        what = "exercise"
        unilateral = d.get("unilateral")
        if not isinstance(unilateral, bool):
            raise UserError("The exercise needs true or false for 'unilateral'.")
        ranges = d.get("mvic_range", [])
        if not isinstance(ranges, list | tuple):
            raise UserError("The exercise needs a list for 'mvic_range'.")
        typical = _mapping(d.get("typical_mvic_pct", {}), "exercise's 'typical_mvic_pct'")
        custom_of = d.get("custom_of")
        if custom_of is not None and not isinstance(custom_of, str):
            raise UserError("The exercise needs an id or null for 'custom_of'.")
        typical_pct = {}
        for k in typical:
            typical_pct[str(k)] = _number(typical, k, "exercise's 'typical_mvic_pct'")
        return cls(
            id=_text(d, "id", what),
            name=_text(d, "name", what),
            kind=_text(d, "kind", what),
            instructions=_texts(d, "instructions", what),
            cues=_texts(d, "cues", what),
            targets=_texts(d, "targets", what),
            compensators=_texts(d, "compensators", what),
            unilateral=unilateral,
            mvic_ranges=tuple(MvicRange.from_dict(r) for r in ranges),
            typical_mvic_pct=typical_pct,
            references=_texts(d, "references", what),
            placement_image=_text(d, "placement_image", what),
            protocol=Protocol.from_dict(_mapping(d.get("protocol"), "exercise's 'protocol'")),
            custom_of=custom_of,
        ).validated()

    def with_protocol(self, protocol: Protocol, name: str | None = None, new_id: str | None = None) -> Exercise:
        """A clinician's copy with another dose; it remembers the library drill it came from."""
        copy = replace(
            self,
            id=new_id if new_id is not None else f"{self.id}_custom",
            name=name if name is not None else f"{self.name} (custom)",
            protocol=protocol.validated(),
            custom_of=self.custom_of or self.id,
            typical_mvic_pct=dict(self.typical_mvic_pct),
        )
        return copy.validated()


# ------------------------------------------------------------------------------------------------
# Sources. Short citations (as used in MvicRange.citation) -> full references.

REFERENCES: dict[str, str] = {
    "Boren et al. 2011": (
        "Boren K, Conrey C, Le Coguic J, Paprocki L, Voight M, Robinson TK. Electromyographic analysis of "
        "gluteus medius and gluteus maximus during rehabilitation exercises. Int J Sports Phys Ther. "
        "2011;6(3):206-223."
    ),
    "Distefano et al. 2009": (
        "Distefano LJ, Blackburn JT, Marshall SW, Padua DA. Gluteal muscle activation during common "
        "therapeutic exercises. J Orthop Sports Phys Ther. 2009;39(7):532-540."
    ),
    "MacAskill et al. 2014": (
        "MacAskill MJ, Durant TJ, Wallace DA. Gluteal muscle activity during weightbearing and "
        "non-weightbearing exercise. Int J Sports Phys Ther. 2014;9(2):157-167."
    ),
    "Macadam & Feser 2019": (
        "Macadam P, Feser EH. Examination of gluteus maximus electromyographic excitation associated with "
        "dynamic hip extension during body weight exercise: a systematic review. Int J Sports Phys Ther. "
        "2019;14(1):14-31."
    ),
    "Macadam et al. 2015": (
        "Macadam P, Cronin J, Contreras B. An examination of the gluteal muscle activity associated with "
        "dynamic hip abduction and hip external rotation exercise: a systematic review. Int J Sports Phys "
        "Ther. 2015;10(5):573-591."
    ),
    "Neto et al. 2020": (
        "Krause Neto W, Soares EG, Vieira TL, Aguiar R, Chola TA, Sampaio VL, Gama EF. Gluteus maximus "
        "activation during common strength and hypertrophy exercises: a systematic review. J Sports Sci "
        "Med. 2020;19(1):195-203."
    ),
    "Contreras et al. 2015 (J Appl Biomech)": (
        "Contreras B, Vigotsky AD, Schoenfeld BJ, Beardsley C, Cronin J. A comparison of gluteus maximus, "
        "biceps femoris, and vastus lateralis electromyographic activity in the back squat and barbell hip "
        "thrust exercises. J Appl Biomech. 2015;31(6):452-458."
    ),
    "Contreras et al. 2015 (PeerJ)": (
        "Contreras B, Vigotsky AD, Schoenfeld BJ, Beardsley C, Cronin J. A comparison of two gluteus "
        "maximus EMG maximum voluntary isometric contraction positions. PeerJ. 2015;3:e1261."
    ),
    "Ekstrom et al. 2007": (
        "Ekstrom RA, Donatelli RA, Carp KC. Electromyographic analysis of core trunk, hip, and thigh "
        "muscles during 9 rehabilitation exercises. J Orthop Sports Phys Ther. 2007;37(12):754-762."
    ),
    "Schoenfeld et al. 2014": (
        "Schoenfeld BJ, Contreras B, Tiryaki-Sonmez G, Willardson JM, Fontana F. An electromyographic "
        "comparison of a modified version of the plank with a long lever and posterior tilt versus the "
        "traditional plank exercise. Sports Biomech. 2014;13(3):296-306."
    ),
    "Hermens et al. 2000": (
        "Hermens HJ, Freriks B, Disselhorst-Klug C, Rau G. Development of recommendations for SEMG sensors "
        "and sensor placement procedures. J Electromyogr Kinesiol. 2000;10(5):361-374 (SENIAM, seniam.org)."
    ),
}

# the shared, second-hand range for Boren's top medius drills (see the module docstring)
_BOREN_MEDIUS = MvicRange(
    "gluteus_medius", 72.0, 81.0, "Boren et al. 2011", verified=False,
    note="The range seed 004 gives for Boren's top medius drills (clamshell, side-lying hip abduction, "
         "quadruped hip extension) as a group; the paper's per-exercise table was not read.",
)
_SQUEEZE_RANGES = (
    MvicRange("gluteus_maximus", 85.0, 92.0, "Contreras et al. 2015 (PeerJ)",
              note="A maximal standing glute squeeze used as an MVIC test reached 92% (upper) and 85% (lower "
                   "gluteus maximus) of the best trial (abstract). A held, submaximal squeeze reaches less."),
    MvicRange("gluteus_maximus", 81.0, 81.0, "Boren et al. 2011", verified=False,
              note="'Gluteal squeeze' at 81% MVIC, second in Boren's gluteus maximus ranking, as quoted by "
                   "secondary summaries; the paper's table was not read."),
)
_SUPINE_AVERAGE_TO_TOP = (32.8, 54.2)  # Macadam & Feser 2019 abstract: supine body-weight hip extension


def _exercise(*, id: str, name: str, kind: str, instructions: tuple[str, ...], cues: tuple[str, ...],
              targets: tuple[str, ...], compensators: tuple[str, ...], unilateral: bool,
              ranges: tuple[MvicRange, ...], typical: dict[str, float], protocol: Protocol) -> Exercise:
    cited = dict.fromkeys([*(r.citation for r in ranges), "Hermens et al. 2000"])
    return Exercise(
        id=id, name=name, kind=kind, instructions=instructions, cues=cues, targets=targets,
        compensators=compensators, unilateral=unilateral, mvic_ranges=ranges, typical_mvic_pct=typical,
        references=tuple(REFERENCES[c] for c in cited), placement_image=f"placement/{id}.svg",
        protocol=protocol,
    ).validated()


_GLUTE_SQUEEZE_HOLD = _exercise(
    id="glute_squeeze_hold", name="Glute squeeze hold", kind="hold",
    instructions=(
        "Stand tall with your feet hip-width apart and your knees soft.",
        "Squeeze both buttocks together as hard as you comfortably can.",
        "Hold the squeeze for the count without holding your breath.",
        "Let go completely and rest before the next squeeze.",
    ),
    cues=(
        "Push the floor away with both feet",
        "Crack a walnut between your buttocks",
        "Tall and still: ribs down, do not lean back",
        "A fingertip tap on the muscle helps it find the squeeze",
    ),
    targets=("gluteus_maximus",), compensators=("hamstring", "lumbar_erector"), unilateral=False,
    ranges=_SQUEEZE_RANGES,
    # a hard but held squeeze: below the maximal 81-92%; helpers are our estimates
    typical={"gluteus_maximus": 70.0, "hamstring": 15.0, "lumbar_erector": 10.0},
    protocol=Protocol(sets=3, reps=5, hold_s=10.0, rest_s=10.0, set_rest_s=60.0, goal_mvic_pct=40.0),
)

_GLUTE_BRIDGE = _exercise(
    id="glute_bridge", name="Glute bridge", kind="reps",
    instructions=(
        "Lie on your back, knees bent, feet flat and hip-width apart, arms by your sides.",
        "Lift your hips until your knees, hips and shoulders make a straight line.",
        "Hold at the top for the count, squeezing your buttocks.",
        "Lower slowly and let the muscles relax before the next lift.",
    ),
    cues=(
        "Push the floor away through your heels",
        "Hips up to the ceiling",
        "Crack a walnut at the top",
        "Ribs down: lift with the hips, not by arching the back",
    ),
    targets=("gluteus_maximus",), compensators=("hamstring", "lumbar_erector"), unilateral=False,
    ranges=(
        MvicRange("gluteus_maximus", 25.0, 25.0, "MacAskill et al. 2014",
                  note="Double-limb bridge in the literature table of MacAskill et al. (Table 2, from Ekstrom "
                       "et al. 2007, whose abstract puts the bridge below 45% MVIC in every muscle studied)."),
        MvicRange("gluteus_maximus", 16.4, _SUPINE_AVERAGE_TO_TOP[0], "Macadam & Feser 2019", verified=False,
                  note="32.8% is the review's average for supine (anteroposterior) body-weight exercises "
                       "(abstract); 16.4% for the double-leg bridge (Youdas et al. 2015, as tabulated in the "
                       "review) was read second-hand."),
    ),
    typical={"gluteus_maximus": 25.0, "hamstring": 20.0, "lumbar_erector": 15.0},
    protocol=Protocol(sets=3, reps=10, hold_s=2.0, rest_s=2.0, set_rest_s=60.0, goal_mvic_pct=20.0),
)

_CLAMSHELL = _exercise(
    id="clamshell", name="Clamshell", kind="reps",
    instructions=(
        "Lie on your side, hips and knees bent, feet together, head resting on your arm.",
        "Stack your hips one above the other.",
        "Keeping your feet touching, lift the top knee as far as you can without rolling back.",
        "Hold for the count, then lower slowly. Do all the reps, then change sides.",
    ),
    cues=(
        "Feet stay glued together",
        "Open the knee like the cover of a book",
        "Hips stacked: do not roll backwards",
    ),
    targets=("gluteus_medius",), compensators=("tensor_fasciae_latae",), unilateral=True,
    ranges=(
        MvicRange("gluteus_medius", 38.0, 40.0, "Distefano et al. 2009",
                  note="Two clam variants, 40 +/- 38% and 38 +/- 29% MVIC (abstract)."),
        MvicRange("gluteus_medius", 38.0, 67.0, "MacAskill et al. 2014",
                  note="Side-lying clam shell across studies, literature table (Table 2)."),
        _BOREN_MEDIUS,
    ),
    # TFL estimate: the clam had the highest gluteal-to-TFL index in Selkowitz et al. 2013 (fine wire)
    typical={"gluteus_medius": 50.0, "tensor_fasciae_latae": 15.0},
    protocol=Protocol(sets=3, reps=10, hold_s=2.0, rest_s=2.0, set_rest_s=60.0, goal_mvic_pct=40.0),
)

_SIDE_LYING_ABDUCTION = _exercise(
    id="side_lying_hip_abduction", name="Side-lying hip abduction", kind="reps",
    instructions=(
        "Lie on your side with the bottom knee bent for balance and the top leg straight.",
        "Turn the top leg so the toes point forward, and keep it slightly behind your body.",
        "Lift the top leg about a foot and a half, hold for the count, then lower slowly.",
        "Do all the reps, then change sides.",
    ),
    cues=(
        "Toes forward, not up to the ceiling",
        "Lead with the heel, reaching long and slightly back",
        "Hips stacked: do not roll backwards",
    ),
    targets=("gluteus_medius",), compensators=("tensor_fasciae_latae",), unilateral=True,
    ranges=(
        MvicRange("gluteus_medius", 81.0, 81.0, "Distefano et al. 2009",
                  note="81 +/- 42% MVIC, the highest medius value of that study (abstract)."),
        MvicRange("gluteus_medius", 42.0, 81.0, "MacAskill et al. 2014",
                  note="Side-lying hip abduction across studies, literature table (Table 2); with a 10-RM "
                       "ankle load the same paper measured 99.9 +/- 17% (abstract)."),
        _BOREN_MEDIUS,
    ),
    typical={"gluteus_medius": 60.0, "tensor_fasciae_latae": 25.0},
    protocol=Protocol(sets=3, reps=10, hold_s=2.0, rest_s=2.0, set_rest_s=60.0, goal_mvic_pct=40.0),
)

_QUADRUPED_EXTENSION = _exercise(
    id="quadruped_hip_extension", name="Quadruped hip extension", kind="reps",
    instructions=(
        "Kneel on all fours, hands under shoulders, knees under hips, back flat.",
        "Keeping the knee bent, lift one leg until the thigh is level with your back.",
        "Hold for the count without letting the lower back sag, then lower slowly.",
        "Do all the reps, then change sides.",
    ),
    cues=(
        "Push the heel up to the ceiling",
        "Balance a glass of water on your lower back",
        "The knee stays bent",
    ),
    targets=("gluteus_maximus", "gluteus_medius"), compensators=("hamstring", "lumbar_erector"), unilateral=True,
    ranges=(
        MvicRange("gluteus_maximus", 56.0, 56.0, "MacAskill et al. 2014",
                  note="Quadruped arm/lower-extremity lift, literature table (Table 2, from Ekstrom et al. 2007, "
                       "whose abstract names it as one that may strengthen gluteus maximus)."),
        MvicRange("gluteus_medius", 42.0, 42.0, "MacAskill et al. 2014",
                  note="Same exercise and table as above."),
        MvicRange("gluteus_maximus", 30.4, 106.2, "Macadam & Feser 2019", verified=False,
                  note="The review's average and top values for prone and quadruped (posteroanterior) "
                       "body-weight exercises (abstract); that this drill lies in that span is our reading."),
        _BOREN_MEDIUS,
    ),
    typical={"gluteus_maximus": 55.0, "gluteus_medius": 40.0, "hamstring": 25.0, "lumbar_erector": 20.0},
    protocol=Protocol(sets=3, reps=10, hold_s=2.0, rest_s=2.0, set_rest_s=60.0, goal_mvic_pct=40.0),
)

_SINGLE_LEG_BRIDGE = _exercise(
    id="single_leg_bridge", name="Single-leg bridge", kind="reps",
    instructions=(
        "Lie on your back, one knee bent with the foot flat, the other leg straight or hugged to your chest.",
        "Press through the heel of the bent leg and lift your hips level.",
        "Hold at the top for the count without letting the free side drop.",
        "Lower slowly. Do all the reps, then change sides.",
    ),
    cues=(
        "Drive the heel into the floor",
        "Push the floor away",
        "Hips level, like carrying a tray of drinks",
    ),
    targets=("gluteus_maximus",), compensators=("hamstring", "lumbar_erector"), unilateral=True,
    ranges=(
        MvicRange("gluteus_maximus", 40.0, 54.0, "MacAskill et al. 2014",
                  note="Single-limb bridge across studies, literature table (Table 2)."),
        MvicRange("gluteus_maximus", 32.6, _SUPINE_AVERAGE_TO_TOP[1], "Macadam & Feser 2019", verified=False,
                  note="54.2%, the review's highest supine body-weight exercise, is in its abstract; 32.6% "
                       "(Youdas et al. 2015, as tabulated in the review) was read second-hand."),
    ),
    typical={"gluteus_maximus": 45.0, "hamstring": 25.0, "lumbar_erector": 15.0},
    protocol=Protocol(sets=3, reps=8, hold_s=2.0, rest_s=3.0, set_rest_s=60.0, goal_mvic_pct=35.0),
)

_FROG_PUMP = _exercise(
    id="frog_pump", name="Frog pumps", kind="reps",
    instructions=(
        "Lie on your back, bring the soles of your feet together and let your knees fall out wide.",
        "Pull your heels in towards your buttocks.",
        "Thrust your hips up quickly, squeeze for a moment at the top, and lower.",
        "Keep a steady rhythm for all the reps.",
    ),
    cues=(
        "Soles together, knees wide",
        "Push the floor away with the outer edges of your feet",
        "Quick squeeze at the top",
    ),
    targets=("gluteus_maximus",), compensators=("hamstring", "lumbar_erector"), unilateral=False,
    ranges=(
        MvicRange("gluteus_maximus", *_SUPINE_AVERAGE_TO_TOP, "Macadam & Feser 2019", verified=False,
                  note="Derived: no peer-reviewed frog-pump %MVIC was found, and the seed's '100% MVIC club' "
                       "was not found in the review's abstract; this is the review's average-to-top span for "
                       "supine body-weight hip extension."),
    ),
    typical={"gluteus_maximus": 45.0, "hamstring": 10.0, "lumbar_erector": 15.0},
    # seed 004: "thirty bodyweight frog pumps" in the morning
    protocol=Protocol(sets=1, reps=30, hold_s=1.0, rest_s=1.0, set_rest_s=60.0, goal_mvic_pct=35.0),
)

_HIP_THRUST = _exercise(
    id="hip_thrust", name="Hip thrust", kind="reps",
    instructions=(
        "Sit on the floor with your upper back against the edge of a sofa or bench, knees bent, feet flat.",
        "Lift your hips until your body is level from shoulders to knees, shins upright.",
        "Hold at the top for the count, then lower under control.",
        "When this is easy, rest a weight across your hips.",
    ),
    cues=(
        "Push the floor away",
        "Crack a walnut at the top",
        "Chin tucked and ribs down: finish with the hips, not the back",
    ),
    targets=("gluteus_maximus",), compensators=("hamstring", "lumbar_erector"), unilateral=False,
    ranges=(
        MvicRange("gluteus_maximus", 69.5, 86.8, "Contreras et al. 2015 (J Appl Biomech)",
                  note="Barbell hip thrust at an estimated 10-RM load, mean over the rep, upper and lower "
                       "gluteus maximus (abstract); peaks 172-216%. Body weight alone reaches less."),
        MvicRange("hamstring", 40.8, 40.8, "Contreras et al. 2015 (J Appl Biomech)",
                  note="Biceps femoris, barbell at an estimated 10-RM load, mean (abstract)."),
        MvicRange("gluteus_maximus", 60.0, 100.0, "Neto et al. 2020", verified=False,
                  note="The review classes barbell hip thrusts as 'very high' (> 60% MVIC, abstract); the "
                       "upper bound is ours."),
        MvicRange("gluteus_maximus", *_SUPINE_AVERAGE_TO_TOP, "Macadam & Feser 2019", verified=False,
                  note="Derived for the body-weight version: the review's average-to-top span for supine "
                       "body-weight hip extension (abstract)."),
    ),
    # body-weight default: the middle of the supine body-weight span, not the barbell values
    typical={"gluteus_maximus": 45.0, "hamstring": 25.0, "lumbar_erector": 15.0},
    protocol=Protocol(sets=3, reps=10, hold_s=2.0, rest_s=2.0, set_rest_s=90.0, goal_mvic_pct=35.0),
)

_RKC_PLANK = _exercise(
    id="rkc_plank", name="RKC plank", kind="hold",
    instructions=(
        "Lie face down on your forearms, elbows under your shoulders, legs straight on your toes.",
        "Lift your body into a straight line from head to heels.",
        "Tuck your tailbone under, squeeze your buttocks and brace your stomach hard.",
        "Hold for the count, then lower your knees and rest.",
    ),
    cues=(
        "Pull your elbows towards your toes",
        "Tuck the tailbone and squeeze",
        "Push the floor away with your forearms",
    ),
    targets=("gluteus_maximus",), compensators=("lumbar_erector",), unilateral=False,
    ranges=(
        MvicRange("gluteus_maximus", 20.0, 40.0, "Macadam & Feser 2019", verified=False,
                  note="Estimate: no study of this plank reporting gluteal %MVIC was found (Schoenfeld et al. "
                       "2014 measured the abdominals only); set around the review's 30.4% average for prone "
                       "body-weight exercises (abstract)."),
    ),
    typical={"gluteus_maximus": 30.0, "lumbar_erector": 5.0},
    protocol=Protocol(sets=3, reps=3, hold_s=10.0, rest_s=10.0, set_rest_s=60.0, goal_mvic_pct=25.0),
)

_BAND_WALK = _exercise(
    id="band_walk", name="Band walk", kind="reps",
    instructions=(
        "Put a mini-band around your legs just above the knees (ankles is harder).",
        "Stand with feet hip-width apart, knees slightly bent, hips back a little.",
        "Step sideways with the leading foot, then bring the other foot halfway in, keeping the band tight.",
        "Each step counts as one rep; walk one way for a set, then back. Diagonal steps are a progression.",
    ),
    cues=(
        "Knees slightly bent",
        "Toes forward",
        "Push the floor away sideways with the trailing foot",
        "Push two sliding doors apart with your knees",
    ),
    targets=("gluteus_medius", "gluteus_maximus"), compensators=("tensor_fasciae_latae",), unilateral=False,
    ranges=(
        MvicRange("gluteus_medius", 61.0, 61.0, "Distefano et al. 2009", verified=False,
                  note="Lateral band walk, recalled from the paper's results (gluteus medius about 61% MVIC); "
                       "not re-read here."),
        MvicRange("gluteus_maximus", 27.0, 27.0, "Distefano et al. 2009", verified=False,
                  note="Lateral band walk, recalled from the paper's results (gluteus maximus about 27% MVIC); "
                       "not re-read here."),
    ),
    typical={"gluteus_medius": 60.0, "gluteus_maximus": 25.0, "tensor_fasciae_latae": 25.0},
    # seed 004: "twenty band-walk steps each direction"
    protocol=Protocol(sets=2, reps=20, hold_s=1.0, rest_s=0.5, set_rest_s=30.0, goal_mvic_pct=40.0),
)

_HOURLY_SQUEEZE = _exercise(
    id="hourly_squeeze", name="Hourly stand-and-squeeze", kind="hold",
    instructions=(
        "When the hourly reminder goes off, stand up from your chair.",
        "Stand tall and squeeze both buttocks hard for ten seconds.",
        "Let go, then take two lunges forward before you sit down again.",
    ),
    cues=(
        "Push the floor away with both feet",
        "Crack a walnut between your buttocks",
    ),
    targets=("gluteus_maximus",), compensators=("hamstring", "lumbar_erector"), unilateral=False,
    ranges=_SQUEEZE_RANGES,
    # as the squeeze hold: a hard held squeeze, below the maximal 81-92%; helpers are our estimates
    typical={"gluteus_maximus": 70.0, "hamstring": 15.0, "lumbar_erector": 10.0},
    # seed 004: "every hour; stand, clench glutes for ten seconds, and lunge forward twice"
    protocol=Protocol(sets=1, reps=1, hold_s=10.0, rest_s=0.0, set_rest_s=0.0, goal_mvic_pct=40.0),
)

#: the library in teaching order: isometrics first, then supine, side-lying and quadruped drills,
#: one-legged and loaded work, standing frontal-plane work, and the all-day habit last
LIBRARY: dict[str, Exercise] = {
    e.id: e
    for e in (
        _GLUTE_SQUEEZE_HOLD,
        _GLUTE_BRIDGE,
        _CLAMSHELL,
        _SIDE_LYING_ABDUCTION,
        _QUADRUPED_EXTENSION,
        _SINGLE_LEG_BRIDGE,
        _FROG_PUMP,
        _HIP_THRUST,
        _RKC_PLANK,
        _BAND_WALK,
        _HOURLY_SQUEEZE,
    )
}


def exercise(exercise_id: str) -> Exercise:
    """The library exercise ``exercise_id``; one sentence listing the valid ids otherwise."""
    if exercise_id not in LIBRARY:
        raise UserError(f"Unknown exercise {exercise_id!r}; choose one of: {', '.join(LIBRARY)}.")
    return LIBRARY[exercise_id]

