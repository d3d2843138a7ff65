"""Chat load benchmark: LiveDesk against a bare Starlette + SQLite baseline, same client.

C conversations each have a customer SSE stream and an agent SSE stream. Every customer sends
messages back to back: the next POST goes out only once the previous message arrived on the
conversation's agent stream. After a warm-up, a fixed window counts the messages that arrived on
agent streams (throughput) and the time from writing each POST to reading the matching entry on
the agent stream (latency). The same workload then runs against `baseline_server.py`.

`--idle-streams N` instead opens N idle customer streams against LiveDesk and reports the growth
of the server's resident memory per stream.

This process is the load client (a raw asyncio-socket HTTP/1.1 client, on uvloop when present);
each server runs as a subprocess and is always stopped before the script exits.

    .venv/bin/python bench/chat_load.py -c 50
    .venv/bin/python bench/chat_load.py --idle-streams 5000
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import math
import os
import resource
import secrets
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
import uuid
from collections.abc import Awaitable, Callable, Coroutine, Iterator, Sequence
from contextlib import AsyncExitStack
from dataclasses import asdict, dataclass, field, replace
from functools import partial
from pathlib import Path
from typing import Any, TypeVar

import orjson
from rich.console import Console
from rich.progress import BarColumn, Progress, TaskID, TextColumn, TimeRemainingColumn

from own_database import owned_database
from rawhttp import Connection, HttpError, Response, SseStream

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # the checkout: its tests' nginx
from tests.e2e.nginx import Nginx, nginx_binary

T = TypeVar("T")

HOST = "127.0.0.1"
ORG_ID = "00DLD0000000001"
DEPLOYMENT = "Web_Chat"
PASSWORD = "bench"
MIAW = "/iamessage/api/v2"
TOKEN_PATH = f"{MIAW}/authorization/unauthenticated/access-token"
TOKEN_BODY = {
    "orgId": ORG_ID,
    "esDeveloperName": DEPLOYMENT,
    "capabilitiesVersion": "1",
    "platform": "Web",
}

BENCH_DIR = Path(__file__).resolve().parent
REPO_DIR = BENCH_DIR.parent
SETUP_CONCURRENCY = 8  # conversations being set up at once (agent login runs argon2)
MINT_CONNECTIONS = 8  # keep-alive connections minting guest tokens for --idle-streams
OPEN_CONCURRENCY = 200  # idle streams being opened at once (under uvicorn's backlog of 2048)
MESSAGE_TIMEOUT = 10.0  # a message not on the agent stream by then is reported as lost
STARTUP_TIMEOUT = 60.0
HEALTH_POLL = 0.05  # readiness probe interval while a server starts
STOP_TIMEOUT = 10.0
BUCKET_SECONDS = 10.0  # a long window is also reported in pieces this long
# The load is many customers' worth from one address, faster than any person types: the
# benchmark measures the message path, not the rate limiter (which is off for its server).
NO_RATE_LIMITS = {
    "LIVEDESK_RATE_LIMITS__TOKENS_PER_MINUTE": "0",
    "LIVEDESK_RATE_LIMITS__MESSAGES_PER_SECOND": "0",
    "LIVEDESK_RATE_LIMITS__STREAMS_PER_TOKEN": "0",
}


class BenchError(Exception):
    """The benchmark cannot go on; the message says what the server did."""


# --------------------------------------------------------------------------- options


@dataclass(frozen=True)
class Options:
    conversations: int
    duration: float
    warmup: float
    skip_baseline: bool
    idle_streams: int | None
    streams_per_token: int
    settle: float
    port: int | None
    json_path: Path | None
    database_url: str | None = None
    redis_url: str | None = None
    scale: tuple[int, ...] = ()
    rounds: int = 1


def parse_args(argv: list[str] | None) -> Options:
    p = argparse.ArgumentParser(
        description="Chat load benchmark: LiveDesk vs a bare Starlette + SQLite baseline."
    )
    p.add_argument("-c", "--conversations", type=int, default=50, help="default 50")
    p.add_argument("--duration", type=float, default=10.0, help="measured seconds (default 10)")
    p.add_argument("--warmup", type=float, default=2.0, help="unmeasured seconds (default 2)")
    p.add_argument("--skip-baseline", action="store_true", help="run LiveDesk only")
    p.add_argument(
        "--idle-streams",
        type=int,
        nargs="?",
        const=5000,
        metavar="N",
        help="instead of the chat load: RSS growth per idle customer stream (N default 5000)",
    )
    p.add_argument(
        "--streams-per-token",
        type=int,
        default=10,
        help="idle streams opened with each guest token (default 10)",
    )
    p.add_argument(
        "--settle",
        type=float,
        default=1.0,
        help="fixed pause before reading RSS after the idle streams are open (default 1)",
    )
    p.add_argument("--port", type=int, help="LiveDesk port; baseline uses port+1 (default: free)")
    p.add_argument("--json", type=Path, metavar="PATH", help="also write the results as JSON")
    p.add_argument(
        "--database-url",
        metavar="URL",
        help="run LiveDesk on PostgreSQL: a server (postgresql://user@host:port/any) on which a "
        "database of its own is made and dropped at the end (default: SQLite)",
    )
    p.add_argument(
        "--scale",
        metavar="N,N,...",
        help="instead: one SQLite process, one PostgreSQL process, then N PostgreSQL + Redis "
        "processes behind nginx for each N (needs --database-url and --redis-url), in one run",
    )
    p.add_argument("--redis-url", metavar="URL", help="the Redis of --scale (redis://host:port/db)")
    p.add_argument(
        "--rounds",
        type=int,
        default=1,
        help="--scale's servers one after the other this many times, each round's figures and "
        "their range at the end (default 1)",
    )
    a = p.parse_args(argv)
    if a.conversations < 1 or a.duration <= 0 or a.warmup < 0 or a.streams_per_token < 1:
        p.error("need --conversations >= 1, --duration > 0, --warmup >= 0, streams per token >= 1")
    if a.idle_streams is not None and a.idle_streams < 1:
        p.error("--idle-streams needs N >= 1")
    scale: tuple[int, ...] = ()
    if a.scale is not None:
        try:
            scale = tuple(int(n) for n in a.scale.split(","))
        except ValueError:
            p.error("--scale takes process counts separated by commas, e.g. 1,2,4")
        if not scale or min(scale) < 1 or a.database_url is None or a.redis_url is None:
            p.error("--scale needs counts >= 1, --database-url and --redis-url")
    if a.rounds < 1 or (a.rounds > 1 and not scale):
        p.error("--rounds needs a count >= 1, and --scale")
    return Options(
        conversations=a.conversations,
        duration=a.duration,
        warmup=a.warmup,
        skip_baseline=a.skip_baseline,
        idle_streams=a.idle_streams,
        streams_per_token=a.streams_per_token,
        settle=a.settle,
        port=a.port,
        json_path=a.json,
        database_url=a.database_url,
        redis_url=a.redis_url,
        scale=scale,
        rounds=a.rounds,
    )


# --------------------------------------------------------------------------- server processes


@dataclass
class Server:
    """What the load client talks to: one process, or nginx (`proc`) in front of `backends`."""

    name: str
    port: int
    proc: subprocess.Popen[bytes]
    stderr_path: Path
    backends: list[Server] = field(default_factory=list)

    @property
    def livedesk(self) -> list[Server]:
        """The LiveDesk processes: what the server's CPU figures add up."""
        return self.backends or [self]

    def stderr_tail(self, lines: int = 30) -> str:
        if self.backends:
            tails = ((b.name, b.stderr_tail(lines)) for b in self.backends)
            return "\n".join(f"[{name}]\n{tail}" for name, tail in tails if tail)
        try:
            text = self.stderr_path.read_text(errors="replace")
        except OSError:
            return ""
        return "\n".join(text.rstrip().splitlines()[-lines:])

    def exited(self) -> list[str]:
        """What ended before it was stopped."""
        return [
            f"{s.name} exited with code {s.proc.poll()} during the run"
            for s in [self, *self.backends]
            if s.proc.poll() is not None
        ]


