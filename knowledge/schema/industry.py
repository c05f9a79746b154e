"""An everyday business (行业), named the way citizens name it, and the route that opens it.

Citizens say 串串店, 烘焙坊 or 宠物医院, not 食品经营许可 or 动物诊疗许可 (the 一业一证 reform groups
permits the same way). An industry entry is data an editor maintains: its everyday names and the one
route (一件事) whose plan covers it. A business that needs permits beyond an existing route gets a
route of its own (宠物医院 → 开办宠物医院), because steps, their order and the situation questions live
in routes; the industry only adds the words that lead there. Search credits an industry's match to its
route, so answers are always routes, items or FAQ entries.
"""
from __future__ import annotations

from typing import Literal

from pydantic import ConfigDict, Field, field_validator

from knowledge.schema.common import GuideMeta, NonEmpty, Slug


class Industry(GuideMeta):
    model_config = ConfigDict(title="行业", json_schema_extra={"examples": [{"id": "hotpot-skewers"}]})

    kind: Literal["industry"] = Field("industry", title="类型")
    name: NonEmpty = Field(..., title="行业名称", examples=["火锅店、串串店"])
    category: NonEmpty = Field(..., title="行业大类", examples=["餐饮、零售、生活服务"])
    aliases: list[NonEmpty] = Field(..., min_length=1, title="日常叫法（市民怎么称呼这类店）",
                                    description="写店的叫法：串串店、烘焙坊、小饭馆……不要写许可证名称，那是事项的别名")
    route: Slug = Field(..., title="所走的一件事路线编号", examples=["open-restaurant"],
                        description="市民说出这些叫法时，助手给出这条路线；需要路线里没有的许可时，先新建一条路线")
    note: str | None = Field(None, title="编辑说明", description="给编辑看的说明，如 为什么归到这条路线")

    @field_validator("aliases")
    @classmethod
    def _distinct(cls, aliases: list[str]) -> list[str]:
        seen: set[str] = set()
        for a in aliases:
            if a in seen:
                raise ValueError(f"日常叫法「{a}」重复出现")
            seen.add(a)
        return aliases

    @property
    def department(self) -> str:
        return "行业指引"
