"""Rasa NLU component: converts Traditional Chinese (and full-width characters) to Simplified.

It sits first in the pipeline, so the tokenizer, featurizers and classifier only ever see
Simplified text: training data is Simplified, while many citizens (Hong Kong, Macao, Taiwan,
or phones set to Traditional input) type Traditional characters.
"""
from __future__ import annotations

import unicodedata
from typing import Any, Dict, List, Optional, Text

import opencc
from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.shared.nlu.constants import TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData


EMPTY_PLACEHOLDER = "空白消息"


@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.MESSAGE_FEATURIZER], is_trainable=False)
class TraditionalToSimplified(GraphComponent):
    def __init__(self, config: Dict[Text, Any]) -> None:
        self._converter = opencc.OpenCC(config.get("conversion", "t2s.json"))

    @classmethod
    def create(cls, config: Dict[Text, Any], model_storage: ModelStorage, resource: Resource,
               execution_context: ExecutionContext) -> "TraditionalToSimplified":
        return cls(config)

    @staticmethod
    def get_default_config() -> Dict[Text, Any]:
        return {"conversion": "t2s.json"}

    @staticmethod
    def required_packages() -> List[Text]:
        return ["opencc"]

    def _convert(self, message: Message) -> None:
        text: Optional[str] = message.get(TEXT)
        if text is None:
            return
        text = self._converter.convert(unicodedata.normalize("NFKC", text)).strip()
        # A blank message has no features at all and the classifier would raise; a placeholder
        # word lets it fall through to the fallback, which answers politely.
        message.set(TEXT, text or EMPTY_PLACEHOLDER)

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        for message in training_data.training_examples:
            self._convert(message)
        return training_data

    def process(self, messages: List[Message]) -> List[Message]:
        for message in messages:
            self._convert(message)
        return messages
