"""The OpenAPI document says what the server does (issue 13.7): no 422 (LiveDesk answers 400),
every error a call sends documented with the one error body, ids marked as UUIDs, ranges and
lengths as the code checks them, and the MIAW customer calls described like the agent calls.
The fuzz suite (test_fuzz_openapi.py) holds every call to the document; these tests pin what it
cannot reach by chance."""

from __future__ import annotations

import inspect
from pathlib import Path
from typing import Any

from fastapi import FastAPI
from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute, iter_route_contexts

from livedesk.app import create_app
from livedesk.config import LimitSettings, Settings
from livedesk.deps import get_container
from livedesk.web.openapi import AUTHENTICATORS
from tests.conftest import TOKEN_KEY
from tests.helpers import DEPLOYMENT, MIAW, ORG, Api, uid

ERROR_REF = "#/components/schemas/ErrorBody"
CUSTOMER = "MiawAccessToken"


def operations(document: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    return [
        (method, path, operation)
        for path, item in document["paths"].items()
        for method, operation in item.items()
    ]


def parameter(operation: dict[str, Any], name: str) -> dict[str, Any]:
    found = [p for p in operation.get("parameters", []) if p["name"] == name]
    assert len(found) == 1, (name, operation.get("parameters"))
    return found[0]


def body_schema(document: dict[str, Any], operation: dict[str, Any]) -> dict[str, Any]:
    """The JSON body schema of an operation, its component resolved."""
    schema: dict[str, Any] = operation["requestBody"]["content"]["application/json"]["schema"]
    ref = schema.get("$ref")
    return document["components"]["schemas"][ref.split("/")[-1]] if ref else schema


async def test_no_call_documents_the_422_that_livedesk_never_sends(api: Api) -> None:
    document = (await api.http.get("/openapi.json")).json()
    for method, path, operation in operations(document):
        assert "422" not in operation["responses"], (method, path)
    assert "HTTPValidationError" not in document["components"]["schemas"]
    assert "ValidationError" not in document["components"]["schemas"]


async def test_every_error_is_documented_with_the_error_body(api: Api) -> None:
    document = (await api.http.get("/openapi.json")).json()
    error = document["components"]["schemas"]["ErrorBody"]
    assert error["required"] == ["code", "message"]
    assert error["additionalProperties"] is True  # details such as `errors`, `detectedType`
    for method, path, operation in operations(document):
        responses = operation["responses"]
        for status, response in responses.items():
            if int(status) >= 400:
                schema = response["content"]["application/json"]["schema"]
                assert schema == {"$ref": ERROR_REF}, (method, path, status)
        where = (method, path, sorted(responses))
        if operation.get("requestBody") or any(
            p["in"] == "query" for p in operation.get("parameters", [])
        ):
            assert "400" in responses, where
        if method in ("post", "put", "patch", "delete"):
            assert {"400", "408", "413"} <= set(responses), where
        if "security" in operation:
            assert "401" in responses, where
        if operation.get("security") == [{CUSTOMER: []}]:
            assert "403" in responses, where
            assert parameter(operation, "X-Org-Id")["in"] == "header"
        if "429" in responses:
            assert responses["429"]["headers"]["Retry-After"]["required"] is True


def _routes(app: FastAPI) -> list[tuple[str, str, APIRoute]]:
    found = []
    for context in iter_route_contexts(app.routes):
        route = context.original_route
        if isinstance(route, APIRoute) and route.include_in_schema:
            assert context.path_format is not None
            found += [(m.lower(), context.path_format, route) for m in route.methods or ()]
    return found


async def test_every_call_that_needs_a_token_says_which(app: FastAPI) -> None:
    """Derived from the route table: a new call with a token dependency is described too."""
    document = app.openapi()
    for method, path, route in _routes(app):
        operation = document["paths"][path][method]
        calls = {d.call for d in route.dependant.dependencies}
        if calls & set(AUTHENTICATORS):
            assert operation["security"], (method, path)
    message = document["paths"][f"{MIAW}/conversation/{{conversation_id}}/message"]["post"]
    assert message["security"] == [{CUSTOMER: []}]  # it reads its token itself
    assert {"401", "403", "404", "409", "417", "429"} <= set(message["responses"])
    download = document["paths"]["/api/v1/attachments/{attachment_id}"]["get"]
    assert download["security"] == [{CUSTOMER: []}, {"AgentToken": []}]
    schemes = document["components"]["securitySchemes"]
    assert {s["scheme"] for s in schemes.values()} == {"bearer"}


async def test_every_call_that_applies_a_rate_limit_documents_its_429(app: FastAPI) -> None:
    document = app.openapi()
    limited = 0
    for method, path, route in _routes(app):
        if "c.limits." in inspect.getsource(route.endpoint):
            limited += 1
            assert "429" in document["paths"][path][method]["responses"], (method, path)
    assert limited >= 8


def _reaches(dependant: Dependant, call: object) -> bool:
    return any(d.call is call or _reaches(d, call) for d in dependant.dependencies)


async def test_every_call_that_uses_the_database_documents_its_503(app: FastAPI) -> None:
    """Derived from the route table: a call that reaches the container (the database), or
    checks a token (against the database) itself, can answer 503 `database_unavailable` with
    `Retry-After` (web.errors), and says so; only `/healthz` does not touch the database."""
    document = app.openapi()
    without = []
    for method, path, route in _routes(app):
        operation = document["paths"][path][method]
        if not (_reaches(route.dependant, get_container) or operation.get("security")):
            without.append((method, path))
            assert "503" not in operation["responses"], (method, path)
            continue
        unavailable = operation["responses"]["503"]
        assert unavailable["content"]["application/json"]["schema"] == {"$ref": ERROR_REF}
        assert "database_unavailable" in unavailable["description"], (method, path)
        assert unavailable["headers"]["Retry-After"]["required"] is True, (method, path)
    assert without == [("get", "/healthz")]
    message = document["paths"][f"{MIAW}/conversation/{{conversation_id}}/message"]["post"]
    assert "503" in message["responses"]  # it reads its token itself: no container dependency
    retry = document["components"]["schemas"]["ErrorBody"]["properties"]["retryAfterSeconds"]
    assert "429" in retry["description"] and "503" in retry["description"]


async def test_ids_are_uuids_and_limits_have_their_ranges(api: Api) -> None:
    document = (await api.http.get("/openapi.json")).json()
    paths = document["paths"]
    for method, path, operation in operations(document):
        for p in operation.get("parameters", []):
            if p["in"] == "path" and p["name"].endswith("_id"):
                assert p["schema"]["format"] == "uuid", (method, path, p["name"])
    create = body_schema(document, paths[f"{MIAW}/conversation"]["post"])
    assert create["properties"]["conversationId"]["format"] == "uuid"
    attributes = create["properties"]["routingAttributes"]["anyOf"][0]
    assert attributes["maxProperties"] == 50
    message = body_schema(
        document, paths[f"{MIAW}/conversation/{{conversation_id}}/message"]["post"]
    )
    assert message["properties"]["message"]["properties"]["id"]["format"] == "uuid"
    history = paths[f"{MIAW}/conversation/{{conversation_id}}/entries"]["get"]
    limit = parameter(history, "limit")["schema"]
    assert (limit["type"], limit["minimum"], limit["maximum"]) == ("integer", 1, 50)
    assert parameter(history, "direction")["schema"]["enum"] == ["FromEnd", "FromStart"]
    assert "Message" in parameter(history, "entryTypeFilter")["schema"]["items"]["enum"]
    listing = paths[f"{MIAW}/conversation/list"]["get"]
    assert parameter(listing, "limit")["schema"]["maximum"] == 100
    token = paths[f"{MIAW}/authorization/unauthenticated/access-token"]["post"]
    response = token["responses"]["200"]["content"]["application/json"]["schema"]["$ref"]
    context = document["components"]["schemas"][response.split("/")[-1]]["properties"]["context"]
    assert context["anyOf"][0] == {"$ref": "#/components/schemas/TokenContext"}
    upload = paths[f"{MIAW}/conversation/{{conversation_id}}/file"]["post"]["requestBody"]
    form = upload["content"]["multipart/form-data"]
    assert form["schema"]["required"] == ["fileData", "messageEntry"]
    assert form["schema"]["properties"]["messageEntry"]["properties"]["message"]
    typing = paths[f"{MIAW}/conversation/{{conversation_id}}/entry"]["post"]["responses"]["202"]
    assert typing["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/Accepted"
    }


def test_text_lengths_follow_the_settings(tmp_path: Path) -> None:
    settings = Settings(
        data_dir=tmp_path, token_key=TOKEN_KEY, limits=LimitSettings(max_text_chars=321)
    )
    document = create_app(settings).openapi()
    schemas = document["components"]["schemas"]
    assert schemas["SessionAction"]["properties"]["message"]["maxLength"] == 321
    message = document["paths"][f"{MIAW}/conversation/{{conversation_id}}/message"]["post"]
    body = message["requestBody"]["content"]["application/json"]["schema"]
    text = body["properties"]["message"]["properties"]["staticContent"]["anyOf"][0]
    assert text["properties"]["text"]["maxLength"] == 321
    upload = document["paths"]["/api/v1/sessions/{session_id}/files"]["post"]
    form = upload["requestBody"]["content"]["multipart/form-data"]["schema"]
    assert form["properties"]["text"]["maxLength"] == 321
    assert "x-max-length" not in str(document)


async def test_documented_ranges_are_the_ranges_the_server_checks(api: Api) -> None:
    """Each documented range, at its bounds and just beyond them."""
    document = (await api.http.get("/openapi.json")).json()
    customer = await api.waiting_customer()
    agent = await api.agent("admin")
    calls = {
        (f"{MIAW}/conversation/list", "limit"): (f"{MIAW}/conversation/list", customer.headers),
        (f"{MIAW}/conversation/{{conversation_id}}/entries", "limit"): (
            f"{MIAW}/conversation/{customer.conversation_id}/entries",
            customer.headers,
        ),
        ("/api/v1/sessions", "limit"): ("/api/v1/sessions", agent.headers),
        ("/api/v1/reports/sessions", "limit"): ("/api/v1/reports/sessions", agent.headers),
        ("/api/v1/records/{object_name}", "limit"): ("/api/v1/records/Case", agent.headers),
        ("/api/v1/events/{event_type}", "limit"): (
            "/api/v1/events/Use_Of_Fund__e",
            agent.headers,
        ),
    }
    ranged = {
        (path, p["name"])
        for method, path, operation in operations(document)
        for p in operation.get("parameters", [])
        if "maximum" in p["schema"] and p["schema"]["maximum"] < 2**63 - 1
    }
    assert ranged == set(calls)
    for (path, name), (url, headers) in calls.items():
        schema = parameter(document["paths"][path]["get"], name)["schema"]
        low, high = schema["minimum"], schema["maximum"]
        for value, ok in ((low - 1, False), (low, True), (high, True), (high + 1, False)):
            r = await api.http.get(url, params={name: value}, headers=headers)
            assert (r.status_code == 200) is ok, (url, name, value, r.text)
            if not ok:
                assert r.status_code == 400 and r.json()["code"] == "invalid_limit"


async def test_the_errors_calls_send_are_the_ones_they_document(api: Api) -> None:
    document = (await api.http.get("/openapi.json")).json()
    customer, agent = await api.chatting()
    cid = customer.conversation_id
    closed = await api.waiting_customer()
    r = await api.http.delete(
        f"{MIAW}/conversation/{closed.conversation_id}", headers=closed.headers
    )
    assert r.status_code == 204
    text = {"formatType": "Text", "text": "hi"}
    message = {"id": uid(), "messageType": "StaticContentMessage", "staticContent": text}
    cases: list[tuple[str, str, str, dict[str, Any], dict[str, str], int]] = [
        ("get", f"{MIAW}/conversation/{{conversation_id}}", f"{MIAW}/conversation/{uid()}", {},
         customer.headers, 404),
        ("get", f"{MIAW}/conversation/{{conversation_id}}", f"{MIAW}/conversation/nope", {},
         customer.headers, 400),
        ("get", f"{MIAW}/conversation/{{conversation_id}}", f"{MIAW}/conversation/{cid}", {},
         {**customer.headers, "X-Org-Id": "00D000000000000"}, 403),
        ("get", f"{MIAW}/conversation/{{conversation_id}}", f"{MIAW}/conversation/{cid}", {},
         {}, 401),
        ("post", f"{MIAW}/conversation/{{conversation_id}}/message",
         f"{MIAW}/conversation/{closed.conversation_id}/message",
         {"message": message, "esDeveloperName": DEPLOYMENT}, closed.headers, 409),
        ("post", f"{MIAW}/conversation", f"{MIAW}/conversation",
         {"conversationId": cid, "esDeveloperName": DEPLOYMENT},
         (await api.customer()).headers, 409),
        ("post", f"{MIAW}/conversation/{{conversation_id}}/acknowledge-entries",
         f"{MIAW}/conversation/{cid}/acknowledge-entries",
         {"acks": [{"entryType": "Read", "conversationEntryId": "x" * 65}]},
         customer.headers, 400),
        ("post", f"{MIAW}/authorization/unauthenticated/access-token",
         f"{MIAW}/authorization/unauthenticated/access-token",
         {"orgId": ORG, "esDeveloperName": DEPLOYMENT, "deviceId": "x" * 70_000}, {}, 413),
        ("post", "/api/v1/sessions/{session_id}/actions",
         f"/api/v1/sessions/{uid()}/actions", {"actionType": "endChat"}, agent.headers, 404),
        ("post", "/api/v1/sessions/{session_id}/actions",
         f"/api/v1/sessions/{customer.session_id}/actions", {"actionType": "endChat"},
         (await api.agent("admin")).headers, 403),
        ("post", "/api/v1/work/{work_id}/accept", f"/api/v1/work/{uid()}/accept", {},
         agent.headers, 404),
        ("get", "/api/v1/records/{object_name}", "/api/v1/records/Nothing", {}, agent.headers,
         404),
    ]  # fmt: skip
    for method, template, url, body, headers, status in cases:
        r = await api.http.request(
            method.upper(), url, json=body if method == "post" else None, headers=headers
        )
        assert r.status_code == status, (method, url, r.text)
        assert str(status) in document["paths"][template][method]["responses"], (template, status)
        assert isinstance(r.json()["code"], str) and isinstance(r.json()["message"], str)
    # A call without a body still refuses a JSON body that is not JSON.
    r = await api.http.post(
        "/api/v1/auth/logout",
        content=b'{"broken',
        headers={**agent.headers, "Content-Type": "application/json"},
    )
    assert r.status_code == 400 and r.json()["code"] == "malformed_json"
    assert "400" in document["paths"]["/api/v1/auth/logout"]["post"]["responses"]
