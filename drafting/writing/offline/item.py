"""The item in house form from a pasted or fetched text (title, ISO date, a 100–350 character body opening with
date and issuer): the first half of an offline draft, apart from the 短评 written on it (drafter.py)."""

from __future__ import annotations

import logging
import re

import jieba

from drafting.corpus.profile import guess_section
from drafting.errors import ValidationError
from drafting.models import Item, Section
from drafting.sources.cleanup import clean_raw, clean_title
from drafting.sources.reader import Document, deal_headline, read_fields
from drafting.sources.summary import digest
from drafting.writing.guard.check import short_names
from drafting.writing.offline.facts import SHORT, doc_title, issuer_of
from drafting.writing.offline.text import DATE, cn_date, find_date, fold, house_punct, split_sentences

logger = logging.getLogger(__name__)


def _headline(line: str, limit: int = 40) -> str:
    """A long first line as a title: whole clauses up to limit characters, never a word cut at the limit."""
    if len(line) <= limit:
        return line
    parts = re.split(r"(?<=[，,；;：:])", line)
    # a date or a setting (在…上) opens the sentence but names nobody: the title starts with who acted
    while len(parts) > 1 and re.match(r"(?:\d{4}\s*年)?\s*\d{1,2}\s*月\s*\d{1,2}\s*日[，,]?$|近日|日前|在[^，,]{0,30}[上中里内][，,]$|据", parts[0]):
        parts.pop(0)
    title = ""
    for part in parts:
        if len(title) + len(part) > limit:
            break
        title += part
    if not title:  # one long clause: whole words up to the limit, never a word cut in two
        for word in jieba.cut(parts[0]):
            if len(title) + len(word) > limit:
                break
            title += word
    return title.rstrip("，,；;：:、和与及跟") or line[:limit]


def _trim(text: str, lo: int, hi: int) -> str:
    """Whole sentences up to hi characters; cut at a comma when even the first sentence is too long.

    A comma cut must still reach lo characters: a cut at the comma after the date alone (2023年9月22日。)
    would leave a body that says nothing, so without a later comma the sentence is cut at the window.
    """
    out = ""
    for s in split_sentences(text):
        if len(out) + len(s) > hi:
            if len(out) >= lo:
                break
            room = hi - len(out)
            cut = max((s.rfind(p, 0, room) for p in "，,；;"), default=-1)
            out += (s[:cut] + "。") if cut > 0 and len(out) + cut >= lo else s[: room - 1] + "。"
            break
        out += s
    return out


