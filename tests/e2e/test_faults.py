"""Faults under load (issue 19), on a PostgreSQL cluster and a Redis of the tests' own
(tests/e2e/faults.py), which they stop and kill; the machine's are never touched. Once per run:
they do not take the `database_url` fixture.

- PostgreSQL stopped: every request that needs it answers 503 `database_unavailable` (with
  `Retry-After`), never a 500, and `/readyz` answers 503; started again, requests work again
  and nothing acknowledged before (or after) is lost or doubled.
- PostgreSQL restarted between two requests: the connections a process holds are dead, and no
  request after the restart is the one to find out (each is answered as usual).
- Redis killed and started again on its port while two processes carry two chats across each
  other: deliveries resume at once, and every acknowledged message reaches the other side's
  stream exactly once.
- kill -9 of one of two processes behind nginx while they carry two chats: every acknowledged
  message reaches its recipients exactly once after their clients reconnect, through nginx, to
  the process left (straight to it when nginx is not installed).

The clients do what a careful client does (the widget, tests/e2e/crash.py): a message not
answered for good (a broken connection, 502, 503) is sent again with the same id until it is;
a stream that breaks resumes from its last event id, on another process when its own is gone.
"""

from __future__ import annotations

import asyncio
import json
import secrets
import time
from collections import Counter
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import asynccontextmanager, contextmanager, suppress
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.e2e.crash import _history
from tests.e2e.faults import OwnPostgres, OwnRedis, own_pg, own_postgres, own_redis
from tests.e2e.nginx import UPSTREAM_HEADER, Nginx, nginx_binary
from tests.e2e.server import ServerProcess
from tests.helpers import DEPLOYMENT, MIAW, Agent, Api, Customer, open_stream, uid

pytestmark = pytest.mark.e2e
__all__ = ["own_pg", "own_postgres", "own_redis"]  # the fixtures these tests use

RETRY_SECONDS = 0.05  # how soon a client tries again
PACE_SECONDS = 0.04  # between one sender's acknowledged message and its next
ANSWER_SECONDS = 20.0  # the longest one message may take to be answered for good
DELIVERY_SECONDS = 10.0  # the longest the last acknowledged messages may take to arrive
DOWN_SECONDS = 1.5  # how long PostgreSQL stays down
READ_SECONDS = 20.0  # a stream silent this long (pings come every 15 s) is reconnected
# Limits would refuse a test's pace; the fault tests are about faults.
NO_LIMITS = {
    "LIVEDESK_RATE_LIMITS__TOKENS_PER_MINUTE": "0",
    "LIVEDESK_RATE_LIMITS__MESSAGES_PER_SECOND": "0",
    "LIVEDESK_RATE_LIMITS__MESSAGE_BURST": "0",
    "LIVEDESK_RATE_LIMITS__STREAMS_PER_TOKEN": "0",
}


@dataclass
class Seen:
    """What every client saw, for the checks at the end."""

    statuses: Counter[int] = field(default_factory=Counter)
    unavailable: list[dict[str, Any]] = field(default_factory=list)  # 503 bodies and headers
    transport_errors: int = 0
    problems: list[str] = field(default_factory=list)


class Route:
    """Where a client's requests go: one address (nginx), or a process and then the others,
    taken in turn when the current one cannot be reached (no balancer in between)."""

    def __init__(self, *urls: str) -> None:
        self.urls = list(urls)
        self.current = 0

    @property
    def url(self) -> str:
        return self.urls[self.current]

    def failed(self, url: str) -> None:
        if url == self.url:  # not switched already by another request of the same client
            self.current = (self.current + 1) % len(self.urls)


@dataclass
class Sender:
    """One side of a chat, sending numbered messages; `acked` in the order acknowledged."""

    name: str
    route: Route
    headers: dict[str, str]
    path: str
    ok: int
    agent: bool
    acked: list[str] = field(default_factory=list)

    @property
    def prefix(self) -> str:
        return f"{self.name} #"

    def body(self, text: str, message_id: str) -> dict[str, Any]:
        if self.agent:
            return {"actionType": "sendMessage", "message": text, "id": message_id}
        return {
            "message": {
                "id": message_id,
                "messageType": "StaticContentMessage",
                "staticContent": {"formatType": "Text", "text": text},
            },
            "esDeveloperName": DEPLOYMENT,
        }


