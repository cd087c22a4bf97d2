"""Names for the fact check: official short forms, organisations and places named without a suffix, persons after a title.

jieba's tags alone miss most of these (华为 is tagged a person, 苹果 a noun, 亦庄 nothing useful), so known short
names come from drafting/data/names.tsv and equivalent forms of a body from drafting/data/short_forms.tsv.
"""

from __future__ import annotations

import re
from functools import cache
from importlib.resources import files
from pathlib import Path

_DATA = Path(str(files("drafting") / "data"))  # the package's own data, wherever this module sits

# Titles after which the next two or three characters are a person's name (市长殷勇, 董事长姜滨).
_TITLES = ("副市长", "市长", "副省长", "省长", "副区长", "区长", "副局长", "局长", "副部长", "部长", "厅长", "副主任", "主任",
           "书记", "联合创始人", "创始人", "董事长", "副总裁", "总裁", "总经理", "首席执行官", "常务董事", "董事", "CEO", "负责人",
           "院长", "司长", "处长", "行长", "主席", "秘书长", "会长", "理事长", "合伙人")
_TITLE_NAME = re.compile(
    rf"(?:{'|'.join(sorted(_TITLES, key=len, reverse=True))})\s*([\u4e00-\u9fff]{{2,3}}?)"
    r"(?=表示|称|指出|认为|介绍|说|宣布|发布|推出|一同|一行|牵头|带队|到|赴|在|出席|主持|调研|走访|强调|透露|等|、|，|,|。|与|和)"
)
# Common surnames (single and compound): after a title, only a name that starts with one is read as a person, so
# "董事长在会上表示" names no one.
_SURNAMES = ("王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪"
             "范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤常温康施文牛樊葛邢安齐易乔伍庞颜"
             "倪庄聂章鲁岳翟殷詹申欧耿关兰焦俞左柳甘祝包宁尚符舒阮柯纪梅童凌毕单季裴霍涂成苗谷盛曲翁冉骆蓝路游辛靳管柴蒙鲍华喻祁蒲"
             "房滕屈饶解牟艾尤阳时穆农司卓古吉缪简车项连芦麦褚娄窦戚岑景党宫费卜冷晏席卫米柏宗瞿桂全佟应臧闵苟邬边卞姬师和仇栾隋商"
             "刁沙荣巫寇桑郎甄丛仲虞敖巩明佘池查麻苑迟邝")
_COMPOUND_SURNAMES = ("欧阳", "司马", "上官", "诸葛", "东方", "皇甫", "令狐", "慕容", "尉迟", "公孙", "长孙", "宇文", "司徒", "夏侯")
# Surnames that also open a clause after a title (于会上, 在此, 和…): such a name is not trusted.
_FUNCTION_CHARS = frozenset("于和时全应成明向将也还则已曾都亦又再并与及")

# Words after a title that are not a name (局长表示, 董事长在会上).
_NOT_NAMES = frozenset(["表示", "指出", "认为", "介绍", "一行", "带队", "出席", "主持", "调研", "走访", "强调", "等人"])
# Capitalised Latin words that are terms, not names (a 短评 may use them freely).
_LATIN_TERMS = frozenset(
    w.lower() for w in ["AI", "AR", "VR", "XR", "MR", "NFT", "DAO", "Web3", "IP", "App", "APP", "API", "GPU", "CPU", "AIGC", "IoT",
                        "5G", "6G", "GDP", "ESG", "IPO", "CEO", "A", "B", "C", "D", "PE", "VC", "DeFi", "RWA", "USDT", "Token",
                        "STO", "ICO", "VASP", "OTC", "KYC", "AML", "SaaS", "B2B", "B2C", "ID", "LLM", "GPT", "ChatGPT", "CBDC", "DID",
                        "GameFi", "SocialFi", "DePIN", "ZK", "L1", "L2", "Layer2", "PoS", "PoW", "ETF", "Web2", "KOL", "UGC",
                        "PGC", "SDK", "OS", "UI", "IT", "ICT", "BIM", "CIM", "GIS", "HDR", "OLED", "LCD", "SoC", "TOKEN"]
)
_LATIN_NAME = re.compile(r"(?<![A-Za-z0-9])[A-Z][A-Za-z0-9]*(?:[A-Z][A-Za-z0-9]*)*(?![A-Za-z0-9])")


@cache
def _tags() -> dict[str, str]:
    """jieba's dictionary, word → part of speech."""
    import jieba.posseg as pseg  # loads the tag table (slow): only when a draft is checked, as in guard._entities

    return pseg.dt.word_tag_tab  # type: ignore[no-any-return]


