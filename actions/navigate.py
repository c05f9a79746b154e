"""action_navigate: the navigator's one decision point for most dialogue acts.

It works out what the citizen means — a numbered or clicked choice, a follow-up about the guide or
the route step in focus, a new goal, a practice question, or something outside the centre's work —
and asks the knowledge service what to say. Retrieval, not the intent classifier, decides WHICH
guide is meant. A turn costs two calls: understand the message, then get the answer.
"""
from __future__ import annotations

import logging
import re
from typing import Any, Dict, List, Optional, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions import knowledge_client as kb
from actions import outage
from actions.focus import Focus

logger = logging.getLogger(__name__)

# The dialogue acts that name an aspect of a guide; wording cues (knowledge service) refine them.
ASPECT_OF_INTENT = {
    "ask_materials": "materials", "ask_duration": "duration", "ask_fee": "fee", "ask_location": "location",
    "ask_online": "online", "ask_deferral": "deferral", "ask_mailing": "mailing", "ask_process": "process",
    "ask_conditions": "conditions", "ask_notice": "notice",
}
# Without any guide in focus, some follow-ups are about a centre practice.
PRACTICE_FOR_ASPECT = {
    "deferral": "faq-rongque", "online": "faq-online-handling", "mailing": "faq-free-mailing",
    "location": "faq-hall-hours", "proxy": "faq-proxy-handling",
}
SMALL_TALK = {"affirm", "deny", "stop"}
# What the NLU pipeline puts in place of a blank message (bot/components/traditional_to_simplified.py).
EMPTY_PLACEHOLDER = "空白消息"
BARE_FOLLOW_UP = 8  # characters: "要带哪些材料", "收费吗" carry no goal of their own
DEFINITION = re.compile(r"什么是|什么叫|是什么|是啥|啥是|啥叫|指什么|什么意思|怎么理解")


# The classifier's aspect counts only when it is fairly sure: on a question no aspect covers ("未成年能进吗")
# it guesses one near 0.4 (ask_mailing); on real ones it is near 0.9 ("可以不去现场吗" → ask_online).
INTENT_ASPECT_CONFIDENCE = 0.5


def aspect_intent(tracker: Tracker) -> Optional[str]:
    """The message's intent, when the classifier is sure enough of it to name an aspect."""
    intent = tracker.latest_message.get("intent") or {}
    return intent.get("name") if (intent.get("confidence") or 0.0) >= INTENT_ASPECT_CONFIDENCE else None


def aspect_for(intent: Optional[str], understood: Dict[str, Any]) -> Optional[str]:
    """The wording's aspect is more specific than the classifier's ("让家里人帮我办" is 代办)."""
    return understood.get("aspect") or ASPECT_OF_INTENT.get(intent or "")


def utter(dispatcher: CollectingDispatcher, answer: Dict[str, Any]) -> None:
    for m in answer.get("messages", []):
        dispatcher.utter_message(text=m["text"], buttons=m.get("buttons") or None)


def situation_events(answer: Dict[str, Any]) -> List[EventType]:
    nq = answer.get("next_question")
    return [SlotSet("next_question", nq), SlotSet("situation_misses", 0)]


async def guarded(dispatcher: CollectingDispatcher, name: str, work, tracker: Tracker) -> List[EventType]:
    """Runs an action's work: an outage gets the apology, a bug is logged once and said plainly.
    The knowledge-service calls it made are logged (benchmarks/dialogue_load.py --breakdown sums them)."""
    kb.calls.set(0)
    try:
        return await work
    except kb.KnowledgeUnavailable as exc:
        logger.warning("%s: knowledge service unavailable: %s", name, exc)
        dispatcher.utter_message(text=outage.unavailable())
    except (kb.KnowledgeRejected, kb.NotFound) as exc:
        logger.error("%s failed: %s", name, exc)
        dispatcher.utter_message(text=outage.failed())
    finally:
        # One line per action run, keyed by the citizen's message: --breakdown sums a turn's calls.
        logger.info("%s: %d knowledge-service calls for message %s", name, kb.calls.get(),
                    tracker.latest_message.get("message_id") or "-")
    return []


