"""Editors' reports against the real knowledge service (real e5 model, real index, real database).

Events are posted the way the action server posts them (POST /api/conversations/events). History
older than today is made by moving a posted event's created_at back in the service's own SQLite
file: the API, rightly, does not let a caller choose when an event happened.

Everything a test counts is unique to it (its dog-licence and e-bike questions, its own guides), so
other tests sharing the session's staff_stack do not change the numbers.
"""
from __future__ import annotations

import datetime as dt
import sqlite3
import uuid
from zoneinfo import ZoneInfo

import httpx
import pytest

from tests.stack import ADMIN_PASSWORD, Stack, login, password_for

SHANGHAI = ZoneInfo("Asia/Shanghai")
TIMEOUT = 120  # the first report after start-up encodes the reference questions once

DOG = ["养宠物要办狗证吗", "狗证在哪里办", "养狗登记怎么办", "我家狗要办证吗"]
EBIKE = ["电动车上牌在哪里办", "电瓶车怎么上牌照"]


def post_event(stack: Stack, **fields) -> dict:
    resp = stack.post_event(**fields)
    assert resp.status_code == 201, resp.text
    return resp.json()


def backdate(stack: Stack, event_id: int, when: dt.datetime) -> None:
    """Moves an event into the past in the service's database (stored as UTC, like func.now())."""
    stamp = when.astimezone(dt.timezone.utc).strftime("%Y-%m-%d %H:%M:%S.%f")
    with sqlite3.connect(stack.workdir / "navigator.db") as db:
        assert db.execute("UPDATE conversation_events SET created_at = ? WHERE id = ?", (stamp, event_id)).rowcount == 1


def transcript(*citizen_and_bot: str) -> list[dict]:
    return [{"who": "市民" if i % 2 == 0 else "助手", "text": t} for i, t in enumerate(citizen_and_bot)]


def item_data(guide_id: str, name: str) -> dict:
    """A small valid item (sample values marked 示例) for guides a test creates for itself."""
    return {
        "id": guide_id, "kind": "item", "name": name, "code": f"示例-{guide_id}-测试", "type": "公共服务",
        "department": "示例市民政局（示例）", "audience": ["个人"],
        "time_limit": {"promised_days": 5, "statutory_days": 20, "promised_sample": True},
        # 民政 sits on 三楼 in the sample centre: a department stays on one floor.
        "place": {"address": "示例市政务服务中心三楼（示例）", "hours": "工作日 9:00-17:00（示例）",
                  "phone": "0000-00000000（示例）"},
        "result": {"name": name + "结果"},
    }


