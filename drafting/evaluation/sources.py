"""`drafting eval sources`: every fixture document read through every form by today's user path, scored per field.

A form reaches the reader the way a lawyer's source does: pages are served on a loopback HTTP server and read
with `drafting.sources.fetch.fetch`; an attachment is opened from its page's link; files go through
`drafting.sources.document.read_document` (scans and photos through OCR). A *reader* turns what arrived
(text, page title, link text, page date, page issuer) into fields; two are measured:

- `today`: what the code yields without a document reader: title/date/issuer of `FetchedSource`, else the
  item of the raw-text path (`drafting draft --raw`: Traditional → Simplified, `condense`, `item_from_raw`),
  its profile's issuer and figures; no 文号 and no effective date exist;
- `reader`: `drafting.sources.reader.read_fields`, when that module exists.
"""

from __future__ import annotations

import hashlib
import json
import re
import threading
import time
import unicodedata
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from importlib import import_module
from importlib.util import find_spec
from pathlib import Path

from pydantic import BaseModel, Field
from rapidfuzz.distance import Levenshtein

from drafting.errors import DraftingError
from drafting.evaluation.source_forms import FILE_FORMS, FormCache
from drafting.evaluation.source_pages import SourceDoc, body_lines, page_bytes, pasted_text
from drafting.settings import SourcesSettings
from drafting.sources.convert import to_simplified

TEXT_FORMS = ("paste", "trad", "mixed")
WEB_FORMS = ("html", "attachment")
ALL_FORMS = (*WEB_FORMS, *TEXT_FORMS, *FILE_FORMS)
OCR_FORMS = ("scan", "photo")
DEFAULT_FORMS = ("html", "attachment", "paste", "trad", "mixed", "pdf", "docx", "doc", "scan", "photo")
# Scans take seconds a page to recognise on a shared machine: by default only these documents are scanned.
OCR_SUBSET = ("p01", "p06", "p11", "p12", "p21", "h01", "m01", "n01", "d01", "d03")
FIELDS = ("title", "issuers", "issuers_all", "published", "effective", "number", "figures", "simplified")


class Fields(BaseModel):
    """What a reader took from one source, in the shape the labels have."""

    title: str | None = None
    issuers: list[str] = Field(default_factory=list)
    published: str | None = None
    effective: str | None = None
    number: str | None = None
    figures: list[str] = Field(default_factory=list)


@dataclass
class Arrival:
    """A source as today's user path delivers it: the text and what the channel knows besides."""

    text: str
    page_title: str | None = None
    link_text: str | None = None
    page_date: str | None = None
    page_issuer: str | None = None
    paste_box: str | None = None  # what the 起草 paste box receives (fetch: title, date line, text)


Reader = Callable[[Arrival], Fields]


def today_fields(arrival: Arrival) -> Fields:
    """Today's code, no document reader: FetchedSource's title/date/issuer, else the raw-text path's item and profile."""
    from drafting.corpus.profile import profile_of
    from drafting.sources.convert import for_drafting
    from drafting.sources.document import condense
    from drafting.writing.offline.item import item_from_raw
    from drafting.writing.service import MAX_SOURCE_CHARS

    raw = condense(for_drafting(arrival.paste_box or arrival.text).text, MAX_SOURCE_CHARS)
    item = item_from_raw(raw)
    profile = profile_of(item)
    named = re.search(r"《([^《》]+)》", item.title)
    title = arrival.page_title or (named.group(1) if named else item.title)
    issuer = arrival.page_issuer or profile.issuer
    return Fields(title=title, issuers=[issuer] if issuer else [], published=arrival.page_date or item.date,
                  figures=list(profile.figures))


def reader_available() -> bool:
    return find_spec("drafting.sources.reader") is not None


def reader_fields(arrival: Arrival) -> Fields:
    """`drafting.sources.reader.read_fields` (the document reader of issue 21), given all the channel knows."""
    reader = import_module("drafting.sources.reader")  # optional until the reader lands: the eval measures either way
    doc = reader.read_fields(arrival.text, html_title=arrival.page_title, link_text=arrival.link_text,
                             page_date=arrival.page_date)
    figures = [f if isinstance(f, str) else f.text for f in doc.figures]
    return Fields(title=doc.title, issuers=list(doc.issuers), published=doc.published, effective=doc.effective,
                  number=doc.number, figures=figures)


READERS: dict[str, Reader] = {"today": today_fields, "reader": reader_fields}


# --- scoring ------------------------------------------------------------------------------------------------------

