"""What an editor downloads: the job's per-file report (a spreadsheet Excel opens as it is) and the
实施清单 template whose headers the import recognises."""
from __future__ import annotations

import io

import openpyxl
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter

from knowledge.importing.fields import FIELD_NAMES, ITEM_FIELDS

STATUS_NAMES = {"pending": "待审核", "stored": "已存为草稿", "published": "已发布", "discarded": "已舍弃"}


def _sheet(ws, headers: list[str], rows: list[list], widths: list[int]) -> None:
    ws.append(headers)
    for cell in ws[1]:
        cell.font = Font(bold=True)
    for row in rows:
        # A cell starting with = + - @ would be a formula in Excel: text from documents must stay text.
        ws.append([f"'{v}" if isinstance(v, str) and v[:1] in "=+-@" else v for v in row])
    for i, w in enumerate(widths, 1):
        ws.column_dimensions[get_column_letter(i)].width = w
    for row in ws.iter_rows(min_row=2):
        for cell in row:
            cell.alignment = Alignment(wrap_text=True, vertical="top")
    ws.freeze_panes = "A2"


def job_report(job, drafts) -> bytes:
    """Sheet 1: per file — guides found, drafts made, problems. Sheet 2: per draft — its errors."""
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "按文件"
    rows = []
    for f in (job.report or {}).get("files", []):
        problems = [*([f["refused"]] if f.get("refused") else []), *f.get("notices", []),
                    *(["未识别的列：" + "、".join(f["unknown_headers"])] if f.get("unknown_headers") else []),
                    *f.get("duplicates", [])]
        rows.append([f["file"], f.get("kind") or "", "未导入" if f.get("refused") else "已读取", f.get("guides", 0),
                     f.get("drafts", 0), f.get("clean", 0), f.get("with_errors", 0), f.get("updates", 0),
                     "\n".join(problems)])
    _sheet(ws, ["文件", "格式", "结果", "识别出的指南", "生成的草稿", "可直接发布", "有错误", "更新已有指南", "问题与提示"],
           rows, [40, 8, 8, 12, 10, 10, 8, 12, 80])
    ds = wb.create_sheet("按草稿")
    _sheet(ds, ["文件", "位置", "事项名称", "指南 id", "已有指南", "状态", "错误", "其他说明（未归入字段的原文）"],
           [[d.file, d.locator, d.title, d.guide_id,
             f"{d.match_id}（按{'事项编码' if d.match_by == 'code' else '名称'}匹配）" if d.match_id else "新建",
             STATUS_NAMES.get(d.status, d.status), "\n".join(f"{e.get('name') or e['field']}：{e['msg']}" for e in d.errors),
             d.notes or ""] for d in drafts],
           [30, 16, 28, 28, 28, 10, 50, 60])
    info = wb.create_sheet("说明")
    info.append([f"导入任务 {job.id}，{job.created_by} 上传，状态：{job.status}，{job.message or ''}"])
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


TEMPLATE_COLUMNS = ["name", "code", "type", "department", "audience", "statutory", "promised", "deadline_kind",
                    "visits", "address", "window", "hours", "phone", "channels", "fee", "fee_standard", "result",
                    "delivery", "conditions", "legal_basis", "steps", "aliases", "summary", "notes"]
_EXAMPLE = {
    "name": "示例事项（示例）", "code": "SAMPLE-0001", "type": "行政许可", "department": "示例市某某局",
    "audience": "自然人、法人", "statutory": "20个工作日", "promised": "10个工作日", "deadline_kind": "承诺件",
    "visits": "1", "address": "示例市政务服务中心一楼（示例地址）", "window": "",
    "hours": "工作日 9:00-12:00，13:30-17:30（示例）", "phone": "0000-0000000（示例号码）", "channels": "窗口、网上",
    "fee": "否", "fee_standard": "不收费", "result": "某某许可证", "delivery": "自取、免费邮寄",
    "conditions": "1. 第一项条件\n2. 第二项条件", "legal_basis": "《某某条例》第十条", "steps": "申请\n受理\n审查\n决定",
    "aliases": "俗称一、俗称二", "summary": "一两句话说明这个事项", "notes": "其他需要告诉办事人的内容",
}


def template() -> bytes:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "实施清单"
    headers = [FIELD_NAMES[k] for k in TEMPLATE_COLUMNS]
    _sheet(ws, headers, [[_EXAMPLE[k] for k in TEMPLATE_COLUMNS]], [max(12, len(h) * 3) for h in headers])
    ms = wb.create_sheet("申请材料")
    _sheet(ms, ["事项编码", "材料名称", "材料形式", "份数", "必要性", "补交期限", "适用情形", "来源渠道", "备注"],
           [["SAMPLE-0001", "申请书", "原件", 1, "必要", "", "", "申请人自备", "窗口可领取空白表"],
            ["SAMPLE-0001", "营业执照", "复印件", 1, "容缺", "5个工作日", "", "市场监管部门核发", ""],
            ["SAMPLE-0001", "授权委托书", "原件", 1, "情形", "", "委托他人办理的", "申请人自备", ""]],
           [16, 24, 12, 6, 10, 12, 20, 18, 24])
    info = wb.create_sheet("填写说明")
    info.append(["列名", "也认得的写法", "说明"])
    notes = {"type": "行政许可、公共服务、备案、行政确认、行政登记、行政给付、其他行政权力",
             "statutory": "如“20个工作日”“即办”“无”", "promised": "如“5个工作日”“即办”“当场办结”",
             "audience": "自然人（个人）、法人，可都写", "fee": "是 / 否", "channels": "窗口、网上、全程网办、邮寄"}
    for k in TEMPLATE_COLUMNS:
        info.append([FIELD_NAMES[k], "、".join(ITEM_FIELDS[k][1][1:6]), notes.get(k, "")])
    info.append(["申请材料", "", "写在“申请材料”工作表中，用事项编码对应；也可在实施清单中加一列“申请材料”，每行一份"])
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()
