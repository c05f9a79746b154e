"""What changed between two versions of a guide: field by field, and as a unified diff of the YAML."""
from __future__ import annotations

import difflib
from typing import Any

import yaml

from knowledge.catalogue import dump_guide
from knowledge.schema import guide_adapter

# Bookkeeping that changes with every version; showing it would hide the real changes.
_BOOKKEEPING = {"version", "status", "updated_at"}


def _is_record_list(value: Any) -> bool:
    return isinstance(value, list) and bool(value) and all(isinstance(v, dict) for v in value)


def field_changes(before: Any, after: Any, path: str = "") -> list[dict]:
    """[{"field", "before", "after"}] for every changed leaf. Lists of records (materials, steps) are
    compared entry by entry; lists of words (aliases) as a whole, since an insertion would shift them all."""
    if isinstance(before, dict) and isinstance(after, dict):
        out = []
        for key in [*before, *(k for k in after if k not in before)]:
            if not path and key in _BOOKKEEPING:
                continue
            sub = f"{path}.{key}" if path else str(key)
            out += field_changes(before.get(key), after.get(key), sub)
        return out
    if _is_record_list(before) and _is_record_list(after):
        out = []
        for i in range(max(len(before), len(after))):
            out += field_changes(before[i] if i < len(before) else None,
                                 after[i] if i < len(after) else None, f"{path}.{i}")
        return out
    if before != after:
        return [{"field": path, "before": before, "after": after}]
    return []


def yaml_of(data: dict) -> str:
    """The version as it would be written to the guide folder."""
    return dump_guide(guide_adapter.validate_python(data))


def unified(before: dict, after: dict, before_label: str, after_label: str) -> str:
    return "".join(difflib.unified_diff(
        yaml_of(before).splitlines(keepends=True), yaml_of(after).splitlines(keepends=True),
        fromfile=before_label, tofile=after_label,
    ))


def between(before: dict, after: dict, before_label: str, after_label: str) -> dict:
    """{"changes": field_changes, "unified": the YAML diff}, the shape the editor API returns.

    `after` may be an editor's unsaved copy (a save refused as a conflict is compared before it is
    checked): it is compared as the guide it makes, with the schema's defaults filled in like a stored
    version's, or, when it is not a valid guide yet, as it stands.
    """
    try:
        text = unified(before, after, before_label, after_label)
    except ValueError:  # pydantic's ValidationError: one side is not a guide (yet)
        text = "".join(difflib.unified_diff(
            _as_it_stands(before).splitlines(keepends=True), _as_it_stands(after).splitlines(keepends=True),
            fromfile=before_label, tofile=after_label,
        ))
    return {"changes": field_changes(_filled_in(before), _filled_in(after)), "unified": text}


def _filled_in(data: dict) -> dict:
    try:
        return guide_adapter.validate_python(data).model_dump(mode="json")
    except ValueError:
        return data


def _as_it_stands(data: dict) -> str:
    return yaml.safe_dump(data, allow_unicode=True, sort_keys=False, width=120)
