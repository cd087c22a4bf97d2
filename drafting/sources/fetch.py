"""A link → its main text, title, date, issuer and attachments, fetched with httpx and extracted by trafilatura.

Each hop of a redirect is checked again; sizes are capped before and after decompression; the character set comes
from the HTTP header or the page's meta tag and is decoded here (gbk/gb2312 as GB18030), because trafilatura
falls back to UTF-8 with replacement characters. PDF, Word and image links are read as documents.
"""

from __future__ import annotations

import codecs
import hashlib
import logging
import re
import tempfile
import time
from contextlib import nullcontext
from pathlib import Path
from urllib.parse import unquote, urljoin, urlsplit

import httpx

from drafting.errors import SourceError
from drafting.settings import SourcesSettings
from drafting.sources import inflate, netguard
from drafting.sources.cache import SourceCache
from drafting.sources.document import read_document
from drafting.sources.fetched import Attachment, FetchedSource
from drafting.sources.pagedate import settle_date
from drafting.sources.reader import read_fields

logger = logging.getLogger(__name__)

URL_RE = re.compile(r"^\s*https?://\S+\s*$", re.IGNORECASE)
ATTACHMENT_TYPES = ("pdf", "doc", "docx", "wps", "ofd", "xls", "xlsx", "et", "zip", "rar")
_DOC_TYPES = {
    "application/pdf": ".pdf",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": ".docx",
    "application/msword": ".doc",
    "application/vnd.ms-works": ".wps",
    "application/kswps": ".wps",
    "image/png": ".png",
    "image/jpeg": ".jpg",
    "image/tiff": ".tif",
    "text/plain": ".txt",
}
_META_CHARSET = re.compile(rb"""<meta[^>]{0,200}?charset\s*=\s*["']?\s*([A-Za-z0-9_\-]+)""", re.IGNORECASE)
_GB = {"gbk", "gb2312", "gb_2312-80", "x-gbk", "cp936", "gb18030", "euc-cn", "hz-gb-2312"}
_ISSUER_META = ("contentsource", "source", "publisher", "author", "companyname", "sitename")
_ISSUER_TEXT = re.compile(r"(?:发文机关|发布机构|发文单位|发布单位|发布部门|信息来源|来\s*源)\s*[:：]\s*([^\s|｜,，;；:：]{2,30})")


def with_document(source: FetchedSource, link_text: str | None = None, kind_hint: str | None = None) -> FetchedSource:
    """The source with its fields read (title, issuers, dates, 文号, figures); link_text names an attachment."""
    doc = read_fields(source.text, html_title=source.title, link_text=link_text, page_date=source.date, kind_hint=kind_hint)
    # The page keeps its own heading as title; a document without one (a PDF, a scan) takes the name read for it.
    return source.model_copy(update={"document": doc, "title": source.title or doc.title, "date": doc.published,
                                     "issuer": doc.issuer_label() or source.issuer})


def is_url(text: str | None) -> bool:
    """True when the text is one http(s) link and nothing else."""
    return bool(text and URL_RE.match(text))


def _host_label(url: str) -> str:
    try:
        return urlsplit(url).hostname or url[:200]
    except ValueError:
        return url[:200]


def _check_target(url: str) -> None:
    """Refuse non-http schemes; addresses are checked when connected to (drafting/sources/netguard.py)."""
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - a port past 65535 or a broken [IPv6] raises here, not in the middle of a fetch
    except ValueError as exc:
        raise SourceError(_bad_link(url)) from exc
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise SourceError(f"链接「{url[:200]}」不是 http(s) 网址：请粘贴完整的网页链接（以 http:// 或 https:// 开头），或直接粘贴原文")


def _check_cached(source: FetchedSource, settings: SourcesSettings) -> None:
    """A page cached before BLOCK_PRIVATE was on is not served once it is: its hosts are checked like a fetch's.

    One fetched with blocking on had every hop checked then: it is served without a lookup (offline re-drafts work).
    """
    if not settings.block_private or source.public_only:
        return
    for link in dict.fromkeys((source.url, source.final_url)):
        parts = urlsplit(link)
        if parts.hostname:
            netguard.check_host(parts.hostname, parts.port or (443 if parts.scheme == "https" else 80))


