"""The one place ids are made."""

from __future__ import annotations

import re
import secrets
import uuid

_UUID_RE = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")


def new_id() -> str:
    """A new lowercase UUID string, the id format of every LiveDesk object."""
    return str(uuid.uuid4())


def new_secret(nbytes: int = 32) -> str:
    return secrets.token_urlsafe(nbytes)


def is_uuid(value: str) -> bool:
    """True for a lowercase canonical UUID, the form MIAW clients generate."""
    return bool(_UUID_RE.match(value))
