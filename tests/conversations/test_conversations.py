"""Every conversation call of DESIGN 5.1: success, idempotency, order and refusals."""

from __future__ import annotations

import pytest

from livedesk.kit.clock import FakeClock
from tests.helpers import DEPLOYMENT, MIAW, Api, uid


def texts(body: dict) -> list[str]:
    """The people's messages (auto-responses are System messages)."""
    return [
        e["entryPayload"]["abstractMessage"]["staticContent"]["text"]
        for e in body["conversationEntries"]
        if e["entryType"] == "Message" and e["sender"]["role"] != "System"
    ]


async def test_create_conversation(api: Api) -> None:
    customer = await api.customer()
    r = await customer.create_conversation(
        routingAttributes={"_firstName": "Lin", "Topic": "Loans"}
    )
    assert r.status_code == 201
    assert r.json()["conversationId"] == customer.conversation_id and r.json()["sessionId"]
    status = await api.http.get(
        f"{MIAW}/conversation/{customer.conversation_id}", headers=customer.headers
    )
    assert status.status_code == 200
    assert status.json()["sessionStatus"] == "Waiting"
    assert status.json()["routingStatus"] == "NeedsRouting"
    assert status.json()["queue"] == "Loans"  # the topic picks the queue


async def test_create_is_idempotent_for_the_owner_and_refused_for_others(api: Api) -> None:
    customer = await api.customer()
    await customer.create_conversation()
    again = await customer.create_conversation(conversationId=customer.conversation_id)
    assert again.status_code == 201 and again.json()["sessionId"] == customer.session_id
    other = await api.customer()
    r = await other.create_conversation(conversationId=customer.conversation_id)
    assert r.status_code == 409 and r.json()["code"] == "conversation_id_taken"


@pytest.mark.parametrize(
    ("body", "code"),
    [
        (
            {"conversationId": "not-a-uuid", "esDeveloperName": DEPLOYMENT},
            "invalid_conversation_id",
        ),
        ({"conversationId": uid(), "esDeveloperName": "Other"}, "deployment_mismatch"),
        ({"conversationId": uid()}, "invalid_request"),
        (
            {
                "conversationId": uid(),
                "esDeveloperName": DEPLOYMENT,
                "routingAttributes": {"a": {"b": 1}},
            },
            "invalid_request",
        ),
        (
            {
                "conversationId": uid(),
                "esDeveloperName": DEPLOYMENT,
                "routingAttributes": {"Topic": "x" * 2000},
            },
            "invalid_routing_attributes",
        ),
    ],
)
async def test_create_refusals(api: Api, body: dict, code: str) -> None:
    customer = await api.customer()
    r = await api.http.post(f"{MIAW}/conversation", json=body, headers=customer.headers)
    assert r.status_code == 400, r.text
    assert r.json()["code"] == code


async def test_send_returns_the_client_id_and_history_keeps_it(api: Api) -> None:
    customer = await api.customer()
    await customer.create_conversation()
    message_id = uid()
    r = await customer.send("I need a loan", message_id)
    assert r.status_code == 202
    assert r.json()["conversationEntries"][0]["id"] == message_id
    history = (await customer.history()).json()["conversationEntries"]
    message = next(
        e for e in history if e["entryType"] == "Message" and e["sender"]["role"] == "EndUser"
    )
    assert message["identifier"] == message_id
    assert message["sender"]["role"] == "EndUser"
    assert message["entryPayload"]["abstractMessage"]["id"] == message_id


async def test_send_is_idempotent_on_the_message_id(api: Api) -> None:
    customer = await api.customer()
    await customer.create_conversation()
    message_id = uid()
    first = await customer.send("once", message_id)
    retry = await customer.send("once", message_id)
    assert retry.status_code == 202 and retry.json() == first.json()
    assert texts((await customer.history()).json()) == ["once"]