def _norm_charset(name: str | None) -> str | None:
    if not name:
        return None
    name = name.strip().strip("\"'").lower()
    if name in _GB:
        return "gb18030"  # GB18030 is a superset: pages labelled GBK/GB2312 often use characters beyond them
    try:
        codec = codecs.lookup(name)
    except LookupError:
        return None
    # base64, hex, rot13, zlib … are codecs but not text encodings: bytes.decode refuses them with a LookupError
    return codec.name if getattr(codec, "_is_text_encoding", True) else None


def decode_page(data: bytes, header_charset: str | None) -> tuple[str, str]:
    """Decode HTML bytes: the HTTP charset, else the meta tag, else UTF-8, else GB18030; returns (text, charset)."""
    meta = _META_CHARSET.search(data[:4096])
    candidates = [_norm_charset(header_charset), _norm_charset(meta.group(1).decode("ascii", "ignore") if meta else None),
                  "utf-8", "gb18030"]
    tried = [c for n, c in enumerate(candidates) if c and c not in candidates[:n]]
    for charset in tried:
        try:
            return data.decode(charset), charset
        except (UnicodeDecodeError, LookupError):
            continue
    # Nothing decodes cleanly: the first guess, with replacement characters where bytes are damaged.
    return data.decode(tried[0], errors="replace"), tried[0]


def _download(url: str, settings: SourcesSettings) -> tuple[bytes, str, str, str | None]:
    """GET with redirects followed here, the body decompressed and counted chunk by chunk, one deadline in all.

    Every hop connects through netguard (addresses checked at connect time, each operation bounded by the deadline).
    Returns (bytes, final url, content type, charset from the header).
    """
    deadline = time.monotonic() + settings.total_timeout
    headers = {"User-Agent": settings.user_agent, "Accept": "text/html,application/xhtml+xml,application/pdf,*/*;q=0.8",
               "Accept-Encoding": "gzip, deflate, br, zstd"}
    transport = netguard.GuardedTransport(block_private=bool(settings.block_private), deadline=deadline)
    with httpx.Client(follow_redirects=False, timeout=httpx.Timeout(settings.timeout), headers=headers,
                      transport=transport) as client:
        for _hop in range(settings.max_redirects + 1):
            _check_target(url)
            try:
                with client.stream("GET", url) as resp:
                    if resp.is_redirect:
                        location = resp.headers.get("location")
                        if not location:
                            raise SourceError(f"{_host_label(url)} 返回了没有目标地址的跳转（HTTP {resp.status_code}）：请在浏览器中打开后复制最终网址")
                        try:
                            url = urljoin(str(resp.url), location)  # checked like the first link at the loop's top
                        except ValueError as exc:
                            raise SourceError(_bad_link(location)) from exc
                        continue
                    _check_status(resp, url)
                    declared = resp.headers.get("content-length", "")
                    if declared.isdigit() and int(declared) > settings.max_bytes:
                        raise SourceError(_too_big(url, int(declared), settings))
                    data = _body(resp, url, settings, deadline)
                    ctype = resp.headers.get("content-type", "")
                    return data, str(resp.url), ctype.split(";")[0].strip().lower(), resp.charset_encoding
            except httpx.InvalidURL as exc:  # a host name IDNA refuses (bidi controls, bad labels)
                raise SourceError(_bad_link(url)) from exc
            except httpx.TimeoutException as exc:
                raise SourceError(_too_slow(url, settings)) from exc
            except httpx.TransportError as exc:  # refused, DNS failure, TLS failure, reset
                raise SourceError(f"无法连接到 {_host_label(url)}（{type(exc).__name__}）：请检查网址和网络，或直接粘贴原文") from exc
    raise SourceError(f"跳转次数超过 {settings.max_redirects} 次，已停止：请在浏览器中打开后复制最终网址，或直接粘贴原文")


def _bad_link(url: str) -> str:
    return f"链接「{url[:200]}」格式有误（主机名或端口无效）：请在浏览器中打开后复制地址栏中的网址，或直接粘贴原文"


def _check_status(resp: httpx.Response, url: str) -> None:
    if resp.status_code == 404:
        raise SourceError(f"网页不存在（HTTP 404）：{url[:200]}。请检查链接，或直接粘贴原文")
    if resp.status_code in (401, 403):
        raise SourceError(f"{_host_label(url)} 拒绝访问（HTTP {resp.status_code}，可能需要登录）：请在浏览器中打开，复制正文粘贴")
    if resp.status_code >= 400:
        raise SourceError(f"{_host_label(url)} 返回错误 HTTP {resp.status_code}：请稍后重试，或直接粘贴原文")


