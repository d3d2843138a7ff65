"""Delivery and read receipts as real MIAW clients send them (issue 12, defect 4): some send
`acknowledge-entries` without an `id`; the receipt is accepted, and a retry is recorded once."""

from __future__ import annotations

import json

from tests.helpers import MIAW, Api, uid


async def test_a_receipt_without_an_id_sent_twice_is_recorded_once(api: Api) -> None:
    customer, agent = await api.chatting()
    msg = uid()
    r = await agent.act(customer.session_id or "", actionType="sendMessage", message="hi", id=msg)
    assert r.status_code == 200, r.text
    url = f"{MIAW}/conversation/{customer.conversation_id}/acknowledge-entries"
    # the exact body such a client sends: no `id` in the ack
    body = json.dumps({"acks": [{"entryType": "Delivery", "conversationEntryId": msg}]})
    headers = {**customer.headers, "Content-Type": "application/json"}
    for _ in range(2):
        r = await api.http.post(url, content=body.encode(), headers=headers)
        assert r.status_code == 202, r.text
    read = {"acks": [{"entryType": "Read", "conversationEntryId": msg}] * 2}  # repeated in one
    assert (await api.http.post(url, json=read, headers=headers)).status_code == 202
    r = await customer.history(entryTypeFilter="DeliveryAcknowledgement,ReadAcknowledgement")
    acks = r.json()["conversationEntries"]
    assert sorted(e["entryType"] for e in acks) == [
        "DeliveryAcknowledgement",
        "ReadAcknowledgement",
    ]
    assert all(e["entryPayload"]["acknowledgedConversationEntryIdentifier"] == msg for e in acks)
