"""One conversation's personal data, for administrators (个人信息保护法: access and deletion on request).

    GET    /api/conversations/{conversation_id}/export   everything kept about it, as JSON
    DELETE /api/conversations/{conversation_id}          its events, and its tracker when reachable

The conversation id is the one staff see in the console and reports (web:…, wx:…, sio:…). Both
actions are written to the audit log with the administrator's name.
"""
from __future__ import annotations

import logging
from typing import Annotated

from fastapi import APIRouter, HTTPException, Path
from fastapi.responses import JSONResponse
from sqlalchemy.exc import SQLAlchemyError

from knowledge import conversation_data
from knowledge.api.auth import CurrentUser, require
from knowledge.api.deps import SessionDep, StateDep
from knowledge.store import audit

log = logging.getLogger("knowledge.conversation_data")
router = APIRouter(prefix="/api/conversations", tags=["conversation data"],
                   dependencies=[require("conversation_data")])

ConversationId = Annotated[str, Path(min_length=1, max_length=255)]
TRACKER_DOWN = "对话记录库暂时无法访问，未做任何删除，请稍后再试。"


@router.get("/{conversation_id}/export")
def export_conversation(conversation_id: ConversationId, state: StateDep, session: SessionDep,
                        user: CurrentUser) -> JSONResponse:
    try:
        data = conversation_data.export(session, state.trackers, conversation_id)
    except SQLAlchemyError:
        log.exception("tracker store unreachable during export")
        raise HTTPException(503, detail="对话记录库暂时无法访问，请稍后再试。") from None
    audit.record(session, user.username, "conversation_export", detail=conversation_id)
    session.commit()
    filename = "conversation-export.json"
    return JSONResponse(data, headers={"Content-Disposition": f'attachment; filename="{filename}"',
                                       "Cache-Control": "no-store"})


@router.delete("/{conversation_id}")
def delete_conversation(conversation_id: ConversationId, state: StateDep, session: SessionDep,
                        user: CurrentUser) -> dict:
    try:
        removed = conversation_data.delete(session, state.trackers, conversation_id)
    except SQLAlchemyError:
        session.rollback()
        log.exception("tracker store unreachable during deletion")
        raise HTTPException(503, detail=TRACKER_DOWN) from None
    audit.record(session, user.username, "conversation_delete", detail=conversation_id)
    session.commit()
    return {"conversation_id": conversation_id, "deleted_events": removed.events,
            "deleted_tracker_events": removed.tracker_events,
            "tracker": "deleted" if state.trackers else "not reachable (in-memory tracker store)"}
