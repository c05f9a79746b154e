"""The situation form: asks the focused route's decision-point questions (情形), then shows the plan.

The form has one required slot, situation_answer, asked once per open question; the questions and
their options come from the knowledge base, so a new route with new questions needs no code or
retraining. The validator files each answer under its question in the `situation` slot and keeps
situation_answer empty until no open question remains.
"""
from __future__ import annotations

from typing import Any, Dict, List, Optional, Text, Tuple

from rasa_sdk import Action, FormValidationAction, Tracker
from rasa_sdk.events import EventType, FollowupAction, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions import knowledge_client as kb
from actions import replies
from actions.aspects import BY_INTENT, LABELS, aspect_of
from actions.focus import Focus
from actions.navigate import present, show_plan
from actions.option_matching import match_option


# Dialogue acts that may carry a new goal instead of an answer to the current question.
GOAL_INTENTS = {"request_guide", "nlu_fallback", *BY_INTENT}


def _route_focus(tracker: Tracker) -> Focus | None:
    focus = Focus.parse(tracker.get_slot("focus"))
    return focus if focus and focus.kind == "route" else None


def _question_message(question: Dict[str, Any], number: int, total: int) -> Dict[str, Any]:
    text = f"（{number}/{total}）{question['text']}"
    if question.get("help"):
        text += f"\n提示：{question['help']}"
    text += "\n" + "\n".join(f"{i + 1}. {o['label']}" for i, o in enumerate(question["options"]))
    return {"text": text, "buttons": [{"title": o["label"], "payload": o["label"]} for o in question["options"]]}


async def current_question(route_id: str, answers: Dict[str, str]) -> Tuple[Optional[Dict[str, Any]], int]:
    """The next open question of the route (with its options' keywords) and how many remain."""
    open_qs = (await kb.plan(route_id, answers))["open_questions"]
    if not open_qs:
        return None, 0
    route = await kb.guide("route", route_id)
    return next(q for q in route["questions"] if q["id"] == open_qs[0]["id"]), len(open_qs)


class ActionAskSituationAnswer(Action):
    def name(self) -> Text:
        return "action_ask_situation_answer"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: Dict[Text, Any]) -> List[EventType]:
        focus = _route_focus(tracker)
        if not focus:
            return []
        answers = tracker.get_slot("situation") or {}
        try:
            question, remaining = await current_question(focus.id, answers)
        except kb.KnowledgeUnavailable:
            dispatcher.utter_message(text=replies.unavailable())
            return []
        if question:
            dispatcher.utter_message(**_question_message(question, len(answers) + 1, len(answers) + remaining))
        return []


class ValidateSituationForm(FormValidationAction):
    def name(self) -> Text:
        return "validate_situation_form"

    async def validate_situation_answer(self, slot_value: Any, dispatcher: CollectingDispatcher,
                                        tracker: Tracker, domain: Dict[Text, Any]) -> Dict[Text, Any]:
        focus = _route_focus(tracker)
        if not focus:
            return {"situation_answer": "done"}
        try:
            return await self._validate(str(slot_value or ""), dispatcher, tracker, focus)
        except kb.KnowledgeUnavailable:
            dispatcher.utter_message(text=replies.unavailable())
            return {"situation_answer": None}

    @staticmethod
    async def _validate(answer: str, dispatcher: CollectingDispatcher, tracker: Tracker,
                        focus: Focus) -> Dict[Text, Any]:
        answers = dict(tracker.get_slot("situation") or {})
        question, _ = await current_question(focus.id, answers)
        if question is None:
            return {"situation_answer": "done"}
        intent = (tracker.latest_message.get("intent") or {}).get("name")
        option = match_option(question, answer)
        exact = option is not None and answer.strip() in (option["label"], option["value"])
        if option is None and intent in GOAL_INTENTS:
            found = await kb.search(answer)
            top = found["results"][0] if found["results"] else None
            if found["match"] == "clear" and top and Focus(top["kind"], top["id"]) != focus:
                # A new goal ("那办护照呢") ends the questions; action_show_plan answers it instead.
                return {"situation_answer": None, "requested_slot": None,
                        "switch_to": str(Focus(top["kind"], top["id"]))}
        # "要多久" at a yes/no question must not become "要挂招牌" through its one-character cue.
        asked = aspect_of(None, answer)
        option_words = " ".join([option["label"], *option.get("keywords", [])]) if option else ""
        if option is not None and not exact and asked and aspect_of(None, option_words) != asked:
            dispatcher.utter_message(text=f"请先回答这个小问题，答完后我会按您的情况告诉您{LABELS[asked]}。")
            return {"situation_answer": None}
        if option is None or (intent in BY_INTENT and not exact and len(answer) > 4):
            # Not an answer (perhaps a question of its own): say what we need and ask again.
            labels = "、".join(f"“{o['label']}”" for o in question["options"])
            dispatcher.utter_message(text=f"没能确定您的选择。请回复序号或 {labels}；不想回答可以回复“跳过”。")
            return {"situation_answer": None}
        answers[question["id"]] = option["value"]
        plan = await kb.plan(focus.id, answers)
        return {"situation": answers, "situation_answer": None if plan["open_questions"] else option["value"]}


class ActionShowPlan(Action):
    def name(self) -> Text:
        return "action_show_plan"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: Dict[Text, Any]) -> List[EventType]:
        events: List[EventType] = [SlotSet("situation_answer", None), SlotSet("situation_needed", False)]
        switch_to = Focus.parse(tracker.get_slot("switch_to"))
        if switch_to:
            return events + await self._switch(dispatcher, tracker, switch_to)
        focus = _route_focus(tracker)
        if not focus:
            return events
        if (tracker.latest_message.get("intent") or {}).get("name") == "stop":
            # The citizen skipped the questions: follow-ups about this route are then answered
            # from the general plan instead of asking the questions again.
            events.append(SlotSet("skipped_route", focus.id))
        try:
            plan = await kb.plan(focus.id, tracker.get_slot("situation") or {})
        except kb.KnowledgeUnavailable:
            dispatcher.utter_message(text=replies.unavailable())
            return events
        show_plan(dispatcher, plan)
        return events

    @staticmethod
    async def _switch(dispatcher: CollectingDispatcher, tracker: Tracker, target: Focus) -> List[EventType]:
        """The citizen named a new goal during the questions: answer it. A new route with questions
        of its own starts the form again, now for that route."""
        text = tracker.latest_message.get("text") or ""
        intent = (tracker.latest_message.get("intent") or {}).get("name")
        try:
            events = await present(dispatcher, tracker, target, aspect_of(intent, text))
        except kb.KnowledgeUnavailable:
            dispatcher.utter_message(text=replies.unavailable())
            events = []
        events.append(SlotSet("switch_to", None))
        if SlotSet("situation_needed", True) in events:
            # No rule can follow action_show_plan into the form, so ask for it explicitly.
            events.append(FollowupAction("situation_form"))
        return events