async def test_entries_keep_their_order(api: Api, clock: FakeClock) -> None:
    customer, agent = await api.chatting()
    for i in range(12):
        if i % 3 == 2:
            await agent.act(customer.session_id, actionType="sendMessage", message=f"m{i}")
        else:
            await customer.send(f"m{i}")
        if i % 4 == 0:
            clock.advance(1)
    oldest_first = (await customer.history(direction="FromStart")).json()
    assert texts(oldest_first) == [f"m{i}" for i in range(12)]
    stamps = [e["transcriptedTimestamp"] for e in oldest_first["conversationEntries"]]
    assert stamps == sorted(stamps) and len(set(stamps)) == len(stamps)
    newest_first = (await customer.history()).json()
    assert texts(newest_first) == [f"m{i}" for i in reversed(range(12))]


async def test_history_pages_without_gaps_or_repeats(api: Api) -> None:
    customer = await api.customer()
    await customer.create_conversation()
    for i in range(23):
        await customer.send(f"m{i}")
    seen: list[str] = []
    end = None
    while True:
        params = {"limit": 5, "entryTypeFilter": "Message"}
        if end is not None:
            params["endTimestamp"] = end
        page = (await customer.history(**params)).json()["conversationEntries"]
        if not page:
            break
        seen.extend(texts({"conversationEntries": page}))
        end = page[-1]["transcriptedTimestamp"]
    assert seen == [f"m{i}" for i in reversed(range(23))]
    forward: list[str] = []
    start = None
    while True:
        params = {"limit": 7, "direction": "FromStart", "entryTypeFilter": "Message"}
        if start is not None:
            params["startTimestamp"] = start
        page = (await customer.history(**params)).json()["conversationEntries"]
        if not page:
            break
        forward.extend(texts({"conversationEntries": page}))
        start = page[-1]["transcriptedTimestamp"]
    assert forward == [f"m{i}" for i in range(23)]


async def test_history_filters_by_entry_type(api: Api) -> None:
    customer, _ = await api.chatting()
    await customer.send("hello")
    r = await customer.history(entryTypeFilter="ParticipantChanged,RoutingResult")
    types = {e["entryType"] for e in r.json()["conversationEntries"]}
    assert types == {"ParticipantChanged", "RoutingResult"}


@pytest.mark.parametrize(
    ("params", "code"),
    [
        ({"limit": 0}, "invalid_limit"),
        ({"limit": 51}, "invalid_limit"),
        ({"limit": "many"}, "invalid_request"),
        ({"direction": "Sideways"}, "invalid_direction"),
        ({"entryTypeFilter": "Nonsense"}, "invalid_entry_type"),
        ({"startTimestamp": "yesterday"}, "invalid_request"),
    ],
)
async def test_history_refusals(api: Api, params: dict, code: str) -> None:
    customer = await api.customer()
    await customer.create_conversation()
    r = await customer.history(**params)
    assert r.status_code == 400 and r.json()["code"] == code


@pytest.mark.parametrize(
    ("message", "code"),
    [
        (
            {
                "id": "nope",
                "messageType": "StaticContentMessage",
                "staticContent": {"formatType": "Text", "text": "x"},
            },
            "invalid_message_id",
        ),
        (
            {
                "id": uid(),
                "messageType": "StaticContentMessage",
                "staticContent": {"formatType": "Text", "text": "   "},
            },
            "empty_message",
        ),
        (
            {
                "id": uid(),
                "messageType": "StaticContentMessage",
                "staticContent": {"formatType": "Text", "text": "x" * 10_001},
            },
            "message_too_long",
        ),
        (
            {
                "id": uid(),
                "messageType": "Carrier pigeon",
                "staticContent": {"formatType": "Text", "text": "x"},
            },
            "invalid_request",
        ),
        (
            {
                "id": uid(),
                "messageType": "StaticContentMessage",
                "staticContent": {"formatType": "Text", "text": 42},
            },
            "invalid_request",
        ),
        ({"id": uid(), "messageType": "StaticContentMessage"}, "missing_static_content"),
        ({"id": uid(), "messageType": "FormResponseMessage"}, "missing_form_response"),
    ],
)
async def test_send_refusals(api: Api, message: dict, code: str) -> None:
    customer = await api.customer()
    await customer.create_conversation()
    r = await api.http.post(
        f"{MIAW}/conversation/{customer.conversation_id}/message",
        json={"message": message, "esDeveloperName": DEPLOYMENT},
        headers=customer.headers,
    )
    assert r.status_code == 400, r.text
    assert r.json()["code"] == code


