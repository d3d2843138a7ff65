"""Server-sent event framing."""

from __future__ import annotations


def frame(event_id: int | None, event: str, data: bytes) -> bytes:
    """One SSE frame; `data` must be a single line of JSON."""
    head = b"" if event_id is None else b"id: %d\n" % event_id
    return head + b"event: " + event.encode() + b"\ndata: " + data + b"\n\n"


PING = b"event: ping\ndata: {}\n\n"
