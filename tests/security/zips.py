"""Hostile zip files for the import tests, made by patching the headers of a real zip (finding 13)."""
from __future__ import annotations

import io
import struct
import zipfile

GUIDE_PATH = "faq/faq-hostile-zip.yml"
# Not a complete guide either: a member that unpacks correctly still gets field errors, never an import.
YAML_TEXT = "id: faq-hostile-zip\nkind: faq\n" + "".join(f"note{n}: 测试答案。\n" for n in range(50))


def plain_zip(path: str = GUIDE_PATH, text: str = YAML_TEXT, method: int = zipfile.ZIP_STORED) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", method) as zf:
        zf.writestr(path, text)
    return buf.getvalue()


def _offsets(data: bytes) -> tuple[int, int]:
    """Where the (only) local file header and central directory entry start."""
    return data.index(b"PK\x03\x04"), data.index(b"PK\x01\x02")


def patched(data: bytes, local_at: int, central_at: int, fmt: str, value: int) -> bytes:
    """The zip with one field set to `value` in both headers (offsets inside each header)."""
    out = bytearray(data)
    local, central = _offsets(data)
    struct.pack_into(fmt, out, local + local_at, value)
    struct.pack_into(fmt, out, central + central_at, value)
    return bytes(out)


def bad_crc() -> bytes:
    data = bytearray(plain_zip())
    at = data.index("测试答案".encode())
    data[at] ^= 0xFF  # the content changes; the CRC in the headers does not
    return bytes(data)


def encrypted_flag() -> bytes:
    local, central = _offsets(plain_zip())
    flags = struct.unpack_from("<H", plain_zip(), local + 6)[0]
    return patched(plain_zip(), 6, 8, "<H", flags | 0x1)


def unknown_method() -> bytes:
    return patched(plain_zip(), 8, 10, "<H", 99)


def lying_sizes(value: int) -> bytes:
    """Uncompressed size (local +22, central +24) replaced by `value` in both headers."""
    return patched(plain_zip(method=zipfile.ZIP_DEFLATED), 22, 24, "<I", value)


def lying_compressed_size(value: int) -> bytes:
    return patched(plain_zip(method=zipfile.ZIP_DEFLATED), 18, 20, "<I", value)


# "Billion laughs": each line lists the previous one nine times; loading is instant, validating is not.
ALIAS_BOMB = "id: faq-hostile-zip\nkind: faq\na: &a [x, x, x, x, x, x, x, x, x]\n" + "".join(
    f"{chr(98 + i)}: &{chr(98 + i)} [{', '.join([f'*{chr(97 + i)}'] * 9)}]\n" for i in range(8)) + "alt_questions: *i\n"

HOSTILE = {
    "bad CRC": bad_crc,
    "encryption flag": encrypted_flag,
    "unknown compression method": unknown_method,
    "size header smaller than the content": lambda: lying_sizes(10),
    "size header larger than the content": lambda: lying_sizes(900_000),
    "compressed size beyond the file": lambda: lying_compressed_size(0x7FFFFFFF),
    "YAML nested 20 000 levels": lambda: plain_zip(text="[" * 20_000),
    "YAML aliases expanding to 9^9 items": lambda: plain_zip(text=ALIAS_BOMB),
}