@pytest.mark.parametrize(
    ("content", "code", "field"),
    [
        (b"", "missing_body", None),
        (b"  \n", "missing_body", None),
        (b'{"message": ', "malformed_json", None),
        (b"[1, 2]", "invalid_request", ""),
        (b'{"esDeveloperName": "Web_Chat"}', "invalid_request", "message"),
        (
            b'{"message": {"id": 5, "messageType": "StaticContentMessage"}}',
            "invalid_request",
            "message.id",
        ),
    ],
)
async def test_send_bodies_that_are_not_messages(
    api: Api, content: bytes, code: str, field: str | None
) -> None:
    """The message call reads its own body: the same 400s as every other call."""
    customer = await api.customer()
    await customer.create_conversation()
    r = await api.http.post(
        f"{MIAW}/conversation/{customer.conversation_id}/message",
        content=content,
        headers={**customer.headers, "Content-Type": "application/json"},
    )
    assert r.status_code == 400, r.text
    assert r.json()["code"] == code
    if field is not None:
        assert r.json()["errors"][0]["field"] == field


async def test_send_tolerates_keys_it_does_not_know(api: Api) -> None:
    customer = await api.customer()
    await customer.create_conversation()
    r = await customer.send("hello", somethingNew={"a": 1})
    assert r.status_code == 202, r.text


async def test_unknown_and_foreign_conversations_look_the_same(api: Api) -> None:
    owner = await api.customer()
    await owner.create_conversation()
    await owner.send("private")
    intruder = await api.customer()
    for conversation_id in (owner.conversation_id, uid()):
        intruder.conversation_id = conversation_id
        for r in (
            await intruder.send("let me in"),
            await intruder.history(),
            await api.http.get(f"{MIAW}/conversation/{conversation_id}", headers=intruder.headers),
            await api.http.delete(
                f"{MIAW}/conversation/{conversation_id}/session", headers=intruder.headers
            ),
            await api.http.delete(
                f"{MIAW}/conversation/{conversation_id}", headers=intruder.headers
            ),
            await api.http.post(
                f"{MIAW}/conversation/{conversation_id}/entry",
                json={"entryType": "TypingStartedIndicator", "id": uid()},
                headers=intruder.headers,
            ),
        ):
            assert r.status_code == 404, r.text
            assert r.json() == {
                "code": "conversation_not_found",
                "message": "There is no such conversation.",
            }
    listed = (await api.http.get(f"{MIAW}/conversation/list", headers=intruder.headers)).json()
    assert listed["conversations"] == []
    assert texts((await owner.history()).json()) == ["private"]


async def test_bad_conversation_id_in_the_path(api: Api) -> None:
    customer = await api.customer()
    r = await api.http.get(f"{MIAW}/conversation/..%2F..%2Fetc/entries", headers=customer.headers)
    assert r.status_code in (400, 404)
    r = await api.http.get(f"{MIAW}/conversation/1234/entries", headers=customer.headers)
    assert r.status_code == 400 and r.json()["code"] == "invalid_conversation_id"


async def test_typing_and_receipts(api: Api) -> None:
    customer, agent = await api.chatting()
    r = await api.http.post(
        f"{MIAW}/conversation/{customer.conversation_id}/entry",
        json={"entryType": "TypingStartedIndicator", "id": uid()},
        headers=customer.headers,
    )
    assert r.status_code == 202
    await agent.act(customer.session_id, actionType="sendMessage", message="hi", id=(msg := uid()))
    ack = {
        "acks": [
            {"id": uid(), "entryType": "Delivery", "conversationEntryId": msg},
            {"id": uid(), "entryType": "Read", "conversationEntryId": msg},
        ]
    }
    url = f"{MIAW}/conversation/{customer.conversation_id}/acknowledge-entries"
    assert (await api.http.post(url, json=ack, headers=customer.headers)).status_code == 202
    assert (
        await api.http.post(url, json=ack, headers=customer.headers)
    ).status_code == 202  # retry
    r = await customer.history(entryTypeFilter="DeliveryAcknowledgement,ReadAcknowledgement")
    acks = r.json()["conversationEntries"]
    assert sorted(e["entryType"] for e in acks) == [
        "DeliveryAcknowledgement",
        "ReadAcknowledgement",
    ]
    assert all(e["entryPayload"]["acknowledgedConversationEntryIdentifier"] == msg for e in acks)
    bad = {"acks": [{"id": uid(), "entryType": "Read", "conversationEntryId": uid()}]}
    r = await api.http.post(url, json=bad, headers=customer.headers)
    assert r.status_code == 400 and r.json()["code"] == "unknown_entry"
    r = await api.http.post(url, json={"acks": []}, headers=customer.headers)
    assert r.status_code == 400
    r = await api.http.post(
        f"{MIAW}/conversation/{customer.conversation_id}/entry",
        json={"entryType": "Dancing"},
        headers=customer.headers,
    )
    assert r.status_code == 400


