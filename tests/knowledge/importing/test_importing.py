"""Importing a centre's own guides, in process: the readers on realistic generated files, the bad-input
refusals, and the /api/imports flow (upload → background job → review → publish → searchable)
against the real app (real index and embedding model) on a temporary SQLite database."""
from __future__ import annotations

import io
import re
import zipfile

import openpyxl
import pytest

from knowledge.importing import document, drafting, fields, reading
from knowledge.importing.safety import Limits
from tests.knowledge.guide_samples import zip_of
from tests.knowledge.importing.import_documents import (GUIDE, guide, guide_docx, guide_html, guide_pdf, implementation_list_csv,
                                              implementation_list_xlsx, numbered)

LIMITS = Limits()


def _drafts(name: str, data: bytes, latest: dict | None = None, mapping: dict | None = None):
    read = reading.read_file(name, data, LIMITS, mapping)
    assert read.refused is None, read.refused
    index = drafting.BaseIndex(latest or {})
    return read, [drafting.build_draft(g, index) for g in read.guides]


def _assert_guide_fields(d: drafting.Draft, with_steps: bool = True) -> None:
    data = d.data
    assert data["name"] == "小餐饮经营许可证核发" and data["code"] == "SAMPLE-SC-9001"
    assert data["type"] == "行政许可" and data["department"] == "示例市市场监督管理局"
    assert data["audience"] == ["法人"]
    assert data["time_limit"]["statutory_days"] == 20 and data["time_limit"]["promised_days"] == 5
    assert data["time_limit"]["kind"] == "承诺件"
    assert "5日" in data["time_limit"]["note"]  # the wording that was not plain working days is kept
    assert data["place"]["phone"] == "0000-1234567（示例号码）" and data["place"]["sample"] is False
    assert data["fee"] == {"charged": False, "standard": "不收费"}
    assert data["result"]["name"] == "小餐饮经营许可证"
    assert data["conditions"] == GUIDE["conditions"] and data["legal_basis"] == GUIDE["basis"]
    if with_steps:
        assert data["steps"] == GUIDE["steps"]
    materials = {m["name"]: m for m in data["materials"]}
    assert list(materials) == [m[0] for m in GUIDE["materials"]]
    assert materials["营业执照"]["form"] == "复印件" and materials["营业执照"]["source"] == "市场监管部门核发"
    assert materials["健康证明"] == {**materials["健康证明"], "form": "原件和复印件", "copies": 2, "necessity": "容缺",
                                  "deferral_days": 10}
    assert materials["委托书"]["necessity"] == "情形" and materials["委托书"]["condition"] == "委托他人办理的"
    assert d.errors == []
    names = {r["field"] for r in d.recognised}
    assert {"name", "code", "type", "department", "time_limit.promised_days", "place.phone", "materials"} <= names


# ---- time limits and labels ---------------------------------------------------------------------

@pytest.mark.parametrize("text, days, immediate", [
    ("20个工作日", 20, False), ("二十个工作日", 20, False), ("即办", 0, True), ("当场办结", 0, True),
    ("5日", 5, False), ("15天", 15, False), ("无", None, False), (10, 10, False), ("10", 10, False),
])
def test_time_limits_are_read_into_working_days(text, days, immediate):
    parsed = fields.parse_days(text)
    assert parsed is not None and parsed.days == days and parsed.immediate == immediate


def test_a_time_limit_in_months_is_not_guessed():
    assert fields.parse_days("3个月") is None and fields.parse_days("尽快") is None


def test_labels_are_recognised_in_their_usual_wordings():
    assert fields.item_field("一、受理条件") == "conditions"
    assert fields.item_field("* 实施机构：") == "department"
    assert fields.item_field("法定办结时限（工作日）") == "statutory"
    assert fields.item_field("监管方式") is None
    assert fields.item_field("监管方式", {"监管方式": "summary"}) == "summary"


# ---- formats ----------------------------------------------------------------------------------