class ActionNavigate(Action):
    def name(self) -> Text:
        return "action_navigate"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: Dict[Text, Any]) -> List[EventType]:
        events: List[EventType] = [SlotSet("situation_needed", False), SlotSet("choice", None)]
        return events + await guarded(dispatcher, self.name(), self._navigate(dispatcher, tracker), tracker)

    async def _navigate(self, dispatcher: CollectingDispatcher, tracker: Tracker) -> List[EventType]:
        text = (tracker.latest_message.get("text") or "").strip()
        intent = (tracker.latest_message.get("intent") or {}).get("name")
        focus = Focus.parse(tracker.get_slot("focus"))
        offered: List[str] = tracker.get_slot("offered") or []
        pending_aspect = tracker.get_slot("pending_aspect")
        answers = situation_of(tracker, focus)

        payload = tracker.get_slot("choice") or next(tracker.get_latest_entity_values("choice"), None)
        if Focus.parse(payload):  # a clicked choice
            return await present(dispatcher, tracker, Focus.parse(payload), pending_aspect)
        if not text or text == EMPTY_PLACEHOLDER or text.startswith("/"):
            dispatcher.utter_message(text="请输入您想咨询的内容，例如：“我想开个饭店，要办哪些手续？”")
            return []

        u = await kb.understand(text, str(focus) if focus else None, answers, unsure_of(tracker, focus),
                                offered=offered)
        n = u.get("choice")
        if offered and n is not None and n <= len(offered):  # "2", "第二个" after a list of choices
            return await present(dispatcher, tracker, Focus.parse(offered[n - 1]), pending_aspect)
        if intent == "choose_option" and n is not None:
            dispatcher.utter_message(text="请先告诉我您想办什么事，我再给您列出可选的事项。")
            return []
        if u.get("no_guide"):
            await tell_no_guide(dispatcher, tracker, text, u["no_guide"])
            return [SlotSet("offered", None), SlotSet("pending_aspect", None)]
        if u.get("small_talk") and u["search"]["match"] != "clear" and not u.get("goal"):
            # "👍", "好的好的", "稍等", "你是机器人吗" with nothing else: a word back, not "没有找到".
            utter(dispatcher, await kb.say("small_talk", small_talk=u["small_talk"]))
            return []
        found = u["search"]
        top = found["results"][0] if found["results"] else None
        top_focus = Focus(top["kind"], top["id"]) if top else None
        goal = Focus.parse(u.get("goal"))

        stating = bool((u.get("reading") or {}).get("facts") or (u.get("goal_reading") or {}).get("facts"))
        target = goal or (top_focus if found["match"] == "clear" else None)
        introducing = target is not None and target != focus and len(text) > BARE_FOLLOW_UP
        # A message that states its situation, or names a goal not yet in focus, asks for an aspect only
        # when its words say so: the classifier's guess on "开个便利店，个体，卖烟，60平" (容缺?) or on
        # "退休要办些啥" (受理条件?) would answer one detail of a route never introduced.
        aspect = u.get("aspect") if stating or introducing else aspect_for(aspect_intent(tracker), u)
        if goal and str(goal) in offered:
            # A reply to the list of choices that answers one offered route's question chooses it.
            return await present(dispatcher, tracker, goal, aspect, facts_of(u.get("goal_reading")))
        if intent == "deny" and offered:
            # "都不是" after a list of choices: the question has no guide among them (the question
            # itself already went to the gap report when the choices were offered).
            utter(dispatcher, await kb.say("none_of_offered"))
            return [SlotSet("offered", None), SlotSet("pending_aspect", None)]
        if DEFINITION.search(text) and found["match"] != "none" and top_focus.kind == "faq":
            # "什么是容缺受理" asks about the practice itself, whatever guide is in focus.
            return await present(dispatcher, tracker, top_focus, None)
        if focus:
            reading = u.get("reading") or {}
            if focus.kind == "route" and reading.get("facts") and not reading.get("asks"):
                # A fact or a correction after the plan ("其实不卖烟", "还是要挂个招牌"): the plan is tailored
                # again, even when the fact names one of its steps.
                return await present(dispatcher, tracker, focus, aspect, reading["answers"], reading["unsure"])
            if focus.kind == "route" and u.get("step"):
                # "医保能手机上办吗" inside the newborn route: answered for that step, route kept.
                utter(dispatcher, await kb.answer(str(focus), aspect, answers, step=u["step"]))
                return [SlotSet("offered", None), SlotSet("pending_aspect", None)]
            if u.get("points_back"):
                # "这个备案是交通局管还是公安管": about what is in focus, whatever else the words match.
                return await present(dispatcher, tracker, focus, aspect)
            if focus.kind == "route" and reading.get("facts"):
                # Facts with a question about no step ("其实不卖烟，那要多久？"): tailored, then the aspect.
                return await present(dispatcher, tracker, focus, aspect, reading["answers"], reading["unsure"])
            if u.get("faq_reply"):
                # "要户口本吗" after 结婚登记: answered from the guide's own 常见问答, focus kept.
                utter(dispatcher, u["faq_reply"])
                return [SlotSet("offered", None), SlotSet("pending_aspect", None)]
            if u.get("unanswered") and not aspect:
                # "可以加急吗" after 公积金提取: the guide does not say; who to ask, and a gap for editors.
                await tell_unanswered(dispatcher, tracker, text, focus, u["unanswered"])
                return [SlotSet("offered", None), SlotSet("pending_aspect", None)]
            if goal and goal.kind != "faq" and (aspect or len(text) > BARE_FOLLOW_UP):
                # "那开药店要多久" names another guide clearly: it becomes the focus.
                return await present(dispatcher, tracker, goal, aspect, facts_of(u.get("goal_reading")))
            if aspect:
                return await present(dispatcher, tracker, focus, aspect)
        if aspect and not focus and top_focus and top_focus.kind == "faq" and not DEFINITION.search(text) \
                and len(text) <= BARE_FOLLOW_UP:
            # A bare "要多久" with nothing in focus is not about the centre's complaint FAQ that
            # happens to contain the words; ask which service is meant (or answer the practice).
            found = {"match": "none", "results": []}
        if goal and not focus:
            return await present(dispatcher, tracker, goal, aspect, facts_of(u.get("goal_reading")))
        if found["match"] == "clear":
            return await present(dispatcher, tracker, top_focus, aspect)
        if found["match"] == "ambiguous" and intent != "out_of_scope" and intent not in SMALL_TALK:
            # Low-confidence retrievals feed the editors' knowledge-gap report.
            await kb.post_event(tracker.sender_id, "gap", text=text[:2000],
                                data={"reason": "ambiguous", "candidates": [r["id"] for r in found["results"][:4]]})
            utter(dispatcher, await kb.say("offer", results=found["results"][:4]))
            return [SlotSet("offered", [f'{r["kind"]}:{r["id"]}' for r in found["results"][:4]]),
                    SlotSet("pending_aspect", aspect)]
        if aspect in PRACTICE_FOR_ASPECT and not focus:
            return await present(dispatcher, tracker, Focus("faq", PRACTICE_FOR_ASPECT[aspect]), None)
        if aspect and not focus:
            utter(dispatcher, await kb.say("ask_goal", aspect))
            return [SlotSet("pending_aspect", aspect)]
        if intent in SMALL_TALK:
            reply = "好的，已停止。" if intent == "stop" else "好的。"
            dispatcher.utter_message(text=reply + "还有什么要办的事，可以直接告诉我。")
            return []
        if intent == "out_of_scope":
            utter(dispatcher, await kb.say("scope"))
            return []
        return await not_understood(dispatcher, tracker, text)


