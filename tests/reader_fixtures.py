"""Fixtures for the document reader (issue #21): texts and pages written for these tests, not real documents.

A district page whose attachment is a file named att.pdf (the link text names the document), with the furniture of a
government CMS (发布时间, 浏览次数, 字号, 打印, 关闭, 分享到, 主送); the attachment itself carries a reporting deadline
inside the text and its 落款 date at the end; a scan of it; the issuer cases seen on real items; a deal text; a
609-character national plan in three paragraphs; a mixed-script report.
"""

from __future__ import annotations

import io
from pathlib import Path

from page_server import PageServer

FONT = "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc"

GUIDE_TITLE = "广州市黄埔区元宇宙企业数据合规指引"
GUIDE_LINES = [
    "广州市黄埔区工业和信息化局",
    "广州开发区经济和信息化局",
    "关于印发《广州市黄埔区元宇宙企业数据合规指引》的通知",
    "埔工信规〔2024〕3号",
    "各有关单位：",
    "为引导元宇宙企业依法合规处理数据，我们制定了《广州市黄埔区元宇宙企业数据合规指引》（下称《指引》），现印发给你们，请认真贯彻执行。",
    "《指引》明确，元宇宙企业应建立数据分类分级制度，对个人信息和重要数据实施全流程保护，",
    "年营业收入超过5000万元的企业应设立数据合规负责人。",
    "各企业请于2024年9月30日前报送数据合规自查报告。",
    "本指引自2024年7月1日起施行。",
    "广州市黄埔区工业和信息化局",
    "广州开发区经济和信息化局",
    "2024年6月20日",
]
PAGE_BODY = (
    "为引导元宇宙企业依法合规处理数据，黄埔区工业和信息化局、广州开发区经济和信息化局制定了《广州市黄埔区元宇宙企业数据合规指引》"
    "（下称《指引》）。《指引》明确，元宇宙企业应建立数据分类分级制度，对个人信息和重要数据实施全流程保护，"
    "年营业收入超过5000万元的企业应设立数据合规负责人。各企业请于2024年9月30日前报送数据合规自查报告。"
)


def guide_pdf() -> bytes:
    """The attachment: a text-layer PDF with a deadline inside and the 落款 date at the end."""
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.pdfgen import canvas

    pdfmetrics.registerFont(UnicodeCIDFont("STSong-Light"))
    buf = io.BytesIO()
    c = canvas.Canvas(buf, pagesize=A4)
    c.setFont("STSong-Light", 10)
    y = 790
    for line in GUIDE_LINES:
        for part in (line[i:i + 44] for i in range(0, len(line), 44)):
            c.drawString(50, y, part)
            y -= 20
    c.showPage()
    c.save()
    return buf.getvalue()


def guide_page() -> str:
    """A district government CMS page: furniture around the text, the attachment linked as att.pdf."""
    paras = "".join(f"<p>{p}。</p>" for p in PAGE_BODY.rstrip("。").split("。"))
    return f"""<!DOCTYPE html><html><head><meta charset="utf-8"><title>{GUIDE_TITLE}_广州市黄埔区人民政府门户网站</title>
</head><body><div class="nav">首页 &gt; 政务公开 &gt; 政策文件</div>
<div class="article"><h1>{GUIDE_TITLE}</h1>
<div class="info">发布时间：2024-06-20 16:30　来源：黄埔区工业和信息化局　浏览次数：1024</div>
<div class="tools">【字号：大 中 小】【打印】【关闭】 分享到：</div>
<div class="content"><p>主送：各有关单位</p>{paras}</div>
<div class="attach">附件：<a href="/files/att.pdf">{GUIDE_TITLE}</a></div>
<div class="scan">扫描件：<a href="/files/scan.pdf">{GUIDE_TITLE}（盖章扫描件）</a></div></div>
<div class="footer">主办单位：广州市黄埔区人民政府办公室　网站标识码 4401120001</div></body></html>"""


def render_scan(lines: list[str], size: int = 26, width: int = 1240) -> bytes:
    """The attachment printed and scanned: an image-only PDF (no text layer)."""
    from PIL import Image, ImageDraw, ImageFont

    font = ImageFont.truetype(FONT, size)
    per_line = (width - 160) // size
    rows: list[str] = []
    for line in lines:
        rows += [line[i:i + per_line] for i in range(0, len(line), per_line)]
    img = Image.new("L", (width, 120 + len(rows) * int(size * 1.7)), 255)
    draw = ImageDraw.Draw(img)
    for n, row in enumerate(rows):
        draw.text((80, 60 + n * int(size * 1.7)), row, font=font, fill=0)
    buf = io.BytesIO()
    img.save(buf, format="PDF", resolution=150)
    return buf.getvalue()


def add_guide_pages(server: PageServer, *, scan: bool = False) -> None:
    """The district page, its attachment and (for the browser test) its scan, served by a PageServer."""
    server.pages["/guide.html"] = (200, {"Content-Type": "text/html; charset=utf-8"}, guide_page().encode("utf-8"))
    server.pages["/files/att.pdf"] = (200, {"Content-Type": "application/pdf"}, guide_pdf())
    if scan:
        server.pages["/files/scan.pdf"] = (200, {"Content-Type": "application/pdf"}, render_scan(GUIDE_LINES))