def customer_sender(name: str, customer: Customer, route: Route) -> Sender:
    path = f"{MIAW}/conversation/{customer.conversation_id}/message"
    return Sender(name, route, customer.headers, path, 202, agent=False)


def agent_sender(name: str, agent: Agent, session_id: str, route: Route) -> Sender:
    path = f"/api/v1/sessions/{session_id}/actions"
    return Sender(name, route, agent.headers, path, 200, agent=True)


@dataclass
class Stream:
    """One client's event stream, resumed from its last event id whenever it breaks."""

    name: str
    route: Route
    headers: dict[str, str]
    path: str
    events: list[tuple[int, str, Any]] = field(default_factory=list)
    last_id: str = "0"  # from the start: nothing is missed however late it connects
    served_by: list[str] = field(default_factory=list)  # per connection: the process

    @property
    def connected(self) -> bool:
        return len(self.served_by) > 0


def check_unavailable(r: httpx.Response, seen: Seen) -> None:
    """A 503 must be the database's, in the documented shape."""
    body = r.json()
    seen.unavailable.append({"body": body, "retry_after": r.headers.get("Retry-After")})
    if body.get("code") != "database_unavailable" or not r.headers.get("Retry-After"):
        seen.problems.append(f"a 503 not in the documented shape: {body} {dict(r.headers)}")


async def send_one(http: httpx.AsyncClient, sender: Sender, text: str, seen: Seen) -> None:
    """Send `text` (one id) until it is answered for good."""
    body = sender.body(text, uid())
    async with asyncio.timeout(ANSWER_SECONDS):
        while True:
            url = sender.route.url
            try:
                r = await http.post(url + sender.path, json=body, headers=sender.headers)
            except httpx.TransportError:
                seen.transport_errors += 1
                sender.route.failed(url)
                await asyncio.sleep(RETRY_SECONDS)
                continue
            seen.statuses[r.status_code] += 1
            if r.status_code == 503:
                check_unavailable(r, seen)
            if r.status_code in (502, 503, 504):  # not taken: the same message again
                await asyncio.sleep(RETRY_SECONDS)
                continue
            if r.status_code == sender.ok:
                sender.acked.append(text)
            else:
                seen.problems.append(f"{sender.name}: {r.status_code} {r.text[:300]}")
            return


async def keep_sending(
    http: httpx.AsyncClient, sender: Sender, stop: asyncio.Event, seen: Seen, pace: float
) -> None:
    n = 0
    while not stop.is_set():
        await send_one(http, sender, f"{sender.prefix}{n}", seen)
        n += 1
        await asyncio.sleep(pace)


async def follow(http: httpx.AsyncClient, stream: Stream) -> None:
    """Read the stream until cancelled; after a break, resume (elsewhere if need be)."""
    while True:
        url = stream.route.url
        try:
            async with open_stream(http, url + stream.path, stream.headers, stream.last_id) as r:
                stream.served_by.append(r.response.headers.get(UPSTREAM_HEADER) or url)
                while True:
                    event = await r.next(timeout=READ_SECONDS)
                    if event.id is None:
                        continue  # typing: never stored, never replayed
                    stream.events.append((int(event.id), event.event, event.data))
                    stream.last_id = event.id
        except (httpx.TransportError, EOFError, TimeoutError):
            stream.route.failed(url)
        except AssertionError:
            pass  # not a 200 (the database is down): the same process, a moment later
        await asyncio.sleep(RETRY_SECONDS)


def text_of(name: str, data: Any) -> tuple[str, str] | None:
    """(sender role, text) of a message event of either stream; None for other events."""
    if name == "ConversationEntry":  # an agent's stream: the entry is the data
        entry = data
    elif isinstance(data, dict) and "conversationEntry" in data:
        entry = data["conversationEntry"]
    else:
        return None
    payload = entry.get("entryPayload")
    if isinstance(payload, str):  # the customer's stream carries it as a JSON string (MIAW)
        payload = json.loads(payload)
    message = (payload or {}).get("abstractMessage") or {}
    text = (message.get("staticContent") or {}).get("text")
    return (entry["sender"]["role"], text) if isinstance(text, str) else None


def delivered(stream: Stream, sender: Sender) -> list[str]:
    """The texts of `sender` that `stream` delivered, in the order delivered."""
    role = "Agent" if sender.agent else "EndUser"
    found = (text_of(name, data) for _, name, data in stream.events)
    return [t for r, t in filter(None, found) if r == role and t.startswith(sender.prefix)]


