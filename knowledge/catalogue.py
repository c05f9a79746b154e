"""The set of guides the assistant knows, loaded from the editable YAML files of a guide folder.

Cross-guide rules (a route step names an existing item, a material comes from an existing item)
are checked here, because a single guide cannot see the others. Each problem names its guide and
the field inside it (a `Problem`), so the editor shows it under the input to change.

    python -m knowledge.catalogue check [FOLDER]     # validate the files, print a summary
"""
from __future__ import annotations

import pickle
import re
import sys
from bisect import bisect_right
from collections import defaultdict
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import NamedTuple

import yaml
from pydantic import ValidationError

from knowledge.schema import Faq, Guide, Industry, Item, Route, guide_adapter
from knowledge.schema.common import SAMPLE_LABEL
from knowledge.schema.item import FREE_WORDS, DeadlineKind, Necessity
from knowledge.schema.referral import REFERRALS_FILE

SAMPLE_GUIDES = Path(__file__).parent / "guides"


class CatalogueError(ValueError):
    """One or more guides are invalid; `problems` maps a file or guide id to its lines (`field.path: message`)."""

    def __init__(self, problems: dict[str, list[str]]):
        self.problems = problems
        lines = [f"{where}: {msg}" for where, msgs in problems.items() for msg in msgs]
        super().__init__("知识库校验失败：\n" + "\n".join(lines))


class Problem(NamedTuple):
    """A cross-guide rule broken by one guide: `path` is the field to change, dotted inside the guide's
    data as the editor names it (steps.2.item, place.phone)."""

    guide: str
    path: str
    message: str


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

    def problems(self) -> dict[str, list[Problem]]:
        """Every cross-guide problem, grouped by the id of the guide that has it (each caller asks
        “what is wrong with this guide”); a guide without problems has no key."""
        found: list[Problem] = []
        for route in self.routes.values():
            for n, step in enumerate(route.steps):
                if step.item not in self.items:
                    found.append(Problem(route.id, f"steps.{n}.item", f"步骤「{step.id}」引用的事项「{step.item}」不存在"))
        for item in self.items.values():
            for n, m in enumerate(item.materials):
                if m.from_item and m.from_item not in self.items:
                    found.append(Problem(item.id, f"materials.{n}.from_item",
                                         f"材料「{m.name}」来源事项「{m.from_item}」不存在"))
        for faq in self.faqs.values():
            for n, rel in enumerate(faq.related):
                if rel not in self.items and rel not in self.routes:
                    found.append(Problem(faq.id, f"related.{n}", f"相关事项「{rel}」不存在"))
        for industry in self.industries.values():
            if industry.route not in self.routes:
                found.append(Problem(industry.id, "route", f"行业所走的路线「{industry.route}」不存在"))
        items = list(self.items.values())
        found += place_conflicts(items) + duplicate_codes(items)
        for item in items:
            found += label_problems(item) + cost_problems(item)
        out: dict[str, list[Problem]] = {}
        for p in found:
            out.setdefault(p.guide, []).append(p)
        return out

    @classmethod
    def from_folder(cls, folder: Path = SAMPLE_GUIDES) -> "Catalogue":
        cat = cls()
        problems: dict[str, list[str]] = {}
        for path in sorted(Path(folder).rglob("*.yml")):
            rel = str(path.relative_to(folder))
            if rel == REFERRALS_FILE:
                continue  # not a guide: who handles what no guide covers (knowledge/referrals.py)
            try:
                guide = _parse_guide_file(path)
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
        for gid, found in cat.problems().items():
            problems[gid] = [f"{p.path}: {p.message}" for p in found]
        if problems:
            raise CatalogueError(problems)
        return cat


# ---- rules over the sample values: the assistant must never give two contradicting directions ----

_FLOOR = re.compile(r"^(.*?)([一二三四五六七八九十]|\d+)(?:层|楼)")
_WINDOW = re.compile(r"^([A-Z])(\d+)(?:\s*[-–—~至]\s*([A-Z])?(\d+))?")
_LABEL = re.compile(r"[（(][^）)]*[）)]|\s")  # （示例号码）and spaces are not part of the number


