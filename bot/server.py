"""`rasa …` with small patches, each applied by a named function below:

1. compile_action_result_check — the action-server response schema is compiled once.
   Rasa 3.6 checks every action server reply with `jsonschema.validate`, which re-checks the large
   events schema itself on each call. Profiling showed this was most of Rasa's CPU per turn (92 ms
   → 24 ms with the validator built once; 20 concurrent users: 9 → 26 turns/s). The check itself is
   kept, with the same error message. Each event is then checked against the schema of its own kind
   instead of all 23 (valid_by_event_type: the same verdict, a tenth of Rasa's CPU per turn less).

2. fail_loudly_when_tracker_store_fails — in the scaled layout the conversation state lives in
   PostgreSQL (docs/deploy.md). Stock Rasa wraps the tracker store in a FailSafeTrackerStore that,
   when PostgreSQL is unreachable, logs and carries on with an EMPTY tracker and keeps the turn in
   this process's memory, where no later turn ever reads it: the citizen is answered as if the
   conversation had just begun (their "个体户" no longer answers the question they were asked), and the
   turn is lost when PostgreSQL returns. The patch raises TrackerStoreUnavailable instead, so the turn
   is declined openly by patch 3 and the conversation continues from PostgreSQL once it is back.

3. answer_politely_when_dialogue_fails — when a turn fails (tracker store, Redis lock store, anything
   else), stock Rasa's REST channel answers 200 with an empty list, socket.io stays silent and the
   WeChat channel only sees an exception. The patch logs one clear line (which store, which error)
   and answers the citizen on every channel with channels.apology.dialogue_unavailable(): a polite
   Chinese message with the hotline (HOTLINE_PHONE). The Rasa process stays up and serves the next
   turn normally as soon as the store is back: no crash, no restart loop.

4. look_up_event_types_once — an event's class is found by name once, not by walking every Event
   subclass for every event of the tracker on every turn.

5. keep_citizens_words_out_of_logs — every log line is masked and shortened (privacy.logs), and the
   fields of Rasa's structured log lines that carry what a citizen said (text, message, …: the keys
   Rasa's own anonymiser hook lists) keep only their first words: stock Rasa writes the whole message,
   e.g. "rest.message.received.failure" with text=<all of it>.

6. listen_on_loopback_by_default — `run` without --interface listens on 127.0.0.1, not 0.0.0.0;
   a deployment that wants Rasa on a network says so with --interface.

7. send_actions_what_they_read — the action server gets the tracker's state (slots, latest message,
   active loop …) with the events of the current turn and the last 30 messages before it, instead of
   every event of the tracker: what the actions read (the form's slot validation walks the current
   turn's events; handoff and rating transcripts are the last 30 messages). The request then has the
   same size at turn 200 as at turn 1.

8. reuse_http_connections — Rasa 3.6 opens a new aiohttp session, and so a new TCP connection, for
   every call to the action server; the session is now kept per endpoint and event loop, so calls
   reuse keep-alive connections.

9. run_graphs_in_order — the NLU pipeline and the policy graph are evaluated depth-first instead of
   through dask's scheduler, whose bookkeeping cost as much as the classifier (same nodes, inputs
   and results).

10. match_rules_on_their_length — RulePolicy compares its rules with as many of the latest states
   as the longest rule has, not with every state of the tracker (the same rules match), and
   remembers which rules matched a sequence of states.

11. freeze_the_loaded_model — what is loaded at start is kept out of the garbage collector's full
   collections, each of which otherwise stopped every conversation for most of a second.

12. featurise_only_new_events — which events apply and the policy states of a tracker's history are
   kept on the tracker between predictions and turns; only its new events are taken in (the same
   applied events and states).

13. copy_only_for_written_debug_lines — what Rasa passes to its debug log lines is deep-copied (and
   RulePolicy's states formatted) only when those lines are written.

14. classify_on_the_sentence_features — the intent classifier's input row is built once from the
   sentence features (the same row), not through the token-level features and four sparse stacks.

15. run_reading_actions_on_the_tracker — an action that only reads the tracker (action server,
   action_listen) gets the tracker itself, not a copy, when the prediction brought no events.

docs/latency.md has the profile behind 1 and 9 to 15.

The tracker store (bot/tracker_store.py, configured in bot/endpoints.yml) is the other half of a
flat per-turn cost: it loads only the recent turns of the current session.

Plus, for PostgreSQL tracker stores only, pool_pre_ping (check_connections_before_use): after a
PostgreSQL restart the pooled connections are dead; SQLAlchemy then tests each one before use instead
of failing the first turn on it.

    python -m bot.server run --model … --endpoints … --credentials …   # same arguments as `rasa`
"""
from __future__ import annotations

