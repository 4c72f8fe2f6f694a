"""The exercise library keeps its promises: valid muscles and protocols, evidence with sources,
electrode pictures that exist, lossless dicts, clinician copies, and one-sentence errors."""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET
from dataclasses import replace
from pathlib import Path

import pytest

from app.errors import UserError
from app.exercises.library import KINDS, LIBRARY, REFERENCES, Exercise, MvicRange, Protocol, exercise
from app.muscles import MUSCLES

ASSETS = Path(__file__).resolve().parents[2] / "assets"
REQUIRED_IDS = {
    "glute_squeeze_hold", "glute_bridge", "single_leg_bridge", "hip_thrust", "frog_pump", "clamshell",
    "side_lying_hip_abduction", "quadruped_hip_extension", "rkc_plank", "band_walk", "hourly_squeeze",
}
COMPENSATORS = {"hamstring", "lumbar_erector", "tensor_fasciae_latae"}
ALL = list(LIBRARY.values())
IDS = list(LIBRARY)


def _one_sentence(message: str) -> bool:
    """One plain sentence: ends with a full stop, no line breaks, no second sentence."""
    return message.endswith(".") and "\n" not in message and not re.search(r"[.!?]\s+[A-Z]", message)


def test_the_library_has_every_required_exercise_in_a_teaching_order():
    assert REQUIRED_IDS <= set(LIBRARY)
    order = list(LIBRARY)
    assert order[0] == "glute_squeeze_hold"  # isometrics first
    assert order.index("glute_bridge") < order.index("single_leg_bridge") < order.index("hip_thrust")
    assert all(key == e.id for key, e in LIBRARY.items())


@pytest.mark.parametrize("e", ALL, ids=IDS)
def test_each_exercise_is_complete(e: Exercise):
    assert re.fullmatch(r"[a-z][a-z0-9_]*", e.id)
    assert e.name.strip() and e.kind in KINDS
    assert e.instructions and all(s.strip() for s in e.instructions)
    assert e.cues and all(c.strip() for c in e.cues)
    assert e.targets and set(e.targets) <= set(MUSCLES)
    assert set(e.compensators) <= COMPENSATORS
    assert not set(e.targets) & set(e.compensators)
    assert e.custom_of is None
    assert e.protocol.validated() is e.protocol
    assert e.validated() is e


@pytest.mark.parametrize("e", ALL, ids=IDS)
def test_typical_levels_cover_every_working_muscle(e: Exercise):
    assert set(e.typical_mvic_pct) == {*e.targets, *e.compensators}
    assert all(0 < v <= 150 for v in e.typical_mvic_pct.values())
    # the goal line is reachable for a healthy person and the helpers stay under scoring's 30% ceiling
    assert e.protocol.goal_mvic_pct <= e.typical_mvic_pct[e.targets[0]]
    assert all(e.typical_mvic_pct[c] < 30 for c in e.compensators)


@pytest.mark.parametrize("e", ALL, ids=IDS)
def test_every_target_has_published_activation_with_a_listed_source(e: Exercise):
    for target in e.targets:
        assert any(r.muscle == target for r in e.mvic_ranges), f"{e.id}: no range for {target}"
    for r in e.mvic_ranges:
        assert r.muscle in MUSCLES and 0 <= r.low_pct <= r.high_pct <= 150
        assert r.citation in REFERENCES and REFERENCES[r.citation] in e.references
        if not r.verified:
            assert r.note, f"{e.id}: an unverified range must say why"
        assert r.citation in e.to_dict()["citation"]
    assert REFERENCES["Hermens et al. 2000"] in e.references  # the electrode sites


@pytest.mark.parametrize("exercise_id", ["clamshell", "side_lying_hip_abduction", "quadruped_hip_extension"])
def test_medius_drills_cite_boren(exercise_id: str):
    e = exercise(exercise_id)
    assert "gluteus_medius" in e.targets
    assert any(r.citation == "Boren et al. 2011" and r.muscle == "gluteus_medius" for r in e.mvic_ranges)
    assert any("Boren" in ref and "2011;6(3):206-223" in ref for ref in e.references)


@pytest.mark.parametrize("exercise_id", ["hip_thrust", "single_leg_bridge", "frog_pump"])
def test_maximus_drills_cite_macadam_or_neto(exercise_id: str):
    e = exercise(exercise_id)
    assert "gluteus_maximus" in e.targets
    assert {r.citation for r in e.mvic_ranges} & {"Macadam & Feser 2019", "Neto et al. 2020"}


