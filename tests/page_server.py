"""A local web server of saved government pages for the source tests: nothing reaches the internet.

Pages: UTF-8 and GBK policy pages (one with a PDF attachment), a redirect, a redirect loop, a 404, a slow page,
a huge page (declared and streamed), a non-HTML link, a PDF with a text layer, and a Traditional Chinese
Hong Kong regulator notice. `hits` counts requests per path, so tests can see what the cache saved.
"""

from __future__ import annotations

import threading
import time
from collections import Counter
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Self

UTF8_BODY = (
    "为深入贯彻落实国家数字经济发展战略，加快推动元宇宙产业高质量发展，上海市人民政府办公厅印发《上海市促进元宇宙产业发展行动方案（2023—2025年）》。"
    "方案提出，到2025年，全市元宇宙产业规模达到3500亿元，培育10家以上具有国际竞争力的龙头企业，"
    "打造100个以上标杆性应用场景。方案明确了关键技术攻关、产业生态培育、应用场景建设等五个方面的重点任务，"
    "并要求各区、各部门结合实际抓好落实，加强资金、人才和数据要素保障。"
)
GBK_BODY = (
    "2023年9月18日，河南省人民政府办公厅印发《河南省元宇宙产业发展行动计划（2022—2025年）》。"
    "计划提出，到2025年，全省元宇宙核心产业规模超过300亿元，带动相关产业规模超过1000亿元，"
    "建设5个以上元宇宙产业园区，形成一批具有国内影响力的示范应用场景。计划还就算力基础设施建设、"
    "数字人与虚拟现实内容生产、区块链服务平台建设等提出了具体措施，鼓励龙头企业牵头组建创新联合体。"
)
HK_BODY = (
    "2023年6月1日，香港證券及期貨事務監察委員會（證監會）宣布，經修訂的《打擊洗錢及恐怖分子資金籌集條例》正式生效，"
    "虛擬資產交易平台營運者須向證監會申領牌照。證監會同日刊發《適用於虛擬資產交易平台營運者的指引》，"
    "規定持牌平台須將客戶資產的98%存放於凍結錢包，並在符合投資者保障措施的前提下，准許為散戶投資者提供服務。"
    "證監會表示，新制度將在促進創新與保障投資者之間取得平衡。"
)


def policy_page(title: str, body: str, *, date: str, issuer: str, charset: str, extra: str = "") -> str:
    """A page shaped like a provincial government's: navigation, a meta block, the body, a footer."""
    paras = "".join(f"<p>{p}。</p>" for p in body.rstrip("。").split("。"))
    return f"""<!DOCTYPE html><html><head><meta charset="{charset}"><title>{title}_政府信息公开</title>
<meta name="ArticleTitle" content="{title}"><meta name="PubDate" content="{date} 10:00">
<meta name="ContentSource" content="{issuer}"></head><body>
<div class="nav"><a href="/">首页</a> &gt; <a href="/zc">政策文件</a> &gt; 正文</div>
<div class="article"><h1>{title}</h1><div class="info">发布时间：{date}　来源：{issuer}</div>
<div class="content">{paras}</div>{extra}</div>
<div class="footer">主办单位：某某人民政府办公厅　网站标识码 1234567890　ICP备案号 00000000号</div></body></html>"""


def policy_pdf() -> bytes:
    """An attachment with a text layer (reportlab's built-in Chinese CID font)."""
    import io

    from reportlab.lib.pagesizes import A4
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.pdfgen import canvas

    pdfmetrics.registerFont(UnicodeCIDFont("STSong-Light"))
    buf = io.BytesIO()
    c = canvas.Canvas(buf, pagesize=A4)
    c.setFont("STSong-Light", 12)
    lines = ["上海市促进元宇宙产业发展行动方案（2023—2025年）", "到2025年，全市元宇宙产业规模达到3500亿元。",
             "培育10家以上具有国际竞争力的龙头企业。"]
    for n, line in enumerate(lines):
        c.drawString(72, 760 - n * 24, line)
    c.drawString(290, 40, "- 1 -")
    c.showPage()
    c.save()
    return buf.getvalue()