@pytest.fixture(scope="module")
def gap_events(staff_stack: Stack) -> dict:
    """A realistic mix: paraphrases of one unanswered question, another pair, unrelated questions,
    and events that must not count (a good rating, an unknown gap reason, a handoff without a question)."""
    run = uuid.uuid4().hex[:8]
    conv = lambda name: f"test-gaps-{run}-{name}"  # noqa: E731
    post_event(staff_stack, conversation_id=conv("a"), type="gap", text=DOG[0], data={"reason": "no_match"})
    post_event(staff_stack, conversation_id=conv("b"), type="gap", text=DOG[1], data={"reason": "no_match"})
    post_event(staff_stack, conversation_id=conv("c"), type="gap", text=DOG[1], data={"reason": "no_match"})
    post_event(staff_stack, conversation_id=conv("c2"), type="gap", text=DOG[1], data={"reason": "no_match"})
    post_event(staff_stack, conversation_id=conv("d"), type="gap", text=DOG[2],
               data={"reason": "ambiguous", "candidates": ["marriage-registration"]})
    # The same citizen then asks for a person: the question is in the transcript (here in Traditional).
    post_event(staff_stack, conversation_id=conv("d"), type="handoff", text="转人工",
               data={"reason": "requested", "channel": "rest",
                     "transcript": transcript("養狗登記怎麼辦", "您想办的可能是以下哪一项？", "转人工")})
    post_event(staff_stack, conversation_id=conv("e"), type="rating", rating=1, text='/give_rating{"rating":"1"}',
               data={"focus": None, "transcript": transcript(DOG[3], "抱歉，我没有找到…", "1分")})
    post_event(staff_stack, conversation_id=conv("f"), type="gap", text=EBIKE[0], data={"reason": "no_match"})
    post_event(staff_stack, conversation_id=conv("g"), type="gap", text=EBIKE[1], data={"reason": "no_match"})
    post_event(staff_stack, conversation_id=conv("h"), type="gap", text="失业金怎么领", data={"reason": "no_match"})
    # A follow-up the guide in focus did not answer: the report names that guide.
    post_event(staff_stack, conversation_id=conv("n"), type="gap", text="公积金一年能取几次",
               data={"reason": "unanswered", "focus": "item:housing-fund-withdrawal"})
    # Same pattern as 养狗登记, a different need.
    post_event(staff_stack, conversation_id=conv("i"), type="gap", text="结婚登记怎么办", data={"reason": "ambiguous"})
    # Not gaps: a good rating, a reason the report does not know, a handoff with no question in it.
    post_event(staff_stack, conversation_id=conv("j"), type="rating", rating=4, text="4分",
               data={"transcript": transcript(DOG[1], "…", "4分")})
    post_event(staff_stack, conversation_id=conv("k"), type="gap", text=DOG[1], data={"reason": "small_talk"})
    post_event(staff_stack, conversation_id=conv("l"), type="handoff", text="转人工", data={"reason": "requested"})
    # Asked 45 days ago: outside the default 30 days, inside 60.
    old = post_event(staff_stack, conversation_id=conv("m"), type="gap", text="狗证去哪办", data={"reason": "no_match"})
    old_at = dt.datetime.now(dt.timezone.utc) - dt.timedelta(days=45)
    backdate(staff_stack, old["id"], old_at)
    return {"run": run, "old_at": old_at}


def group_of(report: dict, wordings: list[str]) -> list[dict]:
    """Groups holding any of `wordings` (as representative or among the examples)."""
    return [g for g in report["groups"]
            if g["question"] in wordings or any(e["text"] in wordings for e in g["examples"])]


def test_paraphrases_group_together_and_unrelated_questions_apart(staff_stack, editor, gap_events):
    resp = editor.get("/api/reports/gaps")
    assert resp.status_code == 200, resp.text
    report = resp.json()
    assert report["days"] == 30 and report["threshold"] > 0

    dog = group_of(report, DOG + ["養狗登記怎麼辦"])
    assert len(dog) == 1, [g["question"] for g in dog]
    dog = dog[0]
    assert dog["question"] == "狗证在哪里办"  # asked most often
    assert dog["count"] == 7  # 4 no_match + 1 ambiguous + 1 handoff + 1 low rating; not the 4-分 rating
    assert dog["conversations"] == 6
    assert dog["wordings"] == 4  # Traditional 養狗登記怎麼辦 is the same wording as 养狗登记怎么办
    assert dog["reasons"] == {"no_match": 4, "ambiguous": 1, "handoff": 1, "low_rating": 1}
    shown = {e["text"] for e in dog["examples"]}
    assert {"养宠物要办狗证吗", "我家狗要办证吗"} <= shown and len(dog["examples"]) == 5
    assert {e["reason"] for e in dog["examples"]} >= {"requested", "low_rating"}
    low = next(e for e in dog["examples"] if e["reason"] == "low_rating")
    assert low["rating"] == 1 and low["type"] == "rating"
    seen = [dt.datetime.fromisoformat(e["at"]) for e in dog["examples"]]
    first, last = dt.datetime.fromisoformat(dog["first_seen"]), dt.datetime.fromisoformat(dog["last_seen"])
    assert first <= min(seen) <= max(seen) <= last
    assert dt.datetime.now(dt.timezone.utc) - first < dt.timedelta(hours=1)  # the 45-day-old one is outside

    ebike = group_of(report, EBIKE)
    assert len(ebike) == 1 and ebike[0]["count"] == 2 and ebike[0]["conversations"] == 2
    assert ebike[0] is not dog
    for alone in ("失业金怎么领", "结婚登记怎么办"):
        found = group_of(report, [alone])
        assert len(found) == 1 and found[0]["count"] == 1 and found[0]["question"] == alone
    assert report["without_question"] >= 1  # the bare 转人工
    counts = [g["count"] for g in report["groups"]]
    assert counts == sorted(counts, reverse=True)


