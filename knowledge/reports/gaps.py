"""Knowledge gaps (知识缺口): what citizens asked that the assistant could not answer well, grouped.

Three kinds of conversation event point at a gap:
- `gap` — the dialogue found nothing (`no_match`) or could only offer choices (`ambiguous`);
- `handoff` — the citizen asked for a person, or was handed over after repeated misunderstanding;
- `rating` of 1 or 2 — the citizen was not satisfied.

A gap event carries the question itself. A handoff or rating carries the message that triggered it
("转人工", a rating button), so the question is the citizen's last real question in the transcript.
Questions are grouped by meaning (`similarity.py`, `grouping.py`), so "养宠物要办狗证吗", "狗证在
哪里办" and "養狗登記怎麼辦" make one row with their count, and each group shows the nearest guide
the search finds today, so the editor can choose between adding the wording as an alias and writing
a new guide.

Speed (2-core machine, 3,000 events with 1,800 distinct questions, 260 groups): 0.6–0.9 s per report
once their vectors are cached (in memory and in CACHE_DIR/questions-<model>.npz); a question never
seen before costs one e5 encoding, about 12 ms in batches of 16, so the first report over a large
history takes a while (11–37 s for those 1,800) and later ones only encode what is new.
"""
from __future__ import annotations

import datetime as dt
import re
import time
from collections import Counter
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from pydantic import BaseModel, Field
from sqlalchemy import and_, or_, select
from sqlalchemy.orm import Session

from knowledge.reports import periods
from knowledge.reports.grouping import group
from knowledge.reports.similarity import MAX_CHARS, THRESHOLD, QuestionVectors
from knowledge.search.embedder import Embedder
from knowledge.search.engine import SearchEngine
from knowledge.store.tables import ConversationEventRow
from knowledge.text.normalize import normalize

GAP_REASONS = {"no_match", "ambiguous", "unanswered"}
LOW_RATING = 2
EXAMPLES = 5

# Messages in a transcript that are not the citizen's question: button payloads, asking for a person,
# ratings, courtesies, picking an option by number, and the chat's own follow-up buttons.
_PAYLOAD = re.compile(r"^\s*/")
_SHORT_NON_QUESTION = re.compile(
    r"人工|客服|真人|转接|找个人|投诉电话"                      # asking for a person
    r"|^[1-5一二两三四五]\s*(分|星|颗星)?$|满意|差评|好评|很差|太差|一般|还行|凑合"  # a rating
    r"|^(你好|您好|谢谢|多谢|感谢|再见|拜拜|好的|好|嗯|哦|是的|对|不是|不用了?|没有了?|ok|跳过)\W*$"
    r"|^第?[一二三四五六七八九十\d]+个?$"
)
SHORT = 10  # characters: longer messages are questions even if they mention 人工 or 满意
FOLLOW_UP_BUTTONS = frozenset({  # actions/navigate.py offers these as buttons under an answer
    "要带哪些材料", "要多久", "能网上办吗", "材料不全能先办吗", "在哪里办", "收费吗", "打印告知单", "转人工",
})


def is_question(text: str | None) -> bool:
    text = normalize(text or "")
    if len(text) < 2 or _PAYLOAD.match(text) or text in FOLLOW_UP_BUTTONS:
        return False
    return not (len(text) <= SHORT and _SHORT_NON_QUESTION.search(text))


def question_of(type_: str, text: str | None, data: dict | None) -> str | None:
    """The question an event is about, or None when it cannot be told."""
    data = data or {}
    if type_ == "gap" or data.get("reason") == "repeated_misunderstanding":
        return text if is_question(text) else None
    transcript = data.get("transcript")
    # Stored rows may hold anything (they came from outside); only the shape the action server sends counts.
    for line in reversed(transcript if isinstance(transcript, list) else []):
        if (isinstance(line, dict) and line.get("who") == "市民" and isinstance(line.get("text"), str)
                and is_question(line["text"])):
            return line["text"]
    return text if is_question(text) else None


class GapExample(BaseModel):
    text: str
    at: dt.datetime
    type: str = Field(description="gap | handoff | rating")
    reason: str = Field(description="no_match | ambiguous | unanswered | requested | repeated_misunderstanding | low_rating")
    conversation_id: str
    rating: int | None = None
    about: str | None = Field(None, description="the guide in focus that did not answer the follow-up (unanswered)")


class NearestGuide(BaseModel):
    id: str
    kind: str
    title: str
    department: str
    score: float = Field(description="the search's fused score of this guide for the question")
    match: str = Field(description="how the search judges the question today: clear | ambiguous | none")


class GapGroup(BaseModel):
    question: str = Field(description="the most asked wording (normalised: Simplified Chinese)")
    count: int = Field(description="events")
    conversations: int
    wordings: int = Field(description="distinct wordings in the group")
    reasons: dict[str, int] = Field(description="no_match / ambiguous / unanswered / handoff / low_rating → events")
    first_seen: dt.datetime
    last_seen: dt.datetime
    examples: list[GapExample]
    nearest: NearestGuide | None


class GapReport(BaseModel):
    days: int
    since: dt.datetime
    until: dt.datetime
    events: int = Field(description="gap, handoff and low-rating events in the window")
    without_question: int = Field(description="of those, events whose question could not be told")
    groups_total: int
    groups: list[GapGroup]
    threshold: float
    took_ms: float


