"""What the guide editor page builds its forms from (GET /api/editor/schema), so the page keeps no copy
of the schema: for each kind of guide the models' JSON schema (Chinese titles, hints, examples, units,
enums, limits and required fields all live on the pydantic models in knowledge/schema/) and the
starting values of a new guide and of each kind of list entry (a new material, step, option …).
"""
from __future__ import annotations

import types
import typing
from enum import Enum
from typing import Any

from annotated_types import MinLen
from pydantic import BaseModel
from pydantic.fields import FieldInfo
from pydantic_core import to_jsonable_python

from knowledge.core.config import Settings
from knowledge.schema import Faq, Industry, Item, Route
from knowledge.schema.common import GuideMeta

KINDS: dict[str, type[GuideMeta]] = {"item": Item, "route": Route, "faq": Faq, "industry": Industry}
# Set by the store on every save (knowledge/store/guides.py), never typed by an editor.
BOOKKEEPING = frozenset(GuideMeta.model_fields) - {"id"}


def editor_schema(settings: Settings) -> dict:
    """{"kinds": {kind: {"title", "schema", "blank", "entries": {definition name: blank entry}}}}."""
    return {"kinds": {kind: {"title": model.model_config.get("title", kind),
                             "schema": model.model_json_schema(),
                             "blank": new_guide(kind, settings),
                             "entries": {m.__name__: blank(m) for m in list_entries(model)}}
                      for kind, model in KINDS.items()}}


def new_guide(kind: str, settings: Settings) -> dict:
    """A new guide of this kind as the form first shows it."""
    data = {k: v for k, v in blank(KINDS[kind]).items() if k not in BOOKKEEPING}
    if kind == "item":
        # A new item is handled at the centre's own hall until the editor says otherwise; in the sample
        # base (place.sample) those values, and the promised time limit, are sample values and say so
        # (the catalogue's label rule, knowledge/catalogue.py).
        place = data["place"]
        place.update(address=settings.centre_name + ("（示例地址）" if place["sample"] else ""),
                     hours=settings.hotline_hours, phone=settings.hotline_phone)
        data["time_limit"]["promised_sample"] = place["sample"]
    return data


def blank(model: type[BaseModel]) -> dict:
    """The model's defaults; a required field starts empty (a list with as many empty entries as it needs)."""
    out = {}
    for name, field in model.model_fields.items():
        if field.is_required():
            out[name] = _empty(field.annotation, _min_length(field))
        else:
            out[name] = to_jsonable_python(field.get_default(call_default_factory=True, validated_data={}))
    if model.__name__ == "Question":
        # Most situation questions are yes / no: a new one starts with that pair, ready to rename.
        out["options"] = [{**blank_option, "value": value, "label": label}
                          for blank_option, (value, label) in zip(out["options"], (("yes", "是"), ("no", "否")))]
    return out


def list_entries(model: type[BaseModel]) -> list[type[BaseModel]]:
    """Every model that appears as a list entry anywhere inside `model` (Material, Step, Option …)."""
    found: list[type[BaseModel]] = []

    def visit(m: type[BaseModel]) -> None:
        for field in m.model_fields.values():
            for inner, in_list in _models_in(field.annotation):
                if in_list and inner not in found:
                    found.append(inner)
                visit(inner)

    visit(model)
    return found


def _models_in(annotation: Any, in_list: bool = False) -> list[tuple[type[BaseModel], bool]]:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return [(annotation, in_list)]
    origin = typing.get_origin(annotation)
    args = typing.get_args(annotation)
    if origin is list:
        return [m for a in args for m in _models_in(a, True)]
    if origin in (typing.Union, types.UnionType, typing.Annotated):
        return [m for a in args for m in _models_in(a, in_list)]
    return []


def _min_length(field: FieldInfo) -> int:
    return max([m.min_length for m in field.metadata if isinstance(m, MinLen)], default=0)


def _empty(annotation: Any, count: int = 0) -> Any:
    if typing.get_origin(annotation) is typing.Annotated:
        annotation = typing.get_args(annotation)[0]
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return blank(annotation)
    if isinstance(annotation, type) and issubclass(annotation, Enum):
        return next(iter(annotation)).value
    if typing.get_origin(annotation) is list:
        entry = typing.get_args(annotation)[0]
        return [_empty(entry) for _ in range(count)]
    if annotation is str:
        return ""
    return None
