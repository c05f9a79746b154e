"""Industries (行业): citizens' names for their business lead to the route that opens it.

Fast checks call the schema, catalogue and documents directly; the search checks use the real
embedding model and index; the editor checks go through the real knowledge service.
"""
from __future__ import annotations

import pytest
from pydantic import ValidationError

from knowledge.catalogue import Catalogue
from knowledge.core.config import get_settings
from knowledge.editing.validation import GuideInvalid, check_guide
from knowledge.schema import Industry, guide_adapter
from knowledge.search.documents import answers_for, document_for, user_words
from knowledge.search.engine import SearchEngine
from tests.knowledge.guide_samples import create, publish, unique_id


def industry(**changes) -> dict:
    data = {"id": "reptile-clinic", "kind": "industry", "name": "爬宠诊所", "category": "生活服务",
            "aliases": ["爬宠医院", "异宠诊所"], "route": "open-pet-clinic"}
    data.update(changes)
    return data


@pytest.fixture(scope="module")
def sample() -> Catalogue:
    return Catalogue.from_folder(get_settings().guides_dir)


# ---- schema, catalogue and documents (in process) ---------------------------------------------------

def test_an_industry_needs_everyday_names_and_a_route():
    with pytest.raises(ValidationError) as err:
        guide_adapter.validate_python(industry(aliases=[]))
    assert err.value.errors()[0]["loc"] == ("industry", "aliases")
    with pytest.raises(ValidationError, match="日常叫法「爬宠医院」重复出现"):
        guide_adapter.validate_python(industry(aliases=["爬宠医院", "爬宠医院"]))
    with pytest.raises(ValidationError):
        guide_adapter.validate_python(industry(route="Not A Slug"))
    parsed = guide_adapter.validate_python(industry())
    assert isinstance(parsed, Industry) and parsed.department == "行业指引"


def test_an_industry_must_name_a_route_that_exists(sample):
    with pytest.raises(GuideInvalid) as err:
        check_guide(industry(route="open-dragon-farm"), sample)
    assert [e.as_dict() for e in err.value.errors] == [
        {"field": "route", "msg": "行业所走的路线「open-dragon-farm」不存在"}]
    with pytest.raises(GuideInvalid) as err:  # an item is not a route
        check_guide(industry(route="animal-clinic-license"), sample)
    assert err.value.errors[0].field == "route"
    assert check_guide(industry(), sample).route == "open-pet-clinic"


def test_the_sample_base_models_the_businesses_a_centre_sees(sample):
    assert len(sample.industries) >= 30
    routes = {i.route for i in sample.industries.values()}
    assert routes <= set(sample.routes)
    # 餐饮 of several kinds, each with its own everyday names, all opening a restaurant
    eating = [i for i in sample.industries.values() if i.category == "餐饮" and i.route == "open-restaurant"]
    assert len(eating) >= 6
    names = [a for i in sample.industries.values() for a in i.aliases]
    assert len(names) == len(set(names)), "an everyday name belongs to one industry"


def test_an_industry_is_indexed_by_its_names_and_answers_for_its_route():
    guide = guide_adapter.validate_python(industry())
    doc = document_for(guide)
    assert doc.kind == "industry" and doc.title == "爬宠诊所"
    assert doc.passages == ("爬宠诊所；爬宠医院；异宠诊所", "爬宠医院", "异宠诊所")
    assert answers_for(guide) == "open-pet-clinic"
    assert {"爬宠诊所", "异宠诊所"} <= set(user_words([guide]))


# ---- search with the real model -------------------------------------------------------------------

@pytest.fixture(scope="module")
def engine(sample_engine) -> SearchEngine:
    return sample_engine


def ids(engine: SearchEngine, query: str, k: int = 3) -> list[str]:
    return [h.doc.guide_id for h in engine.search(query, k=k).hits]


@pytest.mark.parametrize("query, route", [
    ("想开个串串店", "open-restaurant"),
    ("我打算开一家烘焙坊", "open-restaurant"),
    ("开个甜品店要办什么", "open-restaurant"),
    ("开个小饭馆要办什么", "open-restaurant"),
    ("想开个宠物医院", "open-pet-clinic"),
    ("开废品站要什么手续", "open-recycling-station"),
    ("想开个母婴店", "open-convenience-store"),
])
def test_everyday_business_names_find_their_route(engine, query, route):
    outcome = engine.search(query, k=3)
    assert outcome.hits[0].doc.guide_id == route, [h.doc.guide_id for h in outcome.hits]
    assert outcome.match.value == "clear"


def test_a_small_restaurant_does_not_lead_to_hotels(engine):
    # 小饭馆 and 宾馆 share 馆; the everyday name decides, not the shared character.
    assert ids(engine, "开个小饭馆")[0] == "open-restaurant"
    assert ids(engine, "开个小宾馆")[0] == "open-hotel"


def test_the_business_opened_outranks_what_it_also_sells(engine):
    # 手冲咖啡 is the longer name, but 书吧 is what the citizen opens.
    assert ids(engine, "开家书吧，顺便卖卖手冲咖啡")[0] == "open-bookstore"
    assert ids(engine, "开家咖啡店")[0] == "open-restaurant"


def test_an_industry_counts_only_in_a_question_about_a_business(engine):
    # 电瓶车店 is an industry (→ 个体工商户开业); registering one's own e-bike is not about a shop.
    outcome = engine.search("新买的电瓶车怎么上牌", k=3)
    assert outcome.hits[0].doc.guide_id == "ebike-registration"
    assert outcome.match.value == "clear"
    assert ids(engine, "想开个电瓶车店")[0] == "individual-business"