@dataclass
class _Asked:
    id: int
    question: str  # normalised
    text: str  # as typed
    at: dt.datetime
    type: str
    reason: str
    conversation_id: str
    rating: int | None
    focus: str | None = None  # the guide id an unanswered follow-up was about


def _events(session: Session, since: dt.datetime) -> list:
    t = ConversationEventRow
    # Plain rows of the needed columns: a few thousand ORM objects would cost more than the grouping.
    query = select(t.id, t.conversation_id, t.type, t.text, t.rating, t.data, t.created_at).where(
        t.created_at >= since.astimezone(dt.timezone.utc),
        or_(t.type.in_(("gap", "handoff")), and_(t.type == "rating", t.rating <= LOW_RATING)),
    ).order_by(t.created_at, t.id)
    return list(session.execute(query))


def _asked(row) -> _Asked | None:
    data = row.data if isinstance(row.data, dict) else {}
    given = data.get("reason")
    if row.type == "gap":
        if not isinstance(given, str) or given not in GAP_REASONS:
            return None
        reason = given
    elif row.type == "handoff":
        reason = given if isinstance(given, str) and given else "requested"
    else:
        reason = "low_rating"
    text = question_of(row.type, row.text, data)
    focus = data.get("focus")
    focus = focus.partition(":")[2] if isinstance(focus, str) and reason == "unanswered" else None
    if text is None:
        return _Asked(row.id, "", "", periods.local(row.created_at), row.type, reason, row.conversation_id,
                      row.rating, focus)
    text = text.strip()[:MAX_CHARS]
    return _Asked(row.id, normalize(text), text, periods.local(row.created_at), row.type, reason,
                  row.conversation_id, row.rating, focus)


def _reason_key(a: _Asked) -> str:
    return a.reason if a.type == "gap" else "handoff" if a.type == "handoff" else "low_rating"


@lru_cache(maxsize=4)
def _question_vectors(embedder: Embedder, cache_dir: Path) -> QuestionVectors:
    # Kept per embedder and on disk, so a report re-encodes only questions it has not seen before.
    return QuestionVectors(embedder, cache_dir / f"questions-{embedder.fingerprint}.npz")


def _nearest(engine: SearchEngine, question: str) -> NearestGuide | None:
    outcome = engine.search(question, k=1)
    if not outcome.hits:
        return None
    hit = outcome.hits[0]
    return NearestGuide(id=hit.doc.guide_id, kind=hit.doc.kind, title=hit.doc.title,
                        department=hit.doc.department, score=hit.score, match=outcome.match.value)


def _examples(asked: list[_Asked], titles: dict[str, str]) -> list[GapExample]:
    """Newest first, one per wording before any wording repeats: the variety tells the editor most."""
    newest = sorted(asked, key=lambda a: (a.at, a.id), reverse=True)
    seen: set[str] = set()
    first: list[_Asked] = []
    for a in newest:
        if a.question not in seen:
            seen.add(a.question)
            first.append(a)
    chosen = {id(a) for a in first}
    rest = [a for a in newest if id(a) not in chosen]
    return [GapExample(text=a.text, at=a.at, type=a.type, reason=a.reason, conversation_id=a.conversation_id,
                       rating=a.rating, about=titles.get(a.focus or "")) for a in (first + rest)[:EXAMPLES]]


def gap_report(session: Session, engine: SearchEngine, cache_dir: Path, days: int = 30, limit: int = 50,
               until: dt.datetime | None = None) -> GapReport:
    """The gap groups of the last `days`; `engine` is the live search (the nearest guide of each group
    and the question vectors), `cache_dir` where those vectors are kept between reports."""
    started = time.perf_counter()
    since, until = periods.window(days, until)
    rows = [r for r in _events(session, since) if periods.utc(r.created_at) <= until]
    asked = [a for a in map(_asked, rows) if a is not None]
    with_question = [a for a in asked if a.question]
    by_question: dict[str, list[_Asked]] = {}
    for a in with_question:
        by_question.setdefault(a.question, []).append(a)
    # Most asked first (then first asked): the first member of each group is its representative wording.
    order = sorted(by_question, key=lambda q: (-len(by_question[q]), by_question[q][0].at, by_question[q][0].id))
    vectors = _question_vectors(engine.embedder, cache_dir).vectors(order, engine.snapshot.tokenizer)
    groups = [[a for i in members for a in by_question[order[i]]] for members in group(vectors, THRESHOLD)]
    groups.sort(key=lambda g: (-len(g), -len({a.conversation_id for a in g}), g[0].at, g[0].id))

    titles = {d.guide_id: d.title for d in engine.snapshot.docs}
    out = []
    for members in groups[:limit]:
        question = members[0].question  # the group's first wording is its most asked one
        out.append(GapGroup(
            question=question,
            count=len(members),
            conversations=len({a.conversation_id for a in members}),
            wordings=len({a.question for a in members}),
            reasons=dict(Counter(_reason_key(a) for a in members)),
            first_seen=min(a.at for a in members),
            last_seen=max(a.at for a in members),
            examples=_examples(members, titles),
            nearest=_nearest(engine, question),
        ))
    return GapReport(days=days, since=since, until=until, events=len(asked),
                     without_question=len(asked) - len(with_question), groups_total=len(groups), groups=out,
                     threshold=THRESHOLD, took_ms=round((time.perf_counter() - started) * 1000, 1))
