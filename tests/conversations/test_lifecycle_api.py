"""The session lifecycle through the API, with a fake clock: inactivity, auto-end, the way back
to the queue, ending, the 417 dance, pre-chat across sessions and the auto-responses."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi import FastAPI
from sqlalchemy import Connection

from livedesk.conversations import inactivity, lifecycle, repository
from livedesk.kit.clock import FakeClock
from livedesk.setup.schemas import OrgFile
from livedesk.setup.service import apply_org
from tests.helpers import DEPLOYMENT, MIAW, ORG, Agent, Api, Customer

MINUTE = 60


async def fire(app: FastAPI) -> None:
    await app.state.container.scheduler.run_due()


async def history(customer: Customer) -> list[dict[str, Any]]:
    r = await customer.history(direction="FromStart", limit=50)
    assert r.status_code == 200, r.text
    entries: list[dict[str, Any]] = r.json()["conversationEntries"]
    return entries


def text(entry: dict[str, Any]) -> str:
    return str(entry["entryPayload"]["abstractMessage"]["staticContent"]["text"])


async def status(customer: Customer) -> dict[str, Any]:
    r = await customer.api.http.get(
        f"{MIAW}/conversation/{customer.conversation_id}", headers=customer.headers
    )
    assert r.status_code == 200, r.text
    body: dict[str, Any] = r.json()
    return body


async def chatting(
    api: Api, agent_name: str = "ada", **conversation: Any
) -> tuple[Customer, Agent]:
    agent = await api.agent(agent_name)
    await agent.presence("Online")
    customer = await api.waiting_customer(**conversation)
    [offer] = [w for w in await agent.work("Assigned") if w["sessionId"] == customer.session_id]
    assert (await agent.answer(offer["workId"])).status_code == 200
    return customer, agent


async def reply(agent: Agent, customer: Customer, message: str = "hello") -> None:
    r = await agent.act(customer.session_id or "", actionType="sendMessage", message=message)
    assert r.status_code == 200, r.text


async def test_inactivity_starts_at_the_agents_first_reply_after_the_customer(
    api: Api, app: FastAPI, clock: FakeClock
) -> None:
    customer, ada = await chatting(api)
    await customer.send("hi")
    clock.advance(60)
    await reply(ada, customer)  # t0: the timer starts (5 minutes in the demo)
    clock.advance(3 * MINUTE)
    await reply(ada, customer, "still there?")  # a second reply does not restart it
    clock.advance(2 * MINUTE - 1)
    await fire(app)
    assert (await status(customer))["sessionStatus"] == "Active"
    clock.advance(1)
    await fire(app)
    assert (await status(customer))["sessionStatus"] == "Inactive"
    statuses = [
        e["entryPayload"]["sessionStatus"]
        for e in await history(customer)
        if e["entryType"] == "SessionStatusChanged"
    ]
    assert statuses[-1] == "Inactive"
    assert [w for w in await ada.work() if w["status"] == "Opened"] == []  # capacity released


async def test_a_customer_message_stops_the_inactivity_timer(
    api: Api, app: FastAPI, clock: FakeClock
) -> None:
    customer, ada = await chatting(api)
    await reply(ada, customer)
    clock.advance(4 * MINUTE)
    await customer.send("sorry, I was away")
    clock.advance(2 * MINUTE)
    await fire(app)
    assert (await status(customer))["sessionStatus"] == "Active"
    await reply(ada, customer)  # the first reply after the customer's message: a new timer
    clock.advance(5 * MINUTE)
    await fire(app)
    assert (await status(customer))["sessionStatus"] == "Inactive"


async def test_a_customer_message_spends_no_statement_on_a_timer_that_does_not_run(
    api: Api, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Whether the inactivity timer runs is read with the message's context: only a message
    that has a timer to stop deletes it (most customer messages follow another one)."""
    cancelled: list[str] = []
    cancel = inactivity.timers.cancel

    def counted(conn: Connection, kind: str, subject_id: str) -> None:
        if kind == inactivity.INACTIVITY:
            cancelled.append(subject_id)
        cancel(conn, kind, subject_id)

    monkeypatch.setattr(inactivity.timers, "cancel", counted)
    customer, ada = await chatting(api)
    await customer.send("one")
    await customer.send("two")
    assert cancelled == []
    await reply(ada, customer)  # the timer starts
    await customer.send("three")
    assert cancelled == [customer.session_id]
    await customer.send("four")
    assert cancelled == [customer.session_id]