async def test_list_conversations(api: Api, clock: FakeClock) -> None:
    customer = await api.customer()
    ids = []
    for _ in range(3):
        await customer.create_conversation()
        ids.append(customer.conversation_id)
        clock.advance(1)
    await api.http.delete(f"{MIAW}/conversation/{ids[0]}", headers=customer.headers)
    r = await api.http.get(f"{MIAW}/conversation/list", headers=customer.headers)
    body = r.json()
    assert body["openConversationsFound"] == 2 and body["closedConversationsFound"] == 1
    assert [c["conversationId"] for c in body["conversations"]] == [ids[2], ids[1]]
    r = await api.http.get(
        f"{MIAW}/conversation/list",
        params={"inclClosedConvs": "true", "limit": 5},
        headers=customer.headers,
    )
    closed = [c for c in r.json()["conversations"] if c["conversationId"] == ids[0]]
    assert closed and closed[0]["endTimestamp"] is not None
    r = await api.http.get(
        f"{MIAW}/conversation/list", params={"limit": 0}, headers=customer.headers
    )
    assert r.status_code == 400 and r.json()["code"] == "invalid_limit"


async def test_end_session_then_a_new_message_opens_a_new_session(api: Api) -> None:
    customer, agent = await api.chatting()
    first_session = customer.session_id
    url = f"{MIAW}/conversation/{customer.conversation_id}/session"
    r = await api.http.delete(url, params={"esDeveloperName": DEPLOYMENT}, headers=customer.headers)
    assert r.status_code == 204
    assert (await api.http.delete(url, headers=customer.headers)).status_code == 204  # idempotent
    status = (
        await api.http.get(
            f"{MIAW}/conversation/{customer.conversation_id}", headers=customer.headers
        )
    ).json()
    assert status["sessionStatus"] == "Ended" and status["routingStatus"] == "None"
    changed = (await customer.history(entryTypeFilter="SessionStatusChanged")).json()[
        "conversationEntries"
    ]
    assert changed[0]["entryPayload"] == {
        "entryType": "SessionStatusChanged",
        "sessionStatus": "Ended",
        "sessionEndedByRole": "EndUser",
    }
    r = await agent.act(first_session, actionType="sendMessage", message="still there?")
    assert r.status_code == 409 and r.json()["code"] == "session_ended_by_end_user"
    assert (await customer.send("one more thing")).status_code == 202
    status = (
        await api.http.get(
            f"{MIAW}/conversation/{customer.conversation_id}", headers=customer.headers
        )
    ).json()
    assert status["sessionStatus"] == "Waiting" and status["sessionId"] != first_session


async def test_close_conversation_is_final(api: Api) -> None:
    customer, agent = await api.chatting()
    url = f"{MIAW}/conversation/{customer.conversation_id}"
    assert (
        await api.http.delete(url, params={"esDeveloperName": DEPLOYMENT}, headers=customer.headers)
    ).status_code == 204
    assert (await api.http.delete(url, headers=customer.headers)).status_code == 204
    r = await customer.send("hello?")
    assert r.status_code == 409 and r.json()["code"] == "conversation_closed"
    types = [
        e["entryType"]
        for e in (await customer.history(direction="FromStart")).json()["conversationEntries"]
    ]
    assert types[-1] == "CloseConversation"
    r = await agent.act(customer.session_id, actionType="sendMessage", message="hi")
    assert r.status_code == 409
    r = await api.http.delete(url, params={"esDeveloperName": "Other"}, headers=customer.headers)
    assert r.status_code == 400 and r.json()["code"] == "deployment_mismatch"
