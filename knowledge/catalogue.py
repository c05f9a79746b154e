"""The set of guides the assistant knows, loaded from the editable YAML files of a guide folder.

Cross-guide rules (a route step names an existing item, a material comes from an existing item)
are checked here, because a single guide cannot see the others.

    python -m knowledge.catalogue check [FOLDER]     # validate the files, print a summary
"""
from __future__ import annotations

import sys
from dataclasses import dataclass, field
from pathlib import Path

import yaml
from pydantic import ValidationError

from knowledge.schema import Faq, Guide, Industry, Item, Route, guide_adapter

SAMPLE_GUIDES = Path(__file__).parent / "guides"


class CatalogueError(ValueError):
    """One or more guides are invalid; `problems` maps a file or id to its messages."""

    def __init__(self, problems: dict[str, list[str]]):
        self.problems = problems
        lines = [f"{where}: {msg}" for where, msgs in problems.items() for msg in msgs]
        super().__init__("知识库校验失败：\n" + "\n".join(lines))


def describe_validation_error(exc: ValidationError) -> list[str]:
    """Human-readable Chinese-friendly lines: `field.path: message`."""
    out = []
    for err in exc.errors():
        loc = ".".join(str(p) for p in err["loc"])
        msg = err["msg"].removeprefix("Value error, ")
        out.append(f"{loc}: {msg}" if loc else msg)
    return out


@dataclass
class Catalogue:
    items: dict[str, Item] = field(default_factory=dict)
    routes: dict[str, Route] = field(default_factory=dict)
    faqs: dict[str, Faq] = field(default_factory=dict)
    industries: dict[str, Industry] = field(default_factory=dict)

    def _tables(self) -> dict[str, dict]:
        return {"item": self.items, "route": self.routes, "faq": self.faqs, "industry": self.industries}

    def get(self, guide_id: str) -> Guide | None:
        for table in self._tables().values():
            if guide_id in table:
                return table[guide_id]
        return None

    def all(self) -> list[Guide]:
        return [g for table in self._tables().values() for g in table.values()]

    def add(self, guide: Guide) -> None:
        self.remove(guide.id)
        self._tables()[guide.kind][guide.id] = guide

    def remove(self, guide_id: str) -> None:
        for table in self._tables().values():
            table.pop(guide_id, None)

    def problems(self) -> dict[str, list[str]]:
        """Cross-guide reference errors, keyed by guide id."""
        out: dict[str, list[str]] = {}
        for route in self.routes.values():
            for step in route.steps:
                if step.item not in self.items:
                    out.setdefault(route.id, []).append(f"步骤「{step.id}」引用的事项「{step.item}」不存在")
        for item in self.items.values():
            for m in item.materials:
                if m.from_item and m.from_item not in self.items:
                    out.setdefault(item.id, []).append(f"材料「{m.name}」来源事项「{m.from_item}」不存在")
        for faq in self.faqs.values():
            for rel in faq.related:
                if rel not in self.items and rel not in self.routes:
                    out.setdefault(faq.id, []).append(f"相关事项「{rel}」不存在")
        for industry in self.industries.values():
            if industry.route not in self.routes:
                out.setdefault(industry.id, []).append(f"行业所走的路线「{industry.route}」不存在")
        return out

    @classmethod
    def from_folder(cls, folder: Path = SAMPLE_GUIDES) -> "Catalogue":
        cat = cls()
        problems: dict[str, list[str]] = {}
        for path in sorted(Path(folder).rglob("*.yml")):
            rel = str(path.relative_to(folder))
            try:
                guide = parse_guide(path.read_text(encoding="utf-8"))
            except ValidationError as exc:
                problems[rel] = describe_validation_error(exc)
                continue
            except (yaml.YAMLError, ValueError) as exc:
                problems[rel] = [str(exc)]
                continue
            if guide.id != path.stem:
                problems[rel] = [f"文件名应与 id 一致（{guide.id}.yml）"]
            if cat.get(guide.id) is not None:
                # Items, routes and FAQ entries share one id space (URLs, chat payloads).
                problems[rel] = [f"id「{guide.id}」已被另一份指南使用"]
            cat.add(guide)
        problems.update(cat.problems())
        if problems:
            raise CatalogueError(problems)
        return cat


def parse_guide(text: str) -> Guide:
    data = yaml.safe_load(text)
    if not isinstance(data, dict):
        raise ValueError("指南文件应是一个 YAML 映射（key: value）")
    return guide_adapter.validate_python(data)


def dump_guide(guide: Guide) -> str:
    data = guide.model_dump(mode="json", exclude_none=True, exclude_defaults=False)
    return yaml.safe_dump(data, allow_unicode=True, sort_keys=False, width=120)


def main(argv: list[str]) -> int:
    if not argv or argv[0] != "check":
        print(__doc__)
        return 2
    folder = Path(argv[1]) if len(argv) > 1 else SAMPLE_GUIDES
    try:
        cat = Catalogue.from_folder(folder)
    except CatalogueError as exc:
        print(exc)
        return 1
    print(f"ok: {len(cat.items)} items, {len(cat.routes)} routes, {len(cat.faqs)} faq entries, "
          f"{len(cat.industries)} industries")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
