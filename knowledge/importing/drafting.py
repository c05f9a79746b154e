"""A recognised guide becomes an import draft: item data, what was recognised, notes, errors, aliases.

Nothing the document said is dropped: a value that cannot be read into its field (an unknown 事项类型,
a time limit in months) stays in the notes with its label, next to a Chinese error on that field, and
text under no known label is kept whole in the notes in document order. A draft for a guide that
already exists (same 事项编码, else same name) starts from that guide's newest version, so fields the
document does not mention keep their values and the reviewer sees only real changes in the diff.
"""
from __future__ import annotations

import copy
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from pydantic import TypeAdapter, ValidationError
from pypinyin import lazy_pinyin

from knowledge.catalogue import Problem
from knowledge.editing.validation import errors_from_pydantic
from knowledge.importing import fields as F
from knowledge.importing.recognised import RawMaterial, Recognised
from knowledge.schema import guide_adapter
from knowledge.schema.common import Slug
from knowledge.text.tokenizer import plain_words

# Schema paths as editors know them, for errors and the recognised-field list.
PATH_NAMES = {
    "id": "指南 id", "name": "事项名称", "code": "事项编码", "type": "事项类型", "department": "实施主体",
    "audience": "服务对象", "aliases": "别名", "summary": "事项简介", "conditions": "受理条件", "legal_basis": "设定依据",
    "time_limit": "办结时限", "time_limit.statutory_days": "法定办结时限", "time_limit.promised_days": "承诺办结时限",
    "time_limit.kind": "办件类型", "time_limit.visits": "到现场次数", "time_limit.note": "时限说明",
    "place": "办理地点", "place.address": "办理地点", "place.window": "办理窗口", "place.hours": "办理时间",
    "place.phone": "咨询电话", "channels": "办理方式", "result": "办理结果", "result.name": "办理结果",
    "result.delivery": "结果送达", "fee": "收费", "fee.charged": "是否收费", "fee.standard": "收费标准",
    "fee.basis": "收费依据", "materials": "申请材料", "steps": "办理流程", "notes": "其他说明（未归入字段的原文）",
}

_MATERIAL_PATH_NAMES = {"name": "名称", "form": "形式", "copies": "份数", "necessity": "必要性",
                        "deferral_days": "补交期限", "condition": "适用情形", "source": "来源", "notes": "备注"}


def path_name(path: str) -> str:
    """'materials.2.deferral_days' → '申请材料第 3 项 · 补交期限'."""
    m = re.match(r"^materials\.(\d+)(?:\.(\w+))?", path)
    if m:
        tail = f" · {_MATERIAL_PATH_NAMES.get(m.group(2), m.group(2))}" if m.group(2) else ""
        return f"申请材料第 {int(m.group(1)) + 1} 项{tail}"
    return PATH_NAMES.get(path) or PATH_NAMES.get(path.rsplit(".", 1)[0], path or "整份指南")


@dataclass
class Draft:
    file: str
    locator: str
    guide_id: str
    data: dict
    recognised: list[dict]  # [{"field": schema path, "name": 中文, "label": as written, "value": text}]
    notes: str
    errors: list[dict]  # [{"field", "name", "msg"}]
    aliases_proposed: list[str]
    match_id: str | None = None
    match_by: str | None = None  # "code" | "name"
    duplicate_of: str | None = None  # "file · locator" of the first guide with the same code or name

    @property
    def title(self) -> str:
        return str(self.data.get("name") or "（未识别事项名称）")


