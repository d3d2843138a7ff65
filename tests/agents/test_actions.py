"""The Conversation Toolkit actions: setAgentInput, the ways to name a session, refusals."""

from __future__ import annotations

from tests.helpers import Api, agent_stream, customer_stream


async def test_set_agent_input_reaches_only_this_agents_stream(live: Api) -> None:
    customer, ada = await live.chatting()
    sid = customer.session_id or ""
    async with agent_stream(ada) as ags, customer_stream(customer) as cs:
        r = await ada.act(
            sid, actionType="setAgentInput", message="Dear customer, ", setAtCursor=True
        )
        assert r.status_code == 200 and r.json()["status"] == "set"
        event = await ags.until(lambda e: e.event == "AgentInputSet")
        assert event.data == {
            "sessionId": sid,
            "conversationId": customer.conversation_id,
            "text": "Dear customer, ",
            "setAtCursor": True,
        }
        await customer.send("marker")  # the next thing the customer sees is their own echo
        first = await cs.next()
        assert first.event == "CONVERSATION_MESSAGE"
        assert "Dear customer" not in str(first.data)
    history = (await customer.history()).json()["conversationEntries"]
    assert all("Dear customer" not in str(e) for e in history)


async def test_a_session_can_be_named_by_its_conversation_or_its_case(api: Api) -> None:
    customer, ada = await api.chatting()
    case_id = await ada.link_case(customer.session_id or "")
    for name in (customer.session_id, customer.conversation_id, case_id):
        r = await ada.act(name or "", actionType="sendMessage", message=f"via {name}")
        assert r.status_code == 200, r.text
        assert r.json()["sessionId"] == customer.session_id


async def test_action_refusals(api: Api) -> None:
    customer, ada = await api.chatting()
    grace = await api.agent("grace")
    admin = await api.agent("admin")
    sid = customer.session_id or ""
    cases = [
        (ada, sid, {"actionType": "fly"}, 400, "unknown_action"),
        (ada, sid, {"actionType": "setAgentInput", "message": "  "}, 400, "empty_message"),
        (ada, sid, {"actionType": "sendMessage", "message": ""}, 400, "empty_message"),
        # Grace may not even read it; the admin reads it but only its agent acts on it.
        (grace, sid, {"actionType": "setAgentInput", "message": "x"}, 404, "session_not_found"),
        (admin, sid, {"actionType": "setAgentInput", "message": "x"}, 403, "not_your_session"),
        (
            ada,
            "00000000-0000-4000-8000-000000000000",
            {"actionType": "setAgentInput", "message": "x"},
            404,
            "session_not_found",
        ),
        (ada, "not-a-uuid", {"actionType": "endChat"}, 400, "invalid_session_id"),
    ]
    for agent, session, body, status, code in cases:
        r = await agent.act(session, **body)
        assert (r.status_code, r.json()["code"]) == (status, code), (body, r.text)
    await ada.act(sid, actionType="endChat")
    r = await ada.act(sid, actionType="setAgentInput", message="x")
    assert r.status_code == 409 and r.json()["code"] == "session_ended"
