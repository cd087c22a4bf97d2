"""Raw-text clean-up: datelines, 【…】 outlet tags, repeated dates, stray connectives and page furniture.

Pasted news and web pages carry the outlet's wrapping (新华社北京10月25日电, 36氪获悉, 【36氪独家】, 责任编辑,
分享到); left in, it ends up in the item's title and body and then in the 短评. Clear rules are enough here.
"""

from __future__ import annotations

import re
import unicodedata

_OUTLETS = (r"新华社|中新社|中新网|人民网|人民日报|央视新闻|央视网|新华网|光明网|澎湃新闻|界面新闻|财联社|证券时报|上海证券报|"
            r"中国证券报|经济观察报|21世纪经济报道|第一财经|每日经济新闻|北京商报|36氪|亿欧|投资界|IT之家|钛媒体|雷锋网|"
            r"中国基金报|科创板日报|华尔街见闻|新浪科技|腾讯科技|网易科技")
_DATE = r"(?:\d{4}\s*年\s*)?\d{1,2}\s*月\s*\d{1,2}\s*日"
_FULL_DATE = re.compile(r"\d{4}\s*年\s*\d{1,2}\s*月\s*\d{1,2}\s*日")
_DATELINE = re.compile(
    rf"(?:(?:{_OUTLETS})(?:记者)?[\u4e00-\u9fff]{{0,6}}?{_DATE}\s*(?:电|讯|消息)(?:\s*[（(]记者[^）)]{{1,20}}[）)])?\s*[，,：:]?)"
    rf"|(?:[（(]\s*(?:{_OUTLETS})?\s*记者\s*[\u4e00-\u9fff·\s]{{2,12}}[）)])"
    rf"|(?:(?:据|来源[：:])?\s*(?:{_OUTLETS})\s*(?:消息|报道|获悉|讯|独家获悉|了解到)\s*[，,：:]?)"
    rf"|(?:(?:本报|本刊)?记者\s*[\u4e00-\u9fff·]{{2,4}}\s*(?:报道|摄|采写)\s*[，,：:]?)"
)
_TAG = re.compile(r"【[^【】\n]{1,20}】|\[[^\[\]\n]{1,12}(?:独家|快讯|速递)\]")
_TITLE_PREFIX = re.compile(r"^(?:独家|快讯|重磅|突发|首发|最新)\s*[丨|｜:：]\s*")
_TITLE_TAIL = re.compile(r"[，,、]\s*[^，,]{0,30}(?:领投|跟投|参投|独家投资|独家获悉|获悉)[^，,]{0,10}$")
_FURNITURE = re.compile(
    r"^\s*(?:第\s*\d+\s*页(?:\s*[/，,]?\s*共\s*\d+\s*页)?|[-—－]\s*\d+\s*[-—－]|\d+\s*/\s*\d+|"
    r"(?:责任编辑|编辑|校对|审核|来源|作者|原标题|图片来源|文章来源)\s*[：:].{0,40}|"
    r"(?:分享到|扫一扫|打印本页|关闭窗口|返回顶部|【?字体[：:].{0,10}|点击进入|阅读原文|相关阅读|推荐阅读|免责声明).{0,40}|"
    r"(?:首页|当前位置)\s*[>＞].{0,80})\s*$"
)
_CONNECTIVE = re.compile(r"^(?:提出|同时|此外|另外|另悉|据悉|据了解|据介绍|其中|对此|而|并且|并|且)\s*[，,]?")


def _fold(text: str) -> str:
    return unicodedata.normalize("NFKC", text)


def drop_furniture(text: str) -> str:
    """Lines that are page furniture (page numbers, 责任编辑, 分享到, breadcrumbs) removed."""
    return "\n".join(ln for ln in text.splitlines() if not _FURNITURE.match(_fold(ln)))


