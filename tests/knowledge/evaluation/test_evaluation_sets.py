"""The held-out dialogue and business-phrasing sets load, cover what issues 11 and 15 ask, and their
checks can fail. In-process: no server is started (the runners themselves need a running assistant)."""
import textwrap
from collections import Counter

import pytest

from knowledge.evaluation import business, conversations
from knowledge.evaluation.conversations import SetError, Turn, check_turn, load_set, split_reply


SETS = conversations.DEFAULT_SET.parent


@pytest.fixture(scope="module")
def dialogue_set():
    return load_set(conversations.DEFAULT_SET)


@pytest.mark.parametrize("name, at_least", [("conversations_fresh.yml", 60), ("conversations_third.yml", 60),
                                             ("conversations_fourth.yml", 50), ("conversations_fifth.yml", 60),
                                             ("conversations_sixth.yml", 60), ("conversations_seventh.yml", 60)])
def test_later_dialogue_sets_load_and_cover_every_pattern(name, at_least):
    convs, _ = load_set(SETS / name)
    assert len(convs) >= at_least
    assert set(p for c in convs for p in c.patterns) == set(conversations.PATTERNS)


def test_dialogue_set_covers_every_pattern_with_many_services(dialogue_set):
    convs, default_reject = dialogue_set
    assert len(convs) >= 64
    per_pattern = Counter(p for c in convs for p in c.patterns)
    assert set(per_pattern) == set(conversations.PATTERNS)
    assert min(per_pattern.values()) >= 8, per_pattern
    assert len({c.service.split("（")[0] for c in convs}) >= 20
    assert any("traditional" in c.tags for c in convs)
    assert "暂时无法访问" in default_reject


@pytest.mark.parametrize("name", ["business_heldout.yml", "business_second.yml", "business_third.yml",
                                  "business_fourth.yml"])
def test_business_sets_have_enough_questions_and_industries(name):
    phrasings = business.load_set(SETS / name)
    assert len(phrasings) >= 120
    assert len({p.industry for p in phrasings}) >= 30


def test_expectations_read_the_texts_not_the_buttons():
    turn = Turn(say="收费吗", expect_any=["收费"])
    assert check_turn(turn, ["（2/2）有随行家属吗？"], ["收费吗"], []) == ["expect_any ['收费']"]
    assert check_turn(turn, ["外国人来华工作许可不收费。"], [], []) == []


def test_expect_all_groups_and_rejections_including_buttons():
    turn = Turn(say="x", expect_all=[["个体工商户"], ["食品经营许可", "食品许可"]], reject=["notice"])
    assert check_turn(turn, ["个体工商户设立登记；食品许可"], [], []) == []
    failures = check_turn(turn, ["个体工商户设立登记"], ["打印 (/notice)"], [])
    assert failures == ["expect_all group ['食品经营许可', '食品许可']", "reject 'notice'"]


def test_default_rejections_apply_unless_the_turn_allows_them():
    turn = Turn(say="x", expect_any=["旅馆"])
    menu = ["您想办的可能是以下哪一项？1. 开办宾馆、旅馆"]
    assert check_turn(turn, menu, [], ["以下哪一项"]) == ["reject '以下哪一项'"]
    turn.allow = ["以下哪一项"]
    assert check_turn(turn, menu, [], ["以下哪一项"]) == []


def test_the_national_hotline_is_not_the_centres_sample_number(dialogue_set, tmp_path):
    path = tmp_path / "set.yml"
    path.write_text(textwrap.dedent("""
        groups:
          H: ["re:(?<![-\\\\d])12345"]
        conversations:
        - id: c1
          service: 投诉
          patterns: [no_guide]
          turns:
          - say: 投诉电话多少
            expect_any: [$H]
    """), encoding="utf-8")
    (conv,), _ = load_set(path)
    turn = conv.turns[0]
    assert check_turn(turn, ["请拨打审批导航热线 0000-12345（示例号码）"], [], [])
    assert check_turn(turn, ["可拨打12345政务服务便民热线"], [], []) == []


@pytest.mark.parametrize("body, message", [
    ("- id: c1\n  service: s\n  patterns: [loops]\n  turns:\n  - say: 你好\n", "has no check"),
    ("- id: c1\n  service: s\n  patterns: [chit_chat]\n  turns:\n  - say: a\n    reject: [b]\n", "patterns"),
    ("- id: c1\n  service: s\n  patterns: [loops]\n  turns:\n  - say: a\n    reject: [$NOPE]\n", "unknown group"),
    ("- id: c1\n  service: s\n  patterns: [loops]\n  turns:\n  - say: a\n    expect_any: ['re:(']\n",
     "bad regular expression"),
    ("- id: c1\n  service: s\n  patterns: [loops]\n  turns:\n  - say: a\n    reject: [b]\n    allow: [b]\n",
     "not default rejections"),
])
def test_malformed_sets_are_refused_with_the_place(tmp_path, body, message):
    path = tmp_path / "bad.yml"
    path.write_text("conversations:\n" + body, encoding="utf-8")
    with pytest.raises(SetError, match=message):
        load_set(path)


def test_split_reply_collects_texts_and_button_titles():
    texts, buttons = split_reply([
        {"recipient_id": "u", "text": "（1/4）您打算以什么身份经营？",
         "buttons": [{"title": "个体工商户", "payload": "个体工商户"},
                     {"title": "开办餐饮店", "payload": "/choose_option{\"choice\":\"route:open-restaurant\"}"}]},
        {"recipient_id": "u", "image": "x.png"},
    ])
    assert texts == ["（1/4）您打算以什么身份经营？"]
    assert buttons == ["个体工商户", "开办餐饮店 (/choose_option{\"choice\":\"route:open-restaurant\"})"]


def test_business_rank_is_the_first_title_with_an_expected_word():
    p = business.Phrasing("开个串串店", "餐饮", ["餐饮"])
    assert business.Outcome(p, "clear", ["开办宾馆、旅馆", "开办餐饮店"]).rank == 2
    assert business.Outcome(p, "none", ["开办宾馆、旅馆"]).rank is None
