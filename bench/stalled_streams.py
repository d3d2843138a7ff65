"""Slow and stalled clients: event streams that never read, while other customers chat.

One LiveDesk server (a subprocess on 127.0.0.1, fresh data folder), three phases in one run:

1. `before`: C conversations chat, exactly as in `chat_load.py` (each customer sends its next
   message once the last one reached its agent's stream); latency is POST written → entry read
   on the agent stream.
2. `stalled`: N more customer streams are open and never read (S customers, N/S streams each,
   every one on a socket with a 4 KiB receive buffer), and a feeder posts large messages in
   those S conversations, so every stalled stream has more coming than its buffers take. When
   the server drops a stalled stream (a reset or an end seen in the socket's TCP state, never by
   reading), its client opens it again, and again never reads. The same C conversations chat.
3. `after`: the stalled clients and the feeder are gone; the C conversations chat again.

Throughout, the server's resident memory (VmRSS) and the machine's TCP buffer memory
(/proc/net/sockstat) are sampled every second. The chat clients' p50/p99 of the three phases come
from the same server process, so the comparison does not depend on how busy the (shared)
machine was on another day.

    .venv/bin/python bench/stalled_streams.py                       # 1,000 stalled streams
    .venv/bin/python bench/stalled_streams.py --stalled 200 --phase 20 --stalled-phase 60
    .venv/bin/python bench/stalled_streams.py --stalled-read        # control: they do read

The chat client and the server plumbing are `chat_load.py`'s, imported.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import socket
import struct
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import AsyncExitStack
from dataclasses import asdict, dataclass, field
from functools import partial
from pathlib import Path
from typing import Any

from chat_load import (
    HOST,
    MIAW,
    NO_RATE_LIMITS,
    ORG_ID,
    REPO_DIR,
    SETUP_CONCURRENCY,
    BenchError,
    Conversation,
    CpuSample,
    Server,
    Tally,
    Window,
    agent_stream_headers,
    bounded,
    call,
    converse,
    cpu_percent,
    customer_stream_headers,
    drain_customer_stream,
    event_loop_factory,
    free_port,
    livedesk_command,
    log,
    neighbours_percent,
    open_stream,
    password_hash,
    percentile,
    print_table,
    raise_nofile_limit,
    read_agent_stream,
    rss_kb,
    setup_conversation,
    spawned,
    wait_healthy,
)
from rawhttp import Connection, HttpError

STALLED_DEPLOYMENT = "Stalled_Chat"  # its queue has no agents: nothing else happens to them
TCP_INFO_STATE_ESTABLISHED = 1
RECEIVE_BUFFER = 4096  # the stalled clients' sockets: the server cannot park much with them
OPEN_CONCURRENCY = 100
FEED_TEXT_CHARS = 10_000  # the largest message LiveDesk takes
WINDOW = 10.0  # seconds per slice of the p99 timeline
METRICS = ("livedesk_sse_slow_streams_closed_total", "livedesk_sse_streams_stalled")


@dataclass(frozen=True)
class Options:
    conversations: int
    stalled: int
    streams_per_customer: int
    phase: float
    stalled_phase: float
    warmup: float
    fill: float
    feed_rate: float
    stalled_read: bool
    sample: float
    port: int | None
    json_path: Path | None
    server_env: dict[str, str]


def parse_args(argv: list[str] | None) -> Options:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("-c", "--conversations", type=int, default=50, help="chatting (default 50)")
    p.add_argument("--stalled", type=int, default=1000, help="streams that never read (1000)")
    p.add_argument(
        "--streams-per-customer", type=int, default=10, help="stalled streams per customer (10)"
    )
    p.add_argument("--phase", type=float, default=20.0, help="seconds of `before` and `after`")
    p.add_argument(
        "--stalled-phase", type=float, default=90.0, help="seconds of `stalled` (default 90)"
    )
    p.add_argument("--warmup", type=float, default=2.0, help="unmeasured seconds per phase")
    p.add_argument(
        "--fill",
        type=float,
        default=60.0,
        help="at most this long for the stalled streams to stall before `stalled` is measured",
    )
    p.add_argument(
        "--feed-rate", type=float, default=50.0, help="large messages/s into stalled conversations"
    )
    p.add_argument(
        "--stalled-read",
        action="store_true",
        help="control run: the N streams read (and drop) what they get",
    )
    p.add_argument("--sample", type=float, default=1.0, help="seconds between RSS samples")
    p.add_argument("--port", type=int, help="LiveDesk's port (default: a free one)")
    p.add_argument("--json", type=Path, metavar="PATH", help="also write the results as JSON")
    p.add_argument(
        "--server-env",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="environment of the server, e.g. LIVEDESK_STREAMS__WRITE_TIMEOUT_SECONDS=10",
    )
    a = p.parse_args(argv)
    if min(a.conversations, a.stalled, a.streams_per_customer) < 1 or a.feed_rate <= 0:
        p.error("need positive --conversations, --stalled, --streams-per-customer, --feed-rate")
    env = dict(item.split("=", 1) for item in a.server_env)
    return Options(
        conversations=a.conversations,
        stalled=a.stalled,
        streams_per_customer=a.streams_per_customer,
        phase=a.phase,
        stalled_phase=a.stalled_phase,
        warmup=a.warmup,
        fill=a.fill,
        feed_rate=a.feed_rate,
        stalled_read=a.stalled_read,
        sample=a.sample,
        port=a.port,
        json_path=a.json,
        server_env=env,
    )


# --------------------------------------------------------------------------- the server


def org_yaml(agents: int, stalled_customers: int) -> str:
    hashed = json.dumps(password_hash())
    lines = [
        f"org: {{id: {ORG_ID}, name: Bench}}",
        "deployments:",
        "  - {developer_name: Web_Chat, queue: General}",
        f"  - {{developer_name: {STALLED_DEPLOYMENT}, queue: Unstaffed}}",
        "queues:",
        "  - {name: General}",
        f"  - {{name: Unstaffed, max_waiting: {stalled_customers + 10}}}",
        "agents:",
    ]
    lines.extend(
        f"  - {{username: bench{i}, display_name: Bench {i}, password_hash: {hashed}, "
        "capacity: 100, queues: [General]}"
        for i in range(agents)
    )
    return "\n".join(lines) + "\n"


@contextlib.contextmanager
def livedesk_server(port: int, opts: Options) -> Iterator[Server]:
    customers = -(-opts.stalled // opts.streams_per_customer)
    with tempfile.TemporaryDirectory(prefix="livedesk-stalled-") as tmp:
        workdir = Path(tmp)
        data_dir = workdir / "data"
        org_file = workdir / "org.yaml"
        org_file.write_text(org_yaml(opts.conversations, customers))
        cmd = [livedesk_command(), "apply", str(org_file), "--data-dir", str(data_dir)]
        done = subprocess.run(cmd, capture_output=True, text=True, cwd=REPO_DIR, check=False)
        if done.returncode != 0:
            raise BenchError(f"livedesk apply failed:\n{done.stdout}{done.stderr}")
        serve = [livedesk_command(), "serve", "--data-dir", str(data_dir), "--port", str(port)]
        env = {**NO_RATE_LIMITS, **opts.server_env}
        with spawned("livedesk", serve, port, workdir, env=env) as server:
            yield server


def tcp_memory_kb() -> int:
    """The machine's TCP buffer memory (all sockets), from /proc/net/sockstat (in pages)."""
    for line in Path("/proc/net/sockstat").read_text().splitlines():
        if line.startswith("TCP:"):
            parts = line.split()
            return int(parts[parts.index("mem") + 1]) * 4
    return 0


