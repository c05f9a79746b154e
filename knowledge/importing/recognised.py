"""What a reader found in one guide of a file, before it is turned into item data (drafting.py)."""
from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class RawMaterial:
    """One row of a materials table or one line of a materials cell: field key (m_*) → text."""

    fields: dict[str, str] = field(default_factory=dict)
    extra: list[str] = field(default_factory=list)  # cells under headers we do not know, "表头：内容"


@dataclass
class Recognised:
    file: str  # the file's name inside the upload (zip members: archive.zip/folder/file.docx)
    locator: str  # where in the file: "第 5 行", "工作表「事项」第 5 行", "全文"
    fields: dict[str, str] = field(default_factory=dict)  # item field key (fields.ITEM_FIELDS) → text
    labels: dict[str, str] = field(default_factory=dict)  # field key → the label as the document wrote it
    materials: list[RawMaterial] = field(default_factory=list)
    unplaced: list[str] = field(default_factory=list)  # text not attached to any field, in document order
    title: str | None = None  # a document's title line (…办事指南), a fallback for the name
    notices: list[str] = field(default_factory=list)  # how it was read, when a reviewer should know (OCR)

    def put(self, key: str, label: str, text: str) -> None:
        """Record a field; a field seen twice (a heading and a table cell) keeps both texts."""
        text = text.strip()
        if not text:
            return
        if key in self.fields and text not in self.fields[key]:
            self.fields[key] = f"{self.fields[key]}\n{text}"
        else:
            self.fields.setdefault(key, text)
        self.labels.setdefault(key, label.strip())