@dataclass
class Chat:
    """A customer and her agent, each sending, each with a stream."""

    customer: Customer
    agent: Agent
    mine: Sender  # the customer's messages
    theirs: Sender  # the agent's
    customer_stream: Stream
    agent_stream: Stream

    def expectations(self) -> list[tuple[Stream, Sender]]:
        """Who must get what: the other side, and the customer her own too (MIAW echoes)."""
        return [
            (self.agent_stream, self.mine),
            (self.customer_stream, self.theirs),
            (self.customer_stream, self.mine),
        ]


async def new_chat(
    api: Api, n: int, agent_name: str, customer_route: Route, agent_route: Route
) -> Chat:
    customer, agent = await api.chatting(agent_name)
    session = customer.session_id or ""
    return Chat(
        customer,
        agent,
        customer_sender(f"c{n}", customer, customer_route),
        agent_sender(f"{agent_name}{n}", agent, session, agent_route),
        Stream(f"c{n}", customer_route, customer.headers, "/eventrouter/v1/sse"),
        Stream(f"{agent_name}{n}", agent_route, agent.headers, "/api/v1/agent/stream"),
    )


class Load:
    """The chats' senders and streams, running until `stop`/`close`."""

    def __init__(
        self, http: httpx.AsyncClient, chats: list[Chat], seen: Seen, pace: float = PACE_SECONDS
    ) -> None:
        self.http, self.chats, self.seen, self.pace = http, chats, seen, pace
        self.stop_sending = asyncio.Event()
        self.streams = [s for c in chats for s in (c.customer_stream, c.agent_stream)]
        self.senders = [s for c in chats for s in (c.mine, c.theirs)]
        self._followers: list[asyncio.Task[None]] = []
        self._sending: list[asyncio.Task[None]] = []

    async def start(self) -> None:
        self._followers = [asyncio.create_task(follow(self.http, s)) for s in self.streams]
        await until(lambda: all(s.connected for s in self.streams), 10, "the streams connect")
        self._sending = [
            asyncio.create_task(keep_sending(self.http, s, self.stop_sending, self.seen, self.pace))
            for s in self.senders
        ]

    def acked(self) -> int:
        return sum(len(s.acked) for s in self.senders)

    async def more(self, count: int, seconds: float = 10) -> None:
        """Until every sender has had `count` more messages acknowledged."""
        start = [len(s.acked) for s in self.senders]
        await until(
            lambda: all(
                len(s.acked) >= a + count for s, a in zip(self.senders, start, strict=True)
            ),
            seconds,
            f"every sender has {count} more messages acknowledged",
        )

    async def finish(self) -> None:
        """Stop sending (each message under way is answered first) and wait until every
        acknowledged message has reached its streams."""
        self.stop_sending.set()
        await asyncio.gather(*self._sending)
        expectations = [e for c in self.chats for e in c.expectations()]
        with suppress(TimeoutError):  # the checks say what is missing
            await until(
                lambda: all(len(delivered(st, se)) >= len(se.acked) for st, se in expectations),
                DELIVERY_SECONDS,
                "",
            )

    async def close(self) -> None:
        self.stop_sending.set()
        for task in self._sending + self._followers:
            task.cancel()
        await asyncio.gather(*self._sending, *self._followers, return_exceptions=True)

    def problems(self) -> list[str]:
        """Every acknowledged message delivered exactly once, in order, to each of its streams;
        each stream's event ids without a gap or a repeat."""
        problems = list(self.seen.problems)
        for chat in self.chats:
            for stream, sender in chat.expectations():
                got, want = delivered(stream, sender), sender.acked
                if got != want:
                    twice = [t for t, k in Counter(got).items() if k > 1]
                    missing = [t for t in want if t not in got]
                    problems.append(
                        f"{stream.name}'s stream: {len(got)} of {sender.name}'s {len(want)} "
                        f"acknowledged messages (twice: {twice[:3]}, missing: {missing[:3]}, "
                        f"unacknowledged: {[t for t in got if t not in want][:3]})"
                    )
        for stream in self.streams:
            ids = [i for i, _, _ in stream.events]
            if ids != list(range(1, len(ids) + 1)):  # read from the first: 1, 2, 3…
                problems.append(f"{stream.name}'s stream: event ids with a gap or a repeat")
        return problems

    async def stored_problems(self, url: str) -> list[str]:
        """What the transcripts hold: each acknowledged message once, in order."""
        problems = []
        async with httpx.AsyncClient(base_url=url, timeout=10) as http:
            for chat in self.chats:
                stored = await _history(http, chat.customer)
                for sender in (chat.mine, chat.theirs):
                    kept = [t for t in stored if t.startswith(sender.prefix)]
                    if kept != sender.acked:
                        problems.append(
                            f"{sender.name}: {len(kept)} stored of {len(sender.acked)} acknowledged"
                        )
        return problems


