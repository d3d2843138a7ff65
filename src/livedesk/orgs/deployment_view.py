"""What a client is told about a deployment: the MIAW `embeddedServiceConfig`."""

from __future__ import annotations

from typing import Any

from livedesk.routing import hours


def embedded_service_config(
    developer_name: str, config: dict[str, Any], now: int
) -> dict[str, Any]:
    prechat = config.get("prechat", {})
    fields = prechat.get("fields", [])
    choice_lists = [
        {
            "choiceListId": f"{f['name']}_choices",
            "choiceListValues": [
                {"choiceListValueName": v, "label": v, "order": i, "isDefaultValue": i == 0}
                for i, v in enumerate(f["choices"])
            ],
        }
        for f in fields
        if f.get("type") == "choice"
    ]
    form_fields = [
        {
            "name": f["name"],
            "label": f["label"],
            "type": "ChoiceList" if f.get("type") == "choice" else _text_type(f.get("type")),
            "required": f.get("required", False),
            "order": i,
            "maxLength": f.get("max_length", 255),
            **({"choiceListId": f"{f['name']}_choices"} if f.get("type") == "choice" else {}),
        }
        for i, f in enumerate(fields)
    ]
    return {
        "name": developer_name,
        "deploymentType": "api",
        "forms": [
            {
                "formType": "PreChat",
                "displayContext": prechat.get("display_context", "Conversation"),
                "formFields": form_fields,
                "hiddenFormFields": [{"name": n} for n in prechat.get("hidden_fields", [])],
            }
        ],
        "choiceListConfig": {"choiceList": choice_lists},
        "attachments": {"endUserToAgent": False},
        "transcript": {"allowTranscriptDownload": False},
        "businessHours": _business_hours(config.get("business_hours_spec"), now),
    }


def _business_hours(spec: dict[str, Any] | None, now: int) -> dict[str, Any] | None:
    """Whether the deployment is open now and when it opens next (None: always open)."""
    if spec is None:
        return None
    business = hours.from_config(spec)
    opens = hours.next_opening(business, now)
    return {
        "name": business.name,
        "timeZone": business.time_zone,
        "isOpen": hours.is_open(business, now),
        "nextOpeningTime": opens,
        "weekly": spec.get("weekly", {}),
        "holidays": [h["date"] for h in spec.get("holidays", [])],
    }


def _text_type(kind: str | None) -> str:
    return {"email": "Email", "phone": "Phone"}.get(kind or "text", "Text")
