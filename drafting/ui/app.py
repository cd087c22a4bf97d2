"""The page: one tab per module, assembled from a list of tab builders, and the server launch."""

from __future__ import annotations

import functools
import importlib
import logging
import os
from collections.abc import Callable
from dataclasses import dataclass, field
from types import ModuleType
from typing import Any

# Before gradio is imported: no usage statistics leave the firm's machine.
os.environ["GRADIO_ANALYTICS_ENABLED"] = "False"

import gradio as gr
from starlette.middleware import Middleware
from starlette.routing import Mount, Router
from starlette.types import ASGIApp, Receive, Scope, Send

from drafting import maintenance
from drafting.api import API_PREFIX, build_api
from drafting.errors import DraftingError
from drafting.redact import install_log_redaction
from drafting.services import Services, build_services
from drafting.settings import Settings
from drafting.ui import format as fmt
from drafting.ui import leave_guard
from drafting.ui.access import AccessGuard, LoginThrottle
from drafting.ui.navbar import build_navbar
from drafting.ui.page_load import PageLoad
from drafting.ui.request_guard import RequestGuard, guard_settings, put_in_front
from drafting.ui.warmup import start_warm_up
from drafting.watch.schedule import WatchSchedule

logger = logging.getLogger(__name__)

# The pages, in the navigation bar's order, each with its tab modules in order. Each module has TAB_ID, TAB_LABEL,
# build(ctx) and optionally wire(ctx) (run once every tab of its page is built, for events that reach into the page's
# other tabs). The editor's page holds what a draft needs; 收件箱, 批量 and 规则, used a few times a month and half of
# the components, each have their own page: Gradio's front end builds every component of a page and, at each status
# message of each event, updates the loading state of every component the page has filled, so the eight tabs on one
# page put the first draft after a start and the first load at the edge of their targets (issue #28,
# docs/scaling.md). A tab that fails to import stops the app: a page quietly missing its 批量 would look like a working
# product.
@dataclass(frozen=True)
class PageSpec:
    """One page of the app: its address below the app's root ("" for the editor's page), its name, its tabs."""

    path: str
    label: str
    modules: tuple[str, ...]


PAGES = (
    PageSpec("", "起草", ("drafting.ui.draft_tab", "drafting.ui.history_tab", "drafting.ui.corpus_tab",
                          "drafting.ui.settings_tab", "drafting.ui.stats_tab")),
    PageSpec("inbox", "收件箱", ("drafting.ui.inbox_tab",)),
    PageSpec("batch", "批量", ("drafting.ui.batch_tab",)),
    PageSpec("rules", "规则", ("drafting.ui.rules_tab",)),
)

ALLOWED_UPLOADS = [".pdf", ".docx", ".md", ".markdown", ".txt", ".json", ".jsonl"]

CSS = """
.dz-prec {border:1px solid var(--border-color-primary); border-radius:8px; padding:6px 10px; margin:6px 0;}
.dz-prec summary {cursor:pointer; line-height:1.6;}
.dz-n {display:inline-block; min-width:1.6em; text-align:center; border-radius:4px; background:var(--color-accent-soft);}
.dz-meta, .dz-muted {color:var(--body-text-color-subdued); font-size:0.88em;}
.dz-comm {margin:6px 0; padding:6px 8px; background:var(--background-fill-secondary); border-left:3px solid var(--color-accent);}
.dz-body {white-space:pre-wrap; margin:6px 0; font-size:0.92em;}
.dz-dup {border:1px solid #f59e0b; background:#fffbeb; color:#92400e; border-radius:8px; padding:8px 12px; margin:6px 0;}
.dz-gap {border:1px solid #fb923c; background:#fff7ed; color:#9a3412; border-radius:8px; padding:8px 12px; margin:6px 0;}
.dz-profile {font-size:0.92em; margin:4px 0;} .dz-why {font-size:0.88em; color:#065f46;}
.dz-empty {color:var(--body-text-color-subdued);}
.dz-ok {color:#047857;}
.dz-over {color:#b91c1c; font-weight:600;}
.dz-findings ul {margin:4px 0 0 1.2em; padding:0;}
.dz-tag {display:inline-block; padding:0 6px; border-radius:4px; background:#fee2e2; color:#991b1b; font-size:0.85em;}
.dz-diff {margin:4px 0 8px 0; white-space:pre-wrap; line-height:1.7;}
.dz-diff del {background:#fee2e2; color:#991b1b;}
.dz-diff ins {background:#dcfce7; color:#166534; text-decoration:underline;}
.dz-item h3 {margin:0 0 4px 0;}
#dz-status {min-height:1.5em;}
"""

