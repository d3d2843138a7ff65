"""Answers several features' endpoints give alike."""

from __future__ import annotations

from livedesk.conversations.entries import Entry
from livedesk.web.errors import JsonResponse


def accepted(entry: Entry) -> JsonResponse:
    """The answer to customer input: 202 and the entry it became (`SendResponse`)."""
    sent = {
        "conversationEntries": [{"id": entry.identifier, "clientTimestamp": entry.transcripted_at}]
    }
    return JsonResponse(sent, status_code=202)
