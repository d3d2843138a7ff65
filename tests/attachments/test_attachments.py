"""Attachments both ways, downloads with access checks, initFileTransfer end to end, and the
upload attacks: oversize (streamed), disguised types, path names, empty files, other people's
files."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import httpx
from fastapi import FastAPI

from livedesk.records import repository as records
from livedesk.setup.schemas import OrgFile
from livedesk.setup.service import apply_org
from tests.helpers import DEPLOYMENT, MIAW, Api, Customer, agent_stream, uid

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 100
PDF = b"%PDF-1.7\n" + b"x" * 100


async def upload(
    customer: Customer,
    content: bytes,
    name: str = "photo.png",
    message_id: str | None = None,
    entry: Any = None,
) -> httpx.Response:
    message_entry = (
        entry
        if entry is not None
        else {
            "esDeveloperName": DEPLOYMENT,
            "message": {"id": message_id or uid(), "fileId": uid(), "text": "here it is"},
        }
    )
    return await customer.api.http.post(
        f"{MIAW}/conversation/{customer.conversation_id}/file",
        data={"messageEntry": json.dumps(message_entry)},
        files={"fileData": (name, content, "image/png")},
        headers=customer.headers,
    )


async def attachment_of(customer: Customer) -> dict[str, Any]:
    entries = (await customer.history()).json()["conversationEntries"]
    message = next(
        e
        for e in entries
        if e["entryType"] == "Message"
        and e["entryPayload"]["abstractMessage"]["staticContent"]["formatType"] == "Attachments"
    )
    attachment: dict[str, Any] = message["entryPayload"]["abstractMessage"]["staticContent"][
        "attachments"
    ][0]
    return attachment


async def test_a_customer_file_reaches_the_conversation_and_downloads_safely(api: Api) -> None:
    customer, ada = await api.chatting()
    r = await upload(customer, PNG, "holiday photo.png")
    assert r.status_code == 202, r.text
    attachment = await attachment_of(customer)
    assert attachment["name"] == "holiday photo.png" and attachment["mimeType"] == "image/png"
    assert attachment["size"] == len(PNG)
    for who in (customer, ada):
        d = await api.http.get(attachment["url"], headers=who.headers)
        assert d.status_code == 200 and d.content == PNG
        assert d.headers["content-type"] == "image/png"
        assert d.headers["content-disposition"].startswith("attachment;")
        assert d.headers["x-content-type-options"] == "nosniff"


async def test_other_people_cannot_download(api: Api) -> None:
    customer, _ = await api.chatting()
    await upload(customer, PNG)
    url = (await attachment_of(customer))["url"]
    stranger = await api.customer()
    grace = await api.agent("grace")  # never worked on this conversation
    for who in (stranger, grace):
        r = await api.http.get(url, headers=who.headers)
        assert r.status_code == 404 and r.json()["code"] == "attachment_not_found"
    admin = await api.agent("admin")  # a supervisor sees the org's files
    assert (await api.http.get(url, headers=admin.headers)).status_code == 200
    for bad in ("/api/v1/attachments/nope", f"/api/v1/attachments/{uid()}"):
        assert (await api.http.get(bad, headers=customer.headers)).status_code == 404
    assert (await api.http.get(url)).status_code == 401


def _remove_stored(root: Path, content: bytes) -> None:
    """As seen from a host that did not take the upload: the file is not in its folder."""
    next(p for p in root.rglob("*") if p.is_file() and p.read_bytes() == content).unlink()


async def test_a_file_stored_by_another_host_is_a_503_with_a_sentence(
    api: Api, app: FastAPI
) -> None:
    """Several hosts that do not share their uploaded files (the deployment guide says to): the
    file's row is in the database, its bytes on another host: never a 500."""
    customer, _ = await api.chatting()
    await upload(customer, PNG)
    attachment = await attachment_of(customer)
    _remove_stored(Path(app.state.container.attachments._storage.root), PNG)
    r = await api.http.get(attachment["url"], headers=customer.headers)
    assert r.status_code == 503 and r.json()["code"] == "file_unavailable"
    assert "stored by another server" in r.json()["message"]


async def test_a_retried_upload_is_recorded_once(api: Api) -> None:
    customer, _ = await api.chatting()
    message_id = uid()
    first = await upload(customer, PNG, message_id=message_id)
    again = await upload(customer, PNG, message_id=message_id)
    assert first.json() == again.json()
    entries = (await customer.history()).json()["conversationEntries"]
    assert sum(1 for e in entries if e["identifier"] == message_id) == 1


async def test_upload_attacks_are_refused(api: Api, app: FastAPI, demo_org: OrgFile) -> None:
    web = demo_org.deployments[0].model_copy(deep=True)
    web.attachments.max_bytes = 4096
    c = app.state.container
    await apply_org(c.db, c.clock, demo_org.model_copy(update={"deployments": [web]}))
    customer, _ = await api.chatting()
    cases = [
        (PNG + b"\x00" * 5000, "big.png", 413, "file_too_large"),
        (b"\x7fELF\x02\x01\x01" + b"\x00" * 50, "innocent.png", 415, "file_type_not_allowed"),
        (b"<html><script>alert(1)</script></html>", "page.txt", 415, "file_type_not_allowed"),
        (b"", "empty.png", 400, "empty_file"),
    ]
    for content, name, status, code in cases:
        r = await upload(customer, content, name)
        assert (r.status_code, r.json()["code"]) == (status, code), (name, r.text)
    assert r.json()["code"] == "empty_file"
    leftovers = list((Path(c.settings.data_dir) / "files" / "incoming").glob("*"))
    assert leftovers == []  # refused uploads leave nothing behind
    r = await upload(customer, PNG, "../../../etc/passwd.png")
    assert r.status_code == 202
    attachment = await attachment_of(customer)
    assert attachment["name"] == "passwd.png"
    stored = [p for p in (Path(c.settings.data_dir) / "files").rglob("*") if p.is_file()]
    assert len(stored) == 1 and stored[0].name != "passwd.png" and len(stored[0].name) == 64


