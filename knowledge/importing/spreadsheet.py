"""实施清单 spreadsheets (xlsx and CSV): one row per item, or several rows per item with a materials
column group, and materials optionally in a second sheet keyed by 事项编码 (or 事项名称).

openpyxl reads xlsx with data_only=True, so a formula is never evaluated: the value Excel cached when
it saved the file is used (a formula with no cached value reads as empty). Macros (vbaProject.bin) are
never loaded. Merged cells give their value to every cell they cover, since an export merges the item
columns over its material rows. CSV comes in UTF-8 or in GBK/GB18030 (what Excel in China writes);
charset-normalizer decides which.
"""
from __future__ import annotations

import csv
import datetime as dt
import io
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field

import charset_normalizer
import openpyxl
from openpyxl.utils.exceptions import InvalidFileException

from knowledge.importing import fields as F
from knowledge.importing.recognised import RawMaterial, Recognised
from knowledge.importing.safety import ImportRefused

HEADER_SCAN_ROWS = 15
_MATERIAL_ROW_KEYS = {"m_name", "m_form", "m_copies", "m_necessity", "m_source", "m_notes", "m_condition", "m_deferral"}

Progress = Callable[[int, int], None]  # (rows done, rows in the file)


@dataclass
class TableRead:
    guides: list[Recognised] = field(default_factory=list)
    unknown_headers: list[str] = field(default_factory=list)
    notices: list[str] = field(default_factory=list)
    rows: int = 0


def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time() else value.isoformat(sep=" ")
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value).replace("\r\n", "\n").strip()


# ---- reading the grid --------------------------------------------------------------------------------

# openpyxl's full mode holds every cell as an object (about 50× the file); above this size the
# read-only mode streams rows instead, and merged cells are read as blank (the rows of one item are
# still grouped by their 事项编码, so only repeated values in other merged columns are lost).
STREAM_ABOVE_BYTES = 5 * 1024 * 1024


def read_xlsx(name: str, data: bytes, mapping: dict[str, str] | None = None,
              progress: Progress | None = None) -> TableRead:
    streaming = len(data) > STREAM_ABOVE_BYTES
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # "Data Validation extension is not supported" and the like
            wb = openpyxl.load_workbook(io.BytesIO(data), data_only=True, keep_vba=False, keep_links=False,
                                        rich_text=False, read_only=streaming)
    except (InvalidFileException, KeyError, OSError, ValueError, TypeError) as exc:
        raise ImportRefused(f"Excel 文件已损坏或不完整，无法打开（{type(exc).__name__}）；请用 Excel/WPS 另存后再上传") from None
    sheets: list[tuple[str, list[list[str]]]] = []
    for ws in wb.worksheets:
        grid = [[_text(v) for v in row] for row in ws.iter_rows(values_only=True)]
        # A merged range gives its value to every cell it covers (item columns merged over material rows).
        for rng in ([] if streaming else ws.merged_cells.ranges):
            top = grid[rng.min_row - 1][rng.min_col - 1] if rng.min_row - 1 < len(grid) else ""
            for r in range(rng.min_row - 1, min(rng.max_row, len(grid))):
                row = grid[r]
                if len(row) < rng.max_col:
                    row.extend([""] * (rng.max_col - len(row)))
                for c in range(rng.min_col - 1, rng.max_col):
                    row[c] = top
        sheets.append((ws.title, grid))
    wb.close()
    out = read_sheets(name, sheets, mapping, progress)
    if streaming:
        out.notices.append("文件较大，按只读方式逐行读取：合并单元格只在第一行有值，请核对跨行合并的列")
    return out