import itertools
import logging
import sys
from typing import Any, Dict, List, Optional, Text

logger = logging.getLogger("bot.server")


class TrackerStoreUnavailable(RuntimeError):
    """The conversation store (PostgreSQL in the scaled layout) could not be read or written."""


def compile_action_result_check() -> None:
    from jsonschema import ValidationError
    from jsonschema.validators import validator_for
    from rasa.core.actions.action import RemoteAction
    from rasa.shared.constants import DOCS_BASE_URL

    schema = RemoteAction.action_response_format_spec()
    validator = validator_for(schema)(schema)
    is_valid = valid_by_event_type(schema)

    def _validate_action_result(self: RemoteAction, result: Dict[Text, Any]) -> bool:
        if is_valid(result):
            return True
        try:
            validator.validate(result)
            return True
        except ValidationError as e:
            e.message += (
                ". Failed to validate Action server response from API, make sure your response from "
                f"the Action endpoint is valid. For more information about the format visit "
                f"{DOCS_BASE_URL}/custom-actions"
            )
            raise e

    RemoteAction._validate_action_result = _validate_action_result


def valid_by_event_type(schema: Dict[Text, Any]):
    """A check that accepts exactly what `schema` (Rasa's action-response schema) accepts, without
    trying every event kind on every event.

    Each event must match `oneOf` 23 event schemas, told apart only by `"event": {"const": …}`, so
    jsonschema validates every event against all 23 (a tenth of Rasa's CPU per turn after the
    schema was compiled). As the constants differ, an event can match at most one of them: the one
    named by its own "event" field, so checking that one (with the common part) decides the same.
    Anything this check does not accept goes to the full validator, which gives Rasa's own error."""
    from jsonschema.validators import validator_for

    events_schema = schema["properties"]["events"]
    event_schema = events_schema["items"]
    common = {k: v for k, v in event_schema.items() if k != "oneOf"}
    by_type = {}
    for kind in event_schema["oneOf"]:
        name = kind["properties"]["event"]["const"]
        assert name not in by_type, f"two event schemas for {name!r}: the dispatch would be wrong"
        one = {"allOf": [common, kind]}
        by_type[name] = validator_for(one)(one)
    outer_schema = {**schema, "properties": {**schema["properties"], "events": {
        k: v for k, v in events_schema.items() if k != "items"}}}
    outer = validator_for(outer_schema)(outer_schema)

    def is_valid(result: Any) -> bool:
        if not outer.is_valid(result):
            return False
        for event in result.get("events") or ():
            kind = event.get("event") if isinstance(event, dict) else None
            check = by_type.get(kind) if isinstance(kind, str) else None
            if check is None or not check.is_valid(event):
                return False
        return True

    return is_valid


def fail_loudly_when_tracker_store_fails() -> None:
    from rasa.core.tracker_store import FailSafeTrackerStore

    def _store_name(self: FailSafeTrackerStore) -> str:
        return type(self._tracker_store).__name__

    async def retrieve(self: FailSafeTrackerStore, sender_id: Text):
        try:
            return await self._tracker_store.retrieve(sender_id)
        except Exception as e:
            raise TrackerStoreUnavailable(f"{_store_name(self)} retrieve: {type(e).__name__}: {e}") from e

    async def retrieve_full_tracker(self: FailSafeTrackerStore, sender_id: Text):
        try:
            return await self._tracker_store.retrieve_full_tracker(sender_id)
        except Exception as e:
            raise TrackerStoreUnavailable(f"{_store_name(self)} retrieve: {type(e).__name__}: {e}") from e

    async def save(self: FailSafeTrackerStore, tracker) -> None:
        try:
            await self._tracker_store.save(tracker)
        except Exception as e:
            raise TrackerStoreUnavailable(f"{_store_name(self)} save: {type(e).__name__}: {e}") from e

    def init_tracker(self: FailSafeTrackerStore, sender_id: Text):
        # The wrapped store makes new trackers itself, so its bookkeeping (bot/tracker_store.py:
        # which events are stored) applies from a conversation's first turn.
        return self._tracker_store.init_tracker(sender_id)

    FailSafeTrackerStore.retrieve = retrieve
    FailSafeTrackerStore.retrieve_full_tracker = retrieve_full_tracker
    FailSafeTrackerStore.save = save
    FailSafeTrackerStore.init_tracker = init_tracker