# Gradio's own strings, in Chinese whatever the browser's language (its built-in zh-CN only applies to Chinese
# browsers). Keys are Gradio's frontend translation keys.
GRADIO_STRINGS_ZH = {
    "upload_text.drop_file": "将文件拖放到此处",
    "upload_text.click_to_upload": "点击上传",
    "upload_text.drop_csv": "将 CSV 拖放到此处",
    "upload_text.paste_clipboard": "从剪贴板粘贴",
    "common.or": "或",
    "common.clear": "清除",
    "common.download": "下载",
    "common.remove": "移除",
    "common.error": "错误",
    "common.loading": "加载中",
    "common.submit": "提交",
    "common.undo": "撤销",
    "common.empty": "空",
    "errors.waiting_for_inputs": "等待文件上传完成，请稍后重试。",
    "errors.lost_connection": "由于离开页面，连接已丢失。正在重新加入队列……",
    "common.edit": "编辑",
    "common.complete": "已完成",  # the status tracker's screen-reader text: no translation in Gradio's own zh-CN
    "common.settings": "设置",
    "common.language": "语言",
    "file.uploading": "正在上传……",
    "dataframe.sort_column": "排序",
    "dataframe.sort_ascending": "升序排列",
    "dataframe.sort_descending": "降序排列",
    "dataframe.clear_sort": "取消排序",
    "dataframe.incorrect_format": "格式不正确，仅支持 CSV 和 TSV 文件",
    "dataframe.drop_to_upload": "将 CSV 或 TSV 文件拖放到此处",
    "dropdown.dropdown": "下拉菜单",
    "radio.radio": "单选",
    "checkbox.checkbox": "复选框",
    "number.number": "数字",
    "plot.plot": "图表",
    "label.label": "标签",
    "highlighted_text.highlighted_text": "标注文本",
    "login.login": "登录",
    "login.username": "用户名",
    "login.password": "密码",
    "login.incorrect_credentials": "用户名或密码不正确",
}
# The browser languages a firm machine is likely to report; each gets the Chinese strings.
I18N_LOCALES = ("en", "en-US", "en-GB", "zh", "zh-CN", "zh-TW", "zh-HK")


def gradio_i18n() -> gr.I18n:
    """Chinese for Gradio's built-in texts (upload box, clear/download buttons) under any of I18N_LOCALES."""
    return gr.I18n(**{loc: dict(GRADIO_STRINGS_ZH) for loc in I18N_LOCALES})