def free_port() -> int:
    with socket.socket() as s:
        s.bind((HOST, 0))
        port: int = s.getsockname()[1]
        return port


def raise_nofile_limit() -> int:
    """Soft RLIMIT_NOFILE up to the hard limit; servers started later inherit it."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft != hard:
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    return hard


def livedesk_command() -> str:
    beside = Path(sys.executable).parent / "livedesk"
    found = str(beside) if beside.exists() else shutil.which("livedesk")
    if found is None:
        raise BenchError("the `livedesk` command is not installed (pip install -e .)")
    return found


def password_hash() -> str:
    from argon2 import PasswordHasher

    return str(PasswordHasher().hash(PASSWORD))


def org_yaml(agents: int) -> str:
    hashed = json.dumps(password_hash())  # a JSON string is a valid YAML scalar
    lines = [
        f"org: {{id: {ORG_ID}, name: Bench}}",
        "deployments:",
        f"  - {{developer_name: {DEPLOYMENT}, queue: General}}",
        "queues:",
        "  - {name: General}",
        "agents:",
    ]
    lines.extend(
        f"  - {{username: bench{i}, display_name: Bench {i}, password_hash: {hashed}, "
        "capacity: 100, queues: [General]}"
        for i in range(agents)
    )
    return "\n".join(lines) + "\n"


def apply_org(workdir: Path, data_dir: Path, agents: int, env: dict[str, str]) -> None:
    org_file = workdir / "org.yaml"
    org_file.write_text(org_yaml(agents))
    cmd = [livedesk_command(), "apply", str(org_file), "--data-dir", str(data_dir)]
    done = subprocess.run(
        cmd, capture_output=True, text=True, cwd=REPO_DIR, check=False, env={**os.environ, **env}
    )
    if done.returncode != 0:
        raise BenchError(f"livedesk apply failed ({done.returncode}):\n{done.stdout}{done.stderr}")


def stop(proc: subprocess.Popen[bytes]) -> None:
    if proc.poll() is not None:
        return
    proc.send_signal(signal.SIGTERM)
    try:
        proc.wait(STOP_TIMEOUT)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


@contextlib.contextmanager
def spawned(
    name: str, cmd: list[str], port: int, workdir: Path, env: dict[str, str] | None = None
) -> Iterator[Server]:
    """Run a server subprocess; always stop it, and show its stderr if something failed."""
    stderr_path = workdir / f"{name}.stderr"
    with (workdir / f"{name}.stdout").open("wb") as out, stderr_path.open("wb") as err:
        proc = subprocess.Popen(
            cmd,
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=err,
            cwd=REPO_DIR,
            env={**os.environ, **(env or {})},
        )
        server = Server(name, port, proc, stderr_path)
        try:
            yield server
        except BaseException:
            stop(proc)
            if tail := server.stderr_tail():
                log(f"--- {name} stderr (last lines) ---\n{tail}\n---")
            raise
        finally:
            stop(proc)


@contextlib.contextmanager
def livedesk_server(port: int, agents: int, database_url: str | None = None) -> Iterator[Server]:
    """One LiveDesk process on SQLite in a temporary folder, or on a PostgreSQL database of its
    own on the server `database_url` names."""
    with contextlib.ExitStack() as stack:
        workdir = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="livedesk-bench-")))
        data_dir = workdir / "data"
        env = dict(NO_RATE_LIMITS)
        name = "livedesk"
        if database_url is not None:
            env["LIVEDESK_DATABASE_URL"] = stack.enter_context(owned_database(database_url))
            name = "livedesk (postgresql)"
        apply_org(workdir, data_dir, agents, env)
        cmd = [livedesk_command(), "serve", "--data-dir", str(data_dir), "--port", str(port)]
        yield stack.enter_context(spawned(name, cmd, port, workdir, env=env))


@contextlib.contextmanager
def livedesk_cluster(
    processes: int, agents: int, database_url: str, redis_url: str
) -> Iterator[Server]:
    """`processes` LiveDesk processes on a PostgreSQL database of their own and Redis, behind
    nginx running the operator's configuration (deploy/nginx.conf), as the deployment guide
    says: one data folder and token key, forwarded addresses trusted from nginx."""
    if nginx_binary() is None:
        raise BenchError("--scale runs nginx: install it (apt-get install nginx)")
    with contextlib.ExitStack() as stack:
        workdir = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="livedesk-bench-")))
        data_dir = workdir / "data"
        env = {
            **NO_RATE_LIMITS,
            "LIVEDESK_DATABASE_URL": stack.enter_context(owned_database(database_url)),
            "LIVEDESK_REDIS_URL": redis_url,
            "LIVEDESK_REDIS_CHANNEL": f"livedesk-bench-{uuid.uuid4().hex[:8]}",
            "LIVEDESK_TOKEN_KEY": secrets.token_urlsafe(48),
        }
        apply_org(workdir, data_dir, agents, env)
        backends = []
        for i in range(processes):
            port = free_port()
            cmd = [livedesk_command(), "serve", "--data-dir", str(data_dir), "--port", str(port)]
            cmd += ["--forwarded-allow-ips", HOST]
            name = f"livedesk {i + 1} of {processes}"
            backends.append(stack.enter_context(spawned(name, cmd, port, workdir, env=env)))
        for backend in backends:  # before nginx: it would set aside a process not yet up
            wait_started(backend)
        proxy = Nginx(workdir / "nginx")
        proxy.start([b.port for b in backends])
        stack.callback(proxy.stop)
        assert proxy.proc is not None
        name = f"postgresql x{processes} (nginx)"
        yield Server(name, proxy.port, proxy.proc, proxy.error_log, backends)


def wait_started(server: Server) -> None:
    """Poll GET /healthz of a process until it answers 200 (before anything is in front of it)."""
    deadline = time.perf_counter() + STARTUP_TIMEOUT
    url = f"http://{HOST}:{server.port}/healthz"
    while True:
        if (code := server.proc.poll()) is not None:
            raise BenchError(f"{server.name} exited with {code} while starting")
        with contextlib.suppress(OSError), urllib.request.urlopen(url, timeout=1) as answer:
            if answer.status == 200:
                return
        if time.perf_counter() > deadline:
            raise BenchError(f"{server.name} did not answer /healthz in {STARTUP_TIMEOUT:.0f} s")
        time.sleep(HEALTH_POLL)


@contextlib.contextmanager
def baseline_server(port: int) -> Iterator[Server]:
    with tempfile.TemporaryDirectory(prefix="baseline-bench-") as tmp:
        workdir = Path(tmp)
        script = str(BENCH_DIR / "baseline_server.py")
        db = str(workdir / "baseline.db")
        cmd = [sys.executable, script, "--port", str(port), "--db", db]
        with spawned("baseline", cmd, port, workdir) as server:
            yield server


def rss_kb(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise BenchError(f"no VmRSS in /proc/{pid}/status")


def processes_cpu_seconds(pids: Sequence[int]) -> float:
    return sum(process_cpu_seconds(pid) for pid in pids)


def process_cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process, all its threads included."""
    stat = Path(f"/proc/{pid}/stat").read_text()
    fields = stat[stat.rindex(")") + 2 :].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


