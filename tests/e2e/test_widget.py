"""The chat widget in a real browser, on the /demo page, driven by role and accessible name (issue
15, first part): pre-chat checked before sending, routed by the Topic, an agent's reply (markup
shown as text, never run), the customer's message reaching the agent, a reload continuing the same
conversation with no duplicates, and an axe scan of the open widget."""

from __future__ import annotations

import asyncio
import gzip
import re
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any, TypeVar

import pytest
from fastapi import FastAPI

from livedesk.kit.clock import FakeClock
from tests.auth.test_verified_users import claims, signed, verified_org
from tests.e2e.browser import NEEDS_CHROMIUM
from tests.helpers import Api, agent_stream

pytestmark = NEEDS_CHROMIUM
T = TypeVar("T")
__all__ = ["verified_org"]  # (a fixture, shared with the verified-users tests)
SHOTS = Path(__file__).resolve().parents[2] / "build" / "screenshots"
TRAP = "<img src=x onerror=window.pwned=1><script>window.pwned=2</script>"
KEY = "livedesk:00DLD0000000001:Web_Chat"
LINKS = "Rates: https://example.com/loans?rate=2. Not javascript:alert(1) nor <a href=x>this</a>"  # where the widget keeps its state (localStorage)


async def eventually(read: Callable[[], Awaitable[T]], expected: T, seconds: float = 5) -> T:
    """`read()` once it gives `expected`, or what it gives when the time is up (the caller
    asserts): for what arrives through the server, which a page locator cannot wait for."""
    deadline = asyncio.get_running_loop().time() + seconds
    value = await read()
    while value != expected and asyncio.get_running_loop().time() < deadline:
        await asyncio.sleep(0.05)  # polling the server: nothing here to wait on
        value = await read()
    return value


