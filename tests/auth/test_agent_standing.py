"""An agent's roles and queues come from the database on every request (cached at most 2 s), not
from her token; `livedesk apply` demoting her or changing her password revokes her tokens and
closes her streams."""

from __future__ import annotations

import asyncio
import os
import sys
from importlib import resources
from pathlib import Path

import pytest
from fastapi import FastAPI

from livedesk.kit.clock import FakeClock
from livedesk.setup.schemas import OrgFile
from livedesk.setup.service import apply_org
from tests.auth.orgs import with_agents
from tests.helpers import Agent, Api, agent_stream, open_stream


async def status_of(agent: Agent, path: str) -> tuple[int, str | None]:
    r = await agent.api.http.get(path, headers=agent.headers)
    return r.status_code, r.json().get("code") if r.status_code != 200 else None


async def test_new_roles_and_queues_count_without_logging_in_again(
    api: Api, app: FastAPI, demo_org: OrgFile, clock: FakeClock
) -> None:
    c = app.state.container
    await apply_org(c.db, c.clock, with_agents(demo_org, sam={"roles": ["supervisor"]}))
    customer, _ = await api.chatting()  # ada's, in General
    sam, grace = await api.agent("sam"), await api.agent("grace")
    path = f"/api/v1/sessions/{customer.session_id}"
    assert await status_of(sam, path) == (404, "session_not_found")
    assert await status_of(grace, path) == (404, "session_not_found")
    changed = with_agents(
        demo_org,
        sam={"roles": ["supervisor"], "queues": ["General"]},
        grace={"roles": ["agent", "admin"]},
    )
    result = await apply_org(c.db, c.clock, changed)
    assert result.revoked_tokens == []  # more rights: nobody was demoted
    clock.advance(2)  # what a process remembers about an agent, it remembers for 2 s at most
    assert await status_of(sam, path) == (200, None)
    assert await status_of(grace, path) == (200, None)


async def test_a_demoted_agent_loses_her_tokens_and_her_streams(
    live: Api, app: FastAPI, demo_org: OrgFile
) -> None:
    c = app.state.container
    admin, again, ada = await live.agent("admin"), await live.agent("admin"), await live.agent()
    events = "/api/v1/events/Use_Of_Fund__e/stream"
    async with agent_stream(admin) as stream, open_stream(live.http, events, again.headers) as sub:
        result = await apply_org(c.db, c.clock, with_agents(demo_org, admin={"roles": ["agent"]}))
        assert len(result.revoked_tokens) == 2  # both of hers; nobody else's
        await c.auth.forget_revoked(result.revoked_tokens)  # as `livedesk apply` does
        for reader in (stream, sub):
            with pytest.raises(EOFError):
                await reader.next(timeout=5)
    for token in (admin, again):
        assert await status_of(token, "/api/v1/me") == (401, "token_revoked")
    assert await status_of(ada, "/api/v1/me") == (200, None)
    fresh = await live.agent("admin")
    assert fresh.agent["roles"] == ["agent"]
    unchanged = await apply_org(c.db, c.clock, with_agents(demo_org, admin={"roles": ["agent"]}))
    assert unchanged.revoked_tokens == []  # applying the same file again changes nothing


async def test_a_new_password_revokes_her_tokens(api: Api, app: FastAPI, demo_org: OrgFile) -> None:
    c = app.state.container
    ada, grace = await api.agent(), await api.agent("grace")
    result = await apply_org(c.db, c.clock, with_agents(demo_org, ada={"password": "n3w"}))
    assert len(result.revoked_tokens) == 1
    assert await status_of(ada, "/api/v1/me") == (401, "token_revoked")
    assert await status_of(grace, "/api/v1/me") == (200, None)
    assert (await api.agent("ada", "n3w")).agent["username"] == "ada"


async def test_the_sweep_closes_streams_revoked_by_another_process(
    live: Api, app: FastAPI, demo_org: OrgFile
) -> None:
    """`livedesk apply` without a Redis bus cannot tell this process: the sweep finds out."""
    c = app.state.container
    admin = await live.agent("admin")
    async with agent_stream(admin) as stream:
        result = await apply_org(c.db, c.clock, with_agents(demo_org, admin={"roles": ["agent"]}))
        assert len(result.revoked_tokens) == 1
        await c.sweeper.sweep_once()
        with pytest.raises(EOFError):
            await stream.next(timeout=5)


async def test_a_token_of_an_agent_who_no_longer_exists(api: Api, app: FastAPI) -> None:
    c = app.state.container
    token, _ = c.signer.issue(
        "agent", "00000000-0000-4000-8000-000000000000", "00DLD0000000001", 60
    )
    r = await api.http.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"})
    assert r.status_code == 401 and r.json()["code"] == "token_revoked"


async def test_livedesk_apply_in_another_process_demotes_her_here(
    live: Api, app: FastAPI, tmp_path: Path
) -> None:
    """The real thing: `livedesk apply` is another process; with no Redis bus between them, this
    server learns of the revocation from the database (requests within the revocation cache's
    2 s, streams at the next sweep)."""
    c = app.state.container
    admin = await live.agent("admin")
    org_file = tmp_path / "demoted.yaml"
    demo = (resources.files("livedesk.setup") / "demo.yaml").read_text()
    org_file.write_text(demo.replace("roles: [admin, supervisor]", "roles: [agent]"))
    async with agent_stream(admin) as stream:
        proc = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "livedesk",
            "apply",
            str(org_file),
            env={
                **os.environ,
                "LIVEDESK_DATA_DIR": str(c.settings.data_dir),
                "LIVEDESK_DATABASE_URL": c.settings.database_url or "",
            },
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
        )
        out, err = await asyncio.wait_for(proc.communicate(), 60)
        assert proc.returncode == 0, err.decode()
        assert "1 token(s) of demoted agents revoked" in out.decode()
        await c.sweeper.sweep_once()  # every `streams.sweep_seconds` in a running server
        with pytest.raises(EOFError):
            await stream.next(timeout=5)
