"""Pieces shared by every kind of guide: identity, publishing metadata and the sample-value flag."""
from __future__ import annotations

import datetime as dt
from enum import Enum
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, ValidationError
from pydantic.config import JsonDict
from pydantic_core import InitErrorDetails, PydanticCustomError

# Slugs are stable ids used in URLs, YAML file names and button payloads.
Slug = Annotated[str, StringConstraints(pattern=r"^[a-z0-9][a-z0-9-]{1,63}$")]
# Question ids and option values are referenced in `when:` conditions and button payloads.
Key = Annotated[str, StringConstraints(pattern=r"^[a-z0-9][a-z0-9_-]{0,63}$")]
NonEmpty = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)]

# How a local value of the sample base (a promised time limit, a 容缺 choice, a local tax rate) is
# labelled in text the citizen reads; the catalogue check looks for it and the chat repeats it.
SAMPLE_LABEL = "（示例）"

# The models carry their Chinese names (Field title), editor hints (description), example values
# (examples) and units, so model_json_schema() is everything the guide editor needs to build its forms
# (knowledge/editing/guide_schema.py, GET /api/editor/schema).
WORKING_DAYS: JsonDict = {"unit": "工作日"}


# The error type of the guides' own rules (承诺时限 vs 法定时限, 容缺 deadlines, the step graph …):
# their messages are written in Chinese already, so the editor shows them as they are.
RULE_ERROR = "guide_rule"


def rule_broken(message: str, *loc: str | int, value: Any) -> ValidationError:
    """The error a model validator raises for a rule about one of its fields: `loc` is that field's
    path inside the model (("promised_days",), ("steps", 2, "depends_on")), and pydantic prefixes the
    path of the model itself, so the editor shows the message under the input to change."""
    # No context is passed, so pydantic leaves the message as written (braces in a name are safe).
    return ValidationError.from_exception_data(
        "guide rule", [InitErrorDetails(type=PydanticCustomError(RULE_ERROR, message), loc=loc, input=value)]
    )


class Status(str, Enum):
    draft = "draft"
    published = "published"


class Strict(BaseModel):
    # Guides are hand-edited YAML: a misspelt key must fail loudly, not vanish.
    # validate_default: defaults go through the same conversion, so enum defaults become plain values too.
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True, use_enum_values=True, validate_default=True)


class GuideMeta(Strict):
    id: Slug = Field(title="编号", description="英文小写、数字和连字符；网址和文件名都用它")
    version: int = Field(1, ge=1, title="版本")
    status: Status = Field(Status.published, title="状态")
    updated_at: dt.date | None = Field(None, title="更新日期")


class QA(Strict):
    model_config = ConfigDict(title="问答")

    q: NonEmpty = Field(title="问题")
    a: NonEmpty = Field(title="回答")
