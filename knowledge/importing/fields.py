"""Which label is which field, and how the wording of a guide becomes the schema's values.

Labels come from the column headers of a 实施清单 export and from the label cells and headings of a
办事指南. Centres and provinces word them differently (实施主体 / 实施机构 / 办理部门 …), so each field
lists the names seen in published guides; an editor maps any other header once (stored per centre).
"""
from __future__ import annotations

import re
from dataclasses import dataclass

# ---- fields of an item ----------------------------------------------------------------------------

# field key → (Chinese name shown to editors, labels that mean it). Keys are ours, not schema paths:
# several become one schema object (statutory/promised/deadline_kind/visits → time_limit).
ITEM_FIELDS: dict[str, tuple[str, tuple[str, ...]]] = {
    "name": ("事项名称", ("事项名称", "实施清单名称", "实施事项名称", "办理事项", "事项", "服务事项名称", "业务办理项名称",
                      "业务办理项", "名称")),
    "code": ("事项编码", ("事项编码", "实施编码", "实施清单编码", "基本编码", "事项代码", "业务办理项编码", "编码")),
    "type": ("事项类型", ("事项类型", "事项类别", "权力类型", "类型", "职权类型")),
    "department": ("实施主体", ("实施主体", "实施机构", "实施主体名称", "办理部门", "受理部门", "受理机构", "主管部门",
                            "责任部门", "办理机构", "决定机构")),
    "audience": ("服务对象", ("服务对象", "办理对象", "行使对象", "对象", "申请对象", "服务对象类型")),
    "aliases": ("别名", ("别名", "俗称", "常用名称", "事项俗称", "简称", "关键词", "搜索关键词")),
    "summary": ("事项简介", ("事项简介", "事项概述", "简介", "概述", "服务内容", "事项说明")),
    "conditions": ("受理条件", ("受理条件", "申请条件", "办理条件", "受理标准", "申请人条件", "准予条件")),
    "legal_basis": ("设定依据", ("设定依据", "法律依据", "实施依据", "办理依据", "法定依据", "依据")),
    "statutory": ("法定办结时限", ("法定办结时限", "法定时限", "法定期限", "法定办理时限", "法定办结期限")),
    "promised": ("承诺办结时限", ("承诺办结时限", "承诺时限", "承诺期限", "承诺办理时限", "承诺办结期限", "办结时限",
                             "办理时限")),
    "deadline_kind": ("办件类型", ("办件类型", "办件类别", "即办件承诺件")),
    "visits": ("到现场次数", ("到办事现场次数", "到现场次数", "跑动次数", "最多跑次数", "到窗口次数", "现场次数")),
    "address": ("办理地点", ("办理地点", "办公地点", "受理地点", "办理地址", "窗口地址", "地点", "地址")),
    "window": ("办理窗口", ("办理窗口", "受理窗口", "窗口", "窗口号")),
    "hours": ("办理时间", ("办理时间", "办公时间", "受理时间", "工作时间", "窗口办理时间")),
    "phone": ("咨询电话", ("咨询电话", "咨询方式", "联系电话", "咨询", "联系方式", "办事咨询电话")),
    "channels": ("办理方式", ("办理方式", "办理渠道", "办理形式", "申办方式", "受理方式", "网办深度", "是否网办")),
    "result": ("办理结果", ("办理结果", "审批结果", "审批结果名称", "结果名称", "办结结果", "结果", "证照名称",
                        "审批结果类型及名称", "办理结果名称")),
    "delivery": ("结果送达", ("结果送达", "送达方式", "结果送达方式", "结果领取方式", "证件领取方式", "领取方式")),
    "fee": ("是否收费", ("是否收费", "收费", "收费情况", "收费与否")),
    "fee_standard": ("收费标准", ("收费标准", "收费项目及标准", "收费金额")),
    "fee_basis": ("收费依据", ("收费依据",)),
    "materials": ("申请材料", ("申请材料", "申报材料", "材料目录", "申请材料目录", "所需材料", "提交材料", "申请材料清单",
                          "材料", "材料清单")),
    "steps": ("办理流程", ("办理流程", "办事流程", "办理程序", "流程", "审批流程", "办理步骤", "程序")),
    "notes": ("其他说明", ("备注", "其他说明", "特别说明", "其他", "温馨提示", "注意事项")),
}