async def open_widget(page: Any) -> Any:
    await page.get_by_role("button", name="Chat with us").click()
    dialog = page.get_by_role("dialog", name="Chat")
    await dialog.wait_for()
    return dialog


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)  # browser tests run once
async def test_a_customer_chats_from_the_demo_page(
    browser: Any, live: Api, live_url: str, app: FastAPI
) -> None:
    from axe_playwright_python.async_playwright import Axe

    SHOTS.mkdir(parents=True, exist_ok=True)
    context = await browser.new_context(viewport={"width": 1024, "height": 720})
    page = await context.new_page()
    await page.goto(f"{live_url}/demo")
    await page.screenshot(path=str(SHOTS / "widget-closed.png"))
    chat = await open_widget(page)

    # The pre-chat form is the deployment's, checked before anything is sent.
    await chat.get_by_role("button", name="Start chat").click()
    await chat.get_by_role("alert").filter(has_text="Please fill in First name.").wait_for()
    await chat.get_by_label("First name").fill(TRAP)
    await chat.get_by_label("Email").fill("not an email")
    await chat.get_by_role("button", name="Start chat").click()
    await chat.get_by_role("alert").filter(has_text="Email must be an email address.").wait_for()
    await chat.get_by_label("Email").fill("lin@example.com")
    await chat.get_by_label("Topic").select_option("Loans")
    await page.screenshot(path=str(SHOTS / "widget-prechat.png"))
    await chat.get_by_role("button", name="Start chat").click()
    await chat.get_by_role("textbox", name="Message").wait_for()
    await chat.get_by_text("An agent will be with you shortly.", exact=False).wait_for()
    await page.screenshot(path=str(SHOTS / "widget-waiting.png"))

    # Routed by the Topic: Ada (Loans) is offered it, accepts, and writes markup as text.
    ada = await live.agent("ada")
    await ada.presence("Online")
    offers = await ada.work("Assigned")
    assert [o["queue"] for o in offers] == ["Loans"]
    assert (await ada.answer(offers[0]["workId"])).status_code == 200
    session = offers[0]["sessionId"]
    await chat.get_by_text("Ada Lovelace joined the chat.").wait_for()
    r = await ada.act(session, actionType="sendMessage", message=f"Hello! {TRAP}")
    assert r.status_code == 200, r.text
    await chat.get_by_text(f"Hello! {TRAP}").wait_for()
    hello = r.json()["entryId"]

    async def receipts() -> set[str]:
        detail = await live.http.get(f"/api/v1/sessions/{session}", headers=ada.headers)
        return {
            e["entryType"]
            for e in detail.json()["transcript"]
            if e["entryPayload"].get("acknowledgedConversationEntryIdentifier") == hello
        }

    read = {"DeliveryAcknowledgement", "ReadAcknowledgement"}  # (the panel is open)
    assert await eventually(receipts, read) == read

    # The agent types: the customer sees it. A web address becomes a link, nothing else does.
    typing = await live.http.post(
        f"/api/v1/sessions/{session}/typing", json={"typing": True}, headers=ada.headers
    )
    assert typing.status_code == 204
    await chat.get_by_text("Ada Lovelace is typing…").wait_for()
    await ada.act(session, actionType="sendMessage", message=LINKS)
    link = chat.get_by_role("link", name="https://example.com/loans?rate=2")
    assert await link.get_attribute("href") == "https://example.com/loans?rate=2"
    assert await link.get_attribute("rel") == "noopener noreferrer nofollow"
    assert await chat.get_by_role("link").count() == 1  # javascript: and markup stay text

    # The customer answers with Enter; the agent has it.
    box = chat.get_by_role("textbox", name="Message")
    await box.fill("Thanks, I need 5000")
    await box.press("Enter")
    await chat.get_by_text("Thanks, I need 5000").wait_for()
    await page.screenshot(path=str(SHOTS / "widget-chatting.png"))
    detail = await live.http.get(f"/api/v1/sessions/{session}", headers=ada.headers)
    texts = [
        e["entryPayload"]["abstractMessage"]["staticContent"]["text"]
        for e in detail.json()["transcript"]
        if e["entryType"] == "Message" and e["sender"]["role"] == "EndUser"
    ]
    assert texts == ["Thanks, I need 5000"]
    assert await page.evaluate("window.pwned") is None  # nothing from the markup ran

    # Accessible: no serious or critical axe violation in the open widget.
    results = await Axe().run(page)
    bad = [v for v in results.response["violations"] if v.get("impact") in ("serious", "critical")]
    assert bad == [], [(v["id"], v["help"]) for v in bad]

    # A reload continues the same conversation: every message once.
    await page.reload()
    chat = await open_widget(page)
    await chat.get_by_text("Thanks, I need 5000").wait_for()
    assert await chat.get_by_text("Thanks, I need 5000").count() == 1
    assert await chat.get_by_text(f"Hello! {TRAP}").count() == 1

    # The customer ends the chat: the end is shown, the session is over.
    await chat.get_by_role("button", name="End chat").click()
    await chat.get_by_text("The chat has ended.").wait_for()
    await page.screenshot(path=str(SHOTS / "widget-ended.png"))
    ended = await live.http.get(f"/api/v1/sessions/{session}", headers=ada.headers)
    assert (ended.json()["status"], ended.json()["endedByRole"]) == ("Ended", "EndUser")

    # Writing again opens a new session of the same conversation, with the same pre-chat.
    box = chat.get_by_role("textbox", name="Message")
    await box.fill("One more thing")
    await box.press("Enter")
    await chat.get_by_role("button", name="End chat").wait_for()

    async def latest() -> tuple[int, str | None]:
        mine = await live.http.get("/api/v1/sessions", headers=ada.headers)
        found = [s for s in mine.json()["sessions"] if s["conversationId"] == conversation]
        return len(found), max(found, key=lambda s: s["startTime"])["queue"]

    conversation = ended.json()["conversationId"]
    assert await eventually(latest, (2, "Loans")) == (2, "Loans")  # routed by the kept Topic

    # Escape closes it and gives the focus back to the launcher.
    await page.keyboard.press("Escape")
    await chat.wait_for(state="hidden")
    focused = await page.evaluate("document.activeElement.shadowRoot.activeElement.textContent")
    assert focused == "Chat with us"
    await context.close()


async def start_chat(page: Any, live: Api) -> tuple[Any, Any, str]:
    """Open the widget, fill the pre-chat, and let Ada accept: (panel, ada, session id)."""
    chat = await open_widget(page)
    await chat.get_by_label("First name").fill("Lin")
    await chat.get_by_label("Email").fill("lin@example.com")
    await chat.get_by_label("Topic").select_option("Loans")
    await chat.get_by_role("button", name="Start chat").click()
    await chat.get_by_role("textbox", name="Message").wait_for()
    ada = await live.agent("ada")
    await ada.presence("Online")
    offers = await ada.work("Assigned")
    assert (await ada.answer(offers[0]["workId"])).status_code == 200
    await chat.get_by_text("Ada Lovelace joined the chat.").wait_for()
    return chat, ada, offers[0]["sessionId"]


