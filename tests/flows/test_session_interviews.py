"""`GET /api/v1/sessions/{id}/interviews`: the agent's flow interviews about a session (started
with its Case, or the session, as `recordId`), newest first, each with its current screen — what
the console's flow panel shows again after a reload."""

from __future__ import annotations

from typing import Any

from livedesk.kit.clock import FakeClock
from tests.flows.test_cowork_api import answer_form, start_flow, with_case
from tests.helpers import Agent, Api


async def listed(api: Api, agent: Agent, session_id: str) -> tuple[int, Any]:
    r = await api.http.get(f"/api/v1/sessions/{session_id}/interviews", headers=agent.headers)
    return r.status_code, r.json()


async def test_her_interviews_about_the_session_newest_first_with_their_screen(
    api: Api, clock: FakeClock
) -> None:
    lin, ada, case = await with_case(api, "ada")
    sid = lin.session_id or ""
    assert await listed(api, ada, sid) == (200, {"interviews": []})
    first = await start_flow(api, ada, case)
    clock.advance(1)
    second = await start_flow(api, ada, case)

    # Another chat of hers, with its own Case and flow: not about this session.
    bo, _, other_case = await with_case(api, "ada")
    other = await start_flow(api, ada, other_case)

    status, body = await listed(api, ada, sid)
    assert status == 200
    assert [i["id"] for i in body["interviews"]] == [second["id"], first["id"]]
    assert all(i["variables"]["recordId"] == case for i in body["interviews"])
    assert body["interviews"][0]["status"] == "waiting"
    assert body["interviews"][0]["waiting"] == second["waiting"]
    _, body = await listed(api, ada, bo.session_id or "")
    assert [i["id"] for i in body["interviews"]] == [other["id"]]

    # The customer answers: the listing shows the screen the flow reached.
    await answer_form(api, lin, "🚗 Vehicle")
    _, body = await listed(api, ada, sid)
    assert [i["id"] for i in body["interviews"]] == [second["id"], first["id"]]
    for interview in body["interviews"]:  # both waited for this Case's answer
        assert interview["status"] == "screen"
        assert interview["screen"]["title"] == "The customer answered"
        assert interview["screen"]["fields"][0]["text"] == "Use of funds: 🚗 Vehicle"


async def test_only_her_own_interviews_of_a_session_she_may_read(api: Api) -> None:
    lin, ada, case = await with_case(api, "ada")
    sid = lin.session_id or ""
    await start_flow(api, ada, case)

    # Grace may not read Ada's chat: not found, like a session that does not exist.
    grace = await api.agent("grace")
    status, body = await listed(api, grace, sid)
    assert (status, body["code"]) == (404, "session_not_found")
    status, body = await listed(api, grace, "00000000-0000-4000-8000-000000000000")
    assert (status, body["code"]) == (404, "session_not_found")

    # The admin reads the chat, and has no interviews of her own about it.
    admin = await api.agent("admin")
    assert await listed(api, admin, sid) == (200, {"interviews": []})

    # Not a session id at all.
    status, body = await listed(api, ada, "not-a-uuid")
    assert status == 400

    # Without a Case, a flow started on the session itself is about it.
    bo, _ = await api.chatting("ada")
    r = await api.http.post(
        "/api/v1/flows/Use_of_Funds_Agent/interviews",
        json={"inputs": {"recordId": bo.session_id}},
        headers=ada.headers,
    )
    assert r.status_code == 201, r.text
    _, body = await listed(api, ada, bo.session_id or "")
    assert [i["id"] for i in body["interviews"]] == [r.json()["id"]]
