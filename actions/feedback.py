"""Ratings (评议): asked for at the end of a conversation, stored with it in the knowledge service."""
from __future__ import annotations

import re
from typing import Any, Dict, List, Optional, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions import knowledge_client as kb
from actions.navigate import ActionNavigate

RATING_BUTTONS = [
    {"title": f"{n}分 {label}", "payload": f'/give_rating{{"rating":"{n}"}}'}
    for n, label in [(5, "非常满意"), (4, "满意"), (3, "一般"), (2, "不满意"), (1, "非常不满意")]
]
# Longest phrases first: "非常不满意" must not be read as "满意".
_WORDS = [("非常不满意", 1), ("很不满意", 1), ("很差", 1), ("太差", 1), ("不满意", 2), ("差评", 1),
          ("非常满意", 5), ("很满意", 5), ("好评", 5), ("满意", 4), ("一般", 3), ("还行", 3), ("凑合", 3)]
_CN = {"一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5}


def parse_rating(text: str, entity: Optional[str]) -> Optional[int]:
    for candidate in (entity, text):
        m = re.search(r"([1-5一二两三四五])\s*(分|星|颗星)?", candidate or "")
        if m:
            d = m.group(1)
            return int(d) if d.isdigit() else _CN[d]
    for word, score in _WORDS:
        if word in (text or ""):
            return score
    return None


# A typed rating nobody asked for is short ("5分", "很满意"); a longer message the classifier filed as
# one ("驾照扣了9分能不能消分") is a question and is navigated like any other.
UNASKED_RATING_CHARS = 6


def rating_asked(tracker: Tracker) -> bool:
    """Whether the assistant's last message asked for a rating (it carries the rating buttons)."""
    for event in reversed(tracker.events):
        if event.get("event") == "bot":
            buttons = (event.get("data") or {}).get("buttons") or []
            return any("/give_rating" in (b.get("payload") or "") for b in buttons)
    return False


class ActionRate(Action):
    def name(self) -> Text:
        return "action_rate"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: Dict[Text, Any]) -> List[EventType]:
        text = tracker.latest_message.get("text") or ""
        if len(text) > UNASKED_RATING_CHARS and not text.startswith("/") and not rating_asked(tracker):
            return await ActionNavigate().run(dispatcher, tracker, domain)
        score = parse_rating(text, next(tracker.get_latest_entity_values("rating"), None))
        if score is None:
            dispatcher.utter_message(text="请为本次服务打 1-5 分（5 分最满意）：", buttons=RATING_BUTTONS)
            return []
        focus = tracker.get_slot("focus") or ""
        await kb.post_event(tracker.sender_id, "rating", rating=score, text=text[:2000],
                            guide_id=focus.partition(":")[2] or None,
                            data={"focus": focus, "transcript": kb.transcript(tracker.events)})
        reply = "感谢您的评价！" if score >= 4 else "感谢您的评价，我们会根据您的意见改进。需要人工帮助可回复“转人工”。"
        dispatcher.utter_message(text=reply)
        return [SlotSet("rated", True), SlotSet("rating", None)]


class ActionGoodbye(Action):
    """Goodbye and thanks both close a conversation: ask for a rating once, then say goodbye."""

    def name(self) -> Text:
        return "action_goodbye"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: Dict[Text, Any]) -> List[EventType]:
        intent = (tracker.latest_message.get("intent") or {}).get("name")
        opening = "不客气！" if intent == "thank" else "感谢您的咨询，再见！"
        if tracker.get_slot("rated"):
            dispatcher.utter_message(text=opening + "还有其他要办的事，随时问我。")
            return []
        dispatcher.utter_message(text=opening + "请为本次导航服务打个分（5 分最满意），帮助我们改进：",
                                 buttons=RATING_BUTTONS)
        return []
