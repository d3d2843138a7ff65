"""The widget when no one can chat, across tabs, and on a phone (issue 15, second part): the
deployment hides the launcher or offers the email-us form; closed hours and a session that is not
routed are explained with the next opening; the tabs of one browser share one unread count, one
sound and one mute switch, and a tab opened first follows the conversation another tab starts; on a
phone the panel stays above the on-screen keyboard; the token is renewed before it runs out."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi import FastAPI

from livedesk.setup.schemas import OrgFile
from livedesk.setup.service import apply_org
from tests.e2e.browser import NEEDS_CHROMIUM
from tests.e2e.test_widget import KEY, SHOTS, eventually, open_widget, start_chat
from tests.helpers import Api

pytestmark = [NEEDS_CHROMIUM, pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)]
OFFICE = {  # closed when the tests' clock starts (2026-01-01, a holiday)
    "name": "Office",
    "time_zone": "Europe/Paris",
    "weekly": {d: ["09:00-17:00"] for d in ("monday", "tuesday", "wednesday")},
    "holidays": [{"date": "2026-01-01"}],
}
# Instead of a speaker: every tone a page starts is counted in window.tones.
COUNT_TONES = """window.tones = 0;
window.AudioContext = class {
  constructor() { this.destination = {}; this.currentTime = 0; }
  createOscillator() { return { frequency: {}, connect() {}, start() { window.tones += 1; },
                                stop() {} }; }
  createGain() { return { gain: {}, connect() {} }; }
};"""


async def demo_with(app: FastAPI, demo_org: OrgFile, hours: bool = False, **changes: Any) -> None:
    """The demo org, its deployment changed (and, with `hours`, closed by office hours)."""
    data = demo_org.model_dump(mode="json")
    data["deployments"][0].update(changes)
    if hours:
        data["business_hours"] = [OFFICE]
        data["deployments"][0]["business_hours"] = "Office"
    c = app.state.container
    await apply_org(c.db, c.clock, OrgFile.model_validate(data))


async def test_the_launcher_hides_while_no_agent_is_online(
    browser: Any, live: Api, live_url: str, app: FastAPI, demo_org: OrgFile
) -> None:
    await demo_with(app, demo_org, when_unavailable="hide")
    page = await browser.new_page()
    async with page.expect_response(lambda r: "/availability" in r.url):
        await page.goto(f"{live_url}/demo")
    launcher = page.get_by_role("button", name="Chat with us")
    await launcher.wait_for(state="hidden")
    await page.close()

    ada = await live.agent("ada")
    await ada.presence("Online")
    page = await browser.new_page()  # (a new page: the answer is cached for a few seconds)
    await page.goto(f"{live_url}/demo")
    await open_widget(page)
    await page.close()


async def test_the_email_us_form_leaves_a_case(
    browser: Any, live: Api, live_url: str, app: FastAPI, demo_org: OrgFile
) -> None:
    await demo_with(app, demo_org, hours=True, when_unavailable="email")
    page = await browser.new_page()
    await page.goto(f"{live_url}/demo")
    chat = await open_widget(page)
    form = chat.get_by_role("form", name="Send message")
    await form.get_by_text("No one can chat right now.", exact=False).wait_for()
    await form.get_by_text("We are closed right now; we open again", exact=False).wait_for()
    await form.get_by_label("Email").fill("not an email")
    await form.get_by_role("button", name="Send message").click()
    await form.get_by_role("alert").filter(has_text="Email must be an email address.").wait_for()
    await form.get_by_label("Name").fill("Lin Chen")
    await form.get_by_label("Email").fill("lin@example.com")
    await form.get_by_role("button", name="Send message").click()
    await form.get_by_role("alert").filter(has_text="Please fill in Message.").wait_for()
    await form.get_by_label("Message").fill("Please call me about my loan.")
    await form.get_by_role("button", name="Send message").click()
    await chat.get_by_role("status").filter(has_text="We have your message").wait_for()
    await page.screenshot(path=str(SHOTS / "widget-email-us.png"))
    ada = await live.agent("ada")
    cases = await live.http.get(
        "/api/v1/records/Case", params={"SuppliedEmail": "lin@example.com"}, headers=ada.headers
    )
    [case] = cases.json()["records"]
    assert case["fields"]["Description"] == "Please call me about my loan."
    assert case["fields"]["Origin"] == "Web"
    await page.close()


async def test_closed_hours_and_the_session_not_routed_are_explained(
    browser: Any, live: Api, live_url: str, app: FastAPI, demo_org: OrgFile
) -> None:
    await demo_with(app, demo_org, hours=True)  # when_unavailable: chat (the default)
    page = await browser.new_page()
    await page.goto(f"{live_url}/demo")
    chat = await open_widget(page)
    await chat.get_by_text("We are closed right now; we open again", exact=False).wait_for()
    await chat.get_by_label("First name").fill("Lin")
    await chat.get_by_label("Email").fill("lin@example.com")
    await chat.get_by_role("button", name="Start chat").click()
    await chat.get_by_text("we open again Monday 09:00 (Europe/Paris)", exact=False).wait_for()
    await chat.get_by_text("The chat has ended.").wait_for()
    await page.screenshot(path=str(SHOTS / "widget-closed-hours.png"))
    await page.close()


async def test_tabs_share_one_unread_count_one_sound_and_the_mute_switch(
    browser: Any, live: Api, live_url: str
) -> None:
    context = await browser.new_context()
    await context.add_init_script(COUNT_TONES)
    second = await context.new_page()  # opened first, before there is a conversation
    await second.goto(f"{live_url}/demo")
    first = await context.new_page()
    await first.goto(f"{live_url}/demo")
    chat, ada, session = await start_chat(first, live)
    await chat.get_by_role("button", name="Close chat").click()

    await ada.act(session, actionType="sendMessage", message="Are you there?")
    for page in (first, second):
        await page.get_by_role("button", name="Chat with us, 1 new messages").wait_for()

    async def tones() -> int:
        return sum([await p.evaluate("window.tones") for p in (first, second)])

    assert await eventually(tones, 1) == 1  # one tone, from one tab
    await second.wait_for_timeout(500)  # (a second tone would have come by now)
    assert await tones() == 1

    await first.get_by_role("button", name="Chat with us, 1 new messages").click()
    await chat.get_by_text("Are you there?").wait_for()
    await second.get_by_role("button", name="Chat with us", exact=True).wait_for()  # read

    await chat.get_by_role("button", name="Mute sounds").click()
    other = await open_widget(second)
    await other.get_by_role("button", name="Mute sounds", pressed=True).wait_for()
    await other.get_by_text("Are you there?").wait_for()
    await other.get_by_role("button", name="Close chat").click()
    await chat.get_by_role("button", name="Close chat").click()
    await ada.act(session, actionType="sendMessage", message="Hello again")
    await second.get_by_role("button", name="Chat with us, 1 new messages").wait_for()
    await second.wait_for_timeout(500)
    assert await tones() == 1  # muted
    await context.close()


# A visual viewport the test moves, as the on-screen keyboard does.
KEYBOARD = """(() => {
  const view = new EventTarget();
  let keyboard = 0;
  Object.defineProperties(view, { height: { get: () => innerHeight - keyboard },
                                  width: { get: () => innerWidth } });
  view.offsetTop = 0; view.offsetLeft = 0;
  Object.defineProperty(window, "visualViewport", { value: view });
  window.showKeyboard = (height) => { keyboard = height; view.dispatchEvent(new Event("resize")); };
})();"""


async def test_on_a_phone_the_input_stays_above_the_keyboard(
    browser: Any, live: Api, live_url: str
) -> None:
    context = await browser.new_context(viewport={"width": 360, "height": 740}, is_mobile=True)
    await context.add_init_script(KEYBOARD)
    page = await context.new_page()
    await page.goto(f"{live_url}/demo")
    chat, _, _ = await start_chat(page, live)
    await page.evaluate("showKeyboard(300)")
    box = await chat.get_by_role("textbox", name="Message").bounding_box()
    panel = await chat.bounding_box()
    assert box is not None and panel is not None
    assert panel["height"] == 440
    assert box["y"] + box["height"] <= 440  # above the keyboard
    await context.close()


async def test_the_token_is_renewed_half_way_through_its_life(
    browser: Any, live: Api, live_url: str
) -> None:
    page = await browser.new_page()
    await page.goto(f"{live_url}/demo")
    chat, ada, session = await start_chat(page, live)
    state = await page.evaluate(f"JSON.parse(localStorage.getItem('{KEY}'))")
    assert state["tokenLife"] > 0
    aged = {**state, "tokenAt": state["tokenAt"] - state["tokenLife"] * 0.6}
    await page.evaluate(
        "([key, value]) => localStorage.setItem(key, JSON.stringify(value))", [KEY, aged]
    )
    async with page.expect_response(
        lambda r: "/continuation-access-token" in r.url and r.status == 200
    ):
        await page.reload()

    async def token() -> str:
        return str((await page.evaluate(f"JSON.parse(localStorage.getItem('{KEY}'))"))["token"])

    assert await eventually(token, "") != state["token"]
    chat = await open_widget(page)
    box = chat.get_by_role("textbox", name="Message")
    await box.fill("still here")
    await box.press("Enter")
    await chat.get_by_text("still here").wait_for()
    await ada.act(session, actionType="sendMessage", message="So am I")
    await chat.get_by_text("So am I").wait_for()
    await page.close()
