"""The rules the bad-input corpus found broken (issue 13, defects 4 and 6), each with its answer:
numbers beyond 64 bits, Unicode digits in a stream cursor, lone surrogates and huge whole
numbers in JSON bodies, a body that is not JSON, the `Allow` header of a 405, and JSON answers
where JSON is documented."""

from __future__ import annotations

import json
import re
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from tests.corpus import World, base_body, encode_json
from tests.flows.test_form_answers import form_in_chat
from tests.helpers import DEPLOYMENT, MIAW, Api, Customer, uid
from tests.test_bad_input_corpus import caller_for, operations, world

__all__ = ["world"]  # the fixture, shared with the corpus

BIG = 2**64


async def test_numbers_beyond_64_bits_in_timestamps_and_cursors_are_a_400(
    api: Api, world: World
) -> None:
    customer, agent = world.customer, world.agent
    for name in ("startTimestamp", "endTimestamp"):
        for value in (BIG, -BIG, 2**63):
            r = await customer.history(**{name: value})
            assert r.status_code == 400 and r.json()["code"] == "invalid_request", r.text
        assert (await customer.history(**{name: 2**63 - 1})).status_code == 200
    url = "/api/v1/events/Use_Of_Fund__e"
    for value in (BIG, 2**63):
        r = await api.http.get(url, params={"after": value}, headers=agent.headers)
        assert r.status_code == 400 and r.json()["code"] == "invalid_request", r.text
    r = await api.http.get(url, params={"after": 2**63 - 1}, headers=agent.headers)
    assert r.status_code == 200, r.text


@pytest.mark.parametrize(
    ("header", "query"),
    [(b"\xb2", None), (b"\xb9\xb2\xb3", None), (None, "²"), (None, "①"), (None, "٣")],
    ids=["header ²", "header ¹²³", "query ²", "query ①", "query ٣ (int() reads it)"],
)
async def test_unicode_digits_in_a_cursor_are_a_400_on_every_stream(
    app: FastAPI, world: World, live_url: str, header: bytes | None, query: str | None
) -> None:
    streams = [o for o in operations(app) if o.stream]
    assert len(streams) >= 3
    async with httpx.AsyncClient(base_url=live_url, timeout=10) as http:
        for op in streams:
            headers = await caller_for(http, op, world, app.openapi())
            if header is not None:
                headers = [*headers, (b"last-event-id", header)]
            params = {"lastEventId": query} if query is not None else None
            async with http.stream("GET", op.url(world), headers=headers, params=params) as r:
                await r.aread()
                assert r.status_code == 400, (op.path, r.text)
                assert r.json()["code"] == "invalid_last_event_id"


SURROGATES = [b'"\\ud800"', b'"x\\udc00"', b'"\\ude00\\ud83d"', b'"\xed\xa0\x80"']


def with_raw(body: Any, raw: bytes) -> bytes:
    """`body` as JSON with its `"<raw>"` placeholder replaced by the raw bytes of a value."""
    return json.dumps(body).replace('"<raw>"', "%s").encode() % raw


async def post_raw(api: Api, url: str, headers: dict[str, str], content: bytes) -> Any:
    return await api.http.post(
        url, content=content, headers={**headers, "Content-Type": "application/json"}
    )


def surrogate_calls(world: World) -> list[tuple[str, str, dict[str, str], Any]]:
    """(what, url, headers, body with a `"<raw>"` value) where a surrogate used to reach the
    database: routing attributes, record fields, published events, flow inputs."""
    customer, agent = world.customer, world.agent
    conversation = {"conversationId": uid(), "esDeveloperName": DEPLOYMENT}
    return [
        (
            "routing attributes",
            f"{MIAW}/conversation",
            customer.headers,
            {**conversation, "routingAttributes": {"topic": "<raw>"}},
        ),
        ("record fields", "/api/v1/records/Case", agent.headers, {"Subject": "<raw>"}),
        (
            "published events",
            "/api/v1/events/Use_Of_Fund__e",
            customer.headers,
            {"id": "x", "use_of_fund_reason": "<raw>"},
        ),
        (
            "flow inputs",
            "/api/v1/flows/Use_of_Funds_Agent/interviews",
            agent.headers,
            {"inputs": {"recordId": "<raw>"}},
        ),
    ]


async def test_a_lone_surrogate_in_any_json_body_is_a_400(api: Api, world: World) -> None:
    for what, url, headers, body in surrogate_calls(world):
        for raw in SURROGATES:
            r = await post_raw(api, url, headers, with_raw(body, raw))
            assert r.status_code == 400, (what, raw, r.text)
            assert r.json()["code"] == "malformed_json", (what, raw, r.text)


async def test_a_surrogate_pair_is_one_character_and_fine(api: Api, world: World) -> None:
    customer = world.customer
    body = {"conversationId": uid(), "esDeveloperName": DEPLOYMENT, "routingAttributes": "<raw>"}
    r = await post_raw(
        api,
        f"{MIAW}/conversation",
        customer.headers,
        with_raw(body, b'{"topic": "\\ud83d\\ude00"}'),
    )
    assert r.status_code == 201, r.text


async def test_whole_numbers_beyond_64_bits_in_a_body_are_a_400(api: Api, world: World) -> None:
    customer = world.customer

    async def create(number: bytes) -> Any:
        body = {
            "conversationId": uid(),
            "esDeveloperName": DEPLOYMENT,
            "routingAttributes": "<raw>",
        }
        attributes = b'{"n": %s, "phone": "123456789012345678901234567890"}' % number
        return await post_raw(
            api, f"{MIAW}/conversation", customer.headers, with_raw(body, attributes)
        )

    for number in (b"9223372036854775808", b"-9223372036854775809", b"1" + b"0" * 40):
        r = await create(number)
        assert r.status_code == 400 and r.json()["code"] == "number_out_of_range", r.text
    for number in (b"9223372036854775807", b"-9223372036854775808", b"1e300"):
        assert (await create(number)).status_code == 201


