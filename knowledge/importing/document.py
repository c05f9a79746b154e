"""办事指南 documents (Word, HTML pages saved from a 政务服务网, PDF): one guide per file.

Each format is first reduced to the same sequence of blocks — paragraphs and tables, in reading
order — by the library made for it: python-docx (paragraphs and tables in body order, merged cells
once), BeautifulSoup over lxml (scripts, styles and frames dropped; text only, never markup), and
pdfplumber (tables found by their ruling lines, the text around them by position). Then one reader
finds the sections by their headings ("一、受理条件"), inline labels ("咨询电话：…") and label cells,
reads materials tables row by row, and keeps every paragraph it cannot place.
"""
from __future__ import annotations

import io
import logging
import re
import shutil
import subprocess
import zipfile
from dataclasses import dataclass

from knowledge.importing import fields as F
from knowledge.importing.recognised import RawMaterial, Recognised
from knowledge.importing.safety import ImportRefused


@dataclass
class Para:
    text: str
    heading: bool = False  # a heading style (Word), h1–h6 (HTML); numbered headings are found by their wording


@dataclass
class Table:
    rows: list[list[str]]


Block = Para | Table

# Fields that hold one value: after it, the next paragraph is not theirs any more.
_SINGLE = {"name", "code", "type", "department", "audience", "statutory", "promised", "deadline_kind", "visits",
           "address", "window", "hours", "phone", "channels", "fee", "fee_basis", "delivery", "result"}
# "六、监督投诉渠道", "（三）办理时间": a section heading, even when its words are not a field we know.
_NUMBERED_HEADING = re.compile(r"^(?:[一二三四五六七八九十]+[、.．]|[（(][一二三四五六七八九十]+[)）])\s*\S{1,20}$")
_TITLE = re.compile(r"(办事指南|服务指南|办理指南|事项指南)\s*$")
log = logging.getLogger("knowledge.importing")
OCR_MAX_PAGES = 30
OCR_DPI = 300
OCR_TIMEOUT_S = 120
_INLINE = re.compile(r"^\s*([^:：]{1,20}?)\s*[:：]\s*(.*)$", re.S)


# ---- formats → blocks -------------------------------------------------------------------------------

def docx_blocks(data: bytes) -> list[Block]:
    import docx
    from docx.opc.exceptions import PackageNotFoundError
    from docx.table import Table as DocxTable

    try:
        document = docx.Document(io.BytesIO(data))
    except (PackageNotFoundError, KeyError, ValueError, zipfile.BadZipFile) as exc:
        raise ImportRefused(f"Word 文件已损坏或不完整，无法打开（{type(exc).__name__}）；请用 Word/WPS 另存后再上传") from None
    blocks: list[Block] = []
    for part in document.iter_inner_content():
        if isinstance(part, DocxTable):
            rows = []
            for row in part.rows:
                cells, last = [], None
                for cell in row.cells:
                    if cell._tc is last:  # a horizontally merged cell is listed once per grid column
                        continue
                    last = cell._tc
                    cells.append(cell.text.strip())
                rows.append(cells)
            blocks.append(Table(rows))
        elif part.text.strip():
            style = (part.style.name if part.style is not None else "") or ""
            blocks.append(Para(part.text.strip(), heading=style.startswith(("Heading", "Title", "标题"))))
    return blocks


_DROP = ("script", "style", "noscript", "template", "iframe", "object", "embed", "svg", "canvas", "head", "form",
         "button", "select", "input", "textarea", "nav", "footer")
_BLOCK = {"p", "li", "dt", "dd", "h1", "h2", "h3", "h4", "h5", "h6", "pre", "blockquote", "caption", "address"}