# The issuer cases of real policy items (issue #21): lead sentences as outlets and ministries write them.
ISSUER_CASES = [
    ("2023年9月8日，工信部等五部门联合印发《元宇宙产业创新发展三年行动计划（2023—2025年）》，提出到2025年元宇宙产业规模达到3000亿元。",
     ["工信部"], 5),
    ("近日，浙江省发改委等5部门印发《浙江省元宇宙产业发展行动计划（2023—2025年）》，提出培育10家以上元宇宙龙头企业。", ["浙江省发改委"], 5),
    ("2023年6月1日，黄埔区、广州开发区印发《广州市黄埔区 广州开发区促进元宇宙创新发展办法》，对企业给予最高500万元奖励。",
     ["黄埔区", "广州开发区"], None),
    ("2023年2月27日，中共中央 国务院印发《数字中国建设整体布局规划》，提出到2025年基本形成横向打通、纵向贯通的数字中国建设格局。",
     ["中共中央", "国务院"], None),
    ("2023年3月21日，北京市科委、中关村管委会印发《关于推动北京互联网3.0产业创新发展的工作方案（2023—2025年）》。",
     ["北京市科委", "中关村管委会"], None),
    ("新华社北京11月1日电记者1日从工业和信息化部获悉，《元宇宙产业链标准体系建设指南》已编制完成，将于近期发布。",
     ["工业和信息化部"], None),
]
SEVEN = "近日，七部门联合印发《元宇宙标准化工作指南》，明确到2025年制定30项以上元宇宙标准。"
NEWS_CASES = [
    ("行业新闻", "我们同样看到，2023世界VR产业大会新闻发布会10月12日在北京召开。大会由工业和信息化部和江西省人民政府共同主办，将于10月19日在南昌开幕。",
     ["工业和信息化部", "江西省人民政府"]),
    ("行业新闻", "同样在本周，Pico发布新一代VR头显Pico 5，售价2999元起，计划于12月上市。", ["Pico"]),
    ("交易资讯", ("元宇宙社交平台“维境科技”近日完成数亿元B轮融资，本轮由红杉中国领投，高瓴创投跟投，老股东继续加注。"
     "本轮融资将用于虚拟社交引擎研发和海外市场拓展。"), ["维境科技"]),
]
BAD_ISSUERS = ("同样", "我们", "新闻", "近日", "新华社", "七部门联合", "记者")

# A 609-character national plan pasted with three paragraphs: the main tasks and the risk sentences are what the
# firm's items summarise.
PLAN = (
    "2023年9月8日，工业和信息化部、教育部、文化和旅游部、国务院国资委、国家广播电视总局办公厅联合印发《元宇宙产业创新发展三年行动计划"
    "（2023—2025年）》（下称《行动计划》）。《行动计划》提出，到2025年，元宇宙技术、产业、应用、治理等取得突破，成为数字经济重要增长极，"
    "产业规模壮大、布局合理、技术体系完善，产业技术基础支撑能力进一步夯实，综合实力达到世界先进水平。培育3—5家有全球影响力的生态型企业和"
    "一批专精特新中小企业，打造3—5个产业发展集聚区。工业元宇宙发展初见成效，打造一批典型应用，形成一批标杆产线、工厂、园区。\n\n"
    "《行动计划》部署了五项主要任务：一是构建先进元宇宙技术和产业体系，加强关键技术集成创新；二是培育三维交互的工业元宇宙，"
    "赋能制造业高端化、智能化、绿色化；三是打造沉浸交互数字生活应用，拓展文旅、教育、医疗等场景；四是构建系统完备产业支撑，"
    "完善标准体系和算力网络；五是构建安全可信产业治理体系，强化知识产权保护和数据安全。\n\n"
    "《行动计划》同时强调，要防范元宇宙领域的经济金融风险，警惕借元宇宙名义开展非法集资、诈骗等违法犯罪活动，"
    "坚决防止炒作虚拟资产、虚拟货币，加强对元宇宙企业的安全评估和行业自律，引导产业健康有序发展。"
    "各地工业和信息化主管部门要加强统筹协调，结合本地实际抓好贯彻落实，推动元宇宙与实体经济深度融合，"
    "定期评估实施进展并报送工作情况。"
)

# 财政部's interim rule as a Hong Kong outlet reported it: a Simplified headline over a Traditional body.
MIXED = (
    "财政部发布《企业数据资源相关会计处理暂行规定》\n"
    "財政部8月21日印發《企業數據資源相關會計處理暫行規定》，明確企業數據資源可作為存貨或無形資產入表。"
    "該規定自2024年1月1日起施行，企業應當採用未來適用法，不得追溯調整。業界估計，相關規定將推動數據資產規模突破1000億元。"
)

# A deal text written like 36氪's: the headline cut by a comma mid-list of investors.
DEAL = (
    "元宇宙社交平台“维境科技”完成数亿元B轮融资，本轮由红杉中国领投，高瓴创投跟投\n"
    "36氪获悉，元宇宙社交平台“维境科技”近日完成数亿元B轮融资，本轮由红杉中国领投，高瓴创投跟投。本轮融资将用于虚拟社交引擎研发、"
    "AIGC内容工具和海外市场拓展。维境科技成立于2021年，旗下虚拟社交应用累计注册用户已超过3000万。"
)


def write_scan(path: Path) -> Path:
    path.write_bytes(render_scan(GUIDE_LINES))
    return path
