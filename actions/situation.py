"""The situation form: asks the focused route's decision-point questions (情形), then shows the plan.

Mixed initiative: every message during the form is read against ALL the route's questions by the
knowledge service (one call), so several facts in one message, a correction of an earlier answer,
"不确定" and small talk are all taken in one turn. A question asked mid-form ("这个要多久？",
"要刻章吗？") is answered (a second call) and the form goes on with the next open question, asked once.
A new goal ends the form. The form has one required slot, situation_answer, kept empty until no
question is open; the question to ask next travels in the next_question slot.

The question is asked by validate_situation_form's own reply, not by an action_ask_situation_answer:
Rasa's form runs the validation on every turn it is active and then asks through `action_ask_<slot>`
or `utter_ask_<slot>` if the domain has one, and through nothing if it has neither (the validation
is expected to have asked). An ask action cost Rasa one more call to this server on every turn of
the form, and at activation a second validation call too (Rasa validates again when the first
validation returned nothing); see docs/latency.md.
"""
from __future__ import annotations

from typing import Any, Dict, List, Text

from rasa_sdk import Action, FormValidationAction, Tracker
from rasa_sdk.forms import REQUESTED_SLOT
from rasa_sdk.events import EventType, FollowupAction, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions import knowledge_client as kb
from actions.focus import Focus
from actions.navigate import (ASPECT_OF_INTENT, aspect_for, aspect_intent, guarded, present, tell_no_guide,
                              tell_unanswered, utter)

# Dialogue acts that are not answers: a word back, and the question again.
SOCIAL_INTENTS = {"greet", "thank", "ask_capabilities", "goodbye", "give_rating"}


def _route_focus(tracker: Tracker) -> Focus | None:
    focus = Focus.parse(tracker.get_slot("focus"))
    return focus if focus and focus.kind == "route" else None


class ValidateSituationForm(FormValidationAction):
    def name(self) -> Text:
        return "validate_situation_form"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: Dict[Text, Any]) -> List[EventType]:
        events = await super().run(dispatcher, tracker, domain)
        # super().run has applied `events` to tracker.slots. Rasa's form asks for situation_answer
        # after this reply exactly when the reply does not end the form (requested_slot set to
        # None) and leaves situation_answer empty; it would ask with the next_question slot as now.
        ends = next((e["value"] is None for e in reversed(events)
                     if e.get("event") == "slot" and e.get("name") == REQUESTED_SLOT), False)
        question = tracker.get_slot("next_question")
        if not ends and tracker.get_slot("situation_answer") is None and question:
            dispatcher.utter_message(text=question["message"]["text"], buttons=question["message"]["buttons"] or None)
        return events

    async def validate_situation_answer(self, slot_value: Any, dispatcher: CollectingDispatcher,
                                        tracker: Tracker, domain: Dict[Text, Any]) -> Dict[Text, Any]:
        focus = _route_focus(tracker)
        if not focus or not tracker.get_slot("next_question"):
            return {"situation_answer": "done"}
        if tracker.get_slot("requested_slot") is None:
            # The form is being activated on the message action_navigate has just read: nothing new.
            return {"situation_answer": None}
        result: Dict[Text, Any] = {"situation_answer": None}

        async def work() -> List[EventType]:
            result.update(await self._read(str(slot_value or ""), dispatcher, tracker, focus))
            return []
        await guarded(dispatcher, self.name(), work(), tracker)
        return result

    @staticmethod
    async def _read(text: str, dispatcher: CollectingDispatcher, tracker: Tracker, focus: Focus) -> Dict[Text, Any]:
        intent = (tracker.latest_message.get("intent") or {}).get("name")
        current = (tracker.get_slot("next_question") or {}).get("id")
        answers = dict(tracker.get_slot("situation") or {})
        unsure = list(tracker.get_slot("unsure") or [])
        if intent in SOCIAL_INTENTS and (not text or text.startswith("/")):
            # A WeChat subscribe event or a greeting mid-form: not an answer, and not a miss.
            dispatcher.utter_message(text="您好！我们正在确认您的情况，答完就能给您定制方案。")
            return {}
        misses = int(tracker.get_slot("situation_misses") or 0)
        u = await kb.understand(text, str(focus), answers, unsure, current, misses)
        reading, reply = u["reading"], u["reply"]
        goal = Focus.parse(u.get("goal"))
        if not reading["facts"] and goal and goal != focus and not u.get("step") and not u.get("side_question") \
                and reading["act"] not in ("unsure", "small_talk", "skip"):
            # A new goal ("那办护照呢", "不对，我要开药店") ends the questions; action_show_plan answers it,
            # for the aspect its words ask about (not the classifier's guess on a sentence that names a goal).
            return {"requested_slot": None, "situation_answer": None, "switch_to": str(goal),
                    "pending_aspect": u.get("aspect")}
        if reading["act"] == "skip":
            return {"situation_answer": "skipped", "skipped_route": focus.id}
        if u.get("no_guide"):
            # "公积金贷款怎么办" mid-form: no guide here, said plainly; the question being asked stays.
            await tell_no_guide(dispatcher, tracker, text, u["no_guide"])
            return {}
        # A question without a question mark ("材料清单发我一份") is known by its dialogue act: answered,
        # and not counted as a miss.
        asked_by_act = intent in ASPECT_OF_INTENT and not reading["facts"] and reading["act"] == "other"
        if not asked_by_act:
            utter(dispatcher, reply)
        aspect = aspect_for(aspect_intent(tracker) if not reading["facts"] else None, u)
        if reading["asks"] or reading["act"] == "question" or asked_by_act:
            await _answer_question(dispatcher, tracker, u, focus, aspect, reading)
        missed = reading["act"] == "other" and not reading["facts"] and current in reading["open_questions"] \
            and not asked_by_act
        slots: Dict[Text, Any] = {
            "situation": reading["answers"], "unsure": reading["unsure"],
            "next_question": reply["next_question"],
            "situation_misses": misses + 1 if missed else 0,
        }
        slots["situation_answer"] = None if reply["next_question"] else "done"
        return slots


