"""File uploads exactly as real MIAW clients send them: the multipart bodies are built by hand,
byte for byte, the way a browser's `FormData` (a `Blob` for `messageEntry`, so the JSON part has
`filename="blob"`), Node's undici `FormData` and Node's `form-data` package write them. Parts are
told apart by their field name only: `messageEntry` is the JSON entry whatever its file name or
type, `fileData` the file, anything else a small ignored field."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI

from livedesk.setup.schemas import OrgFile
from livedesk.setup.service import apply_org
from tests.attachments.test_attachments import PDF, PNG, attachment_of
from tests.helpers import DEPLOYMENT, MIAW, Api, Customer, uid

# Boundaries as each client makes them. The browser and undici bodies below are byte for byte
# what Chromium and Node 20 produced for the same FormData (checked when these tests were written).
CHROME = "----WebKitFormBoundaryXV9HlEAJdXFwMgM1"
UNDICI = "----formdata-undici-048317623311"
FORM_DATA = "--------------------------396519846225404312880146"


def part(boundary: str, headers: list[str], body: bytes) -> bytes:
    return (
        f"--{boundary}\r\n".encode()
        + "".join(h + "\r\n" for h in headers).encode()
        + (b"\r\n" + body + b"\r\n")
    )


def end(boundary: str) -> bytes:
    return f"--{boundary}--\r\n".encode()


def entry_json(message_id: str, text: str = "my payslip") -> bytes:
    """The `messageEntry` a MIAW web client writes (JSON.stringify: compact)."""
    entry = {
        "esDeveloperName": DEPLOYMENT,
        "message": {"id": message_id, "fileId": uid(), "text": text, "inReplyToMessageId": None},
        "isNewMessagingSession": False,
        "routingAttributes": {},
        "language": "en_US",
    }
    return json.dumps(entry, separators=(",", ":")).encode()


Body = Callable[[bytes, bytes, bool], tuple[str, bytes]]  # (entry, file, file first) → body


def whatwg_body(boundary: str) -> Body:
    """What browsers and Node's undici (the global `fetch` and `FormData` of Node 18+) write for
    `fd.append("messageEntry", new Blob([json], {type: "application/json"}))` and
    `fd.append("fileData", file)`: a Blob always gets the file name "blob"."""

    def build(entry: bytes, content: bytes, file_first: bool = False) -> tuple[str, bytes]:
        json_part = part(
            boundary,
            [
                'Content-Disposition: form-data; name="messageEntry"; filename="blob"',
                "Content-Type: application/json",
            ],
            entry,
        )
        file_part = part(
            boundary,
            [
                'Content-Disposition: form-data; name="fileData"; filename="payslip.png"',
                "Content-Type: image/png",
            ],
            content,
        )
        parts = [file_part, json_part] if file_first else [json_part, file_part]
        return f"multipart/form-data; boundary={boundary}", b"".join(parts) + end(boundary)

    return build


def form_data_body(entry: bytes, content: bytes, file_first: bool = False) -> tuple[str, bytes]:
    """Node's `form-data` package: `form.append("messageEntry", json, {contentType:
    "application/json"})` (no file name) and a Buffer appended with no name at all."""
    json_part = part(
        FORM_DATA,
        [
            'Content-Disposition: form-data; name="messageEntry"',
            "Content-Type: application/json",
        ],
        entry,
    )
    file_part = part(
        FORM_DATA,
        [
            'Content-Disposition: form-data; name="fileData"',
            "Content-Type: application/octet-stream",
        ],
        content,
    )
    parts = [file_part, json_part] if file_first else [json_part, file_part]
    return f"multipart/form-data; boundary={FORM_DATA}", b"".join(parts) + end(FORM_DATA)


CLIENTS: dict[str, Body] = {
    "browser": whatwg_body(CHROME),
    "node-undici": whatwg_body(UNDICI),
    "node-form-data": form_data_body,
}


async def post_raw(customer: Customer, content_type: str, body: bytes) -> httpx.Response:
    return await customer.api.http.post(
        f"{MIAW}/conversation/{customer.conversation_id}/file",
        content=body,
        headers={**customer.headers, "Content-Type": content_type},
    )


@pytest.mark.parametrize("file_first", [False, True], ids=["entry-first", "file-first"])
@pytest.mark.parametrize("sender", list(CLIENTS))
async def test_a_file_from_a_real_client_reaches_the_conversation(
    api: Api, sender: str, file_first: bool
) -> None:
    customer, ada = await api.chatting()
    message_id = uid()
    content_type, body = CLIENTS[sender](entry_json(message_id), PNG, file_first)
    r = await post_raw(customer, content_type, body)
    assert r.status_code == 202, r.text
    assert r.json()["conversationEntries"][0]["id"] == message_id
    entries = (await customer.history()).json()["conversationEntries"]
    [message] = [e for e in entries if e["identifier"] == message_id]
    content = message["entryPayload"]["abstractMessage"]["staticContent"]
    assert content["formatType"] == "Attachments" and content["text"] == "my payslip"
    attachment = await attachment_of(customer)
    expected_name = "file" if sender == "node-form-data" else "payslip.png"
    assert attachment["name"] == expected_name
    assert attachment["mimeType"] == "image/png" and attachment["size"] == len(PNG)
    for who in (customer, ada):
        d = await api.http.get(attachment["url"], headers=who.headers)
        assert d.status_code == 200 and d.content == PNG


async def test_an_agent_file_from_a_browser_with_the_text_as_a_blob(api: Api) -> None:
    """The agent's upload follows the same rule: `file` is the file, `text` a field."""
    customer, ada = await api.chatting()
    body = (
        part(
            CHROME,
            [
                'Content-Disposition: form-data; name="text"; filename="blob"',
                "Content-Type: text/plain;charset=utf-8",
            ],
            "your statement ✓".encode(),
        )
        + part(
            CHROME,
            [
                'Content-Disposition: form-data; name="file"; filename="statement.pdf"',
                "Content-Type: application/pdf",
            ],
            PDF,
        )
        + end(CHROME)
    )
    r = await api.http.post(
        f"/api/v1/sessions/{customer.session_id}/files",
        content=body,
        headers={**ada.headers, "Content-Type": f"multipart/form-data; boundary={CHROME}"},
    )
    assert r.status_code == 202, r.text
    entries = (await customer.history()).json()["conversationEntries"]
    [message] = [e for e in entries if e["identifier"] == r.json()["entryId"]]
    content = message["entryPayload"]["abstractMessage"]["staticContent"]
    assert content["text"] == "your statement ✓"
    assert content["attachments"][0]["name"] == "statement.pdf"


def chrome(*parts: tuple[str, str | None, bytes]) -> tuple[str, bytes]:
    """A browser body of (field, file name or None, content) parts."""
    body = b""
    for name, filename, content in parts:
        disposition = f'Content-Disposition: form-data; name="{name}"'
        if filename is not None:
            disposition += f'; filename="{filename}"'
        body += part(CHROME, [disposition, "Content-Type: application/octet-stream"], content)
    return f"multipart/form-data; boundary={CHROME}", body + end(CHROME)


async def test_other_parts_are_small_fields_whatever_their_file_name(
    api: Api, app: FastAPI, demo_org: OrgFile
) -> None:
    web = demo_org.deployments[0].model_copy(deep=True)
    web.attachments.max_files_per_message = 2
    c = app.state.container
    await apply_org(c.db, c.clock, demo_org.model_copy(update={"deployments": [web]}))
    customer, _ = await api.chatting()
    incoming = Path(c.settings.data_dir) / "files" / "incoming"

    # An unknown small part, even with a file name, is ignored.
    message_id = uid()
    r = await post_raw(
        customer,
        *chrome(
            ("trackingInfo", "blob", b'{"page":"/loans"}'),
            ("messageEntry", "blob", entry_json(message_id)),
            ("fileData", "payslip.png", PNG),
        ),
    )
    assert r.status_code == 202, r.text
    entries = (await customer.history()).json()["conversationEntries"]
    [message] = [e for e in entries if e["identifier"] == message_id]
    assert message["entryPayload"]["abstractMessage"]["staticContent"]["text"] == "my payslip"

    big = b"x" * (64 * 1024 + 1)
    entry = ("messageEntry", "blob", entry_json(uid()))
    cases: list[tuple[tuple[str, bytes], int, str]] = [
        # the file under another field name is not a file: a clear 400
        (chrome(entry, ("upload", "a.png", PNG)), 400, "missing_file"),
        # ... and a large one is refused as soon as it passes 64 KiB
        (chrome(entry, ("upload", "a.png", big)), 413, "field_too_large"),
        # the JSON entry is a field: at most 64 KiB, with or without a file name
        (chrome(("messageEntry", "blob", big), ("fileData", "a.png", PNG)), 413, "field_too_large"),
        (chrome(("fileData", "a.png", PNG)), 400, "missing_message_entry"),
        (chrome(entry, entry, ("fileData", "a.png", PNG)), 400, "duplicate_field"),
        (chrome(entry, *[("fileData", "a.png", PNG)] * 3), 400, "too_many_files"),
        (chrome(*[("note", None, b"hi")] * 21), 400, "too_many_parts"),
    ]
    for (content_type, body), status, code in cases:
        r = await post_raw(customer, content_type, body)
        assert (r.status_code, r.json()["code"]) == (status, code), r.text
    assert list(incoming.glob("*")) == []  # refused uploads leave nothing behind


async def test_the_entry_part_is_still_checked(api: Api) -> None:
    customer, _ = await api.chatting()
    browser = CLIENTS["browser"]
    r = await post_raw(customer, *browser(b"not json", PNG, False))
    assert r.status_code == 400 and r.json()["code"] == "invalid_message_entry"
    bad_id = json.dumps({"message": {"id": "not-a-uuid"}}).encode()
    r = await post_raw(customer, *browser(bad_id, PNG, False))
    assert r.status_code == 400 and r.json()["code"] == "invalid_message_id"
