"""A centre practice or common question (容缺受理, 告知承诺制, hall hours …)."""
from __future__ import annotations

from typing import Literal

from pydantic import Field

from knowledge.core.config import get_settings
from knowledge.schema.common import GuideMeta, NonEmpty, Slug


class Faq(GuideMeta):
    kind: Literal["faq"] = "faq"
    question: NonEmpty
    alt_questions: list[NonEmpty] = Field(default_factory=list, description="other ways citizens ask it")
    answer: NonEmpty
    department: str = Field(default_factory=lambda: get_settings().centre_name)  # the centre answers its practices
    related: list[Slug] = Field(default_factory=list, description="ids of items or routes it concerns")
    sample: bool = Field(False, description="答案含示例值（地址、电话、时间）")

    @property
    def name(self) -> str:
        return self.question
