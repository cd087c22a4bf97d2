"""One reader for every source (paste, link, attachment, DOCX/WPS, scan, photo): a Chinese policy text → `Document`.

Title, issuers, published and effective dates, 文号, key figures, main tasks and the clean text are read here once;
the item, the profile, the prompt and the fact guard all start from them (and from the editor's corrections on the
source card), so one wrong reading is fixed in one place. Rules, not a model: the forms are few and formal.
"""

from __future__ import annotations

import re
import unicodedata

import cn2an
from pydantic import BaseModel, Field

from drafting.sources import dates
from drafting.sources.cleanup import strip_datelines
from drafting.sources.convert import for_drafting, is_traditional, to_simplified
from drafting.sources.figures import Figure, key_figures
from drafting.sources.issuers import is_org_line, issuers_of, lead_sentence

__all__ = ["CARD_FIELDS", "FIELDS", "Document", "Figure", "read_fields"]

FIELDS = ("title", "issuers", "published", "effective", "number", "figures")
# What the source card shows and the editor may correct (departments goes with issuers).
CARD_FIELDS = (*FIELDS, "departments")


class Document(BaseModel):
    """What was read out of a source; None/empty where it could not be read (never a guess)."""

    title: str | None = Field(None, description="the document's name (without 《》), or a news headline")
    issuers: list[str] = Field(default_factory=list, description="issuing bodies as written; for news the company/organiser")
    departments: int | None = Field(None, description="N of 'X等N部门' when the text counts the issuers")
    published: str | None = Field(None, description="YYYY-MM-DD: page date, 落款 or 成文日期")
    effective: str | None = Field(None, description="YYYY-MM-DD from 自…起施行")
    number: str | None = Field(None, description="文号, brackets as 〔〕: 工信部联电子〔2023〕12号")
    figures: list[Figure] = Field(default_factory=list)
    tasks: list[str] = Field(default_factory=list, description="main tasks: the 一、二、… headings or 一是…二是…")
    kind: str = Field("policy", description="policy | news | deal")
    text: str = Field("", description="the text without page furniture, salutations and 主送 lines")

    def issuer_label(self) -> str | None:
        """The issuer as an item names it: 'A' / 'A、B' / 'A等5部门'."""
        if not self.issuers:
            return None
        count = max(self.departments or 0, len(self.issuers))
        if count > 2:  # the house names the lead body: 工业和信息化部等五部门
            return f"{self.issuers[0]}等{cn2an.an2cn(count) if count <= 10 else count}部门"
        return "、".join(self.issuers)

    def card(self) -> dict[str, object]:
        """The JSON shape of `"document"` in `drafting fetch --json` / `drafting draft --raw --json`."""
        return {"title": self.title, "issuers": list(self.issuers), "published": self.published,
                "effective": self.effective, "number": self.number,
                "figures": [f.model_dump() for f in self.figures]}


_WIDE = {c: unicodedata.normalize("NFKC", chr(c)) for c in (*range(0xFF10, 0xFF1A), *range(0xFF21, 0xFF3B),
                                                          *range(0xFF41, 0xFF5B), 0xFF05, 0xFF0E)}


def fold(text: str) -> str:
    """Full-width digits, letters, ％ and ． as ASCII; Chinese punctuation （），。 kept as the house writes it."""
    return text.translate(_WIDE)


# --- page furniture -------------------------------------------------------------------------------------------------