def strip_datelines(text: str) -> str:
    """新华社北京10月25日电, 36氪获悉, （记者 张三）, 据X报道 and 【…】 tags removed."""
    text = _TAG.sub("", text)
    return _DATELINE.sub("", text)


def dedupe_dates(text: str) -> str:
    """A full date repeated within a few characters (2023年10月25日，…2023年10月25日，) kept once."""
    def once(m: re.Match[str]) -> str:
        return m.group(1)

    pattern = re.compile(rf"(({_FULL_DATE.pattern})\s*[，,]?\s*)(?:[^。；\n]{{0,6}}?)\2\s*[，,]?")
    previous = None
    while previous != text:
        previous = text
        text = pattern.sub(once, text)
    return text


def strip_connective(sentence: str) -> str:
    """A leading connective (提出, 同时, 据悉 …) that no longer connects to anything, removed."""
    date = _FULL_DATE.match(sentence)
    head = sentence[: date.end()] if date else ""
    rest = sentence[len(head):].lstrip("，, ")
    rest = _CONNECTIVE.sub("", rest, count=1)
    return f"{head}，{rest}" if head and rest else head + rest


def clean_title(title: str) -> str:
    """The headline without outlet tags and investor tails: who did what (零数科技完成数亿元C轮融资)."""
    title = _fold(title).strip()
    title = _TAG.sub("", title)
    title = _TITLE_PREFIX.sub("", title).strip()
    title = _TITLE_TAIL.sub("", title)
    return title.strip(" ，,：:丨|")


# A line that stops inside a sentence: it holds a clause (a comma) or ends on a comma, yet ends no sentence.
_MID_SENTENCE = re.compile(r"(?:[,，、]|[,，][^。！？；;：:!?]*[\u4e00-\u9fff\d%])$")
_ENDS = re.compile(r"[。！？；;：:!?”」』)）》]$")
_BLOCK = re.compile(r"^(?:[一二三四五六七八九十]+、|[(（][一二三四五六七八九十\d]+[)）]|第[一二三四五六七八九十百\d]+[条章节]|\d+[.．、]|"
                    r"附件|(?:\d{4}\s*年\s*)?\d{1,2}\s*月\s*\d{1,2}\s*日?$|[^，,。]{0,20}(?:各|致)[^，,。]{0,30}[:：]$)")
_CJK_EDGE = re.compile(r"[\u4e00-\u9fff\d%,，、]$")
_CJK_START = re.compile(r"^[\u4e00-\u9fff\d,，、。]")


def join_wrapped(lines: list[str]) -> list[str]:
    """Lines wrapped inside a sentence (a scan's or a narrow page's text) joined into one, so no clause is lost.

    A line is continued by the next when it stops mid-sentence: it ends on a comma, or holds a clause (a comma)
    and ends on a character or a figure without closing a sentence (…，提出 / …，培育10). Headings, list items,
    date lines and the headline (the first line, which may hold a comma) stay lines; Latin text is never glued.
    """
    out: list[str] = []
    open_line = False  # the last kept line stops mid-sentence and the next line continues it
    first = True
    for line in lines:
        if open_line and line and _CJK_START.match(line) and not _BLOCK.match(line):
            out[-1] += line
        else:
            out.append(line)
            if not line:
                open_line = False
                continue
        last = out[-1]
        open_line = (not first and not _ENDS.search(last) and not _BLOCK.match(last) and bool(_CJK_EDGE.search(last))
                     and bool(_MID_SENTENCE.search(last)))
        first = False
    return out


def clean_raw(text: str) -> str:
    """Raw pasted text with furniture, datelines, tags and repeated dates removed; paragraphs kept, wrapped lines joined."""
    text = drop_furniture(_fold(text).replace("\r\n", "\n"))
    lines = join_wrapped([dedupe_dates(strip_datelines(line)).strip() for line in text.splitlines()])
    # joined first: a wrapped line opening with 提出 continues its sentence, it does not open a new one
    lines = [strip_connective(line) if line else line for line in lines]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()
