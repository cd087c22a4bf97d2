"""The watch list: a TOML file kept with the corpus (``<corpus_dir>/watch.toml``), edited by hand, CLI or 设置.

The file starts as a copy of ``presets.toml`` (shipped in the package): every regulator preset is commented out and
marked unverified. Edits go through tomlkit so the firm's comments and commented presets survive a ``watch add`` or
the ``verified = true`` a successful run writes back.
"""

from __future__ import annotations

import hashlib
import importlib.resources
import os
import re
import tempfile
import tomllib
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import tomlkit
from lxml.cssselect import CSSSelector, SelectorError

from drafting.errors import StorageError, ValidationError
from drafting.watch.entry import WatchSource

_EVERY = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(s|秒|m|min|分钟?|h|小时|d|天)?\s*$", re.IGNORECASE)
_UNIT = {"s": 1, "秒": 1, "m": 60, "min": 60, "分": 60, "分钟": 60, "h": 3600, "小时": 3600, "d": 86400, "天": 86400}
_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")
_MIN_EVERY = 300  # a regulator's list page is not polled more often than every five minutes
_KEYS = {"id", "name", "url", "kind", "selector", "date_selector", "every", "encoding", "verified", "enabled"}


def template() -> str:
    """The commented presets a new watch list starts from."""
    return importlib.resources.files("drafting.watch").joinpath("presets.toml").read_text(encoding="utf-8")


def parse_every(text: str | int) -> int:
    """'6h', '30m', '1d', '90s' (or a number of seconds) as seconds; ValidationError in Chinese otherwise."""
    if isinstance(text, int):
        seconds = text
    else:
        m = _EVERY.match(str(text))
        if not m:
            raise ValidationError(f"间隔「{str(text)[:20]}」无效：请写成 30m、6h、1d 这样的形式")
        seconds = int(float(m.group(1)) * _UNIT[(m.group(2) or "s").lower()])
    if seconds < _MIN_EVERY:
        raise ValidationError(f"间隔不能短于 {_MIN_EVERY // 60} 分钟（对方网站会把频繁访问当作攻击）")
    return seconds


def format_every(seconds: int) -> str:
    """Seconds as the shortest whole unit: 21600 → '6h'."""
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60)):
        if seconds % size == 0:
            return f"{seconds // size}{unit}"
    return f"{seconds}s"


def _check_url(url: str) -> str:
    url = url.strip()
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - a bad port raises here
    except ValueError as exc:
        raise ValidationError(f"网址「{url[:200]}」格式有误") from exc
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValidationError(f"网址「{url[:200]}」不是 http(s) 网址：请填写完整网址（以 http:// 或 https:// 开头）")
    return url


def _check_selector(css: str | None, what: str) -> str | None:
    if css is None or not css.strip():
        return None
    try:
        CSSSelector(css, translator="html")
    except SelectorError as exc:
        raise ValidationError(f"{what}「{css[:100]}」不是有效的 CSS 选择器") from exc
    return css.strip()


def source_from(table: Mapping[str, Any], where: str = "") -> WatchSource:
    """One [[source]] table as a WatchSource; ValidationError naming the field otherwise."""
    at = f"{where}：" if where else ""
    unknown = set(table) - _KEYS
    if unknown:
        raise ValidationError(f"{at}不认识的字段 {', '.join(sorted(unknown))}（可用：{', '.join(sorted(_KEYS))}）")
    for field in ("id", "url"):
        if not isinstance(table.get(field), str) or not table[field].strip():
            raise ValidationError(f"{at}缺少 {field}")
    sid = str(table["id"]).strip()
    if not _ID.match(sid):
        raise ValidationError(f"{at}id「{sid[:64]}」只能用字母、数字、-、_ 和 .")
    kind = table.get("kind", "feed")
    if kind not in ("feed", "list"):
        raise ValidationError(f"{at}kind 只能是 \"feed\" 或 \"list\"")
    selector = _check_selector(table.get("selector"), f"{at}条目选择器")
    if kind == "list" and not selector:
        raise ValidationError(f"{at}列表页（kind = \"list\"）需要 selector：选出一条条目的 CSS 选择器")
    every = table.get("every", "6h")
    return WatchSource(
        id=sid, name=str(table.get("name") or sid), url=_check_url(str(table["url"])), kind=kind, selector=selector,
        date_selector=_check_selector(table.get("date_selector"), f"{at}日期选择器"),
        every_seconds=parse_every(every if isinstance(every, int | str) else str(every)),
        encoding=table.get("encoding") or None, verified=bool(table.get("verified", False)),
        enabled=bool(table.get("enabled", True)),
    )