def test_second_hand_numbers_are_not_marked_verified():
    boren = [r for e in ALL for r in e.mvic_ranges if r.citation == "Boren et al. 2011"]
    assert boren and not any(r.verified for r in boren)
    frog = exercise("frog_pump").mvic_ranges
    assert not any(r.verified for r in frog)  # no primary frog-pump data was found


@pytest.mark.parametrize("e", ALL, ids=IDS)
def test_placement_image_exists_and_is_an_svg(e: Exercise):
    path = ASSETS / e.placement_image
    assert e.placement_image == f"placement/{e.id}.svg" and path.is_file()
    root = ET.parse(path).getroot()
    assert root.tag == "{http://www.w3.org/2000/svg}svg"
    assert root.get("viewBox") == "0 0 400 300"
    text = path.read_text()
    assert "<image" not in text and "@import" not in text and "href=" not in text  # self-contained
    assert "#0072b2" in text and "Reference" in text and e.name in text
    for muscle in e.compensators:
        assert "#d55e00" in text, f"{e.id}: compensator {muscle} not drawn"


def test_protocol_defaults_follow_the_seeds():
    squeeze = exercise("glute_squeeze_hold").protocol
    assert (squeeze.sets, squeeze.reps, squeeze.hold_s, squeeze.rest_s) == (3, 5, 10.0, 10.0)
    bridge = exercise("glute_bridge").protocol
    assert (bridge.sets, bridge.reps, bridge.hold_s) == (3, 10, 2.0)
    hourly = exercise("hourly_squeeze").protocol
    assert (hourly.sets, hourly.reps, hourly.hold_s) == (1, 1, 10.0)
    assert exercise("frog_pump").protocol.reps == 30
    assert exercise("band_walk").protocol.reps == 20
    assert exercise("glute_squeeze_hold").kind == "hold" and exercise("band_walk").kind == "reps"
    assert all(e.protocol.goal_mvic_pct <= 40 for e in ALL)


def test_one_sided_drills_are_marked_unilateral():
    one_sided = {e.id for e in ALL if e.unilateral}
    assert {"single_leg_bridge", "clamshell", "side_lying_hip_abduction", "quadruped_hip_extension"} <= one_sided
    assert not one_sided & {"glute_bridge", "hip_thrust", "glute_squeeze_hold", "hourly_squeeze"}


@pytest.mark.parametrize("e", ALL, ids=IDS)
def test_to_dict_has_the_promised_keys_and_round_trips(e: Exercise):
    d = e.to_dict()
    assert {"id", "name", "targets", "compensators", "mvic_range", "citation", "cues", "protocol", "kind",
            "instructions", "unilateral", "typical_mvic_pct", "references", "placement_image", "custom_of"} <= set(d)
    assert {"sets", "reps", "hold_s", "rest_s", "set_rest_s", "goal_mvic_pct"} <= set(d["protocol"])
    for r in d["mvic_range"]:
        assert {"muscle", "low_pct", "high_pct", "citation", "verified"} <= set(r)
    assert isinstance(d["citation"], str) and d["citation"]
    again = json.loads(json.dumps(d))  # JSON-ready
    assert Exercise.from_dict(again) == e
    assert Exercise.from_dict(again).to_dict() == d


def test_protocol_round_trips_and_accepts_whole_floats():
    p = Protocol(3, 10, 2.0, 2.0, 60.0, 40.0)
    assert Protocol.from_dict(p.to_dict()) == p
    assert Protocol.from_dict({**p.to_dict(), "sets": 3.0}).sets == 3
    assert MvicRange.from_dict(MvicRange("hamstring", 1.0, 2.0, "x", False, "why").to_dict()).note == "why"