_FURNITURE = re.compile(
    r"^\s*(?:"
    r"(?:发布时间|发布日期|发文日期|成文日期|时间|日期|来源|信息来源|浏览次数|阅读次数|访问量|点击数|索引号|主题分类|发文机关|发布机构|"
    r"发文字号|文号|责任编辑|编辑|作者|字号|分享到|分享|打印|关闭|主送|抄送|附件下载|【?字体)\s*[:：]?.*"
    r"|.*(?:浏览次数|阅读次数|访问量)\s*[:：]\s*\d+.*"
    r"|【?\s*(?:打印(?:本页|此页)?|关闭(?:窗口|本页)?|返回顶部|分享到|收藏|字号\s*[:：]?\s*[大中小\s]*)\s*】?"
    r"(?:\s*【?\s*(?:打印(?:本页|此页)?|关闭(?:窗口|本页)?|返回顶部|分享到|收藏|[大中小])\s*】?)*"
    r"|(?:[【\[]?\s*(?:字号|字体)\s*[:：]?\s*[大中小\s]*[】\]]?|[【\[]?\s*(?:打印(?:本页|此页)?|关闭(?:窗口|本页)?|返回顶部|收藏|"
    r"分享到\s*[:：]?.*|加入收藏|列印|分享|返回|点赞|在看|阅读原文|复制链接|微信|微博)\s*[】\]]?\s*)+"
    r"|—+\s*END\s*—+|点击上方.{0,10}关注.*|原创\s.{0,40}发表于.{0,10}|[（(]\s*(?:责任编辑|编辑)[:：].{0,20}[）)]"
    r"|(?:首页|当前位置|您当前的位置)\s*[>＞:：].*"
    r"|扫一扫.*|相关阅读.*|相关链接.*|上一篇.*|下一篇.*"
    r"|\d{4}[-/.]\d{1,2}[-/.]\d{1,2}\s*[，,]?"  # a bare page date line (fetch put one above the text)
    r")\s*$"
)
# 各省、自治区、直辖市…：/ 各有关单位： — the addressees of a 通知, not its content.
_SALUTATION = re.compile(r"^\s*(?:各[^。；\n]{1,120}[:：]|致\s*[:：].{0,60})\s*$")
_CONTENT_LABELS = re.compile(r"^\s*(?:标题|名称)\s*[:：]\s*")


def clean_text(text: str) -> str:
    """Furniture, salutations and 主送 lines removed; NFKC-folded digits; paragraphs kept."""
    text = fold(text).replace("\r\n", "\n").replace("\u3000", " ")
    kept = []
    for line in text.splitlines():
        if _FURNITURE.match(line) or _SALUTATION.match(line):
            continue
        kept.append(_CONTENT_LABELS.sub("", line).rstrip())
    text = re.sub(r"\n{3,}", "\n\n", "\n".join(kept)).strip()
    # OCR closes a “name” with an ASCII quote: “数链通" → “数链通”
    return re.sub(r"“([^“”\"\n]{1,40})\"", r"“\1”", text)


# --- title ------------------------------------------------------------------------------------------------------------

_FILE_NAME = re.compile(r"^[\w.\-()（）\s]{1,80}$|\.(?:pdf|docx?|wps|ofd|jpe?g|png|tiff?)$", re.IGNORECASE | re.ASCII)
_SITE_SPLIT = re.compile(r"\s*(?:_|｜|\||——|--| - | — )\s*")
_DOC = re.compile(r"《([^《》\n]{2,120})》")
_NOTICE = re.compile(r"关于(?:印发|发布|公布|转发)[“\"]?《?([^《》“”\"\n]{4,100}?)》?[”\"]?的(?:通知|公告|函)")
_HEADING_NAME = re.compile(r"^([^，。；：\n]{4,60}?(?:行动方案|实施方案|工作方案|行动计划|方案|计划|办法|意见|规定|指引|指南|细则|规划|条例|"
                           r"措施|决定|公告|通知|白皮书|报告)(?:[（(][^）)\n]{2,20}[）)])?)(?=[\u4e00-\u9fff\d])")
_DEAL_CUT = re.compile(r"[，,;；]\s*(?:本轮|本次|此轮|由|投资方|老股东|领投方)[^。]*$|[，,][^，,]{0,40}(?:领投|跟投|参投|跟)$")


def _usable(name: str | None) -> str | None:
    name = re.sub(r"\s+", " ", fold(name or "")).strip()
    if not name or _FILE_NAME.search(name) or not re.search(r"[\u4e00-\u9fff]{2}", name):
        return None  # a file name (att.pdf, 20240611123.pdf) is never a title
    return name


def deal_headline(title: str) -> str:
    """A deal headline without its investor list: 维境科技完成2亿元B轮融资, not …，本轮由红杉中国领投，高瓴创投跟."""
    return _DEAL_CUT.sub("", title).strip()