def _body(resp: httpx.Response, url: str, settings: SourcesSettings, deadline: float) -> bytes:
    """The decoded body, refused as soon as it passes the cap: at most one decoded chunk beyond it is ever held."""
    encoding = resp.headers.get("content-encoding", "")
    return inflate.read_capped(
        resp.iter_raw(inflate.CHUNK), encoding, settings.max_bytes, deadline,
        too_big=lambda size: SourceError(_too_big(url, size, settings)),
        too_slow=lambda: SourceError(_too_slow(url, settings)),
        undecodable=lambda: SourceError(
            f"{_host_label(url)} 返回的压缩内容（{encoding[:40]}）无法解压，可能已损坏：请稍后重试，或直接粘贴原文"),
    )


def _too_big(url: str, size: int, settings: SourcesSettings) -> str:
    return (f"{_host_label(url)} 的内容超过 {settings.max_bytes // 1_000_000} MB 上限（至少 {size / 1_000_000:.1f} MB）："
            "请直接粘贴需要的正文，或调大 DRAFTING_SOURCES__MAX_BYTES")


def _too_slow(url: str, settings: SourcesSettings) -> str:
    return (f"{_host_label(url)} 没有在时限内返回完整内容（超时：每次等待上限 {settings.timeout:g} 秒，整个读取上限 "
            f"{settings.total_timeout:g} 秒，DRAFTING_SOURCES__TIMEOUT）：请稍后重试，或直接粘贴原文")


def _doc_suffix(url: str, ctype: str) -> str | None:
    if ctype in _DOC_TYPES:
        return _DOC_TYPES[ctype]
    ext = Path(urlsplit(url).path).suffix.lower()
    if ctype in ("application/octet-stream", "application/x-download", "application/force-download", "") and ext in (
        ".pdf", ".docx", ".doc", ".wps", ".png", ".jpg", ".jpeg", ".txt"
    ):
        return ext
    return None


def _issuer(tree: object, text: str) -> str | None:
    for meta in tree.iter("meta"):  # type: ignore[attr-defined]
        name = (meta.get("name") or meta.get("property") or "").lower()
        content = (meta.get("content") or "").strip()
        if name in _ISSUER_META and content and len(content) <= 40 and not content.startswith("http"):
            return content
    m = _ISSUER_TEXT.search(text)
    return m.group(1) if m else None


def _attachments(tree: object, base: str) -> list[Attachment]:
    found: dict[str, Attachment] = {}
    for a in tree.iter("a"):  # type: ignore[attr-defined]
        href = (a.get("href") or "").strip()
        if not href or href.startswith(("javascript:", "mailto:", "#")):
            continue
        url = urljoin(base, href)
        ext = Path(unquote(urlsplit(url).path)).suffix.lower().lstrip(".")
        if ext not in ATTACHMENT_TYPES or url in found:
            continue
        name = re.sub(r"\s+", " ", a.text_content() or "").strip() or unquote(Path(urlsplit(url).path).name)
        found[url] = Attachment(url=url, name=name, type=ext)
    return list(found.values())


def extract_page(html: str, url: str) -> tuple[str, str | None, str | None, str | None, list[Attachment]]:
    """Main text, title, date, issuer and attachments of a decoded HTML page."""
    import lxml.html
    from trafilatura import bare_extraction

    doc = bare_extraction(html, url=url, with_metadata=True, include_tables=True, favor_recall=True)
    try:
        tree = lxml.html.fromstring(html)
    except (ValueError, lxml.etree.ParserError):  # type: ignore[attr-defined]
        tree = None
    text = (getattr(doc, "text", None) or "").strip() if doc is not None else ""
    title = (getattr(doc, "title", None) or "").strip() or None if doc is not None else None
    if tree is not None:  # the page's own heading names the document better than <title> with the site's name
        h1 = next((re.sub(r"\s+", " ", h.text_content()).strip() for h in tree.iter("h1") if h.text_content().strip()), None)
        title = h1 if h1 and len(h1) <= 120 else title
    if title is None and tree is not None:
        found = tree.findtext(".//title")
        title = found.strip() if found and found.strip() else None
    date = getattr(doc, "date", None) if doc is not None else None
    page_text = tree.text_content() if tree is not None else html
    issuer = _issuer(tree, page_text) if tree is not None else None
    attachments = _attachments(tree, url) if tree is not None else []
    return text, title, date, issuer, attachments


