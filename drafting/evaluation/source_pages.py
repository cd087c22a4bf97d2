"""The labelled source documents of `tests/data/sources/` and their web forms: pages of six CMS layouts, pasted text.

Each fixture document is one JSON file (heading, 文号, 主送, paragraphs, 落款, labels). The pages carry the
furniture lawyers meet (发布时间, 浏览次数, 字号 大中小, 打印, 关闭, 分享到, breadcrumbs, related links), so a
reader that keeps furniture or takes a dateline for an issuer scores lower. Everything here is text: cheap,
deterministic, no cache needed.
"""

from __future__ import annotations

import html
import json
from pathlib import Path

from pydantic import BaseModel, Field

ROOT = Path(__file__).resolve().parent.parent.parent
DEFAULT_SOURCES_DIR = ROOT / "tests" / "data" / "sources"
LAYOUTS = ("ministry", "province", "district", "hk", "news", "wechat")


class Labels(BaseModel):
    """What a careful reader takes from the document (dates YYYY-MM-DD; Simplified script)."""

    title: str
    title_alt: list[str] = Field(default_factory=list, description="other acceptable titles, e.g. the 《name》 inside 关于印发《…》的通知")
    issuers: list[str]
    published: str | None
    effective: str | None
    number: str | None
    figures: list[str]


class SourceDoc(BaseModel):
    """One fixture document as written for the evaluation set (not a real publication)."""

    id: str
    genre: str = Field(description="policy | news | deal")
    layout: str = Field(description="one of LAYOUTS: the CMS its web page imitates")
    charset: str = Field(description="utf-8 | gbk: how its page is encoded")
    script: str = Field(description="simplified | traditional | mixed (Simplified headline over a Traditional body)")
    site: str
    heading: str
    number: str | None = None
    addressee: str | None = None
    paragraphs: list[str]
    signature: list[str] = Field(default_factory=list)
    date_line: str | None = None
    labels: Labels

    @property
    def is_document(self) -> bool:
        """A formal document with a 落款: it has PDF, Word and scan forms."""
        return bool(self.signature and self.date_line)

    def content_hash(self) -> str:
        import hashlib

        return hashlib.sha1(self.model_dump_json().encode("utf-8")).hexdigest()[:16]


def load_docs(directory: Path | None = None) -> list[SourceDoc]:
    """Every fixture document, sorted by id."""
    directory = Path(directory or DEFAULT_SOURCES_DIR) / "docs"
    return [SourceDoc.model_validate(json.loads(p.read_text(encoding="utf-8"))) for p in sorted(directory.glob("*.json"))]


def _date_parts(iso: str | None) -> tuple[str, str, str]:
    if not iso:
        return "", "", ""
    y, m, d = iso.split("-")
    return y, m, d


def signature_lines(doc: SourceDoc) -> list[str]:
    """落款: up to three issuers a line, as joint documents print them, then the date."""
    sig = doc.signature
    rows = ["　　".join(sig[i:i + 3]) for i in range(0, len(sig), 3)]
    return [*rows, *([doc.date_line] if doc.date_line else [])]


def body_lines(doc: SourceDoc) -> list[str]:
    """The document as printed: heading, 文号, 主送, paragraphs, 落款 (no page furniture)."""
    lines = [doc.heading]
    if doc.number:
        lines.append(doc.number)
    if doc.addressee:
        lines.append(doc.addressee)
    lines.extend(doc.paragraphs)
    lines.extend(signature_lines(doc))
    return lines


def _paras(doc: SourceDoc) -> str:
    out = []
    if doc.number:
        out.append(f'<p style="text-align:center">{html.escape(doc.number)}</p>')
    if doc.addressee:
        out.append(f"<p>{html.escape(doc.addressee)}</p>")
    out.extend(f"<p>　　{html.escape(p)}</p>" for p in doc.paragraphs)
    out.extend(f'<p style="text-align:right">{html.escape(x)}</p>' for x in signature_lines(doc))
    return "\n".join(out)