# Columns of a materials table (in a Word guide, or a second sheet keyed by 事项编码).
MATERIAL_FIELDS: dict[str, tuple[str, tuple[str, ...]]] = {
    "m_name": ("材料名称", ("材料名称", "申请材料名称", "材料", "提交材料名称", "申请材料")),
    "m_form": ("材料形式", ("材料形式", "原件复印件", "原件/复印件", "纸质材料", "材料要求", "形式", "材料类型及份数",
                         "提交形式", "纸质/电子")),
    "m_copies": ("份数", ("份数", "数量", "材料份数", "纸质份数")),
    "m_necessity": ("必要性", ("必要性", "材料必要性", "是否必要", "是否必需", "必要/容缺/情形", "必要性及描述",
                             "是否容缺", "材料性质")),
    "m_source": ("来源", ("来源", "来源渠道", "材料来源", "来源说明", "出具单位")),
    "m_notes": ("备注", ("备注", "填报须知", "说明", "要求", "其他要求", "材料说明", "受理标准")),
    "m_condition": ("适用情形", ("适用情形", "情形", "情形说明", "适用条件")),
    "m_deferral": ("补交期限", ("补交期限", "容缺补交期限", "容缺期限")),
    "m_code": ("事项编码", ITEM_FIELDS["code"][1]),
    "m_item": ("事项名称", ITEM_FIELDS["name"][1]),
    "m_seq": ("序号", ("序号", "编号", "No", "no")),
}

FIELD_NAMES = {k: v[0] for k, v in {**ITEM_FIELDS, **MATERIAL_FIELDS}.items()}


def normalise_label(text: str) -> str:
    """A label as written ('一、受理条件：', '* 事项名称', '法定办结时限（工作日）') reduced to its words."""
    s = re.sub(r"\s+", "", str(text or ""))
    s = s.strip("*＊:：.、·•")
    s = re.sub(r"^(?:[一二三四五六七八九十]+[、.．]|[（(][一二三四五六七八九十\d]+[)）]|\d+[、.．)）])", "", s)
    s = s.strip("*＊:：.、·•，,")  # "一、，设定依据": OCR puts stray commas after the numbering
    return s


def _table(fields: dict[str, tuple[str, tuple[str, ...]]]) -> dict[str, str]:
    table: dict[str, str] = {}
    for key, (_, labels) in fields.items():
        for label in labels:
            table.setdefault(normalise_label(label), key)
    return table


_ITEM_LABELS = _table(ITEM_FIELDS)
_MATERIAL_LABELS = _table(MATERIAL_FIELDS)


def _lookup(table: dict[str, str], text: str) -> str | None:
    label = normalise_label(text)
    if not label or len(label) > 24:  # a sentence is not a label
        return None
    if label in table:
        return table[label]
    # '法定办结时限（工作日）', '申请材料(详见附件)': the words before the bracket are the label.
    bare = re.split(r"[（(]", label, maxsplit=1)[0]
    return table.get(bare) if bare else None


def item_field(label: str, extra: dict[str, str] | None = None) -> str | None:
    """The item field a label or header means, or None. `extra`: the centre's own header mapping."""
    if extra:
        mapped = extra.get(normalise_label(label))
        if mapped:
            return mapped
    return _lookup(_ITEM_LABELS, label)


def material_field(label: str) -> str | None:
    return _lookup(_MATERIAL_LABELS, label)


# ---- values ----------------------------------------------------------------------------------------

_CN_DIGITS = {"零": 0, "〇": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}
_CN_UNITS = {"十": 10, "百": 100}


def chinese_number(text: str) -> int | None:
    """'二十' → 20, '十五' → 15, '一百二十' → 120, '3' → 3; None when it is not a number."""
    if text.isdigit():
        return int(text)
    total, digit = 0, None
    for ch in text:
        if ch in _CN_DIGITS:
            digit = _CN_DIGITS[ch]
        elif ch in _CN_UNITS:
            total += (digit if digit is not None else 1) * _CN_UNITS[ch]
            digit = None
        else:
            return None
    return total + (digit or 0)


@dataclass(frozen=True)
class Days:
    """A time limit as the schema stores it: working days (None: no limit set), or 即办 (0, immediate)."""

    days: int | None
    immediate: bool = False
    note: str | None = None  # the original wording, when it says more than the number


_IMMEDIATE = re.compile(r"即办|即时办结|当场办结|当场办理|立即办结|当即办结|现场办结|即来即办|当场")
_NONE = re.compile(r"^(无|无法定时限|不涉及|/|—|-|无规定|法律法规未规定|未规定|无明确规定)$")
_NUMBER = re.compile(r"(\d+|[零〇一二两三四五六七八九十百]+)\s*个?\s*(工作日|自然日|日|天|个月|月|小时)")