# The other programs on the machine whose CPU the load takes too (by process name).
NEIGHBOURS = ("postgres", "redis-server", "nginx")


def neighbours_cpu_seconds() -> dict[str, float]:
    """CPU seconds of every running process of each of NEIGHBOURS, all its processes added."""
    totals = dict.fromkeys(NEIGHBOURS, 0.0)
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            text = stat.read_text()
        except OSError:
            continue  # ended meanwhile
        name = text[text.index("(") + 1 : text.rindex(")")]
        if name in totals:
            fields = text[text.rindex(")") + 2 :].split()
            totals[name] += (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    return totals


def machine_busy_seconds() -> float:
    """CPU seconds all cores spent busy since boot (not idle, not waiting for I/O)."""
    values = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    return (sum(values) - values[3] - values[4]) / os.sysconf("SC_CLK_TCK")


@dataclass(frozen=True)
class CpuSample:
    wall: float
    client: float
    server: float
    neighbours: dict[str, float]
    machine: float

    @classmethod
    def take(cls, server_pids: Sequence[int]) -> CpuSample:
        return cls(
            time.perf_counter(),
            time.process_time(),
            processes_cpu_seconds(server_pids),
            neighbours_cpu_seconds(),
            machine_busy_seconds(),
        )


def cpu_percent(before: CpuSample, after: CpuSample) -> tuple[float, float]:
    """(client %, server %) of one core over the interval."""
    wall = max(after.wall - before.wall, 1e-9)
    return (
        100 * (after.client - before.client) / wall,
        100 * (after.server - before.server) / wall,
    )


def neighbours_percent(before: CpuSample, after: CpuSample) -> dict[str, float]:
    """% of one core taken by each neighbour, and by the whole machine ("machine")."""
    wall = max(after.wall - before.wall, 1e-9)
    found = {n: 100 * (after.neighbours[n] - before.neighbours[n]) / wall for n in NEIGHBOURS}
    found["machine"] = 100 * (after.machine - before.machine) / wall
    return found


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


# --------------------------------------------------------------------------- API calls


async def bounded(limit: int, jobs: Sequence[Callable[[], Awaitable[T]]]) -> list[T]:
    """Run jobs at most `limit` at a time; the first failure cancels the rest."""
    gate = asyncio.Semaphore(limit)

    async def run(job: Callable[[], Awaitable[T]]) -> T:
        async with gate:
            return await job()

    try:
        async with asyncio.TaskGroup() as group:
            tasks = [group.create_task(run(job)) for job in jobs]
    except ExceptionGroup as failed:
        raise first_leaf(failed) from failed
    return [t.result() for t in tasks]


def first_leaf(group: BaseExceptionGroup[Exception]) -> Exception:
    first = group.exceptions[0]
    return first_leaf(first) if isinstance(first, BaseExceptionGroup) else first


async def call(
    conn: Connection,
    method: str,
    path: str,
    expect: int,
    token: str | None = None,
    body: Any = None,
) -> Any:
    headers = {"Authorization": f"Bearer {token}"} if token else None
    response = await conn.request(method, path, headers, body)
    if response.status != expect:
        raise HttpError(f"{method} {path}", response.status, response.body)
    return response.json()


async def mint_guest_token(conn: Connection) -> str:
    token: str = (await call(conn, "POST", TOKEN_PATH, 200, body=TOKEN_BODY))["accessToken"]
    return token


async def wait_healthy(server: Server) -> None:
    """Poll GET /healthz until it answers 200 (a readiness probe, not a wait for an event)."""
    deadline = time.perf_counter() + STARTUP_TIMEOUT
    while True:
        if (code := server.proc.poll()) is not None:
            raise BenchError(f"{server.name} exited with {code} while starting")
        with contextlib.suppress(OSError, EOFError):
            conn = Connection(HOST, server.port)
            try:
                if (await conn.request("GET", "/healthz")).status == 200:
                    return
            finally:
                await conn.close()
        if time.perf_counter() > deadline:
            raise BenchError(f"{server.name} did not answer /healthz in {STARTUP_TIMEOUT:.0f} s")
        await asyncio.sleep(HEALTH_POLL)


def agent_stream_headers(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}", "Accept": "text/event-stream"}


def customer_stream_headers(token: str) -> dict[str, str]:
    return {**agent_stream_headers(token), "X-Org-Id": ORG_ID}


async def open_stream(
    stack: AsyncExitStack, port: int, path: str, headers: dict[str, str]
) -> SseStream:
    stream = await SseStream.open(HOST, port, path, headers)
    stack.push_async_callback(stream.close)
    return stream


# --------------------------------------------------------------------------- chat load


@dataclass
class Conversation:
    index: int
    customer_token: str
    conversation_id: str
    agent_token: str
    conn: Connection  # the customer's keep-alive connection for POSTs


@dataclass(frozen=True)
class Window:
    warm_end: float
    end: float


@dataclass
class Tally:
    latencies: list[float] = field(default_factory=list)
    arrivals: list[float] = field(default_factory=list)  # when each of `latencies` arrived
    sent: int = 0
    accepted: int = 0
    lost: int = 0
    echoes: int = 0
    errors: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class Sent:
    sent_at: float
    response: Response


@dataclass
class ChatResult:
    server: str
    conversations: int
    messages: int
    duration_s: float
    msg_per_s: float
    p50_ms: float
    p99_ms: float
    mean_ms: float
    max_ms: float
    sent: int
    accepted: int
    lost: int
    customer_echoes: int
    errors: list[str]
    client_cpu_pct: float
    server_cpu_pct: float
    setup_s: float
    processes: int = 1
    msg_per_cpu_s: float = 0.0  # messages per CPU-second of the LiveDesk processes
    neighbours_cpu_pct: dict[str, float] = field(default_factory=dict)  # and "machine"
    # Over a long window, each BUCKET_SECONDS of it: (msg/s, p99 ms): whether it holds up.
    buckets: list[tuple[float, float]] = field(default_factory=list)
    run_s: float = 0.0
    server_stderr: str = ""


async def setup_conversation(stack: AsyncExitStack, port: int, index: int) -> Conversation:
    conn = await Connection(HOST, port).connect()
    stack.push_async_callback(conn.close)
    token = await mint_guest_token(conn)
    conversation_id = str(uuid.uuid4())
    created = await call(
        conn,
        "POST",
        f"{MIAW}/conversation",
        201,
        token,
        {"conversationId": conversation_id, "esDeveloperName": DEPLOYMENT},
    )
    login = {"username": f"bench{index}", "password": PASSWORD}
    agent_token = (await call(conn, "POST", "/api/v1/auth/login", 200, body=login))["accessToken"]
    accept = f"/api/v1/sessions/{created['sessionId']}/accept"
    await call(conn, "POST", accept, 200, agent_token)
    return Conversation(index, token, conversation_id, agent_token, conn)


def message_body(message_id: str, n: int) -> bytes:
    return orjson.dumps(
        {
            "message": {
                "id": message_id,
                "messageType": "StaticContentMessage",
                "staticContent": {"formatType": "Text", "text": f"hello {n}"},
            },
            "esDeveloperName": DEPLOYMENT,
        }
    )


async def post_message(conv: Conversation, path: str, body: bytes, headers: dict[str, str]) -> Sent:
    """POST one message; returns when its bytes were written, and the response."""
    request = conv.conn.encode("POST", path, headers, body)
    await conv.conn.ensure_open()
    sent_at = time.perf_counter()
    conv.conn.write(request)
    return Sent(sent_at, await conv.conn.read_response())


async def converse(
    conv: Conversation, pending: dict[str, asyncio.Future[float]], window: Window, tally: Tally
) -> None:
    """Send messages back to back until the window ends; each waits for its agent-stream copy."""
    path = f"{MIAW}/conversation/{conv.conversation_id}/message"
    headers = {"Authorization": f"Bearer {conv.customer_token}"}
    loop = asyncio.get_running_loop()
    where = f"conversation {conv.index}"
    # The connection idled through the set-up of the others, maybe past uvicorn's keep-alive
    # timeout (5 s): the server could close it just as the first POST goes out. A fresh one.
    await conv.conn.close()
    await conv.conn.connect()
    n = 0
    while time.perf_counter() < window.end:
        message_id = str(uuid.uuid4())
        arrived: asyncio.Future[float] = loop.create_future()
        pending[message_id] = arrived  # before the POST: the copy may come before the response
        tally.sent += 1
        try:
            sent = await post_message(conv, path, message_body(message_id, n), headers)
            if sent.response.status != 202:
                body = sent.response.body[:300]
                tally.errors.append(f"{where}: POST message -> {sent.response.status} {body!r}")
                return
            tally.accepted += 1
            arrived_at = await asyncio.wait_for(arrived, MESSAGE_TIMEOUT)
        except (OSError, EOFError) as exc:
            tally.errors.append(f"{where}: POST message failed: {exc!r}")
            return
        except TimeoutError:
            tally.lost += 1
            tally.errors.append(
                f"{where}: message {message_id} (202) not on the agent stream "
                f"after {MESSAGE_TIMEOUT:.0f} s"
            )
            continue
        finally:
            pending.pop(message_id, None)
        if window.warm_end <= arrived_at < window.end:
            tally.latencies.append(arrived_at - sent.sent_at)
            tally.arrivals.append(arrived_at)
        n += 1


def resolve_entry(pending: dict[str, asyncio.Future[float]], data: bytes, now: float) -> None:
    entry = orjson.loads(data)
    if entry.get("entryType") != "Message":
        return
    arrived = pending.pop(entry.get("identifier"), None)
    if arrived is not None and not arrived.done():
        arrived.set_result(now)


async def read_agent_stream(
    stream: SseStream, index: int, pending: dict[str, asyncio.Future[float]], tally: Tally
) -> None:
    try:
        while True:
            events = await stream.next_events()
            now = time.perf_counter()
            for event in events:
                if event.event == "ConversationEntry":
                    resolve_entry(pending, event.data, now)
    except (OSError, EOFError) as exc:
        tally.errors.append(f"agent stream {index} ended during the run: {exc!r}")


async def drain_customer_stream(stream: SseStream, index: int, tally: Tally) -> None:
    try:
        while True:
            for event in await stream.next_events():
                if event.event == "CONVERSATION_MESSAGE":
                    tally.echoes += 1
    except (OSError, EOFError) as exc:
        tally.errors.append(f"customer stream {index} ended during the run: {exc!r}")


async def measure(
    conversations: list[Conversation],
    agent_streams: list[SseStream],
    customer_streams: list[SseStream],
    pids: list[int],
    opts: Options,
) -> tuple[Tally, CpuSample, CpuSample]:
    pending: dict[str, asyncio.Future[float]] = {}
    tally = Tally()
    readers = [
        asyncio.create_task(read_agent_stream(s, i, pending, tally))
        for i, s in enumerate(agent_streams)
    ] + [
        asyncio.create_task(drain_customer_stream(s, i, tally))
        for i, s in enumerate(customer_streams)
    ]
    start = time.perf_counter()
    window = Window(start + opts.warmup, start + opts.warmup + opts.duration)
    workers = [asyncio.create_task(converse(c, pending, window, tally)) for c in conversations]
    try:
        with progress_bar() as bar:
            task = bar.add_task("warm-up", total=opts.warmup + opts.duration, messages=0)
            await sleep_showing(window.warm_end, bar, task, start, tally)  # the fixed warm-up
            first = CpuSample.take(pids)
            bar.update(task, description="measuring")
            await sleep_showing(window.end, bar, task, start, tally)  # the measurement window
            last = CpuSample.take(pids)
        await asyncio.gather(*workers)
    finally:
        for task in workers + readers:
            task.cancel()
        await asyncio.gather(*workers, *readers, return_exceptions=True)
    return tally, first, last


def progress_bar() -> Progress:
    """A bar on the terminal (stderr) while load runs; nothing when stderr is not a terminal."""
    return Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        TextColumn("{task.fields[messages]} messages"),
        TimeRemainingColumn(),
        console=Console(stderr=True),
        transient=True,
        disable=not sys.stderr.isatty(),
    )