def _meta(charset: str) -> str:
    return f'<meta http-equiv="Content-Type" content="text/html; charset={"gb2312" if charset == "gbk" else "utf-8"}">'


def page_html(doc: SourceDoc, attachment: str | None = None) -> str:
    """The document's web page in its layout; with attachment, a link to the PDF named by the document's heading."""
    y, m, d = _date_parts(doc.labels.published)
    pub = f"{y}-{m}-{d}" if y else ""
    h = html.escape(doc.heading)
    site = html.escape(doc.site)
    att = (f'<div class="fj">附件：<a href="{attachment}">{h}</a></div>' if attachment else "")
    body = _paras(doc)
    head = f"<!DOCTYPE html><html><head>{_meta(doc.charset)}<title>{h}_{site}</title>"
    if doc.layout == "ministry":
        return f"""{head}<meta name="ArticleTitle" content="{h}"><meta name="PubDate" content="{pub} 15:30"></head><body>
<div class="top"><a href="/">首页</a> | <a href="/en">English</a> | 无障碍浏览 | 邮箱</div>
<div class="crumb">当前位置：<a href="/">首页</a> &gt; <a href="/zwgk">政务公开</a> &gt; 文件发布</div>
<table class="xxgk"><tr><td>索引号：</td><td>000014349/{y}-00{m}{d}</td><td>主题分类：</td><td>科技、教育</td></tr>
<tr><td>发文机关：</td><td>{html.escape(doc.signature[0] if doc.signature else doc.site)}</td><td>成文日期：</td><td>{y}年{m}月{d}日</td></tr>
<tr><td>标题：</td><td colspan="3">{h}</td></tr><tr><td>发文字号：</td><td>{html.escape(doc.number or "")}</td>
<td>发布日期：</td><td>{y}年{m}月{d}日</td></tr></table>
<div class="article"><h1>{h}</h1><div class="font">【字体：<a>大</a> <a>中</a> <a>小</a>】 <a>打印本页</a> <a>关闭窗口</a></div>
<div class="TRS_Editor">{body}</div>{att}
<div class="share">分享到：<a>微信</a> <a>微博</a> <a>QQ空间</a></div></div>
<div class="footer">主办单位：{site}　版权所有　京ICP备04000001号　网站标识码bm07000001</div></body></html>"""
    if doc.layout == "province":
        return f"""{head}<meta name="SiteName" content="{site}"></head><body>
<div class="nav"><a href="/">首页</a> &gt; <a href="/zfxxgk">政府信息公开</a> &gt; <a>政策文件</a></div>
<div class="article"><h1 class="title">{h}</h1>
<div class="info">发布时间：{pub} 10:30　来源：{site}　浏览次数：1024　字号：[<a>大</a> <a>中</a> <a>小</a>]　<a>打印</a>　<a>关闭</a></div>
<div class="content">{body}</div>{att}</div>
<div class="related">相关链接：<a href="/a">关于开展2024年度省级工业互联网平台申报工作的通知</a></div>
<div class="footer">网站标识码：3300000001　主办：{site}　联系我们　网站地图</div></body></html>"""
    if doc.layout == "district":
        return f"""{head}</head><body>
<div class="head">{site}　今天是：{y}年{m}月{d}日　<a>登录</a></div>
<div class="wz">您现在的位置：首页 &gt;&gt; 政务公开 &gt;&gt; 规范性文件</div>
<div class="zw"><div class="bt">{h}</div>
<div class="xx">信息来源：区政府办　发布日期：{pub}　点击量：356　【<a>打印</a>】【<a>关闭</a>】</div>
{body}{att}</div>
<div class="foot">{site}主办　技术支持：区大数据中心</div></body></html>"""
    if doc.layout == "hk":
        return f"""{head}<meta name="description" content="{h}"></head><body>
<div class="skip"><a>跳至主要內容</a> | <a>繁</a> <a>简</a> <a>EN</a> | 文字大小 <a>A</a><a>A</a><a>A</a></div>
<div class="crumb"><a>主頁</a> &gt; <a>新聞稿</a></div>
<div class="main"><h2>{h}</h2><div class="date">{y}年{int(m or 0)}月{int(d or 0)}日</div>
{body}{att}
<div class="tools"><a>列印</a> <a>分享</a> <a>返回</a></div></div>
<div class="foot">最後修訂日期：{y}年{int(m or 0)}月{int(d or 0)}日　重要告示　私隱政策</div></body></html>"""
    if doc.layout == "news":
        return f"""{head}<meta property="og:title" content="{h}"><meta name="publishdate" content="{pub}"></head><body>
<div class="header"><a>{site}</a> <a>首页</a> <a>财经</a> <a>科技</a> <a>登录</a> <a>下载APP</a></div>
<div class="article"><h1>{h}</h1>
<div class="meta"><span>{pub} 09:15</span> <span>来源：{site}</span> <span>作者：记者 王晓</span></div>
{body}
<div class="editor">（责任编辑：李明）</div>
<div class="share">分享到：<a>微信</a> <a>微博</a> <a>复制链接</a></div></div>
<div class="related"><h3>相关阅读</h3><ul><li><a>比特币价格周内上涨12%，创三个月新高</a></li>
<li><a>多地发布数据要素行动方案 加快公共数据开放</a></li></ul></div>
<div class="footer">违法和不良信息举报电话：010-00000000　Copyright © {site} 版权所有</div></body></html>"""
    return f"""{head}<meta property="og:title" content="{h}"></head><body>
<div id="js_content_top"><h1 class="rich_media_title">{h}</h1>
<div class="rich_media_meta_list"><span>原创</span> <a id="js_name">{site}</a> <em id="publish_time">{pub} 08:30</em> <span>发表于北京</span></div></div>
<div class="rich_media_content" id="js_content"><p>点击上方蓝字关注我们</p>
{body}{att}
<p>— END —</p><p>来源：{site}</p><p>编辑：小链　审核：阿数</p></div>
<div class="rich_media_tool"><a>阅读原文</a> 阅读 2.3万 <a>分享</a> <a>收藏</a> <a>点赞</a> <a>在看</a></div>
<div class="tips">预览时标签不可点</div></body></html>"""