@pytest.mark.parametrize("broken, words", [
    ("not a dict", "JSON object"),
    ({}, "'unilateral'"),
    ("no_id", "'id'"),
    ("bad_id", "lower-case"),
    ("bad_kind", "kind"),
    ("bad_muscle", "unknown muscle 'glute'"),
    ("overlap", "both target and compensator"),
    ("no_targets", "at least one target"),
    ("no_cues", "one cue"),
    ("bad_protocol", "at least 1 set"),
    ("protocol_text", "number for 'reps'"),
    ("fraction_reps", "whole number"),
    ("bad_range", "low to high"),
    ("bad_verified", "'verified'"),
])
def test_from_dict_rejects_malformed_input_with_one_sentence(broken, words):
    d = exercise("glute_bridge").to_dict()
    if broken == "no_id":
        del d["id"]
    elif broken == "bad_id":
        d["id"] = "Glute Bridge!"
    elif broken == "bad_kind":
        d["kind"] = "sprint"
    elif broken == "bad_muscle":
        d["targets"] = ["glute"]
    elif broken == "overlap":
        d["compensators"] = ["gluteus_maximus"]
    elif broken == "no_cues":
        d["cues"] = []
    elif broken == "no_targets":
        d["targets"] = []
    elif broken == "bad_protocol":
        d["protocol"]["sets"] = 0
    elif broken == "protocol_text":
        d["protocol"]["reps"] = "ten"
    elif broken == "fraction_reps":
        d["protocol"]["reps"] = 2.5
    elif broken == "bad_range":
        d["mvic_range"][0]["low_pct"] = 90
    elif broken == "bad_verified":
        d["mvic_range"][0]["verified"] = "yes"
    else:
        d = broken
    with pytest.raises(UserError) as err:
        Exercise.from_dict(d)
    assert words in str(err.value) and _one_sentence(str(err.value))


def test_with_protocol_makes_a_clinicians_copy():
    bridge = exercise("glute_bridge")
    dose = Protocol(sets=2, reps=12, hold_s=5.0, rest_s=3.0, set_rest_s=45.0, goal_mvic_pct=30.0)
    copy = bridge.with_protocol(dose)
    assert copy.custom_of == "glute_bridge" and copy.id == "glute_bridge_custom"
    assert copy.name == "Glute bridge (custom)" and copy.protocol == dose
    assert copy.targets == bridge.targets and copy.mvic_ranges == bridge.mvic_ranges
    assert bridge.protocol != dose and LIBRARY["glute_bridge"] is bridge  # the library is untouched
    named = bridge.with_protocol(dose, name="Bridge for Mrs K", new_id="bridge_mrs_k")
    assert (named.id, named.name, named.custom_of) == ("bridge_mrs_k", "Bridge for Mrs K", "glute_bridge")
    assert named.with_protocol(dose).custom_of == "glute_bridge"  # a copy of a copy names the library drill
    assert Exercise.from_dict(copy.to_dict()) == copy
    copy.typical_mvic_pct["gluteus_maximus"] = 1.0
    assert bridge.typical_mvic_pct["gluteus_maximus"] == 25.0  # the copy does not share the dict


def test_with_protocol_rejects_a_bad_protocol_or_id():
    bridge = exercise("glute_bridge")
    with pytest.raises(UserError, match="hold time"):
        bridge.with_protocol(replace(bridge.protocol, hold_s=0.0))
    with pytest.raises(UserError, match="lower-case"):
        bridge.with_protocol(bridge.protocol, new_id="My Bridge")


def test_unknown_exercise_lists_the_valid_ids():
    with pytest.raises(UserError) as err:
        exercise("nope")
    message = str(err.value)
    assert message.startswith("Unknown exercise 'nope'; choose one of: ")
    assert all(i in message for i in LIBRARY) and _one_sentence(message)
    assert exercise("clamshell") is LIBRARY["clamshell"]


@pytest.mark.parametrize("field, value, words", [
    ("sets", 0, "at least 1 set"),
    ("reps", 0, "at least 1 rep"),
    ("hold_s", 0.0, "hold time"),
    ("hold_s", -2.0, "hold time"),
    ("hold_s", float("nan"), "hold time"),
    ("rest_s", -1.0, "rest between reps"),
    ("set_rest_s", -1.0, "rest between sets"),
    ("goal_mvic_pct", 0.0, "goal"),
    ("goal_mvic_pct", 151.0, "goal"),
    ("goal_mvic_pct", float("inf"), "goal"),
])
def test_protocol_validated_rejects_each_impossible_value(field, value, words):
    good = Protocol(3, 10, 2.0, 2.0, 60.0, 40.0)
    assert good.validated() is good
    with pytest.raises(UserError) as err:
        replace(good, **{field: value}).validated()
    assert words in str(err.value) and _one_sentence(str(err.value))


def test_edge_values_are_allowed():
    assert Protocol(1, 1, 0.1, 0.0, 0.0, 150.0).validated().goal_mvic_pct == 150.0
