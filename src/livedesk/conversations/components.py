"""Messaging components (the org file's `components`): the MIAW entries that carry a question
(`ChoicesMessage` as buttons or quick replies, `FormMessage`) and its answer
(`ChoicesResponseMessage` with `Selections`, `FormResponseMessage` with a `Result`), each with a
plain-text rendering in `staticContent` for clients that show only text, and the check of an
answer against what was offered. Pure: no I/O."""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from typing import Any

from livedesk.conversations.auto_responses import merge_values, render
from livedesk.errors import AppError, bad_request
from livedesk.orgs.schemas import OTHER, ComponentConfig

_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
MAX_OTHER_CHARS = 1000  # the free text of an "other" choice
RATINGS = (1, 5)
_INPUT_TYPES = {
    "text": "Text",
    "number": "Number",
    "email": "Email",
    "rating": "Rating",
    "choice": "Choice",
}


def offered(
    component: ComponentConfig, attributes: dict[str, Any], queue: str | None
) -> dict[str, Any]:
    """The component as a session is offered it: its texts with the session's merge fields
    filled (by the auto-responses' function). Its question shows this, and its answer is checked
    against it, whatever the org file says later."""
    values = merge_values(attributes, queue, None)
    spec = component.model_dump(mode="json")
    spec["text"] = render(component.text, values) or component.name
    for option in spec["options"]:
        option["label"] = render(option["label"], values) or option["value"]
    if spec["other"] is not None:
        spec["other"] = render(spec["other"], values) or "Other"
    for field in spec["fields"]:
        field["label"] = render(field["label"], values) or field["name"]
    return spec


def question(identifier: str, spec: dict[str, Any]) -> dict[str, Any]:
    """The MIAW message entry that asks `spec` (from `offered`). LiveDesk adds `component` (its
    name and type) and, for a form, the inputs of `form.inputs`."""
    if spec["type"] == "choices":
        items = [_option_item(o["value"], o["label"]) for o in spec["options"]]
        if spec["other"] is not None:
            items.append(_option_item(OTHER, spec["other"]))
        body: dict[str, Any] = {
            "messageType": "ChoicesMessage",
            "choices": {
                "formatType": "QuickReplies" if spec["format"] == "quick_replies" else "Buttons",
                "text": spec["text"],
                "optionItems": items,
            },
        }
    else:
        body = {
            "messageType": "FormMessage",
            "form": {
                "formatType": "Inputs",
                "formTitle": _title_item(spec["text"]),
                "message": _title_item(spec["text"]),
                "inputs": [_input(f) for f in spec["fields"]],
            },
        }
    body["component"] = {
        "name": spec["name"],
        "type": spec["type"],
        "otherOptionIdentifier": OTHER if spec["other"] is not None else None,
    }
    return _message(identifier, body, plain_question(spec), None)


def plain_question(spec: dict[str, Any]) -> str:
    """The question and what it offers, as text (for clients that render only text)."""
    lines = [spec["text"]]
    if spec["type"] == "choices":
        lines += [f"• {o['label']}" for o in spec["options"]]
        if spec["other"] is not None:
            lines.append(f"• {spec['other']} (in your own words)")
    else:
        for f in spec["fields"]:
            hint = {
                "rating": f" ({RATINGS[0]} to {RATINGS[1]})",
                "choice": f" ({', '.join(f['choices'])})",
            }.get(f["type"], "")
            lines.append(f"• {f['label']}{hint}{'' if f['required'] else ' (optional)'}")
    return "\n".join(lines)


@dataclass(frozen=True)
class Checked:
    """An answer that fits what was offered."""

    wire: dict[str, Any]  # `choicesResponse` or `formResponse` of the answer entry
    values: dict[str, Any]  # as stored: {"selection", "text"?} or a form's field → value
    text: str  # its plain-text rendering
    selection: str | None = None  # choices: the chosen value
    rating: int | None = None  # form: the first rating given
    reopens: bool = False  # choices: the chosen option opens a session after the end
    case_fields: dict[str, Any] | None = None  # what to store on the session's Case


def check_choices(spec: dict[str, Any], selected: list[dict[str, Any]]) -> Checked:
    """One selection among the options offered, or the "other" choice with its free text."""
    if len(selected) != 1:
        raise invalid_answer("Choose exactly one option: one entry in `selectedOptions`.")
    picked = selected[0]
    identifier = picked.get("optionIdentifier")
    other = spec["other"]
    if identifier == OTHER and other is not None:
        free = picked.get("text")
        free = free if isinstance(free, str) else picked.get("title")
        if not isinstance(free, str) or not free.strip():
            raise invalid_answer(
                f"The {other!r} choice is answered in words: give them as the option's `text`."
            )
        if len(free) > MAX_OTHER_CHARS:
            raise invalid_answer(
                f"An answer in words may have at most {MAX_OTHER_CHARS} characters."
            )
        free = free.strip()
        values = {"selection": OTHER, "text": free}
        option = {"optionIdentifier": OTHER, "title": other, "text": free}
        return _chosen(spec, values, option, free, OTHER, reopens=False)
    for o in spec["options"]:
        if o["value"] == identifier:
            option = {"optionIdentifier": o["value"], "title": o["label"]}
            return _chosen(
                spec, {"selection": o["value"]}, option, o["label"], o["value"], o["reopens"]
            )
    offered_ids = [o["value"] for o in spec["options"]] + ([OTHER] if other is not None else [])
    raise bad_request(
        "choice_not_offered",
        f"{str(identifier)[:80]!r} is not one of the choices offered: "
        f"{', '.join(repr(v) for v in offered_ids)}.",
        offered=offered_ids,
    )


