"""Who issued a policy text (or, for news and deals, which company or organiser acted).

Read, in order, from the 发文机关 header, the heading (X关于印发《…》的通知), the lead (X、Y联合印发 / X等N部门印发 /
记者从X获悉), and the 落款 at the end. For news, the organiser (由X主办) or the company that acted — never a dateline,
a pronoun (我们, 同样) or an outlet: the old rules took whatever stood before the first verb.
"""

from __future__ import annotations

import re

import cn2an

# Bodies end like this; 区/县/市 only count as a whole issuer name (黄埔区), never inside a longer phrase.
_TAIL = (r"(?:管理委员会|委员会|管委会|办公厅|办公室|人民政府|政府|总局|管理局|监督管理局|局|厅|部|委|署|院|中心|协会|学会|"
         r"联盟|联合会|商会|研究会|银行|交易所|监会|金管局|网信办|法院|检察院|开发区|高新区|新区|集团|公司|研究院|实验室|数码港|外汇局)")
_TOP = r"(?:中共中央办公厅|国务院办公厅|中共中央|国务院|全国人大常委会|中央网信办|中央军委)"
_ORG = rf"(?:{_TOP}|[\u4e00-\u9fffA-Za-z（）()]{{1,30}}?{_TAIL}|[\u4e00-\u9fff]{{2,6}}(?:区|县|市|省))"
_SEP = r"(?:\s*[、,，与及和]\s*|\s+)"
_ORGS = rf"(?:{_ORG}(?:{_SEP}{_ORG}){{0,8}})"
_COUNT = r"等\s*([\d一二三四五六七八九十]{1,3})\s*(?:个)?(?:部门|部委|单位|机构)"
_VERB = r"(?:联合|正式|近日|日前|今日|共同|公开|现)*(?:印发|发布|出台|公布|制定|发出|就|宣布|召开|推出|揭牌|举办|下发|修订|颁布|发表|刊发)"
_DATE_HEAD = r"^\s*(?:\d{4}\s*年\s*)?(?:\d{1,2}\s*月\s*\d{1,2}\s*日)?\s*[，,]?\s*(?:近日|日前|今日|近期|此前)?\s*[，,]?\s*"
_DATELINE = re.compile(r"^[^，。\n]{0,12}?\d{1,2}\s*月\s*\d{1,2}\s*日\s*(?:电|讯)\s*(?:[（(][^）)]{0,20}[）)])?\s*")
_NOT_ORG = re.compile(r"^(?:我们|我国|他们|同样|此次|本次|记者|新闻|今年|近日|日前|该|本|其|这|那|有关|相关|各|上述|以下|通知|文件|会议)|"
                      r"(?:新闻|大会|峰会|论坛|发布会|会议|活动|报道|消息)$")
_COMPANY_TAIL = re.compile(r"(?:近日|日前|今日|今天|正式|宣布|完成|获得?|发布|推出|上线|与|在|将|拟|已|于)+$")


def _split(orgs: str) -> list[str]:
    """Bodies at their separators, but only where each side is a body: 工业和信息化部, 证券及期货事务监察委员会 stay whole."""
    pieces = re.split(f"({_SEP})", orgs.strip())
    parts: list[str] = []
    current = ""
    for n, piece in enumerate(pieces):
        if n % 2 == 1 and not current:
            continue  # the separator after a body already taken
        current += piece
        if n % 2 == 0 and re.fullmatch(_ORG, current.strip()):
            parts.append(current.strip())
            current = ""
    if current.strip(" 、,，"):
        parts.append(current.strip(" 、,，"))
    parts = [re.sub(r"^(?:由|经|从|联合|会同)", "", p) for p in parts if p]
    parts = [re.sub(r"^国家(?=[\u4e00-\u9fff]{1,6}部$)", "", p) for p in parts]  # 国家财政部 is 财政部
    return [p for p in parts if 2 <= len(p) <= 40 and not _NOT_ORG.search(p)]