def situation_of(tracker: Tracker, focus: Optional[Focus]) -> Dict[str, str]:
    return (tracker.get_slot("situation") or {}) if focus and focus.kind == "route" else {}


def unsure_of(tracker: Tracker, focus: Optional[Focus]) -> List[str]:
    return (tracker.get_slot("unsure") or []) if focus and focus.kind == "route" else []


def facts_of(reading: Optional[Dict[str, Any]]) -> Optional[Dict[str, str]]:
    """Facts given with the goal in one message ("想开个500平的火锅店，还卖烟")."""
    return reading["answers"] if reading and reading.get("facts") else None


async def tell_no_guide(dispatcher: CollectingDispatcher, tracker: Tracker, text: str,
                        no_guide: Dict[str, Any]) -> None:
    """A domain the base holds no guide for (公积金贷款, 劳动仲裁): said plainly with who handles it,
    and recorded as a knowledge gap for the editors (reason no_match: the gap report lists it as 找不到)."""
    await kb.post_event(tracker.sender_id, "gap", text=text[:2000],
                        data={"reason": "no_match", "referral": no_guide["referral"], "word": no_guide["word"]})
    utter(dispatcher, no_guide["reply"])


async def tell_unanswered(dispatcher: CollectingDispatcher, tracker: Tracker, text: str, focus: Focus,
                          reply: Dict[str, Any]) -> None:
    """A follow-up the guide in focus does not answer: said plainly, and recorded with that guide so
    its editor knows where the answer belongs."""
    await kb.post_event(tracker.sender_id, "gap", text=text[:2000], data={"reason": "unanswered", "focus": str(focus)})
    utter(dispatcher, reply)