async def customer_texts(live: Api, ada: Any, session: str) -> list[str]:
    detail = await live.http.get(f"/api/v1/sessions/{session}", headers=ada.headers)
    return [
        e["entryPayload"]["abstractMessage"]["staticContent"]["text"]
        for e in detail.json()["transcript"]
        if e["entryType"] == "Message" and e["sender"]["role"] == "EndUser"
    ]


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
async def test_the_network_cut_while_both_write_loses_and_repeats_nothing(
    browser: Any, live: Api, live_url: str
) -> None:
    from tests.e2e.proxy import CuttableProxy

    proxy = CuttableProxy(int(live_url.rsplit(":", 1)[1]))
    await proxy.start()
    try:
        page = await browser.new_page()
        await page.goto(f"http://127.0.0.1:{proxy.port}/demo")
        chat, ada, session = await start_chat(page, live)
        await ada.act(session, actionType="sendMessage", message="one")
        await chat.get_by_text("one", exact=True).wait_for()

        proxy.disconnect()  # the network goes away under the open stream
        await chat.get_by_text("Reconnecting…").wait_for()
        await page.screenshot(path=str(SHOTS / "widget-offline.png"))
        await ada.act(session, actionType="sendMessage", message="two, while you were away")
        box = chat.get_by_role("textbox", name="Message")
        await box.fill("typed while offline")
        await box.press("Enter")
        await box.fill("and another")
        await box.press("Enter")

        async def outbox() -> list[str]:  # what waits to be sent, kept in the browser
            state = await page.evaluate(f"JSON.parse(localStorage.getItem('{KEY}'))")
            return [m["text"] for m in state.get("outbox", [])]

        queued = ["typed while offline", "and another"]
        assert await eventually(outbox, queued) == queued
        assert await customer_texts(live, ada, session) == []  # nothing got through
        before = len(proxy.sent)
        proxy.restore()

        await chat.get_by_text("two, while you were away").wait_for()
        delivered = await eventually(lambda: customer_texts(live, ada, session), queued)
        assert delivered == queued
        assert await eventually(outbox, []) == []
        for text in ("one", "two, while you were away", "typed while offline", "and another"):
            assert await chat.get_by_text(text, exact=True).count() == 1, text
        resumed = bytes(proxy.sent[before:])
        assert b"GET /eventrouter/v1/sse" in resumed
        last_ids = re.findall(rb"(?i)last-event-id: (\d+)", resumed)
        assert last_ids and int(last_ids[0]) > 0  # it resumed where it stopped
        await page.close()
    finally:
        await proxy.stop()


HOSTILE = """<!doctype html><html lang=en><head><style>
* { font: 40px serif !important; color: red !important; box-sizing: content-box !important }
button, input, textarea { display: none !important }
div { position: fixed !important; top: 0 !important }
</style><script>window.$ = 1; window.define = function () {}; window.require = 2;</script>
</head><body><div>A page that restyles everything</div>
<script src="/widget/embed.js" data-org="00DLD0000000001" data-deployment="Web_Chat"></script>
</body></html>"""


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
async def test_a_hostile_host_page_changes_nothing_in_the_widget(
    browser: Any, live: Api, live_url: str
) -> None:
    """Host CSS that restyles every element, and globals that module loaders define: the widget
    works, and its launcher and open panel look exactly as on the plain demo page."""

    async def looks(page: Any) -> dict[str, Any]:
        chat = await open_widget(page)
        launcher = page.get_by_role("button", name="Chat with us")
        probe = """e => { const s = getComputedStyle(e), r = e.getBoundingClientRect();
            return [r.x, r.y, r.width, r.height, s.fontFamily, s.fontSize, s.color,
                    s.backgroundColor]; }"""
        return {
            "launcher": await launcher.evaluate(probe),
            "panel": await chat.evaluate(probe),
            "start": await chat.get_by_role("button", name="Start chat").evaluate(probe),
        }

    page = await browser.new_page()
    await page.goto(f"{live_url}/demo")
    plain = await looks(page)

    async def hostile_page(route: Any) -> None:
        await route.fulfill(status=200, content_type="text/html", body=HOSTILE)

    await page.route(f"{live_url}/hostile", hostile_page)
    await page.goto(f"{live_url}/hostile")
    assert await looks(page) == plain
    chat = page.get_by_role("dialog", name="Chat")
    await chat.get_by_label("First name").fill("Lin")
    await chat.get_by_label("Email").fill("lin@example.com")
    await chat.get_by_role("button", name="Start chat").click()
    await chat.get_by_role("textbox", name="Message").wait_for()  # it works there too
    await page.close()


PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 100
PDF = b"%PDF-1.4\n" + b"%" * 100


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
async def test_files_both_ways_within_the_deployments_policy(
    browser: Any, live: Api, live_url: str
) -> None:
    page = await browser.new_page()
    await page.goto(f"{live_url}/demo")
    chat, ada, session = await start_chat(page, live)
    attach = chat.get_by_label("Attach a file")

    # A type the deployment does not take is refused before anything is sent.
    await attach.set_input_files(
        files=[{"name": "setup.exe", "mimeType": "application/x-msdownload", "buffer": b"MZ" * 50}]
    )
    await chat.get_by_role("alert").filter(has_text="setup.exe cannot be sent").wait_for()

    # A picture goes to the agent.
    await attach.set_input_files(
        files=[{"name": "payslip.png", "mimeType": "image/png", "buffer": PNG}]
    )
    await chat.get_by_role("button", name="Download payslip.png").wait_for()
    detail = await live.http.get(f"/api/v1/sessions/{session}", headers=ada.headers)
    sent = [
        a["name"]
        for e in detail.json()["transcript"]
        if e["entryType"] == "Message"
        for a in e["entryPayload"]["abstractMessage"]["staticContent"].get("attachments", [])
    ]
    assert sent == ["payslip.png"]

    # The agent's file comes back, and downloads with the customer's token.
    r = await live.http.post(
        f"/api/v1/sessions/{session}/files",
        files={"file": ("offer.pdf", PDF, "application/pdf")},
        data={"text": "Our offer"},
        headers=ada.headers,
    )
    assert r.status_code == 202, r.text
    await chat.get_by_text("Our offer").wait_for()
    async with page.expect_download() as download:
        await chat.get_by_role("button", name="Download offer.pdf").click()
    saved = await (await download.value).path()
    assert await asyncio.to_thread(Path(saved).read_bytes) == PDF

    # The transcript downloads as a PDF.
    async with page.expect_download() as download:
        await chat.get_by_role("button", name="Download the transcript").click()
    transcript = await (await download.value).path()
    assert (await asyncio.to_thread(Path(transcript).read_bytes)).startswith(b"%PDF")

    # The agent asks for a file: the chat offers to upload it.
    case = await ada.link_case(session)
    await ada.act(session, actionType="initFileTransfer", recordId=case, message="Your ID, please")
    await chat.get_by_role("button", name="Upload the requested file").wait_for()
    await page.close()


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
async def test_a_flow_form_is_answered_in_the_chat(browser: Any, live: Api, live_url: str) -> None:
    """The co-work scenario from the customer's side: the agent's flow sends the customer a form,
    she answers it in place, and the agent's flow goes on with her answer."""
    page = await browser.new_page()
    await page.goto(f"{live_url}/demo")
    chat, ada, session = await start_chat(page, live)
    case = await ada.link_case(session)
    r = await live.http.post(
        "/api/v1/flows/Use_of_Funds_Agent/interviews",
        json={"inputs": {"recordId": case}},
        headers=ada.headers,
    )
    assert r.status_code == 201, r.text
    form = chat.get_by_role("form", name="What will the funds be used for?")
    await form.wait_for()
    await form.get_by_role("button", name="Send").click()
    await form.get_by_role("alert").filter(has_text="Please fill in Use of funds.").wait_for()
    radios = form.get_by_role("radio")
    first = str(await radios.first.get_attribute("value"))
    await form.get_by_role("radio", name=first).check()  # each choice is named by its text
    await form.get_by_role("button", name="Send").click()
    await chat.get_by_text(
        "Thank you for completing the questionnaire 😃, we have noted that the use of funds "
        f"concerns {first}"
    ).wait_for()
    SHOTS.mkdir(parents=True, exist_ok=True)
    await page.screenshot(path=str(SHOTS / "widget-flow.png"))
    interview = await live.http.get(f"/api/v1/interviews/{r.json()['id']}", headers=ada.headers)
    assert interview.json()["variables"]["reason"] == first
    await page.close()


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
async def test_an_arabic_page_gets_an_arabic_right_to_left_widget(
    browser: Any, live: Api, live_url: str
) -> None:
    page = await browser.new_page()

    async def arabic_page(route: Any) -> None:
        body = HOSTILE.replace("<html lang=en>", '<html lang="ar">').replace("<style>", "<!--")
        await route.fulfill(
            status=200, content_type="text/html", body=body.replace("</style>", "-->")
        )

    await page.route(f"{live_url}/ar", arabic_page)
    await page.goto(f"{live_url}/ar")
    await page.get_by_role("button", name="تحدث معنا").click()  # its labels in the page's language
    chat = page.get_by_role("dialog", name="المحادثة")
    await chat.get_by_role("button", name="ابدأ المحادثة").wait_for()
    assert await chat.get_attribute("dir") == "rtl"
    await page.close()


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
async def test_on_a_phone_the_open_widget_fills_the_screen(
    browser: Any, live: Api, live_url: str
) -> None:
    context = await browser.new_context(viewport={"width": 360, "height": 740}, is_mobile=True)
    page = await context.new_page()
    await page.goto(f"{live_url}/demo")
    chat = await open_widget(page)
    box = await chat.bounding_box()
    assert box is not None and (box["width"], box["height"]) == (360, 740)
    size = await chat.get_by_label("First name").evaluate("e => getComputedStyle(e).fontSize")
    assert float(size.removesuffix("px")) >= 16  # phones do not zoom into the form
    SHOTS.mkdir(parents=True, exist_ok=True)
    await page.screenshot(path=str(SHOTS / "widget-phone.png"))
    await context.close()


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
async def test_unread_count_while_closed_and_typing_reaches_the_agent(
    browser: Any, live: Api, live_url: str
) -> None:
    page = await browser.new_page()
    await page.goto(f"{live_url}/demo")
    chat, ada, session = await start_chat(page, live)
    async with agent_stream(ada) as stream:
        await chat.get_by_role("textbox", name="Message").press_sequentially("hel", delay=50)
        event = await stream.until(
            lambda e: (
                e.event == "ConversationEntry"
                and e.data.get("entryType") == "TypingStartedIndicator"
            )
        )
        assert event.id is None  # typing is never stored
    await page.keyboard.press("Escape")
    await ada.act(session, actionType="sendMessage", message="Are you there?")
    await page.get_by_role("button", name="Chat with us, 1 new messages").wait_for()
    await page.get_by_role("button", name="Chat with us, 1 new messages").click()
    await chat.get_by_text("Are you there?").wait_for()
    await page.get_by_role("button", name="Chat with us", exact=True).wait_for()
    await page.close()


