"""Messaging components in the widget (issue 17), in Chromium, by role and accessible name: the
agent asks "Have I successfully answered your question?", the customer clicks Yes; the agent ends
the chat, the End Conversation's survey appears, the customer rates 5 with a comment; the session
as the supervisor sees it holds both answers, and after a reload both components stay answered."""

from __future__ import annotations

from typing import Any

import pytest

from tests.e2e.browser import NEEDS_CHROMIUM
from tests.e2e.test_widget import SHOTS, eventually, open_widget, start_chat
from tests.helpers import Api

pytestmark = NEEDS_CHROMIUM
QUESTION = "Have I successfully answered your question?"
SURVEY = "How did we do, Lin?"


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)  # browser tests run once
async def test_the_customer_answers_a_question_and_the_survey(
    browser: Any, live: Api, live_url: str
) -> None:
    from axe_playwright_python.async_playwright import Axe
    from playwright.async_api import expect

    page = await browser.new_page()
    await page.goto(f"{live_url}/demo")
    chat, ada, session = await start_chat(page, live)

    # The agent sends the component; the customer sees buttons in a group named by the question.
    r = await ada.act(session, actionType="sendComponent", component="Answered_Question")
    assert r.status_code == 200, r.text
    question = chat.get_by_role("group", name=QUESTION)
    await question.wait_for()
    assert await question.get_by_role("button").all_inner_texts() == ["Yes", "No"]
    yes = question.get_by_role("button", name="Yes")
    await yes.focus()
    await page.keyboard.press("Enter")  # a real button: the keyboard answers
    await expect(yes).to_be_disabled()
    await expect(yes).to_have_attribute("aria-pressed", "true")
    await expect(question.get_by_role("button", name="No")).to_be_disabled()
    await expect(chat.get_by_text("Yes", exact=True)).to_have_count(2)  # and her answer, as text

    # The agent ends the chat: the End Conversation auto-response sends the survey.
    assert (await ada.act(session, actionType="endChat")).status_code == 200
    survey = chat.get_by_role("form", name=SURVEY)
    await survey.wait_for()
    await survey.get_by_role("button", name="Send").click()
    await (
        survey.get_by_role("alert")
        .filter(has_text="Please fill in How satisfied are you with this chat?.")
        .wait_for()
    )
    rating = survey.get_by_role("radiogroup", name="How satisfied are you with this chat? *")
    assert await rating.get_by_role("radio").count() == 5
    await rating.get_by_role("radio", name="5 out of 5").check()
    await survey.get_by_role("textbox", name="Anything you would like to add?").fill(
        "Quick and kind"
    )
    results = await Axe().run(page)  # the open widget with both components
    bad = [v for v in results.response["violations"] if v.get("impact") in ("serious", "critical")]
    assert bad == [], [(v["id"], v["help"]) for v in bad]
    SHOTS.mkdir(parents=True, exist_ok=True)
    await page.screenshot(path=str(SHOTS / "widget-survey.png"))
    await survey.get_by_role("button", name="Send").click()
    await chat.get_by_text(
        "Anything you would like to add?: Quick and kind", exact=False
    ).wait_for()
    await expect(survey.get_by_role("button", name="Send")).to_be_disabled()

    # The supervisor sees the answers on the session.
    admin = await live.agent("admin")

    async def answers() -> list[tuple[str, Any, Any]]:
        detail = await live.http.get(
            f"/api/v1/supervisor/sessions/{session}", headers=admin.headers
        )
        assert detail.status_code == 200, detail.text
        return [(a["component"], a["selection"], a["values"]) for a in detail.json()["answers"]]

    expected = [
        ("Answered_Question", "Yes", {"selection": "Yes"}),
        ("Post_Chat_Survey", None, {"csat": 5, "comment": "Quick and kind"}),
    ]
    assert await eventually(answers, expected) == expected

    # After a reload the transcript says both were answered: neither takes an answer again.
    await page.reload()
    chat = await open_widget(page)
    question = chat.get_by_role("group", name=QUESTION)
    await expect(question.get_by_role("button", name="Yes", pressed=True)).to_be_disabled()
    await expect(question.get_by_role("button", name="No", pressed=False)).to_be_disabled()
    survey = chat.get_by_role("form", name=SURVEY)
    await expect(survey.get_by_role("radio", name="5 out of 5")).to_be_disabled()
    await expect(survey.get_by_role("button", name="Send")).to_be_disabled()
    await page.close()
