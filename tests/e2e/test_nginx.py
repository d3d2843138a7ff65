"""Three `livedesk serve` processes on this run's PostgreSQL database and Redis channel, behind a
real nginx running deploy/nginx.conf (plain round robin, no sticky sessions): every request, every
stream, goes to whichever process nginx picks next (each answer's `X-Upstream` says which).

- the co-work scenario with the customer's and the agent's streams on different processes: a
  chat both ways, then a form the agent's flow puts in the chat, answered by the customer (sent
  twice, as a retry, each time to another process), which wakes the agent's flow once and
  fills the Case;
- concurrent routing: 60 customers start sessions while 12 agents go Online at once, accept
  and decline offers and end chats; never a session on offer to two agents, never an agent above
  her capacity, every session accepted once;
- a timer fires once: offers nobody answers are taken back by their 5 s push timeout once each
  (one `WorkCancelled`, one new offer) while all three processes run their schedulers.

Runs once per run, on the PostgreSQL half (it needs LIVEDESK_TEST_DATABASE_URL and
LIVEDESK_TEST_REDIS_URL, and nginx, which scripts/test installs), not once per database."""

from __future__ import annotations

import asyncio
import random
from collections import Counter
from collections.abc import AsyncIterator, Iterator
from contextlib import AsyncExitStack
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine
from typer.testing import CliRunner

from livedesk.cli import app as cli
from livedesk.kit.db import async_url
from livedesk.models import AgentWork, MessagingSession, Timer
from livedesk.setup.schemas import OrgFile
from tests.conftest import PG_URL, REDIS_URL, empty_pg
from tests.e2e.nginx import UPSTREAM_HEADER, Nginx, nginx_binary
from tests.e2e.server import ServerProcess
from tests.flows.test_cowork_api import answer_form, start_flow
from tests.helpers import Agent, Api, Customer, Event, SseReader, agent_stream, customer_stream
from tests.helpers import entry_of as customer_entry
from tests.routing.test_routing_race import snapshot

pytestmark = pytest.mark.e2e

PROCESSES = 3
ROUTING_ORG = "00DLD0000000002"
TIMER_ORG = "00DLD0000000003"
ROUTING_AGENTS = 12
ROUTING_SESSIONS = 60
TIMER_SESSIONS = 6
PUSH_TIMEOUT = 5  # seconds: the least a queue takes
SCHEDULER_POLL = 0.5  # the servers' default `timers.poll_seconds`


@dataclass
class Stack:
    url: str  # nginx's
    database_url: str
    processes: set[str]  # "127.0.0.1:port" of each LiveDesk process
    nginx: Nginx
    servers: list[ServerProcess]
    folder: Path


def org_files(folder: Path, password_hash: str) -> list[Path]:
    """The routing test's org and the timer test's, as an operator writes them."""
    rng = random.Random(19)

    def org(org_id: str, push_timeout: int, agents: list[dict[str, Any]]) -> dict[str, Any]:
        return {
            "org": {"id": org_id, "name": f"Nginx test {org_id}"},
            "deployments": [{"developer_name": "Web_Chat", "queue": "General"}],
            "queues": [
                {"name": "General", "push_timeout_seconds": push_timeout, "max_waiting": 1000}
            ],
            "agents": [
                {"password_hash": password_hash, "queues": ["General"], **a} for a in agents
            ],
        }

    routing = org(
        ROUTING_ORG,
        30,
        [{"username": f"router{i}", "capacity": rng.randint(1, 3)} for i in range(ROUTING_AGENTS)],
    )
    timers = org(
        TIMER_ORG,
        PUSH_TIMEOUT,
        [{"username": f"first{i}", "capacity": 1} for i in range(TIMER_SESSIONS)]
        + [{"username": f"spare{i}", "capacity": 3} for i in range(2)],
    )
    paths = []
    for name, content in (("routing", routing), ("timers", timers)):
        OrgFile.model_validate(content)
        path = folder / f"{name}.yaml"
        path.write_text(yaml.safe_dump(content, sort_keys=False))
        paths.append(path)
    return paths