class BaseIndex:
    """The guides already in the base (newest version of each), to match imports against and to keep
    new ids unique; also remembers what this upload produced, to report duplicates."""

    def __init__(self, latest: dict[str, dict]):
        self.latest = latest  # id → data of the newest version
        self.by_code: dict[str, str] = {}
        self.by_name: dict[str, str] = {}
        for gid, data in latest.items():
            if data.get("kind") != "item":
                continue
            if data.get("code"):
                self.by_code.setdefault(_key(data["code"]), gid)
            self.by_name.setdefault(_key(data.get("name", "")), gid)
        self.taken = set(latest)
        self.seen_codes: dict[str, str] = {}  # within this upload: code → "file · locator"
        self.seen_names: dict[str, str] = {}

    def match(self, code: str | None, name: str | None) -> tuple[str | None, str | None]:
        if code and _key(code) in self.by_code:
            return self.by_code[_key(code)], "code"
        if name and _key(name) in self.by_name:
            return self.by_name[_key(name)], "name"
        return None, None

    def new_id(self, name: str, code: str | None) -> str:
        base = slug_for(name) or slug_for(code or "") or "imported-item"
        gid, n = base, 2
        while gid in self.taken:
            suffix = f"-{n}"
            gid, n = base[: 64 - len(suffix)].rstrip("-") + suffix, n + 1
        self.taken.add(gid)
        return gid

    def duplicate(self, draft: Draft) -> str | None:
        where = f"{draft.file} · {draft.locator}"
        code, name = draft.data.get("code"), draft.data.get("name")
        first = (code and self.seen_codes.get(_key(code))) or (name and self.seen_names.get(_key(name)))
        if first:
            return first
        if code:
            self.seen_codes[_key(code)] = where
        if name:
            self.seen_names[_key(name)] = where
        return None


def _key(text: str) -> str:
    return re.sub(r"\s+", "", str(text)).lower()


_SLUG = TypeAdapter(Slug)  # the schema owns the id rule


def slug_for(text: str) -> str:
    """A readable id from a Chinese name: 食品经营许可证核发 → shipin-jingying-xukezheng-hefa."""
    words = []
    for word in plain_words(str(text)):
        latin = "".join(lazy_pinyin(word)).lower()  # what has no pinyin (latin, digits) is kept as it is
        latin = re.sub(r"[^a-z0-9]+", "", latin)
        if latin:
            words.append(latin)
    slug = ""
    for w in words:
        if len(slug) + len(w) + 1 > 60:
            break
        slug = f"{slug}-{w}" if slug else w
    try:
        return _SLUG.validate_python(slug)
    except ValidationError:  # too short, or nothing Latin in the name: the editor picks an id
        return ""


# ---- building ------------------------------------------------------------------------------------

_BRACKETED = re.compile(r"[（(]([^（）()]{2,20})[)）]")
_ALIAS_PHRASE = re.compile(r"(?:俗称|简称|又称|也称|也叫|通称)[为是：:\s]*[“「\"『]?([^，。；、”」\"』（）()\s]{2,16})")
_NAME_SUFFIX = re.compile(r"(?:的)?(?:核发|审批|许可|登记|备案|办理|申请|确认|变更|注销|延续|申领)$")


def _material(raw: RawMaterial, problems: list[tuple[str, str]], notes: list[str], index: int) -> dict | None:
    f = raw.fields
    name = (f.get("m_name") or "").strip()
    if not name:
        text = "；".join(v for v in [*f.values(), *raw.extra] if v)
        if text:
            notes.append(f"【申请材料（无材料名称）】{text}")
        return None
    form_text = f.get("m_form", "")
    material: dict[str, Any] = {"name": name}
    form = F.parse_form(form_text) or F.parse_form(f.get("m_copies", ""))
    if form:
        material["form"] = form
    elif form_text:
        problems.append((f"materials.{index}.form", f"材料形式「{form_text}」无法识别，应为原件、复印件、原件和复印件或电子"))
    copies = F.parse_copies(f.get("m_copies", "")) if f.get("m_copies") else F.parse_copies(form_text)
    if copies is not None:
        material["copies"] = copies
    elif f.get("m_copies"):
        problems.append((f"materials.{index}.copies", f"份数「{f['m_copies']}」无法识别"))
    necessity_text = f.get("m_necessity", "")
    necessity = F.parse_necessity(necessity_text) or "必要"
    if necessity_text and F.parse_necessity(necessity_text) is None:
        problems.append((f"materials.{index}.necessity", f"必要性「{necessity_text}」无法识别，应为必要、容缺或情形"))
    material["necessity"] = necessity
    extra_notes = [t for t in [f.get("m_notes", ""), *raw.extra] if t]
    if necessity == "容缺":
        days = F.parse_days(f.get("m_deferral")) if f.get("m_deferral") else None
        if days is None:
            m = re.search(r"(\d+|[一二三四五六七八九十]+)\s*个?工作日内?补", "".join([necessity_text, *extra_notes]))
            days = F.Days(F.chinese_number(m.group(1))) if m else None
        if days and days.days:
            material["deferral_days"] = days.days
    if necessity == "情形":
        condition = f.get("m_condition") or (necessity_text if len(necessity_text) > 4 else "")
        if not condition and f.get("m_notes"):  # '委托他人办理的': the remark says when it is needed
            condition = f["m_notes"]
            extra_notes.remove(f["m_notes"])
        if condition:
            material["condition"] = condition
    elif f.get("m_condition"):
        extra_notes.insert(0, f"适用情形：{f['m_condition']}")
    if f.get("m_source"):
        material["source"] = f["m_source"]
    if extra_notes:
        material["notes"] = "；".join(extra_notes)
    return material


