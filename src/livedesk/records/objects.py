"""Objects and their fields: Case and Contact built in, custom objects and platform event types
from the org file. Checking values against a schema is pure."""

from __future__ import annotations

import re
from datetime import date
from typing import Any

from livedesk.errors import bad_request
from livedesk.orgs.schemas import FieldSpec, OrgSettings

Schema = dict[str, FieldSpec]
_TEXT = FieldSpec()
BUILT_IN: dict[str, Schema] = {
    "Case": {
        name: _TEXT
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
    | {"Description": FieldSpec(max_length=32_000)},
    "Contact": {name: _TEXT for name in ("FirstName", "LastName", "Phone")}
    | {"Email": FieldSpec(type="email")},
}
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


def object_fields(config: OrgSettings, name: str) -> Schema | None:
    return BUILT_IN.get(name) or config.object_fields(name)


def event_fields(config: OrgSettings, name: str) -> Schema | None:
    event = config.event_type(name)
    return event.fields if event is not None else None


def checked(schema: Schema, what: str, values: dict[str, Any], *, partial: bool) -> dict[str, Any]:
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
        missing = [n for n, spec in schema.items() if spec.required and values.get(n) is None]
        if missing:
            raise bad_request(
                "missing_field", f"{what} needs {', '.join(missing)}.", fields=missing
            )
    return values


def _fits(spec: FieldSpec, value: Any) -> bool:
    kind = spec.type
    if kind == "number":
        return isinstance(value, int | float) and not isinstance(value, bool)
    if kind == "boolean":
        return isinstance(value, bool)
    if not isinstance(value, str) or len(value) > spec.max_length:
        return False
    if kind == "email":
        return bool(_EMAIL.match(value))
    if kind == "date":
        try:
            date.fromisoformat(value)
        except ValueError:
            return False
    return True


def _describe(spec: FieldSpec) -> str:
    return {
        "number": "a number",
        "boolean": "true or false",
        "email": "an email address",
        "date": "a date like 2026-11-23",
    }.get(spec.type, f"text of at most {spec.max_length} characters")