def _doc_name(line: str) -> str | None:
    """The document a notice heading issues (关于印发《X》的通知 → X), or a heading that is only 《X》."""
    m = _NOTICE.search(line)
    if m:
        return m.group(1).strip("《》")
    m = re.fullmatch(r"\s*《([^《》\n]{2,120})》\s*", line) or re.search(r"(?:印发|发布|出台|公布)《([^《》\n]{2,120})》", line)
    return m.group(1) if m else None


def _title(text: str, html_title: str | None, link_text: str | None, kind: str) -> str | None:
    for given in (link_text, html_title):
        name = _usable(given)
        if name is None:
            continue
        name = max(_SITE_SPLIT.split(name), key=len) if given is html_title else name  # minus the site's name
        whole = re.fullmatch(r"《([^《》]+)》", name.strip())
        return _doc_name(name) or (whole.group(1) if whole else name.strip())
    lines = [ln.strip() for ln in text.splitlines() if ln.strip()]
    # A rule or ornament read by OCR (一一一王一一) is no heading.
    while len(lines) > 1 and len(set(re.sub(r"\s", "", lines[0]))) <= 3:
        lines = lines[1:]
    if kind == "policy":  # the 发文机关 lines above a heading (广州市黄埔区工业和信息化局) are not its title
        while len(lines) > 1 and is_org_line(lines[0]) and not _doc_name(lines[0]):
            lines = lines[1:]
    head = lines[0] if lines else ""
    n = 1
    # A heading wrapped over two lines (PDF, DOCX): joined while a 《 is open or the next line is its short tail.
    while n < len(lines) and n <= 2 and (head.count("《") > head.count("》") or head.endswith(("，", "、")) or (
            len(head) >= 20 and len(lines[n]) <= 30 and not re.search(r"[。：:；，,]|〔\d|\[\d|^\s*\d{4}\s*[年\-/.]|^各|^致|号$", lines[n]))):
        head += lines[n]
        n += 1
    if kind == "policy":
        if len(head) <= 120 and not re.search(r"[。！？]$", head):
            return _doc_name(head) or head
        found = _doc_name(text[:400])
        if found:
            return found
    if kind != "policy":  # 新华社北京10月25日电, 【36氪独家】, 36氪首发｜ are no part of a headline
        head = re.sub(r"^[^|｜\s]{1,10}\s*[|｜]\s*", "", strip_datelines(head)).strip()
    if kind == "policy" and (named := _HEADING_NAME.match(head)) and len(head) > len(named.group(1)):
        return named.group(1)  # a heading run into the first sentence (PDF text): up to the document kind
    if head and len(head) <= 80 and not re.search(r"[。！？；]$", head):
        return head  # a deal's headline whole: the item's title is cut to who did what (deal_headline), not this
    if head:
        first = re.split(r"[。！？]", head)[0]
        return first[:60] if first else None
    return None


# --- 文号 -------------------------------------------------------------------------------------------------------------

_NUMBER = re.compile(
    r"([\u4e00-\u9fff]{1,14}?)\s*[〔\[［【(（]\s*((?:19|20)\d{2})\s*[〕\]］】)）]\s*(\d{1,4})\s*号"
    r"|([\u4e00-\u9fff]{0,14}?公告)\s*((?:19|20)\d{2})\s*年\s*第\s*(\d{1,4})\s*号"
    r"|(?<![\u4e00-\u9fff])([\u4e00-\u9fff]{2,20}令)\s*第\s*(\d{1,4})\s*号"  # 国家互联网信息办公室令第3号
)


def doc_number(text: str) -> str | None:
    """The first 文号 (国办发〔2023〕12号; [2024] and （2024） read as 〔2024〕)."""
    for m in _NUMBER.finditer(text[:3000] + "\n" + text[-800:]):
        if m.group(1) is not None:
            agency = re.sub(r"^(?:文号|发文字号|字号|根据|依据|按照)", "", m.group(1))
            if agency:
                return f"{agency}〔{m.group(2)}〕{m.group(3)}号"
        elif m.group(4) is not None:
            return f"{m.group(4)}{m.group(5)}年第{m.group(6)}号"
        else:
            return f"{m.group(7)}第{m.group(8)}号"
    return None


