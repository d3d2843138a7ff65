"""Objects and their fields: Case and Contact built in, custom objects and platform event types
from the org file. Checking values against a schema is pure."""

from __future__ import annotations

import re
from datetime import date
from typing import Any

from livedesk.errors import bad_request

_TEXT = {"type": "text", "max_length": 255}
BUILT_IN: dict[str, dict[str, dict[str, Any]]] = {
    "Case": {
        name: dict(_TEXT)
        for name in (
            "Subject",
            "Status",
            "Origin",
            "Priority",
            "Topic",
            "SuppliedName",
            "SuppliedEmail",
            "ContactId",
            "ReasonForNotRouting",
            "ConversationId",
            "SessionId",
        )
    }
    | {"Description": {"type": "text", "max_length": 32_000}},
    "Contact": {name: dict(_TEXT) for name in ("FirstName", "LastName", "Phone")}
    | {"Email": {"type": "email", "max_length": 255}},
}
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


def object_fields(config: dict[str, Any], name: str) -> dict[str, dict[str, Any]] | None:
    if name in BUILT_IN:
        return BUILT_IN[name]
    for obj in config.get("objects", []):
        if obj["name"] == name:
            return dict(obj.get("fields", {}))
    return None


def event_fields(config: dict[str, Any], name: str) -> dict[str, dict[str, Any]] | None:
    for event in config.get("event_types", []):
        if event["name"] == name:
            return dict(event.get("fields", {}))
    return None


def checked(
    schema: dict[str, dict[str, Any]], what: str, values: dict[str, Any], *, partial: bool
) -> dict[str, Any]:
    """`values` if they fit the schema (types, lengths, required fields unless `partial`)."""
    for name, value in values.items():
        spec = schema.get(name)
        if spec is None:
            raise bad_request(
                "unknown_field",
                f"{what} has no field {name[:80]!r}; it has {', '.join(sorted(schema)) or 'none'}.",
            )
        if value is not None and not _fits(spec, value):
            raise bad_request(
                "invalid_field",
                f"{what}.{name} must be {_describe(spec)}.",
                field=name,
            )
    if not partial:
        missing = [
            n for n, spec in schema.items() if spec.get("required") and values.get(n) is None
        ]
        if missing:
            raise bad_request(
                "missing_field", f"{what} needs {', '.join(missing)}.", fields=missing
            )
    return values


def _fits(spec: dict[str, Any], value: Any) -> bool:
    kind = spec.get("type", "text")
    if kind == "number":
        return isinstance(value, int | float) and not isinstance(value, bool)
    if kind == "boolean":
        return isinstance(value, bool)
    if not isinstance(value, str) or len(value) > int(spec.get("max_length", 255)):
        return False
    if kind == "email":
        return bool(_EMAIL.match(value))
    if kind == "date":
        try:
            date.fromisoformat(value)
        except ValueError:
            return False
    return True


def _describe(spec: dict[str, Any]) -> str:
    kind = spec.get("type", "text")
    return {
        "number": "a number",
        "boolean": "true or false",
        "email": "an email address",
        "date": "a date like 2026-11-23",
    }.get(kind, f"text of at most {spec.get('max_length', 255)} characters")
