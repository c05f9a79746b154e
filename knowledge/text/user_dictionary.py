"""Writes the jieba user dictionary (titles, aliases, material keys) for Rasa's JiebaTokenizer.

    python -m knowledge.text.user_dictionary OUT_DIR [GUIDES_DIR]

Rasa's tokenizer and the retrieval tokenizer then cut service names the same way
("食品经营许可" stays one word instead of 食品/经营/许可).
"""
from __future__ import annotations

import sys
from pathlib import Path

from knowledge.catalogue import SAMPLE_GUIDES, Catalogue
from knowledge.search.documents import user_words
from knowledge.text.normalize import normalize


def write(out_dir: Path, guides_dir: Path = SAMPLE_GUIDES) -> Path:
    words = sorted({normalize(w) for w in user_words(Catalogue.from_folder(guides_dir).all())})
    words = [w for w in words if 1 < len(w) <= 20 and " " not in w]
    out_dir.mkdir(parents=True, exist_ok=True)
    path = out_dir / "navigator.txt"
    path.write_text("".join(f"{w} 50000\n" for w in words), encoding="utf-8")
    return path


if __name__ == "__main__":
    out = write(Path(sys.argv[1]), Path(sys.argv[2]) if len(sys.argv) > 2 else SAMPLE_GUIDES)
    print(f"wrote {out}")