def _materials_from_lines(text: str) -> list[RawMaterial]:
    """A multi-line 申请材料 cell: '1. 营业执照复印件（1份）' → name 营业执照, form 复印件, copies 1."""
    out = []
    for line in F.split_lines(text):
        raw = RawMaterial()
        trailing = re.search(r"[（(]([^（）()]*)[)）]$", line)
        name = line
        if trailing and (F.parse_form(trailing.group(1)) or F.parse_copies(trailing.group(1))
                         or F.parse_necessity(trailing.group(1))):
            name = line[: trailing.start()].strip()
            raw.fields["m_form"] = trailing.group(1)
            if F.parse_necessity(trailing.group(1)) in ("容缺", "情形"):
                raw.fields["m_necessity"] = trailing.group(1)
        bare = re.sub(r"(原件和复印件|原件及复印件|原件、复印件|复印件|原件)$", "", name).strip()
        if bare != name and bare:
            raw.fields.setdefault("m_form", name[len(bare):])
            name = bare
        raw.fields["m_name"] = name
        out.append(raw)
    return out


def _merge_materials(new: list[dict], old: list[dict]) -> list[dict]:
    """Keep what only the base knows about a material of the same name (merge key, source item, when)."""
    by_name = {m.get("name"): m for m in old or []}
    merged = []
    for m in new:
        before = by_name.get(m["name"])
        if before:
            m = {**{k: v for k, v in before.items() if k in ("key", "from_item", "when", "commitment")}, **m}
        merged.append(m)
    return merged


