"""The agent console (`/console`, issue 16) in a real browser, driven by role and accessible name:
the co-work scenario of the demo org through pages only (the customer in the widget, Ada in the
console), sign-in errors and sign-out, an offer that times out and goes to Grace, hostile text
shown as text, an axe scan, and the Content-Security-Policy (header, and no violation)."""

from __future__ import annotations

import re
import struct
import zlib
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from livedesk.kit.clock import FakeClock
from tests.auth.orgs import ORG2, apply_acme
from tests.e2e.browser import NEEDS_CHROMIUM
from tests.e2e.test_widget import eventually, open_widget
from tests.helpers import Api

pytestmark = NEEDS_CHROMIUM
SHOTS = Path(__file__).resolve().parents[2] / "build" / "screenshots"
TRAP = "<img src=x onerror=window.pwned=1>"
TOKEN = "sessionStorage.getItem('livedesk.console.token')"  # where the console keeps its token
# Every console page records what its Content-Security-Policy blocked.
WATCH_CSP = """
window.__blocked = [];
document.addEventListener("securitypolicyviolation", (e) => {
  window.__blocked.push(e.violatedDirective + " " + e.blockedURI);
});
"""


def png(width: int = 48, height: int = 32) -> bytes:
    """A real PNG (a blue rectangle), so the console's preview shows a picture."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    row = b"\x00" + b"\x0b\x57\xd0" * width
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(row * height))
        + chunk(b"IEND", b"")
    )


class Console:
    """One agent's console in its own browser context, with its console errors collected."""

    def __init__(self, context: Any, page: Any) -> None:
        self.context = context
        self.page = page
        self.errors: list[str] = []
        page.on("console", lambda m: self.errors.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda e: self.errors.append(str(e)))

    @classmethod
    async def open(cls, browser: Any, live_url: str) -> Console:
        context = await browser.new_context(viewport={"width": 1024, "height": 720})
        await context.add_init_script(WATCH_CSP)
        page = await context.new_page()
        console = cls(context, page)
        await page.goto(f"{live_url}/console")
        return console

    async def sign_in(self, username: str = "ada", password: str = "demo") -> None:
        await self.page.get_by_label("Username").fill(username)
        await self.page.get_by_label("Password").fill(password)
        await self.page.get_by_role("button", name="Sign in").click()

    async def online(self, live: Api, username: str) -> None:
        """Online through the presence switch, and held by the server before anyone is routed."""
        await self.page.get_by_label("Presence").select_option("Online")
        token = await self.token()

        async def presence() -> str:
            r = await live.http.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"})
            return str(r.json()["presence"])

        assert await eventually(presence, "Online") == "Online", username

    async def token(self) -> str:
        return str(await self.page.evaluate(TOKEN))

    async def clean(self) -> None:
        """Nothing blocked by the Content-Security-Policy, no script error."""
        assert await self.page.evaluate("window.__blocked") == []
        assert self.errors == []

    async def clean_after_refusals(self) -> None:
        """Clean but for the browser's own line about each refused call (400, 401)."""
        assert await self.page.evaluate("window.__blocked") == []
        refused = re.compile(r"^Failed to load resource: .* status of 40[01] ")
        assert [e for e in self.errors if not refused.match(e)] == []


