"""Checking an edited guide before it is stored: the schema and the cross-guide rules.

Every problem comes back as `{"field": dotted path inside the guide's data, "msg": Chinese}`, so
the editor page can show it next to the input. The path is part of each error where it is raised:
pydantic's `loc` for the schema (whose own rules raise at the field they are about, see
knowledge.schema.common.rule_broken) and `Problem.path` for the catalogue's cross-guide rules.
Pydantic's own (English) messages are translated, by error type.
"""
from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from pydantic import ValidationError
from pydantic_core import ErrorDetails

from knowledge.catalogue import Catalogue, Problem
from knowledge.schema import Guide, guide_adapter
from knowledge.schema.common import RULE_ERROR

KINDS = ("item", "route", "faq", "industry")


@dataclass(frozen=True)
class FieldError:
    field: str
    msg: str

    def as_dict(self) -> dict[str, str]:
        return {"field": self.field, "msg": self.msg}


class GuideInvalid(ValueError):
    def __init__(self, errors: list[FieldError]):
        self.errors = errors
        super().__init__("；".join(f"{e.field}: {e.msg}" for e in errors))


# ---- pydantic messages in Chinese ---------------------------------------------------------------

_SLUG_HINT = "只能用小写英文字母、数字和连字符（-），2–64 个字符，以字母或数字开头"
_KEY_HINT = "只能用小写英文字母、数字、下划线和连字符，1–64 个字符，以字母或数字开头"


def _quoted(expected: str) -> str:
    values = re.findall(r"'([^']*)'", expected)
    return "、".join(values) if values else expected


def _pattern(ctx: dict) -> str:
    pattern = str(ctx.get("pattern", ""))
    if pattern.startswith("^[a-z0-9][a-z0-9-]"):
        return _SLUG_HINT
    if pattern.startswith("^[a-z0-9][a-z0-9_-]"):
        return _KEY_HINT
    if pattern.startswith("^[A-Za-z0-9]"):
        return "只能用英文字母、数字、下划线、点或连字符，2–32 个字符"
    return f"格式不正确（应符合 {pattern}）"


_MESSAGES: dict[str, Callable[[dict, Any], str]] = {
    "missing": lambda c, v: "必填项，不能为空",
    "extra_forbidden": lambda c, v: "不认识的字段（可能拼错了，或不属于这一类指南）",
    "string_type": lambda c, v: "应为文字",
    "int_type": lambda c, v: "应为整数",
    "int_parsing": lambda c, v: "应为整数",
    "int_from_float": lambda c, v: "应为整数，不能有小数",
    "float_type": lambda c, v: "应为数字",
    "float_parsing": lambda c, v: "应为数字",
    "bool_type": lambda c, v: "应为“是”或“否”（true / false）",
    "bool_parsing": lambda c, v: "应为“是”或“否”（true / false）",
    "list_type": lambda c, v: "应为列表",
    "dict_type": lambda c, v: "应为一组“名称: 值”",
    "model_type": lambda c, v: "应为一组“名称: 值”",
    "model_attributes_type": lambda c, v: "应为一组“名称: 值”",
    "string_too_short": lambda c, v: "不能为空" if c.get("min_length", 1) <= 1 else f"至少 {c['min_length']} 个字",
    "string_too_long": lambda c, v: f"不能超过 {c.get('max_length')} 个字",
    "too_short": lambda c, v: f"至少要有 {c.get('min_length')} 项",
    "too_long": lambda c, v: f"最多 {c.get('max_length')} 项",
    "greater_than_equal": lambda c, v: f"不能小于 {c.get('ge')}",
    "greater_than": lambda c, v: f"应大于 {c.get('gt')}",
    "less_than_equal": lambda c, v: f"不能大于 {c.get('le')}",
    "less_than": lambda c, v: f"应小于 {c.get('lt')}",
    "string_pattern_mismatch": lambda c, v: _pattern(c),
    "enum": lambda c, v: f"应为以下之一：{_quoted(str(c.get('expected', '')))}",
    "literal_error": lambda c, v: f"应为 {_quoted(str(c.get('expected', '')))}",
    "date_type": lambda c, v: "应为日期，如 2025-01-31",
    "date_parsing": lambda c, v: "应为日期，如 2025-01-31",
    "date_from_datetime_parsing": lambda c, v: "应为日期，如 2025-01-31",
    "date_from_datetime_inexact": lambda c, v: "应为日期，如 2025-01-31（不要带时间）",
    "datetime_parsing": lambda c, v: "应为日期时间，如 2025-01-31T09:00:00",
    "union_tag_invalid": lambda c, v: "指南类型 kind 应为 item（事项）、route（一件事）或 faq（问答）",
    "union_tag_not_found": lambda c, v: "缺少指南类型 kind：item（事项）、route（一件事）或 faq（问答）",
    "json_invalid": lambda c, v: "不是有效的 JSON",
    "json_type": lambda c, v: "应为 JSON",
    "url_parsing": lambda c, v: "应为网址",
    "none_required": lambda c, v: "应留空",
}