INLINE = """<!doctype html><html lang=en><head><title>Help</title></head><body>
<main><h1>Help</h1>
<section id="chat" aria-label="Support chat" style="width:400px;height:500px"></section></main>
<script src="/widget/embed.js" data-org="00DLD0000000001" data-deployment="Web_Chat"
 data-target="#chat"></script></body></html>"""


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
async def test_inline_mode_renders_in_the_host_element_and_loads_nothing_else_first(
    browser: Any, live: Api, live_url: str
) -> None:
    """`data-target`: no launcher, the chat fills the host element. And the size budget: before
    the chat is used the page loads nothing but the script, which weighs under 40 KB gzipped,
    and asks whether anyone can chat (a small JSON answer, cached for a few seconds)."""
    page = await browser.new_page()
    requested: list[str] = []
    page.on("request", lambda r: requested.append(r.url.removeprefix(live_url)))
    await page.goto(f"{live_url}/demo")
    await page.wait_for_load_state("networkidle")
    assert [u for u in requested if not u.startswith("/favicon")] == [
        "/demo",
        "/widget/embed.js",
        "/api/v1/orgs/00DLD0000000001/deployments/Web_Chat/availability",
    ]
    script = await live.http.get("/widget/embed.js")
    assert len(gzip.compress(script.content)) < 40 * 1024

    async def inline_page(route: Any) -> None:
        await route.fulfill(status=200, content_type="text/html", body=INLINE)

    await page.route(f"{live_url}/inline", inline_page)
    await page.goto(f"{live_url}/inline")
    chat = page.get_by_role("dialog", name="Chat")
    await chat.get_by_label("First name").wait_for()
    assert await page.get_by_role("button", name="Chat with us").count() == 0
    box = await chat.bounding_box()
    host = await page.get_by_role("region", name="Support chat").bounding_box()
    assert box is not None and host is not None
    assert (box["x"], box["y"], box["width"], box["height"]) == (
        host["x"],
        host["y"],
        host["width"],
        host["height"],
    )
    await page.close()


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
async def test_a_verified_user_chats_under_her_identity(
    browser: Any, live: Api, live_url: str, verified_org: None, clock: FakeClock
) -> None:
    """The host page passes its signed identity token (through the stub, before the script has
    loaded): the widget asks for an authenticated token, and the chat is the verified user's."""
    token = signed(claims(clock))
    page_html = (
        "<!doctype html><html lang=en><body><script>"
        'window.LiveDesk=window.LiveDesk||{q:[]};["prechat","identify","open","close"].forEach('
        "function(m){LiveDesk[m]=LiveDesk[m]||function(){LiveDesk.q.push([m,arguments])}});"
        f'LiveDesk.identify("{token}");</script>'
        '<script src="/widget/embed.js" data-org="00DLD0000000001" data-deployment="Web_Chat">'
        "</script></body></html>"
    )
    page = await browser.new_page()

    async def verified_page(route: Any) -> None:
        await route.fulfill(status=200, content_type="text/html", body=page_html)

    await page.route(f"{live_url}/account", verified_page)
    called: list[str] = []
    page.on("request", lambda r: called.append(r.url))
    await page.goto(f"{live_url}/account")
    chat, ada, session = await start_chat(page, live)
    assert any("/authorization/authenticated/access-token" in u for u in called)
    box = chat.get_by_role("textbox", name="Message")
    await box.fill("It's me")
    await box.press("Enter")

    async def names() -> list[str]:
        detail = await live.http.get(f"/api/v1/sessions/{session}", headers=ada.headers)
        return [
            e["senderDisplayName"]
            for e in detail.json()["transcript"]
            if e["entryType"] == "Message" and e["sender"]["role"] == "EndUser"
        ]

    assert await eventually(names, ["Moe"]) == ["Moe"]  # the name from her identity token
    await page.close()


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
async def test_a_message_refused_for_good_is_shown_as_not_sent(
    browser: Any, live: Api, live_url: str
) -> None:
    page = await browser.new_page()
    await page.goto(f"{live_url}/demo")
    chat, _, _ = await start_chat(page, live)
    state = await page.evaluate(f"JSON.parse(localStorage.getItem('{KEY}'))")
    closed = await live.http.delete(
        f"/iamessage/api/v2/conversation/{state['conversationId']}",
        headers={"Authorization": f"Bearer {state['token']}"},
    )
    assert closed.status_code == 204  # (closed elsewhere: another tab, the API)
    box = chat.get_by_role("textbox", name="Message")
    await box.fill("hello?")
    await box.press("Enter")
    await chat.get_by_role("alert").filter(has_text="Not sent: “hello?”.").wait_for()
    await page.close()


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
async def test_waiting_shows_the_place_in_the_queue_and_the_estimated_wait(
    browser: Any, live: Api, live_url: str, clock: FakeClock
) -> None:
    ada = await live.agent("ada")
    await ada.presence("Online")
    await live.waiting_customer()  # (General) served after 25 s (offers last 30): the queue's wait
    [offer] = await ada.work("Assigned")
    clock.advance(25)
    await ada.answer(offer["workId"])
    await ada.presence("Busy")

    page = await browser.new_page()
    await page.goto(f"{live_url}/demo")
    chat = await open_widget(page)
    await chat.get_by_label("First name").fill("Lin")
    await chat.get_by_label("Email").fill("lin@example.com")
    await chat.get_by_role("button", name="Start chat").click()
    waiting = "You are number 1 in the queue. Estimated wait: about 1 min."
    await chat.get_by_role("status").filter(has_text=waiting).wait_for()
    await page.reload()  # still said after a reload
    chat = await open_widget(page)
    await chat.get_by_role("status").filter(has_text=waiting).wait_for()
    await page.close()