def _rows(name: str) -> list[list[str]]:
    rows = []
    for line in (_DATA / name).read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.startswith("#"):
            rows.append([c.strip() for c in line.split("\t") if c.strip()])
    return rows


@cache
def short_form_groups() -> tuple[tuple[str, ...], ...]:
    """Each body's forms, full form first (国家发展改革委, 国家发改委, …)."""
    return tuple(tuple(r) for r in _rows("short_forms.tsv"))


@cache
def known_names() -> dict[str, str]:
    """Organisations and places named without a suffix: name → 'org' | 'place'."""
    return {r[0]: r[1] for r in _rows("names.tsv") if len(r) >= 2}


@cache
def _known_names_pattern() -> re.Pattern[str]:
    names = sorted(known_names(), key=len, reverse=True)
    return re.compile("|".join(re.escape(n) for n in names))


def expand_short_forms(text: str) -> list[str]:
    """text, plus text with each body written in each of its other forms: what the source may be quoted as."""
    variants = [text]
    for forms in short_form_groups():
        present = [f for f in forms if f in text]
        if not present:
            continue
        for have in present:
            for other in forms:
                if other != have:
                    variants.append(text.replace(have, other))
    return variants


def known_name_mentions(folded: str) -> list[tuple[int, int, str, str]]:
    """Known short names (华为, 红杉中国, 亦庄) in folded text: (start, end, name, kind)."""
    found = []
    for m in _known_names_pattern().finditer(folded):
        kind = known_names()[m.group(0)]
        # 歌尔集团 is not 歌尔股份: an org is checked with the company word after it
        start, end = org_before_suffix(folded, m.start(), m.end()) if kind == "org" else (m.start(), m.end())
        found.append((start, end, folded[start:end], kind))
    return found


def persons_after_titles(folded: str) -> list[tuple[int, int, str]]:
    """Names right after a title (市长殷勇, 董事长姜滨): (start, end, name)."""
    found = []
    for m in _TITLE_NAME.finditer(folded):
        name = m.group(1)
        if name in _NOT_NAMES or name[:2] in _NOT_NAMES or not (name[0] in _SURNAMES or name.startswith(_COMPOUND_SURNAMES)):
            continue
        if name[0] in _FUNCTION_CHARS or any(_tags().get(w, "nr")[:2] != "nr" for w in (name, name[:2])):
            continue  # 董事长明确表示, 局长于会上: a word of the dictionary that is not a name
        found.append((m.start(1), m.end(1), name))
    return found


# jieba reads 支付/清算 as verbs, so a national association's name never reaches the suffix rule in guard.py.
_ASSOCIATION = re.compile(r"(?:中国|全国|国际|亚洲|世界)[\u4e00-\u9fff]{2,10}?(?:联合会|研究会|基金会|协会|学会|商会|联盟)")


def association_names(folded: str) -> list[tuple[int, int, str]]:
    """Associations named in full (中国支付清算协会): (start, end, name)."""
    return [(m.start(), m.end(), m.group(0)) for m in _ASSOCIATION.finditer(folded)]


# Contexts that only a name fills: an investor before 领投/跟投, a list of companies before 等…企业/厂商.
_INVESTOR = re.compile(r"联合领投|领投|跟投|参投")
_NOT_INVESTOR = re.compile(r"机构|多家|数家|投资方|投资人|股东|基金们|资本方|产业方")
_BEFORE_INVESTOR = re.compile(r"[，,。；;、\s由与和及的]|获得|得到|获|完成|宣布|老股东|股东")
_LISTED = re.compile(
    r"((?:[^，,。；;、\s]{1,10}、)+[^，,。；;、\s]{1,10}?)等(?:[\d一二三四五六七八九十余多几]+家)?"
    # a few words may qualify the noun (终端厂商, 支付机构), but not a new clause (等方面为企业…)
    r"(?:(?!方面|领域|环节|为|对|向|在|给|与|和|的)[\u4e00-\u9fffA-Z]){0,4}?"
    r"(?:企业|厂商|公司|机构|平台|品牌|厂家|投资方|基金)"
)
# List items that are sectors, not companies (区块链、人工智能等企业): skipped, the list names no one.
_SECTOR = re.compile(r"链|智能|数字|藏品|宇宙|互联网|数据|计算|文旅|旅游|教育|医疗|游戏|电商|银行|券商|保险|金融|制造|能源|芯片|半导体|"
                     r"机器人|无人机|直播|视频|产业|技术|服务|平台|应用|场景|硬件|软件|终端|设备|内容|消费|零售|汽车|通信|网络|科研|"
                     r"高校|院所|中小|初创|头部|龙头|国有|民营|外资|上市")