def chinese_message(error: ErrorDetails) -> str:
    """The Chinese message for one pydantic error (our own validators already speak Chinese)."""
    kind = error.get("type", "")
    if kind == RULE_ERROR:
        return str(error.get("msg", ""))
    if kind in ("value_error", "assertion_error"):
        return str(error.get("msg", "")).removeprefix("Value error, ").removeprefix("Assertion failed, ")
    make = _MESSAGES.get(kind)
    if make:
        return make(error.get("ctx") or {}, error.get("input"))
    return f"内容不正确（{error.get('msg', kind)}）"


# Union members and validator wrappers that pydantic puts into `loc` but that are not data keys.
_NOT_A_KEY = re.compile(r"^(str|int|float|bool|none|constrained-\w+|list\[.*\]|dict\[.*\]|function-.*|"
                        r"tagged-union\[.*\])$")


def _clean_loc(loc: Sequence[Any], data: Any) -> tuple[list[Any], bool]:
    """The data path of an error, and whether it came from one member of a union (str | list[str] …)."""
    parts = list(loc)
    # The discriminated union puts the kind first: ('item', 'time_limit', 'promised_days').
    if parts and isinstance(data, dict) and parts[0] in KINDS and parts[0] == data.get("kind"):
        parts = parts[1:]
    kept = [p for p in parts if not (isinstance(p, str) and _NOT_A_KEY.match(p))]
    return kept, len(kept) != len(parts)


def _dotted(path: Sequence[Any]) -> str:
    return ".".join(str(p) for p in path)


def errors_from_pydantic(exc: ValidationError, data: Any) -> list[FieldError]:
    out: list[FieldError] = []
    alternatives: dict[str, list[str]] = {}  # field → what each union member expected
    for err in exc.errors():
        path, from_union = _clean_loc(err.get("loc", ()), data)
        msg = chinese_message(err)
        if from_union and err.get("type") not in ("value_error", RULE_ERROR):
            alternatives.setdefault(_dotted(path), []).append(msg)
            continue
        if err.get("type") in ("union_tag_invalid", "union_tag_not_found"):
            path = ["kind"]
        fe = FieldError(_dotted(path), msg)
        if fe not in out:
            out.append(fe)
    for field, msgs in alternatives.items():
        # A union reports once per member; the page needs one message: 应为文字，或应为列表.
        out.append(FieldError(field, "，或".join(dict.fromkeys(msgs))))
    return out


# ---- cross-guide rules --------------------------------------------------------------------------

def cross_guide_errors(guide: Guide, problems: Sequence[Problem]) -> list[FieldError]:
    """The catalogue's problems with `guide`, each under the field it names."""
    return [FieldError(p.path, p.message) for p in problems if p.guide == guide.id]


def with_guides(catalogue: Catalogue, upserts: Sequence[Guide] = (), removed: Sequence[str] = ()) -> Catalogue:
    """A copy of the catalogue with some guides added or replaced and some removed (the original is untouched)."""
    copy = Catalogue(items=dict(catalogue.items), routes=dict(catalogue.routes), faqs=dict(catalogue.faqs),
                     industries=dict(catalogue.industries))
    for gid in removed:
        copy.remove(gid)
    for g in upserts:
        copy.add(g)
    return copy


def broken_by(before: Catalogue, after: Catalogue) -> dict[str, list[str]]:
    """Messages of the cross-guide problems that `after` has and `before` did not, by guide id (so a
    change cannot break other guides)."""
    old = before.problems()
    new = {gid: [p.message for p in found if p not in old.get(gid, [])] for gid, found in after.problems().items()}
    return {gid: msgs for gid, msgs in new.items() if msgs}


def check_guide(data: Any, context: Catalogue, kind: str | None = None, guide_id: str | None = None) -> Guide:
    """The guide `data` describes, checked on its own and against `context` with it applied.

    Raises GuideInvalid with every problem found.
    """
    if not isinstance(data, dict):
        raise GuideInvalid([FieldError("", "指南内容应是一组“名称: 值”")])
    errors: list[FieldError] = []
    if kind is not None and data.get("kind", kind) != kind:
        errors.append(FieldError("kind", f"指南类型不能改变（应为 {kind}）"))
    if guide_id is not None and data.get("id", guide_id) != guide_id:
        errors.append(FieldError("id", f"指南 id 不能修改（应为 {guide_id}）"))
    if errors:
        raise GuideInvalid(errors)
    candidate = dict(data)
    if kind is not None:
        candidate.setdefault("kind", kind)
    if guide_id is not None:
        candidate.setdefault("id", guide_id)
    try:
        guide = guide_adapter.validate_python(candidate)
    except ValidationError as exc:
        raise GuideInvalid(errors_from_pydantic(exc, candidate)) from None
    problems = with_guides(context, [guide]).problems().get(guide.id, [])
    if problems:
        raise GuideInvalid(cross_guide_errors(guide, problems))
    return guide