class PageServer:
    """Serves the saved pages on 127.0.0.1 in a thread; use as a context manager."""

    def __init__(self, slow_seconds: float = 3.0) -> None:
        self.hits: Counter[str] = Counter()
        self.slow_seconds = slow_seconds
        pdf = policy_pdf()
        attachment = '<div class="attach">附件：<a href="/files/%E8%A1%8C%E5%8A%A8%E6%96%B9%E6%A1%88.pdf">上海市促进元宇宙产业发展行动方案.pdf</a></div>'
        self.pages: dict[str, tuple[int, dict[str, str], bytes]] = {
            "/utf8.html": (200, {"Content-Type": "text/html; charset=utf-8"}, policy_page(
                "上海市人民政府办公厅关于印发《上海市促进元宇宙产业发展行动方案（2023—2025年）》的通知", UTF8_BODY,
                date="2023-07-08", issuer="上海市人民政府办公厅", charset="utf-8", extra=attachment).encode("utf-8")),
            "/gbk.html": (200, {"Content-Type": "text/html; charset=GBK"}, policy_page(
                "河南省人民政府办公厅关于印发河南省元宇宙产业发展行动计划的通知", GBK_BODY,
                date="2023-09-18", issuer="河南省人民政府办公厅", charset="gb2312").encode("gbk")),
            "/gbk-meta.html": (200, {"Content-Type": "text/html"}, policy_page(
                "河南省人民政府办公厅关于印发河南省元宇宙产业发展行动计划的通知", GBK_BODY,
                date="2023-09-18", issuer="河南省人民政府办公厅", charset="gb2312").encode("gbk")),
            "/hk.html": (200, {"Content-Type": "text/html; charset=utf-8"}, policy_page(
                "證監會宣布虛擬資產交易平台發牌制度生效", HK_BODY, date="2023-06-01",
                issuer="證券及期貨事務監察委員會", charset="utf-8").encode("utf-8")),
            "/files/行动方案.pdf": (200, {"Content-Type": "application/pdf"}, pdf),
            "/archive.zip": (200, {"Content-Type": "application/zip"}, b"PK\x03\x04" + b"\x00" * 200),
            "/empty.html": (200, {"Content-Type": "text/html"}, b"<html><head><title>x</title></head><body><script>load()</script></body></html>"),
        }

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def __enter__(self) -> Self:
        owner = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: object) -> None:  # quiet test output
                pass

            def do_GET(self) -> None:
                from urllib.parse import unquote

                path = unquote(self.path.split("?")[0])
                owner.hits[path] += 1
                if path == "/old":
                    self._send(302, {"Location": "/utf8.html"}, b"")
                elif path == "/loop":
                    self._send(301, {"Location": "/loop"}, b"")
                elif path == "/slow.html":
                    time.sleep(owner.slow_seconds)
                    self._send(200, {"Content-Type": "text/html"}, b"<html><body><p>late</p></body></html>")
                elif path == "/huge.html":  # declares its size: refused before reading
                    self._send(200, {"Content-Type": "text/html", "Content-Length": str(50_000_000)}, b"", length=False)
                elif path == "/huge-stream.html":  # no length: refused while reading
                    self.send_response(200)
                    self.send_header("Content-Type", "text/html")
                    self.end_headers()
                    try:
                        for _ in range(400):
                            self.wfile.write(b"<p>" + "很长的页面".encode() * 2000 + b"</p>")
                    except (BrokenPipeError, ConnectionResetError):
                        pass
                elif path in owner.pages:
                    status, headers, body = owner.pages[path]
                    self._send(status, headers, body)
                else:
                    self._send(404, {"Content-Type": "text/html"}, "<h1>404 页面不存在</h1>".encode())

            def _send(self, status: int, headers: dict[str, str], body: bytes, length: bool = True) -> None:
                self.send_response(status)
                for k, v in headers.items():
                    self.send_header(k, v)
                if length:
                    self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                try:
                    self.wfile.write(body)
                except (BrokenPipeError, ConnectionResetError):
                    pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.port = self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()


def serve_forever(port_file: Path) -> None:
    """Run as a process (the browser test): write the port, then serve until killed."""
    with PageServer() as server:
        port_file.write_text(str(server.port))
        threading.Event().wait()


if __name__ == "__main__":
    import sys

    serve_forever(Path(sys.argv[1]))
