"""The audit log's one table of action names: everything the code records has its Chinese name there."""
from __future__ import annotations

import ast
from pathlib import Path

import pytest

from knowledge.store import audit

KNOWLEDGE = Path(__file__).resolve().parents[3] / "knowledge"


def recorded_actions() -> dict[str, str]:
    """Each action name written by an `audit.record(session, who, "<action>", …)` call → where."""
    found = {}
    for path in KNOWLEDGE.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "record"
                    and isinstance(node.func.value, ast.Name) and node.func.value.id == "audit"):
                action = node.args[2] if len(node.args) > 2 else None
                for leaf in ast.walk(action) if action is not None else ():
                    if isinstance(leaf, ast.Constant) and isinstance(leaf.value, str):
                        found[leaf.value] = f"{path.relative_to(KNOWLEDGE.parent)}:{node.lineno}"
    return found


def test_every_recorded_action_has_a_chinese_name():
    found = recorded_actions()
    assert {"login", "create", "publish", "import-discard", "user_update"} <= set(found)  # the scan sees them
    missing = {a: where for a, where in found.items() if a not in audit.ACTIONS}
    assert not missing, missing


def test_an_action_without_a_name_is_refused_as_a_bug():
    with pytest.raises(ValueError, match="no entry in ACTIONS"):
        audit.record(None, "someone", "save_draft")  # type: ignore[arg-type]
    assert audit.label("publish") == "发布" and audit.label("retired-name") == "retired-name"
