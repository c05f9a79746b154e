"""Rasa NLU component: a handoff to a person needs words that ask for one.

The intent classifier weighs the character "人" heavily for human_handoff, so answers such as
"就我一个人干" or "夫妻两个人开" (how many people work there, during the situation questions) were
taken for "转人工" and ended the form. After the classifier, this component drops human_handoff from
a message that has none of the words of knowledge/dialogue/acts.ASKS_FOR_PERSON (人工, 客服, 电话 …);
the next intent takes its place, and the FallbackClassifier after it judges that one's confidence.
"""
from __future__ import annotations

from typing import Any, Dict, List, Text

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.shared.nlu.constants import INTENT, INTENT_NAME_KEY, INTENT_RANKING_KEY, TEXT
from rasa.shared.nlu.training_data.message import Message

from knowledge.dialogue.acts import asks_for_person

HANDOFF = "human_handoff"


@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER], is_trainable=False)
class HandoffNeedsARequest(GraphComponent):
    @classmethod
    def create(cls, config: Dict[Text, Any], model_storage: ModelStorage, resource: Resource,
               execution_context: ExecutionContext) -> "HandoffNeedsARequest":
        return cls()

    def process(self, messages: List[Message]) -> List[Message]:
        for message in messages:
            intent = message.get(INTENT) or {}
            if intent.get(INTENT_NAME_KEY) != HANDOFF or asks_for_person(message.get(TEXT) or ""):
                continue
            ranking = [r for r in message.get(INTENT_RANKING_KEY) or [] if r.get(INTENT_NAME_KEY) != HANDOFF]
            message.set(INTENT_RANKING_KEY, ranking, add_to_output=True)
            message.set(INTENT, dict(ranking[0]) if ranking else {INTENT_NAME_KEY: None, "confidence": 0.0},
                        add_to_output=True)
        return messages
