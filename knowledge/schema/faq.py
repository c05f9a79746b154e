"""A centre practice or common question (容缺受理, 告知承诺制, hall hours …)."""
from __future__ import annotations

from typing import Literal

from pydantic import ConfigDict, Field

from knowledge.core.config import get_settings
from knowledge.schema.common import GuideMeta, NonEmpty, Slug


class Faq(GuideMeta):
    model_config = ConfigDict(title="问答", json_schema_extra={"examples": [{"id": "faq-lost-licence"}]})

    kind: Literal["faq"] = Field("faq", title="类型")
    question: NonEmpty = Field(title="问题")
    alt_questions: list[NonEmpty] = Field(default_factory=list, title="其他问法", description="市民可能怎么问")
    answer: NonEmpty = Field(title="回答")
    department: str = Field(default_factory=lambda: get_settings().centre_name, title="解答单位")  # the centre answers its practices
    related: list[Slug] = Field(default_factory=list, title="相关指南", description="相关事项或路线的编号，用、或逗号分隔")
    sample: bool = Field(False, title="回答中含示例值（地址、电话、时间）")

    @property
    def name(self) -> str:
        return self.question
