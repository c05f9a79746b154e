"""How a tailored plan is worded (knowledge/wording/chat.py), on the planner's test routes."""
from __future__ import annotations

from knowledge.catalogue import Catalogue
from knowledge.planner import plan_route
from knowledge.wording.chat import plan_summary
from tests.knowledge.test_planner import DIAMOND, make_item, make_route, plan


def test_a_plan_with_waiting_and_visits_gives_both():
    text = plan_summary(plan(DIAMOND)).splitlines()[0]
    assert "并联办理后最快约 12 个工作日" in text and "最多跑 " in text


def test_a_plan_done_on_the_spot_and_online_says_so_instead_of_zero():
    instant = make_item("now", "即时备案", 0, 0, visits=0, channels=["全程网办"])
    route = make_route([{"id": "now", "item": "now"}])
    cat = Catalogue()
    for guide in (instant, route):
        cat.add(guide)
    text = plan_summary(plan_route(route, cat, {})).splitlines()[0]
    assert "每一项都可当场办结，不用跑现场" in text and " 0 " not in text
