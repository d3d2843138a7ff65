"""The pieces of the bad-input corpus (tests/test_bad_input_corpus.py): the bad values, a world
to send them into (a customer chatting with an agent, a Case, an interview), and a realistic body
for every call, so that a mutated body gets as far as the database."""

from __future__ import annotations

import copy
import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote

from tests.helpers import DEPLOYMENT, MIAW, ORG, Agent, Api, Customer, uid

Headers = list[tuple[bytes, bytes]]
# In a body, replaced by a new UUID each time the body is sent: a new conversation or message
# is stored, so what else the body carries reaches the database.
NEW_ID = "<new id>"


@dataclass(frozen=True)
class Request:
    label: str
    method: str
    url: str
    headers: Headers
    content: bytes | None
    endless: bool = False


def _q(value: str) -> str:
    return quote(value, safe="")


# Already URL-encoded: the raw ones are bytes no UTF-8 text encodes to (a surrogate, 0xFF).
BAD_PATH_SEGMENTS = [
    "x",
    "%00",
    "%ED%A0%80",
    "%FF",
    _q("²①٣"),
    "a" * 400,
    "..%2F..",
    "-1",
    "9" * 30,
    "%20",
    "%0D%0A",
]
BAD_QUERY_VALUES = [
    *(_q(v) for v in (str(2**64), str(2**70), str(-(2**70)), "-1", "²", "①", "٣", "1e309")),
    *(_q(v) for v in ("NaN", "", "a" * 3000, "true", "[]")),
    "%00",
    "%ED%A0%80",
    "%FF",
    "%0D%0A",
]
LAST_EVENT_IDS = [
    b"\xb2",  # "²" as an HTTP header carries it (Latin-1)
    "①".encode(),
    "٣".encode(),
    b"\xb9\xb2\xb3",
    b"-1",
    b"9" * 40,
    b"18446744073709551616",
    b"1e3",
    b"0x10",
    b" 1",
    b"\xff\xfe",
    b"NaN",
]
RAW_JSON_BODIES = [
    b"",
    b" ",
    b"{",
    b"nul",
    b"\xff\xfe{}",
    b'{"a": "\xed\xa0\x80"}',  # a surrogate as bytes (CESU-8), which `json.loads` reads
    b'{"a": "\\ud800"}',
    b'{"a": "\\udc00\\ud800"}',
    b"[" * 3000 + b"]" * 3000,
    b"null",
    b"[]",
    b"1",
    b'"x"',
    b"NaN",
    b'{"a": Infinity}',
    b'{"a": 1e400}',
    b'{"a": ' + b"9" * 40 + b"}",
    b'{"a": -' + b"9" * 40 + b"}",
    b'{"a": 1}{"b": 2}',
    b"\x00",
    b'{"a": "\x01"}',
]
WRONG_CONTENT_TYPES: list[bytes | None] = [
    None,
    b"text/plain",
    b"application/x-www-form-urlencoded",
    b"multipart/form-data; boundary=x",
    b"application/xml",
    b"application/json; charset=utf-16",
    b"\xff/\xfe",
]
BAD_LEAVES: list[Any] = [
    "\ud800",
    "x\udc00",
    "\x00",
    "\x01\x1b[31m\x7f",
    "\u202e\ufeff",
    "a" * 5000,
    2**64,
    2**70,
    -(2**70),
    -1,
    0,
    1.5e308,
    float("nan"),
    float("inf"),
    "²①٣",
    [],
    {},
    None,
    True,
]
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 100


@dataclass
class World:
    """What the corpus is sent into: real ids, so that bad input gets past the lookups, and the
    people who may call (a customer chatting with Ada, Ada, the admin)."""

    customer: Customer
    agent: Agent
    admin: Agent
    case_id: str
    interview_id: str
    message_id: str
    ids: dict[str, str] = field(default_factory=dict)

    @classmethod
    async def make(cls, api: Api) -> World:
        customer, agent = await api.chatting()
        assert customer.session_id is not None
        message_id = uid()
        assert (await customer.send("hello", message_id)).status_code == 202
        case_id = await agent.link_case(customer.session_id)
        r = await api.http.post(
            "/api/v1/flows/Use_of_Funds_Agent/interviews",
            json={"inputs": {"recordId": case_id}},
            headers=agent.headers,
        )
        assert r.status_code == 201, r.text
        admin = await api.agent("admin")
        return cls(customer, agent, admin, case_id, r.json()["id"], message_id)

    def path_value(self, name: str) -> str:
        known = {
            "conversation_id": self.customer.conversation_id or "",
            "session_id": self.customer.session_id or "",
            "record_id": self.case_id,
            "interview_id": self.interview_id,
            "object_name": "Case",
            "event_type": "Use_Of_Fund__e",
            "name": "Use_of_Funds_Agent",
        }
        return known.get(name) or self.ids.setdefault(name, uid())

    def callers(self) -> list[Headers]:
        """Each caller's headers, the customer first."""
        return [
            [
                (b"authorization", f"Bearer {self.customer.token}".encode()),
                (b"x-org-id", ORG.encode()),
            ],
            [(b"authorization", f"Bearer {self.agent.token}".encode())],
            [(b"authorization", f"Bearer {self.admin.token}".encode())],
        ]

    def auth_variants(self, own: Headers) -> Iterator[tuple[str, Headers]]:
        """Malformed, foreign and tampered tokens, and odd org ids, instead of `own`."""
        token = own[0][1].decode().removeprefix("Bearer ")
        customer, agent = self.callers()[:2]
        other = agent if own[0] == customer[0] else customer
        for label, value in [
            ("scheme only", b"Bearer"),
            ("empty", b"Bearer "),
            ("garbage", b"Bearer garbage"),
            ("three parts", b"Bearer a.b.c"),
            ("basic", b"Basic dXNlcjpwYXNz"),
            ("tampered", f"Bearer {token[:-4]}AAAA".encode()),
            ("the other side's", other[0][1]),
            ("Latin-1 bytes", b"Bearer \xff\xfe\xb2"),
            ("huge", b"Bearer " + b"a" * 20_000),
        ]:
            yield label, [(b"authorization", value), *own[1:]]
        yield "none", own[1:]
        yield "org id bytes", [own[0], (b"x-org-id", b"\xb2\xff\x00")]
        yield "org id long", [own[0], (b"x-org-id", b"0" * 1000)]


