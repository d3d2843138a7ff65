"""The one place ids are made."""

from __future__ import annotations

import re
import secrets
import uuid

_UUID_RE = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")


def new_id() -> str:
    """A new lowercase UUID string, the id format of every LiveDesk object."""
    return str(uuid.uuid4())


_DERIVED = uuid.UUID("5b0e5f52-8d7e-4a53-9c55-2f1d1a1d2c10")  # LiveDesk's namespace for uuid5


def derived_id(*parts: str) -> str:
    """The same lowercase UUID for the same parts, every time (an id the client did not give,
    made so that a retry is recognised)."""
    return str(uuid.uuid5(_DERIVED, "\x1f".join(parts)))


def new_secret(nbytes: int = 32) -> str:
    return secrets.token_urlsafe(nbytes)


def is_uuid(value: str) -> bool:
    """True for a lowercase canonical UUID, the form MIAW clients generate."""
    return bool(_UUID_RE.fullmatch(value))


def canonical_id(value: str) -> str:
    """An id as LiveDesk looks it up and stores it. Ids are compared without regard to case
    (a client may retry with its UUID in capitals), so every id a client sends is lowercased
    before anything else sees it."""
    return value.lower()


def canonical_uuid(value: str) -> str | None:
    """`value` as a stored UUID (lowercase) when it is a UUID in any case; None otherwise."""
    value = canonical_id(value)
    return value if _UUID_RE.fullmatch(value) else None
