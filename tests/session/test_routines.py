"""Guided routines in stream time: the calibration plan's prompts, and plans that cannot work."""

from __future__ import annotations

import pytest

from app.errors import UserError
from app.session.routines import CalibrationPlan


def test_prompts_follow_the_plan_in_stream_time():
    plan = CalibrationPlan(contractions=3, contract_s=5.0, rest_s=5.0, settle_s=2.0, tail_s=1.0)
    assert plan.total_s == 2 + 15 + 10 + 1
    seen = [(p.phase, p.step) for p in (plan.prompt_at(t) for t in (0.0, 2.0, 6.9, 7.0, 12.0, 22.0, 26.9, 27.5))]
    assert seen == [("relax", 0), ("contract", 1), ("contract", 1), ("rest", 1), ("contract", 2),
                    ("contract", 3), ("contract", 3), ("done", 0)]
    first = plan.prompt_at(3.0)
    assert first.text == "Squeeze as hard as you can (1 of 3)" and first.effort == 1.0 and first.contracting
    assert first.seconds_left == pytest.approx(4.0)
    assert plan.prompt_at(8.0).text == "Rest (1 of 3 done)" and plan.prompt_at(8.0).effort == 0.0


def test_a_submaximal_plan_asks_for_that_effort():
    p = CalibrationPlan(effort=0.5).prompt_at(3.0)
    assert p.text == "Squeeze at 50% effort (1 of 3)" and p.effort == 0.5


@pytest.mark.parametrize("kw, words", [
    ({"contractions": 0}, "at least one contraction"),
    ({"effort": 1.5}, "between 1 and 100%"),
    ({"contract_s": 0.3}, "at least 500 ms"),
])
def test_plans_that_cannot_work_are_a_sentence(kw, words):
    with pytest.raises(UserError, match=words):
        CalibrationPlan(**kw)
