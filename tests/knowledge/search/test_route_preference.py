"""When a route (一件事) answers before its own step items: the ranking rules of
knowledge/search/engine.py on the sample base, with the real embedding model and index."""
from __future__ import annotations

import pytest


@pytest.mark.parametrize("query, route", [
    ("媳妇上礼拜生了个闺女，出生证拿到了，要上户口还要给娃办医保", "newborn"),
    ("新租的门面要通水通电，还要拉根宽带", "utility-connection"),
    ("买了套旧房子宽带和燃气也要过户吗", "second-hand-house"),
])
def test_a_question_for_several_steps_of_one_route_gets_the_route(sample_engine, query, route):
    # The route is lifted over the steps the question asks for, and answers clearly for them.
    outcome = sample_engine.search(query, k=3)
    first, *asked = [h.doc.guide_id for h in outcome.hits]
    steps = {s.item for g in sample_engine.snapshot.guides if g.id == route for s in g.steps}
    assert (first, outcome.match.value) == (route, "clear") and steps & set(asked), [first, *asked]


@pytest.mark.parametrize("query, item", [
    # Two requests about one step: the step, not its route.
    ("公司解散成立了清算小组，要去哪登记，还要登报通知债主吗", "liquidation-group-filing"),
    # One request that also finds a sibling step.
    ("孩子的出生医学证明去哪开", "birth-medical-certificate"),
])
def test_one_step_asked_about_keeps_its_place(sample_engine, query, item):
    assert sample_engine.search(query, k=3).hits[0].doc.guide_id == item