def test_word_guide_fields_materials_and_kept_text():
    read, [d] = _drafts("小餐饮.docx", guide_docx())
    assert read.kind == "docx"
    _assert_guide_fields(d)
    # The section the schema has no field for is kept whole, heading and text, in the notes.
    assert "六、监督投诉渠道\n监督投诉：12345 政务服务便民热线（示例）" in d.data["notes"]
    assert "小餐饮证" in d.aliases_proposed  # the document's own 俗称
    assert "小餐饮经营许可证" in d.aliases_proposed  # the name without 核发


def test_html_page_is_read_as_text_and_scripts_are_dropped():
    read, [d] = _drafts("guide.html", guide_html(script="document.write('<b>注入</b>')").encode())
    _assert_guide_fields(d)
    text = repr(d.data)
    assert "注入" not in text and "alert" not in text and "<" not in d.data["notes"]
    assert "【监督投诉】监督投诉：12345 政务服务便民热线（示例）" in d.data["notes"]


def test_pdf_guide_tables_and_text():
    read, [d] = _drafts("guide.pdf", guide_pdf())
    assert read.kind == "pdf"
    _assert_guide_fields(d, with_steps=False)
    assert "监督投诉：12345 政务服务便民热线（示例）" in d.data["notes"]


def test_scanned_pdf_without_text_gets_a_clear_message():
    from reportlab.pdfgen import canvas
    buf = io.BytesIO()
    c = canvas.Canvas(buf)
    c.rect(50, 50, 300, 300, fill=1)  # an image-like page: drawing, no text
    c.save()
    read = reading.read_file("扫描件.pdf", buf.getvalue(), LIMITS)
    if document.ocr_available():
        assert read.refused and "扫描件" in read.refused and "没有读出文字" in read.refused
    else:
        assert read.refused and "没有文字层" in read.refused and "扫描件" in read.refused


def _scanned(pdf: bytes) -> bytes:
    """The PDF as a scanner makes it: each page an image, no text layer."""
    import pdfplumber
    with pdfplumber.open(io.BytesIO(pdf)) as doc:
        images = [p.to_image(resolution=200).original.convert("RGB") for p in doc.pages]
    buf = io.BytesIO()
    images[0].save(buf, format="PDF", save_all=True, append_images=images[1:], resolution=200)
    return buf.getvalue()


@pytest.mark.skipif(not document.ocr_available(), reason="tesseract with chi_sim is not installed (scripts/prepare.sh)")
@pytest.mark.stack  # tesseract runs as its own process, for seconds a page
def test_scanned_pdf_is_read_by_ocr_and_says_so():
    scanned = _scanned(guide_pdf())
    import pdfplumber
    with pdfplumber.open(io.BytesIO(scanned)) as doc:
        assert sum(len(p.chars) for p in doc.pages) == 0  # really no text layer
    read, [d] = _drafts("扫描件.pdf", scanned)
    assert any("OCR" in n for n in read.notices)
    assert d.data["name"] == "小餐饮经营许可证核发" and d.data["code"] == "SAMPLE-SC-9001"
    assert d.data["department"] == "示例市市场监督管理局"
    assert d.data["time_limit"]["statutory_days"] == 20 and d.data["time_limit"]["promised_days"] == 5
    assert len(d.data["legal_basis"]) == 2 and "监督投诉" in d.data["notes"]
    # The materials table comes back row by row; OCR may misread a character, so the names are compared loosely.
    assert len(d.data["materials"]) == 4 and d.data["materials"][3]["name"] == "委托书"


