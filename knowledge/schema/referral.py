"""Referrals (转介): what the knowledge base holds no guide for, and who handles it.

A citizen asks about 公积金贷款 or 劳动仲裁; the centre's base has no guide for it. Offering the nearest
guides ("您想办的可能是：住房公积金提取 …") or a bare "没有找到" leaves them where they started. A
referral names the domain in the citizen's words and the department that handles it, by its usual
national name (住房公积金管理中心, 劳动人事争议仲裁委员会), with the regulation that says so and a
national service number where one exists (12329, 12333): facts, not local addresses. The table is
data in the guide folder (`referrals.yml`), checked with the guides by `python -m knowledge.catalogue
check`; a domain that gets a guide of its own leaves the table.
"""
from __future__ import annotations

from pydantic import Field, field_validator

from knowledge.schema.common import NonEmpty, Slug, Strict

REFERRALS_FILE = "referrals.yml"  # at the top of a guide folder, beside items/ routes/ faq/ industries/


class Referral(Strict):
    id: Slug
    domain: NonEmpty = Field(..., description="事项领域的通常叫法，如 住房公积金贷款")
    words: list[NonEmpty] = Field(..., min_length=1, description="市民问到这类事时会用的词（至少两个字）")
    department: NonEmpty = Field(..., description="通常由哪个部门办理，用全国通用的叫法，不写本地地址电话")
    urgent: str | None = Field(None, description="紧急情况下先要说的话，放在回复最前面，如 正在发生的违法犯罪请立即拨打110")
    how: str | None = Field(None, description="补充的办理途径，如 可在个人所得税APP办理")
    hotline: str | None = Field(None, pattern=r"^123\d\d$", description="全国统一的政务服务号码，如 12329")
    basis: NonEmpty = Field(..., description="依据的法律法规及条款")

    @field_validator("words")
    @classmethod
    def _words(cls, words: list[str]) -> list[str]:
        for w in words:
            if len(w) < 2:
                raise ValueError(f"关键词「{w}」太短：一个字会误中其他问题，请至少写两个字")
        if len(set(words)) != len(words):
            raise ValueError("关键词有重复")
        return words


class ReferralTable(Strict):
    referrals: list[Referral] = Field(default_factory=list)

    @field_validator("referrals")
    @classmethod
    def _distinct(cls, referrals: list[Referral]) -> list[Referral]:
        seen_ids: set[str] = set()
        seen_words: dict[str, str] = {}
        for r in referrals:
            if r.id in seen_ids:
                raise ValueError(f"转介 id「{r.id}」重复")
            seen_ids.add(r.id)
            for w in r.words:
                if w in seen_words:
                    raise ValueError(f"关键词「{w}」同时出现在「{seen_words[w]}」和「{r.id}」中")
                seen_words[w] = r.id
        return referrals
