"""Embedding backends behind one interface: bundled e5 (default, offline), OpenAI-compatible, sentence-transformers."""

from __future__ import annotations

from typing import Protocol

import numpy as np

from drafting.settings import EmbeddingSettings


class Embedder(Protocol):
    """Turns passages and queries into L2-normalised float32 vectors."""

    name: str  # recorded in the collection so vectors of two models never mix
    dim: int

    def embed_passages(self, texts: list[str]) -> np.ndarray: ...

    def embed_query(self, text: str) -> np.ndarray: ...


def make_embedder(settings: EmbeddingSettings) -> Embedder:
    """Build the configured backend; unknown or unavailable backends raise ConfigError with the fix."""
    raise NotImplementedError
