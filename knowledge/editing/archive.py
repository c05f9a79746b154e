"""Guides as a zip in the guide-folder layout: items/<id>.yml, routes/<id>.yml, faq/<id>.yml.

The same files `knowledge/guides/` holds, so an export can be checked with
`python -m knowledge.catalogue check`, edited in a text editor and imported again.
"""
from __future__ import annotations

import io
import lzma
import struct
import zipfile
import zlib
from collections import deque
from dataclasses import dataclass, field
from pathlib import PurePosixPath

import yaml
from pydantic import ValidationError
from yaml.composer import Composer
from yaml.constructor import SafeConstructor
from yaml.resolver import Resolver

from knowledge.catalogue import dump_guide, guide_from
from knowledge.editing.validation import FieldError, errors_from_pydantic
from knowledge.schema import Guide

FOLDERS = {"item": "items", "route": "routes", "faq": "faq", "industry": "industries"}
MAX_FILES = 5000
MAX_FILE_BYTES = 1_000_000
MAX_TOTAL_BYTES = 50_000_000  # unpacked; a zip bomb stops here, before anything is decompressed
SUPPORTED_METHODS = {zipfile.ZIP_STORED: "stored", zipfile.ZIP_DEFLATED: "deflate", zipfile.ZIP_BZIP2: "bzip2",
                     zipfile.ZIP_LZMA: "lzma"}
# What a damaged or forged member raises while it is unpacked: bad CRC, truncated data, a size header
# that lies, a corrupt compressed stream. Each is that file's problem, reported as such, never a 500.
UNPACK_ERRORS = (zipfile.BadZipFile, EOFError, zlib.error, lzma.LZMAError, OSError, ValueError, NotImplementedError,
                 RuntimeError, struct.error)


class ArchiveError(ValueError):
    """The upload is not a usable zip at all (as opposed to problems in single files)."""


@dataclass
class ParsedArchive:
    guides: dict[str, tuple[str, Guide]] = field(default_factory=dict)  # id → (file, guide)
    errors: list[dict] = field(default_factory=list)  # {"file", "field", "msg"}

    def error(self, file: str, msg: str, field_path: str = "") -> None:
        self.errors.append({"file": file, "field": field_path, "msg": msg})


def path_for(guide: Guide) -> str:
    return f"{FOLDERS[guide.kind]}/{guide.id}.yml"


