"""The third-party files the staff pages load are the published ones (knowledge/web/static/vendor/README.md)."""
from __future__ import annotations

import hashlib
import re

from tests.stack import ROOT

VENDOR = ROOT / "knowledge" / "web" / "static" / "vendor"


def test_each_vendored_file_matches_the_checksum_its_note_gives():
    note = (VENDOR / "README.md").read_text(encoding="utf-8")
    listed = re.findall(r"\| `([^`]+\.js)` \|", note)
    assert listed == ["lit-html.js"]
    for name in listed:
        digest = hashlib.sha256((VENDOR / name).read_bytes()).hexdigest()
        assert f"- `{name}` sha256 `{digest}`" in note
        assert (VENDOR / name.replace(".js", ".LICENSE")).is_file()