def department_of(item: Item) -> str:
    """The office a citizen walks to: 示例市公安局（户政）and 示例市公安局（治安管理支队）are one 示例市公安局."""
    return item.department.split("（")[0].split("(")[0].strip()


def floor_of(address: str) -> tuple[str, str] | None:
    """(building, floor) of an address such as 示例市政务服务中心二楼 …, or None when it names no floor."""
    m = _FLOOR.search(address)
    return (m.group(1).strip(), m.group(2)) if m else None


def window_range(window: str | None) -> tuple[str, int, int] | None:
    """B12-B15 → ("B", 12, 15); B16 → ("B", 16, 16); a named room (结婚登记室) → None."""
    m = _WINDOW.match(window or "")
    if not m or (m.group(3) and m.group(3) != m.group(1)):
        return None
    low = int(m.group(2))
    high = int(m.group(4)) if m.group(4) else low
    return m.group(1), min(low, high), max(low, high)


def _phone_key(phone: str) -> str:
    return _LABEL.sub("", phone)


def place_conflicts(items: list[Item]) -> list[Problem]:
    """Two departments on one phone number, overlapping window ranges on one floor, a department on two floors."""
    out: list[Problem] = []
    by_phone: dict[str, list[Item]] = defaultdict(list)
    for item in items:
        by_phone[_phone_key(item.place.phone)].append(item)
    for phone_items in by_phone.values():
        departments = sorted({department_of(i) for i in phone_items})
        if len(departments) > 1:
            for i in phone_items:
                others = "、".join(d for d in departments if d != department_of(i))
                out.append(Problem(i.id, "place.phone",
                                   f"电话「{i.place.phone}」也是「{others}」的电话：不同部门不能共用一个咨询电话"))

    floors: dict[tuple[str, str], set[str]] = defaultdict(set)  # (building, department) -> floors
    for item in items:
        where = floor_of(item.place.address)
        if where:
            floors[(where[0], department_of(item))].add(where[1])
    for item in items:
        where = floor_of(item.place.address)
        if where and len(floors[(where[0], department_of(item))]) > 1:
            listed = "、".join(sorted(f + "楼" for f in floors[(where[0], department_of(item))]))
            out.append(Problem(item.id, "place.address",
                               f"「{department_of(item)}」在{where[0]}分布在多个楼层（{listed}），同一部门应在同一楼层"))

    department = {id(i): department_of(i) for i in items}
    placed: list[tuple[Item, tuple[str, str], tuple[str, int, int]]] = []
    for i in items:
        f, w = floor_of(i.place.address), window_range(i.place.window)
        if f and w:
            placed.append((i, f, w))
    # Only windows of one letter on one floor can overlap, so each item is compared with the later items
    # of its row only (same pairs, same order): every guide an editor checks re-checks the whole catalogue.
    rows: dict[tuple, list[int]] = defaultdict(list)
    for n, (_, f, w) in enumerate(placed):
        rows[(f, w[0])].append(n)
    for n, (a, fa, wa) in enumerate(placed):
        row = rows[(fa, wa[0])]
        for b, fb, wb in (placed[m] for m in row[bisect_right(row, n):]):
            if department[id(a)] == department[id(b)]:
                continue
            if wa[1] <= wb[2] and wb[1] <= wa[2]:
                out.append(Problem(a.id, "place.window", f"窗口「{a.place.window}」与「{department_of(b)}」的窗口"
                                   f"「{b.place.window}」在{fa[0]}{fa[1]}楼重叠，同一楼层不同部门的窗口号不能重叠"))
                out.append(Problem(b.id, "place.window", f"窗口「{b.place.window}」与「{department_of(a)}」的窗口"
                                   f"「{a.place.window}」在{fb[0]}{fb[1]}楼重叠，同一楼层不同部门的窗口号不能重叠"))
    return out


def duplicate_codes(items: list[Item]) -> list[Problem]:
    by_code: dict[str, list[str]] = defaultdict(list)
    for item in items:
        by_code[item.code].append(item.id)
    return [Problem(gid, "code", f"事项编码「{code}」也被「{'、'.join(i for i in ids if i != gid)}」使用，编码不能重复")
            for code, ids in by_code.items() if len(ids) > 1 for gid in ids]


