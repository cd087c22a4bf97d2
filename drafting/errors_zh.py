"""Pydantic's validation errors in Chinese: one line per field, for the API's 422s, items and corpus files.

Pydantic writes its messages in English ("Input should be …", "2 validation errors for Issue"); a person at the
keyboard reads Chinese. Each known error type gets its Chinese sentence; a validator's own (Chinese) message is
kept as it is; anything unforeseen is named by its field only, never in English.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

FIELD_NAMES = {
    "section": "栏目", "title": "标题", "body": "正文", "date": "日期", "commentary": "短评", "sources": "来源",
    "item": "条目", "text": "原文", "variants": "稿数", "model": "模型", "offline": "离线", "save": "保存",
    "q": "检索词", "k": "结果数", "date_from": "起始日期", "date_to": "截止日期", "with_commentary": "只要带短评",
    "id": "id", "items": "条目列表", "period": "期号", "issue": "所属期刊",
}


def _where(loc: Iterable[Any]) -> str:
    parts = [str(p) for p in loc if p not in ("body", "query", "path", "header")] or [str(p) for p in loc]
    return ".".join(FIELD_NAMES.get(p, p) for p in parts) or "请求"


def _sentence(error: Mapping[str, Any]) -> str:
    kind = str(error.get("type", ""))
    ctx = error.get("ctx") or {}
    if kind == "value_error" and ctx.get("error") is not None:
        return str(ctx["error"])  # our validators already speak Chinese
    if kind == "missing":
        return "缺少该项"
    if kind in ("string_too_long", "too_long"):
        return f"过长（最多 {ctx.get('max_length')} {'字' if kind == 'string_too_long' else '项'}）"
    if kind in ("string_too_short", "too_short"):
        return "不能为空" if ctx.get("min_length") in (None, 1) else f"过短（至少 {ctx.get('min_length')}）"
    if kind == "literal_error":
        return f"只能是 {ctx.get('expected', '').replace(' or ', '、')}".replace("'", "")
    if kind in ("int_parsing", "int_type", "int_from_float"):
        return "应为整数"
    if kind in ("float_parsing", "float_type"):
        return "应为数字"
    if kind in ("greater_than_equal", "greater_than"):
        return f"不能小于 {ctx.get('ge', ctx.get('gt'))}"
    if kind in ("less_than_equal", "less_than"):
        return f"不能大于 {ctx.get('le', ctx.get('lt'))}"
    if kind in ("bool_parsing", "bool_type"):
        return "应为 true 或 false"
    if kind in ("string_type", "string_sub_type"):
        return "应为文字"
    if kind in ("dict_type", "model_type", "model_attributes_type"):
        return "应为对象（{…}）"
    if kind == "list_type":
        return "应为列表（[…]）"
    if kind in ("json_invalid", "json_type"):
        return "不是有效的 JSON"
    if kind == "recursion_loop":
        return "嵌套层数过深"
    return "取值无效"


def field_errors(errors: Iterable[Mapping[str, Any]], limit: int = 5) -> str:
    """「字段：原因」 joined by 「；」, at most ``limit`` of them (the rest counted)."""
    lines = [f"{_where(e.get('loc', ()))}：{_sentence(e)}" for e in errors]
    shown = "；".join(dict.fromkeys(lines[:limit]))
    return shown + (f"；另有 {len(lines) - limit} 处" if len(lines) > limit else "")


DISK_FULL = "磁盘空间不足（或超出配额）：请清理磁盘后重试。已有数据与索引完好，无需删除或重建"


def is_disk_full(exc: BaseException) -> bool:
    """True for SQLite's / Chroma's "database or disk is full" and for ENOSPC/EDQUOT, however wrapped."""
    seen: BaseException | None = exc
    for _ in range(5):
        if seen is None:
            break
        if getattr(seen, "errno", None) in (28, 122) or "disk is full" in str(seen).lower() \
                or "no space left" in str(seen).lower():
            return True
        seen = seen.__cause__ or seen.__context__
    return False