def build_draft(rec: Recognised, index: BaseIndex) -> Draft:
    fv = rec.fields
    problems: list[tuple[str, str]] = []  # (schema path, message) for values we could not read
    notes: list[str] = []
    recognised: list[dict] = []

    def seen(path: str, key: str) -> None:
        recognised.append({"field": path, "name": path_name(path), "label": rec.labels.get(key, F.FIELD_NAMES[key]),
                           "value": fv[key]})

    def unreadable(path: str, key: str, msg: str) -> None:
        problems.append((path, msg))
        notes.append(f"【{rec.labels.get(key, F.FIELD_NAMES[key])}】{fv[key]}")

    name = (fv.get("name") or "").strip()
    if not name and rec.title:
        name = re.sub(r"(办事指南|服务指南|办理指南|实施清单)$", "", rec.title).strip("《》 ：:")
        if name:
            recognised.append({"field": "name", "name": "事项名称", "label": "标题", "value": rec.title})
    name = name.split("\n")[0].strip()
    code = (fv.get("code") or "").split("\n")[0].strip()
    match_id, match_by = index.match(code, name)
    base = copy.deepcopy(index.latest.get(match_id, {})) if match_id else {}
    data: dict[str, Any] = {k: v for k, v in base.items() if k not in ("version", "status", "updated_at")}
    data["kind"] = "item"
    data["id"] = match_id or index.new_id(name, code)
    if name:
        data["name"] = name
        if "name" in fv:
            seen("name", "name")
    if code:
        data["code"] = code
        seen("code", "code")

    if "type" in fv:
        t = F.parse_type(fv["type"])
        if t:
            data["type"] = t
            seen("type", "type")
        else:
            unreadable("type", "type", f"事项类型「{fv['type']}」无法识别，应为以下之一：行政许可、公共服务、备案、行政确认、"
                                       "行政登记、行政给付、其他行政权力")
    for key, path in (("department", "department"), ("summary", "summary")):
        if key in fv:
            data[path] = fv[key].strip()
            seen(path, key)
    if "audience" in fv:
        who = F.parse_audience(fv["audience"])
        if who:
            data["audience"] = who
            seen("audience", "audience")
        else:
            unreadable("audience", "audience", f"服务对象「{fv['audience']}」无法识别，应为自然人（个人）或法人")
    for key in ("conditions", "legal_basis", "steps"):
        if key in fv:
            text = fv[key]
            if key == "steps" and "\n" not in text:
                text = re.sub(r"\s*(?:→|->|—>|＞|>|➝)\s*", "\n", text)  # 申请→受理→审查
            data[key] = F.split_lines(text)
            seen(key, key)
    if "aliases" in fv:
        words = [w.strip() for w in re.split(r"[，,、；;/\n]+", fv["aliases"]) if w.strip()]
        data["aliases"] = list(dict.fromkeys([*(data.get("aliases") or []), *words]))
        seen("aliases", "aliases")

    # 办结时限
    time_limit = dict(data.get("time_limit") or {})
    time_notes = []
    for key, path in (("statutory", "statutory_days"), ("promised", "promised_days")):
        if key not in fv:
            continue
        days = F.parse_days(fv[key])
        if days is None:
            unreadable(f"time_limit.{path}", key, f"「{fv[key]}」无法读成工作日数（如“20个工作日”“即办”）")
            continue
        time_limit[path] = days.days if days.days is not None or key == "statutory" else None
        if days.immediate and key == "promised":
            time_limit["kind"] = "即办件"
        if days.note:
            time_notes.append(f"{F.FIELD_NAMES[key]}原文：{days.note}")
        seen(f"time_limit.{path}", key)
    if "deadline_kind" in fv:
        if "即办" in fv["deadline_kind"]:
            time_limit["kind"] = "即办件"
            time_limit.setdefault("promised_days", 0)
        elif "承诺" in fv["deadline_kind"]:
            time_limit["kind"] = "承诺件"
        seen("time_limit.kind", "deadline_kind")
    if "promised" in fv and "deadline_kind" not in fv and time_limit.get("promised_days") is not None:
        # The document's own time limit decides, not the kind the existing guide had.
        time_limit["kind"] = "即办件" if time_limit["promised_days"] == 0 else "承诺件"
    if time_limit.get("kind") is None and time_limit.get("promised_days") is not None:
        time_limit["kind"] = "即办件" if time_limit["promised_days"] == 0 else "承诺件"
    if "visits" in fv:
        m = re.search(r"\d+|[零一二两三四五]", fv["visits"])
        visits = F.chinese_number(m.group(0)) if m else None
        if visits is not None and visits <= 5:
            time_limit["visits"] = visits
            seen("time_limit.visits", "visits")
        else:
            unreadable("time_limit.visits", "visits", f"到现场次数「{fv['visits']}」无法识别")
    if time_notes:
        time_limit["note"] = "；".join(time_notes)
    if time_limit or "promised" in fv or "statutory" in fv:
        data["time_limit"] = time_limit

    # 办理地点、时间、电话
    place = dict(data.get("place") or {})
    for key in ("address", "window", "hours", "phone"):
        if key in fv:
            place[key] = fv[key].strip()
            seen(f"place.{key}", key)
    if place:
        place["sample"] = bool(base.get("place", {}).get("sample")) and not any(k in fv for k in ("address", "phone"))
        data["place"] = place

    if "channels" in fv:
        channels = F.parse_channels(fv["channels"])
        if channels:
            data["channels"] = channels
            seen("channels", "channels")
        else:
            unreadable("channels", "channels", f"办理方式「{fv['channels']}」无法识别，应为窗口、网上、全程网办或邮寄")

    result = dict(data.get("result") or {})
    if "result" in fv:
        result["name"] = F.split_lines(fv["result"])[0] if F.split_lines(fv["result"]) else fv["result"]
        seen("result.name", "result")
        if len(F.split_lines(fv["result"])) > 1:
            notes.append(f"【{rec.labels.get('result', '办理结果')}】{fv['result']}")
    if "delivery" in fv:
        delivery = F.parse_delivery(fv["delivery"])
        if delivery:
            result["delivery"] = delivery
            seen("result.delivery", "delivery")
        else:
            notes.append(f"【{rec.labels.get('delivery', '结果送达')}】{fv['delivery']}")
    if result:
        data["result"] = result

    fee = dict(data.get("fee") or {})
    standard_text = fv.get("fee_standard")
    if "fee" in fv:
        charged = F.parse_yes_no(fv["fee"])
        if charged is None and re.search(r"\d+\s*元", fv["fee"]):  # '每件 10 元': the cell is the standard itself
            charged, standard_text = True, standard_text or fv["fee"]
        if charged is None:
            unreadable("fee.charged", "fee", f"是否收费「{fv['fee']}」无法识别，应为“是”或“否”")
        else:
            fee["charged"] = charged
            if not charged:
                fee["standard"] = "不收费"
            seen("fee.charged", "fee")
    if standard_text:
        standard = standard_text.strip()
        if F.parse_yes_no(standard) is False:
            fee.setdefault("charged", False)
            fee["standard"] = "不收费"
        else:
            fee["standard"] = standard
            fee.setdefault("charged", True)
        if "fee_standard" in fv:
            seen("fee.standard", "fee_standard")
    if "fee_basis" in fv:
        fee["basis"] = fv["fee_basis"].strip()
        seen("fee.basis", "fee_basis")
    if fee:
        data["fee"] = fee

    raws = list(rec.materials)
    if not raws and "materials" in fv:
        raws = _materials_from_lines(fv["materials"])
    elif raws and "materials" in fv:  # text under the 申请材料 heading besides its table: kept, not parsed twice
        notes.append(f"【{rec.labels.get('materials', '申请材料')}】{fv['materials']}")
    if raws:
        materials: list[dict] = []
        names: set[str] = set()
        for raw in raws:
            material = _material(raw, problems, notes, len(materials))
            # The same row twice (merged cells) is taken once.
            if material is None or (material["name"] in names and material in materials):
                continue
            names.add(material["name"])
            materials.append(material)
        data["materials"] = _merge_materials(materials, base.get("materials", []))
        recognised.append({"field": "materials", "name": "申请材料",
                           "label": rec.labels.get("materials", "申请材料"),
                           "value": "；".join(m["name"] for m in materials)})

    if "notes" in fv:
        notes.insert(0, f"【{rec.labels.get('notes', '备注')}】{fv['notes']}")
    notes = [*rec.unplaced, *notes]
    text = "\n".join(notes).strip()
    if text:
        data["notes"] = text if not base.get("notes") else f"{base['notes']}\n{text}"
    elif base.get("notes"):
        data["notes"] = base["notes"]

    proposed = propose_aliases(data, [rec.title or "", *fv.values(), *rec.unplaced])
    draft = Draft(file=rec.file, locator=rec.locator, guide_id=data["id"], data=data, recognised=recognised,
                  notes=text, errors=[], aliases_proposed=proposed, match_id=match_id, match_by=match_by)
    draft.errors = validate(data, problems)
    return draft


