"""The moves of the kinds genres.py does not cover: 白皮书/报告, top-level 意见 (中共中央 国务院), 征求意见稿,
associations' 倡议 (self-regulation, not a 部门's rule), 会议/活动/调研, 产品发布, 人事/机构.

Each function returns (core, optional) sentences. A core entry may be a tuple of wordings: the drafter takes the
first whose sentence the issue has not used twice yet. Clauses from the source come through drafting.writing.offline.clauses.
"""

from __future__ import annotations

import re

from drafting.writing.offline import clauses

Move = str | tuple[str, ...]


def _area(topic: str) -> str:
    return "相关领域" if topic in ("相关", "相关产业") else f"{topic}领域"


def report(lead: str, this: str, body: str, topic: str) -> tuple[list[Move], list[Move]]:
    """A 白皮书 or 报告: what it finds, that it binds nobody, what a client may use it for."""
    found = clauses.statement(body, 56, pattern=r"梳理|认为|指出|显示|分析|提出|总结|预测")
    found = re.sub(r"^(?:白皮书|报告|蓝皮书)", this, found) if found else None
    area = _area(topic)
    core: list[Move] = [
        f"{lead}。{found}。" if found else f"{lead}，对{area}的发展现状与趋势作了梳理。",
        (f"作为研究性文件，{this}本身不设定权利义务，但其对{area}发展阶段的判断，可作为企业研判趋势、规划业务的参考。",
         f"{this}属于研究成果而非政策文件，其结论不具约束力，但为观察{area}提供了较为系统的数据与案例。"),
        (f"对相关企业而言，{this}中提及的应用方向与行业挑战，也提示了数据合规、知识产权等方面值得提前准备的事项。",
         f"{this}所揭示的行业问题，亦可供企业在技术路线、合规投入与合作选择上参考。"),
    ]
    return core, []


def top_level(lead: str, this: str, subject: str, distinct: str | None, topic: str) -> tuple[list[Move], list[Move]]:
    """A document of 中共中央 and/or 国务院: top-level design, to be carried out by later measures."""
    core: list[Move] = [
        f"{lead}，从顶层设计层面对{subject}作出部署。",
        f"{distinct}。" if distinct else f"{this}明确了{subject}的总体要求与主要任务。",
        (f"作为中央层面的政策文件，{this}的落实有赖于各地区、各有关方面后续出台的具体措施，相关企业可关注其中与自身业务相关的安排。",
         f"{this}确定的方向将通过后续的具体措施逐步落地，企业可留意与{_area(topic)}相关的配套安排。"),
    ]
    return core, []


def consultation(lead: str, this: str, body: str) -> tuple[list[Move], list[Move]]:
    """A 征求意见稿: what it would require, that the final text may change, when to comment."""
    rule = clauses.duty(body, 56)
    m = re.search(r"(?:截止时间为|截至|在)\s*((?:\d{4}\s*年\s*)?\d{1,2}\s*月\s*\d{1,2}\s*日)\s*(?:前|。|，|,)?", clauses.fold(body))
    until = re.sub(r"\s+", "", m.group(1)) if m else None
    core: list[Move] = [f"{lead}。"]
    if rule:
        core.append(f"按照征求意见稿，{rule}。")
    core.append(f"由于目前仅为征求意见稿，相关条款在正式文本中仍可能调整，企业可在{until}前结合自身业务反馈意见。" if until else
                 "由于目前仅为征求意见稿，相关条款在正式文本中仍可能调整，企业可结合自身业务及时反馈意见。")
    core.append((f"正式文本发布后，{this}的适用范围、过渡安排与具体要求值得再作评估。",
                 f"{this}最终如何定稿，尤其是适用范围与过渡安排，值得持续关注。"))
    return core, []


def association(lead: str, ref: str, this: str, body: str, topic: str, issuer: str | None) -> tuple[list[Move], list[Move]]:
    """An association's 倡议 or 公约: self-regulation of its members, no force of law, a shared view of the risks."""
    ask = clauses.duty(body, 40) or clauses.statement(body, 40, pattern=r"倡议|呼吁|不得|不在|不为|遵守")
    ask = re.sub(r"^(?:倡议|公约|公告)(?:提出|要求|倡议)?", "", ask) if ask else None
    who = issuer or "该协会"
    field = "相关业务" if topic == "相关产业" else f"{topic}相关业务"
    core: list[Move] = [
        f"{lead}，倡议{ask.removeprefix('倡导')}。" if ask else f"{lead}，对相关风险作出提示。",
        (f"{this}属于行业自律安排，首先约束{who}的会员单位，本身不具有行政强制力，但反映了行业对相关风险的共识。",
         f"作为行业自律规范，{this}虽无法律强制力，却代表了行业组织对相关业务边界的判断。"),
        (f"对于从事{field}的企业而言，即便并非会员单位，也宜参照{ref}审视自身的产品设计与宣传推广。",
         f"从事{field}的企业可将{ref}所列情形作为内部自查的参照，避免在产品与营销中触碰相关红线。"),
    ]
    return core, []


def visit(subject: str, said: str | None, topic: str) -> tuple[list[Move], list[Move]]:
    """An inspection visit or a 座谈会: who looked at what; what a client may expect next. No deal terms."""
    area = _area(topic)
    core: list[Move] = [f"{subject}。", f"据报道，{said}。" if said else "",
                        (f"调研与座谈释放出地方对{area}的持续关注，相关企业可留意后续可能出台的支持政策与对接机会。",
                         f"从调研关注的问题看，{area}企业反映的诉求有望在后续政策中得到回应，值得持续跟进。")]
    return [c for c in core if c], []


def personnel(subject: str, said: str | None, who: str | None, topic: str) -> tuple[list[Move], list[Move]]:
    """A 任命 or another change of people at a body or company."""
    area = _area(topic)
    org = who or "相关机构"
    core: list[Move] = [f"{subject}。", f"从公开信息看，{said}。" if said else "",
                        (f"人事调整之后，{org}在{area}的业务方向与合作安排可持续留意。",
                         f"对与{org}有业务往来的企业而言，其管理层变化后的业务重点值得关注。")]
    return [c for c in core if c], []
