"""What an uploaded file really is, and the refusals that protect the service from it.

Every check runs on bytes before a parser sees them: the size limits, the real format by its first
bytes (a .docx that is really an old .doc, an .xlsx that is really CSV), password protection (Office
encrypts into an OLE container; PDFs say /Encrypt), zip bombs (declared sizes and ratios, before
anything is decompressed) and zips inside zips, and XML entity declarations inside docx/xlsx (refused,
as the WeChat channel refuses them). A refusal is an `ImportRefused` with a polite Chinese message
that the report shows next to the file; the other files of the upload go on.
"""
from __future__ import annotations

import io
import re
import zipfile
from dataclasses import dataclass
from pathlib import PurePosixPath

import olefile

MB = 1024 * 1024


class ImportRefused(ValueError):
    """This file cannot be imported; the message says why in Chinese."""


@dataclass(frozen=True)
class Limits:
    file_bytes: int = 20 * MB  # one file, and each file unpacked from a zip
    upload_bytes: int = 200 * MB  # all files of one upload, unpacked
    zip_depth: int = 2  # an upload zip may hold zips, which may not hold zips again
    zip_members: int = 5000
    zip_ratio: int = 200  # unpacked/packed of one member; text compresses about 10:1, bombs 1000:1
    xml_part_bytes: int = 100 * MB  # unpacked size of one docx/xlsx (their XML parts)

    @classmethod
    def from_settings(cls, settings) -> "Limits":
        return cls(file_bytes=int(settings.import_max_file_mb * MB),
                   upload_bytes=int(settings.import_max_upload_mb * MB))


def size_text(n: int) -> str:
    return f"{n / MB:.0f} MB" if n >= MB else f"{max(1, n // 1024)} KB"


# ---- formats ----------------------------------------------------------------------------------------

KINDS = ("xlsx", "csv", "docx", "pdf", "html", "zip")
EXTENSIONS = {".xlsx": "xlsx", ".xlsm": "xlsx", ".csv": "csv", ".txt": "csv", ".docx": "docx", ".docm": "docx",
              ".pdf": "pdf", ".html": "html", ".htm": "html", ".mhtml": "html", ".zip": "zip",
              ".doc": "doc", ".xls": "xls", ".wps": "doc", ".et": "xls"}
KIND_NAMES = {"xlsx": "Excel 表格（.xlsx）", "csv": "CSV 表格", "docx": "Word 文档（.docx）", "pdf": "PDF",
              "html": "网页（.html）", "zip": "zip 压缩包", "doc": "旧版 Word 文档（.doc）",
              "xls": "旧版 Excel 表格（.xls）"}

_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"


def _ole_kind(data: bytes) -> str:
    """An OLE compound file: an encrypted docx/xlsx, or a Word 97–2003 / Excel 97–2003 file."""
    try:
        ole = olefile.OleFileIO(io.BytesIO(data))
    except (OSError, ValueError):
        raise ImportRefused("文件已损坏，无法打开") from None
    with ole:
        names = {"/".join(e) for e in ole.listdir()}
    if "EncryptionInfo" in names or "EncryptedPackage" in names:
        return "encrypted"
    if "WordDocument" in names:
        return "doc"
    if "Workbook" in names or "Book" in names:
        return "xls"
    return "ole"


def _zip_kind(data: bytes) -> str:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            names = set(zf.namelist())
    except (zipfile.BadZipFile, OSError, ValueError):
        raise ImportRefused("文件已损坏（压缩结构不完整），无法打开；请重新导出或另存后再上传") from None
    if "word/document.xml" in names:
        return "docx"
    if "xl/workbook.xml" in names:
        return "xlsx"
    return "zip"


def _looks_like_html(head: str) -> bool:
    return bool(re.search(r"<\s*(!doctype\s+html|html|head|body|table|meta)\b", head, re.I))


def sniff(data: bytes) -> str:
    """The real format by content: xlsx, docx, zip, pdf, doc, xls, encrypted, html, csv, or binary."""
    if data.startswith(b"PK\x03\x04") or data.startswith(b"PK\x05\x06"):
        return _zip_kind(data)
    if data.startswith(_OLE_MAGIC):
        return _ole_kind(data)
    if data.lstrip()[:5] == b"%PDF-" or data[:1024].find(b"%PDF-") >= 0:
        return "pdf"
    head = data[:4096]
    if b"\x00" in head and not (head.startswith((b"\xff\xfe", b"\xfe\xff"))):
        return "binary"
    text = head.decode("utf-8", errors="ignore") or head.decode("gb18030", errors="ignore")
    return "html" if _looks_like_html(text) else "csv"


