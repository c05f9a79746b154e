"""Multi-turn dialogue evaluation: plays held-out citizen conversations against a running assistant.

    python -m knowledge.evaluation.conversations [--base-url http://127.0.0.1:8000]
        [--set knowledge/evaluation/conversations_heldout.yml] [--only ID…] [--verbose] [--json FILE]

Each conversation is sent turn by turn through the web chat relay (`POST /api/chat`) under a fresh
sender id, so no state leaks between conversations or between runs. The checks of a turn look at
what the citizen sees for that turn: the expectations at all its reply texts joined, the rejections
at the texts and the button titles. A check is a substring (case-insensitive) or, with a `re:`
prefix, a regular expression:

- `expect_any: [a, b]`       at least one must appear;
- `expect_all: [a, [b, c]]`  every entry must appear; an entry that is a list is satisfied by any one
                             of its members (so wording may vary within a group);
- `reject: [a, b]`           none may appear (also `defaults.reject`, applied to every turn);
- `expect_buttons_any: [a]`  at least one button title or payload must contain one of them;
- `allow: [a]`               default rejections that do not apply to this turn.

An entry `$NAME` stands for the list `groups.NAME` of the file (e.g. the phrasings of "I did not
understand your choice"), so a family of phrasings is written once.

It is a measurement: the exit code is 0 whatever the pass rate, and 2 only when the assistant
cannot be reached at all (so `make eval-dialogue` fails loudly when the stack is not running).
"""
from __future__ import annotations

import argparse
import json
import re
import sys
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import yaml

DEFAULT_SET = Path(__file__).with_name("conversations_heldout.yml")

# The seven failure patterns of issue 11, in its order; every conversation names at least one.
PATTERNS = {
    "loops": "1 自然回答被反复追问",
    "multi_fact": "2 一句话多个情况",
    "mid_question": "3 问答中途提问",
    "focus": "4 路线内追问某一步",
    "correction": "5 更正与改主意",
    "no_guide": "6 无指南时如实告知",
    "small_talk": "7 闲聊、点赞、序号选择",
}
CHECK_KEYS = ("expect_any", "expect_all", "reject", "expect_buttons_any", "allow")


class SetError(ValueError):
    """The conversation file is malformed; the message says where."""


@dataclass
class Turn:
    say: str
    expect_any: list[str] = field(default_factory=list)
    expect_all: list[list[str]] = field(default_factory=list)  # each group: any member satisfies it
    reject: list[str] = field(default_factory=list)
    expect_buttons_any: list[str] = field(default_factory=list)
    allow: list[str] = field(default_factory=list)  # default rejections waived for this turn


@dataclass
class Conversation:
    id: str
    service: str
    patterns: list[str]
    turns: list[Turn]
    tags: list[str] = field(default_factory=list)


@dataclass
class TurnResult:
    say: str
    passed: bool
    failures: list[str]
    reply: str
    buttons: list[str]


def _strings(value, where: str, groups: dict[str, list[str]] | None = None) -> list[str]:
    if value is None:
        return []
    if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
        raise SetError(f"{where}: expected a list of non-empty strings, got {value!r}")
    expanded = []
    for v in value:
        if v.startswith("$"):
            if groups is None or v[1:] not in groups:
                raise SetError(f"{where}: unknown group {v!r}")
            expanded.extend(groups[v[1:]])
        else:
            expanded.append(v)
    value = expanded
    for v in value:
        if v.startswith("re:"):
            try:
                re.compile(v[3:])
            except re.error as exc:
                raise SetError(f"{where}: bad regular expression {v!r}: {exc}") from exc
    return list(value)