def check_connections_before_use() -> None:
    import rasa.core.tracker_store as tracker_store

    stock = tracker_store.create_engine_kwargs

    def create_engine_kwargs(url) -> Dict[Text, Any]:
        kwargs = stock(url)
        if tracker_store.is_postgresql_url(url):
            kwargs["pool_pre_ping"] = True
        return kwargs

    tracker_store.create_engine_kwargs = create_engine_kwargs


def failure_cause(error: BaseException) -> Optional[str]:
    """Which shared store a failed turn tripped over, or None for any other failure."""
    from rasa.core.lock_store import LockError

    try:
        from redis.exceptions import RedisError
    except ImportError:  # pragma: no cover - redis is in the Rasa venv
        RedisError = ()  # type: ignore[assignment,misc]
    seen = error
    while seen is not None:
        if isinstance(seen, TrackerStoreUnavailable):
            return "tracker_store"
        if isinstance(seen, (LockError, RedisError)):
            return "lock_store"
        seen = seen.__cause__ or seen.__context__
    return None


def answer_politely_when_dialogue_fails() -> None:
    from rasa.core.agent import Agent
    from rasa.core.channels.channel import CollectingOutputChannel, UserMessage

    from channels.apology import dialogue_unavailable

    stock = Agent.handle_message

    async def handle_message(self: Agent, message: UserMessage) -> Optional[List[Dict[Text, Any]]]:
        try:
            return await stock(self, message)
        except Exception as error:
            cause = failure_cause(error)
            if cause:
                # The store's own error is the whole story; a traceback per turn would bury it.
                logger.error("dialogue.unavailable cause=%s sender=%s error=%s: %s — answered with the apology",
                             cause, message.sender_id, type(error).__name__, error)
            else:
                logger.exception("dialogue.failed sender=%s — answered with the apology", message.sender_id)
            channel = message.output_channel
            if isinstance(channel, CollectingOutputChannel):
                # The turn was not stored; answers it produced before failing would be forgotten
                # by the next turn, so only the apology goes out.
                channel.messages.clear()
            try:
                await channel.send_text_message(message.sender_id, dialogue_unavailable())
            except Exception:
                logger.exception("dialogue.apology.failed sender=%s", message.sender_id)
            return None

    Agent.handle_message = handle_message


def look_up_event_types_once() -> None:
    """Rasa 3.6 finds an event's class by walking every Event subclass, for every event of the
    tracker it loads on every turn (5% of Rasa's CPU under load, growing with the conversation).
    The subclasses are all imported at start-up, so the walk's answer is kept per type name."""
    from rasa.shared.core.events import Event

    stock = Event.resolve_by_type
    known: Dict[Text, Any] = {}

    def resolve_by_type(type_name: Text, default: Optional[Any] = None) -> Optional[Any]:
        if type_name not in known:
            found = stock(type_name, default)
            if found is default:  # unknown or legacy names keep the stock behaviour, uncached
                return found
            known[type_name] = found
        return known[type_name]

    Event.resolve_by_type = staticmethod(resolve_by_type)