@pytest.fixture(scope="module")
def stack(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory, demo_org: OrgFile
) -> Iterator[Stack]:
    if PG_URL is None:
        pytest.skip("PostgreSQL: set LIVEDESK_TEST_DATABASE_URL to run processes behind nginx")
    if REDIS_URL is None:
        pytest.skip("Redis: set LIVEDESK_TEST_REDIS_URL to run processes behind nginx")
    if nginx_binary() is None:
        pytest.skip("nginx is not installed (scripts/test installs Debian's nginx)")
    database_url: str = request.getfixturevalue("pg_migrated")  # the run's own database
    empty_pg(database_url)
    folder = tmp_path_factory.mktemp("nginx-stack")
    data = folder / "data"  # one host: the processes share the data folder (uploaded files)
    servers = [
        ServerProcess(data, database_url, log_path=folder / f"server{i}.log")
        for i in range(PROCESSES)
    ]
    password_hash = next(a.password_hash for a in demo_org.agents if a.username == "ada")
    assert password_hash is not None
    for path in org_files(folder, password_hash):
        # (with LIVEDESK_DATA_DIR in `env`, which the command sets, so the runner restores it)
        env = servers[0].environment() | {"LIVEDESK_DATA_DIR": str(data)}
        applied = CliRunner().invoke(cli, ["apply", str(path), "--data-dir", str(data)], env=env)
        assert applied.exit_code == 0, applied.output
    proxy = Nginx(folder / "nginx")
    try:
        for server in servers:  # one after the other: each loads the demo org as it starts
            asyncio.run(server.start())
        proxy.start([s.port for s in servers])
        yield Stack(
            proxy.url,
            database_url,
            {f"127.0.0.1:{s.port}" for s in servers},
            proxy,
            servers,
            folder,
        )
    finally:
        proxy.stop()
        for server in servers:
            server.stop()


@dataclass
class Seen:
    """Every answer the test got through nginx: (method, path, status, process)."""

    answers: list[tuple[str, str, int, str]] = field(default_factory=list)

    async def __call__(self, response: httpx.Response) -> None:
        request = response.request
        upstream = response.headers.get(UPSTREAM_HEADER, "")
        self.answers.append((request.method, request.url.path, response.status_code, upstream))

    def failures(self) -> list[tuple[str, str, int, str]]:
        return [a for a in self.answers if a[2] >= 500]

    def processes(self) -> set[str]:
        return {a[3] for a in self.answers}


@pytest.fixture
def seen() -> Seen:
    return Seen()


@pytest.fixture
async def http(stack: Stack, seen: Seen) -> AsyncIterator[httpx.AsyncClient]:
    """A client of nginx (its connections shared by all the test's customers and agents)."""
    limits = httpx.Limits(max_connections=200, max_keepalive_connections=50)
    async with httpx.AsyncClient(
        base_url=stack.url, timeout=10, limits=limits, event_hooks={"response": [seen]}
    ) as http:
        yield http
    assert seen.failures() == []  # no 5xx: neither from a process nor from nginx (502, 504)


@pytest.fixture
async def database(stack: Stack) -> AsyncIterator[AsyncEngine]:
    engine = create_async_engine(async_url(stack.database_url))
    try:
        yield engine
    finally:
        await engine.dispose()


def upstream(reader: SseReader) -> str:
    return reader.response.headers[UPSTREAM_HEADER]


def text_of(abstract_message: dict[str, Any]) -> str | None:
    content = abstract_message.get("staticContent") or {}
    return content.get("text")


