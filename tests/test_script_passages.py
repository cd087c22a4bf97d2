"""Script per passage: a Traditional passage is converted wherever it appears (title, body, quotation), not only
when the whole text is Traditional; Simplified passages are left exactly as they are."""

from __future__ import annotations

from drafting.sources.convert import for_drafting

HEADLINE = "财政部印发《企业数据资源相关会计处理暂行规定》 数据资源可入表"
LEAD = ("8月1日，财政部印发《企业数据资源相关会计处理暂行规定》，明确企业数据资源可确认为无形资产或存货。"
        "业内人士认为，规定为数据资产入表提供了会计依据，数据要素市场有望迎来新一轮发展。"
        "以下为香港媒体的相关报道摘录，供读者参考。")
SIMPLIFIED_PARAS = [
    ("规定共分为四部分，分别对适用范围、数据资源会计处理适用的准则、列示和披露要求以及附则作出规定。"
    "企业应当根据数据资源的持有目的、形成方式、业务模式，以及与数据资源有关的经济利益的预期消耗方式等，"
    "对数据资源相关交易和事项进行会计确认、计量和报告。"),
    ("在披露方面，规定采取强制披露加自愿披露的方式，企业可以根据实际情况自愿披露数据资源的应用场景、"
    "原始数据类型来源、加工维护和安全保护情况，以及涉及的重大交易事项等信息。"),
    ("专家表示，数据资源入表有助于企业更好地反映数据资产价值，也对企业的数据治理能力提出了更高要求。"
    "后续还需在数据资产评估、数据确权等方面进一步完善配套制度。"),
    ("从上市公司披露情况看，已有多家企业在定期报告中单独列示数据资源项目，涉及交通、通信、金融等行业。"
    "部分地方数据交易机构也推出了数据资产登记、评估和质押融资等配套服务，推动数据资源从成本项转为资产项。"),
    ("律师提示，企业在数据资源入表前，应当先行梳理数据来源的合法性、授权链条的完整性以及个人信息处理的合规性，"
    "避免因权属不清或来源瑕疵导致资产确认后又被调整，进而影响财务报表的可靠性和投资者的判断。"),
]
HK_PARA = "【香港經濟日報】國家財政部於2023年8月1日印發《企業數據資源相關會計處理暫行規定》，相關規定將自2024年1月1日起施行。"


def test_a_traditional_paragraph_inside_a_simplified_article():
    text = "\n".join([HEADLINE, LEAD, *SIMPLIFIED_PARAS, HK_PARA])
    out = for_drafting(text)
    assert "国家财政部于2023年8月1日印发《企业数据资源相关会计处理暂行规定》" in out.text
    assert out.traditional
    assert out.text.splitlines()[:2] == [HEADLINE, LEAD]  # Simplified passages untouched


def test_a_traditional_title_over_a_simplified_body():
    title = "《穩定幣條例》持牌人指引"
    body = "\n".join([LEAD, *SIMPLIFIED_PARAS])
    out = for_drafting(title + "\n" + body)
    assert out.text.splitlines()[0] == "《稳定币条例》持牌人指引"
    assert out.text.splitlines()[1:] == body.splitlines()


def test_a_traditional_quotation_in_a_simplified_sentence():
    sentence = "香港证监会在声明中表示：“新制度將在促進創新與保障投資者之間取得平衡。”该制度自2023年6月1日起实施。"
    out = for_drafting("\n".join([sentence, *SIMPLIFIED_PARAS]))
    first = out.text.splitlines()[0]
    assert "“新制度将在促进创新与保障投资者之间取得平衡。”" in first
    assert first.startswith("香港证监会在声明中表示：") and first.endswith("该制度自2023年6月1日起实施。")


def test_keep_quoted_titles_per_passage():
    text = "\n".join([LEAD, *SIMPLIFIED_PARAS, "香港《打擊洗錢及恐怖分子資金籌集條例》已於2023年6月1日生效，證監會同日實施發牌制度。"])
    out = for_drafting(text, keep_quoted_titles=True)
    assert "香港《打擊洗錢及恐怖分子資金籌集條例》已于2023年6月1日生效，证监会同日实施发牌制度。" in out.text


def test_simplified_text_is_left_alone():
    text = "\n".join([HEADLINE, LEAD, *SIMPLIFIED_PARAS])
    out = for_drafting(text)
    assert out.text == text and not out.traditional