def _synthesized(schema: dict[str, Any], spec: dict[str, Any], depth: int = 0) -> Any:
    """A plausible value for a JSON schema (for a call the corpus has no seed for)."""
    if "$ref" in schema:
        name = schema["$ref"].rsplit("/", 1)[-1]
        return _synthesized(spec["components"]["schemas"][name], spec, depth)
    for key in ("anyOf", "oneOf", "allOf"):
        if key in schema:
            options = [s for s in schema[key] if s.get("type") != "null"] or schema[key]
            return _synthesized(options[0], spec, depth)
    if "const" in schema:
        return schema["const"]
    if "enum" in schema:
        return schema["enum"][0]
    kind = schema.get("type", "object")
    if kind == "object" and depth < 4:
        properties = schema.get("properties", {})
        if not properties:
            return {"key": "value"}
        return {k: _synthesized(v, spec, depth + 1) for k, v in properties.items()}
    if kind == "array" and depth < 4:
        return [_synthesized(schema.get("items", {}), spec, depth + 1)]
    if kind in ("integer", "number"):
        return 1
    if kind == "boolean":
        return False
    if schema.get("format") == "uuid":
        return uid()
    return "x"


def json_seed(method: str, path: str, world: World) -> Any | None:
    """A realistic body for the calls whose schema says little (free-form fields)."""
    message = {
        "id": NEW_ID,
        "messageType": "StaticContentMessage",
        "staticContent": {"formatType": "Text", "text": "hi"},
        "inReplyToMessageId": world.message_id,
    }
    token = {"orgId": ORG, "esDeveloperName": DEPLOYMENT, "capabilitiesVersion": "1"}
    seeds: dict[tuple[str, str], Any] = {
        ("POST", f"{MIAW}/authorization/unauthenticated/access-token"): {
            **token,
            "platform": "Web",
            "context": {"appVersion": "1"},
        },
        ("POST", f"{MIAW}/authorization/authenticated/access-token"): {
            **token,
            "authorizationType": "JWT",
            "customerIdentityToken": "a.b.c",
        },
        ("POST", f"{MIAW}/conversation"): {
            "conversationId": NEW_ID,
            "esDeveloperName": DEPLOYMENT,
            "routingAttributes": {"topic": "x", "n": 1},
        },
        ("POST", f"{MIAW}/conversation/{{conversation_id}}/message"): {
            "message": message,
            "esDeveloperName": DEPLOYMENT,
            "isNewMessagingSession": False,
            "routingAttributes": {"topic": "x"},
        },
        ("POST", f"{MIAW}/conversation/{{conversation_id}}/acknowledge-entries"): {
            "acks": [{"id": NEW_ID, "entryType": "Read", "conversationEntryId": world.message_id}]
        },
        ("POST", f"{MIAW}/conversation/{{conversation_id}}/flow/{{interview_id}}"): {
            "values": {"use_of_fund_reason": "Other"}
        },
        ("POST", "/api/v1/auth/login"): {"username": "ada", "password": "wrong"},
        ("POST", "/api/v1/sessions/{session_id}/actions"): {
            "actionType": "setAgentInput",
            "message": "hi",
        },
        ("POST", "/api/v1/records/{object_name}"): {"Subject": "x", "Status": "New"},
        ("PATCH", "/api/v1/records/{object_name}/{record_id}"): {"Subject": "y"},
        ("POST", "/api/v1/events/{event_type}"): {"id": "x", "use_of_fund_reason": "y"},
        ("POST", "/api/v1/flows/{name}/interviews"): {"inputs": {"recordId": world.case_id}},
        ("POST", "/api/v1/interviews/{interview_id}/next"): {"values": {"x": "y"}},
    }
    return seeds.get((method, path))


