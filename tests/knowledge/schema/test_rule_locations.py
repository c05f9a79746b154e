"""The schema's own rules report the field they are about in pydantic's `loc`, whatever their wording.

They used to raise a bare ValueError located at the model (item.time_limit), and the editor guessed
the field from the Chinese message: rewording a message silently lost its field.
"""
from __future__ import annotations

import ast
from pathlib import Path

import pytest
from pydantic import ValidationError

import knowledge.schema
from knowledge.schema import Item, Route, guide_adapter
from knowledge.schema.common import RULE_ERROR
from tests.knowledge.broken_guides import ITEM, ROUTE, SCHEMA_RULES, Broken


def test_the_unbroken_guides_are_valid():
    # Each case below breaks one rule of these.
    assert isinstance(guide_adapter.validate_python(ITEM), Item)
    assert isinstance(guide_adapter.validate_python(ROUTE), Route)


@pytest.mark.parametrize("case", SCHEMA_RULES, ids=[c.rule for c in SCHEMA_RULES])
def test_a_broken_rule_is_located_at_its_field(case: Broken):
    with pytest.raises(ValidationError) as exc:
        guide_adapter.validate_python(case.data)
    [error] = exc.value.errors()
    # The discriminated union puts the kind first: ('item', 'time_limit', 'promised_days').
    assert error["loc"] == (case.data["kind"], *case.path)
    assert error["type"] == RULE_ERROR
    assert error["msg"] == case.message


def test_a_nested_model_validated_alone_locates_the_field_in_itself():
    from knowledge.schema.item import TimeLimit

    with pytest.raises(ValidationError) as exc:
        TimeLimit.model_validate({"statutory_days": 1, "promised_days": 2})
    assert [e["loc"] for e in exc.value.errors()] == [("promised_days",)]


def _raises_value_error(node: ast.AST) -> bool:
    return any(isinstance(n, ast.Raise) and isinstance(n.exc, ast.Call) and isinstance(n.exc.func, ast.Name)
               and n.exc.func.id == "ValueError" for n in ast.walk(node))


def _decorators(fn: ast.FunctionDef) -> set[str]:
    names = set()
    for d in fn.decorator_list:
        call = d.func if isinstance(d, ast.Call) else d
        names.add(call.id if isinstance(call, ast.Name) else getattr(call, "attr", ""))
    return names


def test_only_field_validators_raise_a_bare_value_error():
    """A rule that looks at more than one field raises `rule_broken` with the field's path; a bare
    ValueError is located where the validator runs, which is right only for a field validator."""
    unlocated = []
    for path in sorted(Path(knowledge.schema.__file__).parent.glob("*.py")):
        for fn in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(fn, ast.FunctionDef) and _raises_value_error(fn) and "field_validator" not in _decorators(fn):
                unlocated.append(f"{path.name}:{fn.lineno} {fn.name}")
    assert unlocated == []