def run_graphs_in_order() -> None:
    """Rasa runs its NLU pipeline and, for every prediction of a turn, its policy graph through
    `dask.get`: a scheduler that, for a graph of ten nodes on one thread, spent as much CPU ordering
    and bookkeeping as the logistic regression took to classify (about 8% of Rasa's CPU per turn).
    The same graph is evaluated here depth-first, each node once, with the same inputs and the same
    results; what depends on which targets is worked out once per list of targets, not per run."""
    from rasa.engine.exceptions import GraphRunError
    from rasa.engine.runner.dask import DaskGraphRunner
    from rasa.engine.runner.dask import logger as runner_logger

    def run(self: DaskGraphRunner, inputs: Optional[Dict[Text, Any]] = None,
            targets: Optional[List[Text]] = None) -> Dict[Text, Any]:
        run_targets = targets if targets else self._graph_schema.target_names
        plans = self.__dict__.setdefault("_plans", {})
        plan = plans.get(tuple(run_targets))
        if plan is None:
            plan = plans[tuple(run_targets)] = self._build_dask_graph(
                self._graph_schema.minimal_graph_schema(run_targets))
        graph = dict(plan)
        if inputs:
            self._add_inputs_to_graph(inputs, graph)
        if runner_logger.isEnabledFor(logging.DEBUG):
            runner_logger.debug(f"Running graph with inputs: {inputs}, targets: {targets} "
                                f"and {self._execution_context}.")
        try:
            return dict(evaluate_graph(graph, run_targets))
        except RuntimeError as e:
            raise GraphRunError("Error running runner.") from e

    DaskGraphRunner.run = run


def evaluate_graph(graph: Dict[Text, Any], targets: List[Text]) -> List[Any]:
    """`dask.get(graph, targets)` for the graphs Rasa builds: a task is a tuple whose first element
    is callable and whose other elements name the tasks it needs (a name not in the graph is
    passed as it is, as dask does); anything else is a value."""
    values: Dict[Text, Any] = {}

    def value(key: Text) -> Any:
        if key not in values:
            task = graph[key]
            if isinstance(task, tuple) and task and callable(task[0]):
                values[key] = task[0](*(value(a) if isinstance(a, str) and a in graph else a for a in task[1:]))
            else:
                values[key] = task
        return values[key]

    return [value(t) for t in targets]


# Distinct recent-state sequences whose matching rules are remembered (per policy), before starting over.
KNOWN_RULE_MATCHES = 4096


def match_rules_on_their_length() -> None:
    """RulePolicy tests every rule against every state of the tracker, newest first, although a rule
    has nothing to say about states older than its own length (`_is_rule_applicable` answers True
    for them). The states it walks are cut to the longest rule's length: the same rules remain.

    Which rules match those few states depends on nothing else (the rules are fixed once the model
    is loaded), and conversations pass through the same few states again and again (the same
    intent after the same action with the same slots), so the answer is remembered per sequence of
    states: matching every rule against them was 7% of Rasa's CPU per turn."""
    from rasa.core.policies.rule_policy import RulePolicy

    stock = RulePolicy._get_possible_keys

    def _get_possible_keys(self: RulePolicy, lookup: Dict[Text, Text], states: List[Any]):
        reaches = self.__dict__.setdefault("_navigator_rule_reach", {})
        reach = reaches.get(id(lookup))
        if reach is None:
            # Rasa keeps each rule's parsed states (an lru_cache), so measuring them is cheap.
            reach = reaches[id(lookup)] = max((len(self._rule_key_to_state(k)) for k in lookup), default=0)
        recent = states[-reach:] if reach else []
        try:
            key = (id(lookup), *(frozen_state(state) for state in recent))
            hash(key)
        except TypeError:  # a state with a value that cannot be a key: match as Rasa does
            return stock(self, lookup, recent)
        known = self.__dict__.setdefault("_navigator_rule_matches", {})
        found = known.get(key)
        if found is None:
            if len(known) >= KNOWN_RULE_MATCHES:
                known.clear()
            found = known[key] = frozenset(stock(self, lookup, recent))
        return set(found)

    RulePolicy._get_possible_keys = _get_possible_keys


def frozen_state(state: Dict[Text, Any]) -> tuple:
    """A policy state (its parts and their features) as a comparable, hashable value."""
    return tuple(sorted((part, tuple(sorted(features.items()))) for part, features in state.items()))


