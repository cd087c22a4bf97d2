"""The model's reading of an item's profile (kind, stance, issuer, level), kept only where it names a valid value."""

from __future__ import annotations

import json
import logging
import unicodedata

from langchain_core.messages import HumanMessage

from drafting.corpus.profile import KINDS, LEVELS
from drafting.fence import fence
from drafting.models import STANCES, Item, Profile
from drafting.writing.model import ChatModel
from drafting.writing.prompts import Prompt

logger = logging.getLogger(__name__)


def refine_with_model(item: Item, base: Profile, model: ChatModel, prompt: Prompt) -> Profile:
    """The model's reading of kind/stance/issuer/level, kept only where it names a valid value; else the rules'."""
    text = prompt.render(
        source=fence(f"标题：{item.title}\n栏目：{item.section}\n正文：{item.body}"), kinds="、".join(KINDS),
        stances="、".join(STANCES), levels="、".join(LEVELS), rules=base.model_dump_json(),
    )
    reply = model.complete([HumanMessage(content=text)])
    try:
        start, end = reply.find("{"), reply.rfind("}")
        data = json.loads(reply[start:end + 1])
        if not isinstance(data, dict):
            raise TypeError("not an object")
    except (ValueError, TypeError) as exc:
        logger.warning("model profile was not JSON (%s); keeping the rules' profile", exc)
        return base
    update: dict[str, object] = {}
    if data.get("kind") in KINDS:
        update["kind"] = data["kind"]
    if data.get("stance") in STANCES:
        update["stance"] = data["stance"]
    if data.get("level") in LEVELS:
        update["level"] = data["level"]
    issuer = data.get("issuer")
    if isinstance(issuer, str) and 2 <= len(issuer) <= 40 and issuer in unicodedata.normalize("NFKC", f"{item.title}{item.body}"):
        update["issuer"] = issuer  # an issuer the source never names would be an invented fact
    if not update:
        return base
    return base.model_copy(update=update | {"source": "model"})
