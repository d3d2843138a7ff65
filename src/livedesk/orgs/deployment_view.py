"""What a client is told about a deployment: the MIAW `embeddedServiceConfig`."""

from __future__ import annotations

from typing import Any


def embedded_service_config(developer_name: str, config: dict[str, Any]) -> dict[str, Any]:
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
        "businessHours": None,
    }


def _text_type(kind: str | None) -> str:
    return {"email": "Email", "phone": "Phone"}.get(kind or "text", "Text")