_DASHES = str.maketrans({"—": "-", "–": "-", "－": "-", "~": "-", "～": "-"})
_ALIASES = (("中华人民共和国", ""), ("发展和改革委员会", "发展改革委"), ("工业和信息化部", "工信部"),
            ("科学技术委员会", "科委"), ("管理委员会", "管委会"), ("科技园区", ""), ("人民政府", "政府"))


def norm(text: str | None) -> str:
    """Compare as a reader would: Simplified, NFKC (full-width folded), no spaces, one dash, no outer 《》 or quotes."""
    if not text:
        return ""
    text = unicodedata.normalize("NFKC", to_simplified(text)).translate(_DASHES)
    text = re.sub(r"\s+", "", text)
    return text.strip("《》“”\"'")


def norm_number(text: str | None) -> str:
    return re.sub(r"[\[【(（]((?:19|20)\d\d)[\]】)）]", r"〔\1〕", norm(text))


def _org(name: str) -> str:
    name = re.sub(r"等\d*[个家]?(?:部门|单位)$", "", norm(name))
    for long, short in _ALIASES:
        name = name.replace(long, short)
    return name


def _same_org(a: str, b: str) -> bool:
    a, b = _org(a), _org(b)
    return bool(a and b) and (a.startswith(b) or b.startswith(a))


def _figure_found(label: str, predicted: list[str]) -> bool:
    want = norm(label)
    for p in predicted:
        got = norm(p)
        at = got.find(want)
        if at >= 0 and (at == 0 or not re.match(r"[\d.]", got[at - 1])):
            return True
    return False


class Score(BaseModel):
    """One document read through one form: per field 1/0 (figures: found/labelled)."""

    doc: str
    form: str
    reader: str
    fields: dict[str, float] = Field(default_factory=dict)
    figures_found: int = 0
    figures_labelled: int = 0
    ocr_accuracy: float | None = None
    error: str | None = None
    got: Fields | None = None


def score(doc: SourceDoc, got: Fields) -> dict[str, float]:
    """Field-by-field correctness of one reading against the document's labels."""
    lab = doc.labels
    titles = {norm(lab.title), *(norm(t) for t in lab.title_alt)}
    lead_ok = bool(got.issuers) and _same_org(got.issuers[0], lab.issuers[0]) \
        and all(any(_same_org(g, w) for w in lab.issuers) for g in got.issuers)
    return {
        "title": float(norm(got.title) in titles),
        "issuers": float(lead_ok),  # the lead issuer right and no garbage beside it
        "issuers_all": float(lead_ok and all(any(_same_org(g, w) for g in got.issuers) for w in lab.issuers)),
        "published": float(got.published == lab.published),
        "effective": float(got.effective == lab.effective),
        "number": float(norm_number(got.number) == norm_number(lab.number)),
        # the other fields are compared in Simplified; this one says whether title and issuers came back in it
        "simplified": float(all(to_simplified(t) == t for t in (got.title or "", *got.issuers))),
    }


def ocr_accuracy(doc: SourceDoc, recognised: str) -> float:
    """Character accuracy of recognised text against the printed document: 1 − edit distance / length (Simplified, NFKC)."""
    def flat(t: str) -> str:
        return re.sub(r"\s+", "", unicodedata.normalize("NFKC", to_simplified(t)))
    ref = flat("".join(body_lines(doc)))
    return max(0.0, 1.0 - Levenshtein.distance(ref, flat(recognised)) / max(1, len(ref)))


# --- delivering each form ------------------------------------------------------------------------------------------


class _Site:
    """The fixture pages and attachments on 127.0.0.1, as the sites serve them (GBK pages declare gb2312)."""

    def __init__(self) -> None:
        self.files: dict[str, tuple[str, bytes]] = {}
        self.port = 0

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    @contextmanager
    def serve(self) -> Iterator[_Site]:
        files = self.files

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: object) -> None:
                pass

            def do_GET(self) -> None:
                found = files.get(self.path.split("?")[0])
                if found is None:
                    self.send_response(404)
                    self.end_headers()
                    return
                self.send_response(200)
                self.send_header("Content-Type", found[0])
                self.send_header("Content-Length", str(len(found[1])))
                self.end_headers()
                self.wfile.write(found[1])

        server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = server.server_address[1]
        thread = threading.Thread(target=server.serve_forever, daemon=True)
        thread.start()
        try:
            yield self
        finally:
            server.shutdown()
            server.server_close()


def _traditional(text: str) -> str:
    import opencc

    return opencc.OpenCC("s2hk").convert(text)