async def test_cowork_across_processes(stack: Stack, http: httpx.AsyncClient, seen: Seen) -> None:
    async with asyncio.timeout(60), AsyncExitStack() as streams:
        api = Api(http)
        customer = await api.waiting_customer()
        assert customer.session_id is not None
        ada = await api.agent("ada")
        cs = await streams.enter_async_context(customer_stream(customer))
        # Round robin: the next request goes to the next process, so at most one try more.
        for _ in range(PROCESSES):
            ags = await streams.enter_async_context(agent_stream(ada))
            if upstream(ags) != upstream(cs):
                break
        assert upstream(ags) != upstream(cs), "both streams on one process"
        assert (await ada.accept(customer.session_id)).status_code == 200
        await cs.until(lambda e: e.event == "CONVERSATION_PARTICIPANT_CHANGED", timeout=10)

        # A chat both ways, each message posted to whichever process is next.
        for i in range(PROCESSES):
            assert (await customer.send(f"customer {i}")).status_code == 202
            got = await ags.until(lambda e: _customer_text(e) is not None, timeout=10)
            assert _customer_text(got) == f"customer {i}"
        for i in range(PROCESSES):
            r = await ada.act(customer.session_id, actionType="sendMessage", message=f"ada {i}")
            assert r.status_code == 200, r.text
            got = await cs.until(lambda e: _agent_text(e) is not None, timeout=10)
            assert _agent_text(got) == f"ada {i}"
        sends = [
            a for a in seen.answers if a[0] == "POST" and a[1].endswith(("/message", "/actions"))
        ]
        assert {a[3] for a in sends} == stack.processes  # said through every process

        # The co-work form: Ada's flow puts it in the chat, the customer answers it.
        case_id = await ada.link_case(customer.session_id)
        interview = await start_flow(api, ada, case_id)
        assert interview["status"] == "waiting"
        await cs.until(lambda e: _message_type(e) == "FormMessage", timeout=10)
        before = len(seen.answers)
        await answer_form(api, customer, "🛠 Renovation Work", miaw=True)  # sent twice: a retry
        answers = [a[3] for a in seen.answers[before:] if a[0] == "POST"]
        assert len(answers) == 2 and answers[0] != answers[1]  # to two processes
        screen = await ags.until(lambda e: e.event == "FlowScreen", timeout=10)
        assert screen.data["interviewId"] == interview["id"]
        assert screen.data["screen"]["fields"][0]["text"] == "Use of funds: 🛠 Renovation Work"
        thanks = await cs.until(
            lambda e: (_agent_text(e) or "").startswith("Thank you for completing"), timeout=10
        )
        assert "🛠 Renovation Work" in (_agent_text(thanks) or "")

        # Once, wherever it is read: one platform event, the Case filled, one screen.
        events = await http.get(
            "/api/v1/events/Use_Of_Fund__e",
            params={"filter": f"id = {case_id}"},
            headers=ada.headers,
        )
        assert [e["fields"]["use_of_fund_reason"] for e in events.json()["events"]] == [
            "🛠 Renovation Work"
        ]
        for _ in range(PROCESSES):
            case = await http.get(f"/api/v1/records/Case/{case_id}", headers=ada.headers)
            assert case.json()["fields"]["Use_of_Funds__c"] == "🛠 Renovation Work"
        done = await http.post(
            f"/api/v1/interviews/{interview['id']}/next", json={"values": {}}, headers=ada.headers
        )
        assert done.json()["status"] == "finished", done.text
        with pytest.raises(TimeoutError):
            await ags.until(lambda e: e.event == "FlowScreen", timeout=1.5)
    assert (await http.get("/metrics")).status_code == 403  # scraped per process, not here


def _customer_text(event: Event) -> str | None:
    """The text of a customer's message on the agent's stream."""
    if event.event != "ConversationEntry" or event.data["entryType"] != "Message":
        return None
    if event.data["sender"]["role"] != "EndUser":
        return None
    return text_of(event.data["entryPayload"]["abstractMessage"])


def _agent_text(event: Event) -> str | None:
    if event.event != "CONVERSATION_MESSAGE":
        return None
    entry = customer_entry(event)
    if entry["sender"]["role"] != "Agent":
        return None
    return text_of(entry["entryPayload"]["abstractMessage"])


def _message_type(event: Event) -> str | None:
    if event.event != "CONVERSATION_MESSAGE":
        return None
    message = customer_entry(event)["entryPayload"].get("abstractMessage", {})
    return str(message.get("messageType"))


def failed(tasks: list[asyncio.Task[None]]) -> None:
    """Raise what a finished task raised (a client's assertion), instead of waiting on."""
    for task in tasks:
        if task.done() and not task.cancelled() and (error := task.exception()) is not None:
            raise error


