"""`livedesk chat` asks the pre-chat questions a MIAW client would: only `isHidden: false`."""

from __future__ import annotations

from typing import Any

import pytest
from rich.console import Console

from livedesk.client import chat


async def test_only_visible_fields_are_asked(monkeypatch: pytest.MonkeyPatch) -> None:
    asked: list[str] = []

    async def read_line(prompt: str) -> str:
        asked.append(prompt)
        return "Loans" if prompt.startswith("Topic") else "Lin"

    monkeypatch.setattr(chat, "read_line", read_line)
    form = {
        "formType": "PreChat",
        "formFields": [
            {"name": "_firstName", "label": "First name", "required": True, "isHidden": False},
            {"name": "Topic", "label": "Topic", "isHidden": False, "choiceListId": "t"},
            {"name": "CustomerId", "label": "CustomerId", "isHidden": True},
        ],
    }
    choices = {"choiceListId": "t", "choiceListValues": [{"choiceListValueName": "Loans"}]}
    token: dict[str, Any] = {
        "context": {
            "configuration": {
                "embeddedServiceConfig": {
                    "forms": [form],
                    "choiceListConfig": {"choiceList": [choices]},
                }
            }
        }
    }
    answers = await chat.prechat(None, token, Console(quiet=True))  # type: ignore[arg-type]
    assert answers == {"_firstName": "Lin", "Topic": "Loans"}
    assert [p.split(" ")[0] for p in asked] == ["First", "Topic"]
