"""Cases for the speed patches of bot/server.py, run in the Rasa venv by tests/bot/test_server.py:

    .venv/rasa/bin/python tests/bot/server_cases.py CASE

Each patch must decide exactly what stock Rasa 3.6 decides; stock Rasa, unpatched, is the reference.
"""
from __future__ import annotations

import asyncio
import copy
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from jsonschema import ValidationError  # noqa: E402
from jsonschema.validators import validator_for  # noqa: E402
from rasa.core.actions.action import RemoteAction  # noqa: E402

from bot import server  # noqa: E402
from rasa.core.policies.rule_policy import RULES  # noqa: E402

RASA_MODEL = ROOT / ".build" / "rasa-models" / "navigator.tar.gz"


def sample_events() -> list[dict]:
    """One valid event of every kind the schema names, with its usual fields."""
    kinds = [k["properties"]["event"]["const"]
             for k in RemoteAction.action_response_format_spec()["properties"]["events"]["items"]["oneOf"]]
    special = {
        "user": {"text": "办护照", "parse_data": {"intent": {"name": "request_guide", "confidence": 0.9},
                                                   "entities": [{"entity": "choice", "value": "2", "start": 0,
                                                                 "end": 1}]}},
        "action": {"name": "action_navigate", "policy": "RulePolicy", "confidence": 1.0},
        "slot": {"name": "focus", "value": "item:passport"},
        "entities": {"entities": [{"entity": "rating", "value": "5"}]},
        "bot": {"text": "您好", "data": {"buttons": [{"title": "1", "payload": "/choose"}]}},
        "active_loop": {"name": "situation_form"},
    }
    return [{"event": k, "timestamp": 1.0, **special.get(k, {})} for k in kinds]


def broken_results(valid: list[dict]) -> list:
    """Responses the schema refuses, one way each."""
    slot = next(e for e in valid if e["event"] == "slot")
    user = next(e for e in valid if e["event"] == "user")
    return [
        [], "events", {"events": "slot"}, {"events": [1]}, {"events": [{}]},
        {"events": [{"event": "no_such_event"}]}, {"events": [{"event": 3}]},
        {"events": [{"event": "slot", "name": "focus"}]},                       # no value
        {"events": [{**slot, "name": 5}]},
        {"events": [{"event": "entities"}]},                                    # no entities
        {"events": [{"event": "entities", "entities": [{"value": "5"}]}]},      # entity without its name
        {"events": [{**user, "parse_data": {"intent": "request_guide"}}]},
        {"events": [{**user, "text": 5}]},
        {"events": [{"event": "action", "name": 5}]},
        {"events": [{"event": "bot", "timestamp": "yesterday"}]},
        {"events": [{"event": "bot", "metadata": []}]},
        {"events": [*valid, {"event": "slot"}]},                                # one bad among good ones
        {"events": [], "responses": "hello"},
        {"events": [], "responses": [1]},
    ]


async def case_reply_check_decides_as_the_schema() -> None:
    schema = RemoteAction.action_response_format_spec()
    reference = validator_for(schema)(schema)
    fast = server.valid_by_event_type(schema)
    valid = sample_events()
    accepted = [{"events": [e]} for e in valid] + [{"events": valid, "responses": [{"text": "好"}]}, {}, {"events": []}]
    refused = broken_results(valid)
    for result in accepted:
        assert reference.is_valid(result), result
        assert fast(result) is True, result
    for result in refused:
        assert not reference.is_valid(result), result
        assert fast(result) is False, result
    # The patched check passes what the schema passes and refuses the rest with Rasa's error.
    server.compile_action_result_check()
    action = RemoteAction("action_navigate", None)
    for result in accepted:
        assert action._validate_action_result(copy.deepcopy(result)) is True
    for result in refused:
        try:
            action._validate_action_result(copy.deepcopy(result))
        except ValidationError as e:
            assert "Failed to validate Action server response" in e.message
        else:
            raise AssertionError(f"accepted {result!r}")


