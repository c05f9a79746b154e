"""The greeting: who the assistant is and what it does, in the centre's name. The wording lives with
every other answer in the knowledge service (knowledge/wording/chat.py), so renaming the centre
renames it too; Rasa's own responses could only hold a fixed text."""
from __future__ import annotations

from typing import Any, Dict, List, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType
from rasa_sdk.executor import CollectingDispatcher

from actions import knowledge_client as kb
from actions.navigate import guarded, utter


class ActionGreet(Action):
    def name(self) -> Text:
        return "action_greet"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: Dict[Text, Any]) -> List[EventType]:
        async def greet() -> List[EventType]:
            utter(dispatcher, await kb.say("greet"))
            return []
        return await guarded(dispatcher, self.name(), greet(), tracker)