@pytest.mark.parametrize("materials", ["sheet", "cell", "rows"])
def test_implementation_list_with_materials_in_a_sheet_a_cell_or_merged_rows(materials):
    guides = [GUIDE, *(numbered(n) for n in range(2, 12))]
    read, drafts = _drafts("清单.xlsx", implementation_list_xlsx(guides, materials=materials))
    assert len(drafts) == 11 and read.rows >= 11
    first = drafts[0]
    assert first.data["name"] == GUIDE["name"] and first.data["code"] == GUIDE["code"]
    assert [m["name"] for m in first.data["materials"]] == [m[0] for m in GUIDE["materials"]]
    assert {m["name"]: m.get("form") for m in first.data["materials"]}["营业执照"] == "复印件"
    assert drafts[5].data["name"] == "示例事项0006号备案" and drafts[5].data["type"] == "备案"
    assert "第" in drafts[5].locator and "行" in drafts[5].locator
    assert all(d.guide_id and re.match(r"^[a-z0-9][a-z0-9-]+$", d.guide_id) for d in drafts)
    assert len({d.guide_id for d in drafts}) == 11


@pytest.mark.parametrize("encoding", ["utf-8-sig", "gbk", "gb18030"])
def test_csv_in_utf8_and_gbk(encoding):
    read, drafts = _drafts("清单.csv", implementation_list_csv([GUIDE, numbered(2)], encoding=encoding))
    assert [d.data["name"] for d in drafts] == [GUIDE["name"], "示例事项0002号备案"]
    assert drafts[0].data["department"] == "示例市市场监督管理局"
    assert [m["name"] for m in drafts[0].data["materials"]] == [m[0] for m in GUIDE["materials"]]


def test_unknown_columns_are_kept_in_notes_and_can_be_mapped():
    data = implementation_list_xlsx([GUIDE], materials="sheet", extra_header="监管方式")
    read, [d] = _drafts("清单.xlsx", data)
    assert read.unknown_headers == ["监管方式"]
    assert "【监管方式】监管方式的值1" in d.data["notes"]
    read, [d] = _drafts("清单.xlsx", data, mapping={"监管方式": "summary"})
    assert read.unknown_headers == [] and d.data["summary"] == "监管方式的值1"


def test_formulas_are_never_evaluated_and_the_cached_value_is_used():
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["事项名称", "事项编码", "法定办结时限", "承诺办结时限"])
    ws.append(["公式事项", "SAMPLE-F-1", "=10+10", "=WEBSERVICE(\"http://127.0.0.1:9/\")"])
    buf = io.BytesIO()
    wb.save(buf)
    # Excel stores the value it computed next to the formula: put one in, as Excel would.
    raw = _rewrite_zip(buf.getvalue(), "xl/worksheets/sheet1.xml",
                       lambda x: x.replace(b"<f>10+10</f><v></v>", b"<f>10+10</f><v>20</v>")
                       .replace(b"<f>10+10</f><v/>", b"<f>10+10</f><v>20</v>"))
    read, [d] = _drafts("公式.xlsx", raw)
    assert d.data["time_limit"]["statutory_days"] == 20  # the cached value
    assert "WEBSERVICE" not in repr(d.data)  # a formula without a cached value is empty, never run or kept as text
    assert "promised_days" not in d.data["time_limit"]


def test_macros_are_ignored():
    data = implementation_list_xlsx([GUIDE])
    data = _rewrite_zip(data, None, None, add={"xl/vbaProject.bin": b"\xd0\xcf\x11\xe0 macro that must never run"})
    read, [d] = _drafts("宏.xlsm", data)
    assert d.data["name"] == GUIDE["name"]


