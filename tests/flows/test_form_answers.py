"""A customer's answer to a form in the chat is customer input like a text message (issue 12,
defect 5): it stops the inactivity timer, brings an Inactive session back to its queue, and
reaches the agent — but an answer after the session ended never opens a new one."""

from __future__ import annotations

import pytest
from fastapi import FastAPI

from livedesk.kit.clock import FakeClock
from tests.conversations.test_lifecycle_api import MINUTE, fire, status
from tests.flows.test_cowork_api import answer_form, with_case
from tests.helpers import Agent, Api, Customer


async def form_in_chat(api: Api) -> tuple[Customer, Agent]:
    """A customer whose chat shows the demo's customer form, and the agent's reply after it
    (which starts the customer-inactivity timer: five minutes in the demo)."""
    lin, ada, case_id = await with_case(api, "ada")
    sid = lin.session_id or ""
    launched = await ada.act(
        sid, actionType="launchFlow", flowName="Use_of_Funds_Customer", recordId=case_id
    )
    assert launched.status_code == 200, launched.text
    reply = await ada.act(sid, actionType="sendMessage", message="Please fill in the form.")
    assert reply.status_code == 200, reply.text
    return lin, ada


@pytest.mark.parametrize("miaw", [True, False], ids=["FormResponseMessage", "flow-call"])
async def test_an_answered_form_keeps_the_session_active(
    api: Api, app: FastAPI, clock: FakeClock, miaw: bool
) -> None:
    lin, _ = await form_in_chat(api)
    clock.advance(4 * MINUTE)
    await answer_form(api, lin, "Other", miaw=miaw)
    clock.advance(2 * MINUTE)  # past the deadline the agent's reply set
    await fire(app)
    assert (await status(lin))["sessionStatus"] == "Active"


async def test_an_answered_form_brings_an_inactive_session_back_to_the_queue(
    api: Api, app: FastAPI, clock: FakeClock
) -> None:
    lin, _ = await form_in_chat(api)
    clock.advance(5 * MINUTE)
    await fire(app)
    assert (await status(lin))["sessionStatus"] == "Inactive"
    await answer_form(api, lin, "Other", miaw=True)
    body = await status(lin)
    assert body["sessionStatus"] == "Waiting" and body["sessionId"] == lin.session_id


async def test_an_answer_after_the_session_ended_opens_no_new_session(
    api: Api, app: FastAPI
) -> None:
    lin, ada = await form_in_chat(api)
    ended = await ada.act(lin.session_id or "", actionType="endChat")
    assert ended.status_code == 200, ended.text
    await answer_form(api, lin, "Other", miaw=True)
    body = await status(lin)
    assert body["sessionStatus"] == "Ended" and body["sessionId"] == lin.session_id
    answers = [
        e
        for e in (await lin.history(direction="FromStart")).json()["conversationEntries"]
        if e["entryPayload"].get("abstractMessage", {}).get("messageType") == "FormResponseMessage"
    ]
    assert len(answers) == 1  # recorded in the ended session, once
    assert (await lin.send("one more question")).status_code == 202
    assert (await status(lin))["sessionId"] != lin.session_id  # text does open a new one