async def start_in_widget(page: Any, first: str, last: str = "Nguyen") -> Any:
    chat = await open_widget(page)
    await chat.get_by_label("First name").fill(first)
    await chat.get_by_label("Last name").fill(last)
    await chat.get_by_label("Email").fill("lin@example.com")
    await chat.get_by_label("Topic").select_option("Loans")
    await chat.get_by_role("button", name="Start chat").click()
    await chat.get_by_role("textbox", name="Message").wait_for()
    return chat


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)  # browser tests run once
async def test_the_co_work_scenario_through_the_pages(
    browser: Any, live: Api, live_url: str
) -> None:
    from playwright.async_api import expect

    SHOTS.mkdir(parents=True, exist_ok=True)
    ada = await Console.open(browser, live_url)
    await ada.sign_in()
    await ada.page.get_by_text("Signed in as Ada Lovelace").wait_for()
    await ada.online(live, "ada")

    # The customer fills the pre-chat in the widget (Topic Loans): Ada is offered the chat.
    customer_context = await browser.new_context(viewport={"width": 1024, "height": 720})
    customer = await customer_context.new_page()
    await customer.goto(f"{live_url}/demo")
    chat = await start_in_widget(customer, "Lin")
    offer = ada.page.get_by_role("article", name="Chat offer from Lin Nguyen")
    await offer.get_by_text("Queue: Loans").wait_for()
    await offer.get_by_text("Topic: Loans").wait_for()
    await offer.get_by_text(re.compile(r"^Expires in \d+ s$")).wait_for()
    await ada.page.screenshot(path=str(SHOTS / "console-offer.png"), animations="disabled")
    await offer.get_by_role("button", name="Accept").click()
    await offer.wait_for(state="detached")

    # Her workspace: messages both ways, the customer's typing and read receipt.
    workspace = ada.page.get_by_role("tabpanel", name="Lin Nguyen")
    await workspace.get_by_text("Status: Active").wait_for()
    await chat.get_by_text("Ada Lovelace joined the chat.").wait_for()
    box = workspace.get_by_role("textbox", name="Message")
    await expect(box).to_be_focused()  # accepting puts her in the message box
    await box.press_sequentially("Hello Lin,", delay=20)
    await chat.get_by_text("Ada Lovelace is typing…").wait_for()  # (the typing call)
    await box.press_sequentially(" how can I help?")
    await box.press("Enter")
    await chat.get_by_text("Hello Lin, how can I help?").wait_for()
    await workspace.get_by_text("Read", exact=True).wait_for()  # the widget is open: read
    said = chat.get_by_role("textbox", name="Message")
    await said.press_sequentially("I need", delay=30)
    await workspace.get_by_text("Lin Nguyen is typing…").wait_for()
    await said.press_sequentially(" 5000 for https://example.com/car", delay=5)
    await said.press("Enter")
    await workspace.get_by_text("I need 5000 for").wait_for()
    link = workspace.get_by_role("link", name="https://example.com/car")
    assert await link.get_attribute("rel") == "noopener noreferrer"

    # The Case, and the agent flow launched from it: the customer answers the form in the
    # widget, and Ada's flow panel shows the answer; the flow thanks the customer.
    await workspace.get_by_role("button", name="Create Case").click()
    case = workspace.get_by_role("region", name="Case")
    await case.get_by_text("Chat request: Loans").wait_for()
    flow = workspace.get_by_role("region", name="Flow")
    await flow.get_by_label("Flow to launch").select_option("Use_of_Funds_Agent")
    await flow.get_by_role("button", name="Launch flow").click()
    await flow.get_by_text("Waiting for the customer's answer…").wait_for()
    form = chat.get_by_role("form", name="What will the funds be used for?")
    first = str(await form.get_by_role("radio").first.get_attribute("value"))
    await form.get_by_role("radio", name=first).check()
    await form.get_by_role("button", name="Send").click()
    await flow.get_by_text(f"Use of funds: {first}").wait_for()
    thanks = "Thank you for completing the questionnaire 😃, we have noted that the use of funds"
    await workspace.get_by_text(thanks).wait_for()

    # A suggested reply (setAgentInput, here through the API) fills the box; Ada edits it.
    token = await ada.token()
    headers = {"Authorization": f"Bearer {token}"}
    [work] = (await live.http.get("/api/v1/work", headers=headers)).json()["work"]
    session = work["sessionId"]
    r = await live.http.post(
        f"/api/v1/sessions/{session}/actions",
        json={"actionType": "setAgentInput", "message": "Your loan is approved"},
        headers=headers,
    )
    assert r.status_code == 200, r.text
    await expect(box).to_have_value("Your loan is approved")
    await box.press("End")
    await box.press_sequentially(" in full.")
    await box.press("Enter")
    await chat.get_by_text("Your loan is approved in full.").wait_for()

    # A file asked for on the Case, uploaded in the widget, shown on the Case.
    await workspace.get_by_role("button", name="Request a file").click()
    await chat.get_by_role("button", name="Upload the requested file").wait_for()
    await chat.get_by_label("Attach a file").set_input_files(
        files=[{"name": "id.png", "mimeType": "image/png", "buffer": png()}]
    )
    await case.get_by_role("button", name="Download id.png").wait_for()
    await expect(case.get_by_role("img", name="Preview of id.png")).to_have_js_property(
        "complete", True
    )
    await ada.page.screenshot(path=str(SHOTS / "console-workspace.png"), animations="disabled")

    # Ada ends the chat: the customer sees the end message; nothing more can be written.
    await workspace.get_by_role("button", name="End chat").click()
    await chat.get_by_text(
        "Thank you for chatting with us. This conversation has ended."
    ).wait_for()
    await workspace.get_by_text("Status: Ended by the agent").wait_for()
    await expect(box).to_be_disabled()
    await expect(workspace.get_by_role("button", name="End chat")).to_have_attribute(
        "aria-disabled", "true"
    )
    await ada.clean()
    await customer_context.close()
    await ada.context.close()


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
async def test_sign_in_errors_the_org_and_signing_out(
    browser: Any, live: Api, live_url: str, app: FastAPI
) -> None:
    await apply_acme(app)  # a second org where grace has the same password
    SHOTS.mkdir(parents=True, exist_ok=True)
    agent = await Console.open(browser, live_url)
    page = agent.page
    await agent.sign_in("ada", "wrong")
    await page.get_by_role("alert").filter(has_text="The username or password is wrong.").wait_for()
    await page.screenshot(path=str(SHOTS / "console-signin.png"), animations="disabled")

    # grace/demo is an agent of two orgs: the console asks which.
    await agent.sign_in("grace", "demo")
    await page.get_by_role("alert").filter(has_text="orgId").wait_for()
    await page.get_by_label("Organization").fill(ORG2)
    await page.get_by_label("Password").fill("demo")
    await page.get_by_role("button", name="Sign in").click()
    await page.get_by_text("Signed in as Grace of Acme").wait_for()
    token = await agent.token()
    assert token and token not in page.url

    # A reload keeps the tab signed in; signing out revokes the token.
    await page.reload()
    await page.get_by_text("Signed in as Grace of Acme").wait_for()
    await page.get_by_role("button", name="Sign out").click()
    await page.get_by_text("You are signed out.").wait_for()
    assert await page.evaluate(TOKEN) is None
    r = await live.http.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"})
    assert r.status_code == 401, r.text
    await agent.clean_after_refusals()
    await agent.context.close()


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
async def test_an_offer_that_times_out_goes_to_the_next_agent(
    browser: Any, live: Api, live_url: str, app: FastAPI, clock: FakeClock
) -> None:
    from playwright.async_api import expect

    ada = await Console.open(browser, live_url)
    await ada.sign_in("ada")
    await ada.online(live, "ada")
    customer = await live.waiting_customer(
        routingAttributes={"_firstName": "Tim", "_lastName": "Out", "Topic": "Loans"}
    )
    offer = ada.page.get_by_role("article", name="Chat offer from Tim Out")
    await offer.wait_for()

    grace = await Console.open(browser, live_url)
    await grace.sign_in("grace")
    await grace.online(live, "grace")  # the chat stays on offer to Ada meanwhile
    assert await grace.page.get_by_role("article").count() == 0

    # Its push timeout passes on the server's clock: Ada's offer goes, with the reason.
    clock.advance(31)
    await app.state.container.scheduler.run_due()
    await offer.wait_for(state="detached")
    await (
        ada.page.get_by_role("status")
        .filter(has_text="The chat offer from Tim Out timed out.")
        .wait_for()
    )
    offered = grace.page.get_by_role("article", name="Chat offer from Tim Out")
    await offered.wait_for()
    # Its countdown is the new offer's 30 s on the server's clock, whatever that clock did.
    left = await offered.get_by_role("timer").text_content() or ""
    assert re.fullmatch(r"Expires in (29|30) s", left), left

    # Grace takes it with the keyboard; a reload brings her workspace back.
    await grace.page.keyboard.press("Alt+Shift+A")
    workspace = grace.page.get_by_role("tabpanel", name="Tim Out")
    await workspace.get_by_text("Status: Active").wait_for()
    await customer.send("Still there?")
    await workspace.get_by_text("Still there?").wait_for()
    await grace.page.reload()
    await grace.page.get_by_role("tab", name="Tim Out").wait_for()
    await workspace.get_by_text("Still there?").wait_for()
    await grace.page.keyboard.press("?")
    help_dialog = grace.page.get_by_role("dialog", name="Keyboard shortcuts")
    await help_dialog.get_by_text("Accept the oldest chat offer").wait_for()
    await grace.page.keyboard.press("Escape")
    await expect(help_dialog).to_be_hidden()
    await ada.clean()
    await grace.clean()
    await ada.context.close()
    await grace.context.close()


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
async def test_the_stream_resumes_after_the_network_drops(
    browser: Any, live: Api, live_url: str
) -> None:
    """A chat accepted elsewhere (here through the API) opens in the console; the network drops
    under the open stream: "Reconnecting…", then it resumes after the last event it got, and what
    came meanwhile is shown once."""
    from tests.e2e.proxy import CuttableProxy

    proxy = CuttableProxy(int(live_url.rsplit(":", 1)[1]))
    await proxy.start()
    try:
        ada = await Console.open(browser, f"http://127.0.0.1:{proxy.port}")
        await ada.sign_in("ada")
        await ada.page.get_by_text("Signed in as Ada Lovelace").wait_for()
        customer = await live.waiting_customer(routingAttributes={"_firstName": "Rey"})
        headers = {"Authorization": f"Bearer {await ada.token()}"}
        accepted = await live.http.post(
            f"/api/v1/sessions/{customer.session_id}/accept", headers=headers
        )
        assert accepted.status_code == 200, accepted.text
        workspace = ada.page.get_by_role("tabpanel", name="Rey")
        await customer.send("one")
        await workspace.get_by_text("one", exact=True).wait_for()

        proxy.disconnect()
        await ada.page.get_by_role("status").filter(has_text="Reconnecting…").wait_for()
        await customer.send("two, while you were away")
        proxy.restore()
        await workspace.get_by_text("two, while you were away").wait_for()
        await ada.page.get_by_text("Reconnecting…").wait_for(state="hidden")
        assert await workspace.get_by_text("one", exact=True).count() == 1
        assert re.search(rb"(?i)last-event-id: [1-9]", bytes(proxy.sent))
        await ada.context.close()
    finally:
        await proxy.stop()


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
async def test_hostile_text_is_text_and_the_console_passes_axe(
    browser: Any, live: Api, live_url: str
) -> None:
    from axe_playwright_python.async_playwright import Axe

    ada = await Console.open(browser, live_url)
    await ada.sign_in("ada")
    await ada.online(live, "ada")
    customer = await live.waiting_customer(
        routingAttributes={"_firstName": TRAP, "_lastName": "Hacker", "Topic": "Loans"}
    )
    offer = ada.page.get_by_role("article", name=f"Chat offer from {TRAP} Hacker")
    await offer.get_by_role("heading", name=f"{TRAP} Hacker").wait_for()
    await offer.get_by_role("button", name="Accept").click()
    workspace = ada.page.get_by_role("tabpanel", name=f"{TRAP} Hacker")
    await customer.send(f"Look: {TRAP} <script>window.pwned=2</script>")
    await workspace.get_by_text(f"Look: {TRAP} <script>window.pwned=2</script>").wait_for()
    assert await ada.page.evaluate("window.pwned") is None
    assert await ada.page.locator("img[src='x']").count() == 0

    # Accessible: no serious or critical axe violation, signed in with a workspace open.
    await workspace.get_by_role("button", name="Create Case").click()
    await workspace.get_by_role("region", name="Case").get_by_text("Chat request").wait_for()
    results = await Axe().run(ada.page)
    bad = [v for v in results.response["violations"] if v.get("impact") in ("serious", "critical")]
    assert bad == [], [(v["id"], v["help"], [n["target"] for n in v["nodes"]]) for v in bad]
    await ada.clean()
    await ada.context.close()


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
async def test_the_console_is_served_under_a_strict_policy(client: httpx.AsyncClient) -> None:
    page = await client.get("/console")
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    policy = page.headers["content-security-policy"]
    assert "script-src 'self';" in policy and "frame-ancestors 'none'" in policy
    assert "unsafe-inline" not in policy and "unsafe-eval" not in policy
    assert page.headers["x-frame-options"] == "DENY"
    assert page.headers["x-content-type-options"] == "nosniff"
    assert page.headers["referrer-policy"] == "no-referrer"
    assert "<script>" not in page.text and " style=" not in page.text  # nothing inline
    module = await client.get("/console/main.js")
    assert module.headers["content-type"].startswith("text/javascript")
    assert module.headers["content-security-policy"] == policy
    again = await client.get("/console/main.js", headers={"If-None-Match": module.headers["etag"]})
    assert again.status_code == 304
    for name in ("nope.js", "..%2Fendpoints.py", "__init__.py", "index.html"):
        assert (await client.get(f"/console/{name}")).status_code == 404, name