def test_a_follow_up_the_guide_did_not_answer_names_that_guide(editor, gap_events):
    group = group_of(editor.get("/api/reports/gaps").json(), ["公积金一年能取几次"])
    assert len(group) == 1 and group[0]["reasons"] == {"unanswered": 1}
    assert group[0]["examples"][0]["about"] == "住房公积金提取"


def test_each_group_names_the_guide_the_search_finds_today(staff_stack, editor, gap_events):
    report = editor.get("/api/reports/gaps").json()
    for g in group_of(report, DOG) + group_of(report, EBIKE):
        nearest = g["nearest"]
        search = httpx.get(f"{staff_stack.knowledge_url}/api/search", params={"q": g["question"], "k": 1}).json()
        assert nearest["id"] == search["results"][0]["id"]
        assert nearest["title"] == search["results"][0]["title"]
        assert nearest["match"] == search["match"]
        assert nearest["score"] == pytest.approx(search["results"][0]["score"], abs=1e-3)


def test_the_window_decides_which_events_count(editor, gap_events):
    wide = editor.get("/api/reports/gaps", params={"days": 60}).json()
    dog = group_of(wide, DOG)[0]
    assert dog["count"] == 8 and dog["wordings"] == 5
    first = dt.datetime.fromisoformat(dog["first_seen"])
    assert abs(first - gap_events["old_at"]) < dt.timedelta(seconds=2)
    assert first.utcoffset() == dt.timedelta(hours=8)  # times are given in the centre's local time
    one = editor.get("/api/reports/gaps", params={"days": 30, "limit": 1}).json()
    assert len(one["groups"]) == 1 and one["groups_total"] >= 4


# ---- ratings ----

@pytest.fixture(scope="module")
def rated(staff_stack: Stack) -> dict:
    """A guide of this test, published, rated now and 100 days ago; one retired guide; one rating without a guide."""
    base = staff_stack.knowledge_url
    run = uuid.uuid4().hex[:8]
    guide_id, title = f"rating-report-{run}", "评议统计测试事项（示例）"
    with login(base, "reviewer1", password_for("reviewer1"), timeout=TIMEOUT) as reviewer:
        created = reviewer.post("/api/editor/guides", json={"kind": "item", "data": item_data(guide_id, title)})
        assert created.status_code == 201, created.text
        published = reviewer.post(f"/api/editor/guides/{guide_id}/publish", json={"version": 1})
        assert published.status_code == 200, published.text
    conv = lambda n: f"test-ratings-{run}-{n}"  # noqa: E731
    for n, score in enumerate([5, 4]):
        post_event(staff_stack, conversation_id=conv(f"now{n}"), type="rating", rating=score, guide_id=guide_id,
                   text=f"{score}分")
    old_at = dt.datetime.now(dt.timezone.utc) - dt.timedelta(days=100)
    for n, score in enumerate([2, 1, 3]):
        ev = post_event(staff_stack, conversation_id=conv(f"old{n}"), type="rating", rating=score, guide_id=guide_id,
                        text=f"{score}分")
        backdate(staff_stack, ev["id"], old_at + dt.timedelta(minutes=n))
    retired = f"retired-{run}"
    post_event(staff_stack, conversation_id=conv("retired"), type="rating", rating=2, guide_id=retired, text="2分")
    post_event(staff_stack, conversation_id=conv("nothing"), type="rating", rating=3, text="3分")
    return {"id": guide_id, "title": title, "old_at": old_at, "retired": retired}


