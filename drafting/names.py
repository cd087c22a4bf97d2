"""Names that become paths: issue ids, item ids, batch ids and file names are checked here, in one place.

Anything a user or a file supplies (an issue JSON's ``id``, an uploaded file's name, ``--batch-id``) may end up
as part of a path under ``corpus/`` or ``data/``; it must never climb out of its folder, hide itself (a
leading dot), or be too long for the file system.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata

# Most Linux/macOS file systems cap one name at 255 bytes; leave room for a suffix, a hash and a temp prefix.
MAX_NAME_BYTES = 180
_FORBIDDEN = re.compile(r"[/\\\x00-\x1f\x7f:*?\"<>|]")
# Invisible or direction-changing characters (U+202E turns "x\u202egnp.exe" into what looks like "xexe.png"):
# format, control, separator, private-use and unpaired-surrogate categories.
_INVISIBLE = frozenset({"Cc", "Cf", "Zl", "Zp", "Co", "Cs"})


def _has_invisible(name: str) -> bool:
    return any(unicodedata.category(ch) in _INVISIBLE for ch in name)


def name_problem(name: str) -> str | None:
    """Why ``name`` cannot be used as one path component (in Chinese), or None when it can."""
    if not isinstance(name, str) or not name.strip():
        return "不能为空"
    if name != name.strip():
        return "首尾不能有空格"
    if name.startswith("."):
        return "不能以“.”开头（会成为隐藏文件或指向上级目录）"
    if _FORBIDDEN.search(name):
        return "不能含有 / \\ : * ? \" < > | 或控制字符（会被当作路径）"
    if _has_invisible(name):
        return "不能含有不可见字符或改变文字方向的控制字符（如 U+202E，会让文件名显示成别的样子）"
    if len(name.encode("utf-8", "surrogatepass")) > MAX_NAME_BYTES:
        return f"过长（超过 {MAX_NAME_BYTES} 字节）"
    return None


def check_name(name: str, what: str) -> str:
    """``name`` unchanged when it is a safe single path component; ValueError (Chinese) otherwise."""
    problem = name_problem(name)
    if problem:
        raise ValueError(f"{what}「{str(name)[:60]}」无效：{problem}")
    return name


def safe_stem(stem: str, *, limit: int = MAX_NAME_BYTES) -> str:
    """A file stem made safe and short: forbidden characters replaced, long names cut with a hash kept."""
    stem = unicodedata.normalize("NFC", stem)
    cleaned = "".join("_" if unicodedata.category(ch) in _INVISIBLE else ch for ch in _FORBIDDEN.sub("_", stem))
    cleaned = cleaned.strip().lstrip(".") or "file"
    if len(cleaned.encode("utf-8")) <= limit:
        return cleaned
    digest = hashlib.sha1(stem.encode("utf-8", "surrogatepass")).hexdigest()[:8]
    cut = cleaned.encode("utf-8")[: limit - 9].decode("utf-8", "ignore")
    return f"{cut}_{digest}"
