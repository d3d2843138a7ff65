"""The org's agents as a colleague sees them, to transfer a chat: presence and free capacity."""

from __future__ import annotations

from tests.helpers import Api


async def test_agents_list_colleagues_with_presence_and_free_capacity(api: Api) -> None:
    _, ada = await api.chatting("ada")  # one chat: 2 of 3 left
    await ada.presence("Online")
    grace = await api.agent("grace")
    r = await api.http.get("/api/v1/agents", headers=grace.headers)
    assert r.status_code == 200, r.text
    listed = {a["username"]: a for a in r.json()["agents"]}
    assert set(listed) == {"ada", "grace"}  # (admin takes no chats)
    assert listed["ada"]["displayName"] == "Ada Lovelace"
    assert (listed["ada"]["presence"], listed["ada"]["freeCapacity"]) == ("Online", 2)
    assert listed["grace"]["queues"] == ["General", "Billing", "Loans"]
    assert listed["grace"]["freeCapacity"] == 3
