"""action_navigate: the navigator's one decision point for most dialogue acts.

It works out what the citizen means — a numbered or clicked choice, a follow-up about the guide
in focus, a new goal, a practice question, or something outside the centre's work — and answers
from the knowledge service. Retrieval, not the intent classifier, decides WHICH guide is meant.
"""
from __future__ import annotations

import asyncio
import re
from typing import Any, Dict, List, Optional, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions import knowledge_client as kb
from actions import replies
from actions.aspects import LABELS, aspect_of
from actions.focus import Focus
from actions.option_matching import ordinal

# Aspects that depend on the citizen's situation: for a route we ask the situation questions first.
SITUATION_ASPECTS = {"materials", "duration", "process", "notice", None}
# Without any guide in focus, some follow-ups are about a centre practice.
PRACTICE_FOR_ASPECT = {
    "deferral": "faq-rongque", "online": "faq-online-handling", "mailing": "faq-free-mailing",
    "location": "faq-hall-hours",
}
ROUTE_FOLLOW_UPS = ["要带哪些材料", "要多久", "能网上办吗", "材料不全能先办吗"]
ITEM_FOLLOW_UPS = ["要带哪些材料", "在哪里办", "收费吗", "打印告知单"]
SMALL_TALK = {"affirm", "deny", "stop"}
# What the NLU pipeline puts in place of a blank message (bot/components/traditional_to_simplified.py).
EMPTY_PLACEHOLDER = "空白消息"
BARE_FOLLOW_UP = 8  # characters: "要带哪些材料", "收费吗" carry no goal of their own
DEFINITION = re.compile(r"什么是|什么叫|是什么|是啥|啥是|啥叫|指什么|什么意思|怎么理解")


def buttons(titles: List[str]) -> List[Dict[str, str]]:
    return [{"title": t, "payload": t} for t in titles]


class ActionNavigate(Action):
    def name(self) -> Text:
        return "action_navigate"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: Dict[Text, Any]) -> List[EventType]:
        events: List[EventType] = [SlotSet("situation_needed", False), SlotSet("choice", None)]
        try:
            return events + await self._navigate(dispatcher, tracker)
        except kb.KnowledgeUnavailable:
            dispatcher.utter_message(text=replies.unavailable())
            return events

    async def _navigate(self, dispatcher: CollectingDispatcher, tracker: Tracker) -> List[EventType]:
        text = (tracker.latest_message.get("text") or "").strip()
        intent = (tracker.latest_message.get("intent") or {}).get("name")
        focus = Focus.parse(tracker.get_slot("focus"))
        offered: List[str] = tracker.get_slot("offered") or []
        pending_aspect = tracker.get_slot("pending_aspect")

        if not text or text == EMPTY_PLACEHOLDER:
            dispatcher.utter_message(text="请输入您想咨询的内容，例如：“我想开个饭店，要办哪些手续？”")
            return []
        chosen = self._chosen(tracker, text, intent, offered)
        if chosen:
            return await present(dispatcher, tracker, chosen, pending_aspect)
        if intent == "deny" and offered:
            # "都不是" after a list of choices: the question has no guide among them (the question
            # itself already went to the gap report when the choices were offered).
            dispatcher.utter_message(text=replies.none_of_offered())
            return [SlotSet("offered", None), SlotSet("pending_aspect", None)]
        if intent == "choose_option" and ordinal(text) is not None:
            dispatcher.utter_message(text="请先告诉我您想办什么事，我再给您列出可选的事项。")
            return []

        aspect = aspect_of(intent, text)
        found = await kb.search(text) if text else {"match": "none", "results": []}
        top = found["results"][0] if found["results"] else None
        top_focus = Focus(top["kind"], top["id"]) if top else None

        if DEFINITION.search(text) and found["match"] != "none" and top_focus.kind == "faq":
            # "什么是容缺受理" asks about the practice itself, whatever guide is in focus.
            return await present(dispatcher, tracker, top_focus, None)
        if aspect and focus:
            # A follow-up stays on the guide in focus unless the message clearly names another
            # item or route ("那开药店要多久"); FAQ matches never steal a follow-up.
            switching = found["match"] == "clear" and top_focus != focus and top_focus.kind != "faq"
            return await present(dispatcher, tracker, top_focus if switching else focus, aspect)

        if aspect and not focus and top_focus and top_focus.kind == "faq" and not DEFINITION.search(text) \
                and len(text) <= BARE_FOLLOW_UP:
            # A bare "要多久" with nothing in focus is not about the centre's complaint FAQ that
            # happens to contain the words; ask which service is meant (or answer the practice).
            found = {"match": "none", "results": []}
        if found["match"] == "clear":
            return await present(dispatcher, tracker, top_focus, aspect)
        if found["match"] == "ambiguous" and intent != "out_of_scope" and intent not in SMALL_TALK:
            # Low-confidence retrievals feed the editors' knowledge-gap report.
            await kb.post_event(tracker.sender_id, "gap", text=text[:2000],
                                data={"reason": "ambiguous", "candidates": [r["id"] for r in found["results"][:4]]})
            return offer(dispatcher, found["results"][:4], aspect)
        if aspect in PRACTICE_FOR_ASPECT and not focus:
            return await present(dispatcher, tracker, Focus("faq", PRACTICE_FOR_ASPECT[aspect]), None)
        if aspect and not focus:
            dispatcher.utter_message(text=f"请问您想了解哪项业务的{LABELS[aspect]}？请告诉我要办的事，例如“开饭店”“办护照”。")
            return [SlotSet("pending_aspect", aspect)]
        if intent in SMALL_TALK:
            reply = "好的，已停止。" if intent == "stop" else "好的。"
            dispatcher.utter_message(text=reply + "还有什么要办的事，可以直接告诉我。")
            return []
        if intent == "out_of_scope":
            dispatcher.utter_message(text=replies.scope_statement())
            return []
        return await not_understood(dispatcher, tracker, text)

    @staticmethod
    def _chosen(tracker: Tracker, text: str, intent: Optional[str], offered: List[str]) -> Optional[Focus]:
        payload = tracker.get_slot("choice") or next(tracker.get_latest_entity_values("choice"), None)
        if payload and Focus.parse(payload):
            return Focus.parse(payload)
        n = ordinal(text)
        if offered and n is not None and n <= len(offered):
            return Focus.parse(offered[n - 1])
        return None


