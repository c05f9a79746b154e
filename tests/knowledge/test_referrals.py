"""The referral table (guides/referrals.yml): loading, its checks, and which domain a message names."""
from __future__ import annotations

import pytest
from pydantic import ValidationError

from knowledge import referrals
from knowledge.catalogue import SAMPLE_GUIDES, Catalogue, main
from knowledge.schema.referral import Referral, ReferralTable


@pytest.fixture(scope="module")
def table():
    return referrals.load(SAMPLE_GUIDES)


def test_sample_table_loads_and_shadows_no_guide(table):
    assert len(table) >= 20
    assert referrals.problems(table, Catalogue.from_folder().all()) == {}
    assert all(r.basis for r in table)


@pytest.mark.parametrize("text, referral, word", [
    ("公积金贷款怎么申请", "housing-fund-loan", "公积金贷款"),
    ("我想申请低保", "subsistence-allowance", "低保"),
    ("車輛年檢喺邊度做", "vehicle-inspection", "车辆年检"),   # Traditional and Cantonese are normalised first
    ("开个饭店要办哪些证", None, None),
])
def test_the_domain_a_message_names(table, text, referral, word):
    hit = referrals.named(table, text)
    assert (hit[0].id, hit[1]) == (referral, word) if referral else hit is None


def test_a_word_a_guide_is_named_by_is_refused(tmp_path):
    """A referral must not send citizens away from a guide the base holds."""
    catalogue = Catalogue.from_folder()
    shadow = Referral(id="x-shadow", domain="医保报销", words=["医保报销"], department="医疗保障部门",
                      basis="《中华人民共和国社会保险法》第二十九条")
    found = referrals.problems([shadow], catalogue.all())
    assert "medical-reimbursement" in " ".join(found["referrals.yml · x-shadow"])


@pytest.mark.parametrize("data, message", [
    ({"referrals": [{"id": "a-b", "domain": "x", "words": ["税"], "department": "d", "basis": "b"}]}, "太短"),
    ({"referrals": [{"id": "a-b", "domain": "x", "words": ["公积金"], "department": "d", "basis": "b",
                     "hotline": "0000-12329"}]}, "hotline"),
    ({"referrals": [{"id": "a-b", "domain": "x", "words": ["低保户"], "department": "d", "basis": "b"},
                    {"id": "c-d", "domain": "y", "words": ["低保户"], "department": "d", "basis": "b"}]}, "同时出现"),
])
def test_table_rules(data, message):
    with pytest.raises(ValidationError) as exc:
        ReferralTable.model_validate(data)
    assert message in str(exc.value)


def test_catalogue_check_reports_a_shadowing_referral(tmp_path, capsys):
    import shutil
    folder = tmp_path / "guides"
    shutil.copytree(SAMPLE_GUIDES, folder)
    (folder / "referrals.yml").write_text(
        "referrals:\n  - id: shadow\n    domain: 开饭店\n    words: [开办餐饮店]\n    department: 市场监管部门\n"
        "    basis: 《中华人民共和国食品安全法》第三十五条\n", encoding="utf-8")
    assert main(["check", str(folder)]) == 1
    assert "open-restaurant" in capsys.readouterr().out
