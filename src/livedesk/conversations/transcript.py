"""A conversation's transcript as text or PDF: who said what and when, attachments by name.
Rendering is pure: entries in, bytes out."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from fpdf import FPDF

from livedesk.conversations.entries import Entry, EntryType
from livedesk.models import SessionStatus

FONT = Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf")


def lines(conversation_id: str, items: Sequence[Entry]) -> list[str]:
    out = [f"Conversation {conversation_id}", ""]
    for entry in items:
        text = _describe(entry)
        if text is None:
            continue
        moment = datetime.fromtimestamp(entry.transcripted_at / 1000, UTC)
        who = f"{entry.sender.display_name} ({entry.sender.role})"
        out.append(f"[{moment:%Y-%m-%d %H:%M:%S} UTC] {who}: {text}")
    return out


def _describe(entry: Entry) -> str | None:
    payload = entry.payload
    if entry.entry_type == EntryType.SESSION_STATUS_CHANGED:
        status = payload.get("sessionStatus")
        return (
            f"— session {str(status).lower()} —"
            if status in (SessionStatus.ACTIVE, SessionStatus.ENDED)
            else None
        )
    if entry.entry_type != EntryType.MESSAGE:
        return None
    content: dict[str, Any] = (payload.get("abstractMessage") or {}).get("staticContent") or {}
    text = str(content.get("text") or "")
    files = [f"[file: {a.get('name')}]" for a in content.get("attachments") or []]
    return " ".join(p for p in (text, *files) if p) or None


def as_text(conversation_id: str, items: Sequence[Entry]) -> bytes:
    return ("\n".join(lines(conversation_id, items)) + "\n").encode()


def as_pdf(conversation_id: str, items: Sequence[Entry]) -> bytes:
    pdf = FPDF()
    pdf.set_auto_page_break(auto=True, margin=15)
    pdf.add_page()
    unicode = FONT.exists()
    if unicode:
        pdf.add_font("DejaVu", fname=str(FONT))
        pdf.set_font("DejaVu", size=10)
    else:  # the core fonts know Latin-1 only
        pdf.set_font("Helvetica", size=10)
    for line in lines(conversation_id, items):
        if not unicode:
            line = line.encode("latin-1", "replace").decode("latin-1")
        pdf.multi_cell(0, 5, line or " ", new_x="LMARGIN", new_y="NEXT")
    return bytes(pdf.output())