async def sleep_showing(
    deadline: float, bar: Progress, task: TaskID, start: float, tally: Tally
) -> None:
    while (left := deadline - time.perf_counter()) > 0:
        await asyncio.sleep(min(left, 0.25))
        bar.update(task, completed=time.perf_counter() - start, messages=tally.accepted)


def percentile(sorted_values: list[float], p: float) -> float:
    """Nearest-rank percentile of an ascending list (0 for an empty one)."""
    if not sorted_values:
        return 0.0
    rank = max(1, math.ceil(p / 100 * len(sorted_values)))
    return sorted_values[rank - 1]


def summarize(
    server: Server, opts: Options, tally: Tally, cpu: tuple[CpuSample, CpuSample], setup_s: float
) -> ChatResult:
    latencies = sorted(tally.latencies)
    client_cpu, server_cpu = cpu_percent(*cpu)
    msg_per_s = len(latencies) / opts.duration
    return ChatResult(
        server=server.name,
        conversations=opts.conversations,
        messages=len(latencies),
        duration_s=opts.duration,
        msg_per_s=msg_per_s,
        p50_ms=1000 * percentile(latencies, 50),
        p99_ms=1000 * percentile(latencies, 99),
        mean_ms=1000 * sum(latencies) / len(latencies) if latencies else 0.0,
        max_ms=1000 * latencies[-1] if latencies else 0.0,
        sent=tally.sent,
        accepted=tally.accepted,
        lost=tally.lost,
        customer_echoes=tally.echoes,
        errors=tally.errors[:20],
        client_cpu_pct=client_cpu,
        server_cpu_pct=server_cpu,
        setup_s=setup_s,
        processes=len(server.livedesk),
        msg_per_cpu_s=msg_per_s / (server_cpu / 100) if server_cpu else 0.0,
        neighbours_cpu_pct=neighbours_percent(*cpu),
        buckets=buckets(tally, cpu[0].wall, opts.duration),
    )