_LEAD_WORDS = re.compile(r"^(?:.*?(?:联合|携手|包括|例如|比如|继|与|和|同|由|如|对|向|走访|投资|收购|推出))")


def context_names(folded: str) -> list[tuple[int, int, str]]:
    """Names known to be names by where they stand (X领投; A、B等企业), whatever jieba tags them."""
    found = []
    for m in _INVESTOR.finditer(folded):
        before = folded[max(0, m.start() - 12):m.start()]
        name = _BEFORE_INVESTOR.split(before)[-1]
        if 2 <= len(name) <= 8 and not _NOT_INVESTOR.search(name):
            found.append((m.start() - len(name), m.start(), name))
    for m in _LISTED.finditer(folded):
        pos = m.start(1)
        for n, part in enumerate(m.group(1).split("、")):
            start = pos
            if n == 0:  # the first item carries the clause's verb: 联合荣耀 → 荣耀
                lead = _LEAD_WORDS.match(part)
                if lead:
                    part, start = part[lead.end():], start + lead.end()
            if len(part) >= 2 and not _SECTOR.search(part):
                found.append((start, start + len(part), part))
            pos += len(m.group(1).split("、")[n]) + 1
    return found


# The one who acts at the start of a sentence (度小满发布…, 蚂蚁数科于9月6日推出…) and where something is set up
# (对在河套设立的…): names by their place in the sentence. Generic subjects and places are not names.
_AGENT = re.compile(r"(?:^|[。！？；;\n])\s*([\u4e00-\u9fffA-Za-z0-9]{2,6}?)(?:于\d{1,2}月\d{1,2}日|在[\u4e00-\u9fff]{2,4})?"
                    r"(?=发布|推出|宣布|上线|携手|牵头)")
_SITE = re.compile(r"(?:在|落户|位于)([\u4e00-\u9fff]{2,3}?)(?=设立|建设|落地|注册|布局|举办|发布|打造)")
_GENERIC_AGENT = re.compile(r"该|此|这|其|本|上述|相关|有关|平台|企业|公司|机构|部门|方$|政府|监管|行业|市场|多家|双方|各方|近日|日前|此前|"
                            r"今年|目前|同时|此外|随后|未来|今后|其中|对此|方案|政策|计划|办法|文件|项目|产品|用户|消费者|投资者|会员|"
                            r"不|得|应|须|可|将|已|的|境内|境外|海外|国内|全国|各地|当地|本地|内地|线上|线下|园区|区内|联合|共同|"
                            r"[一二两三四五六七八九十\d]+家|正式|会上|大会|会议|期间|此次|本次|同期|现场")


def agents_and_sites(folded: str) -> list[tuple[int, int, str, str]]:
    """Names standing as the subject of 发布/推出/宣布 (org) or as the site of 设立/建设 (place)."""
    found = [(m.start(1), m.end(1), m.group(1), "org") for m in _AGENT.finditer(folded)]
    found += [(m.start(1), m.end(1), m.group(1), "place") for m in _SITE.finditer(folded)]
    return [f for f in found if not _GENERIC_AGENT.search(f[2]) and not _SECTOR.search(f[2])]


def latin_names(folded: str) -> list[tuple[int, int, str]]:
    """Capitalised Latin words that are names, not terms (Meta, OPPO, IDG)."""
    return [(m.start(), m.end(), m.group(0)) for m in _LATIN_NAME.finditer(folded) if m.group(0).lower() not in _LATIN_TERMS]


def org_before_suffix(folded: str, start: int, end: int) -> tuple[int, int]:
    """A Latin or known name followed by 资本/集团/中国 (IDG资本, 经纬中国) read as one name."""
    m = re.match(r"(资本|集团|中国|科技|创投|股份|控股|基金)", folded[end:])
    return (start, end + m.end()) if m else (start, end)


def named_without_suffix(folded: str) -> list[tuple[int, int, str, str]]:
    """Known short names (华为, 亦庄), Latin names (OPPO, IDG资本), associations in full, names by context (X领投) and
    persons after a title (市长殷勇): (start, end, name, 'org' | 'place' | 'person')."""
    found = known_name_mentions(folded)
    for start, end, _ in latin_names(folded):
        s, e = org_before_suffix(folded, start, end)
        found.append((s, e, folded[s:e], "org"))
    found += [(s, e, name, "person") for s, e, name in persons_after_titles(folded)]
    found += [(s, e, name, "org") for s, e, name in association_names(folded)]
    found += [(s, e, name, "org") for s, e, name in context_names(folded)]
    found += agents_and_sites(folded)
    return found
