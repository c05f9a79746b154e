"""Pieces shared by every kind of guide: identity, publishing metadata and the sample-value flag."""
from __future__ import annotations

import datetime as dt
from enum import Enum
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

# Slugs are stable ids used in URLs, YAML file names and button payloads.
Slug = Annotated[str, StringConstraints(pattern=r"^[a-z0-9][a-z0-9-]{1,63}$")]
# Question ids and option values are referenced in `when:` conditions and button payloads.
Key = Annotated[str, StringConstraints(pattern=r"^[a-z0-9][a-z0-9_-]{0,63}$")]
NonEmpty = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)]

# How a local value of the sample base (a promised time limit, a 容缺 choice, a local tax rate) is
# labelled in text the citizen reads; the catalogue check looks for it and the chat repeats it.
SAMPLE_LABEL = "（示例）"


class Status(str, Enum):
    draft = "draft"
    published = "published"


class Strict(BaseModel):
    # Guides are hand-edited YAML: a misspelt key must fail loudly, not vanish.
    # validate_default: defaults go through the same conversion, so enum defaults become plain values too.
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True, use_enum_values=True, validate_default=True)


class GuideMeta(Strict):
    id: Slug
    version: int = Field(1, ge=1)
    status: Status = Status.published
    updated_at: dt.date | None = None


class QA(Strict):
    q: NonEmpty
    a: NonEmpty
