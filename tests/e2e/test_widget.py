"""The chat widget in a real browser, on the /demo page, driven by role and accessible name (issue
15, first part): pre-chat checked before sending, routed by the Topic, an agent's reply (markup
shown as text, never run), the customer's message reaching the agent, a reload continuing the same
conversation with no duplicates, and an axe scan of the open widget."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI

from tests.e2e.browser import NEEDS_CHROMIUM
from tests.helpers import Api

pytestmark = NEEDS_CHROMIUM
SHOTS = Path(__file__).resolve().parents[2] / "build" / "screenshots"
TRAP = "<img src=x onerror=window.pwned=1><script>window.pwned=2</script>"


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
    ended = await live.http.get(f"/api/v1/sessions/{session}", headers=ada.headers)
    assert (ended.json()["status"], ended.json()["endedByRole"]) == ("Ended", "EndUser")

    # Escape closes it and gives the focus back to the launcher.
    await page.keyboard.press("Escape")
    await chat.wait_for(state="hidden")
    focused = await page.evaluate("document.activeElement.shadowRoot.activeElement.textContent")
    assert focused == "Chat with us"
    await context.close()