def mondays(since: dt.date, until: dt.date) -> list[dt.date]:
    start = since - dt.timedelta(days=since.weekday())
    return [start + dt.timedelta(weeks=i) for i in range((until - start).days // 7 + 1)]


def test_ratings_per_guide_with_monthly_series(editor, rated):
    resp = editor.get("/api/reports/ratings", params={"period": "month", "days": 180})
    assert resp.status_code == 200, resp.text
    report = resp.json()
    mine = next(g for g in report["guides"] if g["id"] == rated["id"])
    assert mine["title"] == rated["title"] and mine["kind"] == "item" and mine["published"] is True
    assert mine["count"] == 5 and mine["average"] == 3.0 and mine["low_share"] == 0.4

    old_month = rated["old_at"].astimezone(SHANGHAI).date().replace(day=1).isoformat()
    this_month = dt.datetime.now(SHANGHAI).date().replace(day=1).isoformat()
    points = {p["start"]: p for p in mine["series"]}
    assert points[old_month]["count"] == 3 and points[old_month]["average"] == 2.0 and points[old_month]["low"] == 2
    assert points[this_month]["count"] == 2 and points[this_month]["average"] == 4.5 and points[this_month]["low"] == 0
    assert sum(p["count"] for p in mine["series"]) == 5
    assert [p["start"] for p in mine["series"]] == sorted(points)  # oldest first, one per month, gaps included
    assert 6 <= len(mine["series"]) <= 7
    assert points[old_month]["label"].endswith("月")

    retired = next(g for g in report["guides"] if g["id"] == rated["retired"])
    assert retired["published"] is False and retired["title"] == rated["retired"] and retired["kind"] is None
    assert report["without_guide"] >= 1
    overall = report["overall"]
    assert overall["count"] == sum(p["count"] for p in overall["series"])
    assert overall["count"] >= 5 + 1 + 1
    # Nobody else rates 100 days ago: that month's overall point is exactly this guide's.
    assert {p["start"]: p for p in overall["series"]}[old_month]["count"] == 3


def test_weekly_series_and_a_shorter_window(editor, rated):
    weekly = editor.get("/api/reports/ratings", params={"period": "week", "days": 180}).json()
    mine = next(g for g in weekly["guides"] if g["id"] == rated["id"])
    today = dt.datetime.now(SHANGHAI).date()
    assert [p["start"] for p in mine["series"]] == [d.isoformat() for d in
                                                    mondays(today - dt.timedelta(days=180), today)]
    old = rated["old_at"].astimezone(SHANGHAI).date()
    old_week = (old - dt.timedelta(days=old.weekday())).isoformat()
    assert next(p for p in mine["series"] if p["start"] == old_week)["count"] == 3
    assert weekly["period"] == "week" and mine["series"][0]["label"].endswith("日起")

    recent = editor.get("/api/reports/ratings", params={"period": "month", "days": 90}).json()
    mine = next(g for g in recent["guides"] if g["id"] == rated["id"])
    assert mine["count"] == 2 and mine["average"] == 4.5 and mine["low_share"] == 0.0


# ---- who may read them, and bad parameters ----

@pytest.mark.parametrize("path", ["/api/reports/gaps", "/api/reports/ratings"])
def test_only_editors_reviewers_and_admins_may_read_reports(staff_stack, path):
    base = staff_stack.knowledge_url
    signed_out = httpx.get(base + path, timeout=TIMEOUT)
    assert signed_out.status_code == 401 and signed_out.json()["detail"] == "请先登录"
    with login(base, "staff1", password_for("staff1")) as staff:
        refused = staff.get(path)
        assert refused.status_code == 403 and "无权" in refused.json()["detail"]
    for username, password in [("reviewer1", password_for("reviewer1")), ("admin", ADMIN_PASSWORD)]:
        with login(base, username, password, timeout=TIMEOUT) as client:
            assert client.get(path).status_code == 200


@pytest.mark.parametrize("path, params, words", [
    ("/api/reports/gaps", {"days": "abc"}, "days"),
    ("/api/reports/gaps", {"days": "0"}, "1 到 365"),
    ("/api/reports/gaps", {"days": "366"}, "1 到 365"),
    ("/api/reports/gaps", {"limit": "0"}, "limit"),
    ("/api/reports/ratings", {"period": "year"}, "week（按周）或 month（按月）"),
    ("/api/reports/ratings", {"days": "-5"}, "1 到 730"),
    ("/api/reports/ratings", {"days": "1.5"}, "整数"),
])
def test_bad_parameters_get_a_chinese_message(editor, path, params, words):
    resp = editor.get(path, params=params)
    assert resp.status_code == 422
    detail = resp.json()["detail"]
    assert isinstance(detail, str) and words in detail and "参数" in detail