def fetch(url: str, settings: SourcesSettings | None = None, *, cache_dir: Path | None = None, refresh: bool = False,
          link_text: str | None = None) -> FetchedSource:
    """Fetch a link (or read it from the cache), extract its text and read its fields; SourceError says what went wrong.

    link_text: the text of the link an attachment was opened from (the page's name for the document).
    """
    return with_document(_fetch(url, settings, cache_dir=cache_dir, refresh=refresh), link_text)


def _fetch(url: str, settings: SourcesSettings | None = None, *, cache_dir: Path | None = None, refresh: bool = False) -> FetchedSource:
    settings = settings or SourcesSettings()
    url = (url or "").strip()
    if not is_url(url):
        raise SourceError(f"「{url[:200]}」不是网址：请粘贴以 http:// 或 https:// 开头的完整链接，或直接粘贴原文")
    cache = SourceCache(cache_dir) if cache_dir is not None and settings.cache else None
    if cache is not None and not refresh and (hit := cache.get(url)) is not None:
        _check_cached(hit, settings)
        return hit.model_copy(update={"cached": True})
    if not settings.fetch_enabled:
        raise SourceError("本系统已关闭联网抓取（DRAFTING_SOURCES__FETCH_ENABLED=false）：请在浏览器中打开链接，复制正文粘贴，或上传原文文件")
    with cache.lock(url) if cache is not None else nullcontext():
        if cache is not None and not refresh and (hit := cache.get(url)) is not None:
            _check_cached(hit, settings)
            return hit.model_copy(update={"cached": True})  # another draft fetched it while we waited
        data, final_url, ctype, header_charset = _download(url, settings)
        sha1 = hashlib.sha1(data).hexdigest()
        if cache is not None and (known := cache.by_content(sha1)) is not None:
            source = known.model_copy(update={"url": url, "final_url": final_url})  # same bytes: no second OCR
        else:
            source = _read(url, final_url, data, ctype, header_charset, sha1, settings)
        source = source.model_copy(update={"public_only": bool(settings.block_private)})
        if cache is not None:
            cache.put(source)
    logger.info("fetched %s (%s, %d bytes)", url, ctype or "?", len(data))
    return source


def _read(url: str, final_url: str, data: bytes, ctype: str, header_charset: str | None, sha1: str,
          settings: SourcesSettings) -> FetchedSource:
    common = {"url": url, "final_url": final_url, "content_type": ctype, "sha1": sha1}
    suffix = _doc_suffix(final_url, ctype)
    if suffix is not None:
        name = unquote(Path(urlsplit(final_url).path).name) or f"document{suffix}"
        with tempfile.TemporaryDirectory(prefix="drafting-fetch-") as tmp:
            path = Path(tmp) / (Path(name).stem[:80] + suffix)
            path.write_bytes(data)
            doc = read_document(path, settings)
        return FetchedSource(title=None, text=doc.text, ocr=doc.ocr, **common)  # a file name is never a title
    if ctype not in ("text/html", "application/xhtml+xml", "") and not ctype.endswith("+xml"):
        raise SourceError(
            f"链接指向的是「{ctype}」类型的文件，不是网页或 PDF/Word/图片：无法提取正文；请下载后另存为 PDF/DOCX 上传，或直接粘贴原文"
        )
    html, charset = decode_page(data, header_charset)
    text, title, date, issuer, attachments = extract_page(html, final_url)
    if _only_attachment_names(text, attachments):
        text = ""  # a page that is a script and a file link: its "text" is the file's name
    date, notes = settle_date(date, title, text)
    if not text:
        hint = "；页面上有附件，可改用附件作为原文" if attachments else ""
        raise SourceError(f"未能从网页中提取正文（页面可能需要登录或由脚本加载）{hint}：请复制正文粘贴")
    return FetchedSource(title=title, date=date, issuer=issuer, text=text, charset=charset, attachments=attachments,
                         notes=notes, **common)


def _only_attachment_names(text: str, attachments: list[Attachment]) -> bool:
    names = {a.name.strip() for a in attachments} | {unquote(Path(urlsplit(a.url).path).name) for a in attachments}
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    return bool(lines) and all(line in names for line in lines)