async def scrape(port: int) -> dict[str, float]:
    """The stream metrics this benchmark is about (absent from servers that lack them)."""
    conn = Connection(HOST, port)
    try:
        response = await conn.request("GET", "/metrics")
    finally:
        await conn.close()
    found: dict[str, float] = {}
    for line in response.body.decode().splitlines():
        name, _, value = line.partition(" ")
        if name in METRICS:
            found[name] = float(value)
    return found


# --------------------------------------------------------------------------- stalled clients


@dataclass
class StalledCustomer:
    token: str
    conversation_id: str
    conn: Connection


class TimedLatencies(list[float]):
    """`Tally.latencies` that also notes when each was added (≈ when the message arrived)."""

    def __init__(self) -> None:
        super().__init__()
        self.at: list[float] = []

    def append(self, latency: float) -> None:
        self.at.append(time.perf_counter())
        super().append(latency)


@dataclass
class StalledCounts:
    opened: int = 0
    dropped: int = 0  # streams the server ended while their client was not reading
    dropped_at: list[tuple[float, int]] = field(default_factory=list)
    open_errors: list[str] = field(default_factory=list)
    feed_posts: int = 0
    feed_errors: list[str] = field(default_factory=list)


class StalledStream:
    """A raw socket that asks for a customer stream and never reads it (or, in the control run,
    reads and drops everything)."""

    def __init__(self, port: int, token: str, reading: bool) -> None:
        self.port = port
        self.token = token
        self.reading = reading
        self.sock: socket.socket | None = None
        self.reader: asyncio.Task[None] | None = None

    async def open(self) -> None:
        loop = asyncio.get_running_loop()
        sock = socket.socket()
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, RECEIVE_BUFFER)
        sock.setblocking(False)
        try:
            await loop.sock_connect(sock, (HOST, self.port))
            headers = "".join(
                f"{k}: {v}\r\n" for k, v in customer_stream_headers(self.token).items()
            )
            request = f"GET /eventrouter/v1/sse HTTP/1.1\r\nHost: {HOST}\r\n{headers}\r\n"
            await loop.sock_sendall(sock, request.encode())
        except BaseException:
            sock.close()
            raise
        self.sock = sock
        if self.reading:
            self.reader = asyncio.create_task(self._read_and_drop(sock))

    async def _read_and_drop(self, sock: socket.socket) -> None:
        loop = asyncio.get_running_loop()
        with contextlib.suppress(OSError):
            while await loop.sock_recv(sock, 65536):
                pass

    def alive(self) -> bool:
        """Still established, asked without reading: a reset or an end shows in TCP_INFO."""
        if self.sock is None:
            return False
        info = self.sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_INFO, 8)
        return struct.unpack("B", info[:1])[0] == TCP_INFO_STATE_ESTABLISHED

    def close(self) -> None:
        if self.reader is not None:
            self.reader.cancel()
        if self.sock is not None:
            self.sock.close()
            self.sock = None