def export_zip(guides: list[Guide]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        for g in sorted(guides, key=lambda g: (g.kind, g.id)):
            zf.writestr(path_for(g), dump_guide(g))
    return buf.getvalue()


def read_zip(content: bytes) -> ParsedArchive:
    """Every guide in the zip, or the problems of each file that is not a valid guide on its own."""
    try:
        zf = zipfile.ZipFile(io.BytesIO(content))
    except zipfile.BadZipFile:
        raise ArchiveError("上传的文件不是 zip 压缩包") from None
    except UNPACK_ERRORS:  # a central directory with impossible offsets or sizes
        raise ArchiveError("压缩包已损坏，无法读取，请重新打包后上传") from None
    with zf:
        files = [i for i in zf.infolist() if not i.is_dir()]
        if len(files) > MAX_FILES:
            raise ArchiveError(f"压缩包里的文件太多（{len(files)} 个，最多 {MAX_FILES} 个）")
        if sum(i.file_size for i in files) > MAX_TOTAL_BYTES:
            raise ArchiveError("压缩包解压后太大（超过 50 MB）")
        out = ParsedArchive()
        for info in files:
            name = info.filename
            parts = PurePosixPath(name).parts
            # macOS adds __MACOSX/ and ._ files; README files may travel along with the guides.
            if parts[0] == "__MACOSX" or parts[-1].startswith(".") or not name.endswith((".yml", ".yaml")):
                continue
            # An export unpacked and zipped again often has one enclosing folder: accept it.
            if len(parts) == 3:
                parts = parts[1:]
            if len(parts) != 2 or parts[0] not in FOLDERS.values():
                out.error(name, "文件应放在 items/、routes/、faq/ 或 industries/ 文件夹中")
                continue
            if info.file_size > MAX_FILE_BYTES:
                out.error(name, "文件太大（超过 1 MB）")
                continue
            raw = _unpack(out, zf, info)
            if raw is not None:
                _read_one(out, name, parts, raw)
        return out


def _unpack(out: ParsedArchive, zf: zipfile.ZipFile, info: zipfile.ZipInfo) -> bytes | None:
    """The member's bytes, or None with the reason recorded. The read is bounded whatever the size
    header says, so a header that lies cannot make the service unpack more than MAX_FILE_BYTES."""
    name = info.filename
    if info.flag_bits & 0x1:
        out.error(name, "文件已加密：请去掉密码后重新打包")
        return None
    if info.compress_type not in SUPPORTED_METHODS:
        out.error(name, f"不支持的压缩方式（编号 {info.compress_type}）：请用常见的 zip（deflate）重新打包")
        return None
    try:
        with zf.open(info) as member:
            raw = member.read(MAX_FILE_BYTES + 1)
    except UNPACK_ERRORS as exc:
        out.error(name, f"文件已损坏，无法解压（{type(exc).__name__}）：请重新打包后上传")
        return None
    if len(raw) > MAX_FILE_BYTES:
        out.error(name, "文件太大（超过 1 MB）")
        return None
    return raw


MAX_YAML_DEPTH = 32


class UnsafeYaml(ValueError):
    """A YAML text that must not be loaded; the message says why, for the editor."""


class _FromEvents(Composer, SafeConstructor, Resolver):
    """yaml.SafeLoader fed with events already parsed, in place of its reader, scanner and parser."""

    def __init__(self, events: list[yaml.Event]):
        self._events = deque(events)
        Composer.__init__(self)
        SafeConstructor.__init__(self)
        Resolver.__init__(self)

    def check_event(self, *choices: type) -> bool:
        return bool(self._events) and (not choices or isinstance(self._events[0], choices))

    def peek_event(self) -> yaml.Event | None:
        return self._events[0] if self._events else None

    def get_event(self) -> yaml.Event | None:
        return self._events.popleft() if self._events else None


def load_checked(text: str) -> object:
    """An uploaded YAML text's data, as yaml.safe_load reads it, once its events show it safe to load.

    PyYAML's event stream, unlike loading, does not recurse, so it is checked first: nesting deeper than any
    guide, or aliases (*name) — a few lines of aliases to aliases expand into hundreds of millions of items
    once validated ("billion laughs") — raise UnsafeYaml. The data is then composed from those same events:
    the text is parsed once (parsing is nearly all of loading's time). A syntax error raises yaml.YAMLError.
    """
    events: list[yaml.Event] = []
    depth = 0
    for event in yaml.parse(text, Loader=yaml.SafeLoader):
        if isinstance(event, yaml.AliasEvent):
            raise UnsafeYaml("不支持 YAML 别名（*名称）：请把内容直接写出来")
        if isinstance(event, (yaml.SequenceStartEvent, yaml.MappingStartEvent)):
            depth += 1
            if depth > MAX_YAML_DEPTH:
                raise UnsafeYaml("YAML 嵌套层数太多，不是有效的指南文件")
        elif isinstance(event, (yaml.SequenceEndEvent, yaml.MappingEndEvent)):
            depth -= 1
        events.append(event)
    return _FromEvents(events).get_single_data()


def _read_one(out: ParsedArchive, name: str, parts: tuple[str, ...], raw: bytes) -> None:
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        out.error(name, "文件应使用 UTF-8 编码")
        return
    try:
        data = load_checked(text)
    except UnsafeYaml as exc:
        out.error(name, str(exc))
        return
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"第 {mark.line + 1} 行" if mark else ""
        out.error(name, f"YAML 格式错误{('（' + where + '）') if where else ''}")
        return
    try:
        guide = guide_from(data)
    except ValidationError as exc:
        for e in errors_from_pydantic(exc, data):
            out.error(name, e.msg, e.field)
        return
    except ValueError as exc:
        out.error(name, str(exc))
        return
    if PurePosixPath(parts[1]).stem != guide.id:
        out.error(name, f"文件名应与 id 一致（{guide.id}.yml）", "id")
    elif parts[0] != FOLDERS[guide.kind]:
        out.error(name, f"{guide.kind} 类指南应放在 {FOLDERS[guide.kind]}/ 文件夹中", "kind")
    elif guide.id in out.guides:
        out.error(name, f"id「{guide.id}」与 {out.guides[guide.id][0]} 重复", "id")
    else:
        out.guides[guide.id] = (name, guide)


def field_errors_for_file(file: str, errors: list[FieldError]) -> list[dict]:
    return [{"file": file, "field": e.field, "msg": e.msg} for e in errors]
