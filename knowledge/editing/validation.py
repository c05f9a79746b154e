"""Checking an edited guide before it is stored: the schema and the cross-guide rules.

Every problem comes back as `{"field": dotted path inside the guide's data, "msg": Chinese}`, so
the editor page can show it next to the input. Pydantic's own (English) messages are translated;
the schema's model-level checks (承诺时限 vs 法定时限, 容缺 deadlines, step graph …) report the
model, so their path is narrowed to the field the message is about.
"""
from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from pydantic import ValidationError

from knowledge.catalogue import Catalogue
from knowledge.schema import Guide, guide_adapter

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


def chinese_message(error: dict) -> str:
    """The Chinese message for one pydantic error (our own validators already speak Chinese)."""
    kind = error.get("type", "")
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


def _get(data: Any, path: Sequence[Any]) -> Any:
    for p in path:
        try:
            data = data[p]
        except (KeyError, IndexError, TypeError):
            return None
    return data


def _index_where(items: Any, key: str, value: str, nth: int = 0) -> int | None:
    if not isinstance(items, list):
        return None
    found = [i for i, x in enumerate(items) if isinstance(x, dict) and str(x.get(key, "")).strip() == value]
    return found[nth] if len(found) > nth else None


# Model-level checks name the model; these narrow the path to the field a message is about.
# Each: (message pattern, function(data, path of the model, match) -> path or None).
_Narrow = Callable[[Any, list[Any], re.Match], list[Any] | None]


def _step_field(field: str) -> _Narrow:
    def narrow(data, path, m):
        i = _index_where(_get(data, [*path, "steps"]), "id", m.group(1))
        return [*path, "steps", i, field] if i is not None else None
    return narrow


def _question_when(data, path, m):
    i = _index_where(_get(data, [*path, "questions"]), "id", m.group(1))
    return [*path, "questions", i, "when"] if i is not None else None


def _duplicate_step(data, path, m):
    first = m.group(1).split("、")[0]
    i = _index_where(_get(data, [*path, "steps"]), "id", first, nth=1)
    return [*path, "steps", i, "id"] if i is not None else None


def _duplicate_material(data, path, m):
    i = _index_where(_get(data, [*path, "materials"]), "name", m.group(1), nth=1)
    return [*path, "materials", i, "name"] if i is not None else None


def _cycle(data, path, m):
    first = m.group(1).split(" → ")[0]
    i = _index_where(_get(data, [*path, "steps"]), "id", first)
    return [*path, "steps", i, "depends_on"] if i is not None else None


def _append(*fields: str) -> _Narrow:
    return lambda data, path, m: [*path, *fields]


_NARROW: list[tuple[re.Pattern, _Narrow]] = [
    (re.compile(r"^承诺办结时限"), _append("promised_days")),
    (re.compile(r"^即办件的承诺办结时限"), _append("promised_days")),
    (re.compile(r"^容缺材料「.*」必须写明补交期限"), _append("deferral_days")),
    (re.compile(r"^只有容缺材料才有补交期限"), _append("deferral_days")),
    (re.compile(r"^情形材料「.*」必须写明适用情形"), _append("condition")),
    (re.compile(r"^收费事项必须写明收费标准"), _append("standard")),
    (re.compile(r"^情形问题「.*」的选项值重复"), _append("options")),
    (re.compile(r"^材料「(.*)」重复出现"), _duplicate_material),
    (re.compile(r"^步骤 id 重复：(.*)$"), _duplicate_step),
    (re.compile(r"^步骤「(.*?)」依赖的步骤不存在"), _step_field("depends_on")),
    (re.compile(r"^步骤之间存在循环依赖：(.*)$"), _cycle),
    (re.compile(r"^步骤「(.*?)」的条件"), _step_field("when")),
    (re.compile(r"^问题「(.*?)」的条件"), _question_when),
]


def _dotted(path: Sequence[Any]) -> str:
    return ".".join(str(p) for p in path)


def errors_from_pydantic(exc: ValidationError, data: Any) -> list[FieldError]:
    out: list[FieldError] = []
    alternatives: dict[str, list[str]] = {}  # field → what each union member expected
    for err in exc.errors():
        path, from_union = _clean_loc(err.get("loc", ()), data)
        msg = chinese_message(err)
        if from_union and err.get("type") != "value_error":
            alternatives.setdefault(_dotted(path), []).append(msg)
            continue
        if err.get("type") == "value_error":
            for pattern, narrow in _NARROW:
                m = pattern.search(msg)
                if m:
                    path = narrow(data, path, m) or path
                    break
        elif err.get("type") in ("union_tag_invalid", "union_tag_not_found"):
            path = ["kind"]
        fe = FieldError(_dotted(path), msg)
        if fe not in out:
            out.append(fe)
    for field, msgs in alternatives.items():
        # A union reports once per member; the page needs one message: 应为文字，或应为列表.
        out.append(FieldError(field, "，或".join(dict.fromkeys(msgs))))
    return out


# ---- cross-guide rules --------------------------------------------------------------------------

_CROSS: list[tuple[re.Pattern, Callable[[Guide, re.Match], str | None]]] = [
    (re.compile(r"^步骤「(.*?)」引用的事项"),
     lambda g, m: next((f"steps.{i}.item" for i, s in enumerate(g.steps) if s.id == m.group(1)), None)),
    (re.compile(r"^材料「(.*?)」来源事项"),
     lambda g, m: next((f"materials.{i}.from_item" for i, x in enumerate(g.materials) if x.name == m.group(1)), None)),
    (re.compile(r"^相关事项「(.*?)」不存在"),
     lambda g, m: next((f"related.{i}" for i, r in enumerate(g.related) if r == m.group(1)), None)),
    # The sample-value and cost rules of knowledge.catalogue: shown under the field to change.
    (re.compile(r"^电话「"), lambda g, m: "place.phone"),
    (re.compile(r"^窗口「"), lambda g, m: "place.window"),
    (re.compile(r"分布在多个楼层"), lambda g, m: "place.address"),
    (re.compile(r"^事项编码「"), lambda g, m: "code"),
    (re.compile(r"^承诺办结时限（"), lambda g, m: "time_limit.promised_sample"),
    (re.compile(r"^容缺材料「(.*?)」"),
     lambda g, m: next((f"materials.{i}.notes" for i, x in enumerate(g.materials) if x.name == m.group(1)), None)),
    (re.compile(r"收费标准不能写"), lambda g, m: "fee.standard"),
    (re.compile(r"常见问题「(.*?)」的回答"),
     lambda g, m: next((f"faq.{i}.a" for i, x in enumerate(g.faq) if x.q == m.group(1)), None)),
    (re.compile(r"^行业所走的路线"), lambda g, m: "route"),
]


def cross_guide_errors(guide: Guide, problems: list[str]) -> list[FieldError]:
    out = []
    for msg in problems:
        field = ""
        for pattern, locate in _CROSS:
            m = pattern.search(msg)
            if m:
                field = locate(guide, m) or ""
                break
        out.append(FieldError(field, msg))
    return out


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
    """Cross-guide problems that `after` has and `before` did not (so a change cannot break other guides)."""
    old = before.problems()
    return {gid: [m for m in msgs if m not in old.get(gid, [])]
            for gid, msgs in after.problems().items() if any(m not in old.get(gid, []) for m in msgs)}


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