# --- tasks ------------------------------------------------------------------------------------------------------------

_NUMERAL = "一二三四五六七八九十"
_HEADING = re.compile(rf"(?:^|\n|。)\s*([{_NUMERAL}]{{1,3}})\s*、\s*([^。\n；：:]{{2,30}})")
_IS = re.compile(rf"(?:^|[：:；;。，,\n])\s*([{_NUMERAL}]{{1,2}})是\s*([^；;。\n]{{2,60}})")


def main_tasks(text: str) -> list[str]:
    """一、总体要求 … 四、保障措施 headings, else 一是…；二是… clauses (the plan's main tasks, in order)."""
    found = [m.group(2).strip() for m in _HEADING.finditer(text)]
    if len(found) < 2:
        found = [m.group(2).strip() for m in _IS.finditer(text)]
    return list(dict.fromkeys(found))[:12] if len(found) >= 2 else []


# --- the reader -------------------------------------------------------------------------------------------------------


def _kind(text: str, hint: str | None) -> str:
    if hint in ("policy", "news", "deal"):
        return hint
    if hint in ("政策速递", "行业新闻", "交易资讯"):
        return {"政策速递": "policy", "行业新闻": "news", "交易资讯": "deal"}[hint]
    head = text[:1500]
    first = head.split("\n", 1)[0]
    if re.search(r"(?:完成|获得?|宣布)[^。\n]{0,20}(?:融资|轮)|领投|跟投|并购|收购", first + head[:300]) \
            and not re.search(r"关于印发|的通知|《[^》]*(?:办法|方案|意见|规定|条例)》", first):
        return "deal"
    if re.search(r"关于印发|印发|通知|办法|意见|方案|规划|条例|指引|指南|规定|公告|征求意见|倡议|风险提示|〔\d{4}〕|施行|发文机关|"
                 r"通函|通告|声明|宣言", head):
        return "policy"
    return "news"


def read_fields(text: str, *, html_title: str | None = None, link_text: str | None = None, page_date: str | None = None,
                kind_hint: str | None = None) -> Document:
    """Read title, issuers, dates, 文号, figures and main tasks out of one source's text.

    html_title: the page's <h1>/<title>; link_text: the text of the link an attachment was opened from (it names the
    document better than its file name); page_date: the date the page shows (any common form); kind_hint: policy /
    news / deal or a section name, when known.
    """
    original = clean_text(text or "")
    clean = original
    # A Traditional passage anywhere (a Hong Kong outlet's body under a Simplified headline) is read in Simplified:
    # the fields go into a Simplified newsletter, and the date/issuer rules are written in Simplified. The text itself
    # stays as published (its conversion, and whether 《titles》 keep their script, is the drafter's choice).
    if any(is_traditional(p) for p in re.split(r"\n\s*\n|\n", clean) if len(p) >= 20):
        clean = to_simplified(clean).replace("衞", "卫")  # a variant OpenCC's t2s leaves (国家衞生健康委)
    kind = _kind(f"{html_title}\n{clean}" if html_title else clean, kind_hint)
    # The page's title or the link text may be Traditional although no paragraph was (a Hong Kong regulator's page):
    # each Traditional passage of the title is read in Simplified too, its Simplified passages left as they are.
    title = _title(clean, html_title, link_text, kind)
    title = for_drafting(title).text if title else title
    issuers, count = issuers_of(clean, kind, title)
    issuers = [for_drafting(name).text for name in issuers]
    published = dates.published(clean, page_date, kind, raw=text or "")
    effective = dates.effective(clean, published)
    return Document(
        title=title, issuers=issuers, departments=count, published=published, effective=effective,
        number=doc_number(clean), figures=key_figures(clean), tasks=main_tasks(clean), kind=kind, text=original,
    )


def opening(doc: Document) -> str | None:
    """The sentence that says who issued what and when (for the body's first sentence)."""
    return lead_sentence(doc.text)