def classify_on_the_sentence_features() -> None:
    """LogisticRegressionClassifier builds its input row through Message.get_sparse_features, which
    deep-copies and stacks the token-level (sequence) features as well, which the classifier never
    reads, and then passes the sentence row through three more sparse conversions and stacks: two
    thirds of the classifier's CPU. The same row (bitwise the same values, indices and type: checked
    in tests/bot/server_cases.py) is built once from the sentence features of the featurisers, in
    their order. Anything else (several messages, dense features, no sparse ones) takes Rasa's path."""
    import functools

    import numpy as np
    import scipy.sparse
    from rasa.nlu.classifiers.logistic_regression_classifier import LogisticRegressionClassifier
    from rasa.shared.nlu.constants import FEATURE_TYPE_SENTENCE, TEXT

    stock = LogisticRegressionClassifier._create_X

    def _create_X(self: LogisticRegressionClassifier, messages: List[Any]):
        if len(messages) != 1:
            return stock(self, messages)
        sentence = [f for f in messages[0].features if f.attribute == TEXT and f.type == FEATURE_TYPE_SENTENCE]
        sparse = [f.features for f in sentence if f.is_sparse()]
        if not sparse or len(sparse) != len(sentence):
            return stock(self, messages)
        # Rasa combines the featurisers' matrices pairwise, left to right (Features.combine_with_features).
        row = functools.reduce(lambda a, b: scipy.sparse.hstack([a, b]), sparse)
        return scipy.sparse.csr_matrix(row, dtype=np.float64)

    LogisticRegressionClassifier._create_X = _create_X


def run_reading_actions_on_the_tracker() -> None:
    """Before every action Rasa copies the tracker (replaying all its events into a new one) and adds
    the prediction's events to the copy, so that those can be dropped if the action is rejected.
    When the prediction carries no events and the action only reads the tracker — a call to the
    action server, action_listen — the copy would equal the tracker and there is nothing to drop:
    the action is given the tracker itself. Two copies a turn, 3% of Rasa's CPU. `_run_action`
    copies with `tracker.copy()` and nowhere else, so for the call the tracker answers `copy()` with
    itself (an attribute of this one tracker, which only this turn holds: Rasa's lock per sender)."""
    from rasa.core.actions.action import ActionListen, RemoteAction
    from rasa.core.processor import MessageProcessor

    stock = MessageProcessor._run_action
    reading = (RemoteAction, ActionListen)

    async def _run_action(self: MessageProcessor, action: Any, tracker: Any, output_channel: Any, nlg: Any,
                          prediction: Any) -> bool:
        if prediction.events or type(action) not in reading:
            return await stock(self, action, tracker, output_channel, nlg, prediction)
        tracker.copy = lambda: tracker
        try:
            return await stock(self, action, tracker, output_channel, nlg, prediction)
        finally:
            del tracker.copy

    MessageProcessor._run_action = _run_action


KEPT_HISTORY = "_navigator_kept_history"


