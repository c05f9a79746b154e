"""Why the editing workflow refuses a request, in Chinese for the editor.

The workflow raises these; the API maps each kind to its HTTP answer in one place
(knowledge/api/refusals.py). An invalid guide is GuideInvalid (knowledge/editing/validation.py);
a zip that cannot be read is archive.ArchiveError.
"""
from __future__ import annotations

from knowledge.store.tables import GuideVersionRow


class Refusal(Exception):
    """The request cannot be done as asked; `message` tells the editor why (and what to do)."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


class NotFound(Refusal):
    """No such guide, or no such version of it."""


class Unusable(Refusal):
    """What was sent cannot be used as it is (an alias that is only spaces)."""


class Conflict(Refusal):
    """The guide is not in a state that allows this (already live, not live, changed meanwhile …)."""


class VersionConflict(Conflict):
    """Someone saved a newer version (`theirs`) since the editor loaded `base_version`; nothing was stored.

    `yours` is what the editor sent ({"base_version", "data"}); `diff` is what it changes against
    theirs ({"changes", "unified"}, as between two versions), so the page shows the server's comparison."""

    def __init__(self, theirs: GuideVersionRow, author_name: str, yours: dict, diff: dict):
        super().__init__(f"该指南已被 {author_name} 修改，请比较后再保存")
        self.theirs, self.author_name, self.yours, self.diff = theirs, author_name, yours, diff


class ImportRejected(Refusal):
    """A zip with any problem imports nothing; `errors` lists them by file ({"file", "field", "msg"})."""

    def __init__(self, errors: list[dict]):
        super().__init__("导入文件有误，没有导入任何指南，请按提示修改后重新上传")
        self.errors = errors