def parse(text: str) -> list[WatchSource]:
    """The sources a watch-list text declares; ValidationError (Chinese) for bad TOML, fields or repeated ids."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ValidationError(f"关注列表不是有效的 TOML：{exc}") from exc
    tables = data.get("source", [])
    if not isinstance(tables, list):
        raise ValidationError("关注列表的来源要写成 [[source]] 段")
    sources = [source_from(t, f"第 {n} 个来源") for n, t in enumerate(tables, 1)]
    seen: set[str] = set()
    for s in sources:
        if s.id in seen:
            raise ValidationError(f"来源 id「{s.id}」重复：每个来源的 id 必须不同")
        seen.add(s.id)
    return sources


def read_text(path: Path) -> str:
    """The file's text, or the commented presets when there is no watch list yet."""
    return path.read_text(encoding="utf-8") if path.exists() else template()


def load(path: Path) -> list[WatchSource]:
    """The sources of the watch list (none when the file does not exist yet)."""
    if not path.exists():
        return []
    try:
        return parse(path.read_text(encoding="utf-8"))
    except ValidationError as exc:
        raise ValidationError(f"{path.name}：{exc}") from exc


def write_text(path: Path, text: str) -> list[WatchSource]:
    """Replace the watch list with this text after checking it (the 设置 page's save); nothing is written if bad."""
    sources = parse(text)
    _write(path, text)
    return sources


def _write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        fd, tmp = tempfile.mkstemp(prefix=".watch-", suffix=".toml", dir=path.parent)
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except OSError as exc:
        raise StorageError(f"无法保存关注列表 {path.name}：{exc.strerror or exc}；原文件未改动") from exc


def new_id(url: str, taken: Iterable[str]) -> str:
    """An id from the host (gov.cn-1a2b3c): readable in reports, unique in the list."""
    host = (urlsplit(url).hostname or "source").removeprefix("www.")
    base = f"{host[:40]}-{hashlib.sha1(url.encode('utf-8')).hexdigest()[:6]}"
    taken = set(taken)
    sid, n = base, 2
    while sid in taken:
        sid, n = f"{base}-{n}", n + 1
    return sid


def add(path: Path, url: str, *, kind: str | None = None, selector: str | None = None, date_selector: str | None = None,
        every: str = "6h", name: str | None = None, encoding: str | None = None) -> WatchSource:
    """Append a source to the watch list (created from the presets if missing); comments are kept.

    ``kind`` defaults to a list page when a selector is given, a feed otherwise."""
    kind = kind or ("list" if selector else "feed")
    text = read_text(path)
    current = parse(text)
    url = _check_url(url)
    if any(s.url == url for s in current):
        raise ValidationError(f"关注列表中已有这个网址：{url[:200]}")
    table: dict[str, Any] = {"id": new_id(url, (s.id for s in current)), "name": name or urlsplit(url).hostname or url,
                             "url": url, "kind": kind}
    if selector:
        table["selector"] = selector
    if date_selector:
        table["date_selector"] = date_selector
    table["every"] = format_every(parse_every(every))
    if encoding:
        table["encoding"] = encoding
    table["verified"] = False
    source = source_from(table)
    doc = tomlkit.parse(text)
    sources = doc.get("source")
    if sources is None:
        doc.add(tomlkit.nl())
        sources = tomlkit.aot()
        doc.append("source", sources)
    item = tomlkit.table()
    for key, value in table.items():
        item.add(key, value)
    sources.append(item)
    _write(path, tomlkit.dumps(doc))
    return source


def remove(path: Path, source_id: str) -> None:
    """Take a source off the watch list (its entries stay in the inbox)."""
    doc = tomlkit.parse(read_text(path))
    sources = doc.get("source") or []
    keep = [t for t in sources if t.get("id") != source_id]
    if len(keep) == len(sources):
        raise ValidationError(f"关注列表中没有来源「{source_id[:64]}」")
    del doc["source"]
    if keep:
        aot = tomlkit.aot()
        for t in keep:
            aot.append(t)
        doc.append("source", aot)
    _write(path, tomlkit.dumps(doc))


def mark_verified(path: Path, source_ids: Iterable[str]) -> None:
    """Write verified = true for sources a run read successfully (no write when nothing changes)."""
    ids = set(source_ids)
    if not ids or not path.exists():
        return
    doc = tomlkit.parse(path.read_text(encoding="utf-8"))
    changed = False
    for table in doc.get("source") or []:
        if table.get("id") in ids and not table.get("verified", False):
            table["verified"] = True
            changed = True
    if changed:
        _write(path, tomlkit.dumps(doc))