# Gradio's page has a few English texts of its own that its i18n has no key for (checked in Gradio 6.31's
# frontend): the upload box's type error, the table's copy/fullscreen buttons, a full queue, the default toast titles
# of its own errors. They are replaced where they appear, text and tooltips (title, aria-label) alike.
CHINESE_MESSAGES_JS = r"""<script>
(() => {
  const zh = [
    [/Queue is full! Please try again\.?/g, "当前排队人数已满，请稍候片刻再试（您的文字未受影响）。"],
    [/This application is currently busy\. Please try again\.?/g, "系统正忙，请稍候片刻再试（您的文字未受影响）。"],
    [/Connection errored out\.?/g, "与服务器的连接中断，请稍后重试。"],
    [/File\(s\) exceed the maximum allowed size of ([\d.]+) ?Mb:?\s*(.*)/g,
     (_, mb, names) => `文件过大，未上传：${names.trim()} 超过单个文件上限 ${parseFloat(mb)} MB，请拆分或压缩后重试。`],
    [/Invalid file types?: (.+?)\. Only (.+?) allowed\./g, "不支持此文件类型：$1。只能上传 $2 文件。"],
    [/ and (\d+) more(?=[。，])/g, " 等另外 $1 个"],
    [/^Copy table data$/, "复制表格内容"], [/^Copied to clipboard$/, "已复制"],
    [/^Fullscreen$/, "全屏"], [/^Exit fullscreen$/, "退出全屏"], [/^Exit full screen$/, "退出全屏"],
    [/^Copy$/, "复制"], [/^Copied!?$/, "已复制"], [/^Close$/, "关闭"],
    [/^Sort ascending$/, "升序"], [/^Sort descending$/, "降序"], [/^Clear sort$/, "取消排序"],
    [/^Click to upload or drop files$/, "点击上传或拖放文件"], [/^(?:Upload a file|Upload file|File upload)$/, "上传文件"],
    [/^Uploading$/, "正在上传"], [/^Uploaded files$/, "已上传的文件"], [/^File: /, "文件："],
    [/^Dataframe$/, "表格"], [/^Table actions$/, "表格操作"], [/^Open cell menu$/, "单元格菜单"],
    [/^Empty value$/, "空"], [/^Copy menu$/, "复制菜单"], [/^Close popup$/, "关闭"],
    [/^Reset to default value$/, "恢复默认值"],
    [/^Error$/, "出错"], [/^Warning$/, "提示"], [/^Info$/, "消息"], [/^Success$/, "完成"],
  ];
  const tr = (v) => { let out = v; for (const [re, to] of zh) out = out.replace(re, to); return out; };
  const ATTRS = ["title", "aria-label", "placeholder"];
  const fixEl = (el) => {
    for (const a of ATTRS) {
      const v = el.getAttribute && el.getAttribute(a);
      if (v) { const t = tr(v.trim()); if (t !== v.trim()) el.setAttribute(a, t); }
    }
  };
  const fix = (node) => {
    if (!node) return;
    if (node.nodeType === 3) { const t = tr(node.nodeValue); if (t !== node.nodeValue) node.nodeValue = t; return; }
    if (node.nodeType !== 1) return;
    fixEl(node);
    node.querySelectorAll("[title], [aria-label], [placeholder]").forEach(fixEl);
    const walker = document.createTreeWalker(node, NodeFilter.SHOW_TEXT);
    for (let t = walker.nextNode(); t; t = walker.nextNode()) {
      const s = t.nodeValue, trimmed = s.trim();
      const v = trimmed && tr(trimmed) !== trimmed ? s.replace(trimmed, tr(trimmed)) : tr(s);
      if (v !== s) t.nodeValue = v;
    }
  };
  new MutationObserver((ms) => ms.forEach((m) => {
    if (m.type === "attributes") fixEl(m.target);
    else if (m.type === "characterData") fix(m.target.parentNode);
    else m.addedNodes.forEach((n) => fix(n.nodeType === 3 ? n.parentNode || document.body : n));
  })).observe(document.documentElement, {childList: true, subtree: true, characterData: true,
                                         attributes: true, attributeFilter: ATTRS});
})();
</script>"""


@dataclass
class UIContext:
    """What tab builders share: the services, and components other tabs may wire to."""

    services: Services
    demo: Any = None
    tabs: Any = None
    components: dict[str, Any] = field(default_factory=dict)
    loads: PageLoad = field(default_factory=PageLoad)
    pages: list[tuple[str, str]] = field(default_factory=list)  # (path, name) of every page, the editor's first

    def __getitem__(self, name: str) -> Any:
        return self.components[name]

    def add(self, **components: Any) -> None:
        """Register components under names other tabs can use."""
        self.components.update(components)

    def on_load(self, fn: Callable[..., Any], inputs: list[Any] | None, outputs: list[Any] | Any,
                with_request: bool = False) -> None:
        """What a tab fills in when the page loads: sent with every other tab's as one event (drafting/ui/page_load.py);
        with_request: fn also takes the page's gr.Request as request= (its address's parameters)."""
        self.loads.add(fn, inputs, outputs, with_request)