def base_body(
    method: str, path: str, schema: dict[str, Any] | None, world: World, spec: dict[str, Any]
) -> Any:
    seed = json_seed(method, path, world)
    if seed is not None:
        return seed
    return _synthesized(schema or {}, spec)


def _paths(value: Any, at: tuple[Any, ...] = ()) -> Iterator[tuple[tuple[Any, ...], Any]]:
    yield at, value
    if isinstance(value, dict):
        for k, v in value.items():
            yield from _paths(v, (*at, k))
    elif isinstance(value, list):
        for i, v in enumerate(value):
            yield from _paths(v, (*at, i))


def _replaced(body: Any, at: tuple[Any, ...], new: Any) -> Any:
    if not at:
        return new
    body = copy.deepcopy(body)
    node = body
    for step in at[:-1]:
        node = node[step]
    node[at[-1]] = new
    return body


def leaf_mutations(body: Any, values: list[Any]) -> Iterator[tuple[str, Any]]:
    """`body` with each leaf replaced by each bad value, and each object given bad keys."""
    for at, value in _paths(body):
        where = ".".join(str(s) for s in at) or "(body)"
        if isinstance(value, dict):
            for key in ("\ud800", "\x00", "a" * 300):
                yield f"{where} gets key {key[:10]!r}", _replaced(body, at, {**value, key: 1})
        elif at:
            for bad in values:
                yield f"{where}={str(bad)[:20]!r}", _replaced(body, at, bad)


def encode_json(value: Any) -> bytes:
    """JSON as a careless client writes it (lone surrogates escaped, NaN as NaN), each
    `NEW_ID` a new UUID."""
    return _fresh(json.dumps(value).encode())


def _fresh(raw: bytes) -> bytes:
    while NEW_ID.encode() in raw:
        raw = raw.replace(NEW_ID.encode(), uid().encode(), 1)
    return raw


# --------------------------------------------------------------------------- multipart bodies

Part = tuple[str, bytes, str | None, str | None]  # name, content, filename, content type


def multipart(parts: list[Part], boundary: str = "corpus") -> bytes:
    out = b""
    for name, content, filename, content_type in parts:
        disposition = f'form-data; name="{name}"'
        if filename is not None:
            disposition += f'; filename="{filename}"'
        out += f"--{boundary}\r\nContent-Disposition: {disposition}\r\n".encode(
            "utf-8", "surrogatepass"
        )
        if content_type is not None:
            out += f"Content-Type: {content_type}\r\n".encode()
        out += b"\r\n" + content + b"\r\n"
    return _fresh(out + f"--{boundary}--\r\n".encode())


def multipart_seed(path: str, world: World) -> list[Part]:
    if path.startswith(MIAW):
        entry = {"esDeveloperName": DEPLOYMENT, "message": {"id": NEW_ID, "text": "a file"}}
        return [
            ("messageEntry", json.dumps(entry).encode(), "blob", "application/json"),
            ("fileData", PNG, "a.png", "image/png"),
        ]
    return [("text", b"a file", None, None), ("file", PNG, "a.png", "image/png")]


def multipart_cases(path: str, world: World) -> Iterator[tuple[str, bytes, bytes]]:
    """(label, content type, body) for an upload call."""
    seed = multipart_seed(path, world)
    good = multipart(seed)
    ok = b"multipart/form-data; boundary=corpus"
    yield "multipart as it should be", ok, good
    yield "multipart without a boundary", b"multipart/form-data", good
    yield "multipart with another boundary", b"multipart/form-data; boundary=other", good
    yield "multipart cut short", ok, good[: len(good) // 2]
    yield "multipart of junk", ok, b"\xff\xfe\x00" * 100
    yield (
        "multipart of 3000 fields",
        ok,
        multipart([(f"f{i}", b"x", None, None) for i in range(3000)]),
    )
    yield "multipart part without a name", ok, good.replace(b' name="', b' nome="', 1)
    for filename in ("\ud800.png", "\x00\x1b.png", "a" * 5000 + ".png", "../../etc/passwd"):
        parts = [(n, c, filename if f else f, t) for n, c, f, t in seed]
        yield f"multipart filename {filename[:12]!r}", ok, multipart(parts)
    for index, (name, content, filename, content_type) in enumerate(seed):
        if content_type != "application/json":
            continue
        for label, mutated in leaf_mutations(json.loads(content), BAD_LEAVES[:15]):
            raw = json.dumps(mutated).encode()  # `multipart` gives each its own id
            parts = [*seed[:index], (name, raw, filename, content_type), *seed[index + 1 :]]
            yield f"multipart {name} {label}", ok, multipart(parts)
        for raw in (b"{", b'{"a": "\xed\xa0\x80"}', b"[" * 3000, b"null"):
            parts = [*seed[:index], (name, raw, filename, content_type), *seed[index + 1 :]]
            yield f"multipart {name} raw {raw[:12]!r}", ok, multipart(parts)