def load_set(path: Path) -> tuple[list[Conversation], list[str]]:
    """Reads and validates a conversation set; returns the conversations and the default rejects."""
    data = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    if not isinstance(data, dict) or not isinstance(data.get("conversations"), list):
        raise SetError(f"{path}: expected a mapping with a 'conversations' list")
    raw_groups = data.get("groups") or {}
    if not isinstance(raw_groups, dict):
        raise SetError(f"{path}: 'groups' must map names to lists of strings")
    groups = {name: _strings(v, f"groups.{name}") for name, v in raw_groups.items()}
    default_reject = _strings((data.get("defaults") or {}).get("reject"), "defaults.reject", groups)
    conversations, seen = [], set()
    for n, raw in enumerate(data["conversations"], 1):
        where = f"conversation #{n}"
        if not isinstance(raw, dict):
            raise SetError(f"{where}: expected a mapping")
        cid = raw.get("id")
        if not isinstance(cid, str) or not re.fullmatch(r"[A-Za-z0-9_\-.]+", cid):
            raise SetError(f"{where}: 'id' must be ASCII letters, digits, '-', '_' or '.'")
        where = f"conversation {cid}"
        if cid in seen:
            raise SetError(f"{where}: duplicate id")
        seen.add(cid)
        patterns = _strings(raw.get("patterns"), f"{where}.patterns")
        unknown = [p for p in patterns if p not in PATTERNS]
        if not patterns or unknown:
            raise SetError(f"{where}: patterns must be a non-empty subset of {sorted(PATTERNS)}; got {patterns}")
        if not isinstance(raw.get("service"), str):
            raise SetError(f"{where}: 'service' is required")
        turns = []
        for t, rt in enumerate(raw.get("turns") or [], 1):
            tw = f"{where} turn {t}"
            if not isinstance(rt, dict) or not isinstance(rt.get("say"), str) or not rt["say"].strip():
                raise SetError(f"{tw}: 'say' (the citizen's text) is required")
            extra = set(rt) - {"say", "note", *CHECK_KEYS}
            if extra:
                raise SetError(f"{tw}: unknown keys {sorted(extra)}")
            all_of = []
            for g, entry in enumerate(rt.get("expect_all") or [], 1):
                all_of.append(_strings(entry if isinstance(entry, list) else [entry], f"{tw}.expect_all[{g}]", groups))
            turn = Turn(
                say=rt["say"],
                expect_any=_strings(rt.get("expect_any"), f"{tw}.expect_any", groups),
                expect_all=all_of,
                reject=_strings(rt.get("reject"), f"{tw}.reject", groups),
                expect_buttons_any=_strings(rt.get("expect_buttons_any"), f"{tw}.expect_buttons_any", groups),
                allow=_strings(rt.get("allow"), f"{tw}.allow", groups),
            )
            unknown_allow = [a for a in turn.allow if a not in default_reject]
            if unknown_allow:
                raise SetError(f"{tw}: allow lists {unknown_allow}, which are not default rejections")
            # A turn must be able to fail on its own content; the default rejects alone are not a check
            # of what this turn is about.
            if not (turn.expect_any or turn.expect_all or turn.reject or turn.expect_buttons_any):
                raise SetError(f"{tw}: has no check")
            turns.append(turn)
        if not turns:
            raise SetError(f"{where}: has no turns")
        conversations.append(Conversation(cid, raw["service"], patterns, turns,
                                          _strings(raw.get("tags"), f"{where}.tags")))
    return conversations, default_reject


def _found(needle: str, haystack: str) -> bool:
    if needle.startswith("re:"):
        return re.search(needle[3:], haystack, flags=re.IGNORECASE) is not None
    return needle.lower() in haystack.lower()


def check_turn(turn: Turn, texts: list[str], buttons: list[str], default_reject: list[str]) -> list[str]:
    """Returns the failed checks of one turn (empty when the turn passes)."""
    said = "\n".join(texts)
    shown = "\n".join(texts + buttons)
    failures = []
    # What the reply must say is looked for in its texts only: generic buttons such as "收费吗" or
    # "要带哪些材料" would otherwise satisfy a check about fees or materials without answering it.
    if turn.expect_any and not any(_found(n, said) for n in turn.expect_any):
        failures.append(f"expect_any {turn.expect_any}")
    for group in turn.expect_all:
        if not any(_found(n, said) for n in group):
            failures.append(f"expect_all group {group}")
    # What it must not do counts wherever it appears, buttons included (e.g. a notice link).
    for needle in turn.reject + [d for d in default_reject if d not in turn.allow]:
        if _found(needle, shown):
            failures.append(f"reject {needle!r}")
    if turn.expect_buttons_any and not any(_found(n, b) for n in turn.expect_buttons_any for b in buttons):
        failures.append(f"expect_buttons_any {turn.expect_buttons_any}")
    return failures


def split_reply(messages: list[dict]) -> tuple[list[str], list[str]]:
    """The reply texts and button labels of one turn, as the web chat shows them."""
    texts, buttons = [], []
    for m in messages:
        if isinstance(m.get("text"), str):
            texts.append(m["text"])
        for b in m.get("buttons") or []:
            label = str(b.get("title") or "")
            payload = str(b.get("payload") or "")
            buttons.append(label if payload in ("", label) else f"{label} ({payload})")
    return texts, buttons


class Unreachable(RuntimeError):
    pass


