"""Stable JSON routes beside the page (/api/v1/…): search, draft, issues, for scripts and later integrations.

Mounted on the web app's own server by drafting/ui/app.py, behind the same accounts as the page: HTTP Basic with a
login from DRAFTING_SERVER__USERS, or the page's login cookie. The shapes are the CLI's --json shapes
(drafting/jsonshape.py); the OpenAPI description is at /api/v1/openapi.json.
"""

from __future__ import annotations

import base64
import binascii
import json
import logging
import secrets
from collections.abc import Callable
from typing import Any, Literal

from fastapi import Depends, FastAPI, HTTPException, Query, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field
from pydantic import ValidationError as PydanticValidationError
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException as StarletteHTTPException

from drafting.autosave import PageEdit, save_from_page
from drafting.corpus.profile import query_profile
from drafting.errors import BusyError, DraftingError, ValidationError
from drafting.errors_zh import field_errors
from drafting.index.records import date_int
from drafting.jsonshape import draft_json, search_json
from drafting.models import SearchFilters
from drafting.queueing import Busy, FairGate
from drafting.services import Services
from drafting.sources.convert import for_drafting
from drafting.sources.document import condense
from drafting.sources.fetch import fetch, is_url
from drafting.textlimits import MAX_SOURCES, check_lengths
from drafting.watch.inbox import inbox_json, min_relevance, open_store
from drafting.writing.service import MAX_SOURCE_CHARS, request_from_input

logger = logging.getLogger(__name__)

API_PREFIX = "/api/v1"
MAX_TEXT_CHARS = 50_000  # a pasted policy document is a few thousand characters; more is a mistake or abuse
BUSY_WAIT_SECONDS = 60.0  # how long a call waits for a free drafting slot before 503
MAX_JSON_DEPTH = 20  # an item is two levels deep; a thousand nested lists is an attack on the parser
# Starlette's and FastAPI's own English details, as the API's callers should read them
_HTTP_ZH = {
    404: "没有这个接口：可用的接口见 /api/v1/openapi.json",
    405: "该接口不接受这种请求方法：见 /api/v1/openapi.json",
    400: "请求正文无法解析：应为 UTF-8 编码的 JSON 对象",
}


class AutosaveBody(BaseModel):
    """POST /api/v1/drafts/{id}/autosave: the editor's text as the page holds it (sent when a tab closes)."""

    title: str = Field(..., max_length=MAX_TEXT_CHARS)
    body: str = Field("", max_length=MAX_TEXT_CHARS)
    commentary: str = Field(..., max_length=MAX_TEXT_CHARS)
    version: int | None = Field(None, description="the version the page loaded; a save over another editor's is refused")
    page: str | None = Field(None, max_length=64, description="the page's random token: its own saves are not conflicts")
    seq: int | None = Field(None, ge=0, description="the edit's number on that page: an older edit arriving late is dropped")


class DraftBody(BaseModel):
    """POST /api/v1/draft: an item (the parse shape) or raw pasted text."""

    item: dict[str, Any] | None = Field(None, description="section, title, date, body, sources (as `drafting parse --json`)")
    text: str | None = Field(None, max_length=MAX_TEXT_CHARS, description="raw text (policy document, news): the item is drafted first")
    section: Literal["政策速递", "行业新闻", "交易资讯"] | None = Field(None, description="section of a raw text; guessed when omitted")
    variants: int = Field(1, ge=1, le=5, description="drafts at temperatures around the configured one")
    offline: bool = Field(False, description="offline drafter even when a model is configured")
    model: str | None = Field(None, description="one of the configured models")
    commentary: bool | None = Field(None, description="with text: a 短评 for a news or deal text too")
    save: bool = Field(False, description="store as a pending draft (as the page does); the answer carries draft_id")


def _basic_user(request: Request, users: dict[str, str]) -> str | None:
    header = request.headers.get("authorization", "")
    if not header.lower().startswith("basic "):
        return None
    try:
        name, _, password = base64.b64decode(header[6:]).decode("utf-8").partition(":")
    except (binascii.Error, UnicodeDecodeError):
        return None
    expected = users.get(name)
    if expected is not None and secrets.compare_digest(expected.encode(), password.encode()):
        return name
    return None