async def setup_stalled_customer(stack: AsyncExitStack, port: int) -> StalledCustomer:
    conn = await Connection(HOST, port).connect()
    stack.push_async_callback(conn.close)
    body = {
        "orgId": ORG_ID,
        "esDeveloperName": STALLED_DEPLOYMENT,
        "capabilitiesVersion": "1",
        "platform": "Web",
    }
    path = f"{MIAW}/authorization/unauthenticated/access-token"
    token: str = (await call(conn, "POST", path, 200, body=body))["accessToken"]
    conversation_id = str(uuid.uuid4())
    created = {"conversationId": conversation_id, "esDeveloperName": STALLED_DEPLOYMENT}
    await call(conn, "POST", f"{MIAW}/conversation", 201, token, created)
    return StalledCustomer(token, conversation_id, conn)


async def feed(customers: list[StalledCustomer], rate: float, counts: StalledCounts) -> None:
    """Large messages into the stalled customers' conversations, round robin, at `rate`/s: their
    echoes are what the stalled streams are sent."""
    text = "x" * FEED_TEXT_CHARS
    started = time.perf_counter()
    n = 0
    while True:
        customer = customers[n % len(customers)]
        message = {
            "message": {
                "id": str(uuid.uuid4()),
                "messageType": "StaticContentMessage",
                "staticContent": {"formatType": "Text", "text": text},
            },
            "esDeveloperName": STALLED_DEPLOYMENT,
        }
        path = f"{MIAW}/conversation/{customer.conversation_id}/message"
        try:
            await call(customer.conn, "POST", path, 202, customer.token, message)
            counts.feed_posts += 1
        except (OSError, EOFError, HttpError) as exc:
            counts.feed_errors.append(repr(exc))
            await customer.conn.close()  # the next post opens a new connection
        n += 1
        await asyncio.sleep(max(0.0, started + n / rate - time.perf_counter()))  # the pace