def is_org_line(line: str) -> bool:
    """A line that is only issuing bodies (the 发文机关 header above a heading, or a 落款 line)."""
    line = line.strip()
    return bool(line) and len(line) <= 80 and bool(re.fullmatch(_ORGS, line)) and not re.search(r"[。，；：]", line)


_PLACE = (r"(?:中共|国家|北京|天津|上海|重庆|河北|山西|辽宁|吉林|黑龙江|江苏|浙江|安徽|福建|江西|山东|河南|湖北|湖南|广东|海南|四川|"
          r"贵州|云南|陕西|甘肃|青海|内蒙古|广西|西藏|宁夏|新疆|香港|澳门)")


def _unglue(name: str) -> list[str]:
    """Two 落款 bodies OCR ran together (中共浙江省委宣传部浙江省科学技术厅): split where a place name starts a second body."""
    for m in re.finditer(_PLACE, name):
        left, right = name[:m.start()], name[m.start():]
        if m.start() >= 4 and len(right) >= 5 and re.fullmatch(_ORG, left) and re.fullmatch(_ORG, right) \
                and re.search(_TAIL + "$", left):
            return [left, *_unglue(right)]
    return [name]


def _count(text: str) -> int | None:
    m = re.search(_COUNT, text)
    if not m:
        return None
    try:
        return int(cn2an.cn2an(m.group(1), "smart"))
    except ValueError:
        return None


def lead_sentence(text: str) -> str | None:
    """The first sentence that names an issuing verb (印发/发布 …), dateline removed."""
    for sentence in re.split(r"(?<=[。！？\n])", text[:3000]):
        if re.search(_VERB, sentence) and len(sentence.strip()) >= 8:
            return _DATELINE.sub("", sentence.strip())
    return None


def _from_header(text: str) -> list[str]:
    m = re.search(r"(?:发文机关|发布机构|发文单位|发布单位|制发机关)\s*[:：]\s*[|｜]?\s*(.{2,80}?)\s*(?=$|\n|[|｜]|成文日期|发布日期|发文日期|"
                  r"文号|发文字号|索引号|主题分类|生效日期|来源|[:：])", text, re.MULTILINE)
    return _split(m.group(1).strip(" |｜\t")) if m else []


def _from_heading(text: str) -> tuple[list[str], int | None]:
    for line in [ln.strip() for ln in text.splitlines() if ln.strip()][:4]:
        m = re.match(rf"^({_ORGS})\s*(?:{_COUNT})?\s*关于", line)
        if m:
            return _split(m.group(1)), _count(line[: m.end()])
    return [], None


def _from_lead(text: str) -> tuple[list[str], int | None]:
    head = text[:1500]
    for raw in re.split(r"(?<=[。！？\n])", head):
        sentence = _DATELINE.sub("", re.sub(r"^【[^】\n]{1,20}】", "", raw.strip()))
        m = re.search(rf"(?:记者)?\d{{0,2}}日?从({_ORGS})(?:获悉|了解到|得到消息)", sentence)
        if m:
            return _split(m.group(1)), None
        m = re.search(rf"(?:^|[，,])\s*(?:由)?({_ORGS})\s*(?:{_COUNT})?\s*(?:于?(?:\d{{4}}年)?\d{{1,2}}月\d{{1,2}}日)?\s*{_VERB}",
                      re.sub(_DATE_HEAD, "", sentence))
        if m and (found := _split(m.group(1))):
            return found, _count(sentence[: m.end() + 12])
        if m := re.search(rf"^(?:近日|日前)?[，,]?\s*(?:{_COUNT.replace('等', '')})\s*联合", re.sub(_DATE_HEAD, "", sentence)):
            # 七部门联合印发: the bodies are not named here; their count is still worth keeping.
            return [], _count("等" + m.group(0))
    return [], None


