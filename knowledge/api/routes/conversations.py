"""Conversation events posted by the dialogue: handoffs (for staff), ratings (评议), knowledge gaps.

Posting is for the dialogue side only: the action server sends X-Service-Token (SERVICE_TOKEN, or the
token generated into VAR_DIR/service-token on the first start), and anything else gets 403 — otherwise
anyone could forge ratings, fill the staff queue with fake handoffs or the reports with fake gaps.
Reading them is for signed-in staff.
"""
from __future__ import annotations

import datetime as dt
import hmac
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Header, HTTPException
from pydantic import BaseModel, Field

from knowledge.api.auth import require
from knowledge.api.deps import SessionDep, StateDep
from knowledge.store import events

router = APIRouter(prefix="/api/conversations", tags=["conversations"])


class EventIn(BaseModel):
    conversation_id: str = Field(..., min_length=1, max_length=128)
    type: Literal["handoff", "rating", "gap"]
    text: str | None = Field(None, max_length=2000)
    guide_id: str | None = Field(None, max_length=64)
    rating: int | None = Field(None, ge=1, le=5)
    data: dict = Field(default_factory=dict)


class EventOut(EventIn):
    id: int
    status: str
    created_at: dt.datetime


def check_service_token(state: StateDep,
                        x_service_token: Annotated[str | None, Header(include_in_schema=False)] = None) -> None:
    expected = state.service_token
    if not expected or not hmac.compare_digest((x_service_token or "").encode(), expected.encode()):
        raise HTTPException(403, detail="服务令牌无效：只有对话服务可以提交对话事件")


@router.post("/events", response_model=EventOut, status_code=201, dependencies=[Depends(check_service_token)])
def post_event(body: EventIn, session: SessionDep) -> EventOut:
    row = events.record(session, **body.model_dump())
    return EventOut.model_validate(row, from_attributes=True)


@router.get("/events", response_model=list[EventOut], dependencies=[require("console")])
def get_events(session: SessionDep, type: Literal["handoff", "rating", "gap"], status: str | None = None) -> list[EventOut]:
    return [EventOut.model_validate(r, from_attributes=True) for r in events.list_events(session, type, status)]