def buckets(tally: Tally, start: float, duration: float) -> list[tuple[float, float]]:
    """msg/s and p99 ms of each whole BUCKET_SECONDS of the window (none in a short one)."""
    count = int(duration // BUCKET_SECONDS)
    if count < 2:
        return []
    found: list[list[float]] = [[] for _ in range(count)]
    for arrived, latency in zip(tally.arrivals, tally.latencies, strict=True):
        index = int((arrived - start) // BUCKET_SECONDS)
        if 0 <= index < count:
            found[index].append(latency)
    return [(len(b) / BUCKET_SECONDS, 1000 * percentile(sorted(b), 99)) for b in found]


async def chat_load(server: Server, opts: Options) -> ChatResult:
    await wait_healthy(server)
    started = time.perf_counter()
    async with AsyncExitStack() as stack:
        conversations = await bounded(
            SETUP_CONCURRENCY,
            [partial(setup_conversation, stack, server.port, i) for i in range(opts.conversations)],
        )
        agent_streams = [
            await open_stream(
                stack, server.port, "/api/v1/agent/stream", agent_stream_headers(c.agent_token)
            )
            for c in conversations
        ]
        customer_streams = [
            await open_stream(
                stack, server.port, "/eventrouter/v1/sse", customer_stream_headers(c.customer_token)
            )
            for c in conversations
        ]
        setup_s = time.perf_counter() - started
        tally, first, last = await measure(
            conversations,
            agent_streams,
            customer_streams,
            [s.proc.pid for s in server.livedesk],
            opts,
        )
    return summarize(server, opts, tally, (first, last), setup_s)


# --------------------------------------------------------------------------- idle streams


@dataclass
class IdleResult:
    server: str
    streams_requested: int
    streams_opened: int
    tokens: int
    rss_before_kb: int
    rss_after_kb: int
    kb_per_stream: float
    mint_s: float
    open_s: float
    errors: list[str]
    run_s: float = 0.0
    server_stderr: str = ""


async def mint_tokens(port: int, count: int) -> list[str]:
    async def mint_some(share: int) -> list[str]:
        conn = await Connection(HOST, port).connect()
        try:
            return [await mint_guest_token(conn) for _ in range(share)]
        finally:
            await conn.close()

    shares = [
        count // MINT_CONNECTIONS + (i < count % MINT_CONNECTIONS) for i in range(MINT_CONNECTIONS)
    ]
    batches = await asyncio.gather(*(mint_some(s) for s in shares if s))
    return [token for batch in batches for token in batch]


async def try_open_idle(
    stack: AsyncExitStack, port: int, token: str, errors: list[str]
) -> SseStream | None:
    try:
        return await open_stream(stack, port, "/eventrouter/v1/sse", customer_stream_headers(token))
    except (OSError, EOFError, HttpError) as exc:
        errors.append(repr(exc))
        return None


async def idle_streams(server: Server, opts: Options, n: int) -> IdleResult:
    await wait_healthy(server)
    errors: list[str] = []
    started = time.perf_counter()
    tokens = await mint_tokens(server.port, math.ceil(n / opts.streams_per_token))
    minted = time.perf_counter()
    async with AsyncExitStack() as stack:
        rss_before = rss_kb(server.proc.pid)
        jobs = [
            partial(try_open_idle, stack, server.port, tokens[i // opts.streams_per_token], errors)
            for i in range(n)
        ]
        streams = await bounded(OPEN_CONCURRENCY, jobs)
        opened_at = time.perf_counter()
        await asyncio.sleep(opts.settle)  # fixed settle window before reading RSS
        rss_after = rss_kb(server.proc.pid)
    opened = sum(s is not None for s in streams)
    return IdleResult(
        server=server.name,
        streams_requested=n,
        streams_opened=opened,
        tokens=len(tokens),
        rss_before_kb=rss_before,
        rss_after_kb=rss_after,
        kb_per_stream=(rss_after - rss_before) / opened if opened else 0.0,
        mint_s=minted - started,
        open_s=opened_at - minted,
        errors=errors[:20],
    )


# --------------------------------------------------------------------------- running and reporting


R = TypeVar("R", "ChatResult", "IdleResult")


def run_server(
    runner: asyncio.Runner,
    context: contextlib.AbstractContextManager[Server],
    work: Callable[[Server], Coroutine[Any, Any, R]],
) -> R:
    """Start a server, run the async work against it, stop it; note the time and its stderr."""
    started = time.perf_counter()
    with context as server:
        result = runner.run(work(server))
        errors = list(result.errors)
        errors += server.exited()
        stderr = server.stderr_tail()
    run_s = time.perf_counter() - started
    return replace(result, run_s=run_s, server_stderr=stderr, errors=errors)


def ports(opts: Options) -> tuple[int, int]:
    if opts.port is not None:
        return opts.port, opts.port + 1
    return free_port(), free_port()


def run_chat(runner: asyncio.Runner, opts: Options) -> dict[str, Any]:
    livedesk_port, baseline_port = ports(opts)
    log(f"livedesk: {opts.conversations} conversations, {opts.warmup:g}+{opts.duration:g} s ...")
    results = [
        run_server(
            runner,
            livedesk_server(livedesk_port, opts.conversations, opts.database_url),
            partial(chat_load, opts=opts),
        )
    ]
    if not opts.skip_baseline:
        log("baseline: same workload ...")
        results.append(
            run_server(runner, baseline_server(baseline_port), partial(chat_load, opts=opts))
        )
    report: dict[str, Any] = {"results": [asdict(r) for r in results]}
    print_chat_table(results)
    if len(results) == 2:
        report["ratios"] = ratios(results[0], results[1])
        print_ratios(report["ratios"])
    print_problems(results)
    report["ok"] = all(not r.errors and r.messages > 0 for r in results)
    return report


def run_scale(runner: asyncio.Runner, opts: Options) -> dict[str, Any]:
    """One SQLite process, one PostgreSQL process, then N PostgreSQL + Redis processes behind
    nginx for each N of --scale: the same load on each, in one run; --rounds times over, so
    that each round's ratios compare servers measured minutes apart."""
    assert opts.database_url is not None and opts.redis_url is not None
    c = opts.conversations
    rounds: list[dict[str, Any]] = []
    for number in range(1, opts.rounds + 1):
        round_label = f"round {number}/{opts.rounds}: " if opts.rounds > 1 else ""
        plans: list[tuple[str, contextlib.AbstractContextManager[Server]]] = [
            ("sqlite, 1 process", livedesk_server(free_port(), c)),
            ("postgresql, 1 process", livedesk_server(free_port(), c, opts.database_url)),
        ]
        plans += [
            (
                f"postgresql + redis, {n} behind nginx",
                livedesk_cluster(n, c, opts.database_url, opts.redis_url),
            )
            for n in opts.scale
        ]
        results = []
        for label, context in plans:
            log(f"{round_label}{label}: {c} conversations, {opts.warmup:g}+{opts.duration:g} s ...")
            results.append(run_server(runner, context, partial(chat_load, opts=opts)))
        print_scale_table(results)
        figures = scale_figures(results, opts.scale)
        for line in figures["lines"]:
            print(line)
        print_problems(results)
        rounds.append(
            {
                "results": [asdict(r) for r in results],
                "figures": figures["values"],
                "ok": all(not r.errors and r.messages > 0 for r in results),
            }
        )
    if len(rounds) == 1:
        return rounds[0]
    ranges = figure_ranges([r["figures"] for r in rounds])
    print(f"\nover {len(rounds)} rounds (lowest, median, highest):")
    for name, (low, median, high) in ranges.items():
        print(f"  {name}: {low:.2f}, {median:.2f}, {high:.2f}")
    return {
        "rounds": rounds,
        "ranges": ranges,
        "ok": all(r["ok"] for r in rounds),
    }


def figure_ranges(figures: list[dict[str, float | None]]) -> dict[str, tuple[float, float, float]]:
    """Each figure's lowest, median and highest value over the rounds that have it."""
    ranges = {}
    for name in figures[0]:
        values = sorted(v for f in figures if (v := f.get(name)) is not None)
        if values:
            ranges[name] = (values[0], statistics.median(values), values[-1])
    return ranges


def scale_figures(results: list[ChatResult], scale: tuple[int, ...]) -> dict[str, Any]:
    """PostgreSQL against SQLite (one process each), and each N's messages per CPU-second
    against one process's behind nginx."""
    sqlite, postgresql, *clusters = results
    values: dict[str, float | None] = {
        "postgresql_vs_sqlite": postgresql.msg_per_s / sqlite.msg_per_s
        if sqlite.msg_per_s
        else None
    }
    lines = [
        f"\nPostgreSQL / SQLite, one process: {values['postgresql_vs_sqlite'] or 0:.2f}x msg/s"
    ]
    base = next((r for n, r in zip(scale, clusters, strict=True) if n == 1), None)
    for n, r in zip(scale, clusters, strict=True):
        if base is None or r is base or not base.msg_per_cpu_s:
            continue
        ratio = r.msg_per_cpu_s / base.msg_per_cpu_s
        values[f"per_cpu_second_{n}_vs_1"] = ratio
        lines.append(
            f"{n} processes / 1, messages per CPU-second: {ratio:.2f}x "
            f"(msg/s {r.msg_per_s / base.msg_per_s:.2f}x)"
        )
    return {"values": values, "lines": lines}


def print_scale_table(results: list[ChatResult]) -> None:
    header = [
        "server", "processes", "messages", "msg/s", "p50 ms", "p99 ms", "lost", "errors",
        "LiveDesk CPU", "msg/CPU-s", "client CPU", "PostgreSQL", "Redis", "nginx", "machine",
    ]  # fmt: skip
    rows = [
        [
            *_load_cells(r, r.processes),
            f"{r.msg_per_cpu_s:.0f}",
            f"{r.client_cpu_pct:.0f}%",
            *(f"{r.neighbours_cpu_pct.get(n, 0):.0f}%" for n in (*NEIGHBOURS, "machine")),
        ]
        for r in results
    ]
    print()
    print_table(header, rows)
    print_buckets(results)


def ratios(livedesk: ChatResult, baseline: ChatResult) -> dict[str, float | None]:
    def ratio(a: float, b: float) -> float | None:
        return a / b if b else None

    return {
        "throughput": ratio(livedesk.msg_per_s, baseline.msg_per_s),
        "p50_latency": ratio(livedesk.p50_ms, baseline.p50_ms),
        "p99_latency": ratio(livedesk.p99_ms, baseline.p99_ms),
    }


def format_row(cells: list[str], widths: list[int]) -> str:
    """First column left-aligned, the others right-aligned."""
    return "  ".join(
        cell.rjust(width) if i else cell.ljust(width)
        for i, (cell, width) in enumerate(zip(cells, widths, strict=True))
    )


def print_table(header: list[str], rows: list[list[str]]) -> None:
    widths = [max(len(h), *(len(r[i]) for r in rows)) for i, h in enumerate(header)]
    print(format_row(header, widths))
    print("  ".join("-" * w for w in widths))
    for row in rows:
        print(format_row(row, widths))


def _load_cells(r: ChatResult, second: int) -> list[str]:
    """server, `second` (conversations or processes), messages, msg/s, p50, p99, lost, errors,
    server CPU: the columns both tables begin with."""
    return [
        r.server,
        str(second),
        str(r.messages),
        f"{r.msg_per_s:.1f}",
        f"{r.p50_ms:.2f}",
        f"{r.p99_ms:.2f}",
        str(r.lost),
        str(len(r.errors)),
        f"{r.server_cpu_pct:.0f}%",
    ]


def print_chat_table(results: list[ChatResult]) -> None:
    header = [
        "server", "conversations", "messages", "msg/s", "p50 ms", "p99 ms",
        "lost", "errors", "server CPU", "client CPU", "run s",
    ]  # fmt: skip
    rows = [
        [
            *_load_cells(r, r.conversations),
            f"{r.client_cpu_pct:.0f}%",
            f"{r.run_s:.1f}",
        ]
        for r in results
    ]
    print()
    print_table(header, rows)
    print_buckets(results)


def print_buckets(results: list[ChatResult]) -> None:
    for r in results:
        if r.buckets:
            pieces = " → ".join(f"{rate:,.0f}/{p99:.0f}" for rate, p99 in r.buckets)
            print(f"{r.server}, each {BUCKET_SECONDS:.0f} s (msg/s / p99 ms): {pieces}")


def print_ratios(r: dict[str, float | None]) -> None:
    def show(value: float | None) -> str:
        return "n/a" if value is None else f"{value:.2f}x"

    print()
    print("LiveDesk / baseline:")
    print(f"  throughput   {show(r['throughput'])}   (below 1: LiveDesk moves fewer msg/s)")
    print(f"  p50 latency  {show(r['p50_latency'])}   (above 1: LiveDesk is slower)")
    print(f"  p99 latency  {show(r['p99_latency'])}")


def print_problems(results: list[ChatResult] | list[IdleResult]) -> None:
    for r in results:
        for error in r.errors:
            print(f"! {r.server}: {error}")
        if r.server_stderr:
            print(f"! {r.server} wrote to stderr:\n{r.server_stderr}")
        if isinstance(r, ChatResult) and r.customer_echoes < r.accepted - r.conversations:
            print(
                f"! {r.server}: only {r.customer_echoes} CONVERSATION_MESSAGE echoes on customer "
                f"streams for {r.accepted} accepted messages"
            )


def run_idle(runner: asyncio.Runner, opts: Options, n: int) -> dict[str, Any]:
    livedesk_port, _ = ports(opts)
    log(f"livedesk: opening {n} idle customer streams ...")
    result = run_server(
        runner, livedesk_server(livedesk_port, 1), partial(idle_streams, opts=opts, n=n)
    )
    header = ["server", "streams", "tokens", "RSS before KB", "RSS after KB", "KB/stream", "run s"]
    row = [
        result.server,
        f"{result.streams_opened}/{result.streams_requested}",
        str(result.tokens),
        str(result.rss_before_kb),
        str(result.rss_after_kb),
        f"{result.kb_per_stream:.2f}",
        f"{result.run_s:.1f}",
    ]
    print()
    print_table(header, [row])
    print(f"(minting tokens {result.mint_s:.1f} s, opening streams {result.open_s:.1f} s)")
    print_problems([result])
    ok = not result.errors and result.streams_opened == n
    return {"idle_streams": asdict(result), "ok": ok}


def event_loop_factory() -> Callable[[], asyncio.AbstractEventLoop] | None:
    try:
        import uvloop
    except ImportError:
        return None
    factory: Callable[[], asyncio.AbstractEventLoop] = uvloop.new_event_loop
    return factory


def main(argv: list[str] | None = None) -> int:
    opts = parse_args(argv)
    nofile = raise_nofile_limit()
    loop_factory = event_loop_factory()
    started = time.perf_counter()
    try:
        with asyncio.Runner(loop_factory=loop_factory) as runner:
            if opts.idle_streams is not None:
                report = run_idle(runner, opts, opts.idle_streams)
            elif opts.scale:
                report = run_scale(runner, opts)
            else:
                report = run_chat(runner, opts)
    except (BenchError, HttpError, OSError, EOFError) as exc:
        log(f"benchmark failed: {exc!r}")
        if opts.json_path is not None:
            opts.json_path.write_text(json.dumps({"ok": False, "error": repr(exc)}) + "\n")
        return 1
    report["options"] = {k: str(v) if isinstance(v, Path) else v for k, v in asdict(opts).items()}
    report["client"] = {"event_loop": "uvloop" if loop_factory else "asyncio", "nofile": nofile}
    report["total_s"] = time.perf_counter() - started
    print(f"\ntotal {report['total_s']:.1f} s, client loop {report['client']['event_loop']}")
    if opts.json_path is not None:
        opts.json_path.write_text(json.dumps(report, indent=2) + "\n")
    return 0 if report["ok"] else 1


if __name__ == "__main__":
    sys.exit(main())