def test_a_matching_guide_starts_from_its_version_and_keeps_what_the_import_does_not_say():
    latest = {"food-x": {"kind": "item", "id": "food-x", "name": "旧名称", "code": "SAMPLE-SC-9001", "type": "行政许可",
                         "department": "旧部门", "audience": ["法人"], "aliases": ["小饭馆证"],
                         "faq": [{"q": "多久能办好？", "a": "五个工作日。"}],
                         "time_limit": {"promised_days": 3, "kind": "承诺件"},
                         "place": {"address": "旧地址", "hours": "旧时间", "phone": "旧电话"},
                         "result": {"name": "许可证"},
                         "materials": [{"name": "营业执照", "key": "营业执照", "form": "复印件"}]}}
    read, [d] = _drafts("小餐饮.docx", guide_docx(), latest)
    assert d.match_id == "food-x" and d.match_by == "code" and d.guide_id == "food-x"
    assert d.data["department"] == "示例市市场监督管理局"  # the document's value
    assert d.data["faq"] == latest["food-x"]["faq"]  # what the document does not say stays
    assert "小饭馆证" in d.data["aliases"]
    assert {m["name"]: m for m in d.data["materials"]}["营业执照"]["key"] == "营业执照"
    read, [by_name] = _drafts("x.html", guide_html(guide(code="OTHER-1", name="旧名称")).encode(), latest)
    assert by_name.match_id == "food-x" and by_name.match_by == "name"


def test_duplicates_within_one_upload_are_reported():
    read, drafts = _drafts("清单.xlsx", implementation_list_xlsx([GUIDE, numbered(2), GUIDE], materials="cell"))
    index = drafting.BaseIndex({})
    seen = [index.duplicate(d) for d in drafts]
    assert seen[0] is None and seen[1] is None and seen[2] == f"清单.xlsx · {drafts[0].locator}"


def test_values_that_cannot_be_read_are_errors_on_their_field_and_kept_in_notes():
    read, [d] = _drafts("x.html", guide_html(guide(type="审核转报", promised="3个月")).encode())
    by_field = {e["field"]: e["msg"] for e in d.errors}
    assert "审核转报" in by_field["type"] and "无法识别" in by_field["type"]
    assert "3个月" in by_field["time_limit.promised_days"]
    assert "【事项类型】审核转报" in d.data["notes"] and "【承诺办结时限】3个月" in d.data["notes"]
    assert {e["name"] for e in d.errors} >= {"事项类型", "承诺办结时限"}


# ---- bad input --------------------------------------------------------------------------------

def _rewrite_zip(data: bytes, member: str | None, change, add: dict | None = None) -> bytes:
    src = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            content = src.read(info)
            if info.filename == member:
                content = change(content)
            dst.writestr(info, content)
        for name, content in (add or {}).items():
            dst.writestr(name, content)
    return out.getvalue()


def _ole_file(renames: dict[str, str]) -> bytes:
    """An OLE compound file whose streams have the given names: what a Word 97 .doc (WordDocument, 1Table)
    looks like to a reader that lists streams. Made from an encrypted docx by renaming its streams,
    since nothing on this machine writes .doc files."""
    from msoffcrypto.format.ooxml import OOXMLFile
    enc = io.BytesIO()
    OOXMLFile(io.BytesIO(guide_docx())).encrypt("口令", enc)
    data = enc.getvalue()
    for old_name, new_name in renames.items():
        old = old_name.encode("utf-16-le")
        new = new_name.encode("utf-16-le").ljust(len(old), b"\x00")
        at = data.index(old)
        length = (len(new_name) + 1) * 2  # the directory entry's name length, terminator included
        data = data[:at] + new + data[at + len(old):at + 64] + length.to_bytes(2, "little") + data[at + 66:]
    return data


def _refused(name: str, data: bytes, limits: Limits = LIMITS) -> str:
    read = reading.read_file(name, data, limits)
    assert read.refused, f"{name} was not refused"
    assert read.guides == []
    return read.refused


def test_password_protected_office_file():
    from msoffcrypto.format.ooxml import OOXMLFile
    enc = io.BytesIO()
    OOXMLFile(io.BytesIO(guide_docx())).encrypt("口令", enc)
    assert "密码" in _refused("加密.docx", enc.getvalue())


def test_password_protected_pdf():
    from pypdf import PdfReader, PdfWriter
    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(guide_pdf())))
    writer.encrypt("口令")
    buf = io.BytesIO()
    writer.write(buf)
    assert "密码" in _refused("加密.pdf", buf.getvalue())


