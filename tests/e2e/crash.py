"""Crash recovery under load: customers and agents chat while `livedesk serve` is killed with
SIGKILL at random moments and restarted on the same data; every client retries what was not
acknowledged (with the same id) and resumes its stream from its last event id.

Checked at the end: every acknowledged message is stored once, in the order it was acknowledged,
and delivered once and in order on the streams of both sides, whose event ids have no gap; no
session is stuck (each chat is still Active with its agent); the push timeout of an offer nobody
answers fires once per offer; no capacity leaked (each agent's open work is her Active sessions).

The suite runs a short version (tests/e2e/test_crash_recovery.py); the long one is a command:

    python -m tests.e2e.crash --kills 10 --seconds 300 [--database-url postgresql://…]

As in the suite, --database-url only names the PostgreSQL server (and login): the run makes a
database of its own there and drops it at the end (tests/per_run.py); with
LIVEDESK_TEST_REDIS_URL set, the server uses Redis on a channel of the run's own.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Any

import httpx

from tests.e2e.server import ServerProcess
from tests.helpers import MIAW, Agent, Api, Customer, SseReader, open_stream, uid
from tests.per_run import RunDatabase

RETRY_SECONDS = 0.05  # how soon a client tries again while the server is down


@dataclass
class Report:
    kills: int = 0
    acknowledged: int = 0  # messages both sides had acknowledged
    delivered: int = 0  # stream events read, all clients
    resumes: int = 0  # stream reconnections with a last event id
    timeouts: int = 0  # offers taken back by their push timeout
    problems: list[str] = field(default_factory=list)


@dataclass
class Side:
    """One client's view: what it sent and had acknowledged, what its stream delivered."""

    name: str
    headers: dict[str, str]
    stream_path: str
    acked: list[str] = field(default_factory=list)  # texts, in the order acknowledged
    events: list[tuple[int, str, dict[str, Any]]] = field(default_factory=list)
    last_id: str = "0"


async def _retrying(call: Callable[[], Any], stop: asyncio.Event) -> httpx.Response | None:
    """Call until the server answers (it may be down for a moment); None if told to stop."""
    while True:
        try:
            response: httpx.Response = await call()
            return response
        except (httpx.TransportError, httpx.RemoteProtocolError):
            if stop.is_set():
                return None
            await asyncio.sleep(RETRY_SECONDS)


async def _follow(http: httpx.AsyncClient, side: Side, done: asyncio.Event, report: Report) -> None:
    """Read the side's stream until `done`; reconnect with the last event id after a crash."""
    connected = False
    while not done.is_set():
        try:
            async with open_stream(http, side.stream_path, side.headers, side.last_id) as reader:
                report.resumes += connected  # the first connection is not a resume
                connected = True
                await _read(reader, side, done)
        except (httpx.TransportError, EOFError, AssertionError, TimeoutError):
            pass  # the server is down (or restarting): try again
        if not done.is_set():
            await asyncio.sleep(RETRY_SECONDS)


async def _read(reader: SseReader, side: Side, done: asyncio.Event) -> None:
    while not done.is_set():
        try:
            event = await reader.next(timeout=0.5)
        except TimeoutError:
            continue
        if event.id is None:
            continue  # typing: never stored, never replayed
        side.events.append((int(event.id), event.event, event.data))
        side.last_id = event.id


async def _customer_sends(
    http: httpx.AsyncClient, customer: Customer, side: Side, stop: asyncio.Event, rng: random.Random
) -> None:
    n = 0
    while not stop.is_set():
        text, message_id = f"{side.name} says {n}", uid()
        body = {
            "message": {
                "id": message_id,
                "messageType": "StaticContentMessage",
                "staticContent": {"formatType": "Text", "text": text},
            },
            "esDeveloperName": "Web_Chat",
        }
        url = f"{MIAW}/conversation/{customer.conversation_id}/message"
        r = await _retrying(partial(http.post, url, json=body, headers=customer.headers), stop)
        if r is None:
            return
        if r.status_code == 202:
            side.acked.append(text)
        n += 1
        await asyncio.sleep(rng.uniform(0, 0.05))