def _from_signature(text: str) -> list[str]:
    """The 落款: org-name lines just above the closing date (中共中央 国务院 / A\\nB)."""
    lines = [ln.strip() for ln in text.splitlines() if ln.strip()]
    tail = lines[-8:]
    date_at = next((i for i in range(len(tail) - 1, -1, -1)
                    if re.fullmatch(r"[（(]?\s*(?:\d{4}|[〇○零一二三四五六七八九]{4})\s*年.{1,6}月.{1,6}日\s*[）)]?", tail[i])), None)
    if date_at is None:
        m = re.search(rf"({_ORGS})\s*(?:\d{{4}}|[〇○零一二三四五六七八九]{{4}})\s*年[^年\n]{{1,8}}日\s*$", text[-150:])
        return _split(m.group(1)) if m and not re.search(r"[。，；]", m.group(1)) else []
    found: list[str] = []
    for line in reversed(tail[:date_at]):
        if re.fullmatch(_ORGS, line) and not re.search(r"[。，；：]", line):
            found = [part for name in _split(line) for part in _unglue(name)] + found
        else:
            break
    return found


def _company(text: str, title: str | None) -> list[str]:
    """For news and deals: the organiser (由X主办) or the company the lead or headline names first."""
    head = _DATELINE.sub("", text[:600])
    m = re.search(rf"由({_ORGS})(?:共同|联合)?(?:主办|指导|举办|发起)", head)
    if m and (found := _split(m.group(1))):
        return found
    m = re.search(rf"在({_ORG})(?:正式)?(?:揭牌|挂牌|成立)", (title or "") + "\n" + head[:200])
    if m and re.search(_TAIL + "$", m.group(1)):
        return [m.group(1)]
    lines = [ln for ln in head.splitlines() if ln.strip()][:4]
    for source in (title or "", *(re.sub(_DATE_HEAD, "", ln) for ln in lines)):
        first = re.split(r"[。！？\n]", source.strip())[0]
        m = re.search(r"[“\"「]([^”\"」]{2,20})[”\"」]", first[:40])
        if m and not _NOT_ORG.search(m.group(1)):
            return [m.group(1)]
        for clause in re.split(r"[，,]", first)[:3]:
            m = re.match(r"^\s*([\u4e00-\u9fffA-Za-z0-9·]{2,20}?)(?:旗下[^，,]{0,12})?"
                         r"(?:近日|日前|今日|今天)?(?:正式)?(?:宣布|完成|获得?|发布|推出|上线|与|揭牌|成立|举办|召开|战略投资|收购|拟)",
                         clause)
            name = _COMPANY_TAIL.sub("", m.group(1)) if m else ""
            # 游戏公司祥云互娱 / 解决方案提供商孪数科技: the name, not its description
            name = re.sub(r"^[\u4e00-\u9fffA-Za-z0-9]{0,12}(?:公司|平台|企业|厂商|服务商|提供商|项目|机构|品牌)(?=.{2,})", "", name)
            if len(name) >= 2 and not _NOT_ORG.search(name) and not re.match(r"^\d", name):
                return [name]
    return []


def issuers_of(text: str, kind: str, title: str | None = None) -> tuple[list[str], int | None]:
    """(issuers as written, N of 等N部门 or None)."""
    if kind != "policy":
        found = _from_lead(text)[0] if re.search(r"从[^，。]{2,30}获悉", text[:400]) else []
        return found or _from_signature(text) or _company(text, title), None
    found, count = _from_header(text), _count(text[:600])
    if not found:
        found, count = _from_heading(text)
    if not found:
        found, count = _from_lead(text)
    signed = _from_signature(text)
    # The 落款 names every body in full (上海市徐汇区人民政府 for the heading's 徐汇区; all five for 工信部等五部门).
    if signed:  # the 落款 is the document's own word on who issued it
        return signed, count if count and count > len(signed) else None
    return found, count