def propose_aliases(data: dict, texts: list[str]) -> list[str]:
    """Other names the document itself uses: the bracketed part of the name, the name without it,
    the result's name, the name without 核发/审批/登记…, and what follows 俗称/简称/又称."""
    name = str(data.get("name") or "")
    found: list[str] = []
    if name:
        found += _BRACKETED.findall(name)
        bare = _BRACKETED.sub("", name).strip()
        found.append(bare)
        found.append(_NAME_SUFFIX.sub("", bare))
    result = (data.get("result") or {}).get("name")
    if result and len(result) <= 20:
        found.append(_BRACKETED.sub("", result).strip())
    for t in texts:
        found += _ALIAS_PHRASE.findall(str(t))
    have = {name, *(data.get("aliases") or [])}
    out = []
    for a in found:
        a = a.strip()
        if 2 <= len(a) <= 20 and a not in have and a not in out:
            out.append(a)
    return out


def validate(data: dict, problems: Sequence[tuple[str, str]] = ()) -> list[dict]:
    """Chinese errors by field: the values we could not read first, then what the schema refuses."""
    errors = [{"field": p, "name": path_name(p), "msg": m} for p, m in problems]
    try:
        guide_adapter.validate_python(data)
    except ValidationError as exc:
        unreadable = {p for p, _ in problems}
        for e in errors_from_pydantic(exc, data):
            if e.field in unreadable:
                continue  # 'required' under a value we already said we could not read
            errors.append({"field": e.field, "name": path_name(e.field), "msg": e.msg})
    return errors


def conflict_error(problem: Problem) -> dict:
    """A draft's error for a rule it breaks together with other guides (one phone per department …),
    under the field to change, so the reviewer can correct it in place."""
    return {"field": problem.path, "name": "与其他指南冲突", "msg": problem.message}