async def _agent_sends(
    http: httpx.AsyncClient,
    agent: Agent,
    session_id: str,
    side: Side,
    stop: asyncio.Event,
    rng: random.Random,
) -> None:
    n = 0
    while not stop.is_set():
        text = f"{side.name} answers {session_id[:8]} {n}"
        body = {"actionType": "sendMessage", "message": text, "id": uid()}
        url = f"/api/v1/sessions/{session_id}/actions"
        r = await _retrying(partial(http.post, url, json=body, headers=agent.headers), stop)
        if r is None:
            return
        if r.status_code == 200:
            side.acked.append(text)
        n += 1
        await asyncio.sleep(rng.uniform(0, 0.1))


def _message_text(entry: dict[str, Any]) -> str:
    payload = entry.get("entryPayload")
    if isinstance(payload, str):  # the customer's stream carries it as a JSON string (MIAW)
        payload = json.loads(payload)
    message = (payload or {}).get("abstractMessage") or {}
    return str((message.get("staticContent") or {}).get("text", ""))


def _texts(side: Side, role: str, prefix: str) -> list[str]:
    """The message texts a stream delivered, sent by `role`, starting with `prefix`."""
    texts = []
    for _, name, data in side.events:
        if name == "ConversationEntry":  # an agent's stream: the entry is the data
            entry = data
        elif isinstance(data, dict) and "conversationEntry" in data:
            entry = data["conversationEntry"]
        else:
            continue
        text = _message_text(entry)
        if entry["sender"]["role"] == role and text.startswith(prefix):
            texts.append(text)
    return texts


def _check_stream(side: Side, report: Report) -> None:
    ids = [i for i, _, _ in side.events]
    if ids and ids != list(range(ids[0], ids[0] + len(ids))):
        report.problems.append(f"{side.name}: stream ids have a gap or a repeat")
    report.delivered += len(ids)


def _check_delivery(side: Side, expected: list[str], got: list[str], report: Report) -> None:
    if got != expected:
        dup = [t for t, c in Counter(got).items() if c > 1]
        missing = [t for t in expected if t not in got]
        report.problems.append(
            f"{side.name}: delivered {len(got)} of {len(expected)} acknowledged "
            f"(duplicates {dup[:3]}, missing {missing[:3]}, in order {sorted(got) == got})"
        )


async def _history(http: httpx.AsyncClient, customer: Customer) -> list[str]:
    """The conversation's stored message texts, oldest first (every page)."""
    texts: list[str] = []
    start: int | None = None
    while True:
        params: dict[str, Any] = {"direction": "FromStart", "limit": 50}
        if start is not None:
            params["startTimestamp"] = start
        r = await http.get(
            f"{MIAW}/conversation/{customer.conversation_id}/entries",
            params=params,
            headers=customer.headers,
        )
        page = r.json()["conversationEntries"]
        if not page:
            return texts
        for e in page:
            message = e["entryPayload"].get("abstractMessage") or {}
            if e["entryType"] == "Message" and e["sender"]["role"] in ("EndUser", "Agent"):
                texts.append((message.get("staticContent") or {}).get("text", ""))
        start = page[-1]["transcriptedTimestamp"]


async def run(
    data_dir: Path,
    *,
    kills: int,
    seconds: float,
    database_url: str | None = None,
    seed: int = 1,
    chats: int = 4,
) -> Report:
    """Chat for `seconds` while killing the server `kills` times at random moments."""
    rng = random.Random(seed)
    report = Report()
    server = ServerProcess(data_dir, database_url or f"sqlite:///{data_dir}/livedesk.db")
    await server.start()
    try:
        async with httpx.AsyncClient(base_url=server.url, timeout=10) as http:
            await _chat_through_crashes(http, server, rng, report, kills, seconds, chats)
    finally:
        server.stop()
    return report