async def _answer_question(dispatcher: CollectingDispatcher, tracker: Tracker, u: Dict[str, Any], focus: Focus,
                           aspect: str | None, reading: Dict[str, Any]) -> None:
    """A question asked during the form gets its own answer: about a step of the route ("要刻章吗"),
    an aspect over what is known so far ("要多久" → a range), a centre practice (a clear FAQ) or a
    step's own 常见问答."""
    found = u["search"]
    top = found["results"][0] if found["results"] else None
    if u.get("side_question"):
        # "坐诊的医生要有什么资格" while opening a clinic: that item's answer, and the route's questions go on.
        utter(dispatcher, await kb.answer(u["goal"], aspect))
    elif u.get("step") or aspect:
        utter(dispatcher, await kb.answer(str(focus), aspect, reading["answers"], reading["unsure"], step=u.get("step")))
    elif found["match"] == "clear" and top and top["kind"] == "faq":
        utter(dispatcher, await kb.answer(f"faq:{top['id']}"))
    elif u.get("faq_reply"):
        # "没领结婚证能办出生证吗" mid-form: one of the route's steps answers it in its 常见问答.
        utter(dispatcher, u["faq_reply"])
    elif u.get("unanswered"):
        await tell_unanswered(dispatcher, tracker, u["text"], focus, u["unanswered"])
    else:
        dispatcher.utter_message(text="这个问题我先记下，等情况问完、方案出来后再为您细说。")


class ActionShowPlan(Action):
    def name(self) -> Text:
        return "action_show_plan"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: Dict[Text, Any]) -> List[EventType]:
        events: List[EventType] = [SlotSet("situation_answer", None), SlotSet("situation_needed", False),
                                   SlotSet("situation_misses", 0)]
        switch_to = Focus.parse(tracker.get_slot("switch_to"))
        if switch_to:
            return events + await guarded(dispatcher, self.name(), self._switch(dispatcher, tracker, switch_to), tracker)
        focus = _route_focus(tracker)
        if not focus:
            return events
        if (tracker.latest_message.get("intent") or {}).get("name") == "stop":
            # The citizen skipped the questions: follow-ups about this route are then answered
            # from the general plan instead of asking the questions again.
            events.append(SlotSet("skipped_route", focus.id))

        async def work() -> List[EventType]:
            answer = await kb.answer(str(focus), None, tracker.get_slot("situation") or {},
                                     tracker.get_slot("unsure") or [])
            utter(dispatcher, answer)
            return [SlotSet("next_question", None)]
        return events + await guarded(dispatcher, self.name(), work(), tracker)

    @staticmethod
    async def _switch(dispatcher: CollectingDispatcher, tracker: Tracker, target: Focus) -> List[EventType]:
        """The citizen named a new goal during the questions: answer it. A new route with questions
        of its own starts the form again, now for that route."""
        events = await present(dispatcher, tracker, target, tracker.get_slot("pending_aspect"))
        events += [SlotSet("switch_to", None), SlotSet("pending_aspect", None)]
        if SlotSet("situation_needed", True) in events:
            # No rule can follow action_show_plan into the form, so ask for it explicitly.
            events.append(FollowupAction("situation_form"))
        return events

