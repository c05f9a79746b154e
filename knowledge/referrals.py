"""Who handles what the guides do not cover: the referral table of a guide folder (`referrals.yml`).

Loaded beside the guides (the folder the service seeds from, GUIDES_DIR), checked against them by
`python -m knowledge.catalogue check`, and read by the dialogue: a question that names a referral's
domain, and that no guide answers with those words, is told plainly that there is no guide here and
who handles it (knowledge/dialogue/answers.py words it, the gap is recorded).
"""
from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import yaml
from pydantic import ValidationError

from knowledge.schema.referral import REFERRALS_FILE, Referral, ReferralTable
from knowledge.text.normalize import normalize, without_measure_words


class ReferralError(ValueError):
    """referrals.yml is malformed; the message says where."""


def load(folder: Path) -> list[Referral]:
    """The folder's referrals; none when it has no referrals.yml."""
    path = Path(folder) / REFERRALS_FILE
    if not path.exists():
        return []
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        return ReferralTable.model_validate(data).referrals
    except (yaml.YAMLError, ValidationError) as exc:
        raise ReferralError(f"{REFERRALS_FILE}: {exc}") from exc


@lru_cache(maxsize=4)
def table(folder: Path) -> tuple[Referral, ...]:
    return tuple(load(folder))


def named(referrals: tuple[Referral, ...] | list[Referral], text: str) -> tuple[Referral, str] | None:
    """The referral whose word the (normalised) text names, and the word; the longest word wins."""
    plain = normalize(text or "").lower()
    variants = {plain, without_measure_words(plain)}  # "申请个专利" names 申请专利
    best: tuple[Referral, str] | None = None
    for r in referrals:
        for w in r.words:
            key = normalize(w).lower()
            if any(key in v for v in variants) and (best is None or len(w) > len(best[1])):
                best = (r, w)
    return best


def problems(referrals: list[Referral], guides) -> dict[str, list[str]]:
    """A referral word inside a guide's name or alias means the base holds a guide for it: the
    referral would send the citizen away from an answer we have."""
    out: dict[str, list[str]] = {}
    for r in referrals:
        for w in r.words:
            key = normalize(w).lower()
            for g in guides:
                names = [getattr(g, "name", ""), *getattr(g, "aliases", [])]
                hit = next((n for n in names if n and key in normalize(n).lower()), None)
                if hit:
                    out.setdefault(f"{REFERRALS_FILE} · {r.id}", []).append(
                        f"关键词「{w}」已出现在指南「{g.id}」的名称或别名「{hit}」中：知识库已有这方面的指南，请删去该词或这条转介")
    return out


def covers(guide, word: str) -> bool:
    """The guide answers questions put in this word: it is in its name or aliases, its FAQ question,
    or a route's situation words ("公积金贷款" answers 二手房's 贷款 question). A mention elsewhere,
    the summary included ("持有残疾人证的低保家庭…" in a disability subsidy), does not make it the
    guide for that word."""
    key = normalize(word).lower()
    texts = [getattr(guide, "name", ""), *getattr(guide, "aliases", []),
             getattr(guide, "question", "") or "", *getattr(guide, "alt_questions", [])]
    for q in getattr(guide, "questions", []):
        texts += [q.text, *q.keywords] + [w for o in q.options for w in (o.label, *o.keywords)]
    return any(key in normalize(t).lower() for t in texts if t)
