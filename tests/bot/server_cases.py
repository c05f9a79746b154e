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
    # The rules still possible after each tracker's states: the same sets, not only the same winner,
    # computed or remembered (the second time round every sequence of states is a known one).
    known = policy_of(agent).__dict__["_navigator_rule_matches"]
    known.clear()
    assert stock_keys == possible_rules(agent, stock[0])
    remembered = dict(known)
    assert 0 < len(remembered) <= len(stock_keys)
    assert stock_keys == possible_rules(agent, stock[0])
    assert known == remembered
    assert any(0 < len(keys) < len(policy_of(agent).lookup[RULES]) for keys in stock_keys)
    assert [p["intent"] for p in stock[0]] == [p["intent"] for p in patched[0]]
    assert stock[0] == patched[0]
    assert len(stock[1]) > 20 and stock[1] == patched[1]
    print(sorted({agent.domain.action_names_or_texts[p[0]] for p in stock[1]}))
    assert len({p[0] for p in stock[1]}) > 2, "the trackers should lead to different actions"


async def case_sentence_row_classifies_as_stock() -> None:
    """classify_on_the_sentence_features: for every NLU training example and some odd messages, the
    classifier's input row is bitwise Rasa's and the parse (intent, ranking, confidences) identical."""
    import numpy as np
    from rasa.core.agent import Agent
    from rasa.nlu.classifiers.logistic_regression_classifier import LogisticRegressionClassifier
    from rasa.shared.nlu.training_data.loading import load_data

    texts = [m.get("text") for m in load_data(str(ROOT / "bot" / "data" / "nlu.yml")).training_examples]
    texts += ["", " ", "?", "12345", "Hello, I need a business licence", "我想開一家餐廳，要辦哪些手續",
              "😀😀", "办" * 400, "/greet", "个体户，80平，不卖烟，不挂招牌，要多久，收费吗"]
    agent = Agent.load(str(RASA_MODEL))
    node = next(n for n in agent.processor.graph_runner._instantiated_nodes.values()
                if isinstance(getattr(n, "_component", None), LogisticRegressionClassifier))
    seen: list = []
    classify = node._fn

    def keeping_the_message(component, messages):
        seen.extend(messages)
        return classify(component, messages)

    node._fn = keeping_the_message
    stock_parses = [await agent.parse_message(t) for t in texts]
    stock_rows = [node._component._create_X([m]) for m in seen]
    server.classify_on_the_sentence_features()
    rows = [node._component._create_X([m]) for m in seen]
    parses = [await agent.parse_message(t) for t in texts]
    assert len(rows) == len(texts) > 1000
    for a, b in zip(stock_rows, rows):
        assert (a.format, a.shape, a.dtype) == (b.format, b.shape, b.dtype)
        assert np.array_equal(a.indptr, b.indptr) and np.array_equal(a.indices, b.indices) \
            and np.array_equal(a.data, b.data)
    assert parses == stock_parses
    assert len({p["intent"]["name"] for p in parses}) > 10


def conversation_events(tracker) -> list[dict]:
    """A stored conversation without what differs from run to run (times, message ids)."""
    def plain(value):
        if isinstance(value, dict):
            return {k: plain(v) for k, v in value.items() if k not in ("timestamp", "message_id")}
        if isinstance(value, list):
            return [plain(v) for v in value]
        return value

    return [plain(e.as_dict()) for e in tracker.events]


