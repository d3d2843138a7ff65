"""Quick texts (canned responses) for one session: those of the org file offered in the session's
queue, their merge fields filled as the auto-responses' are (the same function). Pure."""

from __future__ import annotations

from typing import Any

from livedesk.conversations.auto_responses import merge_values, render
from livedesk.orgs.schemas import QuickText


def for_session(
    texts: list[QuickText], attributes: dict[str, Any], queue: str | None
) -> list[tuple[QuickText, str]]:
    """Each quick text offered in `queue`, with its text rendered for this session."""
    values = merge_values(attributes, queue, None)
    return [(t, render(t.text, values)) for t in texts if not t.queues or (queue in t.queues)]
