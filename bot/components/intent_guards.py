"""Rasa NLU component: intents whose words must agree with the classifier.

The classifier learns from a few dozen examples per intent and over-trusts single characters:
- **human_handoff** weighs "人" heavily, so answers such as "就我一个人干" or "夫妻两个人开" (how many
  people work there, during the situation questions) were taken for "转人工" and ended the form. A
  handoff needs words that ask for a person (knowledge/dialogue/acts.ASKS_FOR_PERSON: 人工, 客服, 电话 …).
- **stop** hears "算了", so "算了KTV不搞了，改开个宾馆" ended the questions with the KTV plan, and it
  heard one in the short answer "丢了". A stop must say so (acts.STOPS: 算了, 不办了, 退出 …) and must
  not name a new goal (acts.NAMES_A_NEW_GOAL: 改开, 还是办, 想做 …).
- **goodbye** and **thank** end the conversation with a rating request; the classifier heard one in
  "我下个月满60要退休了" and "交了三年了，公司辞退的". They must say so (acts.ENDS, acts.THANKS).
- **give_rating** hears a small number: "开火锅店，个体，200平" skipped the situation questions. A
  rating must say how the help was (acts.RATES: 5分, 满意, 差评 …).
- **ask_notice** hears "打印", so "开个打印店 个体户" got the printable notice. A message that opens a
  business (acts.OPENS_A_BUSINESS: 开个…店/社/公司) asks for the notice only when it names it
  (acts.NAMES_THE_NOTICE: 告知单, 清单 …).

After the classifier, a guarded intent whose words disagree is dropped from the message; the next
intent takes its place, and the FallbackClassifier after this component judges that one's confidence.
The wording rules live with the other Chinese dialogue-act rules in knowledge/dialogue/acts.py.
"""
from __future__ import annotations

from typing import Any, Callable, Dict, List, Text

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.shared.nlu.constants import INTENT, INTENT_NAME_KEY, INTENT_RANKING_KEY, TEXT
from rasa.shared.nlu.training_data.message import Message

from knowledge.dialogue.acts import (asks_for_person, gives_a_rating, may_ask_for_the_notice, says_goodbye, says_stop,
                                     says_thanks)

# intent → what its text must satisfy for the intent to stand
GUARDS: Dict[str, Callable[[str], bool]] = {
    "human_handoff": asks_for_person,
    "stop": says_stop,
    "ask_notice": may_ask_for_the_notice,
    "goodbye": says_goodbye,
    "thank": says_thanks,
    "give_rating": gives_a_rating,
}


@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER], is_trainable=False)
class IntentGuards(GraphComponent):
    @classmethod
    def create(cls, config: Dict[Text, Any], model_storage: ModelStorage, resource: Resource,
               execution_context: ExecutionContext) -> "IntentGuards":
        return cls()

    def process(self, messages: List[Message]) -> List[Message]:
        for message in messages:
            name = (message.get(INTENT) or {}).get(INTENT_NAME_KEY)
            guard = GUARDS.get(name or "")
            if guard is None or guard(message.get(TEXT) or ""):
                continue
            ranking = [r for r in message.get(INTENT_RANKING_KEY) or [] if r.get(INTENT_NAME_KEY) != name]
            message.set(INTENT_RANKING_KEY, ranking, add_to_output=True)
            message.set(INTENT, dict(ranking[0]) if ranking else {INTENT_NAME_KEY: None, "confidence": 0.0},
                        add_to_output=True)
        return messages