async def test_malformed_uploads_get_clear_errors(api: Api) -> None:
    customer, _ = await api.chatting()
    url = f"{MIAW}/conversation/{customer.conversation_id}/file"
    r = await api.http.post(url, json={"x": 1}, headers=customer.headers)
    assert r.status_code == 415 and r.json()["code"] == "not_multipart"
    r = await api.http.post(
        url, files={"fileData": ("a.png", PNG, "image/png")}, headers=customer.headers
    )
    assert r.status_code == 400 and r.json()["code"] == "missing_message_entry"
    r = await upload(customer, PNG, entry="not json")
    assert r.status_code == 400 and r.json()["code"] == "invalid_message_entry"
    r = await api.http.post(
        url,
        data={"messageEntry": json.dumps({"message": {"id": uid()}})},
        files={"somethingElse": ("a.png", PNG, "image/png")},
        headers=customer.headers,
    )
    assert r.status_code == 400 and r.json()["code"] == "missing_file"
    other = await api.customer()
    r = await api.http.post(
        url,
        data={"messageEntry": json.dumps({"message": {"id": uid()}})},
        files={"fileData": ("a.png", PNG, "image/png")},
        headers=other.headers,
    )
    assert r.status_code == 404


async def test_an_agent_sends_a_file(api: Api) -> None:
    customer, ada = await api.chatting()
    r = await api.http.post(
        f"/api/v1/sessions/{customer.session_id}/files",
        data={"text": "your statement"},
        files={"file": ("statement.pdf", PDF, "application/pdf")},
        headers=ada.headers,
    )
    assert r.status_code == 202, r.text
    attachment = await attachment_of(customer)
    assert attachment["mimeType"] == "application/pdf"
    d = await api.http.get(attachment["url"], headers=customer.headers)
    assert d.status_code == 200 and d.content == PDF
    grace = await api.agent("grace")
    r = await api.http.post(
        f"/api/v1/sessions/{customer.session_id}/files",
        files={"file": ("x.pdf", PDF, "application/pdf")},
        headers=grace.headers,
    )
    # Not hers, and not a conversation she may read: as if there were no such session.
    assert r.status_code == 404 and r.json()["code"] == "session_not_found"


async def test_init_file_transfer_end_to_end(live: Api, app: FastAPI) -> None:
    customer, ada = await live.chatting()
    c = app.state.container
    case_id = await c.db.transaction(
        lambda conn: records.create(conn, "00DLD0000000001", "Case", {"Subject": "Loan"}, 0)
    )
    async with agent_stream(ada) as ags:
        r = await ada.act(
            customer.session_id or "",
            actionType="initFileTransfer",
            recordId=case_id,
            message="Please send your ID",
        )
        assert r.status_code == 200 and r.json()["status"] == "requested"
        entries = (await customer.history()).json()["conversationEntries"]
        request = entries[0]["entryPayload"]
        assert request["abstractMessage"]["staticContent"]["text"] == "Please send your ID"
        assert request["abstractMessage"]["fileRequest"] == {"recordId": case_id}
        assert (await upload(customer, PDF, "id.pdf")).status_code == 202
        told = await ags.until(lambda e: e.event == "FileReceived")
        assert told.data["recordId"] == case_id
        assert told.data["attachments"][0]["name"] == "id.pdf"
    listed = await live.http.get(f"/api/v1/records/Case/{case_id}/attachments", headers=ada.headers)
    assert listed.status_code == 200
    [attachment] = listed.json()["attachments"]
    assert attachment["name"] == "id.pdf" and attachment["recordId"] == case_id
    # the request is used up: the next file is only in the conversation
    await upload(customer, PDF, "second.pdf")
    listed = await live.http.get(f"/api/v1/records/Case/{case_id}/attachments", headers=ada.headers)
    assert len(listed.json()["attachments"]) == 1
    bad = await ada.act(customer.session_id or "", actionType="initFileTransfer", recordId=uid())
    assert bad.status_code == 404 and bad.json()["code"] == "record_not_found"
    missing = await ada.act(customer.session_id or "", actionType="initFileTransfer")
    assert missing.status_code == 400 and missing.json()["code"] == "missing_record_id"


async def test_the_transcript_names_the_attachments(api: Api) -> None:
    customer, ada = await api.chatting()
    await customer.send("I need a loan 🙂")
    await ada.act(customer.session_id or "", actionType="sendMessage", message="Sure")
    await upload(customer, PDF, "payslip.pdf")
    url = f"{MIAW}/conversation/{customer.conversation_id}/transcript"
    text = await api.http.get(url, params={"format": "text"}, headers=customer.headers)
    assert text.status_code == 200 and text.headers["content-type"].startswith("text/plain")
    body = text.text
    assert "Guest (EndUser): I need a loan 🙂" in body
    assert "Ada Lovelace (Agent): Sure" in body
    assert "[file: payslip.pdf]" in body
    pdf = await api.http.get(url, params={"esDeveloperName": DEPLOYMENT}, headers=customer.headers)
    assert pdf.status_code == 200 and pdf.headers["content-type"] == "application/pdf"
    assert pdf.content.startswith(b"%PDF-")
    stranger = await api.customer()
    assert (await api.http.get(url, headers=stranger.headers)).status_code == 404
    bad = await api.http.get(url, params={"format": "doc"}, headers=customer.headers)
    assert bad.status_code == 400