async def keep_stalled(
    streams: list[StalledStream], counts: StalledCounts, every: float = 0.5
) -> None:
    """Open again every stalled stream the server dropped (it never reads either)."""
    while True:
        await asyncio.sleep(every)
        gone = [s for s in streams if not s.alive()]
        counts.dropped += len(gone)
        if gone:
            counts.dropped_at.append((time.perf_counter(), len(gone)))
        for s in gone:
            s.close()
        await bounded(OPEN_CONCURRENCY, [partial(reopen, s, counts) for s in gone])


async def reopen(stream: StalledStream, counts: StalledCounts) -> None:
    try:
        await stream.open()
        counts.opened += 1
    except OSError as exc:
        counts.open_errors.append(repr(exc))


# --------------------------------------------------------------------------- measuring


@dataclass
class Sample:
    t: float
    phase: str
    rss_kb: int
    tcp_kb: int


@dataclass
class PhaseResult:
    phase: str
    messages: int
    msg_per_s: float
    p50_ms: float
    p99_ms: float
    max_ms: float
    lost: int
    errors: list[str]
    server_cpu_pct: float
    client_cpu_pct: float
    others_cpu_pct: float  # the rest of the (shared) machine, in % of one core
    rss_start_kb: int
    rss_max_kb: int
    rss_end_kb: int
    tcp_max_kb: int
    metrics: dict[str, float]
    windows: list[tuple[float, int, float]]  # (start s into the window, messages, p99 ms)
    measured_from: float  # perf_counter() at the start of the measured window


class Sampler:
    def __init__(self, pid: int, every: float) -> None:
        self.pid = pid
        self.every = every
        self.phase = "setup"
        self.samples: list[Sample] = []
        self.started = time.perf_counter()

    async def run(self) -> None:
        while True:
            self.take()
            await asyncio.sleep(self.every)

    def take(self) -> Sample:
        sample = Sample(
            time.perf_counter() - self.started, self.phase, rss_kb(self.pid), tcp_memory_kb()
        )
        self.samples.append(sample)
        return sample

    def of(self, phase: str) -> list[Sample]:
        return [s for s in self.samples if s.phase == phase]


async def chat_phase(
    name: str,
    conversations: list[Conversation],
    pending: dict[str, asyncio.Future[float]],
    sampler: Sampler,
    server: Server,
    duration: float,
    warmup: float,
) -> PhaseResult:
    """One window of chat_load's closed loop, on the conversations and streams already open."""
    sampler.phase = name
    first_sample = sampler.take()
    timed = TimedLatencies()
    tally = Tally(latencies=timed)
    start = time.perf_counter()
    window = Window(start + warmup, start + warmup + duration)
    workers = [asyncio.create_task(converse(c, pending, window, tally)) for c in conversations]
    await asyncio.sleep(warmup)  # the fixed warm-up
    cpu_first = CpuSample.take([server.proc.pid])
    await asyncio.sleep(duration)  # the measurement window
    cpu_last = CpuSample.take([server.proc.pid])
    client_cpu, server_cpu = cpu_percent(cpu_first, cpu_last)
    machine_cpu = neighbours_percent(cpu_first, cpu_last)["machine"]
    await asyncio.gather(*workers)
    last_sample = sampler.take()
    samples = sampler.of(name)
    latencies = sorted(tally.latencies)
    return PhaseResult(
        phase=name,
        messages=len(latencies),
        msg_per_s=len(latencies) / duration,
        p50_ms=1000 * percentile(latencies, 50),
        p99_ms=1000 * percentile(latencies, 99),
        max_ms=1000 * latencies[-1] if latencies else 0.0,
        lost=tally.lost,
        errors=tally.errors[:20],
        server_cpu_pct=server_cpu,
        client_cpu_pct=client_cpu,
        others_cpu_pct=max(0.0, machine_cpu - server_cpu - client_cpu),
        rss_start_kb=first_sample.rss_kb,
        rss_max_kb=max(s.rss_kb for s in samples),
        rss_end_kb=last_sample.rss_kb,
        tcp_max_kb=max(s.tcp_kb for s in samples),
        metrics=await scrape(server.port),
        windows=windows_of(timed, window, WINDOW),
        measured_from=window.warm_end,
    )


