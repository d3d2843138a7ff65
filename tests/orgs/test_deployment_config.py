"""The deployment configuration in the access-token response (`embeddedServiceConfig`), read the
way real MIAW clients read it: a pre-chat field is shown only when it says `isHidden: false`,
choice values are keyed by `choiceListValueId`, a widget checks a file's type and size against
`attachments` before uploading and offers a transcript when `transcript` says so. And what the
configuration says is what the deployment does."""

from __future__ import annotations

import copy
from typing import Any

import httpx
from fastapi import FastAPI
from sqlalchemy import Connection, select, update

from livedesk.models import Deployment
from livedesk.orgs.schemas import AttachmentPolicy
from livedesk.setup.schemas import OrgFile
from livedesk.setup.service import apply_org
from tests.helpers import DEPLOYMENT, MIAW, Api, Customer, uid

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 100
GIF = b"GIF89a" + b"\x00" * 100


# ----------------------------------------------------------------- what a client does with it


def prechat_form(config: dict[str, Any]) -> dict[str, Any]:
    form: dict[str, Any] = next(f for f in config["forms"] if f["formType"] == "PreChat")
    return form


def shown_fields(config: dict[str, Any]) -> list[dict[str, Any]]:
    """The fields a MIAW web client shows, in its order (Salesforce's sample app does this)."""
    form = prechat_form(config)
    fields = sorted(form["formFields"], key=lambda f: f["order"])
    return [f for f in fields if f.get("isHidden") is False]


def hidden_fields(config: dict[str, Any]) -> list[dict[str, Any]]:
    form = prechat_form(config)
    fields = sorted(form["formFields"], key=lambda f: f["order"])
    return [f for f in fields if f.get("isHidden") is True]


def choices(config: dict[str, Any], field: dict[str, Any]) -> list[dict[str, Any]]:
    [choice_list] = [
        c
        for c in config["choiceListConfig"]["choiceList"]
        if c["choiceListId"] == field["choiceListId"]
    ]
    values: list[dict[str, Any]] = choice_list["choiceListValues"]
    return sorted(values, key=lambda v: v["order"])


def widget_takes(config: dict[str, Any], mime_type: str, size: int) -> bool:
    """A widget's check before it uploads a file."""
    a = config["attachments"]
    return bool(
        a["endUserToAgent"] and mime_type in a["allowedMimeTypes"] and size <= a["maxFileSizeBytes"]
    )


# ----------------------------------------------------------------- helpers


async def configuration(api: Api, deployment: str = DEPLOYMENT) -> tuple[Customer, dict[str, Any]]:
    customer = await api.customer(deployment)
    return customer, customer.configuration


async def upload(customer: Customer, content: bytes, name: str) -> httpx.Response:
    return await customer.api.http.post(
        f"{MIAW}/conversation/{customer.conversation_id}/file",
        data={"messageEntry": f'{{"message": {{"id": "{uid()}"}}}}'},
        files={"fileData": (name, content, "application/octet-stream")},
        headers=customer.headers,
    )


PRIVATE: dict[str, Any] = {
    "developer_name": "Private_Chat",
    "queue": "General",
    "prechat": {
        "fields": [
            {"name": "Name", "label": "Your name", "required": True},
            {"name": "Product", "label": "Product", "type": "choice", "choices": ["A", "B", "C"]},
            {"name": "Plan", "label": "Plan", "type": "choice", "choices": ["Free", "Pro"]},
        ],
        "hidden_fields": ["PageUrl", "CartId"],
    },
    "attachments": {"max_bytes": 2048, "allowed_types": ["image/png", "application/pdf"]},
}
NO_FILES: dict[str, Any] = {
    "developer_name": "No_Files",
    "queue": "General",
    "attachments": {"enabled": False},
}


async def apply_with(app: FastAPI, demo_org: OrgFile, *deployments: dict[str, Any]) -> None:
    data = demo_org.model_dump(mode="json")
    org = OrgFile.model_validate({**data, "deployments": data["deployments"] + list(deployments)})
    c = app.state.container
    await apply_org(c.db, c.clock, org)


# ----------------------------------------------------------------- tests


async def test_the_demo_pre_chat_form_is_shown(api: Api) -> None:
    _, config = await configuration(api)
    shown = shown_fields(config)
    assert [f["name"] for f in shown] == ["_firstName", "_lastName", "_email", "Topic"]
    assert [f["required"] for f in shown] == [True, False, True, False]
    assert all(isinstance(f["isHidden"], bool) for f in prechat_form(config)["formFields"])
    assert hidden_fields(config) == [] and prechat_form(config)["hiddenFormFields"] == []
    topic = shown[3]
    assert topic["type"] == "ChoiceList"
    values = choices(config, topic)
    assert [v["choiceListValueName"] for v in values] == ["General", "Billing", "Loans"]
    ids = [v["choiceListValueId"] for v in values]
    assert all(isinstance(i, str) and i for i in ids) and len(set(ids)) == len(ids)


