"""Subscription filters: `field = value`, several joined by AND (`id = 500x AND status = 'New'`).
Pure; a filter that is not in this small language is refused with the column of the problem."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from livedesk.errors import bad_request

_NAME = re.compile(r"\s*([A-Za-z_][A-Za-z0-9_]*)")
_EQUALS = re.compile(r"\s*=")
_VALUE = re.compile(r"\s*('(?:[^'\\]|\\.)*'|\"(?:[^\"\\]|\\.)*\"|[^\s'\"=]+)\s*")
_AND = re.compile(r"AND\b", re.IGNORECASE)


@dataclass(frozen=True)
class Filter:
    terms: tuple[tuple[str, str], ...] = ()

    def matches(self, fields: dict[str, Any]) -> bool:
        return all(_text(fields.get(name)) == value for name, value in self.terms)


def parse(text: str | None, known: set[str]) -> Filter:
    if text is None or not text.strip():
        return Filter()
    if len(text) > 1000:
        raise bad_request("invalid_filter", "A filter may be at most 1000 characters.")
    terms: list[tuple[str, str]] = []
    position = 0
    while True:
        name = _NAME.match(text, position)
        if name is None:
            raise _error("Expected a field name", text, position)
        if name.group(1) not in known:
            raise _error(f"Unknown field {name.group(1)!r}", text, name.start(1))
        equals = _EQUALS.match(text, name.end())
        if equals is None:
            raise _error("Expected `=`", text, name.end())
        value = _VALUE.match(text, equals.end())
        if value is None:
            raise _error("Expected a value", text, equals.end())
        terms.append((name.group(1), _unquote(value.group(1))))
        position = value.end()
        if position == len(text):
            return Filter(tuple(terms))
        joined = _AND.match(text, position)
        if joined is None:
            raise _error("Expected AND", text, position)
        position = joined.end()


def _error(problem: str, text: str, position: int) -> Exception:
    while position < len(text) and text[position] == " ":
        position += 1
    return bad_request(
        "invalid_filter",
        f"{problem} at column {position + 1} of the filter `{text[:100]}`.",
        column=position + 1,
    )


def _unquote(raw: str) -> str:
    if len(raw) >= 2 and raw[0] == raw[-1] and raw[0] in "'\"":
        return re.sub(r"\\(.)", r"\1", raw[1:-1])
    return raw


def _text(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)