async def case_conversations_as_stock() -> None:
    """All the patches together (bot.server.patch_rasa), end to end: the benchmark's conversations,
    through stock Rasa 3.6 and through the patched one, against the same running action server
    (ACTION_URL, SERVICE_TOKEN), give the same answers and store the same events.

    One agent serves both passes (the patches replace methods of Rasa's classes): loading the model
    a second time in a process changes how jieba splits some messages (JiebaTokenizer adds its user
    dictionary to jieba's global one again), and with it their intent confidences."""
    import os
    import tempfile

    from rasa.core.agent import load_agent
    from rasa.core.channels.channel import CollectingOutputChannel, UserMessage
    from rasa.core.utils import AvailableEndpoints

    from benchmarks.dialogue_load import CONVERSATIONS

    async def run(agent, pass_name: str) -> tuple[list, list]:
        answers, stored = [], []
        for n, script in enumerate(CONVERSATIONS * 2):  # twice: kept trackers and states are reused
            sender = f"{pass_name}-{n}"
            for text in script:
                out = CollectingOutputChannel()
                await agent.handle_message(UserMessage(text, out, sender))
                answers.append((text, [{k: v for k, v in m.items() if k != "recipient_id"} for m in out.messages]))
            stored.append(conversation_events(await agent.tracker_store.retrieve_full_tracker(sender)))
        return answers, stored

    with tempfile.TemporaryDirectory() as workdir:
        endpoints = Path(workdir) / "endpoints.yml"
        endpoints.write_text(f"action_endpoint:\n  url: {os.environ['ACTION_URL']}/webhook\n"
                             f"  headers:\n    X-Service-Token: {os.environ['SERVICE_TOKEN']}\n"
                             f"  enable_selective_domain: true\n"
                             f"tracker_store:\n  type: bot.tracker_store.SessionWindowSQLTrackerStore\n"
                             f"  dialect: sqlite\n  db: {workdir}/conversations.db\n", encoding="utf-8")
        agent = await load_agent(model_path=str(RASA_MODEL), endpoints=AvailableEndpoints.read_endpoints(str(endpoints)))
        stock = await run(agent, "stock")
        server.patch_rasa()
        patched = await run(agent, "patched")
        async with agent.action_endpoint.session() as kept:  # reuse_http_connections' session
            await kept.close()
    assert len(stock[0]) == len(patched[0]) > 80
    for a, b in zip(stock[0], patched[0]):
        assert a == b, (a, b)
    assert sum("situation_form" in str(events) for events in stock[1]) >= 4, "the form should run"
    for n, (a, b) in enumerate(zip(stock[1], patched[1])):
        assert a == b, f"conversation {n}"


def growing_conversation(parses: list[dict]) -> list[list]:
    """The events a conversation adds, step by step (one action and its events, or one message),
    through everything that rewrites Rasa's applied history: a loop seen for the first time, a form
    executed turn after turn (Rasa drops the turns in between), a form rejected and returned to, a
    reverted utterance and action, a restart, a new session."""
    from rasa.shared.core.events import (ActionExecuted, ActionExecutionRejected, ActionReverted, ActiveLoop,
                                         BotUttered, FollowupAction, Restarted, SessionStarted, SlotSet,
                                         UserUttered, UserUtteranceReverted)

    def said(n: int) -> UserUttered:
        p = parses[n % len(parses)]
        return UserUttered(p["text"], p["intent"], p["entities"], p)

    steps = [[ActionExecuted("action_session_start"), SessionStarted()], [ActionExecuted("action_listen")]]
    for n in range(3):
        steps += [[said(n)], [ActionExecuted("action_navigate"), BotUttered("好的"), SlotSet("situation_needed", False)],
                  [ActionExecuted("action_listen")]]
    steps += [[said(3)], [ActionExecuted("action_navigate"), SlotSet("situation_needed", True)],
              [ActionExecuted("situation_form")],  # Rasa logs the form's execution before its ActiveLoop
              [ActiveLoop("situation_form"), BotUttered("（1/4）"), SlotSet("requested_slot", "situation_answer")],
              [ActionExecuted("action_listen")]]
    for n in range(4, 7):  # answers: the form runs again after each
        steps += [[said(n), SlotSet("situation_answer", "x")],
                  [ActionExecuted("situation_form"), SlotSet("situation_answer", None), BotUttered("好的"),
                   SlotSet("requested_slot", "situation_answer")], [ActionExecuted("action_listen")]]
    steps += [[said(7)], [ActionExecutionRejected("situation_form")],
              [ActionExecuted("action_navigate"), BotUttered("答")],
              [ActionExecuted("situation_form"), BotUttered("（3/4）")], [ActionExecuted("action_listen")],
              [said(8)], [UserUtteranceReverted()], [ActionExecuted("action_listen")],
              [said(9), SlotSet("situation_answer", "y")],
              [ActionExecuted("situation_form"), SlotSet("situation_answer", "done"), ActiveLoop(None),
               SlotSet("requested_slot", None)],
              [ActionExecuted("action_show_plan"), BotUttered("方案"), SlotSet("situation_needed", False)],
              [ActionReverted()], [ActionExecuted("action_show_plan"), FollowupAction("action_navigate")],
              [ActionExecuted("action_navigate")], [ActionExecuted("action_listen")],
              [said(10)], [ActionExecuted("action_navigate"), SlotSet("situation_needed", True)],
              [ActionExecuted("situation_form"), ActiveLoop("situation_form")], [ActionExecuted("action_listen")],
              [said(11), SlotSet("situation_answer", "z")], [ActionExecuted("situation_form")],
              [ActionExecuted("action_listen")],
              [said(12)], [ActionExecuted("action_restart"), Restarted()], [ActionExecuted("action_listen")],
              [said(13)], [ActionExecuted("action_navigate")], [ActionExecuted("action_listen")],
              [ActionExecuted("action_session_start"), SessionStarted()], [ActionExecuted("action_listen")],
              [said(14)], [ActionExecuted("action_navigate")]]
    return steps


