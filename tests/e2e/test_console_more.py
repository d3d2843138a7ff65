"""The agent console, second part (issue 16), in a real browser, by role and accessible name: a
transfer between two consoles keeps the transcript; the supervisor view follows both agents' load
and a queue's depth live (and passes axe); quick texts through "/"; the agent's file reaches the
customer's widget; the flow panel after a reload; an offer made while the console's connection
is cut shows after the reconnect with its time left, or is gone if it expired meanwhile, and
the offer sound asks for a click after a reload; /docs renders with every other host blocked."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI

from livedesk.kit.clock import FakeClock
from tests.e2e.browser import NEEDS_CHROMIUM
from tests.e2e.test_console import SHOTS, Console, start_in_widget
from tests.e2e.test_widget import eventually
from tests.helpers import Api

pytestmark = NEEDS_CHROMIUM
PDF = b"%PDF-1.4\n" + b"%" * 100
ONCE = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)  # browser tests run once
PAYSLIPS = "To study your loan, we need your last three payslips. You can attach them here."
REFUSED = re.compile(r"^Failed to load resource: .* status of 415 ")
CUT = re.compile(r"^Failed to load resource: net::ERR_")
# Headless Chromium lets any page play sound; a desktop browser does not before the first click
# or key press. This gives a page that policy: its AudioContexts stay suspended until then.
DESKTOP_AUTOPLAY = """
(() => {
  const Real = window.AudioContext;
  if (!Real) return;
  let activated = false;
  const held = [];
  const activate = () => {
    activated = true;
    held.splice(0).forEach((context) => context.release());
  };
  window.addEventListener("pointerdown", activate, true);
  window.addEventListener("keydown", activate, true);
  window.AudioContext = class extends Real {
    constructor(...args) {
      super(...args);
      this.locked = !activated;
      if (this.locked) { super.suspend(); held.push(this); }
    }
    get state() { return this.locked ? "suspended" : super.state; }
    resume() { return this.locked ? new Promise(() => {}) : super.resume(); }
    release() { this.locked = false; super.resume(); }
  };
})();
"""


def row(table: Any, page: Any, header: str) -> Any:
    """The row of a table whose row header is `header`."""
    return table.get_by_role("row").filter(has=page.get_by_role("rowheader", name=header))


@ONCE
async def test_a_chat_transferred_to_a_colleague_keeps_its_transcript(
    browser: Any, live: Api, live_url: str
) -> None:
    from playwright.async_api import expect

    SHOTS.mkdir(parents=True, exist_ok=True)
    ada = await Console.open(browser, live_url)
    await ada.sign_in("ada")
    await ada.online(live, "ada")
    supervisor_link = ada.page.get_by_role("link", name="Supervisor", exact=True)
    assert await supervisor_link.count() == 0  # not hers
    customer = await live.waiting_customer(
        routingAttributes={"_firstName": "Tess", "_lastName": "Fer", "Topic": "Loans"}
    )
    offer = ada.page.get_by_role("article", name="Chat offer from Tess Fer")
    await offer.get_by_role("button", name="Accept").click()
    workspace = ada.page.get_by_role("tabpanel", name="Tess Fer")
    await workspace.get_by_text("Status: Active").wait_for()
    await customer.send("Said before the transfer")
    await workspace.get_by_text("Said before the transfer").wait_for()
    box = workspace.get_by_role("textbox", name="Message")
    await box.fill("Let me ask my colleague.")
    await box.press("Enter")
    await workspace.get_by_text("Let me ask my colleague.").wait_for()

    # Grace is offline: listed, not selectable, with the reason.
    dialog = ada.page.get_by_role("dialog", name="Transfer the chat")
    await workspace.get_by_role("button", name="Transfer").click()
    grace_choice = dialog.get_by_role("radio", name="Grace Hopper")
    await expect(grace_choice).to_be_disabled()
    await expect(grace_choice).to_have_accessible_description("Offline: not taking chats")
    await dialog.get_by_role("button", name="Cancel").click()

    grace = await Console.open(browser, live_url)
    await grace.sign_in("grace")
    await grace.online(live, "grace")
    await workspace.get_by_role("button", name="Transfer").click()
    await expect(grace_choice).to_be_enabled()
    await grace_choice.check()
    await ada.page.screenshot(path=str(SHOTS / "console-transfer.png"), animations="disabled")
    await dialog.get_by_role("button", name="Transfer").click()
    await workspace.get_by_text("Status: Transferred to Grace Hopper").wait_for()
    await expect(box).to_be_disabled()

    # Grace is offered the chat, accepts it, and reads what was said before.
    offered = grace.page.get_by_role("article", name="Chat offer from Tess Fer")
    await offered.get_by_role("button", name="Accept").click()
    theirs = grace.page.get_by_role("tabpanel", name="Tess Fer")
    await theirs.get_by_text("Status: Active").wait_for()
    await theirs.get_by_text("Said before the transfer").wait_for()
    await theirs.get_by_text("Let me ask my colleague.").wait_for()
    await customer.send("Hello Grace")
    await theirs.get_by_text("Hello Grace").wait_for()
    await ada.clean()
    await grace.clean()
    await ada.context.close()
    await grace.context.close()


@ONCE
async def test_the_supervisor_sees_load_and_queues_change_live(
    browser: Any, live: Api, live_url: str
) -> None:
    from axe_playwright_python.async_playwright import Axe
    from playwright.async_api import expect

    SHOTS.mkdir(parents=True, exist_ok=True)
    boss = await Console.open(browser, live_url)
    await boss.sign_in("admin")
    page = boss.page
    view = page.get_by_role("main", name="Supervisor")  # she takes no chats: her first view
    await view.wait_for()
    await expect(page.get_by_role("link", name="Supervisor", exact=True)).to_have_attribute(
        "aria-current", "page"
    )
    queues = view.get_by_role("table", name="Queues")
    agents = view.get_by_role("table", name="Agents")
    loans = row(queues, page, "Loans").get_by_role("cell")
    ada_row = row(agents, page, "Ada Lovelace")
    grace_row = row(agents, page, "Grace Hopper")
    await expect(loans.nth(0)).to_have_text("0")
    await expect(ada_row.get_by_role("cell").nth(0)).to_have_text("Offline")

    # A customer waits in Loans: the depth and the longest wait change, live.
    ann = await live.waiting_customer(
        routingAttributes={"_firstName": "Ann", "_lastName": "One", "Topic": "Loans"}
    )
    await expect(loans.nth(0)).to_have_text("1")
    await expect(loans.nth(1)).to_have_text(re.compile(r"^\d+ s$"))
    await ann.send("Hello from Ann")

    # Ada comes Online and accepts: the line empties, her load is 1 of 3.
    ada = await live.agent("ada")
    await ada.presence("Online")
    await expect(ada_row.get_by_role("cell").nth(0)).to_have_text("Online")
    [offer] = await ada.work("Assigned")
    assert (await ada.answer(offer["workId"])).status_code == 200
    await expect(loans.nth(0)).to_have_text("0")
    await expect(loans.nth(1)).to_have_text("none")
    await expect(ada_row.get_by_role("cell").nth(1)).to_have_text(re.compile(r"^1 of 3"))
    await expect(loans.nth(3)).to_have_text("1")  # agents online
    await expect(loans.nth(4)).to_have_text("2")  # their free capacity

    # Grace too, with the next customer.
    grace = await live.agent("grace")
    await grace.presence("Online")
    bo = await live.waiting_customer(
        routingAttributes={"_firstName": "Bo", "_lastName": "Two", "Topic": "Loans"}
    )
    [offer] = await grace.work("Assigned")
    assert (await grace.answer(offer["workId"])).status_code == 200
    await expect(grace_row.get_by_role("cell").nth(1)).to_have_text(re.compile(r"^1 of 3"))
    await grace_row.get_by_role("button", name=re.compile(r"^Bo Two")).wait_for()
    await expect(loans.nth(4)).to_have_text("4")

    # Ada's chat, read only.
    await ada_row.get_by_role("button", name=re.compile(r"^Ann One")).click()
    watch = view.get_by_role("region", name="Transcript")
    await watch.get_by_role("heading", name="Ann One").wait_for()
    log = watch.get_by_role("log", name="Transcript of Ann One")
    await log.get_by_text("Hello from Ann").wait_for()
    assert await watch.get_by_role("textbox").count() == 0
    await live.waiting_customer(  # on offer, not yet accepted: it waits, its wait ticks
        routingAttributes={"_firstName": "Cy", "_lastName": "Three", "Topic": "General"}
    )
    general = row(queues, page, "General").get_by_role("cell")
    await expect(general.nth(0)).to_have_text("1")
    await expect(general.nth(1)).to_have_text(re.compile(r"^[1-9]\d* s$"))  # ticking
    await page.screenshot(path=str(SHOTS / "console-supervisor.png"), animations="disabled")

    results = await Axe().run(page)
    bad = [v for v in results.response["violations"] if v.get("impact") in ("serious", "critical")]
    assert bad == [], [(v["id"], v["help"], [n["target"] for n in v["nodes"]]) for v in bad]

    # Ada ends her chat: her load goes back to 0, the chat leaves her list.
    r = await ada.act(ann.session_id or "", actionType="endChat")
    assert r.status_code == 200, r.text
    await expect(ada_row.get_by_role("cell").nth(1)).to_have_text(re.compile(r"^0 of 3"))
    await expect(ada_row.get_by_role("button", name=re.compile(r"^Ann One"))).to_have_count(0)
    # The transcript shown follows the chat.
    await watch.get_by_text(re.compile(r"^Ended by the agent ·")).wait_for()
    assert bo.session_id  # still with Grace
    await expect(grace_row.get_by_role("cell").nth(1)).to_have_text(re.compile(r"^1 of 3"))
    await boss.clean()
    await boss.context.close()


@ONCE
async def test_quick_texts_a_file_for_the_customer_and_the_flow_after_a_reload(
    browser: Any, live: Api, live_url: str
) -> None:
    from axe_playwright_python.async_playwright import Axe
    from playwright.async_api import expect

    SHOTS.mkdir(parents=True, exist_ok=True)
    ada = await Console.open(browser, live_url)
    await ada.sign_in("ada")
    await ada.online(live, "ada")
    customer_context = await browser.new_context(viewport={"width": 1024, "height": 720})
    customer = await customer_context.new_page()
    await customer.goto(f"{live_url}/demo")
    chat = await start_in_widget(customer, "Lin")
    offer = ada.page.get_by_role("article", name="Chat offer from Lin Nguyen")
    await offer.get_by_role("button", name="Accept").click()
    workspace = ada.page.get_by_role("tabpanel", name="Lin Nguyen")
    await workspace.get_by_text("Status: Active").wait_for()
    box = workspace.get_by_role("textbox", name="Message")
    await expect(box).to_be_focused()

    # "/" opens the quick texts, filled for Lin; arrows choose, Escape closes.
    await box.press_sequentially("Hi! /")
    search = workspace.get_by_role("combobox", name="Search quick texts")
    await expect(search).to_be_focused()
    options = workspace.get_by_role("listbox", name="Quick texts").get_by_role("option")
    await expect(options).to_have_count(3)
    await expect(options.nth(0)).to_contain_text("Hello Lin, I am looking at your request now.")
    await expect(options.nth(0)).to_have_attribute("aria-selected", "true")
    await search.press("ArrowDown")
    await search.press("ArrowDown")
    await expect(options.nth(2)).to_have_attribute("aria-selected", "true")
    await expect(search).to_have_attribute("aria-activedescendant", re.compile(r"."))
    await search.press("Escape")
    await expect(search).to_be_hidden()
    await expect(box).to_be_focused()
    await expect(box).to_have_value("Hi! /")

    # Searched, chosen with Enter: the text replaces the "/", for Ada to edit.
    await box.press("Backspace")
    await box.press_sequentially("/pay")
    await expect(options).to_have_count(1)
    await expect(options.nth(0)).to_contain_text("Ask for payslips")
    results = await Axe().run(ada.page)  # the combobox and its list, open
    bad = [v for v in results.response["violations"] if v.get("impact") in ("serious", "critical")]
    assert bad == [], [(v["id"], v["help"], [n["target"] for n in v["nodes"]]) for v in bad]
    await ada.page.screenshot(path=str(SHOTS / "console-quick-texts.png"), animations="disabled")
    await search.press("Enter")
    await expect(box).to_have_value(f"Hi! {PAYSLIPS}")
    await expect(box).to_be_focused()
    await box.press("End")
    await box.press_sequentially(" Thanks!")
    await box.press("Enter")
    await chat.get_by_text(f"Hi! {PAYSLIPS} Thanks!").wait_for()

    # Ada sends a file with a caption: the customer has it in the widget.
    async with ada.page.expect_file_chooser() as chooser:
        await workspace.get_by_role("button", name="Attach a file").click()
    await (await chooser.value).set_files(
        files=[{"name": "offer.pdf", "mimeType": "application/pdf", "buffer": PDF}]
    )
    await workspace.get_by_text("File to send: offer.pdf").wait_for()
    await box.fill("Our offer")
    await box.press("Enter")
    await chat.get_by_role("button", name="Download offer.pdf").wait_for()
    await chat.get_by_text("Our offer").wait_for()
    await workspace.get_by_role("button", name="Download offer.pdf").wait_for()

    # A file the deployment does not take: the server's reason, nothing sent.
    async with ada.page.expect_file_chooser() as chooser:
        await workspace.get_by_role("button", name="Attach a file").click()
    await (await chooser.value).set_files(
        files=[{"name": "setup.exe", "mimeType": "application/octet-stream", "buffer": b"MZ" * 50}]
    )
    await workspace.get_by_role("button", name="Send").click()
    await workspace.get_by_role("alert").filter(has_text="are not accepted here").wait_for()
    await expect(workspace.get_by_text("File to send: setup.exe")).to_have_count(0)

    # A flow started on the Case (here through the API) is back in the panel after a reload.
    headers = {"Authorization": f"Bearer {await ada.token()}"}
    [work] = (await live.http.get("/api/v1/work", headers=headers)).json()["work"]
    case = await live.http.post(f"/api/v1/sessions/{work['sessionId']}/case", headers=headers)
    started = await live.http.post(
        "/api/v1/flows/Use_of_Funds_Agent/interviews",
        json={"inputs": {"recordId": case.json()["caseId"]}},
        headers=headers,
    )
    assert started.status_code == 201, started.text
    await ada.page.reload()
    flow = workspace.get_by_role("region", name="Flow")
    await flow.get_by_text("Waiting for the customer's answer…").wait_for()
    await flow.get_by_role("heading", name="Use of funds (agent)").wait_for()

    # A customer flow goes into the chat (launchFlow): the customer answers it there.
    await flow.get_by_label("Flow to launch").select_option("Use_of_Funds_Customer")
    await flow.get_by_role("button", name="Launch flow").click()
    await flow.get_by_text("Sent to the customer's chat: Use of funds (customer).").wait_for()
    await chat.get_by_role("form", name="What will the funds be used for?").last.wait_for()
    assert await ada.page.evaluate("window.__blocked") == []
    assert [e for e in ada.errors if not REFUSED.match(e)] == []
    await customer_context.close()
    await ada.context.close()


@ONCE
async def test_an_offer_made_while_the_connection_is_cut(
    browser: Any, live: Api, live_url: str, app: FastAPI, clock: FakeClock
) -> None:
    """Made during the cut: shown after the reconnect with the time it has left on the server's
    clock. Made and expired during the cut: gone. After a reload nobody has clicked yet, so the
    browser holds the ring back: the console says so instead of staying silent."""
    from playwright.async_api import expect

    from tests.e2e.proxy import CuttableProxy

    proxy = CuttableProxy(int(live_url.rsplit(":", 1)[1]))
    await proxy.start()
    try:
        ada = await Console.open(browser, f"http://127.0.0.1:{proxy.port}")
        await ada.sign_in("ada")
        await ada.online(live, "ada")
        page = ada.page
        SHOTS.mkdir(parents=True, exist_ok=True)
        await ada.context.add_init_script(DESKTOP_AUTOPLAY)
        await page.reload()  # no click since: the page may not play sound yet
        await page.get_by_text("Signed in as Ada Lovelace").wait_for()
        await page.get_by_text("No offers right now.").wait_for()

        proxy.disconnect()
        await page.get_by_role("status").filter(has_text="Reconnecting…").wait_for()
        await live.waiting_customer(
            routingAttributes={"_firstName": "Cut", "_lastName": "Off", "Topic": "Loans"}
        )
        clock.advance(10)  # 20 of its 30 s are left on the server's clock
        proxy.restore()
        offer = page.get_by_role("article", name="Chat offer from Cut Off")
        await expect(offer.get_by_role("timer")).to_have_text(
            re.compile(r"^Expires in (1[7-9]|20) s$")
        )
        sound = "Click anywhere to turn the offer sound on"
        hint = page.get_by_role("status").filter(has_text=sound)
        await hint.wait_for()
        await page.screenshot(path=str(SHOTS / "console-offer-sound.png"), animations="disabled")
        await page.get_by_role("heading", name="Incoming chats").click()
        await expect(hint).to_have_count(0)
        await offer.get_by_role("button", name="Accept").click()
        await page.get_by_role("tabpanel", name="Cut Off").get_by_text("Status: Active").wait_for()

        # Made and timed out during the cut (to Grace, Online meanwhile): not shown.
        proxy.disconnect()
        await page.get_by_role("status").filter(has_text="Reconnecting…").wait_for()
        await live.waiting_customer(
            routingAttributes={"_firstName": "Too", "_lastName": "Late", "Topic": "Loans"}
        )
        grace = await live.agent("grace")
        await grace.presence("Online")
        clock.advance(31)
        await app.state.container.scheduler.run_due()
        assert [w["queue"] for w in await grace.work("Assigned")] == ["Loans"]
        proxy.restore()
        await page.get_by_text("Reconnecting…").wait_for(state="hidden")
        await (
            page.get_by_role("status")
            .filter(has_text="The chat offer from Too Late timed out.")
            .wait_for()
        )
        await expect(page.get_by_role("article", name="Chat offer from Too Late")).to_have_count(0)
        await page.get_by_text("No offers right now.").wait_for()
        assert await page.evaluate("window.__blocked") == []
        assert [e for e in ada.errors if not CUT.search(e)] == []  # the cuts themselves only
        await ada.context.close()
    finally:
        await proxy.stop()


@ONCE
async def test_the_api_docs_render_with_every_other_host_blocked(
    browser: Any, live_url: str
) -> None:
    from playwright.async_api import expect

    SHOTS.mkdir(parents=True, exist_ok=True)
    context = await browser.new_context(viewport={"width": 1024, "height": 720})
    elsewhere: list[str] = []

    async def only_here(route: Any) -> None:
        host = route.request.url.split("/")[2].split(":")[0]
        if host != "127.0.0.1":
            elsewhere.append(route.request.url)
            await route.abort()
        else:
            await route.continue_()

    await context.route("**/*", only_here)
    page = await context.new_page()
    await page.goto(f"{live_url}/docs")
    await expect(page.get_by_role("heading", name=re.compile(r"^LiveDesk"))).to_be_visible()
    await page.get_by_text("/api/v1/supervisor/overview").first.wait_for()
    await page.screenshot(path=str(Path(SHOTS) / "docs-offline.png"))
    assert elsewhere == []
    await context.close()


@ONCE
async def test_the_agent_asks_a_question_from_the_console_and_the_survey_follows(
    browser: Any, live: Api, live_url: str
) -> None:
    """Issue 17 through the pages: Ada asks "Have I successfully answered your question?" from
    the console, the customer answers Yes in the widget and Ada reads it; Ada ends the chat, the
    survey appears in the widget, the customer rates 5; the supervisor's view of the session
    holds both answers."""
    from playwright.async_api import expect

    ada = await Console.open(browser, live_url)
    await ada.sign_in("ada")
    await ada.online(live, "ada")
    customer_context = await browser.new_context(viewport={"width": 1024, "height": 720})
    customer = await customer_context.new_page()
    await customer.goto(f"{live_url}/demo")
    chat = await start_in_widget(customer, "Quinn", "Asked")
    offer = ada.page.get_by_role("article", name="Chat offer from Quinn Asked")
    await offer.get_by_role("button", name="Accept").click()
    workspace = ada.page.get_by_role("tabpanel", name="Quinn Asked")
    await workspace.get_by_text("Status: Active").wait_for()

    await workspace.get_by_role("button", name="Ask a question").click()
    dialog = ada.page.get_by_role("dialog", name="Ask a question")
    await dialog.get_by_role("radio", name="Answered Question").check()
    await dialog.get_by_role("button", name="Send").click()
    await expect(dialog).to_be_hidden()
    question = chat.get_by_role("group", name="Have I successfully answered your question?")
    await question.get_by_role("button", name="Yes").click()
    await expect(question.get_by_role("button", name="Yes")).to_be_disabled()
    await workspace.get_by_text("Yes", exact=True).last.wait_for()  # her answer, for Ada too

    await workspace.get_by_role("button", name="End chat").click()
    survey = chat.get_by_role("form", name="How did we do, Quinn?")
    rating = survey.get_by_role("radiogroup", name="How satisfied are you with this chat? *")
    await rating.get_by_role("radio", name="5 out of 5").check()
    await survey.get_by_role("button", name="Send").click()
    await expect(survey.get_by_role("button", name="Send")).to_be_disabled()

    admin = await live.agent("admin")
    sessions = await live.http.get("/api/v1/sessions", headers=admin.headers)
    [session] = [s for s in sessions.json()["sessions"] if s["agentId"]]

    async def answers() -> list[tuple[str, Any]]:
        detail = await live.http.get(
            f"/api/v1/supervisor/sessions/{session['id']}", headers=admin.headers
        )
        return [(a["component"], a["selection"] or a["rating"]) for a in detail.json()["answers"]]

    expected = [("Answered_Question", "Yes"), ("Post_Chat_Survey", 5)]
    assert await eventually(answers, expected) == expected
    await ada.clean()
    await customer_context.close()
    await ada.context.close()