def guarded(n_outputs: int) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Show DraftingError as a Chinese warning and leave every output (the editor's text) as it was."""

    def deco(fn: Callable[..., Any]) -> Callable[..., Any]:
        @functools.wraps(fn)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            try:
                return fn(*args, **kwargs)
            except DraftingError as exc:
                logger.info("user error in %s: %s", fn.__name__, exc)
                gr.Warning(fmt.esc(exc), title="提示")  # toasts render HTML; messages may quote file names or pasted text
            except Exception as exc:
                logger.exception("unexpected error in %s", fn.__name__)
                gr.Warning(f"出现内部错误（{type(exc).__name__}），您的文字未受影响；详情见服务器日志。", title="提示")
            skips = tuple(gr.skip() for _ in range(n_outputs))
            return skips[0] if n_outputs == 1 else skips

        return wrapper

    return deco


def _modules(spec: PageSpec) -> list[ModuleType]:
    return [importlib.import_module(name) for name in spec.modules]


def build_app(services: Services) -> gr.Blocks:
    """Every page over the given services (tests mount it directly); demo.ui_context holds every page's components."""
    pages = [(spec.path, spec.label) for spec in PAGES]
    modules = [_modules(spec) for spec in PAGES]  # all imported first: a missing tab stops the app before anything is built
    everything = UIContext(services=services)
    with gr.Blocks(title="植德短评起草", analytics_enabled=False, fill_width=True) as demo:
        _build_page(demo, services, PAGES[0], modules[0], pages, everything)
    for spec, page_modules in zip(PAGES[1:], modules[1:], strict=True):
        # show_in_navbar=False: the bar lists every page itself (drafting/ui/navbar.py), with the inbox's count
        with demo.route(spec.label, spec.path, show_in_navbar=False):
            _build_page(demo, services, spec, page_modules, pages, everything)
    everything.demo = demo
    demo.ui_context = everything  # type: ignore[attr-defined]  # lets tests reach the registered components
    hide_internal_events(demo)
    return demo


def _build_page(demo: gr.Blocks, services: Services, spec: PageSpec, modules: list[ModuleType],
                pages: list[tuple[str, str]], everything: UIContext) -> None:
    """One page inside its route: the bar, the heading, its tabs (tabs only when there are several), one load event.

    Each page has its own context, so a tab can only wire to the components of its own page: an event whose outputs
    sit on another page would reach nothing in the browser."""
    ctx = UIContext(services=services, demo=demo, pages=pages)
    navbar, count = build_navbar(services, pages)
    ctx.add(navbar=navbar)
    gr.Markdown("## 植德短评起草助手 <small>元宇宙 · Web3 · 区块链月刊</small>")
    if len(modules) == 1:
        modules[0].build(ctx)
    else:
        with gr.Tabs() as tabs:
            ctx.tabs = tabs
            for module in modules:
                with gr.Tab(module.TAB_LABEL, id=module.TAB_ID, elem_id=f"dz-tab-{module.TAB_ID}"):
                    module.build(ctx)
    for module in modules:
        if hasattr(module, "wire"):
            module.wire(ctx)
    if not any(navbar is out for loader in ctx.loads.loaders for out in loader.outputs):  # 收件箱 fills its own
        ctx.on_load(count, None, navbar)
    ctx.loads.wire(demo, guarded)
    everything.add(**{f"navbar_{spec.path or 'main'}": navbar})
    everything.add(**{k: v for k, v in ctx.components.items() if k != "navbar"})


# The page's events scripts may rely on (gradio_client, bench_load); the stable contract is /api/v1 (drafting/api.py).
PUBLIC_EVENTS = {"run", "on_search", "on_accept", "ingest", "show"}


def hide_internal_events(demo: gr.Blocks) -> None:
    """Keep the page's internal endpoints (browse_3, refresh_2 …) out of Gradio's API page; the page still calls them."""
    for fn in demo.fns.values():
        if fn.api_visibility == "public" and getattr(fn.fn, "__name__", "") not in PUBLIC_EVENTS:
            fn.api_visibility = "undocumented"


class ApiRoutes:
    """The JSON routes (/api/v1) inside the server's middleware, behind the same Host/Origin checks and login: they
    answer from the server's first response on (mounted on the started server, they were a 404 for a moment)."""

    def __init__(self, app: ASGIApp, api: ASGIApp) -> None:
        self.app = app
        # Starlette's own matching (it strips a proxy's root path as the router behind would); the rest goes on
        self.routes = Router(routes=[Mount(API_PREFIX, app=api)], default=app)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            await self.routes(scope, receive, send)
        else:  # lifespan and websockets belong to Gradio's app
            await self.app(scope, receive, send)


def api_routes(demo: gr.Blocks, services: Services) -> Middleware:
    """The /api/v1 middleware for demo's server; a logged-in page's cookie logs its API calls in too."""

    def session_user(request: Any) -> str | None:
        # Gradio's login cookie, as its own /user route reads it (the server exists by the time a request arrives)
        server = demo.server_app
        token = request.cookies.get(f"access-token-{server.cookie_id}") or request.cookies.get(
            f"access-token-unsecure-{server.cookie_id}"
        )
        return server.tokens.get(token) if token else None

    return Middleware(ApiRoutes, api=build_api(services, session_user=session_user))


def theme() -> gr.themes.Base:
    """Local CJK fonts only: the machine is offline, so no web fonts are fetched."""
    fonts = ["Noto Sans CJK SC", "PingFang SC", "Microsoft YaHei", "sans-serif"]
    return gr.themes.Default(primary_hue="teal", font=fonts, font_mono=["Noto Sans Mono CJK SC", "monospace"])


def launch(settings: Settings, *, block: bool = True) -> gr.Blocks:
    """Build services, index the corpus, build the page and serve it (blocking unless block=False, for tests)."""
    logging.basicConfig(level=logging.WARNING, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    logging.getLogger("drafting").setLevel(logging.INFO)
    install_log_redaction()  # a provider's error text may echo the API key: masked in every log line
    # Uploaded issues are confidential: keep Gradio's copies under the data folder, not in /tmp.
    os.environ.setdefault("GRADIO_TEMP_DIR", str(settings.data_dir / "uploads"))
    settings.settle_block_private()  # --host may have changed since the settings were read: a shared server blocks
    services = build_services(settings)
    print("正在索引语料库……", flush=True)
    issues, stats = services.ingest()
    # An accept killed between the database and the corpus write is finished here, before anyone drafts.
    drift = maintenance.check(services, repair=True)
    if drift.repaired or drift.unreadable or drift.not_reparsed:  # a bad corpus file is named at start-up, never fatal
        print(f"启动检查：{drift.summary()}", flush=True)
    print(f"语料库：{len(issues)} 期，索引 {services.index.count()} 条（新增 {stats.added}，更新 {stats.updated}）", flush=True)
    demo = build_app(services)
    if settings.watch.schedule:  # the app polls the watch list itself (#26); else cron runs `drafting watch run`
        WatchSchedule(settings, services.watch_triage).start()
    server = settings.server
    auth = [(user, pw.get_secret_value()) for user, pw in server.users.items()] or None
    # drafts hold their own slots (drafting/ui/slots.py), so the queue holds only short events: room for many users
    demo.queue(default_concurrency_limit=server.concurrency, max_size=max(64, server.concurrency * 16))
    guard = Middleware(
        AccessGuard, login_required=bool(auth),
        throttle=LoginThrottle(max_failures=server.login_max_failures, window=server.login_window_s),
    )
    # Host, Origin and body size are checked before anything else reads the request (outermost of ours)
    limits = Middleware(RequestGuard, **guard_settings(server))
    # uvicorn believes X-Forwarded-For from FORWARDED_ALLOW_IPS (default: loopback, i.e. any local client could
    # rotate its address past the login throttle): only the configured proxies, none by default
    os.environ["FORWARDED_ALLOW_IPS"] = server.forwarded_allow_ips
    url = f"http://{server.host}:{server.port}"
    print(f"植德短评起草：{url}" + ("（需登录）" if auth else ""), flush=True)
    demo.launch(
        server_name=server.host,
        server_port=server.port,
        auth=auth,
        auth_message="请使用事务所分配的账号登录。" if auth else None,
        max_file_size=f"{server.max_upload_mb}mb",
        share=False,
        show_error=False,
        theme=theme(),
        css=CSS,
        footer_links=[],
        run_history=False,  # pasted texts are confidential: keep no run history in the browser
        i18n=gradio_i18n(),
        prevent_thread_lock=True,  # the JSON routes are mounted on the started server, then we block
        app_kwargs={"middleware": [limits, guard, api_routes(demo, services)]},  # the first is the outermost
        head=CHINESE_MESSAGES_JS + leave_guard.LEAVE_GUARD_JS,
    )
    put_in_front(demo.server_app, server)
    start_warm_up(services)  # the first draft's one-time costs, paid now in the background (issue #28)
    print(f"JSON API：{url}/api/v1（说明：{url}/api/v1/openapi.json）", flush=True)
    if block:
        demo.block_thread()
    return demo