def html_blocks(text: str) -> list[Block]:
    from bs4 import BeautifulSoup, NavigableString, Tag

    soup = BeautifulSoup(text, "lxml")
    for tag in soup.find_all(_DROP):
        tag.decompose()
    blocks: list[Block] = []

    def cell_text(tag: Tag) -> str:
        return "\n".join(s for s in (x.strip() for x in tag.get_text("\n").split("\n")) if s)

    def walk(node: Tag) -> None:
        inline: list[str] = []

        def flush() -> None:
            joined = " ".join(inline).strip()
            if joined:
                blocks.append(Para(re.sub(r"\s+", " ", joined)))
            inline.clear()

        for child in node.children:
            if isinstance(child, NavigableString):
                if child.__class__.__name__ in ("Comment", "Doctype", "Declaration", "ProcessingInstruction", "CData"):
                    continue
                if child.strip():
                    inline.append(child.strip())
                continue
            if not isinstance(child, Tag):
                continue
            if child.name == "table":
                flush()
                rows = [[cell_text(td) for td in tr.find_all(["th", "td"], recursive=False)]
                        for tr in child.find_all("tr") if tr.find_parent("table") is child]
                blocks.append(Table([r for r in rows if any(r)]))
            elif child.name == "br":
                flush()
            elif child.name in _BLOCK:
                flush()
                t = cell_text(child)
                if t:
                    blocks.append(Para(t, heading=child.name in ("h1", "h2", "h3", "h4", "h5", "h6", "dt")))
            elif child.find(["table", "p", "div", "li", "dt", "dd", "h1", "h2", "h3", "h4", "dl", "ul", "ol", "section"]):
                flush()
                walk(child)
            elif child.name in ("div", "section", "article", "main", "ul", "ol", "dl", "tr", "center"):
                flush()
                t = " ".join(child.get_text(" ").split())
                if t:
                    blocks.append(Para(t))
            else:
                inline.append(" ".join(child.get_text(" ").split()))
        flush()

    walk(soup.body or soup)
    return blocks


def pdf_blocks(data: bytes) -> tuple[list[Block], bool]:
    """The PDF's blocks, and whether they came from OCR (a scanned PDF)."""
    import pdfplumber
    from pdfminer.pdfdocument import PDFEncryptionError, PDFPasswordIncorrect
    from pdfplumber.utils.exceptions import PdfminerException

    try:
        pdf = pdfplumber.open(io.BytesIO(data))
        pages = pdf.pages
    except (PDFPasswordIncorrect, PDFEncryptionError):
        raise ImportRefused("PDF 设置了打开密码，无法读取；请取消密码后再上传") from None
    except PdfminerException as exc:
        if isinstance(exc.args[0] if exc.args else None, (PDFPasswordIncorrect, PDFEncryptionError)):
            raise ImportRefused("PDF 设置了打开密码，无法读取；请取消密码后再上传") from None
        raise ImportRefused("PDF 文件已损坏，无法打开；请重新导出后再上传") from None
    except Exception as exc:  # noqa: BLE001 — pdfminer raises many kinds for a broken file
        raise ImportRefused(f"PDF 文件已损坏，无法打开（{type(exc).__name__}）；请重新导出后再上传") from None
    blocks: list[Block] = []
    chars = 0
    with pdf:
        for page in pages:
            chars += len(page.chars)
            tables = page.find_tables()
            boxes = [t.bbox for t in tables]

            def outside(obj, boxes=boxes) -> bool:
                x = (obj["x0"] + obj["x1"]) / 2
                y = (obj["top"] + obj["bottom"]) / 2
                return not any(b[0] <= x <= b[2] and b[1] <= y <= b[3] for b in boxes)

            placed: list[tuple[float, Block]] = []
            for line in page.filter(outside).extract_text_lines():
                placed.append((line["top"], Para(line["text"].strip())))
            for t in tables:
                rows = [[(c or "").strip() for c in row] for row in t.extract()]
                placed.append((t.bbox[1], Table([r for r in rows if any(r)])))
            placed.sort(key=lambda p: p[0])
            blocks += [b for _, b in placed if not isinstance(b, Para) or b.text]
    if chars == 0:
        if not ocr_available():
            raise ImportRefused("这份 PDF 没有文字层（可能是扫描件或图片），无法识别文字；请上传 Word 版或可复制文字的 PDF")
        return ocr_blocks(data), True
    return blocks, False


# ---- scanned PDFs: Debian's tesseract with its Simplified Chinese model ------------------------------

def ocr_available() -> bool:
    tesseract = shutil.which("tesseract")
    if not tesseract:
        return False
    try:
        langs = subprocess.run([tesseract, "--list-langs"], capture_output=True, text=True, timeout=10).stdout
    except (OSError, subprocess.SubprocessError):
        return False
    return "chi_sim" in langs.split()


# One space between two Chinese characters is tesseract's; two or more are a gap between table columns.
_CJK_GAP = re.compile(r"(?<=[\u3000-\u303f\u4e00-\u9fff\uff00-\uffef]) (?=[\u3000-\u303f\u4e00-\u9fff\uff00-\uffef])")
_COLUMN_GAP = re.compile(r"\s{2,}|\s*[|”“]\s*")