def featurise_only_new_events() -> None:
    """Rasa derives two things from a tracker by walking all its events, several times a turn: which
    events apply (`applied_events`: the session check twice, the form, and RulePolicy, which walks
    back over the history at every form execution) and the policy states of the history (RulePolicy,
    for each of the two to four predictions: the applied events replayed into a fresh tracker, one
    state before each action). Together 10–15% of Rasa's CPU per turn. Between two uses the tracker
    has only grown by a few events, and the tracker store keeps trackers from one turn to the next,
    so both are kept on the tracker and brought up to date with its new events only.

    New events are taken incrementally only when stock Rasa would simply append them to the applied
    events; anything that rewrites the applied history (a restart or session start, a reverted action
    or utterance, a form's repeated execution — Rasa then drops the turns in between — or a loop seen
    for the first time) recomputes everything the stock way. Only the plain state history is kept
    (`ignore_rule_only_turns=False`, RulePolicy's); trackers with a bounded event history take the
    stock path. `applied_events` hands out a new list, the states are the lists of the same dicts
    stock Rasa builds (consumers change only the last state, which is built afresh on every call)."""
    from rasa.shared.core.events import (ActionExecuted, ActionReverted, ActiveLoop, Restarted, SessionStarted,
                                         UserUtteranceReverted)
    from rasa.shared.core.trackers import DialogueStateTracker

    stock_applied_events = DialogueStateTracker.applied_events
    stock_past_states = DialogueStateTracker.past_states
    rewrites = (Restarted, SessionStarted, ActionReverted, UserUtteranceReverted)

    class ReplayedStates:
        """What Domain.states_for_tracker_history builds by walking generate_all_prior_trackers."""

        def __init__(self, tracker: DialogueStateTracker, applied: List[Any], domain: Any,
                     omit_unset_slots: bool) -> None:
            self.domain, self.omit_unset_slots = domain, omit_unset_slots
            self.replay = tracker.init_copy()
            self.states: List[Any] = []
            self.apply(applied)

        def apply(self, events: List[Any]) -> None:
            for event in events:
                if isinstance(event, ActionExecuted):
                    self.states.append(self._state())
                self.replay.update(event)

        def _state(self) -> Any:
            return self.domain._clean_state(self.domain.get_active_state(self.replay, self.omit_unset_slots))

        def past_states(self) -> List[Any]:
            return [*self.states, self._state()]

    class KeptHistory:
        """A tracker's events as seen so far, what of them applies, and the states replayed from them."""

        def __init__(self, tracker: DialogueStateTracker) -> None:
            self.events = list(tracker.events)
            self.loops = {e.name for e in self.events if isinstance(e, ActiveLoop) and e.name}
            self.applied = stock_applied_events(tracker)
            self.states: Dict[Any, ReplayedStates] = {}

        def catch_up(self, tracker: DialogueStateTracker) -> bool:
            """Takes in the tracker's new events; False if they rewrite what applies."""
            if len(tracker.events) < len(self.events) or any(
                    a is not b for a, b in zip(self.events, tracker.events)):
                return False
            new = list(itertools.islice(tracker.events, len(self.events), None))
            if any(isinstance(e, ActiveLoop) and e.name and e.name not in self.loops for e in new):
                return False
            applied = list(self.applied)
            for event in new:
                if isinstance(event, rewrites) or (
                        isinstance(event, ActionExecuted) and event.action_name in self.loops
                        and not tracker._first_loop_execution_or_unhappy_path(event.action_name, applied)):
                    return False
                applied.append(event)
            for replayed in self.states.values():
                replayed.apply(new)
            self.events.extend(new)
            self.applied = applied
            return True

    def kept_history(tracker: DialogueStateTracker) -> KeptHistory:
        kept = tracker.__dict__.get(KEPT_HISTORY)
        if kept is None or not kept.catch_up(tracker):
            kept = tracker.__dict__[KEPT_HISTORY] = KeptHistory(tracker)
        return kept

    def applied_events(self: DialogueStateTracker) -> List[Any]:
        if self._max_event_history is not None:
            return stock_applied_events(self)
        return list(kept_history(self).applied)

    def past_states(self: DialogueStateTracker, domain: Any, omit_unset_slots: bool = False,
                    ignore_rule_only_turns: bool = False, rule_only_data: Optional[Dict[Text, Any]] = None):
        if ignore_rule_only_turns or self._max_event_history is not None:
            return stock_past_states(self, domain, omit_unset_slots, ignore_rule_only_turns, rule_only_data)
        kept = kept_history(self)
        kind = (id(domain), omit_unset_slots)
        replayed = kept.states.get(kind)
        if replayed is None or replayed.domain is not domain:
            replayed = kept.states[kind] = ReplayedStates(self, kept.applied, domain, omit_unset_slots)
        return replayed.past_states()

    DialogueStateTracker.applied_events = applied_events
    DialogueStateTracker.past_states = past_states


# Modules whose every `copy.deepcopy` is an argument of a structured debug log line (checked by
# deepcopies_only_for_debug_lines at start), and the logger their lines go to.
DEBUG_COPYING_MODULES = ("rasa.core.processor", "rasa.core.actions.forms", "rasa.core.policies.rule_policy")