def conversation_trackers(agent, parses: list[dict]) -> list:
    """Trackers as a conversation leaves them: turns with the navigator's answers, and a situation
    form that is active, so that the loop rules are reached too."""
    from rasa.shared.core.events import (ActionExecuted, ActiveLoop, BotUttered, SessionStarted, SlotSet,
                                         UserUttered)
    from rasa.shared.core.trackers import DialogueStateTracker

    trackers = []
    events = [ActionExecuted("action_session_start"), SessionStarted(), ActionExecuted("action_listen")]
    for n, parse in enumerate(parses):
        events.append(UserUttered(parse["text"], parse["intent"], parse["entities"], parse))
        trackers.append(DialogueStateTracker.from_events(f"t{n}", list(events), agent.domain.slots))
        events.append(ActionExecuted("action_navigate"))
        trackers.append(DialogueStateTracker.from_events(f"t{n}-answered", list(events), agent.domain.slots))
        events += [BotUttered("好的"), ActionExecuted("action_listen")]
        if n == 3:
            events += [SlotSet("situation_needed", True), ActionExecuted("situation_form"),
                       ActiveLoop("situation_form"), SlotSet("requested_slot", "situation_answer"),
                       ActionExecuted("action_listen")]
        if n == 6:
            events += [ActiveLoop(None), SlotSet("requested_slot", None), SlotSet("situation_needed", False)]
    return trackers


async def decisions(agent, texts: list[str]) -> tuple[list, list]:
    parses = [await agent.parse_message(t) for t in texts]
    predictions = []
    for tracker in conversation_trackers(agent, parses):
        p = agent.processor._predict_next_with_tracker(tracker)
        predictions.append((p.max_confidence_index, p.probabilities, p.policy_name, p.events,
                            p.optional_events))
    return parses, predictions


def policy_of(agent):
    from rasa.core.policies.rule_policy import RulePolicy

    return next(node._component for node in agent.processor.graph_runner._instantiated_nodes.values()
                if isinstance(getattr(node, "_component", None), RulePolicy))


def possible_rules(agent, parses: list[dict]) -> list[set]:
    from rasa.core.policies.rule_policy import RULES, RULES_FOR_LOOP_UNHAPPY_PATH

    policy = policy_of(agent)
    found = []
    for tracker in conversation_trackers(agent, parses):
        states = policy._prediction_states(tracker, agent.domain, False, rule_only_data=policy._get_rule_only_data())
        for lookup in (RULES, RULES_FOR_LOOP_UNHAPPY_PATH):
            found.append(policy._get_possible_keys(policy.lookup[lookup], states))
    return found


async def case_graph_runner_and_rule_matching_decide_as_stock() -> None:
    from rasa.core.agent import Agent

    texts = ["我想开个饭店，要办哪些手续", "个体户", "大概80平", "2", "要带哪些材料", "收费吗", "转人工", "再见",
             "5分", "我想開一家餐廳", "今天天气怎么样", "跳过", "谢谢", "什么是容缺受理", "你好", ""]
    agent = Agent.load(str(RASA_MODEL))
    stock = await decisions(agent, texts)
    stock_keys = possible_rules(agent, stock[0])
    server.run_graphs_in_order()
    server.match_rules_on_their_length()
    patched = await decisions(agent, texts)
    # The rules still possible after each tracker's states: the same sets, not only the same winner.
    assert stock_keys == possible_rules(agent, stock[0])
    assert any(0 < len(keys) < len(policy_of(agent).lookup[RULES]) for keys in stock_keys)
    assert [p["intent"] for p in stock[0]] == [p["intent"] for p in patched[0]]
    assert stock[0] == patched[0]
    assert len(stock[1]) > 20 and stock[1] == patched[1]
    print(sorted({agent.domain.action_names_or_texts[p[0]] for p in stock[1]}))
    assert len({p[0] for p in stock[1]}) > 2, "the trackers should lead to different actions"


if __name__ == "__main__":
    asyncio.run(globals()[f"case_{sys.argv[1]}"]())
    print("ok")
