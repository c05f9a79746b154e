"""What the assistant says when the knowledge service cannot answer. These lines must work while
it is down, so they are the only wording kept on the action server; every other answer comes from
the knowledge service (knowledge/wording)."""
from __future__ import annotations

from actions.settings import COMPLAINT_LINE, HOTLINE_HOURS, HOTLINE_PHONE


def unavailable() -> str:
    return (f"抱歉，办事指南服务暂时无法访问，请稍后再试。急需咨询可拨打审批导航热线 {HOTLINE_PHONE}"
            f"（{HOTLINE_HOURS}）。")


def failed() -> str:
    """A bug, not an outage: said so, and logged as one."""
    return (f"抱歉，这条消息我这边处理出了问题，已记录下来交给技术人员。您可以换个说法再问，"
            f"或拨打审批导航热线 {HOTLINE_PHONE}（{HOTLINE_HOURS}）。")


def handoff() -> str:
    return (f"好的，为您转人工服务。请拨打审批导航热线 {HOTLINE_PHONE}（{HOTLINE_HOURS}），"
            "工作人员会为您一对一规划办理路线。我也已把本次对话记录转给值班人员，工作时间内会尽快联系处理。"
            f"投诉、举报或意见建议请拨打{COMPLAINT_LINE}。")