def copy_only_for_written_debug_lines() -> None:
    """Rasa 3.6 deep-copies what it hands to its structured debug log lines (the events of every action,
    the parse data, the slots, the policy states) and RulePolicy formats its states as text for one,
    on every turn, whether or not debug lines are written: about 56 deep copies a turn, 4% of Rasa's
    CPU. In the modules where every deep copy is such a log argument, `copy` is replaced by a twin
    whose deepcopy copies only when the module's debug lines are written (the stdlib logger of the
    module's name, which structlog's level filter consults), and RulePolicy formats its states only
    then. With `--debug` everything is copied and formatted as before."""
    import copy
    import importlib

    from rasa.core.policies.rule_policy import RulePolicy

    class CopyForDebugLines:
        def __init__(self, logger_name: Text) -> None:
            self._logger = logging.getLogger(logger_name)

        def deepcopy(self, value: Any, memo: Any = None) -> Any:
            return copy.deepcopy(value, memo) if self._logger.isEnabledFor(logging.DEBUG) else value

        def __getattr__(self, name: Text) -> Any:
            return getattr(copy, name)

    for name in DEBUG_COPYING_MODULES:
        module = importlib.import_module(name)
        if deepcopies_only_for_debug_lines(module):
            module.copy = CopyForDebugLines(name)  # type: ignore[attr-defined]
        else:  # a Rasa whose deep copies matter for more than logging: left as it is
            logger.warning("%s deep-copies for more than its debug log: its copies are kept", name)

    stock_format = RulePolicy.format_tracker_states
    rule_logger = logging.getLogger(RulePolicy.__module__)

    def format_tracker_states(states: List[Dict]) -> Text:
        return stock_format(states) if rule_logger.isEnabledFor(logging.DEBUG) else ""

    RulePolicy.format_tracker_states = staticmethod(format_tracker_states)


def deepcopies_only_for_debug_lines(module: Any) -> bool:
    """Whether every `copy.deepcopy(…)` call in the module's source is an argument of a
    `….debug(…)` call, and `copy` is used for nothing else."""
    import ast
    import inspect

    tree = ast.parse(inspect.getsource(module))
    in_debug: set = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "debug":
            in_debug.update(id(n) for arg in [*node.args, *node.keywords] for n in ast.walk(arg))
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id == "copy":
            if node.attr != "deepcopy" or id(node) not in in_debug:
                return False
    return True


def freeze_the_loaded_model() -> None:
    """Once the model is loaded, everything allocated so far (the model, the domain, jieba's
    dictionary: millions of objects) is moved out of the garbage collector's reach with gc.freeze().
    Otherwise every full collection walks all of it again: measured 0.9 s each on this machine, a
    pause in which every conversation in flight waits. Nothing of it is garbage: it lives as long as
    the process. (A model replaced through Rasa's HTTP API would not be collected; the navigator
    runs Rasa without --enable-api and loads its model once.)"""
    import gc

    import rasa.core.run as run

    stock = run.load_agent_on_start

    async def load_agent_on_start(model_path, endpoints, remote_storage, app, loop):
        agent = await stock(model_path, endpoints, remote_storage, app, loop)
        gc.collect()
        gc.freeze()
        return agent

    run.load_agent_on_start = load_agent_on_start


CITIZEN_TEXT_KEYS = ("text", "user_text", "message", "user_message", "parse_data_text", "response_text",
                     "tracker_latest_message", "slot_values", "rasa_event", "rasa_events", "json_message")
LOGGED_CHARS = 30


def keep_citizens_words_out_of_logs() -> None:
    import rasa.utils.log_utils as log_utils

    from privacy import logs
    from privacy.masking import mask_data, mask_text

    logs.install()
    stock = log_utils._anonymizer

    def summarise(value: Any) -> Any:
        if isinstance(value, str):
            return logs.shorten(mask_text(value), LOGGED_CHARS)
        return mask_data(value)

    def anonymizer(logger_: Any, method: str, event_dict: Dict[str, Any]) -> Dict[str, Any]:
        for key in CITIZEN_TEXT_KEYS:
            if key in event_dict:
                event_dict[key] = summarise(event_dict[key])
        return stock(logger_, method, event_dict)

    # configure_structlog() reads the module global when it builds the processor chain.
    log_utils._anonymizer = anonymizer


