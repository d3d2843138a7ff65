"""What a client is told about a deployment: the MIAW `embeddedServiceConfig`.

Clients show a pre-chat field only when it says `isHidden: false`, so every form field says
`isHidden`: the org file's fields are visible, its hidden fields follow them (type Text,
`isHidden: true`, and listed in `hiddenFormFields` too). Attachments and transcript say what the
deployment really does."""

from __future__ import annotations

import hashlib
from typing import Any

from livedesk.orgs import hours
from livedesk.orgs.schemas import (
    MAX_ATTRIBUTE_CHARS,
    BusinessHoursConfig,
    PrechatField,
    StoredDeployment,
)


def embedded_service_config(
    developer_name: str, config: StoredDeployment, now: int
) -> dict[str, Any]:
    prechat = config.prechat
    fields = prechat.fields
    visible = [_visible_field(f, i) for i, f in enumerate(fields)]
    names = {f.name for f in fields}
    hidden_names = list(dict.fromkeys(n for n in prechat.hidden_fields if n not in names))
    hidden = [_hidden_field(n, len(fields) + i) for i, n in enumerate(hidden_names)]
    policy = config.attachments
    return {
        "name": developer_name,
        "deploymentType": "api",
        "forms": [
            {
                "formType": "PreChat",
                "displayContext": prechat.display_context,
                "formFields": visible + hidden,
                "hiddenFormFields": hidden,
            }
        ],
        "choiceListConfig": {"choiceList": [_choice_list(f) for f in fields if f.type == "choice"]},
        "attachments": {
            "endUserToAgent": policy.enabled and bool(policy.allowed_types),
            "maxFileSizeBytes": policy.max_bytes,
            "allowedMimeTypes": list(policy.allowed_types),
        },
        # MIAW's transcript call (GET /conversation/{id}/transcript) works for every deployment.
        "transcript": {"allowTranscriptDownload": True},
        "businessHours": _business_hours(config.business_hours_spec, now),
    }


def _visible_field(f: PrechatField, order: int) -> dict[str, Any]:
    choice = f.type == "choice"
    return {
        "name": f.name,
        "label": f.label,
        "type": "ChoiceList" if choice else _text_type(f.type),
        "required": f.required,
        "isHidden": False,
        "order": order,
        "maxLength": f.max_length,
        **({"choiceListId": _choice_list_id(f.name)} if choice else {}),
    }


def _hidden_field(name: str, order: int) -> dict[str, Any]:
    """A hidden pre-chat field: set by the page (routingAttributes), never shown."""
    return {
        "name": name,
        "label": name,
        "type": "Text",
        "required": False,
        "isHidden": True,
        "order": order,
        "maxLength": MAX_ATTRIBUTE_CHARS,
    }


def _choice_list(f: PrechatField) -> dict[str, Any]:
    """A choice field's values; each value's id comes from the field and the value itself, so it
    stays the same when choices are added or reordered. A repeated value is listed once."""
    values = list(dict.fromkeys(f.choices))
    return {
        "choiceListId": _choice_list_id(f.name),
        "choiceListValues": [
            {
                "choiceListValueId": choice_list_value_id(f.name, v),
                "choiceListValueName": v,
                "label": v,
                "order": i,
                "isDefaultValue": i == 0,
            }
            for i, v in enumerate(values)
        ],
    }


def _choice_list_id(field_name: str) -> str:
    return f"{field_name}_choices"


def choice_list_value_id(field_name: str, value: str) -> str:
    """`<field>_<first 12 hex digits of SHA-256 of the value>`: stable, unique within a field."""
    return f"{field_name}_{hashlib.sha256(value.encode()).hexdigest()[:12]}"


def _business_hours(spec: BusinessHoursConfig | None, now: int) -> dict[str, Any] | None:
    """Whether the deployment is open now and when it opens next (None: always open)."""
    if spec is None:
        return None
    business = spec.calendar()
    opens = hours.next_opening(business, now)
    return {
        "name": business.name,
        "timeZone": business.time_zone,
        "isOpen": hours.is_open(business, now),
        "nextOpeningTime": opens,
        "weekly": spec.weekly,
        "holidays": [h.date.isoformat() for h in spec.holidays],
    }


def _text_type(kind: str) -> str:
    return {"email": "Email", "phone": "Phone"}.get(kind, "Text")
