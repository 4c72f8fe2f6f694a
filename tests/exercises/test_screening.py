"""The Trendelenburg card's rule in each unit: ±15 % with %MVIC references, ±35 % in raw µV."""

from __future__ import annotations

import pytest

from app.exercises.scoring import RepScore
from app.exercises.screening import screening_test


def _stances(left: float, right: float, unit: str) -> list[RepScore]:
    return [RepScore(1, i + 1, True, 30.0, v, unit, 5.0, 0.2, (), True, False, True, side)
            for side, v in (("L", left), ("R", right)) for i in range(2)]


@pytest.mark.parametrize("left, right, unit, flagged, words", [
    (40.0, 32.0, "% MVIC", True, "The right gluteus medius reaches 80% of the other side's level"),
    (40.0, 37.0, "% MVIC", False, "Left and right gluteus medius work alike"),
    (94.0, 77.0, "µV", False, "No side difference beyond what the electrodes alone can make"),
    (93.0, 38.0, "µV", True, "The right gluteus medius reaches 41% of the other side's level"),
    (30.0, 50.0, "µV", True, "The left gluteus medius reaches 60%"),
])
def test_trendelenburg_flags_by_the_unit_it_was_measured_in(left, right, unit, flagged, words):
    card = screening_test("trendelenburg").evaluate(_stances(left, right, unit))
    assert card.flagged is flagged and card.verdict.startswith(words)
    band = 15 if unit.startswith("%") else 35
    assert f"±{band}%" in card.rule and card.data["flag_beyond_percent"] == band
    assert any(line.startswith("Symmetry index (R − L) / mean: ") for line in card.lines)
    assert any("Calibrate both sides" in line for line in card.lines) is (unit == "µV")
