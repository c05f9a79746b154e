"""The guide in focus, kept in the `focus` slot as "kind:id" (e.g. "route:open-restaurant")."""
from __future__ import annotations

from typing import NamedTuple, Optional


class Focus(NamedTuple):
    kind: str
    id: str

    def __str__(self) -> str:
        return f"{self.kind}:{self.id}"

    @classmethod
    def parse(cls, value: Optional[str]) -> Optional["Focus"]:
        if not value or ":" not in value:
            return None
        kind, _, gid = value.partition(":")
        return cls(kind, gid) if kind in ("item", "route", "faq") and gid else None
