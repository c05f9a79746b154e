"""Handing the citizen to a person: hotline details now, and a handoff event the staff console lists."""
from __future__ import annotations

from typing import Any, Dict, List, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType
from rasa_sdk.executor import CollectingDispatcher

from actions import knowledge_client as kb
from actions.settings import HOTLINE_PHONE
from actions import outage


class ActionHandoff(Action):
    def name(self) -> Text:
        return "action_handoff"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: Dict[Text, Any]) -> List[EventType]:
        dispatcher.utter_message(text=outage.handoff())
        await kb.post_event(
            tracker.sender_id, "handoff", text=(tracker.latest_message.get("text") or "")[:2000],
            guide_id=(tracker.get_slot("focus") or "").partition(":")[2] or None,
            data={"reason": "requested", "focus": tracker.get_slot("focus"),
                  "channel": (tracker.get_latest_input_channel() or "unknown"),
                  "transcript": kb.transcript(tracker.events)},
        )
        # A custom event lets channel-side tools (e.g. a live-agent bridge) react immediately.
        dispatcher.utter_message(json_message={"handoff": True, "hotline": HOTLINE_PHONE})
        return []


class ActionDefaultFallback(Action):
    """Used by the RulePolicy when no rule fits: say so politely and keep the conversation."""

    def name(self) -> Text:
        return "action_default_fallback"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: Dict[Text, Any]) -> List[EventType]:
        dispatcher.utter_message(response="utter_default")
        return []