def offer(dispatcher: CollectingDispatcher, results: List[Dict[str, Any]], aspect: Optional[str]) -> List[EventType]:
    choices = [str(Focus(r["kind"], r["id"])) for r in results]
    dispatcher.utter_message(
        text=replies.options_text(results, "您想办的可能是以下哪一项？"),
        buttons=[{"title": r["title"], "payload": f'/choose_option{{"choice":"{c}"}}'}
                 for r, c in zip(results, choices)],
    )
    return [SlotSet("offered", choices), SlotSet("pending_aspect", aspect)]


async def not_understood(dispatcher: CollectingDispatcher, tracker: Tracker, text: str) -> List[EventType]:
    count = int(tracker.get_slot("misunderstandings") or 0) + 1
    await kb.post_event(tracker.sender_id, "gap", text=text[:2000], data={"reason": "no_match"})
    if count >= 2:
        dispatcher.utter_message(text="抱歉，我还是没能理解您的问题。" + replies.handoff())
        await kb.post_event(tracker.sender_id, "handoff", text=text[:2000],
                            data={"reason": "repeated_misunderstanding", "transcript": kb.transcript(tracker.events)})
        return [SlotSet("misunderstandings", 0)]
    dispatcher.utter_message(text=replies.not_found())
    return [SlotSet("misunderstandings", count)]


async def present(dispatcher: CollectingDispatcher, tracker: Tracker, focus: Focus,
                  aspect: Optional[str], ask_questions: bool = True) -> List[EventType]:
    """Answer about a guide, make it the focus (FAQ entries leave the focus where it was).

    For a route with open situation questions, ask_questions starts the situation form;
    without it the general plan is shown."""
    guide = await kb.guide(focus.kind, focus.id)
    events: List[EventType] = [SlotSet("offered", None), SlotSet("pending_aspect", None),
                               SlotSet("misunderstandings", 0)]
    if focus.kind == "faq":
        dispatcher.utter_message(text=replies.faq_answer(guide))
        return events
    same = Focus.parse(tracker.get_slot("focus")) == focus
    answers: Dict[str, str] = (tracker.get_slot("situation") or {}) if same else {}
    events += [SlotSet("focus", str(focus)), SlotSet("situation", answers)]
    if focus.kind == "item":
        if aspect:
            dispatcher.utter_message(text=replies.item_aspect(guide, aspect), buttons=buttons(ITEM_FOLLOW_UPS))
        else:
            dispatcher.utter_message(text=replies.item_card(guide), buttons=buttons(ITEM_FOLLOW_UPS))
        return events
    plan = await kb.plan(focus.id, answers)
    skipped = tracker.get_slot("skipped_route") == focus.id
    if plan["open_questions"] and aspect in SITUATION_ASPECTS and not (skipped and aspect) and ask_questions:
        items = await _items_of(guide)
        n = len(plan["open_questions"])
        dispatcher.utter_message(text=replies.route_overview(guide, items))
        dispatcher.utter_message(text=f"具体要办哪些、带什么材料，取决于您的情况。请回答 {n} 个小问题，我为您定制办理方案"
                                      "（随时回复“跳过”可直接看通用方案）。")
        return events + [SlotSet("situation_needed", True)]
    if aspect:
        dispatcher.utter_message(text=replies.route_aspect(plan, aspect), buttons=buttons(ROUTE_FOLLOW_UPS))
    else:
        show_plan(dispatcher, plan)
    return events


def show_plan(dispatcher: CollectingDispatcher, plan: Dict[str, Any]) -> None:
    dispatcher.utter_message(text=replies.plan_summary(plan))
    dispatcher.utter_message(text=replies.plan_materials(plan))
    dispatcher.utter_message(text=replies.plan_extras(plan), buttons=buttons(["材料不全能先办吗", "能网上办吗", "转人工"]))


async def _items_of(route: Dict[str, Any]) -> Dict[str, Dict[str, Any]]:
    ids = list(dict.fromkeys(s["item"] for s in route["steps"]))
    found = await asyncio.gather(*(kb.guide("item", i) for i in ids), return_exceptions=True)
    return {i: g for i, g in zip(ids, found) if isinstance(g, dict)}