async def customers(api: Api, org_id: str, count: int) -> list[Customer]:
    async def one() -> Customer:
        customer = await api.customer(org_id=org_id)
        r = await customer.create_conversation()
        assert r.status_code == 201, r.text
        return customer

    return list(await asyncio.gather(*(one() for _ in range(count))))


async def test_concurrent_routing_across_processes(
    stack: Stack, http: httpx.AsyncClient, seen: Seen, database: AsyncEngine
) -> None:
    rng = random.Random(20261126)
    api = Api(http)
    agents = await asyncio.gather(
        *(api.agent(f"router{i}", org_id=ROUTING_ORG) for i in range(ROUTING_AGENTS))
    )
    violations: list[str] = []
    accepted: Counter[str] = Counter()  # session id → accepts answered 200
    declined = 0
    all_accepted = asyncio.Event()
    answering: list[asyncio.Task[None]] = []

    async def check() -> None:
        async with database.connect() as conn:
            most, loads = await conn.run_sync(snapshot)
        if most > 1:
            violations.append(f"a session had {most} live offers")
        violations.extend(f"{u} held {w} > {cap}" for u, w, cap in loads if w > cap)

    async def checker() -> None:
        while not all_accepted.is_set():
            await check()
            await asyncio.sleep(0.02)

    async def answer(agent: Agent, offer: dict[str, Any], r: random.Random) -> None:
        nonlocal declined
        if r.random() < 0.25:
            resp = await agent.answer(offer["workId"], "decline")
            assert resp.status_code == 200, resp.text
            declined += 1
            return
        resp = await agent.answer(offer["workId"])
        assert resp.status_code == 200, resp.text
        accepted[offer["sessionId"]] += 1
        if len(accepted) == ROUTING_SESSIONS:
            all_accepted.set()
        await asyncio.sleep(r.random() * 0.3)  # a short chat, then its capacity is free again
        ended = await agent.act(offer["sessionId"], actionType="endChat")
        assert ended.status_code == 200, ended.text

    async def follow(agent: Agent, reader: SseReader, seed: float) -> None:
        r = random.Random(seed)
        while True:
            event = await reader.next(timeout=120)  # (the test's own timeout is shorter)
            if event.event == "WorkOffered":
                answering.append(asyncio.create_task(answer(agent, event.data, r)))

    async with asyncio.timeout(60), AsyncExitStack() as streams:
        readers = [await streams.enter_async_context(agent_stream(a)) for a in agents]
        followers = [
            asyncio.create_task(follow(a, s, rng.random()))
            for a, s in zip(agents, readers, strict=True)
        ]
        watching = asyncio.create_task(checker())
        try:
            # At once: every agent goes Online while the customers arrive.
            await asyncio.gather(
                *(a.presence("Online") for a in agents),
                customers(api, ROUTING_ORG, ROUTING_SESSIONS),
            )
            while not all_accepted.is_set():
                await asyncio.sleep(0.05)
                failed(followers + answering)
            await asyncio.gather(*answering)  # the last chats end
        finally:
            all_accepted.set()  # stops the checker
            for task in followers + answering:
                task.cancel()
            await asyncio.gather(watching, *followers, *answering, return_exceptions=True)
    await check()
    assert violations == []
    assert sorted(accepted.values()) == [1] * ROUTING_SESSIONS  # each accepted once
    assert declined > 0  # offers were declined and went to someone else meanwhile
    async with database.connect() as conn:
        once = await conn.execute(
            select(AgentWork.session_id, func.count())
            .where(AgentWork.org_id == ROUTING_ORG, AgentWork.status.in_(("Opened", "Closed")))
            .group_by(AgentWork.session_id)
        )
        assert sorted(n for _, n in once.all()) == [1] * ROUTING_SESSIONS
        live = await conn.execute(
            select(func.count()).where(
                AgentWork.org_id == ROUTING_ORG, AgentWork.status.in_(("Assigned", "Opened"))
            )
        )
        assert live.scalar_one() == 0  # every chat ended: no capacity left held
    assert seen.processes() == stack.processes  # all three took part