def _text_arrival(doc: SourceDoc, form: str) -> Arrival:
    text = pasted_text(doc)
    if form == "trad":
        text = _traditional(text)
    elif form == "mixed":  # a Hong Kong outlet's body under the Simplified headline it was found by
        head, _, rest = text.partition("\n")
        text = head + "\n" + _traditional(rest)
    return Arrival(text=text, paste_box=text)


class _Ocr:
    """read_document for files, OCR results kept by the file's content hash (scans take seconds a page)."""

    def __init__(self, directory: Path, settings: SourcesSettings) -> None:
        self.directory = directory / "ocr"
        self.settings = settings

    def read(self, path: Path, form: str) -> str:
        from drafting.sources.document import read_document

        if form not in OCR_FORMS:
            return read_document(path, self.settings).text
        key = hashlib.sha1(path.read_bytes() + ",".join(self.settings.ocr_languages).encode() + _reading_code()).hexdigest()
        cached = self.directory / f"{key}.json"
        if cached.exists():
            return str(json.loads(cached.read_text(encoding="utf-8"))["text"])
        text = read_document(path, self.settings).text
        self.directory.mkdir(parents=True, exist_ok=True)
        cached.write_text(json.dumps({"text": text}, ensure_ascii=False), encoding="utf-8")
        return text


def _reading_code() -> bytes:
    """The source of the modules that turn a scan into text: a change to them invalidates cached OCR results."""
    here = Path(__file__).resolve().parent.parent / "sources"
    return b"".join((here / name).read_bytes() for name in ("ocr.py", "ocr_repair.py", "document.py") if (here / name).exists())


@dataclass
class Plan:
    """Which documents go through which forms."""

    docs: list[SourceDoc]
    forms: list[str]
    ocr_docs: set[str] = field(default_factory=set)

    def pairs(self) -> list[tuple[SourceDoc, str]]:
        out = []
        for form in self.forms:
            for doc in self.docs:
                if form in ("attachment",) and not doc.is_document:
                    continue  # news and deals come as pages, not as attachments
                if form in ("trad", "mixed") and doc.script != "simplified":
                    continue  # already Traditional or mixed in every form
                if form in OCR_FORMS and doc.id not in self.ocr_docs:
                    continue
                out.append((doc, form))
        return out


def _arrivals(plan: Plan, cache: Path, settings: SourcesSettings, site: _Site) -> Iterator[tuple[SourceDoc, str, Arrival | Exception]]:
    from drafting.sources.fetch import fetch

    pairs = plan.pairs()
    renders = {(d.id, f) for d, f in pairs if f in FILE_FORMS} | {(d.id, "pdf") for d, f in pairs if f == "attachment"}
    form_cache = FormCache(cache)
    files: dict[tuple[str, str], Path] = {}
    groups: dict[tuple[str, ...], list[SourceDoc]] = {}
    for doc in plan.docs:  # documents grouped by their set of forms: one LibreOffice run per group
        wanted = tuple(sorted(f for i, f in renders if i == doc.id))
        if wanted:
            groups.setdefault(wanted, []).append(doc)
    for wanted, group in groups.items():
        files.update(form_cache.ensure(group, list(wanted)))
    ocr = _Ocr(cache, settings)
    for doc in plan.docs:
        ctype = f"text/html; charset={'gb2312' if doc.charset == 'gbk' else 'utf-8'}"
        site.files[f"/{doc.id}.html"] = (ctype, page_bytes(doc))
        if doc.is_document and (pdf := files.get((doc.id, "pdf"))) is not None:
            # the attachment's file name says nothing (att.pdf); its link text on the page names the document
            site.files[f"/{doc.id}/index.html"] = (ctype, page_bytes(doc, attachment=f"/{doc.id}/att.pdf"))
            site.files[f"/{doc.id}/att.pdf"] = ("application/pdf", pdf.read_bytes())
    for doc, form in pairs:
        try:
            if form == "html":
                got = fetch(site.url(f"/{doc.id}.html"), settings)
                yield doc, form, Arrival(text=got.text, page_title=got.title, page_date=got.date, page_issuer=got.issuer,
                                         paste_box=got.raw_text(with_source=False))
            elif form == "attachment":
                page = fetch(site.url(f"/{doc.id}/index.html"), settings)
                if not page.attachments:
                    raise DraftingError("页面上没有找到附件链接")
                att = page.attachments[0]
                got = fetch(att.url, settings)
                yield doc, form, Arrival(text=got.text, page_title=got.title, link_text=att.name, page_date=got.date,
                                         paste_box=got.raw_text(with_source=False))
            elif form in TEXT_FORMS:
                yield doc, form, _text_arrival(doc, form)
            else:
                path = files.get((doc.id, form))
                if path is None:
                    raise DraftingError(f"{form} 形式未能生成")
                text = ocr.read(path, form)
                yield doc, form, Arrival(text=text, paste_box=text)
        except Exception as exc:  # noqa: BLE001 — a form that cannot be read scores zero and says why
            yield doc, form, exc