async def test_the_demo_says_what_it_does_with_files_and_transcripts(api: Api) -> None:
    customer, config = await configuration(api)
    default = AttachmentPolicy()
    assert config["attachments"] == {
        "endUserToAgent": True,
        "maxFileSizeBytes": default.max_bytes,
        "allowedMimeTypes": default.allowed_types,
    }
    assert config["transcript"] == {"allowTranscriptDownload": True}
    # ... and both work: a GIF (allowed by default) is taken, the transcript downloads.
    assert widget_takes(config, "image/gif", len(GIF))
    assert (await customer.create_conversation()).status_code == 201
    r = await upload(customer, GIF, "cat.gif")
    assert r.status_code == 202, r.text
    url = f"{MIAW}/conversation/{customer.conversation_id}/transcript"
    r = await api.http.get(url, params={"esDeveloperName": DEPLOYMENT}, headers=customer.headers)
    assert r.status_code == 200 and r.content.startswith(b"%PDF-")


async def test_hidden_pre_chat_fields_are_listed_hidden(
    api: Api, app: FastAPI, demo_org: OrgFile
) -> None:
    await apply_with(app, demo_org, PRIVATE)
    _, config = await configuration(api, "Private_Chat")
    assert [f["name"] for f in shown_fields(config)] == ["Name", "Product", "Plan"]
    hidden = hidden_fields(config)
    assert [f["name"] for f in hidden] == ["PageUrl", "CartId"]
    assert all(f["type"] == "Text" and f["required"] is False for f in hidden)
    assert [f["name"] for f in prechat_form(config)["hiddenFormFields"]] == ["PageUrl", "CartId"]
    orders = [f["order"] for f in prechat_form(config)["formFields"]]
    assert len(set(orders)) == len(orders)
    # every choice value of every list has its own id
    ids = [
        v["choiceListValueId"]
        for c in config["choiceListConfig"]["choiceList"]
        for v in c["choiceListValues"]
    ]
    assert len(ids) == 5 and len(set(ids)) == 5


async def test_choice_value_ids_stay_when_the_choices_change(
    api: Api, app: FastAPI, demo_org: OrgFile
) -> None:
    await apply_with(app, demo_org, PRIVATE)
    _, before = await configuration(api, "Private_Chat")
    _, again = await configuration(api, "Private_Chat")
    assert before["choiceListConfig"] == again["choiceListConfig"]
    changed = copy.deepcopy(PRIVATE)
    changed["prechat"]["fields"] = [
        {"name": "Product", "label": "Product", "type": "choice", "choices": ["D", "C", "A"]}
    ]
    await apply_with(app, demo_org, changed)
    _, after = await configuration(api, "Private_Chat")

    def ids(config: dict[str, Any]) -> dict[str, str]:
        product = next(f for f in shown_fields(config) if f["name"] == "Product")
        return {v["choiceListValueName"]: v["choiceListValueId"] for v in choices(config, product)}

    assert ids(after)["A"] == ids(before)["A"] and ids(after)["C"] == ids(before)["C"]
    assert ids(after)["D"] not in ids(before).values()


async def test_attachments_follow_the_deployments_policy(
    api: Api, app: FastAPI, demo_org: OrgFile
) -> None:
    await apply_with(app, demo_org, PRIVATE, NO_FILES)
    customer, config = await configuration(api, "Private_Chat")
    assert config["attachments"] == {
        "endUserToAgent": True,
        "maxFileSizeBytes": 2048,
        "allowedMimeTypes": ["image/png", "application/pdf"],
    }
    assert config["transcript"] == {"allowTranscriptDownload": True}
    # what the widget decides is what the server does
    assert (await customer.create_conversation(esDeveloperName="Private_Chat")).status_code == 201
    assert widget_takes(config, "image/png", len(PNG))
    assert (await upload(customer, PNG, "a.png")).status_code == 202
    assert not widget_takes(config, "image/gif", len(GIF))
    assert (await upload(customer, GIF, "a.gif")).status_code == 415
    assert not widget_takes(config, "image/png", 4096)
    assert (await upload(customer, PNG + b"\x00" * 4000, "b.png")).status_code == 413

    customer, config = await configuration(api, "No_Files")
    assert config["attachments"]["endUserToAgent"] is False
    assert (await customer.create_conversation(esDeveloperName="No_Files")).status_code == 201
    r = await upload(customer, PNG, "a.png")
    assert r.status_code == 403 and r.json()["code"] == "attachments_not_enabled"


async def test_a_stored_config_without_a_policy_uses_the_schemas_defaults(
    api: Api, app: FastAPI
) -> None:
    """The defaults live in the schema only: the upload check and the configuration agree."""
    c = app.state.container

    def drop_policy(conn: Connection) -> None:  # a row written before the policy existed
        row = conn.execute(
            select(Deployment.id, Deployment.config).where(Deployment.developer_name == DEPLOYMENT)
        ).one()
        stored = {k: v for k, v in row.config.items() if k != "attachments"}
        conn.execute(update(Deployment).where(Deployment.id == row.id).values(config=stored))

    await c.db.transaction(drop_policy)
    customer, config = await configuration(api)
    assert config["attachments"]["allowedMimeTypes"] == AttachmentPolicy().allowed_types
    assert (await customer.create_conversation()).status_code == 201
    assert (await upload(customer, GIF, "cat.gif")).status_code == 202
