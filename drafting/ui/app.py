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

from drafting import maintenance
from drafting.errors import DraftingError
from drafting.services import Services, build_services
from drafting.settings import Settings
from drafting.ui import format as fmt

logger = logging.getLogger(__name__)

# Tab modules in page order. Each has TAB_ID, TAB_LABEL, build(ctx) and optionally wire(ctx) (run after every tab
# is built, for events that reach into other tabs). A tab that fails to import stops the app: a page quietly
# missing its 批量 tab would look like a working product.
TAB_MODULES = [
    "drafting.ui.draft_tab",
    "drafting.ui.batch_tab",
    "drafting.ui.history_tab",
    "drafting.ui.corpus_tab",
    "drafting.ui.settings_tab",
]

ALLOWED_UPLOADS = [".pdf", ".docx", ".md", ".markdown", ".txt", ".json", ".jsonl"]

CSS = """
.dz-prec {border:1px solid var(--border-color-primary); border-radius:8px; padding:6px 10px; margin:6px 0;}
.dz-prec summary {cursor:pointer; line-height:1.6;}
.dz-n {display:inline-block; min-width:1.6em; text-align:center; border-radius:4px; background:var(--color-accent-soft);}
.dz-meta, .dz-muted {color:var(--body-text-color-subdued); font-size:0.88em;}
.dz-comm {margin:6px 0; padding:6px 8px; background:var(--background-fill-secondary); border-left:3px solid var(--color-accent);}
.dz-body {white-space:pre-wrap; margin:6px 0; font-size:0.92em;}
.dz-dup {border:1px solid #f59e0b; background:#fffbeb; color:#92400e; border-radius:8px; padding:8px 12px; margin:6px 0;}
.dz-empty {color:var(--body-text-color-subdued);}
.dz-ok {color:#047857;}
.dz-findings ul {margin:4px 0 0 1.2em; padding:0;}
.dz-tag {display:inline-block; padding:0 6px; border-radius:4px; background:#fee2e2; color:#991b1b; font-size:0.85em;}
.dz-diff {margin:4px 0 8px 0; white-space:pre-wrap; line-height:1.7;}
.dz-diff del {background:#fee2e2; color:#991b1b;}
.dz-diff ins {background:#dcfce7; color:#166534; text-decoration:underline;}
.dz-item h3 {margin:0 0 4px 0;}
#dz-status {min-height:1.5em;}
"""


@dataclass
class UIContext:
    """What tab builders share: the services, and components other tabs may wire to."""

    services: Services
    demo: Any = None
    tabs: Any = None
    components: dict[str, Any] = field(default_factory=dict)

    def __getitem__(self, name: str) -> Any:
        return self.components[name]

    def add(self, **components: Any) -> None:
        """Register components under names other tabs can use."""
        self.components.update(components)


def guarded(n_outputs: int) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Show DraftingError as a Chinese warning and leave every output (the editor's text) as it was."""

    def deco(fn: Callable[..., Any]) -> Callable[..., Any]:
        @functools.wraps(fn)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            try:
                return fn(*args, **kwargs)
            except DraftingError as exc:
                logger.info("user error in %s: %s", fn.__name__, exc)
                gr.Warning(fmt.esc(exc))  # toasts render HTML; messages may quote file names or pasted text
            except Exception as exc:
                logger.exception("unexpected error in %s", fn.__name__)
                gr.Warning(f"出现内部错误（{type(exc).__name__}），您的文字未受影响；详情见服务器日志。")
            skips = tuple(gr.skip() for _ in range(n_outputs))
            return skips[0] if n_outputs == 1 else skips

        return wrapper

    return deco


def _tab_modules() -> list[ModuleType]:
    return [importlib.import_module(name) for name in TAB_MODULES]


def build_app(services: Services) -> gr.Blocks:
    """The whole page over the given services (tests mount it directly)."""
    ctx = UIContext(services=services)
    modules = _tab_modules()
    with gr.Blocks(title="植德短评起草", analytics_enabled=False, fill_width=True) as demo:
        ctx.demo = demo
        gr.Markdown("## 植德短评起草助手 <small>元宇宙 · Web3 · 区块链月刊</small>")
        with gr.Tabs() as tabs:
            ctx.tabs = tabs
            for module in modules:
                with gr.Tab(module.TAB_LABEL, id=module.TAB_ID):
                    module.build(ctx)
        for module in modules:
            if hasattr(module, "wire"):
                module.wire(ctx)
    demo.ui_context = ctx  # type: ignore[attr-defined]  # lets tests reach the registered components
    return demo


def theme() -> gr.themes.Base:
    """Local CJK fonts only: the machine is offline, so no web fonts are fetched."""
    fonts = ["Noto Sans CJK SC", "PingFang SC", "Microsoft YaHei", "sans-serif"]
    return gr.themes.Default(primary_hue="teal", font=fonts, font_mono=["Noto Sans Mono CJK SC", "monospace"])


def launch(settings: Settings, *, block: bool = True) -> gr.Blocks:
    """Build services, index the corpus, build the page and serve it (blocking unless block=False, for tests)."""
    logging.basicConfig(level=logging.WARNING, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    logging.getLogger("drafting").setLevel(logging.INFO)
    # Uploaded issues are confidential: keep Gradio's copies under the data folder, not in /tmp.
    os.environ.setdefault("GRADIO_TEMP_DIR", str(settings.data_dir / "uploads"))
    services = build_services(settings)
    print("正在索引语料库……", flush=True)
    issues, stats = services.ingest()
    # An accept killed between the database and the corpus write is finished here, before anyone drafts.
    drift = maintenance.check(services, repair=True)
    if drift.repaired:
        print(f"启动检查：{drift.summary()}", flush=True)
    print(f"语料库：{len(issues)} 期，索引 {services.index.count()} 条（新增 {stats.added}，更新 {stats.updated}）", flush=True)
    demo = build_app(services)
    server = settings.server
    auth = [(user, pw.get_secret_value()) for user, pw in server.users.items()] or None
    demo.queue(default_concurrency_limit=server.concurrency, max_size=max(16, server.concurrency * 8))
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
        prevent_thread_lock=not block,
    )
    return demo
