"""What of each guide gets indexed: the lexical text and the passages that are embedded."""
from __future__ import annotations

from dataclasses import dataclass

from knowledge.schema import Faq, Guide, Item, Route


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
        (guide.summary or "") if not isinstance(guide, Faq) else guide.answer[:200],
    ]
    return Document(
        guide_id=guide.id,
        kind=guide.kind,
        title=guide.name,
        department=guide.department,
        lexical_text=lexical,
        passages=tuple(dict.fromkeys(p for p in passages if p)),
    )


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