def listen_on_loopback_by_default(argv: List[str]) -> List[str]:
    if argv[:1] == ["run"] and not any(a in ("-i", "--interface") or a.startswith("--interface=") for a in argv):
        return [*argv, "--interface", "127.0.0.1"]
    return argv


ACTION_TRANSCRIPT_MESSAGES = 30  # actions/knowledge_client.transcript() shows the last 30


def send_actions_what_they_read() -> None:
    import rasa
    from rasa.core.actions.action import RemoteAction
    from rasa.shared.core.events import BotUttered, UserUttered
    from rasa.shared.core.trackers import EventVerbosity

    def _action_call_format(self: RemoteAction, tracker, domain) -> Dict[Text, Any]:
        events = list(tracker.events)
        turn_start = next((i for i in range(len(events) - 1, -1, -1) if isinstance(events[i], UserUttered)),
                          0)
        earlier = [e for e in events[:turn_start] if isinstance(e, (UserUttered, BotUttered))]
        sent = earlier[-ACTION_TRANSCRIPT_MESSAGES:] + events[turn_start:]
        # Stock Rasa 3.6's request, except for the events (its state with EventVerbosity.ALL).
        state = tracker.current_state(EventVerbosity.NONE)
        state["events"] = [e.as_dict() for e in sent]
        result = {"next_action": self._name, "sender_id": tracker.sender_id, "tracker": state,
                  "version": rasa.__version__}
        if not self._is_selective_domain_enabled() or domain.does_custom_action_explicitly_need_domain(self.name()):
            result["domain"] = domain.as_dict()
        return result

    RemoteAction._action_call_format = _action_call_format


# The action server (rasa-sdk on Sanic) closes a keep-alive connection after 5 s idle; aiohttp keeps
# one for 15 s by default, and a request sent on a connection the server is closing fails without a
# retry (Rasa then drops the action's events: an empty answer). Idle connections are let go first.
ACTION_SERVER_KEEPALIVE_S = 2.0


def reuse_http_connections() -> None:
    import asyncio

    import aiohttp
    from rasa.core.constants import DEFAULT_REQUEST_TIMEOUT
    from rasa.utils.endpoints import EndpointConfig

    stock = EndpointConfig.session
    kept: Dict[Any, Any] = {}

    class _Kept:
        """`async with` on the shared session without closing it at the end."""

        def __init__(self, session) -> None:
            self.session = session

        async def __aenter__(self):
            return self.session

        async def __aexit__(self, *exc_info) -> bool:
            return False

    def session(self: EndpointConfig):
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:  # not inside the server's loop: the stock, closing session
            return stock(self)
        key = (id(self), id(loop))
        shared = kept.get(key)
        if shared is None or shared.closed:
            # What stock Rasa 3.6 configures (headers, basic auth, timeout), with a connector that
            # lets idle connections go before the server does.
            auth = (aiohttp.BasicAuth(self.basic_auth["username"], self.basic_auth["password"])
                    if self.basic_auth else None)
            shared = kept[key] = aiohttp.ClientSession(
                headers=self.headers, auth=auth, timeout=aiohttp.ClientTimeout(total=DEFAULT_REQUEST_TIMEOUT),
                connector=aiohttp.TCPConnector(keepalive_timeout=ACTION_SERVER_KEEPALIVE_S))
        return _Kept(shared)

    EndpointConfig.session = session


def patch_rasa() -> None:
    """Every patch above except the logging one, as `main` applies them (tests apply them the same way)."""
    compile_action_result_check()
    run_graphs_in_order()
    classify_on_the_sentence_features()
    match_rules_on_their_length()
    featurise_only_new_events()
    copy_only_for_written_debug_lines()
    run_reading_actions_on_the_tracker()
    freeze_the_loaded_model()
    reuse_http_connections()
    send_actions_what_they_read()
    look_up_event_types_once()
    fail_loudly_when_tracker_store_fails()
    check_connections_before_use()
    answer_politely_when_dialogue_fails()


def main() -> None:
    keep_citizens_words_out_of_logs()
    patch_rasa()
    from rasa.__main__ import main as rasa_main

    sys.argv = ["rasa", *listen_on_loopback_by_default(sys.argv[1:])]
    rasa_main()


if __name__ == "__main__":
    main()