def _erase_rules(image):
    """A copy of the page with the table's ruling lines painted white: tesseract reads the text next
    to a line far better without it (the label column of a guide's table is lost otherwise)."""
    import numpy as np
    from PIL import Image

    a = np.array(image.convert("L"))
    dark = a < 160
    shortest = max(a.shape[1] // 8, 50)

    def long_runs(d):
        out = np.zeros_like(d)
        for r in np.nonzero(d.sum(axis=1) >= shortest)[0]:
            edges = np.diff(np.concatenate(([0], d[r].astype(np.int8), [0])))
            for start, end in zip(np.nonzero(edges == 1)[0], np.nonzero(edges == -1)[0]):
                if end - start >= shortest:
                    out[r, start:end] = True
        return out

    a[long_runs(dark) | long_runs(dark.T).T] = 255
    return Image.fromarray(a)


def ocr_blocks(data: bytes) -> list[Block]:
    """Each page rendered by pdfium (through pdfplumber), its ruling lines erased, and read by tesseract
    (chi_sim, one block of text per column set). Lines whose parts stand apart by wide gaps are table
    rows; a row of two parts whose first is a label is "label：value"."""
    import pdfplumber

    blocks: list[Block] = []
    rows: list[list[str]] = []

    def flush() -> None:
        if rows:
            blocks.append(Table(list(rows)))
            rows.clear()

    with pdfplumber.open(io.BytesIO(data)) as pdf:
        for page in pdf.pages[:OCR_MAX_PAGES]:
            png = io.BytesIO()
            _erase_rules(page.to_image(resolution=OCR_DPI).original).save(png, format="PNG")
            try:
                done = subprocess.run(["tesseract", "stdin", "stdout", "-l", "chi_sim", "--psm", "4"],
                                      input=png.getvalue(), capture_output=True, timeout=OCR_TIMEOUT_S)
            except subprocess.TimeoutExpired:
                raise ImportRefused("扫描件文字识别（OCR）超时；请上传 Word 版或可复制文字的 PDF") from None
            if done.returncode != 0:
                log.error("tesseract failed: %s", done.stderr.decode("utf-8", "replace")[:500])
                raise ImportRefused("扫描件文字识别（OCR）失败；请上传 Word 版或可复制文字的 PDF")
            for line in done.stdout.decode("utf-8", "replace").splitlines():
                line = _CJK_GAP.sub("", line).strip()
                if not line:
                    continue
                parts = [p for p in _COLUMN_GAP.split(line) if p]
                if len(parts) >= 3:
                    rows.append(parts)
                    continue
                flush()
                if len(parts) == 2 and F.item_field(parts[0]):
                    line = f"{parts[0]}：{parts[1]}"
                elif len(parts) == 1 and not re.match(r"^\S{1,20}[:：]", line):
                    head = re.match(r"^(\S{2,10}?)(?=[A-Z0-9])", line)  # "事项编码SAMPLE-1": no gap before Latin
                    if head and F.item_field(head.group(1)):
                        line = f"{head.group(1)}：{line[len(head.group(1)):]}"
                blocks.append(Para(" ".join(parts) if len(parts) > 1 and not line.count("：") else line))
            flush()
    if not blocks:
        raise ImportRefused("这份 PDF 是扫描件，文字识别（OCR）没有读出文字；请上传 Word 版或可复制文字的 PDF")
    return blocks


# ---- blocks → a recognised guide ------------------------------------------------------------------

def read_blocks(file: str, blocks: list[Block], mapping: dict[str, str] | None = None) -> Recognised:
    rec = Recognised(file=file, locator="全文")
    section: str | None = None  # the field the following paragraphs belong to
    section_label = ""
    taken = 0  # paragraphs taken by a single-valued section

    for block in blocks:
        if isinstance(block, Table):
            section = _read_table(rec, block, mapping, section)
            continue
        text = block.text.strip()
        if rec.title is None and _TITLE.search(text) and len(text) <= 60 and not re.search(r"[>›»]|首页", text):
            rec.title = text
            continue
        m = _INLINE.match(text)
        key = F.item_field(m.group(1), mapping) if m else None
        if m and key:
            value = m.group(2).strip()
            if value:
                rec.put(key, m.group(1), value)
            section, section_label, taken = key, m.group(1), (1 if value else 0)
            continue
        key = F.item_field(text, mapping)
        if key:
            section, section_label, taken = key, text, 0
            continue
        if block.heading or _NUMBERED_HEADING.match(text):
            section = None  # a section we do not know: its heading and text are kept in the notes
            rec.unplaced.append(text)
            continue
        if section and not (section in _SINGLE and taken >= 1):
            rec.put(section, section_label, text)
            taken += 1
        else:
            rec.unplaced.append(text)
    return rec


def _dedupe(row: list[str]) -> list[str]:
    out: list[str] = []
    for c in row:
        if not out or c != out[-1] or not c:
            out.append(c)
    return out


def _read_table(rec: Recognised, table: Table, mapping: dict[str, str] | None, section: str | None) -> str | None:
    """Label/value rows and materials tables; returns the section the text after the table continues."""
    header: dict[int, str] | None = None  # materials columns
    header_text: list[str] = []
    prefix: str | None = None  # the merged first cell ("申请材料") of a materials block inside a label table
    if section == "materials" and rec.materials and table.rows:
        # A materials table continued on the next page (PDF) or after a break: same columns, no header.
        previous = getattr(rec, "_material_header", None)
        if previous and len(table.rows[0]) == len(previous[1]) and not _material_header(table.rows[0]):
            header, header_text = previous
    for raw_row in table.rows:
        row = [c.strip() for c in raw_row]
        cells = _dedupe(row)
        if not any(cells):
            continue
        found = _material_header(row)
        if found:
            header, header_text = found, row
            first = F.item_field(row[0], mapping)
            prefix = row[0] if first == "materials" and 0 not in header else None
            rec._material_header = (header, header_text)  # type: ignore[attr-defined]
            rec.labels.setdefault("materials", "申请材料")
            continue
        if header is not None and (prefix is None or row[0] in (prefix, "")):
            if len(cells) == 1 and len(row) > 2:  # a group row ("一、主体材料") across the table
                rec.unplaced.append(f"【申请材料分组】{cells[0]}")
                continue
            material = RawMaterial()
            for c, value in enumerate(row):
                key = header.get(c)
                if not value or (prefix is not None and c == 0):
                    continue
                if key:
                    material.fields[key] = value
                elif c < len(header_text) and header_text[c] and F.material_field(header_text[c]) != "m_seq":
                    material.extra.append(f"{header_text[c]}：{value}")
            if material.fields or material.extra:
                rec.materials.append(material)
            continue
        header = None
        prefix = None
        section = _label_row(rec, cells, mapping, section)
    return "materials" if header is not None else section


def _material_header(row: list[str]) -> dict[int, str] | None:
    keys = {c: F.material_field(v) for c, v in enumerate(row) if v}
    if len([k for k in keys.values() if k == "m_name"]) > 1:  # "申请材料 | 材料名称 | …": the first is the label cell
        keys.pop(min(c for c, k in keys.items() if k == "m_name"))
    names = [c for c, k in keys.items() if k == "m_name"]
    if not names or sum(1 for k in keys.values() if k and k != "m_seq") < 2:
        return None
    return {c: k for c, k in keys.items() if k and k not in ("m_seq", "m_code", "m_item")}


def _label_row(rec: Recognised, cells: list[str], mapping: dict[str, str] | None, section: str | None) -> str | None:
    if len(cells) == 1:
        key = F.item_field(cells[0], mapping)
        if key:
            return key
        if section and section not in _SINGLE:
            rec.put(section, rec.labels.get(section, F.FIELD_NAMES[section]), cells[0])
        else:
            rec.unplaced.append(cells[0])
        return section
    i = 0
    leftover: list[str] = []
    last_key = None
    while i < len(cells):
        key = F.item_field(cells[i], mapping) if cells[i] else None
        if key and i + 1 < len(cells):
            rec.put(key, cells[i], cells[i + 1])
            last_key = key
            i += 2
        elif key:
            last_key = key
            i += 1
        else:
            if cells[i]:
                leftover.append(cells[i])
            i += 1
    if leftover:
        if last_key is None and len(leftover) >= 2:
            rec.unplaced.append(f"【{leftover[0]}】" + " ".join(leftover[1:]))
        else:
            rec.unplaced.append(" ".join(leftover))
    return last_key if last_key and last_key not in _SINGLE else None


def read_docx(file: str, data: bytes, mapping: dict[str, str] | None = None) -> Recognised:
    return read_blocks(file, docx_blocks(data), mapping)


def read_html(file: str, text: str, mapping: dict[str, str] | None = None) -> Recognised:
    return read_blocks(file, html_blocks(text), mapping)


def read_pdf(file: str, data: bytes, mapping: dict[str, str] | None = None) -> Recognised:
    blocks, ocr = pdf_blocks(data)
    rec = read_blocks(file, blocks, mapping)
    if ocr:
        rec.notices.append("这份 PDF 是扫描件，已用文字识别（OCR）读取；表格只能按行读出，请逐项核对识别结果")
    return rec