def decode_text(data: bytes) -> tuple[str, str]:
    """(text, encoding name) for a CSV or HTML file in UTF-8, GBK/GB18030, Big5 or UTF-16."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16"), "UTF-16"
    try:
        return data.decode("utf-8-sig"), "UTF-8"
    except UnicodeDecodeError:
        pass
    best = charset_normalizer.from_bytes(data[:200_000], cp_isolation=["gb18030", "big5", "utf_8"]).best()
    encoding = best.encoding if best else "gb18030"
    try:
        return data.decode(encoding), encoding.upper().replace("_", "-")
    except (UnicodeDecodeError, LookupError):
        raise ImportRefused("无法识别文件的文字编码；请另存为 UTF-8 或 GBK 编码的 CSV 后再上传") from None


def read_csv(name: str, data: bytes, mapping: dict[str, str] | None = None,
             progress: Progress | None = None) -> TableRead:
    text, encoding = decode_text(data)
    sample = text[:20_000]
    try:
        dialect = csv.Sniffer().sniff(sample, delimiters=",\t;，")
    except csv.Error:
        dialect = csv.excel
    try:
        grid = [[c.strip() for c in row] for row in csv.reader(io.StringIO(text), dialect)]
    except csv.Error as exc:
        raise ImportRefused(f"CSV 格式有误，无法读取（{exc}）") from None
    out = read_sheets(name, [("", grid)], mapping, progress)
    if encoding != "UTF-8":
        out.notices.insert(0, f"按 {encoding} 编码读取")
    return out


# ---- from grid to guides ------------------------------------------------------------------------------

@dataclass
class _Columns:
    header_row: int  # 0-based index of the last header row
    item: dict[int, str]  # column → item field key
    material: dict[int, str]  # column → m_* key
    unknown: dict[int, str]  # column → header text
    labels: dict[int, str]


def _columns(grid: list[list[str]], mapping: dict[str, str] | None) -> _Columns | None:
    best, best_score = None, 1
    for i, row in enumerate(grid[:HEADER_SCAN_ROWS]):
        score = sum(1 for c in row if c and (F.item_field(c, mapping) or F.material_field(c)))
        if score > best_score:
            best, best_score = i, score
    if best is None:
        return None
    header = list(grid[best])
    # A two-row header: "申请材料" merged over 材料名称 / 份数 / … in the row below.
    below = grid[best + 1] if best + 1 < len(grid) else []
    sub = {c: v for c, v in enumerate(below) if v and F.material_field(v) in _MATERIAL_ROW_KEYS}
    last = best
    if len(sub) >= 2:
        for c, v in sub.items():
            if c >= len(header):
                header.extend([""] * (c + 1 - len(header)))
            header[c] = v
        last = best + 1
    has_material_names = any(F.material_field(h) == "m_name" and F.item_field(h, mapping) is None
                             or c in sub and F.material_field(h) == "m_name" for c, h in enumerate(header))
    cols = _Columns(last, {}, {}, {}, {})
    for c, h in enumerate(header):
        if not h:
            continue
        cols.labels[c] = h
        mkey = F.material_field(h)
        ikey = F.item_field(h, mapping)
        # A column of the sub-header row is a material column (its key is in _MATERIAL_ROW_KEYS too).
        if mkey in _MATERIAL_ROW_KEYS and (c in sub or (has_material_names and (ikey is None or ikey == "notes"))):
            cols.material[c] = mkey
        elif ikey:
            if ikey in cols.item.values():
                cols.unknown[c] = h  # the same field twice: the second column is kept in the notes
            else:
                cols.item[c] = ikey
        elif mkey == "m_seq":
            continue
        else:
            cols.unknown[c] = h
    return cols


def _materials_sheet(grid: list[list[str]]) -> tuple[dict[str, list[RawMaterial]], str] | None:
    """A sheet of materials keyed by 事项编码 (or 事项名称): key → its materials."""
    for i, row in enumerate(grid[:HEADER_SCAN_ROWS]):
        keys = {c: F.material_field(v) for c, v in enumerate(row) if v}
        if "m_name" in keys.values() and ({"m_code", "m_item"} & set(keys.values())):
            by: dict[str, list[RawMaterial]] = {}
            join = "m_code" if "m_code" in keys.values() else "m_item"
            for r in grid[i + 1:]:
                if not any(r):
                    continue
                raw = RawMaterial()
                ref = ""
                for c, v in enumerate(r):
                    key = keys.get(c)
                    if not v:
                        continue
                    if key == join:
                        ref = v
                    elif key in _MATERIAL_ROW_KEYS:
                        raw.fields[key] = v
                    elif key not in ("m_seq", "m_code", "m_item"):
                        raw.extra.append(f"{row[c]}：{v}")
                if ref:
                    by.setdefault(_norm(ref), []).append(raw)
            return by, join
    return None


def _norm(s: str) -> str:
    return "".join(s.split()).lower()


def read_sheets(name: str, sheets: list[tuple[str, list[list[str]]]], mapping: dict[str, str] | None = None,
                progress: Progress | None = None) -> TableRead:
    out = TableRead()
    materials: dict[str, list[RawMaterial]] = {}
    join = "m_code"
    main: tuple[str, list[list[str]], _Columns] | None = None
    for title, grid in sheets:
        found = _materials_sheet(grid)
        cols = _columns(grid, mapping)
        if cols is not None and not (("name" in cols.item.values() or "code" in cols.item.values())
                                     and len(cols.item) >= 2):
            cols = None  # a header, but not of items
        if found and not (cols is not None and len(cols.item) > 3):
            materials, join = found
            continue
        if cols is not None and (main is None or len(cols.item) > len(main[2].item)):
            main = (title, grid, cols)
    if main is None:
        raise ImportRefused("没有找到表头：表格前 15 行中应有“事项名称”“事项编码”等列名；可下载导入模板对照")
    title, grid, cols = main
    where = f"工作表「{title}」" if len(sheets) > 1 else ""
    out.unknown_headers = list(dict.fromkeys(cols.unknown.values()))
    body = grid[cols.header_row + 1:]
    out.rows = sum(1 for r in body if any(r))
    group_rows = bool(cols.material)  # several rows per item when material columns are in the same sheet
    current: Recognised | None = None
    current_key = None
    first_row = last_row = 0
    done = 0
    for offset, row in enumerate(body):
        if not any(row):
            continue
        done += 1
        if progress and done % 50 == 0:
            progress(done, out.rows)
        excel_row = cols.header_row + 2 + offset
        values = {key: row[c] for c, key in cols.item.items() if c < len(row) and row[c]}
        key = values.get("code") or values.get("name")
        if group_rows and current is not None and (key is None or key == current_key):
            last_row = excel_row
        else:
            if current is not None:
                current.locator = _rows(where, first_row, last_row)
                out.guides.append(current)
            current = Recognised(file=name, locator="")
            current_key, first_row, last_row = key, excel_row, excel_row
            for c, k in cols.item.items():
                if c < len(row) and row[c]:
                    current.put(k, cols.labels[c], row[c])
            for c, h in cols.unknown.items():
                if c < len(row) and row[c]:
                    current.unplaced.append(f"【{h}】{row[c]}")
        if cols.material:
            raw = RawMaterial({k: row[c] for c, k in cols.material.items() if c < len(row) and row[c]})
            if raw.fields:
                current.materials.append(raw)
    if current is not None:
        current.locator = _rows(where, first_row, last_row)
        out.guides.append(current)
    if materials:
        used = set()
        for g in out.guides:
            ref = _norm(g.fields.get("code" if join == "m_code" else "name", ""))
            if ref in materials:
                g.materials.extend(materials[ref])
                g.labels.setdefault("materials", "申请材料（材料工作表）")
                used.add(ref)
        orphans = [k for k in materials if k not in used]
        if orphans:
            out.notices.append(f"材料工作表中有 {len(orphans)} 个{F.FIELD_NAMES[join]}在事项表里找不到："
                               + "、".join(orphans[:10]) + ("…" if len(orphans) > 10 else ""))
    if progress:
        progress(out.rows, out.rows)
    return out


def _rows(where: str, first: int, last: int) -> str:
    return f"{where}第 {first} 行" if first == last else f"{where}第 {first}–{last} 行"