async def test_a_push_timeout_fires_once_across_processes(
    stack: Stack, http: httpx.AsyncClient, database: AsyncEngine
) -> None:
    api = Api(http)
    first = await asyncio.gather(
        *(api.agent(f"first{i}", org_id=TIMER_ORG) for i in range(TIMER_SESSIONS))
    )
    spares = await asyncio.gather(*(api.agent(f"spare{i}", org_id=TIMER_ORG) for i in range(2)))
    events: list[tuple[str, Event]] = []  # (agent id, event) in the order they arrived
    first_offer: dict[str, str] = {}  # session id → the work id of its first offer
    accepted: list[str] = []

    async def take(agent: Agent, offer: dict[str, Any]) -> None:
        r = await agent.answer(offer["workId"])
        assert r.status_code == 200, r.text
        accepted.append(offer["sessionId"])

    async def follow(agent: Agent, reader: SseReader) -> None:
        while True:
            event = await reader.next(timeout=120)  # (the test's own timeout is shorter)
            events.append((agent.agent["id"], event))
            if event.event == "WorkOffered":
                offer = event.data
                if first_offer.setdefault(offer["sessionId"], offer["workId"]) != offer["workId"]:
                    await take(agent, offer)  # a second offer: taken at once

    def offers() -> list[dict[str, Any]]:
        return [e.data for _, e in events if e.event == "WorkOffered"]

    async with asyncio.timeout(60), AsyncExitStack() as streams:
        followers = []
        for agent in [*first, *spares]:
            reader = await streams.enter_async_context(agent_stream(agent))
            followers.append(asyncio.create_task(follow(agent, reader)))
        try:
            # Each session is offered to one of the `first` agents, who let it time out.
            await asyncio.gather(*(a.presence("Online") for a in first))
            sessions = {c.session_id or "" for c in await customers(api, TIMER_ORG, TIMER_SESSIONS)}
            while len(first_offer) < TIMER_SESSIONS:
                await asyncio.sleep(0.05)
                failed(followers)
            assert set(first_offer) == sessions
            # Then two more agents, free to take each session once its offer is taken back.
            await asyncio.gather(*(a.presence("Online") for a in spares))
            while len(accepted) < TIMER_SESSIONS:
                await asyncio.sleep(0.05)
                failed(followers)
            await asyncio.sleep(3 * SCHEDULER_POLL)  # time for a second firing to show
            failed(followers)
        finally:
            for task in followers:
                task.cancel()
            await asyncio.gather(*followers, return_exceptions=True)

    first_round = set(first_offer.values())
    cancelled = [(who, e.data) for who, e in events if e.event == "WorkCancelled"]
    assert sorted(c["workId"] for _, c in cancelled) == sorted(first_round)  # once each
    assert {c["reason"] for _, c in cancelled} == {"timeout"}
    offered_to = {e.data["workId"]: who for who, e in events if e.event == "WorkOffered"}
    assert all(offered_to[c["workId"]] == who for who, c in cancelled)  # to whom it was offered
    per_session = Counter(o["sessionId"] for o in offers())
    assert per_session == Counter({s: 2 for s in sessions})  # offered again once, after it
    assert sorted(accepted) == sorted(sessions)
    async with database.connect() as conn:
        timed_out = (
            await conn.execute(
                select(AgentWork.id, AgentWork.closed_at, AgentWork.expires_at).where(
                    AgentWork.org_id == TIMER_ORG, AgentWork.status == "TimedOut"
                )
            )
        ).all()
        assert sorted(w.id for w in timed_out) == sorted(first_round)
        assert all(w.closed_at >= w.expires_at for w in timed_out)  # not before it was due
        left = await conn.execute(
            select(func.count()).where(Timer.subject_id.in_(list(first_round)))
        )
        assert left.scalar_one() == 0
        accepted_sessions = await conn.execute(
            select(func.count()).where(
                MessagingSession.id.in_(list(sessions)), MessagingSession.accepted_at.is_not(None)
            )
        )
        assert accepted_sessions.scalar_one() == TIMER_SESSIONS