def page_bytes(doc: SourceDoc, attachment: str | None = None) -> bytes:
    """The page encoded as its site serves it (GBK pages as GB18030 bytes labelled gb2312, as such sites do)."""
    text = page_html(doc, attachment)
    return text.encode("gb18030") if doc.charset == "gbk" else text.encode("utf-8")


def pasted_text(doc: SourceDoc) -> str:
    """What a lawyer pastes after select-all on the page: furniture lines around the document."""
    y, m, d = _date_parts(doc.labels.published)
    pub = f"{y}-{m}-{d}" if y else ""
    furniture = {
        "ministry": [f"发布日期：{y}年{m}月{d}日", "【字体：大 中 小】 打印本页 关闭窗口"],
        "province": [f"发布时间：{pub} 10:30　来源：{doc.site}　浏览次数：1024　字号：[大 中 小]　打印　关闭"],
        "district": [f"信息来源：区政府办　发布日期：{pub}　点击量：356　【打印】【关闭】"],
        "hk": [f"{y}年{int(m or 0)}月{int(d or 0)}日"],
        "news": [f"{pub} 09:15　来源：{doc.site}　作者：记者 王晓"],
        "wechat": [f"原创 {doc.site} {doc.site} {pub} 08:30 发表于北京", "点击上方蓝字关注我们"],
    }[doc.layout]
    tail = {"news": ["（责任编辑：李明）", "分享到：微信 微博 复制链接"], "wechat": ["— END —", "阅读原文 分享 收藏 点赞 在看"],
            "hk": ["列印 分享 返回"]}.get(doc.layout, ["分享到：微信 微博"])
    lines = body_lines(doc)
    return "\n".join([lines[0], *furniture, *lines[1:], *tail])
