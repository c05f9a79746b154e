"""What of each guide gets indexed: the lexical text and the passages that are embedded."""
from __future__ import annotations

from dataclasses import dataclass

from knowledge.schema import Faq, Guide, Industry, Item, Route


@dataclass(frozen=True)
class Document:
    guide_id: str
    kind: str
    title: str
    department: str
    # Weighted by repetition: names and aliases count more than material names or the summary.
    lexical_text: str
    # Each passage is embedded on its own; a guide scores as its best passage.
    passages: tuple[str, ...]


def document_for(guide: Guide) -> Document:
    if isinstance(guide, Faq):
        names = [guide.question, *guide.alt_questions]
        body = [guide.answer[:200]]
    elif isinstance(guide, Route):
        names = [guide.name, *guide.aliases]
        body = [guide.summary, *(s.title or "" for s in guide.steps)]
    elif isinstance(guide, Industry):
        # Only the everyday names: the route's own document carries what the business must do.
        names = [guide.name, *guide.aliases]
        body = [guide.category]
    else:
        assert isinstance(guide, Item)
        names = [guide.name, *guide.aliases, guide.result.name]
        body = [
            guide.summary or "",
            guide.department,
            *(m.name for m in guide.materials),
            *(qa.q for qa in guide.faq),
        ]
    head = " ".join(names)
    lexical = " ".join([head, head, head, *body])
    passages = [
        "；".join(names),
        *(n for n in names[1:] if len(n) >= 2),  # each alias on its own: a short query meets its twin
        _summary(guide),
    ]
    return Document(
        guide_id=guide.id,
        kind=guide.kind,
        title=guide.name,
        department=guide.department,
        lexical_text=lexical,
        passages=tuple(dict.fromkeys(p for p in passages if p)),
    )


def _summary(guide: Guide) -> str:
    if isinstance(guide, Faq):
        return guide.answer[:200]
    if isinstance(guide, Industry):
        return ""  # its names are the whole of what it says
    return guide.summary or ""


def answers_for(guide: Guide) -> str:
    """The guide a match on this guide's document stands for: an industry's is its route."""
    return guide.route if isinstance(guide, Industry) else guide.id


def user_words(guides: list[Guide]) -> list[str]:
    """Words for jieba's user dictionary: titles and aliases, so they are kept whole."""
    words: list[str] = []
    for g in guides:
        if isinstance(g, Faq):
            continue
        words += [g.name, *g.aliases]
        if isinstance(g, Item):
            words += [g.result.name.split("（")[0], *(m.key for m in g.materials if m.key)]
    return words