class Report(BaseModel):
    """Accuracy per reader, per form and field; OCR character accuracy for scanned forms; every failed reading."""

    readers: list[str]
    forms: list[str]
    table: dict[str, dict[str, dict[str, float | int | None]]] = Field(description="reader → form → field → accuracy")
    failures: list[Score] = Field(default_factory=list)


def evaluate_sources(docs: list[SourceDoc], forms: list[str], *, readers: dict[str, Reader], cache: Path,
                     ocr_docs: set[str] | None = None, settings: SourcesSettings | None = None) -> Report:
    """Read every (document, form) once, score each reader's fields; `table[reader]["all"]` pools every form."""
    settings = settings or SourcesSettings(cache=False)
    plan = Plan(docs=docs, forms=list(forms), ocr_docs=set(ocr_docs if ocr_docs is not None else OCR_SUBSET))
    scores: list[Score] = []
    site = _Site()
    with site.serve():
        for doc, form, arrival in _arrivals(plan, cache, settings, site):
            for name, reader in readers.items():
                s = Score(doc=doc.id, form=form, reader=name, figures_labelled=len(doc.labels.figures))
                if isinstance(arrival, Exception):
                    s.error = f"{type(arrival).__name__}: {arrival}"[:300]
                    s.fields = {f: 0.0 for f in FIELDS if f != "figures"}
                else:
                    try:
                        got = reader(arrival)
                        s.got = got
                        s.fields = score(doc, got)
                        s.figures_found = sum(_figure_found(f, got.figures) for f in doc.labels.figures)
                    except Exception as exc:  # noqa: BLE001 — a reader crash is a wrong reading, and is shown
                        s.error = f"{type(exc).__name__}: {exc}"[:300]
                        s.fields = {f: 0.0 for f in FIELDS if f != "figures"}
                    if form in OCR_FORMS:
                        s.ocr_accuracy = ocr_accuracy(doc, arrival.text)
                scores.append(s)
    return _report(scores, list(readers), list(forms))


def _report(scores: list[Score], readers: list[str], forms: list[str]) -> Report:
    table: dict[str, dict[str, dict[str, float | int | None]]] = {}
    for reader in readers:
        table[reader] = {}
        for form in [*forms, "all"]:
            rows = [s for s in scores if s.reader == reader and (form == "all" or s.form == form)]
            if not rows:
                continue
            cell: dict[str, float | int | None] = {"n": len(rows)}
            for f in FIELDS:
                if f == "figures":
                    labelled = sum(s.figures_labelled for s in rows)
                    cell[f] = round(sum(s.figures_found for s in rows) / labelled, 3) if labelled else None
                else:
                    cell[f] = round(sum(s.fields.get(f, 0.0) for s in rows) / len(rows), 3)
            ocr = [s.ocr_accuracy for s in rows if s.ocr_accuracy is not None]
            cell["ocr_chars"] = round(sum(ocr) / len(ocr), 3) if ocr else None
            cell["errors"] = sum(1 for s in rows if s.error)
            table[reader][form] = cell
    failures = [s for s in scores if s.error or any(v < 1 for v in s.fields.values())
                or s.figures_found < s.figures_labelled]
    return Report(readers=readers, forms=forms, table=table, failures=failures)


def format_table(report: Report) -> list[str]:
    """The table `drafting eval sources` prints: one block per reader, a row per form."""
    cols = ("n", *FIELDS, "ocr_chars", "errors")
    lines = []
    for reader, forms in report.table.items():
        lines.append(f"[{reader}]")
        lines.append(f"{'form':<11}" + "".join(f"{c:>12}" for c in cols))
        for form, cell in forms.items():
            vals = []
            for c in cols:
                v = cell.get(c)
                vals.append(f"{'-':>12}" if v is None else f"{v:>12}" if isinstance(v, int) else f"{v:>12.3f}")
            lines.append(f"{form:<11}" + "".join(vals))
    return lines


def elapsed(start: float) -> str:
    return f"{time.monotonic() - start:.0f} s"
