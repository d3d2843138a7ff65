"""What a JSON body LiveDesk takes must be, checked on its bytes (the HTTP layer, and an upload's
JSON part, ask the same question)."""

from __future__ import annotations

import json
import re
from typing import Any

import orjson

from livedesk.errors import AppError, bad_request
from livedesk.kit.jsonutil import MAX_INT, MIN_INT

# A run of 19 digits or more: only then can a whole number be beyond 64 bits.
_LONG_NUMBER = re.compile(rb"\d{19}")


class _NumberOutOfRange(Exception):
    pass


def _checked_int(text: str) -> int:
    number = int(text)
    if not MIN_INT <= number <= MAX_INT:
        raise _NumberOutOfRange
    return number


def _has_nul(value: Any) -> bool:
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, dict):
        return any(_has_nul(k) or _has_nul(v) for k, v in value.items())
    if isinstance(value, list):
        return any(_has_nul(v) for v in value)
    return False


def json_problem(raw: bytes) -> AppError | None:
    """Why `raw` is not a JSON body LiveDesk takes (None when it is one): it must be JSON in
    UTF-8 without lone surrogates, NaN or Infinity (what orjson reads), its text without the NUL
    character, and its whole numbers must fit in 64 bits."""
    try:
        value = orjson.loads(raw)
    except orjson.JSONDecodeError as exc:
        return bad_request(
            "malformed_json",
            f"The request body is not valid JSON ({exc.msg}, at character {exc.pos}).",
        )
    if b"\\u0000" in raw and _has_nul(value):  # PostgreSQL cannot store it in text
        return bad_request(
            "nul_character", "Text in the request body may not contain the NUL character."
        )
    if _LONG_NUMBER.search(raw) is not None:
        try:
            json.loads(raw, parse_int=_checked_int)
        except _NumberOutOfRange:
            return bad_request(
                "number_out_of_range",
                f"A whole number in the request body is out of range (from {MIN_INT} to "
                f"{MAX_INT}).",
            )
    return None
