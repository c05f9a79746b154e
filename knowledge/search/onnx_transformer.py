"""sentence-transformers' Transformer module with its forward pass run by ONNX Runtime.

It takes the place of the first module of a sentence-transformers folder, so pooling,
normalisation and batching stay sentence-transformers' own; only the transformer's arithmetic runs
in ONNX Runtime, twice as fast as PyTorch for one short question on this CPU
(knowledge/embedding/onnx_export.py has the figures and the export). The PyTorch weights are never
loaded: once freed, their memory stayed with the process.
"""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import onnxruntime as ort
import torch
from sentence_transformers.base.modules import InputModule


class OnnxTransformer(InputModule):
    def __init__(self, tokenizer: Any, max_seq_length: int, onnx_file: Path, threads: int = 1):
        super().__init__()
        self.tokenizer = tokenizer
        self.max_seq_length = max_seq_length
        options = ort.SessionOptions()
        options.intra_op_num_threads = threads
        options.inter_op_num_threads = 1
        # Busy-waiting worker threads would take CPU from Rasa on the same two cores.
        options.add_session_config_entry("session.intra_op.allow_spinning", "0")
        options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
        self._session = ort.InferenceSession(str(onnx_file), options, providers=["CPUExecutionProvider"])

    @classmethod
    def from_folder(cls, model_dir: Path, onnx_file: Path, threads: int = 1) -> "OnnxTransformer":
        """The tokenizer and length limit the folder's Transformer module would have."""
        from transformers import AutoTokenizer

        config_file = model_dir / "sentence_bert_config.json"  # optional in a sentence-transformers folder
        config = json.loads(config_file.read_text(encoding="utf-8")) if config_file.is_file() else {}
        tokenizer = AutoTokenizer.from_pretrained(str(model_dir))
        return cls(tokenizer, config.get("max_seq_length") or tokenizer.model_max_length, onnx_file, threads)

    def preprocess(self, inputs: list[str], prompt: str | None = None, **kwargs) -> dict[str, Any]:
        texts = self._prepend_prompt(list(inputs), prompt) if prompt else list(inputs)
        features = self.tokenizer(texts, padding=True, truncation="longest_first", max_length=self.max_seq_length,
                                  return_tensors="pt")
        return {"input_ids": features["input_ids"], "attention_mask": features["attention_mask"]}

    def forward(self, features: dict[str, Any], **kwargs) -> dict[str, Any]:
        hidden = self._session.run(["last_hidden_state"], {
            "input_ids": features["input_ids"].numpy().astype(np.int64, copy=False),
            "attention_mask": features["attention_mask"].numpy().astype(np.int64, copy=False),
        })[0]
        features["token_embeddings"] = torch.from_numpy(hidden)
        return features

    def save(self, output_path: str, *args, **kwargs) -> None:
        raise NotImplementedError("a runtime stand-in: the model folder is built by knowledge.embedding")
