"""`livedesk serve --workers N` (issue 19): N processes on one port, on PostgreSQL and Redis only;
a customer and an agent whose connections land on either process chat as usual; SQLite, or
PostgreSQL without Redis, is refused with a sentence."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest
from typer.testing import CliRunner

from livedesk.cli import app
from tests.conftest import REDIS_URL
from tests.e2e.server import ServerProcess
from tests.helpers import Api, customer_stream, entry_of

pytestmark = pytest.mark.e2e


@pytest.mark.parametrize(
    ("database", "said"),
    [
        (None, "--workers needs PostgreSQL: SQLite is served by one process by design."),
        ("postgresql://postgres@127.0.0.1:1/none", "--workers needs Redis:"),
    ],
)
def test_several_processes_need_postgresql_and_redis(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, database: str | None, said: str
) -> None:
    monkeypatch.delenv("LIVEDESK_REDIS_URL", raising=False)
    if database is None:
        monkeypatch.delenv("LIVEDESK_DATABASE_URL", raising=False)
    else:
        monkeypatch.setenv("LIVEDESK_DATABASE_URL", database)
    result = CliRunner().invoke(app, ["serve", "--workers", "2", "--data-dir", str(tmp_path)])
    assert result.exit_code == 2
    assert said in result.output


def children(pid: int) -> list[int]:
    found = []
    for task in Path(f"/proc/{pid}/task").iterdir():
        text = (task / "children").read_text().split()
        found += [int(c) for c in text]
    return found


async def test_two_processes_on_one_port_chat_as_one(tmp_path: Path, database_url: str) -> None:
    if database_url.startswith("sqlite"):
        pytest.skip("several processes is the PostgreSQL + Redis deployment")
    if REDIS_URL is None:
        pytest.skip("Redis: set LIVEDESK_TEST_REDIS_URL to run several processes")
    server = ServerProcess(tmp_path, database_url)
    await server.start("--workers", "2")
    workers: list[int] = []
    try:
        assert server.proc is not None
        workers = [c for c in children(server.proc.pid) if "spawn_main" in _cmdline(c)]
        assert len(workers) == 2
        # Separate clients: new connections, which the two processes take in turn.
        async with (
            httpx.AsyncClient(base_url=server.url, timeout=10) as a,
            httpx.AsyncClient(base_url=server.url, timeout=10) as b,
        ):
            customer, agent = await Api(a).chatting()
            agent.api = Api(b)
            async with customer_stream(customer) as stream:
                for i in range(6):  # each on a new connection of its own
                    async with httpx.AsyncClient(base_url=server.url, timeout=10) as once:
                        agent.api = Api(once)
                        r = await agent.act(
                            customer.session_id or "", actionType="sendMessage", message=f"m{i}"
                        )
                        assert r.status_code == 200, r.text
                got = []
                while len(got) < 6:
                    event = await stream.until(
                        lambda e: (
                            e.event == "CONVERSATION_MESSAGE"
                            and entry_of(e)["sender"]["role"] == "Agent"
                        )
                    )
                    got.append(
                        entry_of(event)["entryPayload"]["abstractMessage"]["staticContent"]["text"]
                    )
                assert got == [f"m{i}" for i in range(6)]
    finally:
        server.stop()
    assert not [pid for pid in workers if _alive(pid)]  # SIGTERM: all gone


def _cmdline(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
    except OSError:
        return ""


def _alive(pid: int) -> bool:
    return Path(f"/proc/{pid}").exists()
