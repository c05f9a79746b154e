"""Realistic 办事指南 and 实施清单 files, written for these tests (sample values, labelled 示例).

Each generator builds the file with the library a centre's own tools would have used (Word via
python-docx, Excel via openpyxl, PDF via reportlab's built-in Chinese font), in the layouts that
provincial platforms export: a label/value table, numbered sections, a materials table.
"""
from __future__ import annotations

import csv
import io

GUIDE = {
    "name": "小餐饮经营许可证核发",
    "code": "SAMPLE-SC-9001",
    "type": "行政许可",
    "department": "示例市市场监督管理局",
    "audience": "企业法人、个体工商户",
    "statutory": "20个工作日",
    "promised": "5日",
    # the floor where the sample base has 示例市市场监督管理局: one department is on one floor (catalogue rule)
    "address": "示例市政务服务中心二楼 市场监管综合窗口（示例地址）",
    "hours": "工作日 9:00-12:00，13:30-17:30（示例）",
    "phone": "0000-1234567（示例号码）",
    "fee": "否",
    "result": "小餐饮经营许可证",
    "basis": ["《中华人民共和国食品安全法》第三十五条", "《示例省小餐饮管理办法》第十条（示例）"],
    "conditions": ["有与经营的食品品种、数量相适应的经营场所", "有食品安全管理制度"],
    "steps": ["申请", "受理", "审查", "决定", "发证"],
    "materials": [
        # 材料名称, 原件/复印件, 份数, 必要性, 来源, 备注
        ("小餐饮经营许可申请书", "原件", "1", "必要", "申请人自备", "可在窗口领取"),
        ("营业执照", "复印件", "1", "必要", "市场监管部门核发", ""),
        ("健康证明", "原件和复印件", "2", "容缺", "医疗机构出具", "可在 10 个工作日内补交"),
        ("委托书", "原件", "1", "情形", "申请人自备", "委托他人办理的"),
    ],
    "unplaced": "监督投诉：12345 政务服务便民热线（示例）",
    "alias_phrase": "本事项俗称“小餐饮证”。",
}


def guide(**changes) -> dict:
    return {**GUIDE, **changes}


def guide_docx(g: dict | None = None) -> bytes:
    import docx

    g = g or GUIDE
    d = docx.Document()
    d.add_heading(f"{g['name']}办事指南", level=1)
    table = d.add_table(rows=0, cols=4)
    table.style = "Table Grid"
    pairs = [("事项名称", g["name"], "事项编码", g["code"]), ("事项类型", g["type"], "实施主体", g["department"]),
             ("服务对象", g["audience"], "是否收费", g["fee"]),
             ("法定办结时限", g["statutory"], "承诺办结时限", g["promised"])]
    for row in pairs:
        cells = table.add_row().cells
        for i, v in enumerate(row):
            cells[i].text = v
    for label, value in (("办理地点", g["address"]), ("办理时间", g["hours"]), ("咨询电话", g["phone"])):
        cells = table.add_row().cells
        cells[0].text = label
        merged = cells[1].merge(cells[3])
        merged.text = value
    d.add_paragraph(g["alias_phrase"])
    d.add_heading("一、设定依据", level=2)
    for line in g["basis"]:
        d.add_paragraph(line)
    d.add_heading("二、受理条件", level=2)
    for i, line in enumerate(g["conditions"], 1):
        d.add_paragraph(f"{i}. {line}")
    d.add_heading("三、申请材料", level=2)
    mt = d.add_table(rows=1, cols=7)
    mt.style = "Table Grid"
    for i, h in enumerate(["序号", "材料名称", "原件/复印件", "份数", "必要性", "来源渠道", "备注"]):
        mt.rows[0].cells[i].text = h
    for n, m in enumerate(g["materials"], 1):
        cells = mt.add_row().cells
        for i, v in enumerate([str(n), *m]):
            cells[i].text = v
    d.add_heading("四、办理流程", level=2)
    d.add_paragraph("→".join(g["steps"]))
    d.add_heading("五、办理结果", level=2)
    d.add_paragraph(g["result"])
    d.add_heading("六、监督投诉渠道", level=2)
    d.add_paragraph(g["unplaced"])
    buf = io.BytesIO()
    d.save(buf)
    return buf.getvalue()


def guide_html(g: dict | None = None, script: str = "alert('x')") -> str:
    g = g or GUIDE
    rows = "".join(f"<tr><th>{k}</th><td>{v}</td></tr>" for k, v in [
        ("事项名称", g["name"]), ("事项编码", g["code"]), ("事项类型", g["type"]), ("实施主体", g["department"]),
        ("服务对象", g["audience"]), ("法定办结时限", g["statutory"]), ("承诺办结时限", g["promised"]),
        ("办理地点", g["address"]), ("办理时间", g["hours"]), ("咨询电话", g["phone"]), ("是否收费", g["fee"]),
        ("设定依据", "<br>".join(g["basis"])), ("受理条件", "<br>".join(g["conditions"])),
        ("办理结果", g["result"]), ("监督投诉", g["unplaced"])])
    materials = "".join(f"<tr><td>{n}</td>" + "".join(f"<td>{v}</td>" for v in m) + "</tr>"
                        for n, m in enumerate(g["materials"], 1))
    return f"""<!DOCTYPE html><html><head><meta charset="utf-8"><title>{g['name']}</title>
<script>{script}</script><style>td{{color:red}}</style></head>
<body><div class="nav">首页 &gt; 办事指南</div><h1>{g['name']}办事指南</h1>
<p>{g['alias_phrase']}</p>
<table class="info">{rows}</table>
<h3>申请材料</h3>
<table><tr><th>序号</th><th>材料名称</th><th>材料形式</th><th>份数</th><th>材料必要性</th><th>来源渠道</th><th>填报须知</th></tr>
{materials}</table>
<h3>办理流程</h3><ol>{''.join(f'<li>{s}</li>' for s in g['steps'])}</ol>
<img src="x" onerror="alert(1)"><iframe src="https://example.invalid/"></iframe>
</body></html>"""