def build_api(services: Services, *, session_user: Callable[[Request], str | None] | None = None) -> FastAPI:
    """The /api/v1 app over the services; session_user reads the page's login cookie (None = Basic only)."""
    settings = services.settings
    users = {u: p.get_secret_value() for u, p in settings.server.users.items()}
    # Drafts share the page's limiter (services.limiter); searches, which never call the model, have their own line
    # on the event loop (a waiting search holds no worker thread).
    searches = FairGate(settings.server.concurrency, wait=settings.server.search_wait_s,
                        max_waiting=max(64, settings.server.concurrency * 16), label="检索")
    # API drafts: as many in threads as the limiter has slots; the rest wait in line holding no thread
    drafts = FairGate(settings.server.concurrency + settings.server.offline_concurrency, wait=BUSY_WAIT_SECONDS,
                      max_waiting=max(64, settings.server.concurrency * 16), label="起草")
    api = FastAPI(
        title="植德短评起草 API",
        version="1",
        description="先例检索、短评起草、在办期刊。登录与网页相同（HTTP Basic 或网页登录后的 Cookie）。",
        docs_url=None,  # the Swagger page loads scripts from a CDN, which an offline firm machine cannot reach
        redoc_url=None,
        openapi_url="/openapi.json",
    )

    def login(request: Request) -> str:
        if not users:
            return "local"
        user = _basic_user(request, users) or (session_user(request) if session_user else None)
        if user is None:
            raise HTTPException(401, "未登录：请用事务所分配的账号（HTTP Basic）访问，或先在网页登录",
                                headers={"WWW-Authenticate": 'Basic realm="drafting"'})
        return user

    @api.exception_handler(DraftingError)
    async def drafting_error(request: Request, exc: DraftingError) -> JSONResponse:
        return JSONResponse({"error": str(exc), "kind": type(exc).__name__}, status_code=400)

    @api.exception_handler(BusyError)
    async def busy(request: Request, exc: BusyError) -> JSONResponse:
        retry = str(exc.retry_after if isinstance(exc, Busy) else 5)
        return JSONResponse({"error": str(exc), "kind": "BusyError"}, status_code=503, headers={"Retry-After": retry})

    @api.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        detail = exc.detail if isinstance(exc.detail, str) and not exc.detail.isascii() else _HTTP_ZH.get(
            exc.status_code, f"请求无法处理（HTTP {exc.status_code}）")
        return JSONResponse({"error": detail}, status_code=exc.status_code, headers=exc.headers)

    @api.exception_handler(RequestValidationError)
    async def bad_request(request: Request, exc: RequestValidationError) -> JSONResponse:
        return JSONResponse({"error": f"请求参数无效（{field_errors(exc.errors())}）：请按 /api/v1/openapi.json 的说明填写"},
                            status_code=422)

    @api.exception_handler(RecursionError)
    async def too_deep(request: Request, exc: RecursionError) -> JSONResponse:
        return JSONResponse({"error": f"请求 JSON 嵌套过深：条目最多 {MAX_JSON_DEPTH} 层"}, status_code=422)

    @api.exception_handler(Exception)
    async def unexpected(request: Request, exc: Exception) -> JSONResponse:
        # a bug or a broken file on the server: Chinese JSON like every other answer, the traceback in the log only
        logger.exception("unexpected error in %s", request.url.path)
        return JSONResponse({"error": f"服务器内部错误（{type(exc).__name__}），请求未完成，未改动任何数据；"
                                      "详情见服务器日志，请联系管理员", "kind": "InternalError"}, status_code=500)

    async def slot() -> Any:
        async with searches.slot():
            yield

    @api.get("/search", summary="先例检索（与 drafting search --json 相同）")
    async def search(
        q: str = Query(..., min_length=1, max_length=MAX_TEXT_CHARS, description="新条目的标题或正文"),
        k: int = Query(5, ge=1, le=20, description="返回的先例数"),
        section: Literal["政策速递", "行业新闻", "交易资讯"] | None = Query(None),
        date_from: str | None = Query(None, description="YYYY-MM-DD"),
        date_to: str | None = Query(None, description="YYYY-MM-DD"),
        with_commentary: bool | None = Query(None, description="只要带短评的条目"),
        _user: str = Depends(login),
        _slot: None = Depends(slot),
    ) -> dict[str, Any]:
        for value in (date_from, date_to):
            date_int(value)  # a bad date is a 400 naming the expected format

        def run() -> dict[str, Any]:
            filters = SearchFilters(section=section, date_from=date_from, date_to=date_to, has_commentary=with_commentary)
            profile = query_profile(q, section)  # ranked like the CLI: same kind and stance first
            result = services.retriever.search_profiled(q, profile, k, filters, section=section)
            return search_json(q, result, profile) | {"indexed": services.index.count()}

        return await run_in_threadpool(run)  # only a request holding a slot takes a worker thread

    @api.post("/draft", summary="起草短评（与 drafting draft --json 相同）")
    async def draft(body: DraftBody, _user: str = Depends(login)) -> dict[str, Any]:
        # in line on the event loop first (no thread held while waiting), then the page's shared draft limiter
        async with drafts.slot():
            return await run_in_threadpool(draft_now, body)

    def draft_now(body: DraftBody) -> dict[str, Any]:
        if (body.item is None) == (body.text is None):
            raise ValidationError("请求须含 item（条目 JSON）或 text（原文）其中之一")
        if body.item is not None:
            _check_item(body.item)
        raw = body.text is not None
        if raw and is_url((body.text or "").strip()):
            # a link alone is what the page's 来源链接 box and `drafting draft --raw URL` fetch: the same here
            page = fetch((body.text or "").strip(), settings.sources, cache_dir=settings.sources_cache_path)
            keep = settings.sources.keep_quoted_titles
            body = body.model_copy(update={"text": condense(for_drafting(page.raw_text(), keep_quoted_titles=keep).text,
                                                             MAX_SOURCE_CHARS)})
        text = body.text if raw else json.dumps(body.item, ensure_ascii=False)
        request = request_from_input(text or "", raw=raw, source="请求", section=body.section, variants=body.variants,
                                     offline=body.offline, model=body.model, commentary=body.commentary)
        offline = request.offline or not services.drafter.models()
        with services.limiter.hold(offline, BUSY_WAIT_SECONDS):  # one limit with the page's drafts
            drafts = services.drafter.draft(request)
        shaped = [draft_json(d) for d in drafts]
        if body.save:
            for d, out in zip(drafts, shaped):
                out["draft_id"] = services.store.create(d, source_text=body.text)
        return shaped[0] if len(shaped) == 1 else {"variants": shaped}

    @api.post("/drafts/{draft_id}/autosave", summary="保存网页上的草稿文字（关闭标签页时由网页发送）")
    async def autosave(draft_id: int, request: Request, user: str = Depends(login)) -> dict[str, Any]:
        # Read the body whatever its content type: navigator.sendBeacon sends text/plain, which needs no preflight.
        try:
            body = AutosaveBody.model_validate_json(await request.body())
        except PydanticValidationError as exc:
            raise ValidationError(f"自动保存的内容无效（{exc.error_count()} 处错误）") from exc
        page = PageEdit(body.page or "", body.seq or 0) if body.page else PageEdit()
        outcome = await run_in_threadpool(
            save_from_page, services, draft_id, title=body.title, body=body.body, commentary=body.commentary,
            expected_version=body.version, actor=None if user == "local" else user, page=page,
        )
        logger.info("autosave draft %s from a closing page (version %s, saved=%s)", draft_id, outcome.version, outcome.saved)
        return {"draft_id": draft_id, "version": outcome.version, "saved": outcome.saved, "stale": outcome.stale}

    @api.get("/issues", summary="进行中的期刊（与 drafting issues --json 相同）")
    def issues(_user: str = Depends(login)) -> dict[str, Any]:
        return {"issues": [i.to_json() for i in services.reviews.list_issues()]}  # the shape of `drafting issues --json`

    @api.get("/inbox", summary="收件箱（与 drafting inbox --json 相同）")
    def inbox(status: Literal["new", "held", "later", "ignored", "added", "all"] = Query("new", description="new 新条目 / held 已有 / later 稍后 / ignored 已忽略 / added 已加入本期 / all"),
              limit: int = Query(200, ge=1, le=5000), _user: str = Depends(login)) -> dict[str, Any]:
        return inbox_json(open_store(settings), view=status, limit=limit, min_relevance=min_relevance(settings))

    @api.get("/health", summary="是否在运行，索引条数")
    def health(_user: str = Depends(login)) -> dict[str, Any]:
        return {"ok": True, "indexed": services.index.count(), "drafts": services.limiter.status(),
                "warmed_up": services.warmup.done}

    return api


def _depth(value: Any, limit: int) -> int:
    """Nesting depth of a JSON value, stopping once past ``limit``."""
    if limit < 0 or not isinstance(value, (dict, list)):
        return 0
    children = value.values() if isinstance(value, dict) else value
    return 1 + max((_depth(v, limit - 1) for v in children), default=0)


def _check_item(item: dict[str, Any]) -> None:
    """An API item: as deep, long and many-sourced as a real one at most (the page's paste limits, for scripts)."""
    if _depth(item, MAX_JSON_DEPTH) > MAX_JSON_DEPTH:
        raise ValidationError(f"item 嵌套过深：最多 {MAX_JSON_DEPTH} 层")
    texts = {f: item.get(f) for f in ("title", "body", "commentary")}
    check_lengths("item", **{f: v for f, v in texts.items() if isinstance(v, str)})
    sources = item.get("sources")
    if isinstance(sources, list) and len(sources) > MAX_SOURCES:
        raise ValidationError(f"item 的来源过多（{len(sources)} 个）：最多 {MAX_SOURCES} 个")