def test_a_docx_that_is_really_a_doc():
    msg = _refused("指南.docx", _ole_file({"EncryptedPackage": "WordDocument", "EncryptionInfo": "1Table"}))
    assert "旧版 Word" in msg and ".docx" in msg and "另存为" in msg


def test_an_xlsx_that_is_really_a_csv_is_read_as_csv_and_says_so():
    read = reading.read_file("清单.xlsx", implementation_list_csv([GUIDE], encoding="gbk"), LIMITS)
    assert read.refused is None and read.kind == "csv"
    assert any("内容是CSV" in n and ".xlsx" in n for n in read.notices)
    assert read.guides[0].fields["name"] == GUIDE["name"]


@pytest.mark.parametrize("name, data, words", [
    ("损坏.docx", guide_docx()[:3000], "损坏"),
    ("损坏.xlsx", b"PK\x03\x04" + b"\x00" * 200, "损坏"),
    ("损坏.pdf", b"%PDF-1.7\n garbage", "损坏"),
    ("空.csv", b"", "空"),
    ("图片.docx", b"\x89PNG\r\n\x1a\n" + b"\x00" * 100, "无法识别文件内容"),
    ("无表头.csv", "随便写的一行字\n另一行".encode(), "没有找到表头"),
])
def test_corrupt_files(name, data, words):
    assert words in _refused(name, data)


def test_xml_entities_in_docx_and_xlsx_are_refused():
    laughs = (b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;">]>'
              b'<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main">&lol2;</w:document>')
    docx = _rewrite_zip(guide_docx(), "word/document.xml", lambda _: laughs)
    assert "XML 实体" in _refused("实体.docx", docx)
    external = b'<!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]>'
    xlsx = _rewrite_zip(implementation_list_xlsx([GUIDE]), "xl/workbook.xml",
                        lambda x: x.replace(b"?>", b"?>" + external, 1) if x.startswith(b"<?xml") else external + x)
    assert "XML 实体" in _refused("实体.xlsx", xlsx)


def test_zip_of_guides_is_read_file_by_file_with_gbk_names():
    upload = zip_of({"指南/小餐饮.docx": guide_docx(), "清单.xlsx": implementation_list_xlsx([numbered(2)]),
                   "__MACOSX/._x": b"junk", "inner.zip": zip_of({"page.html": guide_html(guide(name="网页事项")).encode()})})
    members, refused = reading.expand([("上传.zip", upload)], LIMITS)
    assert refused == []
    assert sorted(m.name for m in members) == ["上传.zip/inner.zip/page.html", "上传.zip/指南/小餐饮.docx", "上传.zip/清单.xlsx"]


def test_zip_bombs_and_deep_zips_are_refused():
    bomb = zip_of({"bomb.csv": b"0" * (300 * 1024 * 1024)}, zipfile.ZIP_DEFLATED)  # 300 MB of zeros packs to about 300 KB
    members, refused = reading.expand([("bomb.zip", bomb)], LIMITS)
    assert members == [] and "压缩炸弹" in refused[0].refused
    deep = zip_of({"a.zip": zip_of({"b.zip": zip_of({"c.html": b"<p>x</p>"})})})
    members, refused = reading.expand([("deep.zip", deep)], LIMITS)
    assert members == [] and "嵌套太深" in refused[0].refused
    docx_bomb = _rewrite_zip(guide_docx(), None, None, add={"word/media/huge.xml": b" " * (120 * 1024 * 1024)})
    assert "压缩炸弹" in _refused("炸弹.docx", docx_bomb)


def test_size_limits_are_configurable():
    small = Limits(file_bytes=50_000, upload_bytes=120_000)
    big = guide_docx() + b""  # about 37 KB
    members, refused = reading.expand([("a.docx", guide_docx()), ("b.pdf", b"%PDF-" + b"0" * 60_000)], small)
    assert [m.name for m in members] == ["a.docx"] and "文件太大" in refused[0].refused and "最多" in refused[0].refused
    members, refused = reading.expand([("z.zip", zip_of({f"{i}.docx": big for i in range(5)}))], small)
    assert members == [] and "上限" in refused[0].refused