async def until(check: Callable[[], bool], seconds: float, what: str) -> None:
    try:
        async with asyncio.timeout(seconds):
            while not check():  # noqa: ASYNC110 (several tasks' progress: nothing to await)
                await asyncio.sleep(0.02)
    except TimeoutError:
        raise TimeoutError(f"not within {seconds:g} s: {what}") from None


@dataclass
class Cluster:
    """The LiveDesk processes of one test, on a database of their own in the own cluster."""

    folder: Path
    database_url: str
    redis_url: str
    servers: list[ServerProcess] = field(default_factory=list)

    async def start(self, count: int, **env: str) -> list[ServerProcess]:
        for i in range(count):  # one after the other: the first migrates the new database
            migrated = {"LIVEDESK_MIGRATE_ON_START": "false"} if i else {}
            server = ServerProcess(
                self.folder / f"p{i}",
                self.database_url,
                redis_url=self.redis_url,
                env=NO_LIMITS | migrated | env,
                log_path=self.folder / f"p{i}.log",
            )
            self.servers.append(server)
            await server.start()
        return self.servers

    def stop(self) -> None:
        for server in self.servers:
            server.kill()  # the test is over: nothing to drain

    def logs(self) -> str:
        tails = []
        for i, server in enumerate(self.servers):
            if server.log_path is not None and server.log_path.exists():
                text = server.log_path.read_text(errors="replace")
                tails.append(f"--- process {i} (port {server.port}) ---\n{text[-4000:]}")
        return "\n".join(tails)


@asynccontextmanager
async def cluster(tmp_path: Path, pg: OwnPostgres, redis: OwnRedis) -> AsyncIterator[Cluster]:
    url = pg.create_database(f"faults_{secrets.token_hex(4)}")
    processes = Cluster(tmp_path, url, redis.url)
    try:
        yield processes
    except BaseException:
        print(processes.logs())  # shown by pytest with the failure
        raise
    finally:
        processes.stop()


@contextmanager
def timed(what: str) -> Iterator[None]:
    started = time.monotonic()
    yield
    print(f"{what}: {time.monotonic() - started:.1f} s")


async def test_postgresql_stopped_is_a_503_and_started_again_loses_nothing(
    tmp_path: Path, own_pg: OwnPostgres, own_redis: OwnRedis
) -> None:
    async with cluster(tmp_path, own_pg, own_redis) as processes:
        (server,) = await processes.start(1)
        seen = Seen()
        async with httpx.AsyncClient(timeout=10) as http:
            api = Api(httpx.AsyncClient(base_url=server.url, timeout=10))
            async with api.http:
                route = Route(server.url)
                load = Load(http, [await new_chat(api, 0, "ada", route, route)], seen)
                try:
                    await load.start()
                    await load.more(5)
                    acked_before = load.acked()

                    own_pg.stop("fast")  # every connection to it is cut
                    with timed("PostgreSQL down"):
                        await probe_while_down(api, load.chats[0])
                        await until(lambda: seen.statuses[503] >= 4, 10, "the senders get 503s")
                        await asyncio.sleep(DOWN_SECONDS)  # the senders keep trying meanwhile
                        own_pg.start()
                    await until_ready(api.http)
                    await load.more(5)
                    await load.finish()
                    problems = load.problems()
                finally:
                    await load.close()
                problems += await load.stored_problems(server.url)
    print(f"statuses {dict(seen.statuses)}; {load.acked()} acknowledged")
    assert problems == []
    assert seen.statuses[500] == 0
    assert seen.statuses[503] >= 4 and all(
        u["body"]["code"] == "database_unavailable" for u in seen.unavailable
    )
    assert load.acked() >= acked_before + 2 * 5  # after: five more each side