async def _chat_through_crashes(
    http: httpx.AsyncClient,
    server: ServerProcess,
    rng: random.Random,
    report: Report,
    kills: int,
    seconds: float,
    chats: int,
) -> None:
    api = Api(http)
    ada, grace = await api.agent("ada"), await api.agent("grace")
    pairs: list[tuple[Customer, Agent]] = []
    for i in range(chats):  # nobody is Online: each agent takes her sessions herself
        customer = await api.waiting_customer()
        agent = ada if i % 2 == 0 else grace
        r = await agent.accept(customer.session_id or "")
        assert r.status_code == 200, r.text
        pairs.append((customer, agent))
    await grace.presence("Online")  # one place left: she is offered the next customer, and
    await api.waiting_customer()  # and never answers, so its push timeouts fire

    sides: dict[str, Side] = {}
    for i, (customer, _) in enumerate(pairs):
        sides[f"customer{i}"] = Side(f"customer{i}", customer.headers, "/eventrouter/v1/sse")
    for agent in (ada, grace):
        name = agent.agent["username"]
        sides[name] = Side(name, agent.headers, "/api/v1/agent/stream")
    stop, done = asyncio.Event(), asyncio.Event()
    followers = [asyncio.create_task(_follow(http, s, done, report)) for s in sides.values()]
    senders = []
    for i, (customer, agent) in enumerate(pairs):
        senders.append(
            asyncio.create_task(_customer_sends(http, customer, sides[f"customer{i}"], stop, rng))
        )
        agent_side = Side(f"{agent.agent['username']}{i}", agent.headers, "")
        sides[agent_side.name] = agent_side
        senders.append(
            asyncio.create_task(
                _agent_sends(http, agent, customer.session_id or "", agent_side, stop, rng)
            )
        )

    moments = sorted(rng.uniform(0.1, 0.9) * seconds for _ in range(kills))
    started = time.monotonic()
    for moment in moments:
        await asyncio.sleep(max(0.0, moment - (time.monotonic() - started)))
        # Each kill finds every stream open again (a restart on a slow machine can take longer
        # than two kill moments apart, and a kill of a server no stream has reached yet tests
        # nothing of the streams).
        await _until(lambda: report.resumes >= report.kills * len(followers), timeout=20)
        server.kill()
        report.kills += 1
        await server.start()
    await asyncio.sleep(max(0.0, seconds - (time.monotonic() - started)))
    stop.set()
    await asyncio.gather(*senders)
    await _wait_delivered(sides, pairs, timeout=30)
    done.set()
    await asyncio.gather(*followers)
    await _check(http, api, sides, pairs, report)


async def _until(condition: Callable[[], bool], timeout: float) -> None:
    """Poll `condition` (clients in other tasks make it true; there is no event to await)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        await asyncio.sleep(0.05)


def _expected(sides: dict[str, Side], i: int, agent: Agent) -> tuple[list[str], list[str]]:
    mine = sides[f"customer{i}"].acked
    theirs = sides[f"{agent.agent['username']}{i}"].acked
    return mine, theirs


async def _wait_delivered(
    sides: dict[str, Side], pairs: list[tuple[Customer, Agent]], timeout: float
) -> None:
    """Until every acknowledged message reached the customer's stream (or the timeout)."""

    def delivered() -> bool:
        for i, (_, agent) in enumerate(pairs):
            side = sides[f"customer{i}"]
            mine, theirs = _expected(sides, i, agent)
            if len(_texts(side, "EndUser", side.name)) < len(mine):
                return False
            if len(_texts(side, "Agent", agent.agent["username"])) < len(theirs):
                return False
        return True

    await _until(delivered, timeout)