def play(client: httpx.Client, base_url: str, conv: Conversation, run_id: str,
         default_reject: list[str]) -> list[TurnResult]:
    sender = f"heldout-{run_id}-{conv.id}"[:128]
    results = []
    for turn in conv.turns:
        try:
            response = client.post(f"{base_url}/api/chat", json={"sender": sender, "message": turn.say})
        except httpx.TransportError as exc:
            raise Unreachable(f"{base_url}: {exc.__class__.__name__}: {exc}") from exc
        if response.status_code != 200:
            results.append(TurnResult(turn.say, False, [f"HTTP {response.status_code}"],
                                      response.text[:500], []))
            continue
        texts, buttons = split_reply(response.json())
        failures = check_turn(turn, texts, buttons, default_reject)
        results.append(TurnResult(turn.say, not failures, failures, "\n".join(texts), buttons))
    return results


def _pct(a: int, b: int) -> str:
    return f"{a}/{b} ({100.0 * a / b:.1f}%)" if b else "0/0"


def report(conversations: list[Conversation], outcome: dict[str, list[TurnResult]], verbose: bool) -> dict:
    turns_total = sum(len(r) for r in outcome.values())
    turns_ok = sum(t.passed for r in outcome.values() for t in r)
    convs_ok = sum(all(t.passed for t in r) for r in outcome.values())
    if verbose:
        for conv in conversations:
            for n, res in enumerate(outcome[conv.id], 1):
                if res.passed:
                    continue
                print(f"✗ {conv.id} turn {n} [{', '.join(conv.patterns)}] 「{res.say}」")
                print(f"    failed: {'; '.join(res.failures)}")
                reply = res.reply.replace("\n", "\n      ")
                print(f"    reply:  {reply}")
                if res.buttons:
                    print(f"    buttons: {' | '.join(res.buttons)}")
        print()
    print(f"turns passed:                   {_pct(turns_ok, turns_total)}")
    print(f"conversations fully successful: {_pct(convs_ok, len(conversations))}")
    print()
    print(f"{'pattern':<30} {'conversations ok':>18} {'turns passed':>18}")
    by_pattern = {}
    for key, label in PATTERNS.items():
        convs = [c for c in conversations if key in c.patterns]
        ok = sum(all(t.passed for t in outcome[c.id]) for c in convs)
        tt = sum(len(outcome[c.id]) for c in convs)
        tp = sum(t.passed for c in convs for t in outcome[c.id])
        by_pattern[key] = {"conversations": len(convs), "successful": ok, "turns": tt, "turns_passed": tp}
        print(f"{key + ' (' + label + ')':<30} {_pct(ok, len(convs)):>18} {_pct(tp, tt):>18}")
    return {"turns": turns_total, "turns_passed": turns_ok, "conversations": len(conversations),
            "successful": convs_ok, "by_pattern": by_pattern}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--base-url", default="http://127.0.0.1:8000")
    parser.add_argument("--set", type=Path, default=DEFAULT_SET, help="conversation file (YAML)")
    parser.add_argument("--only", nargs="*", help="conversation ids to play (default: all)")
    parser.add_argument("--verbose", action="store_true", help="print failing turns with the reply")
    parser.add_argument("--json", type=Path, help="also write every turn's reply and verdict to this file")
    parser.add_argument("--timeout", type=float, default=30.0, help="seconds to wait for one turn")
    args = parser.parse_args(argv)

    conversations, default_reject = load_set(args.set)
    if args.only:
        conversations = [c for c in conversations if c.id in set(args.only)]
    base_url = args.base_url.rstrip("/")
    run_id = uuid.uuid4().hex[:10]
    outcome: dict[str, list[TurnResult]] = {}
    started = time.perf_counter()
    try:
        with httpx.Client(timeout=args.timeout) as client:
            for conv in conversations:
                outcome[conv.id] = play(client, base_url, conv, run_id, default_reject)
    except Unreachable as exc:
        print(f"无法连接助手（{exc}）。请先用 make run 启动，或用 --base-url 指定地址。", file=sys.stderr)
        return 2
    print(f"{args.set}: {len(conversations)} conversations against {base_url} "
          f"in {time.perf_counter() - started:.0f} s (run {run_id})")
    summary = report(conversations, outcome, args.verbose)
    if args.json:
        detail = {c.id: [vars(r) for r in outcome[c.id]] for c in conversations}
        args.json.write_text(json.dumps({"summary": summary, "turns": detail}, ensure_ascii=False, indent=1),
                             encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
