"""Auto-responses of a deployment (acknowledgment, end of conversation, inactive notice): System
messages with merge fields. Pure."""

from __future__ import annotations

import math
import re
from typing import Any, Literal

from livedesk.conversations import entries
from livedesk.conversations.entries import SYSTEM, EntryType, NewEntry
from livedesk.kit.ids import new_id
from livedesk.orgs.schemas import StoredDeployment

Kind = Literal["acknowledgment", "end_conversation", "inactive"]
_FIELD = re.compile(r"\{!([A-Za-z_][A-Za-z0-9_]*)\}")


def merge_values(
    attributes: dict[str, Any], queue: str | None, ewt_seconds: int | None
) -> dict[str, str]:
    def first(*names: str) -> str:
        return next((str(attributes[n]).strip() for n in names if attributes.get(n)), "")

    return {
        "firstName": first("_firstName", "firstName", "FirstName"),
        "lastName": first("_lastName", "lastName", "LastName"),
        "email": first("_email", "email", "Email"),
        "topic": first("Topic", "topic"),
        "queue": queue or "",
        "estimatedWaitMinutes": ""
        if ewt_seconds is None
        else str(max(1, math.ceil(ewt_seconds / 60))),
    }


def render(template: str, values: dict[str, str]) -> str:
    """`{!firstName}` → the value; unknown fields become empty; spaces left over are tidied."""
    text = _FIELD.sub(lambda m: values.get(m.group(1), ""), template)
    text = re.sub(r"[ \t]+([,.!?])", r"\1", text)
    text = re.sub(r",([.!?])", r"\1", text)  # "with, {!firstName}?" without a name
    return re.sub(r"[ \t]{2,}", " ", text).strip()


def auto_response(
    kind: Kind,
    deployment: StoredDeployment,
    attributes: dict[str, Any],
    queue: str | None = None,
    ewt_seconds: int | None = None,
) -> NewEntry | None:
    template: str | None = getattr(deployment.auto_responses, kind)
    if not template:
        return None
    text = render(template, merge_values(attributes, queue, ewt_seconds))
    if not text:
        return None
    identifier = new_id()
    return NewEntry(identifier, EntryType.MESSAGE, SYSTEM, entries.text_message(identifier, text))
