"""A MIAW client running in a real browser on another local origin, doing what such clients do
(issue 12): CORS from any loopback port, the pre-chat form read as clients read it, a typist's
indicator on every key, a file sent with `FormData` and a JSON `Blob`, a receipt without an id."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import pytest
from fastapi import FastAPI

from livedesk.config import RateLimitSettings
from livedesk.kit.clock import FakeClock
from livedesk.web.limits import RateLimits
from tests.e2e.browser import NEEDS_CHROMIUM
from tests.helpers import MIAW, Api

PAGE = b"<!doctype html><html lang=en><title>a MIAW client</title></html>"

pytestmark = NEEDS_CHROMIUM

# What a browser MIAW client does, in the order a customer's first minute does it. The page has
# the client's own origin; every call crosses to LiveDesk's, so the browser enforces CORS.
CLIENT = """
async ({base, org}) => {
  const miaw = base + "/iamessage/api/v2";
  const json = {"Content-Type": "application/json"};
  const token = await (await fetch(miaw + "/authorization/unauthenticated/access-token", {
    method: "POST", headers: json,
    body: JSON.stringify({orgId: org, esDeveloperName: "Web_Chat", capabilitiesVersion: "1",
                          platform: "Web"}),
  })).json();
  const config = token.context.configuration.embeddedServiceConfig;
  const shown = config.forms[0].formFields.filter(f => f.isHidden === false).map(f => f.name);
  const auth = {Authorization: "Bearer " + token.accessToken};
  const cid = crypto.randomUUID();
  const created = await fetch(miaw + "/conversation", {
    method: "POST", headers: {...auth, ...json},
    body: JSON.stringify({conversationId: cid, esDeveloperName: "Web_Chat",
                          routingAttributes: {_firstName: "Lin", Topic: "Loans"}}),
  });
  const typing = [];
  for (let key = 0; key < 60; key++) {
    const r = await fetch(`${miaw}/conversation/${cid}/entry`, {
      method: "POST", headers: {...auth, ...json},
      body: JSON.stringify({entryType: "TypingStartedIndicator"}),
    });
    typing.push(r.status);
  }
  const messageId = crypto.randomUUID();
  const sent = await fetch(`${miaw}/conversation/${cid}/message`, {
    method: "POST", headers: {...auth, ...json},
    body: JSON.stringify({esDeveloperName: "Web_Chat", message: {
      id: messageId, messageType: "StaticContentMessage",
      staticContent: {formatType: "Text", text: "I need a loan"}}}),
  });
  const form = new FormData();
  form.append("messageEntry", new Blob([JSON.stringify({esDeveloperName: "Web_Chat",
    message: {id: crypto.randomUUID(), fileId: crypto.randomUUID(), text: "my payslip"}})],
    {type: "application/json"}));
  const png = new Uint8Array(108);
  png.set([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  form.append("fileData", new Blob([png], {type: "image/png"}), "payslip.png");
  const uploaded = await fetch(`${miaw}/conversation/${cid}/file`, {
    method: "POST", headers: auth, body: form});
  const ack = () => fetch(`${miaw}/conversation/${cid}/acknowledge-entries`, {
    method: "POST", headers: {...auth, ...json},
    body: JSON.stringify({acks: [{entryType: "Read", conversationEntryId: messageId}]})});
  const receipts = [(await ack()).status, (await ack()).status];
  return {shown, created: created.status, typing: [...new Set(typing)], sent: sent.status,
          uploaded: uploaded.status, upload: await uploaded.text(), receipts,
          token: token.accessToken, conversationId: cid};
}
"""


@pytest.fixture
async def client_origin() -> AsyncIterator[str]:
    """The client's own dev server on another loopback port (as `npm start` serves one): a page
    served from loopback may call loopback, as in real local development."""

    async def serve(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await reader.readuntil(b"\r\n\r\n")
        writer.write(
            b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nConnection: close\r\n"
            b"Content-Length: %d\r\n\r\n%s" % (len(PAGE), PAGE)
        )
        await writer.drain()
        writer.close()

    server = await asyncio.start_server(serve, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    async with server:
        yield f"http://localhost:{port}"


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)  # browser tests run once
async def test_a_browser_client_on_another_local_port(
    browser: Any, client_origin: str, live: Api, live_url: str, app: FastAPI, clock: FakeClock
) -> None:
    c = app.state.container
    c.limits = RateLimits(RateLimitSettings(), clock, c.hub)  # the limits a deployment has
    page = await browser.new_page()
    await page.goto(f"{client_origin}/")
    result = await page.evaluate(CLIENT, {"base": live_url, "org": "00DLD0000000001"})
    assert result["shown"] == ["_firstName", "_lastName", "_email", "Topic"]
    assert result["created"] == 201
    assert result["typing"] == [202]  # sixty key presses, none refused
    assert result["sent"] == 202  # and the message still goes
    assert result["uploaded"] == 202, result["upload"]
    assert result["receipts"] == [202, 202]
    headers = {"Authorization": f"Bearer {result['token']}"}
    r = await live.http.get(
        f"{MIAW}/conversation/{result['conversationId']}/entries",
        params={"direction": "FromStart", "limit": 50},
        headers=headers,
    )
    entries = r.json()["conversationEntries"]
    messages = [
        e["entryPayload"]["abstractMessage"] for e in entries if e["entryType"] == "Message"
    ]
    files = [m for m in messages if m["staticContent"].get("formatType") == "Attachments"]
    assert [f["staticContent"]["text"] for f in files] == ["my payslip"]
    assert [a["name"] for a in files[0]["staticContent"]["attachments"]] == ["payslip.png"]
    reads = [e for e in entries if e["entryType"] == "ReadAcknowledgement"]
    assert len(reads) == 1  # the receipt without an id, sent twice, is recorded once