async def raced(customer: Customer, text: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """The customer's message as it is when an agent's reply commits beside it: the message read
    that no timer ran, so it stops none, and the reply's timer runs on."""
    with monkeypatch.context() as m:
        m.setattr(inactivity, "on_customer_message", lambda *_: None)
        await customer.send(text)


async def status_after(app: FastAPI, clock: FakeClock, seconds: int, customer: Customer) -> str:
    """The session's status once `seconds` more have passed and the timers due have fired."""
    clock.advance(seconds)
    await fire(app)
    return str((await status(customer))["sessionStatus"])


async def test_a_timer_a_customer_message_raced_with_does_not_make_the_session_inactive(
    api: Api, app: FastAPI, clock: FakeClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    customer, ada = await chatting(api)
    await reply(ada, customer)  # the timer starts
    clock.advance(4 * MINUTE)
    await raced(customer, "here I am", monkeypatch)
    assert (
        await status_after(app, clock, 1 * MINUTE, customer) == "Active"
    )  # the customer wrote last
    await reply(ada, customer)  # the first reply after the customer's message: a new timer
    assert await status_after(app, clock, 5 * MINUTE - 1, customer) == "Active"
    assert await status_after(app, clock, 1, customer) == "Inactive"


async def test_a_raced_timer_runs_on_until_the_agents_first_reply_after_the_customer(
    api: Api, app: FastAPI, clock: FakeClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    customer, ada = await chatting(api)
    await reply(ada, customer)  # t0: the timer starts, due at t0 + 5 min
    clock.advance(1 * MINUTE)
    await raced(customer, "one more thing", monkeypatch)
    clock.advance(1 * MINUTE)
    await reply(ada, customer, "sure")  # t0 + 2 min: the timer runs already, it is left alone
    # At t0 + 5 min the timer fires two minutes too early for this reply, and runs on.
    assert await status_after(app, clock, 3 * MINUTE, customer) == "Active"
    assert await status_after(app, clock, 2 * MINUTE - 1, customer) == "Active"
    assert await status_after(app, clock, 1, customer) == "Inactive"


async def test_inactive_then_the_customer_writes_and_another_agent_takes_it(
    api: Api, app: FastAPI, clock: FakeClock
) -> None:
    customer, ada = await chatting(api)
    await reply(ada, customer)
    clock.advance(5 * MINUTE)
    await fire(app)
    await ada.presence("Busy")
    grace = await api.agent("grace")
    await grace.presence("Online")
    assert await grace.work() == []  # nothing waits yet
    r = await customer.send("I'm back")
    assert r.status_code == 202
    assert (await status(customer))["sessionStatus"] == "Waiting"
    [offer] = await grace.work("Assigned")
    assert offer["sessionId"] == customer.session_id  # the same session, re-routed
    assert (await grace.answer(offer["workId"])).status_code == 200
    body = await status(customer)
    assert body["sessionStatus"] == "Active" and body["sessionId"] == customer.session_id


async def session_detail(api: Api, session_id: str) -> dict[str, Any]:
    """Read by a fresh login (tokens do not last a fake day)."""
    agent = await api.agent("admin")
    r = await api.http.get(f"/api/v1/sessions/{session_id}", headers=agent.headers)
    assert r.status_code == 200, r.text
    body: dict[str, Any] = r.json()
    return body


async def test_auto_end_after_hours_of_inactivity(api: Api, app: FastAPI, clock: FakeClock) -> None:
    customer, ada = await chatting(api)
    sid = customer.session_id or ""
    await reply(ada, customer)
    clock.advance(5 * MINUTE)
    await fire(app)
    clock.advance(24 * 3600 - 1)
    await fire(app)
    assert (await session_detail(api, sid))["status"] == "Inactive"
    clock.advance(1)
    await fire(app)
    session = await session_detail(api, sid)
    assert session["status"] == "Ended" and session["endedByRole"] == "System"
    assert session["endReason"] == "AutoEnded"
    entries = session["transcript"]
    ended = [e for e in entries if e["entryType"] == "SessionStatusChanged"][-1]
    assert ended["entryPayload"] == {
        "entryType": "SessionStatusChanged",
        "sessionStatus": "Ended",
        "sessionEndedByRole": "System",
    }
    goodbye, survey = [e for e in entries if e["entryType"] == "Message"][-2:]
    assert "conversation has ended" in text(goodbye)
    assert survey["entryPayload"]["abstractMessage"]["messageType"] == "FormMessage"  # the demo's


async def test_mark_inactive_by_hand(api: Api, app: FastAPI, clock: FakeClock) -> None:
    customer, ada = await chatting(api)
    sid = customer.session_id or ""
    r = await ada.act(sid, actionType="markInactive")
    assert r.status_code == 200 and r.json()["status"] == "Inactive"
    again = await ada.act(sid, actionType="markInactive")
    assert again.status_code == 409 and again.json()["code"] == "session_not_active"
    clock.advance(24 * 3600)
    await fire(app)
    assert (await session_detail(api, sid))["status"] == "Ended"


async def test_who_ended_the_session_and_what_the_agent_may_do_after(api: Api) -> None:
    customer, ada = await chatting(api)
    r = await api.http.delete(
        f"{MIAW}/conversation/{customer.conversation_id}/session",
        params={"esDeveloperName": DEPLOYMENT},
        headers=customer.headers,
    )
    assert r.status_code == 204
    ended = [e for e in await history(customer) if e["entryType"] == "SessionStatusChanged"][-1]
    assert ended["entryPayload"]["sessionEndedByRole"] == "EndUser"
    refused = await ada.act(customer.session_id or "", actionType="sendMessage", message="hello?")
    assert refused.status_code == 409 and refused.json()["code"] == "session_ended_by_end_user"
    closed = await api.http.delete(
        f"{MIAW}/conversation/{customer.conversation_id}",
        params={"esDeveloperName": DEPLOYMENT},
        headers=customer.headers,
    )
    assert closed.status_code == 204
    late = await customer.send("one more thing")
    assert late.status_code == 409 and late.json()["code"] == "conversation_closed"


async def test_auto_responses_content_and_order(api: Api) -> None:
    customer, ada = await chatting(api, routingAttributes={"_firstName": "Lin", "Topic": "Loans"})
    first = await history(customer)
    assert [e["entryType"] for e in first[:2]] == ["RoutingResult", "Message"]
    assert first[1]["sender"]["role"] == "System"
    assert text(first[1]) == ("Hi Lin, thanks for reaching out. An agent will be with you shortly.")
    await ada.act(customer.session_id or "", actionType="endChat")
    tail = (await history(customer))[-4:]
    assert [e["entryType"] for e in tail] == [
        "Message",
        "Message",
        "SessionStatusChanged",
        "ParticipantChanged",
    ]
    assert text(tail[0]) == "Thank you for chatting with us. This conversation has ended."
    survey = tail[1]["entryPayload"]["abstractMessage"]  # the End Conversation's component
    assert (survey["messageType"], survey["component"]["name"]) == (
        "FormMessage",
        "Post_Chat_Survey",
    )
    assert tail[2]["entryPayload"]["sessionEndedByRole"] == "Agent"


async def test_prechat_persists_into_the_next_session(api: Api) -> None:
    customer, ada = await chatting(
        api, routingAttributes={"_firstName": "Lin", "_email": "lin@example.com", "Topic": "Loans"}
    )
    first_session = customer.session_id
    await ada.act(first_session or "", actionType="endChat")
    assert (await customer.send("one more question")).status_code == 202
    body = await status(customer)
    assert body["sessionId"] != first_session and body["queue"] == "Loans"
    session = await ada.api.http.get(f"/api/v1/sessions/{body['sessionId']}", headers=ada.headers)
    assert session.json()["prechat"]["_firstName"] == "Lin"


def session_org(demo_org: OrgFile, *, persist: bool) -> OrgFile:
    web = demo_org.deployments[0].model_copy(deep=True)
    web.prechat.display_context = "Session"
    web.persist_prechat = persist
    web.auto_responses.inactive = "Are you still there, {!firstName}? ({!queue})"
    return demo_org.model_copy(update={"deployments": [web]})


async def test_the_417_dance_for_a_per_session_prechat(
    api: Api, app: FastAPI, demo_org: OrgFile
) -> None:
    c = app.state.container
    await apply_org(c.db, c.clock, session_org(demo_org, persist=False))
    customer, ada = await chatting(api, routingAttributes={"_firstName": "Lin", "Topic": "Loans"})
    await ada.act(customer.session_id or "", actionType="endChat")
    r = await customer.send("again")
    assert r.status_code == 417 and r.json()["code"] == "new_session_needs_prechat"
    r = await customer.send("again", isNewMessagingSession=True)
    assert r.status_code == 417
    r = await customer.send(
        "again", isNewMessagingSession=True, routingAttributes={"_firstName": "Lin2"}
    )
    assert r.status_code == 202
    body = await status(customer)
    assert body["sessionStatus"] == "Waiting" and body["queue"] == "General"
    session = await ada.api.http.get(f"/api/v1/sessions/{body['sessionId']}", headers=ada.headers)
    assert session.json()["prechat"] == {"_firstName": "Lin2"}  # not persisted here


async def test_the_inactive_notice_uses_merge_fields(
    api: Api, app: FastAPI, demo_org: OrgFile
) -> None:
    c = app.state.container
    await apply_org(c.db, c.clock, session_org(demo_org, persist=True))
    customer, ada = await chatting(api, routingAttributes={"_firstName": "Lin", "Topic": "Loans"})
    await ada.act(customer.session_id or "", actionType="markInactive")
    notice = [e for e in await history(customer) if e["entryType"] == "Message"][-1]
    assert text(notice) == "Are you still there, Lin? (Loans)"


async def test_a_transition_from_a_stale_read_is_a_409_and_changes_nothing(
    api: Api, app: FastAPI
) -> None:
    """`lifecycle.move` writes only if the session is still in the status it was read in: a
    request that lost a race is told so (409 `session_changed`), nothing is overwritten."""
    customer = await api.customer()
    assert (await customer.create_conversation()).status_code == 201
    session_id = str(customer.session_id)
    db = app.state.container.db
    stale = await db.read(lambda conn: repository.get_session(conn, session_id))
    assert stale is not None and stale.status == "Waiting"
    await db.transaction(lambda conn: lifecycle.move(conn, ORG, stale, "end", ended_at=1))
    with pytest.raises(lifecycle.InvalidTransition) as refused:
        await db.transaction(lambda conn: lifecycle.move(conn, ORG, stale, "end", ended_at=2))
    assert (refused.value.status, refused.value.code) == (409, "session_changed")
    now = await db.read(lambda conn: repository.get_session(conn, session_id))
    assert now is not None and (now.status, now.ended_at) == ("Ended", 1)
