"""What a file is, from its first bytes (never from its name). Pure."""

from __future__ import annotations

SNIFF_BYTES = 512

_SIGNATURES: tuple[tuple[bytes, int, str], ...] = (
    (b"\x89PNG\r\n\x1a\n", 0, "image/png"),
    (b"\xff\xd8\xff", 0, "image/jpeg"),
    (b"GIF87a", 0, "image/gif"),
    (b"GIF89a", 0, "image/gif"),
    (b"%PDF-", 0, "application/pdf"),
    (b"PK\x03\x04", 0, "application/zip"),
    (b"MZ", 0, "application/x-msdownload"),
    (b"\x7fELF", 0, "application/x-elf"),
)
_WEBP = (b"RIFF", b"WEBP")


def sniff(head: bytes) -> str:
    """The content type of a file that starts with `head`; `application/octet-stream` when it is
    nothing we recognise. Text is UTF-8 without control characters (tabs and newlines allowed)."""
    for magic, offset, kind in _SIGNATURES:
        if head[offset : offset + len(magic)] == magic:
            return kind
    if head[:4] == _WEBP[0] and head[8:12] == _WEBP[1]:
        return "image/webp"
    if head and _is_text(head):
        return "text/plain"
    return "application/octet-stream"


def _is_text(head: bytes) -> bool:
    try:
        text = head.decode("utf-8")
    except UnicodeDecodeError as exc:
        # A multi-byte character cut at the end of the sniffed bytes is still text.
        if exc.start < len(head) - 3:
            return False
        text = head[: exc.start].decode("utf-8")
    if text.lstrip().lower().startswith(("<!doctype html", "<html", "<script", "<svg")):
        return False  # markup a browser would run is never "text" here
    return all(ch >= " " or ch in "\t\n\r" for ch in text)