def guide_pdf(g: dict | None = None) -> bytes:
    from reportlab.lib import colors
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

    g = g or GUIDE
    pdfmetrics.registerFont(UnicodeCIDFont("STSong-Light"))
    style = ParagraphStyle("zh", fontName="STSong-Light", fontSize=10, leading=14)
    title = ParagraphStyle("title", parent=style, fontSize=16, leading=22)
    grid = TableStyle([("FONTNAME", (0, 0), (-1, -1), "STSong-Light"), ("FONTSIZE", (0, 0), (-1, -1), 9),
                       ("GRID", (0, 0), (-1, -1), 0.5, colors.black)])
    info = Table([[k, v] for k, v in [
        ("事项名称", g["name"]), ("事项编码", g["code"]), ("事项类型", g["type"]), ("实施主体", g["department"]),
        ("服务对象", g["audience"]), ("法定办结时限", g["statutory"]), ("承诺办结时限", g["promised"]),
        ("办理地点", g["address"]), ("办理时间", g["hours"]), ("咨询电话", g["phone"]), ("是否收费", g["fee"]),
        ("办理结果", g["result"])]], colWidths=[90, 360])
    info.setStyle(grid)
    mats = Table([["序号", "材料名称", "原件/复印件", "份数", "必要性", "来源渠道", "备注"],
                  *[[str(n), *m] for n, m in enumerate(g["materials"], 1)]])
    mats.setStyle(grid)
    story = [Paragraph(f"{g['name']}办事指南", title), Spacer(1, 8), info, Spacer(1, 8),
             Paragraph("一、设定依据", style), *[Paragraph(b, style) for b in g["basis"]],
             Paragraph("二、受理条件", style), *[Paragraph(f"{i}. {c}", style) for i, c in enumerate(g["conditions"], 1)],
             Paragraph("三、申请材料", style), mats, Spacer(1, 8),
             Paragraph("四、监督投诉渠道", style), Paragraph(g["unplaced"], style)]
    buf = io.BytesIO()
    SimpleDocTemplate(buf, pagesize=A4).build(story)
    return buf.getvalue()


LIST_HEADERS = ["序号", "事项名称", "事项编码", "事项类型", "实施主体", "服务对象", "法定办结时限", "承诺办结时限",
                "办理地点", "办理时间", "咨询电话", "是否收费", "办理结果", "受理条件", "设定依据"]


def list_row(n: int, g: dict | None = None) -> list[str]:
    g = g or GUIDE
    return [str(n), g["name"], g["code"], g["type"], g["department"], g["audience"], g["statutory"], g["promised"],
            g["address"], g["hours"], g["phone"], g["fee"], g["result"], "\n".join(g["conditions"]),
            "\n".join(g["basis"])]


def numbered(n: int) -> dict:
    """The n-th generated item of a large list (distinct names and codes)."""
    return guide(name=f"示例事项{n:04d}号备案", code=f"SAMPLE-GEN-{n:05d}", type="备案", result=f"示例事项{n:04d}号备案回执")


def implementation_list_xlsx(guides: list[dict], materials: str = "sheet", extra_header: str | None = None,
                             blank_rows: bool = True) -> bytes:
    """materials: "sheet" (a second sheet keyed by 事项编码), "cell" (one multi-line cell) or "rows"
    (one row per material, item columns merged over them)."""
    import openpyxl

    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "实施清单"
    ws.append(["示例市政务服务事项实施清单（示例）"])
    ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=6)
    headers = list(LIST_HEADERS)
    if materials == "cell":
        headers.append("申请材料")
    if materials == "rows":
        headers += ["材料名称", "材料形式", "份数", "必要性"]
    if extra_header:
        headers.append(extra_header)
    ws.append(headers)
    for n, g in enumerate(guides, 1):
        row = list_row(n, g)
        if materials == "cell":
            row.append("\n".join(f"{i}. {m[0]}（{m[1]}{m[2]}份）" for i, m in enumerate(g["materials"], 1)))
        if materials == "rows":
            start = ws.max_row + 1
            for i, m in enumerate(g["materials"]):
                ws.append([*(row if i == 0 else [None] * len(row)), m[0], m[1], m[2], m[3]]
                          + ([f"{extra_header}的值{n}"] if extra_header and i == 0 else []))
            for col in range(1, len(row) + 1):
                ws.merge_cells(start_row=start, start_column=col, end_row=ws.max_row, end_column=col)
            continue
        if extra_header:
            row.append(f"{extra_header}的值{n}")
        ws.append(row)
        if blank_rows and n % 7 == 0:
            ws.append([])
    if materials == "sheet":
        ms = wb.create_sheet("申请材料")
        ms.append(["事项编码", "材料名称", "材料形式", "份数", "必要性", "来源渠道", "备注"])
        for g in guides:
            for m in g["materials"]:
                ms.append([g["code"], *m])
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def implementation_list_csv(guides: list[dict], encoding: str = "gbk") -> bytes:
    buf = io.StringIO()
    w = csv.writer(buf)
    w.writerow([*LIST_HEADERS, "申请材料"])
    for n, g in enumerate(guides, 1):
        w.writerow([*list_row(n, g), "\n".join(f"{m[0]}（{m[1]}）" for m in g["materials"])])
    return buf.getvalue().encode(encoding)