def windows_of(
    timed: TimedLatencies, window: Window, width: float
) -> list[tuple[float, int, float]]:
    """p99 of the latencies of each `width`-second slice of the measured window."""
    slices: dict[int, list[float]] = {}
    for at, latency in zip(timed.at, timed, strict=True):
        if window.warm_end <= at < window.end:
            slices.setdefault(int((at - window.warm_end) // width), []).append(latency)
    return [
        (k * width, len(v), 1000 * percentile(sorted(v), 99)) for k, v in sorted(slices.items())
    ]


async def await_stalled(port: int, want: int, fill: float) -> float:
    """Poll the server's metrics until `want` streams wait on a write (or `fill` seconds)."""
    started = time.perf_counter()
    while time.perf_counter() - started < fill:
        metrics = await scrape(port)
        if metrics.get("livedesk_sse_streams_stalled", 0) >= want:
            break
        await asyncio.sleep(1.0)  # a probe interval, not a wait for an event
    return time.perf_counter() - started


async def run(server: Server, opts: Options) -> dict[str, Any]:
    await wait_healthy(server)
    sampler = Sampler(server.proc.pid, opts.sample)
    sampling = asyncio.create_task(sampler.run())
    counts = StalledCounts()
    phases: list[PhaseResult] = []
    background: list[asyncio.Task[None]] = [sampling]
    async with AsyncExitStack() as stack:
        conversations = await bounded(
            SETUP_CONCURRENCY,
            [partial(setup_conversation, stack, server.port, i) for i in range(opts.conversations)],
        )
        pending: dict[str, asyncio.Future[float]] = {}
        readers = Tally()
        for i, c in enumerate(conversations):
            agent = await open_stream(
                stack, server.port, "/api/v1/agent/stream", agent_stream_headers(c.agent_token)
            )
            customer = await open_stream(
                stack, server.port, "/eventrouter/v1/sse", customer_stream_headers(c.customer_token)
            )
            background.append(asyncio.create_task(read_agent_stream(agent, i, pending, readers)))
            background.append(asyncio.create_task(drain_customer_stream(customer, i, readers)))
        try:
            log(f"before: {opts.conversations} conversations chat for {opts.phase:g} s ...")
            chat = partial(
                chat_phase,
                conversations=conversations,
                pending=pending,
                sampler=sampler,
                server=server,
                warmup=opts.warmup,
            )
            phases.append(await chat("before", duration=opts.phase))

            sampler.phase = "filling"
            n_customers = -(-opts.stalled // opts.streams_per_customer)
            customers = await bounded(
                SETUP_CONCURRENCY,
                [partial(setup_stalled_customer, stack, server.port) for _ in range(n_customers)],
            )
            streams = [
                StalledStream(
                    server.port, customers[i // opts.streams_per_customer].token, opts.stalled_read
                )
                for i in range(opts.stalled)
            ]
            await bounded(OPEN_CONCURRENCY, [partial(reopen, s, counts) for s in streams])
            feeder = asyncio.create_task(feed(customers, opts.feed_rate, counts))
            keeper = asyncio.create_task(keep_stalled(streams, counts))
            what = "reading" if opts.stalled_read else "stalled"
            log(f"{counts.opened} {what} streams open; the feeder posts {opts.feed_rate:g} msg/s")
            if not opts.stalled_read:
                filled = await await_stalled(server.port, int(0.9 * opts.stalled), opts.fill)
                log(f"filled in {filled:.0f} s; chat for {opts.stalled_phase:g} s ...")
            phases.append(await chat("stalled", duration=opts.stalled_phase))
            for task in (feeder, keeper):
                task.cancel()
            await asyncio.gather(feeder, keeper, return_exceptions=True)
            for s in streams:
                s.close()

            log(f"after: chat for {opts.phase:g} s ...")
            phases.append(await chat("after", duration=opts.phase))
        finally:
            for task in background:
                task.cancel()
            await asyncio.gather(*background, return_exceptions=True)
    return {
        "phases": [asdict(p) for p in phases],
        "stalled": asdict(counts) | {"open_errors": counts.open_errors[:20]},
        "reader_errors": readers.errors[:20],
        "samples": [asdict(s) for s in sampler.samples],
    }


# --------------------------------------------------------------------------- reporting


def print_report(report: dict[str, Any], opts: Options) -> None:
    header = [
        "phase", "messages", "msg/s", "p50 ms", "p99 ms", "max ms", "lost", "server CPU",
        "client CPU", "others CPU", "RSS start MB", "RSS max MB", "RSS end MB", "TCP mem MB",
    ]  # fmt: skip
    rows = [
        [
            p["phase"],
            str(p["messages"]),
            f"{p['msg_per_s']:.0f}",
            f"{p['p50_ms']:.1f}",
            f"{p['p99_ms']:.1f}",
            f"{p['max_ms']:.0f}",
            str(p["lost"]),
            f"{p['server_cpu_pct']:.0f}%",
            f"{p['client_cpu_pct']:.0f}%",
            f"{p['others_cpu_pct']:.0f}%",
            f"{p['rss_start_kb'] / 1024:.0f}",
            f"{p['rss_max_kb'] / 1024:.0f}",
            f"{p['rss_end_kb'] / 1024:.0f}",
            f"{p['tcp_max_kb'] / 1024:.0f}",
        ]
        for p in report["phases"]
    ]
    print()
    print_table(header, rows)
    s = report["stalled"]
    what = "reading (control)" if opts.stalled_read else "stalled"
    print(
        f"\n{opts.stalled} {what} streams: {s['opened']} opened, {s['dropped']} dropped by the "
        f"server; feeder {s['feed_posts']} posts"
    )
    for p in report["phases"]:
        if p["metrics"]:
            shown = ", ".join(f"{k} {v:g}" for k, v in p["metrics"].items())
            print(f"  after {p['phase']}: {shown}")
    for p in report["phases"]:
        if p["phase"] != "stalled":
            continue
        drops = [(at - p["measured_from"], n) for at, n in s["dropped_at"]]
        print(f"\n`stalled` in {WINDOW:g} s slices: p99 ms (messages, stalled streams dropped)")
        cells = []
        for start, messages, p99 in p["windows"]:
            dropped = sum(n for t, n in drops if start <= t < start + WINDOW)
            cells.append(f"{p99:.0f} ({messages}, {dropped})")
        print("  " + " ".join(cells))
    print("\nRSS over time (MB, every 5 s; phase at the first sample of each):")
    line: list[str] = []
    last_phase = ""
    next_t = 0.0
    for sample in report["samples"]:
        if sample["t"] < next_t:
            continue
        next_t = sample["t"] + 5
        mark = f"[{sample['phase']}] " if sample["phase"] != last_phase else ""
        last_phase = sample["phase"]
        line.append(f"{mark}{sample['rss_kb'] / 1024:.0f}")
    print("  " + " ".join(line))
    problems = (
        [e for p in report["phases"] for e in p["errors"]]
        + s["open_errors"]
        + s["feed_errors"][:5]
        + report["reader_errors"]
    )
    for problem in problems:
        print(f"! {problem}")


def main(argv: list[str] | None = None) -> int:
    opts = parse_args(argv)
    raise_nofile_limit()
    port = opts.port or free_port()
    started = time.perf_counter()
    try:
        with (
            asyncio.Runner(loop_factory=event_loop_factory()) as runner,
            livedesk_server(port, opts) as server,
        ):
            report = runner.run(run(server, opts))
            if (code := server.proc.poll()) is not None:
                raise BenchError(f"the server exited with {code} during the run")
            report["server_stderr"] = server.stderr_tail()
    except (BenchError, HttpError, OSError, EOFError) as exc:
        log(f"benchmark failed: {exc!r}")
        return 1
    report["options"] = {k: str(v) if isinstance(v, Path) else v for k, v in asdict(opts).items()}
    report["total_s"] = time.perf_counter() - started
    print_report(report, opts)
    if report["server_stderr"]:
        print(f"! the server wrote to stderr:\n{report['server_stderr']}")
    print(f"\ntotal {report['total_s']:.0f} s")
    if opts.json_path is not None:
        opts.json_path.write_text(json.dumps(report, indent=2) + "\n")
    ok = all(p["messages"] > 0 and not p["errors"] for p in report["phases"])
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
