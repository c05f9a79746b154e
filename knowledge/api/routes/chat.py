"""The citizens' web chat: a same-origin relay to Rasa's REST channel.

Relaying keeps Rasa off the public side and lets a Rasa outage become a polite message
instead of a browser network error.
"""
from __future__ import annotations

from pathlib import Path

import httpx
from fastapi import APIRouter
from pydantic import BaseModel, Field

from knowledge.api.deps import StateDep

router = APIRouter(tags=["chat"])
STATIC = Path(__file__).resolve().parents[2] / "web" / "static"


class ChatIn(BaseModel):
    sender: str = Field(..., min_length=1, max_length=128, pattern=r"^[A-Za-z0-9_\-:.]+$")
    message: str = Field(..., max_length=2000)


@router.post("/api/chat")
async def chat(body: ChatIn, state: StateDep) -> list[dict]:
    if not body.message.strip():
        return [{"text": "请输入您想咨询的内容，例如：我想开个饭店，要办哪些手续？"}]
    url = f"{state.settings.rasa_url}/webhooks/rest/webhook"
    try:
        async with httpx.AsyncClient(timeout=15) as client:
            resp = await client.post(url, json={"sender": body.sender, "message": body.message})
            resp.raise_for_status()
            return resp.json()
    except (httpx.HTTPError, ValueError):
        return [{
            "text": "抱歉，智能导航暂时无法应答，请稍后再试。"
                    f"您也可以拨打审批导航热线 {state.settings.hotline_phone}（{state.settings.hotline_hours}）。"
        }]