def kind_of(name: str, data: bytes) -> tuple[str, str | None]:
    """(the format to read the file as, a notice when its extension said something else).

    Raises ImportRefused for what cannot be read at all: encrypted files, old Office formats,
    unknown binary files.
    """
    ext = PurePosixPath(name.lower()).suffix
    claimed = EXTENSIONS.get(ext)
    if not data:
        raise ImportRefused("文件是空的")
    real = sniff(data)
    said = KIND_NAMES.get(claimed or "", f"“{ext or '无扩展名'}”")
    if real == "encrypted":
        raise ImportRefused("文件设置了打开密码，无法读取；请在 Office/WPS 中取消密码（文件 → 信息 → 保护文档）后再上传")
    if real in ("doc", "xls"):
        if claimed == real:
            raise ImportRefused(f"暂不支持{KIND_NAMES[real]}，请在 Word/Excel/WPS 中另存为"
                                f"{'.docx' if real == 'doc' else '.xlsx'} 后再上传")
        raise ImportRefused(f"文件扩展名是 {ext or '（无）'}，但内容是{KIND_NAMES[real]}；请在 Word/Excel/WPS 中另存为"
                            f"{'.docx' if real == 'doc' else '.xlsx'} 后再上传")
    if real == "ole":
        raise ImportRefused("文件是旧版 Office 格式，无法读取；请另存为 .docx 或 .xlsx 后再上传")
    if real == "binary":
        raise ImportRefused(f"无法识别文件内容（扩展名为 {ext or '（无）'}）；支持 .xlsx、.csv、.docx、.pdf、.html 和 .zip")
    if claimed is None:
        if real in ("csv",):
            raise ImportRefused(f"不支持扩展名为 {ext or '（无）'} 的文件；支持 .xlsx、.csv、.docx、.pdf、.html 和 .zip")
        return real, f"文件没有可识别的扩展名，按内容作为{KIND_NAMES[real]}读取"
    if claimed in ("doc", "xls"):
        return real, f"文件扩展名是 {ext}，但内容是{KIND_NAMES[real]}，已按{KIND_NAMES[real]}读取"
    if real != claimed and not (claimed == "csv" and real == "html" and ext == ".txt"):
        return real, f"文件扩展名是 {ext}（{said}），但内容是{KIND_NAMES[real]}，已按{KIND_NAMES[real]}读取"
    return real, None


# ---- zips: uploads and the containers of docx/xlsx ---------------------------------------------------

def check_container(data: bytes, limits: Limits) -> None:
    """A docx/xlsx is a zip of XML parts: refuse a bomb before openpyxl/python-docx unpack it, and
    refuse any part that declares a DTD or entities (billion laughs, external entities)."""
    try:
        zf = zipfile.ZipFile(io.BytesIO(data))
    except zipfile.BadZipFile:
        raise ImportRefused("文件已损坏（压缩结构不完整），无法打开") from None
    with zf:
        infos = zf.infolist()
        total = sum(i.file_size for i in infos)
        if total > limits.xml_part_bytes or any(_bomb_ratio(i, limits) for i in infos):
            raise ImportRefused("文件解压后异常巨大（疑似压缩炸弹），已拒绝读取")
        if any(i.flag_bits & 0x1 for i in infos):
            raise ImportRefused("文件设置了密码，无法读取；请取消密码后再上传")
        for info in infos:
            if not info.filename.endswith((".xml", ".rels", ".vml")):
                continue  # macros (vbaProject.bin), images and fonts are never read
            with zf.open(info) as part:
                head = part.read(64 * 1024)
            if re.search(rb"<!\s*(DOCTYPE|ENTITY)", head, re.I):
                raise ImportRefused("文件中含有 XML 实体声明（<!DOCTYPE / <!ENTITY），出于安全原因拒绝读取；"
                                    "请用 Office/WPS 重新另存后再上传")


def _bomb_ratio(info: zipfile.ZipInfo, limits: Limits) -> bool:
    return info.file_size > MB and info.file_size > limits.zip_ratio * max(info.compress_size, 1)


@dataclass
class Member:
    name: str  # path shown to people: upload.zip/目录/指南.docx
    data: bytes


def unpack(name: str, data: bytes, limits: Limits, depth: int = 1, budget: list[int] | None = None,
           problems: list[tuple[str, str]] | None = None) -> list[Member]:
    """The files of an upload zip (and of zips inside it, up to `limits.zip_depth`), each checked
    against the limits by its declared size before it is decompressed. Files that cannot be taken
    are listed in `problems` as (name, message); the rest are returned."""
    budget = budget if budget is not None else [limits.upload_bytes]
    problems = problems if problems is not None else []
    try:
        zf = zipfile.ZipFile(io.BytesIO(data))
    except zipfile.BadZipFile:
        raise ImportRefused("压缩包已损坏，无法打开") from None
    out: list[Member] = []
    with zf:
        infos = [i for i in zf.infolist() if not i.is_dir()]
        if len(infos) > limits.zip_members:
            raise ImportRefused(f"压缩包里的文件太多（{len(infos)} 个，最多 {limits.zip_members} 个）")
        if sum(i.file_size for i in infos) > budget[0] or any(_bomb_ratio(i, limits) for i in infos):
            raise ImportRefused(f"压缩包解压后异常巨大（疑似压缩炸弹，上限 {size_text(limits.upload_bytes)}），已拒绝读取")
        for info in infos:
            member = f"{name}/{_decoded_name(info)}"
            parts = PurePosixPath(_decoded_name(info)).parts
            if parts[0] == "__MACOSX" or parts[-1].startswith((".", "~$")):
                continue
            if info.flag_bits & 0x1:
                problems.append((member, "压缩包中的文件设置了密码，无法读取"))
                continue
            if info.file_size > limits.file_bytes:
                problems.append((member, f"文件太大（{size_text(info.file_size)}，每个文件最多 {size_text(limits.file_bytes)}）"))
                continue
            budget[0] -= info.file_size
            with zf.open(info) as fh:
                content = fh.read(limits.file_bytes + 1)
            if member.lower().endswith(".zip"):
                if depth >= limits.zip_depth:
                    problems.append((member, f"压缩包嵌套太深（最多 {limits.zip_depth} 层），请解压后重新打包"))
                    continue
                try:
                    out += unpack(member, content, limits, depth + 1, budget, problems)
                except ImportRefused as exc:
                    problems.append((member, str(exc)))
                continue
            out.append(Member(member, content))
    return out


def _decoded_name(info: zipfile.ZipInfo) -> str:
    """Zips made by Windows in China store names in GBK without saying so (flag bit 11 unset)."""
    if info.flag_bits & 0x800:
        return info.filename
    try:
        return info.filename.encode("cp437").decode("gb18030")
    except (UnicodeEncodeError, UnicodeDecodeError):
        return info.filename
