"""Conversation events posted by the dialogue: handoffs (for staff), ratings (评议), knowledge gaps.

Posting is for the dialogue side only: the action server sends X-Service-Token (SERVICE_TOKEN, or the
token generated into VAR_DIR/service-token on the first start), and anything else gets 403 — otherwise
anyone could forge ratings, fill the staff queue with fake handoffs or the reports with fake gaps.
Reading them is for signed-in staff.
"""
from __future__ import annotations

import datetime as dt
import hmac
import logging
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Header, HTTPException
from pydantic import BaseModel, Field, field_validator

from knowledge.api.auth import require
from knowledge.api.deps import SessionDep, StateDep
from knowledge.api.limits import MAX_JSON_DEPTH, nesting_depth
from knowledge.store import events

log = logging.getLogger(__name__)
router = APIRouter(prefix="/api/conversations", tags=["conversations"])


MAX_DATA_DEPTH = 6  # the action server sends {"transcript": [{"who", "text"}]}: depth 3


class EventIn(BaseModel):
    conversation_id: str = Field(..., min_length=1, max_length=128)
    type: Literal["handoff", "rating", "gap"]
    text: str | None = Field(None, max_length=2000)
    guide_id: str | None = Field(None, max_length=64)
    rating: int | None = Field(None, ge=1, le=5)
    data: dict = Field(default_factory=dict, description=f"附加信息（最多 {MAX_DATA_DEPTH} 层嵌套）")

    @field_validator("data")
    @classmethod
    def shallow(cls, value: dict) -> dict:
        if nesting_depth(value) > MAX_DATA_DEPTH:
            raise ValueError(f"附加信息（data）嵌套层数太多（最多 {MAX_DATA_DEPTH} 层）")
        return value


class EventOut(BaseModel):
    # Not EventIn's checks: rows stored before them (or by hand) must still be listed.
    conversation_id: str
    type: str
    text: str | None
    guide_id: str | None
    rating: int | None
    data: dict
    id: int
    status: str
    created_at: dt.datetime


UNREADABLE = {"unreadable": "附加信息格式异常，无法显示"}


def event_out(row) -> EventOut:
    """The stored event as staff see it; `data` of a shape no client could have meant is shown as unreadable."""
    data = row.data
    if not isinstance(data, dict) or nesting_depth(data) > MAX_JSON_DEPTH:
        log.warning("conversation event %s: data unreadable (%s), listed without it", row.id, type(data).__name__)
        data = UNREADABLE
    return EventOut(conversation_id=row.conversation_id, type=row.type, text=row.text, guide_id=row.guide_id,
                    rating=row.rating, data=data, id=row.id, status=row.status, created_at=row.created_at)


def check_service_token(state: StateDep,
                        x_service_token: Annotated[str | None, Header(include_in_schema=False)] = None) -> None:
    expected = state.service_token
    if not expected or not hmac.compare_digest((x_service_token or "").encode(), expected.encode()):
        raise HTTPException(403, detail="服务令牌无效：只有对话服务可以提交对话事件")


@router.post("/events", response_model=EventOut, status_code=201, dependencies=[Depends(check_service_token)])
def post_event(body: EventIn, session: SessionDep) -> EventOut:
    row = events.record(session, **body.model_dump())
    return event_out(row)


@router.get("/events", response_model=list[EventOut], dependencies=[require("console")])
def get_events(session: SessionDep, type: Literal["handoff", "rating", "gap"], status: str | None = None) -> list[EventOut]:
    return [event_out(r) for r in events.list_events(session, type, status)]