# ---- other layouts ----------------------------------------------------------------------------

def test_pdf_materials_table_continued_on_the_next_page():
    many = [(f"第{i:02d}号证明材料", "原件", "1", "必要", "申请人自备", "") for i in range(1, 61)]
    read, [d] = _drafts("长.pdf", guide_pdf(guide(materials=many)))
    assert [m["name"] for m in d.data["materials"]] == [m[0] for m in many]


def test_html_definition_lists_and_label_spans():
    page = """<html><body><h2>居住证签注办事指南</h2>
      <div class="row"><span class="label">事项编码：</span><span class="value">SAMPLE-JZ-1</span></div>
      <div class="row"><span class="label">实施机构：</span><span class="value">示例市公安局</span></div>
      <dl><dt>承诺办结时限</dt><dd>即办</dd><dt>事项类型</dt><dd>行政确认</dd>
          <dt>服务对象</dt><dd>自然人</dd><dt>温馨提示</dt><dd>请提前预约（示例）</dd></dl>
      <p>本页面由示例市政务服务网提供</p></body></html>"""
    read, [d] = _drafts("居住证.html", page.encode("gb18030"))
    assert d.data["name"] == "居住证签注" and d.data["code"] == "SAMPLE-JZ-1"
    assert d.data["department"] == "示例市公安局" and d.data["audience"] == ["个人"]
    assert d.data["time_limit"] == {**d.data["time_limit"], "promised_days": 0, "kind": "即办件"}
    assert "请提前预约（示例）" in d.data["notes"] and "本页面由示例市政务服务网提供" in d.data["notes"]


def test_word_label_table_with_a_merged_materials_block():
    import docx
    doc = docx.Document()
    t = doc.add_table(rows=0, cols=4)
    for label, value in (("事项名称", "无犯罪记录证明开具"), ("事项编码", "SAMPLE-GA-7"), ("事项类型", "公共服务"),
                         ("实施主体", "示例市公安局"), ("服务对象", "自然人"), ("承诺办结时限", "当场办结")):
        cells = t.add_row().cells
        cells[0].text = label
        cells[1].merge(cells[3]).text = value
    start = len(t.rows)
    for row in (["申请材料", "材料名称", "原件/复印件", "份数"], ["", "居民身份证", "原件", "1"], ["", "户口簿", "复印件", "1"]):
        cells = t.add_row().cells
        for i, v in enumerate(row):
            if v:
                cells[i].text = v
    t.cell(start, 0).merge(t.cell(start + 2, 0))
    cells = t.add_row().cells
    cells[0].text = "咨询电话"
    cells[1].merge(cells[3]).text = "0000-110（示例号码）"
    buf = io.BytesIO()
    doc.save(buf)
    read, [d] = _drafts("无犯罪.docx", buf.getvalue())
    assert d.data["name"] == "无犯罪记录证明开具" and d.data["time_limit"]["kind"] == "即办件"
    assert [(m["name"], m["form"]) for m in d.data["materials"]] == [("居民身份证", "原件"), ("户口簿", "复印件")]
    assert d.data["place"]["phone"] == "0000-110（示例号码）"


def test_a_large_workbook_is_streamed_and_rows_of_one_item_still_group(monkeypatch):
    from knowledge.importing import spreadsheet
    monkeypatch.setattr(spreadsheet, "STREAM_ABOVE_BYTES", 0)  # as if the file were over 5 MB
    read, drafts = _drafts("大.xlsx", implementation_list_xlsx([GUIDE, numbered(2)], materials="rows"))
    assert any("只读方式" in n for n in read.notices)
    assert [d.data["name"] for d in drafts] == [GUIDE["name"], "示例事项0002号备案"]
    assert [m["name"] for m in drafts[0].data["materials"]] == [m[0] for m in GUIDE["materials"]]