async def probe_while_down(api: Api, chat: Chat) -> None:
    """Calls that need the database, each answered 503 `database_unavailable`; /readyz too,
    while /healthz (the process answers) stays 200."""
    customer, agent = chat.customer, chat.agent
    http = api.http
    await until_status(http, "/readyz", 503)
    calls = {
        "new customer token": http.post(
            f"{MIAW}/authorization/unauthenticated/access-token",
            json={"orgId": customer.org_id, "esDeveloperName": DEPLOYMENT},
        ),
        "agent login": http.post("/api/v1/auth/login", json={"username": "ada", "password": "x"}),
        "customer message": customer.send("while the database is down"),
        # From a company's page (an origin the deployment allows): checked against the
        # database, the origin cannot be, and the answer is still a 503, not a 500.
        "message from a page": http.post(
            f"{MIAW}/conversation/{customer.conversation_id}/message",
            json={
                "message": {
                    "id": uid(),
                    "messageType": "StaticContentMessage",
                    "staticContent": {"formatType": "Text", "text": "from the page"},
                },
                "esDeveloperName": DEPLOYMENT,
            },
            headers={**customer.headers, "Origin": "http://localhost:8000"},
        ),
        "conversation entries": customer.history(),
        "agent's work": http.get("/api/v1/work", headers=agent.headers),
        "agent message": agent.act(
            customer.session_id or "", actionType="sendMessage", message="down", id=uid()
        ),
        "customer stream": http.get(
            "/eventrouter/v1/sse", headers={**customer.headers, "Last-Event-Id": "0"}
        ),
        "agent stream": http.get(
            "/api/v1/agent/stream", headers={**agent.headers, "Last-Event-Id": "0"}
        ),
        "readyz": http.get("/readyz"),
    }
    answers = dict(zip(calls, await asyncio.gather(*calls.values()), strict=True))
    wrong = {
        name: (r.status_code, r.text[:200])
        for name, r in answers.items()
        if r.status_code != 503 or r.json().get("code") != "database_unavailable"
    }
    assert wrong == {}, f"calls that did not answer 503 database_unavailable: {wrong}"
    for name, r in answers.items():
        if name != "readyz":
            assert int(r.headers["Retry-After"]) >= 1, name
            assert r.json()["message"].endswith("."), name
    assert (await http.get("/healthz")).status_code == 200


async def test_postgresql_restarted_between_two_requests_fails_neither(
    tmp_path: Path, own_pg: OwnPostgres, own_redis: OwnRedis
) -> None:
    """PostgreSQL restarted while nobody asked: the connections the process keeps (its pool,
    its writer's) are gone, and the requests after the restart must not be the ones to find
    out: each is answered as if nothing had happened."""
    many = 6
    async with cluster(tmp_path, own_pg, own_redis) as processes:
        (server,) = await processes.start(1)
        async with httpx.AsyncClient(base_url=server.url, timeout=10) as http:
            customer, _ = await Api(http).chatting()

            async def requests(label: str) -> list[int]:
                calls = [customer.history() for _ in range(many)]
                calls += [customer.send(f"{label} {i}") for i in range(many)]
                return [r.status_code for r in await asyncio.gather(*calls)]

            assert await requests("before") == [200] * many + [202] * many  # connections held
            own_pg.restart()
            statuses = await requests("after")
    assert statuses == [200] * many + [202] * many, (
        f"right after a restart of PostgreSQL, {statuses.count(503)} of {2 * many} requests "
        f"found a dead connection (503; reads {statuses[:many]}, writes {statuses[many:]}): "
        "a connection the server hung up on must be replaced before a request gets it"
    )


async def until_status(
    http: httpx.AsyncClient, path: str, status: int, seconds: float = 10
) -> None:
    async with asyncio.timeout(seconds):
        while (await http.get(path)).status_code != status:  # noqa: ASYNC110 (another process)
            await asyncio.sleep(0.05)


async def until_ready(http: httpx.AsyncClient) -> None:
    await until_status(http, "/readyz", 200)


