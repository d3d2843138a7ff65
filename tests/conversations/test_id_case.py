"""Ids are accepted in any case and lowercased before they are looked up or stored (issue 13,
defect 3): a retry with the id in another case is the same message, file, form answer or
receipt, and a conversation, session, interview or record is found whatever the case of its id."""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.attachments.test_attachments import PNG
from tests.flows.test_form_answers import form_in_chat
from tests.helpers import DEPLOYMENT, MIAW, Api, Customer, uid


def cases(identifier: str) -> list[str]:
    """The id in lower, upper and mixed case."""
    mixed = "".join(c.upper() if i % 2 else c for i, c in enumerate(identifier))
    return [identifier, identifier.upper(), mixed]


async def entries_of(customer: Customer) -> list[dict[str, Any]]:
    r = await customer.history(direction="FromStart")
    assert r.status_code == 200, r.text
    entries: list[dict[str, Any]] = r.json()["conversationEntries"]
    return entries


def from_customer(entry: dict[str, Any]) -> bool:
    return bool(entry["entryType"] == "Message" and entry["sender"]["role"] == "EndUser")


def sent_ids(r: Any) -> str:
    assert r.status_code == 202, r.text
    return str(r.json()["conversationEntries"][0]["id"])


async def test_a_text_message_is_one_entry_whatever_the_case_of_its_id(api: Api) -> None:
    customer, _ = await api.chatting()
    message_id = uid()
    answers = {sent_ids(await customer.send("once", some)) for some in cases(message_id)}
    assert answers == {message_id}
    texts = [e for e in await entries_of(customer) if from_customer(e)]
    assert [e["identifier"] for e in texts] == [message_id]


async def test_a_file_message_is_one_entry_whatever_the_case_of_its_id(api: Api) -> None:
    customer, _ = await api.chatting()
    message_id = uid()
    conversation_ids = cases(customer.conversation_id or "")[::-1]
    for some, conversation_id in zip(cases(message_id), conversation_ids, strict=True):
        entry = {"esDeveloperName": DEPLOYMENT, "message": {"id": some, "fileId": uid()}}
        r = await api.http.post(
            f"{MIAW}/conversation/{conversation_id}/file",
            data={"messageEntry": json.dumps(entry)},
            files={"fileData": ("a.png", PNG, "image/png")},
            headers=customer.headers,
        )
        assert sent_ids(r) == message_id
    files = [e for e in await entries_of(customer) if from_customer(e)]
    assert [e["identifier"] for e in files] == [message_id]


async def test_a_form_answer_is_one_entry_whatever_the_case_of_its_ids(api: Api) -> None:
    customer, _ = await form_in_chat(api)
    form = next(
        e["entryPayload"]["abstractMessage"]["flow"]
        for e in await entries_of(customer)
        if e["entryPayload"].get("abstractMessage", {}).get("messageType") == "FormMessage"
    )
    message_id = uid()
    for some, interview in zip(cases(message_id), cases(form["interviewId"])[::-1], strict=True):
        body = {
            "message": {
                "id": some,
                "messageType": "FormResponseMessage",
                "formResponse": {
                    "interviewId": interview,
                    "values": {"use_of_fund_reason": "Other"},
                },
            },
            "esDeveloperName": DEPLOYMENT,
        }
        r = await api.http.post(
            f"{MIAW}/conversation/{customer.conversation_id}/message",
            json=body,
            headers=customer.headers,
        )
        assert sent_ids(r) == message_id
    answers = [
        e["identifier"]
        for e in await entries_of(customer)
        if e["entryPayload"].get("abstractMessage", {}).get("messageType") == "FormResponseMessage"
    ]
    assert answers == [message_id]


@pytest.mark.parametrize("with_id", [True, False], ids=["receipt id", "derived id"])
async def test_a_receipt_is_one_entry_whatever_the_case_of_its_ids(api: Api, with_id: bool) -> None:
    customer, _ = await api.chatting()
    message_id = uid()
    assert (await customer.send("read me", message_id)).status_code == 202
    receipt_id = uid()
    for some, entry in zip(cases(receipt_id), cases(message_id)[::-1], strict=True):
        ack = {"entryType": "Read", "conversationEntryId": entry} | (
            {"id": some} if with_id else {}
        )
        r = await api.http.post(
            f"{MIAW}/conversation/{customer.conversation_id}/acknowledge-entries",
            json={"acks": [ack]},
            headers=customer.headers,
        )
        assert r.status_code == 202, r.text
    receipts = [e for e in await entries_of(customer) if e["entryType"] == "ReadAcknowledgement"]
    assert len(receipts) == 1
    if with_id:
        assert receipts[0]["identifier"] == receipt_id


async def test_a_conversation_made_with_a_capital_id_is_found_by_its_lowercase_id(
    api: Api,
) -> None:
    customer = await api.customer()
    conversation_id = uid()
    r = await customer.create_conversation(conversationId=conversation_id.upper())
    assert r.status_code == 201 and r.json()["conversationId"] == conversation_id, r.text
    again = await customer.create_conversation(conversationId=cases(conversation_id)[2])
    assert again.status_code == 201 and again.json()["sessionId"] == r.json()["sessionId"]
    for some in cases(conversation_id):
        found = await api.http.get(f"{MIAW}/conversation/{some}", headers=customer.headers)
        assert found.status_code == 200, found.text
        assert found.json()["conversationId"] == conversation_id
    customer.conversation_id = conversation_id.upper()
    assert sent_ids(await customer.send("hi")) != ""
    listed = (await api.http.get(f"{MIAW}/conversation/list", headers=customer.headers)).json()
    assert [c["conversationId"] for c in listed["conversations"]] == [conversation_id]


async def test_the_agent_api_finds_sessions_interviews_and_records_in_any_case(
    api: Api,
) -> None:
    customer, ada = await api.chatting()
    session_id = customer.session_id or ""
    case_id = await ada.link_case(session_id.upper())
    started = await api.http.post(
        "/api/v1/flows/Use_of_Funds_Agent/interviews",
        json={"inputs": {"recordId": case_id}},
        headers=ada.headers,
    )
    assert started.status_code == 201, started.text
    interview_id = started.json()["id"]
    for path in (
        f"/api/v1/sessions/{session_id.upper()}",
        f"/api/v1/interviews/{interview_id.upper()}",
        f"/api/v1/records/Case/{case_id.upper()}",
    ):
        r = await api.http.get(path, headers=ada.headers)
        assert r.status_code == 200, (path, r.text)
        assert r.json()["id"] in (session_id, interview_id, case_id)


async def test_an_agent_message_is_one_entry_whatever_the_case_of_its_id(api: Api) -> None:
    customer, ada = await api.chatting()
    message_id = uid()
    for variant in (message_id, message_id.upper()):
        r = await ada.act(
            customer.session_id or "", actionType="sendMessage", message="hi", id=variant
        )
        assert r.status_code == 200, r.text
        assert r.json()["entryId"] == message_id
    history = (await customer.history()).json()["conversationEntries"]
    assert [e["identifier"] for e in history].count(message_id) == 1
    case_id = await ada.link_case(customer.session_id or "")
    r = await api.http.post(
        f"/api/v1/sessions/{customer.session_id}/case",
        json={"caseId": case_id.upper()},
        headers=ada.headers,
    )
    assert r.status_code == 200, r.text
