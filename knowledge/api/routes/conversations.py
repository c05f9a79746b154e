"""Conversation events posted by the dialogue: handoffs (for staff), ratings (评议), knowledge gaps."""
from __future__ import annotations

import datetime as dt
from typing import Literal

from fastapi import APIRouter
from pydantic import BaseModel, Field

from knowledge.api.deps import SessionDep
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


@router.post("/events", response_model=EventOut, status_code=201)
def post_event(body: EventIn, session: SessionDep) -> EventOut:
    row = events.record(session, **body.model_dump())
    return EventOut.model_validate(row, from_attributes=True)


@router.get("/events", response_model=list[EventOut])
def get_events(session: SessionDep, type: Literal["handoff", "rating", "gap"], status: str | None = None) -> list[EventOut]:
    return [EventOut.model_validate(r, from_attributes=True) for r in events.list_events(session, type, status)]