async def test_redis_restarted_under_load_delivers_everything_once(
    tmp_path: Path, own_pg: OwnPostgres, own_redis: OwnRedis
) -> None:
    async with cluster(tmp_path, own_pg, own_redis) as processes:
        with timed("two processes started"):
            a, b = await processes.start(2)
        seen = Seen()
        async with httpx.AsyncClient(timeout=10) as http:
            api = Api(httpx.AsyncClient(base_url=a.url, timeout=10))
            async with api.http:
                # Each chat's two sides on different processes: every delivery crosses Redis.
                on_a, on_b = Route(a.url), Route(b.url)
                chats = [
                    await new_chat(api, 0, "ada", on_a, on_b),
                    await new_chat(api, 1, "grace", on_b, on_a),
                ]
                load = Load(http, chats, seen)
                try:
                    await load.start()
                    await load.more(10)
                    own_redis.kill()
                    with timed("Redis down"):
                        await load.more(5)  # requests go on while Redis is down
                        await asyncio.sleep(DOWN_SECONDS)  # the processes find it gone
                        own_redis.start()
                    with timed("deliveries resumed"):
                        await until_crossed(load, DELIVERY_SECONDS / 2)
                    with timed("load after"):
                        await load.more(10)
                    with timed("finish"):
                        await load.finish()
                    problems = load.problems()
                finally:
                    await load.close()
                problems += await load.stored_problems(a.url)
                ready = (await http.get(f"{a.url}/readyz")).json()
    print(f"statuses {dict(seen.statuses)}; {load.acked()} acknowledged")
    assert problems == []
    assert seen.statuses[500] == 0 and seen.statuses[503] == 0
    assert ready["redis"] == "up"


async def until_crossed(load: Load, seconds: float) -> None:
    """Until a message acknowledged now, by one process, reaches a stream on the other one."""
    chat = load.chats[0]  # the customer on the first process, her agent on the second
    count = len(chat.mine.acked)
    await until(lambda: len(chat.mine.acked) > count, seconds, "a message is acknowledged")
    text = chat.mine.acked[count]
    await until(
        lambda: text in delivered(chat.agent_stream, chat.mine),
        seconds,
        "a message through one process reaches a stream on the other",
    )


async def test_kill_9_of_one_process_under_load_delivers_everything_once(
    tmp_path: Path, own_pg: OwnPostgres, own_redis: OwnRedis
) -> None:
    async with cluster(tmp_path, own_pg, own_redis) as processes:
        a, b = await processes.start(2)
        proxy = Nginx(tmp_path / "nginx") if nginx_binary() else None
        if proxy is not None:  # through nginx: no process named, none sticky
            proxy.start([a.port, b.port])
            routes = [Route(proxy.url) for _ in range(4)]
        else:  # straight to a process, and to the other when it is gone
            print("nginx is not installed: the clients reconnect straight to the other process")
            routes = [Route(a.url, b.url), Route(b.url, a.url)] * 2
        seen = Seen()
        try:
            async with httpx.AsyncClient(timeout=10) as http:
                api = Api(httpx.AsyncClient(base_url=routes[0].url, timeout=10))
                async with api.http:
                    chats = [
                        await new_chat(api, 0, "ada", routes[0], routes[1]),
                        await new_chat(api, 1, "grace", routes[3], routes[2]),
                    ]
                    # Hardly a pause: a message or two is always under way when the kill comes.
                    load = Load(http, chats, seen, pace=0.002)
                    try:
                        await load.start()
                        await load.more(10)
                        victim = busiest(load, [a, b])
                        survivor = b if victim is a else a
                        moved = [s for s in load.streams if on(s.served_by[-1], victim)]
                        victim.kill()
                        with timed("resumed on the other process"):
                            await until(
                                lambda: all(on(s.served_by[-1], survivor) for s in moved),
                                10,
                                "the streams of the killed process resume on the other",
                            )
                        await load.more(10)
                        await load.finish()
                        problems = load.problems()
                    finally:
                        await load.close()
                    problems += await load.stored_problems(survivor.url)
        finally:
            if proxy is not None:
                proxy.stop()
    print(f"statuses {dict(seen.statuses)}, broken connections {seen.transport_errors}")
    print(f"{len(moved)} of {len(load.streams)} streams moved; {load.acked()} acknowledged")
    assert problems == []
    assert moved, "no stream was on the process killed"
    assert seen.statuses[500] == 0


def on(served_by: str, server: ServerProcess) -> bool:
    """Whether a connection was served by `server` (nginx names the upstream address(es); the
    last one answered)."""
    return served_by.rsplit(",", 1)[-1].strip().rstrip("/").endswith(f":{server.port}")


def busiest(load: Load, servers: list[ServerProcess]) -> ServerProcess:
    """The process serving the most streams now (to kill: most clients have to move)."""
    return max(servers, key=lambda s: sum(on(st.served_by[-1], s) for st in load.streams))
