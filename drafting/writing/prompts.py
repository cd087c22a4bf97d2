"""Prompt files in prompts/: loaded with their version, rendered strictly, with pasted text fenced off."""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import jinja2
from jinja2 import meta

from drafting.errors import ConfigError
from drafting.fence import fence, neutralise

__all__ = ["Prompt", "fence", "load_prompt", "load_prompts", "neutralise"]

logger = logging.getLogger(__name__)

PROMPT_NAMES = ("style_guide", "commentary", "item_from_raw", "profile")
_FRONT = re.compile(r"\A---\s*\n(.*?)\n---\s*\n", re.DOTALL)


@dataclass(frozen=True)
class Prompt:
    """One prompt file: its name, version, metadata and jinja2 template text."""

    name: str
    version: str
    text: str
    path: Path
    meta: dict[str, str]

    @property
    def variables(self) -> set[str]:
        """Names the template needs; rendering without any of them raises."""
        return meta.find_undeclared_variables(_env().parse(self.text))

    @property
    def label(self) -> str:
        """`name@version`, recorded in every Draft."""
        return f"{self.name}@{self.version}"

    def render(self, **values: Any) -> str:
        """Render strictly: a missing variable raises ConfigError naming the file and the variable."""
        missing = sorted(self.variables - values.keys())
        if missing:
            raise ConfigError(f"提示词文件 {self.path} 缺少变量：{', '.join(missing)}（请检查模板或调用方传入的值）")
        try:
            return _compiled(self.text).render(**values).strip() + "\n"
        except jinja2.UndefinedError as exc:  # e.g. an attribute missing on a passed object
            raise ConfigError(f"提示词文件 {self.path} 渲染失败：{exc}") from exc
        except jinja2.TemplateError as exc:
            raise ConfigError(f"提示词文件 {self.path} 模板有误：{exc}") from exc


@lru_cache(maxsize=1)
def _env() -> jinja2.Environment:
    # StrictUndefined: `{{ x }}` with x missing raises instead of printing nothing.
    return jinja2.Environment(undefined=jinja2.StrictUndefined, autoescape=False, keep_trailing_newline=True)


@lru_cache(maxsize=32)
def _compiled(text: str) -> jinja2.Template:
    # Compiling costs ~10 ms per render; the files change only between runs.
    return _env().from_string(text)


def _parse_front_matter(text: str) -> tuple[dict[str, str], str]:
    m = _FRONT.match(text)
    if not m:
        return {}, text
    fields: dict[str, str] = {}
    for line in m.group(1).splitlines():
        if ":" in line:
            key, value = line.split(":", 1)
            fields[key.strip()] = value.strip()
    return fields, text[m.end():]


def load_prompt(prompts_dir: Path, name: str) -> Prompt:
    """Read prompts/<name>.md; ConfigError when it is missing, unversioned or not valid jinja2."""
    path = Path(prompts_dir) / f"{name}.md"
    if not path.is_file():
        raise ConfigError(f"找不到提示词文件 {path}：请检查 DRAFTING_PROMPTS_DIR（当前 {prompts_dir}）")
    fields, body = _parse_front_matter(path.read_text(encoding="utf-8"))
    version = fields.get("version")
    if not version:
        raise ConfigError(f"提示词文件 {path} 缺少版本号：请在文件开头加入 front matter（---\\nversion: 1\\n---）")
    try:
        _env().parse(body)
    except jinja2.TemplateSyntaxError as exc:
        raise ConfigError(f"提示词文件 {path} 第 {exc.lineno} 行模板语法有误：{exc.message}") from exc
    return Prompt(name=name, version=version, text=body, path=path, meta=fields)


def load_prompts(prompts_dir: Path) -> dict[str, Prompt]:
    """All prompt files the drafter uses, by name."""
    return {name: load_prompt(prompts_dir, name) for name in PROMPT_NAMES}
