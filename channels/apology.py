"""The polite answer when the dialogue itself cannot answer: its conversation store (PostgreSQL),
its lock store (Redis) or the channel's shared state is out of reach for a moment.

Said by Rasa (bot/server.py) on every channel and by the WeChat channel, so a citizen never gets a
silent empty reply, an HTTP 500 or a stack trace. The hotline is the same as the action server's
(centre.py, read from the Rasa process's environment).
"""
from __future__ import annotations

import centre


def dialogue_unavailable() -> str:
    phone, hours = centre.HOTLINE_PHONE, centre.HOTLINE_HOURS
    return (f"抱歉，智能导航系统暂时繁忙，刚才这条消息没能处理，请稍后再发一次。"
            f"急需咨询可拨打审批导航热线 {phone}（{hours}）。")
