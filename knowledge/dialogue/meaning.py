"""Reading a clause by its meaning when none of a route's words occur in it.

Route data lists the words citizens use for each option, but no list holds them all: "早饭会给客人做"
answers 会提供早餐或餐饮服务吗, "不弄吃的" answers 店内提供餐饮吗, "果盘饮料都是现做的" picks 现做果盘、
饮品或餐食. When a clause anchors nothing, the embedding model that ranks guides compares it with the route's
questions and answers only when one clearly stands out:

- the clause is compared with each question (its wording and all its option labels); the nearest must
  be near (MIN_SIMILARITY) and beat every other question by QUESTION_MARGIN, so a clause about none of
  them ("离地铁站很近", "要卖酒" next to 会卖香烟吗) answers nothing; a route with one question has
  nothing to stand out from and is read by its words only;
- a yes/no question takes its polarity from the clause's own negation, as a worded answer does
  (embeddings hardly tell "提供" from "不提供");
- a question with more options needs one option to lead the next by OPTION_MARGIN ("没有欠债" sits
  between two 简易注销 options and picks neither).

e5 similarities bunch between 0.8 and 0.95, so the thresholds are margins measured on the sample
routes (tests/knowledge/dialogue/test_meaning.py), not a cosine cut-off of general meaning.
"""
from __future__ import annotations

import re
from threading import Lock
from typing import Protocol

import numpy as np

from knowledge.dialogue import acts
from knowledge.dialogue.situation import polar_options
from knowledge.schema.route import Option, Question, Route

MIN_SIMILARITY = 0.86
QUESTION_MARGIN = 0.038
OPTION_MARGIN = 0.025
MIN_CHARS = 3  # "好的", "嗯嗯" carry no situation
CACHE_LIMIT = 20_000  # option passages kept: every option of a few thousand routes
# The clause that names the goal ("开个洗脚城", "我想开家火锅店") is about the route as a whole.
_GOAL_CLAUSE = re.compile(r"^(?:我|我们)?(?:想|要|准备|打算|计划)?(?:开|办|注册|成立|申请)|"
                          r"(?:开|办|注册|成立)(?:一)?(?:个|家|间|所)")


class Encoder(Protocol):
    """The search engine's embedder (knowledge/search/embedder.py): e5 prompts, normalised vectors."""

    def encode_query(self, text: str) -> np.ndarray: ...

    def encode_passages(self, texts: list[str]) -> np.ndarray: ...


def question_passage(question: Question) -> str:
    """What a question is about: its wording with every option label."""
    return f"{question.text} {' / '.join(o.label for o in question.options)}"


def option_passage(question: Question, option: Option) -> str:
    return f"{question.text} {option.label}"


class Meanings:
    """Passage vectors (route options, guides' own questions), encoded once per wording; thread-safe, bounded."""

    def __init__(self, encoder: Encoder):
        self._encoder = encoder
        self._cache: dict[str, np.ndarray] = {}
        self._lock = Lock()

    def vectors(self, texts: list[str]) -> np.ndarray:
        """Passage vectors of `texts`, each encoded once."""
        with self._lock:
            missing = [t for t in dict.fromkeys(texts) if t not in self._cache]
        if missing:
            fresh = self._encoder.encode_passages(missing)
            with self._lock:
                if len(self._cache) + len(missing) > CACHE_LIMIT:
                    self._cache.clear()  # edited wordings leave stale keys; starting over is cheap
                self._cache.update(zip(missing, fresh))
        with self._lock:
            return np.stack([self._cache[t] for t in texts])

    def encode_query(self, text: str) -> np.ndarray:
        return self._encoder.encode_query(text)

    def answer(self, route: Route, clause: str, questions: list[Question]) -> tuple[Question, Option] | None:
        """The option of one of `questions` that the clause means, or None when none clearly stands out."""
        if len(clause) < MIN_CHARS or not questions or _GOAL_CLAUSE.search(clause) or acts.small_talk_kind(clause):
            return None
        if len(route.questions) < 2:
            return None  # with nothing to stand out from, a near clause ("想跑滴滴") is no answer
        query = self._encoder.encode_query(clause)
        sims = self.vectors([question_passage(q) for q in route.questions]) @ query
        ranked = sorted(zip(route.questions, sims.tolist()), key=lambda qs: -qs[1])
        top_question, top = ranked[0]
        if top < MIN_SIMILARITY or (len(ranked) > 1 and top - ranked[1][1] < QUESTION_MARGIN):
            return None
        question = next((q for q in questions if q.id == top_question.id), None)
        if question is None:
            return None  # the clause is about a question already settled or not asked now
        polar = polar_options(question)
        if polar:
            return question, polar[1] if acts.negated(clause) else polar[0]
        option_sims = self.vectors([option_passage(question, o) for o in question.options]) @ query
        mine = sorted(zip(option_sims.tolist(), question.options), key=lambda so: -so[0])
        if len(mine) > 1 and mine[0][0] - mine[1][0] < OPTION_MARGIN:
            return None
        return question, mine[0][1]