def parse_days(text: object) -> Days | None:
    """'20个工作日' → 20, '即办' / '当场办结' → 0 immediate, '5日' → 5, '无' → no limit; None when unreadable.

    The schema counts working days. '5日' and '15天' are read as that many days and the wording is kept
    in the note, so a reviewer sees what the guide said; months are not converted (there is no honest
    conversion to working days) and come back unreadable.
    """
    if text is None:
        return None
    if isinstance(text, (int, float)) and not isinstance(text, bool):
        return Days(int(text)) if text >= 0 and float(text).is_integer() else None
    s = re.sub(r"\s+", "", str(text))
    if not s:
        return None
    if s.isdigit():
        return Days(int(s))
    if _NONE.match(s):
        return Days(None)
    m = _NUMBER.search(s)
    immediate = _IMMEDIATE.search(s)
    if m and not (immediate and s.find(m.group(0)) > s.find(immediate.group(0))):
        n = chinese_number(m.group(1))
        unit = m.group(2)
        if n is None or unit in ("个月", "月"):
            return None
        if unit == "小时":
            return Days(0, note=s) if n <= 8 else Days(-(-n // 8), note=s)
        plain = s in (m.group(0), f"{m.group(0)}内")
        return Days(n, note=None if plain and unit == "工作日" else s)
    if _IMMEDIATE.search(s):
        return Days(0, immediate=True, note=None if len(s) <= 6 else s)
    return None


_YES = {"是", "收费", "有", "y", "yes", "true", "1", "√", "✓"}
_NO = {"否", "不收费", "免费", "无", "n", "no", "false", "0", "×", "不涉及", "无收费"}


def parse_yes_no(text: object) -> bool | None:
    s = re.sub(r"\s+", "", str(text or "")).lower().rstrip("。")
    if s in _YES:
        return True
    if s in _NO:
        return False
    if s.startswith(("不收费", "免费", "否", "无")):
        return False
    if s.startswith(("收费", "是")):
        return True
    return None


_TYPES = {
    "行政许可": "行政许可", "许可": "行政许可",
    "公共服务": "公共服务", "服务": "公共服务",
    "备案": "备案", "行政备案": "备案",
    "行政确认": "行政确认", "确认": "行政确认",
    "行政登记": "行政登记", "登记": "行政登记",
    "行政给付": "行政给付", "给付": "行政给付",
    "其他行政权力": "其他行政权力", "其他权力": "其他行政权力", "其他": "其他行政权力",
    "行政裁决": "其他行政权力", "行政奖励": "其他行政权力", "行政征收": "其他行政权力", "行政检查": "其他行政权力",
}


def parse_type(text: object) -> str | None:
    s = normalise_label(str(text or ""))
    return _TYPES.get(s) or next((v for k, v in _TYPES.items() if len(k) > 2 and k in s), None)


def parse_audience(text: object) -> list[str]:
    s = str(text or "")
    out = []
    if re.search(r"自然人|个人|公民|居民|群众", s):
        out.append("个人")
    if re.search(r"法人|企业|单位|组织|机构|个体工商户", s):
        out.append("法人")
    return out


def parse_channels(text: object) -> list[str]:
    s = str(text or "")
    out = []
    if re.search(r"窗口|现场|线下", s):
        out.append("窗口")
    if re.search(r"全程网办|全程网上|不见面", s):
        out.append("全程网办")
    elif re.search(r"网上|网办|线上|在线|政务服务网|APP|小程序", s, re.I):
        out.append("网上")
    if re.search(r"邮寄|快递", s) and "网办" not in s:
        out.append("邮寄")
    return out


def parse_delivery(text: object) -> list[str]:
    s = str(text or "")
    out = []
    if re.search(r"自取|窗口领取|现场领取|领取", s):
        out.append("自取")
    if re.search(r"邮寄|快递|EMS", s, re.I):
        out.append("免费邮寄")
    if re.search(r"电子证照|电子", s):
        out.append("电子证照")
    return out


def parse_form(text: object) -> str | None:
    s = str(text or "")
    has_original, has_copy = "原件" in s, ("复印件" in s or "复印" in s)
    if has_original and has_copy:
        return "原件和复印件"
    if has_copy:
        return "复印件"
    if has_original or "纸质" in s:
        return "原件"
    if "电子" in s:
        return "电子"
    return None


def parse_copies(text: object) -> int | None:
    if isinstance(text, (int, float)) and not isinstance(text, bool):
        return int(text) if 0 <= text <= 20 else None
    m = re.search(r"(\d+|[一二两三四五六七八九十]+)\s*份", str(text or "")) or re.fullmatch(r"\s*(\d+)\s*", str(text or ""))
    if not m:
        return None
    n = chinese_number(m.group(1))
    return n if n is not None and 0 <= n <= 20 else None


def parse_necessity(text: object) -> str | None:
    s = re.sub(r"\s+", "", str(text or ""))
    if not s:
        return None
    if "容缺" in s:
        return "容缺"
    if re.search(r"情形|非必要|视情况|选填|非必需|否|根据|如有", s):
        return "情形"
    if re.search(r"必要|必需|必须|必交|必填|^是$", s):
        return "必要"
    return None


def split_lines(text: object) -> list[str]:
    """A multi-line cell or paragraph as separate entries, without their numbering ('1.', '（2）', '①')."""
    out = []
    for line in re.split(r"[\r\n]+|；\s*(?=\d+[.、．])|;\s*(?=\d+[.、．])", str(text or "")):
        line = re.sub(r"^\s*(?:\d+[.、．)）]|[（(]\d+[)）]|[①-⑳]|[一二三四五六七八九十]+[、.．]|[-•·*])\s*", "", line).strip()
        if line:
            out.append(line)
    return out