async def not_understood(dispatcher: CollectingDispatcher, tracker: Tracker, text: str) -> List[EventType]:
    count = int(tracker.get_slot("misunderstandings") or 0) + 1
    await kb.post_event(tracker.sender_id, "gap", text=text[:2000], data={"reason": "no_match"})
    if count >= 2:
        dispatcher.utter_message(text="抱歉，我还是没能理解您的问题。" + outage.handoff())
        await kb.post_event(tracker.sender_id, "handoff", text=text[:2000],
                            data={"reason": "repeated_misunderstanding", "transcript": kb.transcript(tracker.events)})
        return [SlotSet("misunderstandings", 0)]
    utter(dispatcher, await kb.say("not_found"))
    return [SlotSet("misunderstandings", count)]


async def present(dispatcher: CollectingDispatcher, tracker: Tracker, focus: Focus, aspect: Optional[str],
                  answers: Optional[Dict[str, str]] = None, unsure: Optional[List[str]] = None,
                  ask_questions: bool = True) -> List[EventType]:
    """Answer about a guide and make it the focus (FAQ entries leave the focus where it was).

    For a route with open situation questions, ask_questions starts the situation form (unless the
    citizen skipped them for this route); without it the general plan is shown."""
    events: List[EventType] = [SlotSet("offered", None), SlotSet("pending_aspect", None),
                               SlotSet("misunderstandings", 0)]
    same = Focus.parse(tracker.get_slot("focus")) == focus
    if answers is None:
        answers = (tracker.get_slot("situation") or {}) if same else {}
    if unsure is None:
        unsure = (tracker.get_slot("unsure") or []) if same else []
    skipped = tracker.get_slot("skipped_route") == focus.id
    start = ask_questions and not (skipped and aspect)
    answer = await kb.answer(str(focus), aspect, answers, unsure, start_questions=start, general=skipped)
    utter(dispatcher, answer)
    if focus.kind == "faq":
        return events
    events += [SlotSet("focus", str(focus)), SlotSet("situation", answers), SlotSet("unsure", unsure)]
    if focus.kind == "route":
        events += situation_events(answer)
        if answer.get("starts_questions"):
            return events + [SlotSet("situation_needed", True)]
    return events