def _chosen(
    spec: dict[str, Any],
    values: dict[str, Any],
    option: dict[str, Any],
    text: str,
    selection: str,
    reopens: bool,
) -> Checked:
    case_field = spec["case_field"]
    return Checked(
        wire={"formatType": "Selections", "selectedOptions": [option]},
        values=values,
        text=text,
        selection=selection,
        reopens=reopens,
        case_fields={case_field: values.get("text", selection)} if case_field else None,
    )


def check_form(spec: dict[str, Any], given: dict[str, Any]) -> Checked:
    """Each field of the form: the right type, within its range, the required ones given, no
    field the form does not have."""
    fields = {f["name"]: f for f in spec["fields"]}
    for name in given:
        if name not in fields:
            raise invalid_answer(
                f"The form has no field {str(name)[:80]!r}; it has {', '.join(fields)}.",
                field=str(name)[:80],
            )
    values: dict[str, Any] = {}
    lines: list[str] = []
    rating: int | None = None
    case_fields: dict[str, Any] = {}
    for name, f in fields.items():
        value = _field_value(f, given.get(name))
        if value is None:
            if f["required"]:
                raise invalid_answer(f"{f['label']} is required.", field=name)
            continue
        values[name] = value
        lines.append(f"{f['label']}: {value}")
        if f["type"] == "rating" and rating is None:
            rating = value
        if f["case_field"]:
            case_fields[f["case_field"]] = value
    return Checked(
        wire={"formatType": "Result", "values": values},
        values=values,
        text="\n".join(lines) or "—",
        rating=rating,
        case_fields=case_fields or None,
    )


def _field_value(f: dict[str, Any], value: Any) -> Any:
    """The value as stored, None when not given (None or blank), or a 400 naming the field."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    name, label, kind = f["name"], f["label"], f["type"]
    if kind in ("rating", "number"):
        number = _number(value)
        if number is None:
            raise invalid_answer(f"{label} must be a number.", field=name)
        if kind == "rating":
            if not number.is_integer() or not RATINGS[0] <= number <= RATINGS[1]:
                raise invalid_answer(
                    f"{label} must be a whole number from {RATINGS[0]} to {RATINGS[1]}.",
                    field=name,
                )
            return int(number)
        low, high = f["min"], f["max"]
        if (low is not None and number < low) or (high is not None and number > high):
            bounds = [f"at least {low:g}"] if low is not None else []
            bounds += [f"at most {high:g}"] if high is not None else []
            raise invalid_answer(f"{label} must be {' and '.join(bounds)}.", field=name)
        return int(number) if number.is_integer() and abs(number) < 2**53 else number
    if not isinstance(value, str):
        raise invalid_answer(f"{label} must be text.", field=name)
    value = value.strip()
    if kind == "choice":
        if value not in f["choices"]:
            raise bad_request(
                "choice_not_offered",
                f"{value[:80]!r} is not one of the choices of {label}: "
                f"{', '.join(repr(c) for c in f['choices'])}.",
                field=name,
                offered=f["choices"],
            )
        return value
    if len(value) > f["max_length"]:
        raise invalid_answer(f"{label} may have at most {f['max_length']} characters.", field=name)
    if kind == "email" and not _EMAIL.match(value):
        raise invalid_answer(f"{label} must be an email address.", field=name)
    return value


def _number(value: Any) -> float | None:
    """A JSON number, or text that is one (some clients send every value as text)."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return float(value) if abs(value) < 2**63 else None
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, str) and len(value) <= 40:
        try:
            number = float(value.strip())
        except ValueError:
            return None
        return number if math.isfinite(number) else None
    return None


def answer(identifier: str, kind: str, in_reply_to: str, checked: Checked) -> dict[str, Any]:
    """The customer's answer as an entry both sides see, linked to its question."""
    if kind == "choices":
        body = {"messageType": "ChoicesResponseMessage", "choicesResponse": checked.wire}
    else:
        body = {"messageType": "FormResponseMessage", "formResponse": checked.wire}
    return _message(identifier, body, checked.text, in_reply_to)


def invalid_answer(message: str, **data: Any) -> AppError:
    return bad_request("invalid_answer", message, **data)


def _message(
    identifier: str, body: dict[str, Any], text: str, in_reply_to: str | None
) -> dict[str, Any]:
    return {
        "entryType": "Message",
        "id": identifier,
        "abstractMessage": {
            "id": identifier,
            "inReplyToMessageId": in_reply_to,
            "references": None,
            **body,
            "staticContent": {"formatType": "Text", "text": text},
        },
        "messageReason": None,
    }


def _title_item(title: str) -> dict[str, Any]:
    return {
        "itemType": "TitleItem",
        "title": title,
        "subTitle": None,
        "secondarySubTitle": None,
        "tertiarySubTitle": None,
        "referenceId": None,
    }


def _option_item(identifier: str, title: str) -> dict[str, Any]:
    return {
        "itemType": "TitleOptionItem",
        "titleItem": _title_item(title),
        "optionIdentifier": identifier,
        "optionId": None,
    }


def _input(f: dict[str, Any]) -> dict[str, Any]:
    item: dict[str, Any] = {
        "name": f["name"],
        "label": f["label"],
        "inputType": _INPUT_TYPES[f["type"]],
        "required": f["required"],
    }
    if f["type"] == "choice":
        item["choices"] = f["choices"]
    elif f["type"] == "rating":
        item["minimum"], item["maximum"] = RATINGS
    elif f["type"] == "number":
        item["minimum"], item["maximum"] = f["min"], f["max"]
    else:
        item["maxLength"] = f["max_length"]
    return item