def prediction_of(agent, tracker) -> tuple:
    p = agent.processor._predict_next_with_tracker(tracker)
    return p.max_confidence_index, p.probabilities, p.policy_name, p.events, p.optional_events, p.hide_rule_turn


async def case_kept_states_and_skipped_copies_decide_as_stock() -> None:
    """featurise_only_new_events and copy_only_for_written_debug_lines: one tracker that grows step
    by step gives, at every step, the states and the prediction stock Rasa gives on a fresh tracker
    of the same events."""
    import logging

    from rasa.core.agent import Agent
    from rasa.shared.core.trackers import DialogueStateTracker

    texts = ["我想开个饭店，要办哪些手续", "要多久", "收费吗", "开店", "个体户", "大概80平", "不卖烟", "转人工", "不挂",
             "要挂招牌", "谢谢", "5分", "你好", "什么是容缺受理", "再见"]
    agent = Agent.load(str(RASA_MODEL))
    domain = agent.domain
    parses = [await agent.parse_message(t) for t in texts]
    steps = growing_conversation(parses)

    def prefixes():
        events = []
        for step in steps:
            events += step
            yield DialogueStateTracker.from_events("fresh", list(events), domain.slots)

    stock = [(t.past_states(domain), t.past_states(domain, omit_unset_slots=True), prediction_of(agent, t),
              t.applied_events()) for t in prefixes()]

    server.copy_only_for_written_debug_lines()
    server.featurise_only_new_events()
    server.run_graphs_in_order()
    server.match_rules_on_their_length()
    grown = DialogueStateTracker.from_events("grown", [], domain.slots)
    kept = []
    for step, (states, states_omitting, prediction, applied) in zip(steps, stock):
        for event in step:
            grown.update(event)
        assert len(grown.applied_events()) == len(applied)
        assert all(a is b for a, b in zip(grown.applied_events(), applied))
        assert prediction_of(agent, grown) == prediction
        assert grown.past_states(domain) == states
        assert grown.past_states(domain, omit_unset_slots=True) == states_omitting
        assert grown.past_states(domain) == states  # and back, after the other kind was kept
        kept.append(grown.__dict__[server.KEPT_HISTORY])
    # Most steps extended what was kept; the rewriting ones (form re-runs, reverts, restarts) recomputed it.
    replays = len({id(k) for k in kept})
    assert 5 < replays < len(steps) / 2, (replays, len(steps))
    print(f"{len(steps)} steps, history recomputed {replays} times")
    assert len({p[0] for _, _, p, _ in stock}) > 2, "the steps should lead to different actions"

    # The skipped deep copies: made as before as soon as the module's debug lines are written.
    import rasa.core.processor as processor
    value = {"events": [1, 2]}
    assert processor.copy.deepcopy(value) is value
    logging.getLogger("rasa.core.processor").setLevel(logging.DEBUG)
    try:
        copied = processor.copy.deepcopy(value)
        assert copied == value and copied is not value and copied["events"] is not value["events"]
    finally:
        logging.getLogger("rasa.core.processor").setLevel(logging.NOTSET)


if __name__ == "__main__":
    import logging

    from rasa.utils.log_utils import configure_structlog

    configure_structlog(logging.INFO)  # as `rasa run` configures it: no debug lines
    asyncio.run(globals()[f"case_{sys.argv[1]}"]())
    print("ok")