def test_a_stall_set_up_with_a_measure_word_is_a_stall(engine):
    # "摆个摊" meets the route's own name 夜市摆摊 once the measure word is dropped.
    assert ids(engine, "我想在夜市摆个摊卖烤串")[0] == "open-food-workshop"


def test_a_route_ahead_of_its_own_permits_is_a_clear_answer(engine, sample):
    outcome = engine.search("准备弄个唱歌的量贩式KTV", k=3)
    route = sample.routes["open-ktv"]
    assert [h.doc.guide_id for h in outcome.hits][0] == "open-ktv"
    assert {h.doc.guide_id for h in outcome.hits[1:]} <= {s.item for s in route.steps}
    assert outcome.match.value == "clear"


def test_a_question_for_the_set_of_procedures_takes_the_route_ahead_of_its_permit(engine, sample):
    outcome = engine.search("宝宝出生了要办哪些手续", k=3)
    assert outcome.hits[0].doc.guide_id == "newborn"
    assert outcome.hits[1].doc.guide_id in {s.item for s in sample.routes["newborn"].steps}
    assert outcome.match.value == "clear"


def test_a_route_lifted_over_the_step_both_rankers_chose_is_a_clear_answer(engine, sample):
    outcome = engine.search("家里娃上小学报名", k=3)
    first, second = outcome.hits[:2]
    assert first.doc.guide_id == "primary-school-enrolment"
    assert (second.lexical_rank, second.dense_rank) == (0, 0)
    assert second.doc.guide_id in {s.item for s in sample.routes["primary-school-enrolment"].steps}
    assert outcome.match.value == "clear"


def test_both_rankers_agreeing_on_a_typo_is_clear_when_the_words_single_it_out(engine):
    outcome = engine.search("个体互营业执照怎么办理", k=3)
    assert outcome.hits[0].doc.guide_id == "individual-business-registration"
    assert outcome.match.value == "clear"


def test_answers_are_never_industries(engine, sample):
    for ind in list(sample.industries.values())[:15]:
        for hit in engine.search(f"想开{ind.aliases[0]}", k=10).hits:
            assert hit.doc.kind in ("item", "route", "faq"), (ind.id, hit.doc.guide_id)


def test_publishing_an_industry_or_withdrawing_its_route_updates_search(engine, sample):
    # A name no guide uses yet (守宫 are geckos kept as pets): nothing leads it to the pet clinic route.
    reptiles = industry(name="守宫蜥蜴馆", aliases=["爬宠馆", "蜥蜴守宫馆"])
    before = engine.snapshot
    assert ids(engine, "开个爬宠馆", k=1) != ["open-pet-clinic"]
    try:
        engine.update([guide_adapter.validate_python(reptiles)])
        assert ids(engine, "开个爬宠馆", k=1) == ["open-pet-clinic"]
        assert engine.search("开个爬宠馆", k=3).match.value == "clear"
        # The route withdrawn: its industries stop pointing anywhere instead of surfacing themselves.
        engine.update([], ["open-pet-clinic"])
        hits = engine.search("开个爬宠馆", k=10).hits
        assert all(h.doc.kind != "industry" and h.doc.guide_id != "open-pet-clinic" for h in hits)
        engine.update([sample.routes["open-pet-clinic"]])
        assert ids(engine, "开个爬宠馆", k=1) == ["open-pet-clinic"]
    finally:
        engine.swap(before)


# ---- the editor, against the real service ----------------------------------------------------------

def test_an_editor_adds_an_industry_and_search_finds_its_route(editor, reviewer):
    gid = unique_id("tea-house")
    data = industry(id=gid, name="围炉煮茶馆", aliases=["围炉煮茶店", "煮茶铺子"], route="open-restaurant", category="餐饮")
    created = create(editor, data)
    assert created["data"]["kind"] == "industry"
    listed = {g["id"]: g for g in editor.get("/api/editor/guides", params={"kind": "industry"}).json()}
    assert listed[gid]["title"] == "围炉煮茶馆" and listed[gid]["department"] == "行业指引 · 餐饮"
    assert "hotpot-skewers" in listed  # the sample industries are there too
    publish(reviewer, gid, 1)
    results = editor.get("/api/search", params={"q": "想开个围炉煮茶店", "k": 3}).json()["results"]
    assert results[0]["id"] == "open-restaurant" and results[0]["kind"] == "route"
    assert all(r["kind"] != "industry" for r in results)


def test_an_industry_with_an_unknown_route_is_refused_in_chinese(editor):
    data = industry(id=unique_id("dragon"), route="open-dragon-farm")
    resp = editor.post("/api/editor/guides", json={"kind": "industry", "data": data})
    assert resp.status_code == 422
    assert {"field": "route", "msg": "行业所走的路线「open-dragon-farm」不存在"} in resp.json()["errors"]


def test_a_route_with_industries_cannot_be_withdrawn_from_under_them(reviewer):
    resp = reviewer.post("/api/editor/guides/open-gas-station/withdraw")
    assert resp.status_code == 409, resp.text
    assert "gas-station" in resp.text


def test_a_business_being_closed_lends_nothing_to_the_route_that_opens_one(engine):
    # 服装店 is an industry of 个体工商户开业; closing one is 个体工商户注销登记.
    found = ids(engine, "我那个服装店不开了 要把执照销掉")
    assert "individual-business" not in found and "individual-business-deregistration" in found, found
    assert ids(engine, "想开个服装店")[0] == "individual-business"