def item_from_raw(raw_text: str, section: Section | None = None, *, min_body: int = 100, max_body: int = 350,
                  document: Document | None = None) -> Item:
    """The item in house form from raw text: title, ISO date, a 100–350 character body opening with date and issuer.

    document: what was read out of the source (and corrected on the source card); read here when not given. Its
    published date is the item's date (never a deadline inside the text), its issuers and title name the item.
    """
    if not raw_text or not raw_text.strip():
        raise ValidationError("粘贴的原文为空：请粘贴政策文件或新闻的正文后再生成")
    doc_fields = document or read_fields(raw_text, kind_hint=section)
    text = clean_raw(doc_fields.text or raw_text) or fold(raw_text).strip()
    section = section or guess_section(text)
    date = doc_fields.published
    found = doc_title(text)
    # The reader's name for the document, when the text spells it the same way (a kept Traditional 《title》 is not).
    doc = (doc_fields.title if doc_fields.title and section == "政策速递" and len(short_names(doc_fields.title)) > 1
           and (doc_fields.title in text or not found) else found)
    issuer = (doc_fields.issuer_label() if section == "政策速递" else None) or issuer_of(text, doc)
    names = short_names(doc) if doc else []
    m = SHORT.search(text)
    short = m.group(1) if m else None
    lines = [ln.strip() for ln in text.splitlines() if ln.strip()]

    if doc and issuer:
        title = f"{issuer}印发《{doc}》"
    elif doc:
        title = f"《{doc}》发布"
    elif doc_fields.title and section != "政策速递":
        title = clean_title(deal_headline(doc_fields.title) if section == "交易资讯" else doc_fields.title)[:60]
    else:
        title = _headline(clean_title(re.split(r"[。！？\n]", lines[0])[0]))

    sentences = split_sentences(text)
    anchors = [a for a in (doc, issuer.split("等")[0] if issuer else None) if a]
    opening_idx = next((i for i, s in enumerate(sentences) if find_date(s) and any(a in s for a in anchors)), None)
    if opening_idx is None and date:
        # 财政部8月21日印发《…》: the opening without its year; written with the full date, as the house opens a body.
        md = rf"{int(date[5:7])}月{int(date[8:10])}日"
        for i, s in enumerate(sentences):
            if md in s and any(a in s for a in anchors):
                sentences[i] = f"{cn_date(date)}，" + re.sub(rf"\s*{md}\s*[，,]?", "", s, count=1)
                opening_idx = i
                break
    if opening_idx is None and section != "政策速递" and lines:
        # News and deals open with what happened: the lead, after the headline (never a later sentence with a number).
        first = next((i for i, s in enumerate(sentences) if s not in lines[0] or len(lines) == 1), None)
        opening_idx = first
    long_plan = section == "政策速递" and len(text) > max_body and (doc_fields.tasks or text.count("\n\n") >= 2)
    if opening_idx is not None and long_plan:
        # A plan longer than the body: its opening, then its main tasks and later paragraphs, not the first 350 chars.
        body = digest(text, sentences[opening_idx], doc_fields.tasks, _trim, min_body, max_body)
    elif opening_idx is not None:
        body = _trim("".join(sentences[opening_idx:]), min_body, max_body)
    else:
        lead = []
        if date:
            lead.append(cn_date(date))
        if issuer and doc:
            lead.append(f"{issuer}印发《{doc}》" + (f"（下称《{short}》）" if short else ""))
        opening = "，".join(lead)
        # The substance: sentences that state aims, targets or measures, skipping salutations and boilerplate.
        skip = re.compile(r"^各.{0,40}[：:]|现将|请认真贯彻|印发给你们|^\d{4}年\d{1,2}月\d{1,2}日。?$|关于印发")
        key = [s for s in sentences if not skip.search(s)
               and re.search(r"到20\d\d年|目标|提出|重点|鼓励|支持|推动|打造|规模|明确|施行|应当|不得|\d+(?:\.\d+)?\s*(?:亿|万|家|个|%)", s)]
        rest = key or [s for s in sentences if not skip.search(s)]
        joined = "".join(rest)
        if joined and date and find_date(joined[:20]) == date:
            lead = lead[1:]  # the text opens with its own date: never repeat it
            opening = "，".join(lead)
        if opening and issuer and doc and short and joined.startswith((f"《{short}》", "提出")):
            joined = opening + ("。" if joined.startswith("《") else "，") + joined  # never "（下称《指引》），提出《指引》明确"
        elif opening and issuer and doc:
            joined = opening + ("，提出" if joined and not joined.startswith(("提出", "《")) else "。" if joined.startswith("《") else "，") + joined
        elif opening:
            joined = opening + "，" + joined
        body = _trim(joined, min_body, max_body)
    if not body:
        body = _trim(text, min_body, max_body)
    if not body:
        # No sentence ends in 。！？； (English text, a bare headline): keep the text itself rather than an empty body.
        body = re.sub(r"\s+", " ", text)[:max_body]
    lead_date = DATE.match(body)
    if date and lead_date and find_date(lead_date.group(0)) != date:
        body = cn_date(date) + body[lead_date.end():]  # the source card's corrected date opens the body too
    if short is None and len(names) > 1 and f"《{names[1]}》" in body:
        short = names[1]
    logger.debug("offline item: %s (%s)", title, date)
    return Item(section=section, title=house_punct(title), date=date, body=house_punct(body), sources=[])