async def test_every_json_call_answers_a_body_of_another_type_alike(
    app: FastAPI, world: World
) -> None:
    """The message call reads its body itself; it answers like all the others (issue 13.6)."""
    spec = app.openapi()
    answers: dict[str, tuple[int, str]] = {}
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
        for op in operations(app):
            if "application/json" not in op.body_types:
                continue
            auth = await caller_for(http, op, world, spec)
            content = encode_json(base_body(op.method, op.path, op.body_schema, world, spec))
            r = await http.request(
                op.method,
                op.url(world),
                headers=[*auth, (b"content-type", b"text/plain")],
                content=content,
            )
            answers[f"{op.method} {op.path}"] = (r.status_code, r.json().get("code", r.text))
    assert f"POST {MIAW}/conversation/{{conversation_id}}/message" in answers
    odd = {k: v for k, v in answers.items() if v != (400, "invalid_request")}
    assert not odd, odd


async def test_a_405_lists_every_method_its_path_takes(app: FastAPI, world: World) -> None:
    spec = app.openapi()
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
        for template in spec["paths"]:
            url = template.format(**{name: world.path_value(name) for name in _names(template)})
            # `/conversation/list` is also `/conversation/{conversation_id}`: both count
            methods = {
                m.upper()
                for other, documented in spec["paths"].items()
                if _pattern(other).fullmatch(url)
                for m in documented
            }
            other = next(m for m in ("PUT", "PATCH", "DELETE", "POST", "GET") if m not in methods)
            r = await http.request(other, url)
            assert r.status_code == 405 and r.json()["code"] == "method_not_allowed", template
            allowed = {m.strip() for m in r.headers["allow"].split(",")}
            assert allowed == methods, (template, allowed)
        r = await http.put(f"{MIAW}/conversation/{world.customer.conversation_id}")
        assert r.headers["allow"] == "DELETE, GET"
        r = await http.put(f"/api/v1/records/Case/{world.case_id}")
        assert r.headers["allow"] == "GET, PATCH"


def _pattern(template: str) -> re.Pattern[str]:
    return re.compile(re.sub(r"\\{\w+\\}", "[^/]+", re.escape(template)))


def _names(template: str) -> list[str]:
    return [part[1:-1] for part in template.split("/") if part.startswith("{")]


async def test_typing_receipts_and_form_answers_answer_json(api: Api) -> None:
    customer, _ = await api.chatting()
    url = f"{MIAW}/conversation/{customer.conversation_id}"
    r = await api.http.post(
        f"{url}/entry", json={"entryType": "TypingStartedIndicator"}, headers=customer.headers
    )
    assert (r.status_code, r.headers["content-type"], r.json()) == (202, "application/json", {})
    message_id = await sent(customer)
    r = await api.http.post(
        f"{url}/acknowledge-entries",
        json={"acks": [{"entryType": "Read", "conversationEntryId": message_id}]},
        headers=customer.headers,
    )
    assert (r.status_code, r.headers["content-type"], r.json()) == (202, "application/json", {})


async def test_a_form_answer_through_the_flow_call_answers_its_entry(api: Api) -> None:
    customer, _ = await form_in_chat(api)
    entries = (await customer.history()).json()["conversationEntries"]
    interview_id = next(
        e["entryPayload"]["abstractMessage"]["flow"]["interviewId"]
        for e in entries
        if e["entryPayload"].get("abstractMessage", {}).get("messageType") == "FormMessage"
    )
    r = await api.http.post(
        f"{MIAW}/conversation/{customer.conversation_id}/flow/{interview_id}",
        json={"values": {"use_of_fund_reason": "Other"}},
        headers=customer.headers,
    )
    assert r.status_code == 202, r.text
    [entry] = r.json()["conversationEntries"]
    answers = [
        e
        for e in (await customer.history()).json()["conversationEntries"]
        if e["identifier"] == entry["id"]
    ]
    assert answers[0]["entryPayload"]["abstractMessage"]["messageType"] == "FormResponseMessage"


async def sent(customer: Customer) -> str:
    r = await customer.send("hello")
    assert r.status_code == 202, r.text
    return str(r.json()["conversationEntries"][0]["id"])


async def test_the_nul_character_in_text_is_a_400_everywhere(api: Api, world: World) -> None:
    """PostgreSQL cannot store it in text: refused before anything is stored, on both databases
    alike (the corpus found it as a 500 on PostgreSQL)."""
    customer = world.customer
    r = await customer.send("before\x00after")
    assert r.status_code == 400 and r.json()["code"] == "nul_character", r.text
    r = await api.http.post("/api/v1/auth/login", json={"username": "\x00", "password": "x"})
    assert r.status_code == 400 and r.json()["code"] == "nul_character", r.text
    literal = await customer.send("a backslash and u0000: \\u0000")  # text, not the character
    assert literal.status_code == 202, literal.text
    entry = json.dumps({"message": {"id": uid(), "text": "x\x00"}})
    r = await api.http.post(
        f"{MIAW}/conversation/{customer.conversation_id}/file",
        files={
            "messageEntry": ("blob", entry, "application/json"),
            "fileData": ("a.png", b"\x89PNG\r\n\x1a\n" + b"\x00" * 100, "image/png"),
        },
        headers=customer.headers,
    )
    assert r.status_code == 400 and r.json()["code"] == "nul_character", r.text
