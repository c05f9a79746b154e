"""One uploaded file → the guides recognised in it, or the reason it was refused.

The upload's zips are unpacked first (safety.unpack); each file is then checked and read by the
reader for its real format, whatever its extension says.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from knowledge.importing import document, safety, spreadsheet
from knowledge.importing.recognised import Recognised
from knowledge.importing.safety import ImportRefused, Limits


@dataclass
class FileRead:
    file: str
    kind: str = ""
    guides: list[Recognised] = field(default_factory=list)
    notices: list[str] = field(default_factory=list)  # read, but something to know (encoding, real format)
    refused: str | None = None  # the file could not be read at all, and why
    unknown_headers: list[str] = field(default_factory=list)
    rows: int = 0


def expand(files: list[tuple[str, bytes]], limits: Limits) -> tuple[list[safety.Member], list[FileRead]]:
    """The files to read (zips unpacked) and the ones refused on the way (too big, too deep, bombs)."""
    members: list[safety.Member] = []
    refused: list[FileRead] = []
    budget = [limits.upload_bytes]
    for name, data in files:
        if len(data) > limits.file_bytes and not name.lower().endswith(".zip"):
            refused.append(FileRead(name, refused=f"文件太大（{safety.size_text(len(data))}，每个文件最多 "
                                                  f"{safety.size_text(limits.file_bytes)}）"))
            continue
        try:
            kind = safety.sniff(data) if data else ""
        except ImportRefused:
            kind = ""
        if kind == "zip":
            problems: list[tuple[str, str]] = []
            try:
                members += safety.unpack(name, data, limits, budget=budget, problems=problems)
            except ImportRefused as exc:
                refused.append(FileRead(name, kind="zip", refused=str(exc)))
            refused += [FileRead(n, refused=msg) for n, msg in problems]
            continue
        budget[0] -= len(data)
        members.append(safety.Member(name, data))
    return members, refused


def read_file(name: str, data: bytes, limits: Limits, mapping: dict[str, str] | None = None,
              progress: spreadsheet.Progress | None = None) -> FileRead:
    out = FileRead(name)
    try:
        kind, notice = safety.kind_of(name, data)
        out.kind = kind
        if notice:
            out.notices.append(notice)
        if kind in ("xlsx", "docx"):
            safety.check_container(data, limits)
        if kind == "xlsx":
            table = spreadsheet.read_xlsx(name, data, mapping, progress)
        elif kind == "csv":
            table = spreadsheet.read_csv(name, data, mapping, progress)
        elif kind == "docx":
            out.guides = [document.read_docx(name, data, mapping)]
        elif kind == "html":
            text, _ = spreadsheet.decode_text(data)
            out.guides = [document.read_html(name, text, mapping)]
        elif kind == "pdf":
            out.guides = [document.read_pdf(name, data, mapping)]
        elif kind == "zip":
            raise ImportRefused("压缩包里的压缩包嵌套太深")
        else:
            raise ImportRefused("不支持这种文件；支持 .xlsx、.csv、.docx、.pdf、.html 和 .zip")
        if kind in ("xlsx", "csv"):
            out.guides, out.unknown_headers, out.rows = table.guides, table.unknown_headers, table.rows
            out.notices += table.notices
    except ImportRefused as exc:
        out.refused = str(exc)
        out.guides = []
    for g in out.guides:
        out.notices += g.notices
        if not g.fields and not g.materials and not g.title:
            out.notices.append("没有识别出任何指南字段，全文已保留在“其他说明”中")
    return out