def label_problems(item: Item) -> list[Problem]:
    """In the sample base (place.sample), local choices must carry the （示例） label the chat repeats."""
    if not item.place.sample:
        return []
    out = []
    tl = item.time_limit
    if tl.kind == DeadlineKind.promised.value and not tl.promised_sample:
        out.append(Problem(item.id, "time_limit.promised_sample",
                           f"承诺办结时限（{tl.promised_days} 个工作日）是本中心的示例值，须标注{SAMPLE_LABEL}："
                           "请设置 time_limit.promised_sample: true"))
    for n, m in enumerate(item.materials):
        if m.necessity == Necessity.deferrable.value and "示例" not in (m.notes or ""):
            out.append(Problem(item.id, f"materials.{n}.notes",
                               f"容缺材料「{m.name}」的容缺和补交期限是本地选择，须在说明（notes）中标注{SAMPLE_LABEL}"))
    return out


def says_free(text: str | None) -> bool:
    return text is not None and any(word in text for word in FREE_WORDS) and "税" not in text


def cost_problems(item: Item) -> list[Problem]:
    """A step where a tax is due must not read as free: “契税要交多少” was once answered “不收费”."""
    if not item.taxes:
        return []
    names = "、".join(c.name for c in item.taxes)
    out = []
    if says_free(item.fee.standard):
        out.append(Problem(item.id, "fee.standard",
                           f"本事项要缴纳{names}，收费标准不能写“{item.fee.standard}”：请写明“不收取行政事业性收费”，"
                           "并在 costs 中写明税款"))
    for n, qa in enumerate(item.faq):
        if says_free(qa.a):
            out.append(Problem(item.id, f"faq.{n}.a", f"本事项要缴纳{names}，常见问题「{qa.q}」的回答不能说不收费或免费"))
    return out


def parse_guide(text: str) -> Guide:
    return guide_from(yaml.safe_load(text))


def _parse_guide_file(path: Path) -> Guide:
    return guide_from(pickle.loads(_file_data(path.read_text(encoding="utf-8"))))


@lru_cache(maxsize=1024)
def _file_data(text: str) -> bytes:
    """A file of the guide folder, read by libyaml: the sample base's 258 files in 0.7 s instead of 5 s.

    Only for the centre's own files on disk: libyaml overflows the C stack on nesting a hostile upload
    could carry (uploads are checked by editing.archive and read by parse_guide). A broken file is read
    again by the Python parser, whose message quotes the offending line.

    Remembered by content, as a pickle so each reader gets its own copy: a process reads the same folder
    more than once (seeding the database, `check`, the tests), and libyaml still builds the Python
    objects in Python.
    """
    try:
        data = yaml.load(text, Loader=yaml.CSafeLoader)
    except yaml.YAMLError:
        data = yaml.safe_load(text)
    return pickle.dumps(data)


def guide_from(data: object) -> Guide:
    """The guide a YAML file's data describes (pydantic's ValidationError says what is wrong)."""
    if not isinstance(data, dict):
        raise ValueError("指南文件应是一个 YAML 映射（key: value）")
    return guide_adapter.validate_python(data)


def dump_guide(guide: Guide) -> str:
    data = guide.model_dump(mode="json", exclude_none=True, exclude_defaults=False)
    # libyaml's emitter: the same text as yaml.safe_dump's (every shipped guide, byte for byte), 4x faster;
    # an export writes every guide.
    return yaml.dump(data, Dumper=yaml.CSafeDumper, allow_unicode=True, sort_keys=False, width=120)


def main(argv: list[str]) -> int:
    if not argv or argv[0] != "check":
        print(__doc__)
        return 2
    folder = Path(argv[1]) if len(argv) > 1 else SAMPLE_GUIDES
    from knowledge import referrals  # the referral table is checked against the guides it must not shadow

    try:
        cat = Catalogue.from_folder(folder)
        table = referrals.load(folder)
    except (CatalogueError, referrals.ReferralError) as exc:
        print(exc)
        return 1
    shadowing = referrals.problems(table, cat.all())
    if shadowing:
        print(CatalogueError(shadowing))
        return 1
    print(f"ok: {len(cat.items)} items, {len(cat.routes)} routes, {len(cat.faqs)} faq entries, "
          f"{len(cat.industries)} industries, {len(table)} referrals")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