async def _check(
    http: httpx.AsyncClient,
    api: Api,
    sides: dict[str, Side],
    pairs: list[tuple[Customer, Agent]],
    report: Report,
) -> None:
    for i, (customer, agent) in enumerate(pairs):
        side, name = sides[f"customer{i}"], agent.agent["username"]
        mine, theirs = _expected(sides, i, agent)
        report.acknowledged += len(mine) + len(theirs)
        _check_stream(side, report)
        _check_delivery(side, mine, _texts(side, "EndUser", side.name), report)
        _check_delivery(side, theirs, _texts(side, "Agent", name), report)
        stored = await _history(http, customer)
        if [t for t in stored if t.startswith(side.name)] != mine:
            report.problems.append(f"customer{i}: stored messages differ from the acknowledged")
        if [t for t in stored if t.startswith(name)] != theirs:
            report.problems.append(f"customer{i}: stored agent messages differ from the acked")
        r = await http.get(
            f"{MIAW}/conversation/{customer.conversation_id}", headers=customer.headers
        )
        if r.json()["sessionStatus"] != "Active":
            report.problems.append(f"customer{i}: session is {r.json()['sessionStatus']}")
    for agent in (pairs[0][1], pairs[1][1]):
        side = sides[agent.agent["username"]]
        _check_stream(side, report)
        for i, (_, owner) in enumerate(pairs):
            if owner is agent:
                expected = sides[f"customer{i}"].acked
                delivered = _texts(side, "EndUser", f"customer{i} ")
                _check_delivery(side, expected, delivered, report)
    await _check_work(api, sides, pairs, report)


async def _check_work(
    api: Api,
    sides: dict[str, Side],
    pairs: list[tuple[Customer, Agent]],
    report: Report,
) -> None:
    """Timers fired once; no capacity leaked; nothing stuck on offer past its timeout."""
    for agent in (pairs[0][1], pairs[1][1]):
        fresh = await api.agent(agent.agent["username"])  # a new login: tokens outlive restarts
        work = await fresh.work()
        opened = {w["sessionId"] for w in work if w["status"] == "Opened"}
        mine = {c.session_id for c, a in pairs if a is agent}
        if opened != mine:
            report.problems.append(
                f"{agent.agent['username']}: open work {len(opened)} ≠ her {len(mine)} chats"
            )
        events = sides[agent.agent["username"]].events
        cancelled = Counter(d["workId"] for _, n, d in events if n == "WorkCancelled")
        if any(n > 1 for n in cancelled.values()):
            report.problems.append(f"{agent.agent['username']}: an offer was taken back twice")
        now_ms = time.time() * 1000
        for _, name, data in events:  # every offer past its timeout was taken back, once
            expired = name == "WorkOffered" and data["expiresAt"] < now_ms - 3000
            if expired and cancelled[data["workId"]] != 1:
                report.problems.append(f"offer {data['workId']} outlived its push timeout")
        report.timeouts += sum(
            1 for _, n, d in events if n == "WorkCancelled" and d["reason"] == "timeout"
        )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--kills", type=int, default=10)
    parser.add_argument("--seconds", type=float, default=300.0)
    parser.add_argument("--chats", type=int, default=4)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--database-url", default=None)
    args = parser.parse_args(argv)
    database = RunDatabase(args.database_url) if args.database_url else None
    with tempfile.TemporaryDirectory() as folder:
        try:
            report = asyncio.run(
                run(
                    Path(folder),
                    kills=args.kills,
                    seconds=args.seconds,
                    database_url=database.create() if database else None,
                    seed=args.seed,
                    chats=args.chats,
                )
            )
        finally:
            if database is not None:
                database.drop()
    print(
        f"{report.kills} kills, {report.acknowledged} acknowledged messages, "
        f"{report.delivered} stream events, {report.resumes} resumes, "
        f"{report.timeouts} offer timeouts"
    )
    for problem in report.problems:
        print("PROBLEM:", problem)
    return 1 if report.problems else 0


if __name__ == "__main__":
    sys.exit(main())
