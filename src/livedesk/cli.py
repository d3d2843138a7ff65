"""The `livedesk` command."""

from __future__ import annotations

import asyncio
import os
import signal
from collections.abc import Callable
from pathlib import Path
from types import FrameType
from typing import TYPE_CHECKING, Annotated, Any, NoReturn

import typer
from pydantic import ValidationError

from livedesk import __version__
from livedesk.config import Settings

if TYPE_CHECKING:
    from rich.table import Table

    from livedesk.reports.schemas import AgentReport, SessionReport, Summary, SummaryRowOut

app = typer.Typer(help="LiveDesk: a self-hosted live-chat contact center.", no_args_is_help=True)
db_app = typer.Typer(help="Database commands.", no_args_is_help=True)
app.add_typer(db_app, name="db")

DataDir = Annotated[
    Path | None,
    typer.Option(
        "--data-dir", help="Folder for the SQLite file, uploaded files and the signing key."
    ),
]


def _settings(data_dir: Path | None, **overrides: object) -> Settings:
    """The settings from the environment; a wrong one is refused with its variable's name."""
    if data_dir is not None:
        os.environ["LIVEDESK_DATA_DIR"] = str(data_dir)
    try:
        settings = Settings()
    except ValidationError as exc:
        lines = [
            f"  LIVEDESK_{'__'.join(str(part) for part in error['loc']).upper()}: {error['msg']}"
            for error in exc.errors()
        ]
        _refuse("\n".join(["The environment holds a setting LiveDesk cannot use:", *lines]))
    return settings.model_copy(update=overrides) if overrides else settings


@app.command()
def serve(
    demo: Annotated[
        bool, typer.Option("--demo", help="Load the demo org (src/livedesk/setup/demo.yaml).")
    ] = False,
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.")] = 8080,
    data_dir: DataDir = None,
    log_level: Annotated[
        str, typer.Option(help="debug, info (one line per request), warning or error.")
    ] = "warning",
    log_format: Annotated[
        str, typer.Option(help="text, or json: one JSON object per line.")
    ] = "text",
    workers: Annotated[
        int,
        typer.Option(
            help="Processes sharing the port (PostgreSQL and Redis only; see the deployment "
            "guide in the README)."
        ),
    ] = 1,
    graceful_seconds: Annotated[
        int,
        typer.Option(
            help="On SIGTERM (or Ctrl+C): how long the requests under way may take to finish "
            "before they are cut off. Event streams end at once; their clients resume."
        ),
    ] = 10,
    forwarded_allow_ips: Annotated[
        str,
        typer.Option(
            help="Addresses of the reverse proxies whose X-Forwarded-For and X-Forwarded-Proto "
            "are trusted, comma-separated (e.g. 127.0.0.1): the client's address then comes "
            "from them (rate limits count per client, not per proxy). Default: none."
        ),
    ] = "",
) -> None:
    """Run the server (migrations run first, unless LIVEDESK_MIGRATE_ON_START=false)."""
    if log_format not in ("text", "json"):
        raise typer.BadParameter("use text or json", param_hint="--log-format")
    if log_level.lower() not in ("debug", "info", "warning", "error", "critical"):
        raise typer.BadParameter("use debug, info, warning or error", param_hint="--log-level")
    if not 1 <= workers <= 64:
        raise typer.BadParameter("from 1 to 64", param_hint="--workers")
    if not 0 <= graceful_seconds <= 3600:
        raise typer.BadParameter("from 0 to 3600", param_hint="--graceful-seconds")
    import uvicorn

    from livedesk.app import create_app
    from livedesk.kit.heap import freeze_startup_objects
    from livedesk.ops import logs

    settings = _settings(data_dir)
    settings = settings.model_copy(update={"demo": demo or settings.demo})
    if workers > 1:
        _check_workers(settings)
    if not settings.migrate_on_start:
        _check_schema(settings)
    base = f"http://{host if ':' not in host else f'[{host}]'}:{port}"
    typer.echo(f"LiveDesk {__version__} on {base}")
    typer.echo(f"  database      {_redacted(settings.resolved_database_url())}")
    typer.echo(f"  customer API  {base}/iamessage/api/v2   (SSE: {base}/eventrouter/v1/sse)")
    typer.echo(f"  agent API     {base}/api/v1             (SSE: {base}/api/v1/agent/stream)")
    typer.echo(f"  API docs      {base}/docs")
    typer.echo(f"  metrics       {base}/metrics")
    typer.echo(f"  widget        {base}/widget/embed.js   (pages: {base}/)")
    typer.echo(f"  agent console {base}/console")
    if settings.demo:
        typer.echo(
            "  demo org      00DLD0000000001, deployment Web_Chat, agents ada/grace (password demo)"
        )
        typer.echo(f"  demo page     {base}/demo   (the chat widget on an example company page)")
    logs.configure(log_level, log_format)
    options: dict[str, Any] = {
        "host": host,
        "port": port,
        "log_level": log_level.lower(),
        "log_config": None,  # logs.configure set up every logger
        "access_log": False,  # livedesk.access logs each request, with its route
        # Forwarded headers only from the proxies named: anyone else could claim any address.
        "proxy_headers": bool(forwarded_allow_ips),
        "forwarded_allow_ips": forwarded_allow_ips or None,
        "timeout_graceful_shutdown": graceful_seconds,
    }
    # A stop asked for is a clean exit: uvicorn, once it has shut down on SIGTERM, raises the
    # signal again for the handler it found, and the default one would end the process with
    # "killed by SIGTERM" (-15, 143 in a shell) instead of 0. (SIGINT already ends with 0.)
    signal.signal(signal.SIGTERM, _exit_stopped)
    if workers > 1:
        typer.echo(f"  processes     {workers}")
        _prepare_workers(settings, log_level, log_format)
        uvicorn.run("livedesk.app:worker_app", factory=True, workers=workers, **options)
        return
    application = create_app(settings, drain_on_signals=True)
    freeze_startup_objects()
    uvicorn.run(application, **options)


def _exit_stopped(_signal: int, _frame: FrameType | None) -> NoReturn:
    raise SystemExit(0)


def _check_workers(settings: Settings) -> None:
    """Several processes need PostgreSQL (SQLite is one process by design) and Redis (how they
    wake each other's streams): a clear refusal otherwise."""
    from livedesk.kit.db import is_sqlite

    if is_sqlite(settings.resolved_database_url()):
        _refuse(
            "--workers needs PostgreSQL: SQLite is served by one process by design. Set "
            "LIVEDESK_DATABASE_URL=postgresql://… (and LIVEDESK_REDIS_URL), or run one process."
        )
    if not settings.redis_url:
        _refuse(
            "--workers needs Redis: the processes wake each other's event streams through it. "
            "Set LIVEDESK_REDIS_URL=redis://…, or run one process."
        )


def _check_schema(settings: Settings) -> None:
    """With migrations on start turned off (LIVEDESK_MIGRATE_ON_START=false: an operator runs
    `livedesk db upgrade` once per release), a server started before that would fail request
    after request: a clear refusal instead."""
    from livedesk.kit.migrate import schema_behind

    url = settings.resolved_database_url()
    try:
        behind = schema_behind(url)
    except Exception as exc:
        _refuse(f"cannot read the database's schema version at {_redacted(url)}: {exc}")
    if behind is not None:
        _refuse(
            f"{behind}. Run `livedesk db upgrade` (once, from one host), then start the "
            "servers; or set LIVEDESK_MIGRATE_ON_START=true to migrate on start."
        )


def _prepare_workers(settings: Settings, log_level: str, log_format: str) -> None:
    """What the processes must not each do at once, done here before they start: the
    migrations (unless LIVEDESK_MIGRATE_ON_START=false: `serve` checked the schema instead), the
    token signing key, the demo org. They read the rest from the environment."""
    from livedesk.app import SERVE_LOGS
    from livedesk.auth.tokens import load_or_create_key
    from livedesk.kit.migrate import upgrade_database

    if settings.migrate_on_start:
        upgrade_database(settings.resolved_database_url())
    if not settings.token_key:
        load_or_create_key(settings.data_dir)
    if settings.demo:
        asyncio.run(_apply_demo(settings))
    os.environ["LIVEDESK_MIGRATE_ON_START"] = "false"
    os.environ["LIVEDESK_DEMO"] = "false"
    os.environ[SERVE_LOGS] = f"{log_level} {log_format}"


async def _apply_demo(settings: Settings) -> None:
    from livedesk.kit.clock import SystemClock
    from livedesk.kit.db import Database
    from livedesk.setup.loader import load_demo_org
    from livedesk.setup.service import apply_org

    db = Database(settings.resolved_database_url())
    try:
        await apply_org(db, SystemClock(), load_demo_org())
    finally:
        await db.dispose()


@app.command(
    context_settings={"allow_extra_args": True, "ignore_unknown_options": True},
    add_help_option=False,
)
def bench(ctx: typer.Context) -> None:
    """Run the chat load benchmark against LiveDesk and a bare baseline server, with a progress
    bar and a table (bench/chat_load.py of a source checkout; its options pass through: -c 50,
    --duration 10, --skip-baseline, --idle-streams 5000, --json FILE, --help)."""
    import sys

    script = Path(__file__).resolve().parents[2] / "bench" / "chat_load.py"
    if not script.is_file():
        typer.echo(
            "livedesk bench runs from a source checkout installed with `pip install -e .`: "
            f"{script} is not there.",
            err=True,
        )
        raise typer.Exit(2)
    os.execv(sys.executable, [sys.executable, str(script), *ctx.args])


@db_app.command("upgrade")
def db_upgrade(data_dir: DataDir = None) -> None:
    """Bring the database schema up to date."""
    from livedesk.kit.migrate import upgrade_database

    settings = _settings(data_dir)
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    upgrade_database(settings.resolved_database_url())
    typer.echo("database is up to date")


@app.command()
def apply(
    file: Annotated[Path, typer.Argument(help="The org file (YAML).")],
    data_dir: DataDir = None,
) -> None:
    """Create or update the org, deployments, queues and agents an org file describes."""
    from livedesk.container import build_container
    from livedesk.kit.migrate import upgrade_database
    from livedesk.setup.loader import OrgFileError, load_org_file
    from livedesk.setup.service import apply_org

    try:
        org = load_org_file(file)
    except OrgFileError as exc:
        typer.echo(str(exc), err=True)
        raise typer.Exit(2) from exc
    settings = _settings(data_dir)
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    upgrade_database(settings.resolved_database_url())

    async def run() -> None:
        container = build_container(settings)
        try:
            result = await apply_org(container.db, container.clock, org)
            # Servers sharing the Redis bus close the demoted agents' streams at once; the
            # others' stream sweep does within `streams.sweep_seconds`.
            await container.auth.forget_revoked(result.revoked_tokens)
        finally:
            await container.bus.close()
            await container.db.dispose()
        typer.echo(
            f"applied {file}: org {result.org_id}, {result.deployments} deployment(s), "
            f"{result.queues} queue(s), {result.agents} agent(s)"
            + (
                f"; {len(result.revoked_tokens)} token(s) of demoted agents revoked"
                if result.revoked_tokens
                else ""
            )
        )

    asyncio.run(run())


@app.command()
def report(
    start: Annotated[
        str | None,
        typer.Option("--from", help="A date (2026-11-25) or an ISO time; default: today."),
    ] = None,
    end: Annotated[
        str | None,
        typer.Option("--to", help="A date (to its end) or an ISO time; default: --from's day."),
    ] = None,
    group_by: Annotated[
        str | None,
        typer.Option("--group-by", help="queue (default), agent, day, hour or deployment."),
    ] = None,
    tz: Annotated[
        str | None, typer.Option("--tz", help="An IANA time zone; default: the org's.")
    ] = None,
    queue: Annotated[
        str | None, typer.Option("--queue", help="Only the sessions that waited in this queue.")
    ] = None,
    sessions: Annotated[
        bool, typer.Option("--sessions", help="One row per session instead of the summary.")
    ] = False,
    agents: Annotated[
        bool,
        typer.Option("--agents", help="The agents: time in each presence, occupancy, sessions."),
    ] = False,
    as_csv: Annotated[
        bool, typer.Option("--csv", help="Print the reports API's CSV instead of a table.")
    ] = False,
    org: Annotated[
        str | None,
        typer.Option("--org", help="The org id (00D…); needed when the database holds several."),
    ] = None,
    data_dir: DataDir = None,
) -> None:
    """Print a report: the summary of a period (counts, wait, first response and handle time,
    CSAT, service level), its sessions or its agents, as the reports API gives them."""
    from typing import get_args

    from livedesk.agents.schemas import Presence
    from livedesk.auth.principals import AgentPrincipal
    from livedesk.errors import AppError
    from livedesk.kit.clock import SystemClock
    from livedesk.kit.db import Database
    from livedesk.kit.migrate import upgrade_database
    from livedesk.orgs.repository import org_ids
    from livedesk.reports import export
    from livedesk.reports.service import Filters, ReportService

    if sessions and agents:
        _refuse("Give --sessions or --agents, not both.")
    if group_by is not None and (sessions or agents):
        _refuse("--group-by is for the summary, not with --sessions or --agents.")
    if queue is not None and agents:
        _refuse("--queue does not apply to --agents (an agent's figures cover all her work).")
    settings = _settings(data_dir)
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    upgrade_database(settings.resolved_database_url())
    presences = list(get_args(Presence))

    async def run() -> str | Callable[[], None]:
        db = Database(settings.resolved_database_url())
        try:
            org_id = _the_org(await db.read(org_ids), org)
            admin = AgentPrincipal("livedesk-report", org_id, ("admin",), "cli", 0)
            service = ReportService(db, SystemClock())
            filters = Filters(start, end, tz, queue)
            if agents:
                people = await service.agents(admin, filters)
                if as_csv:
                    return export.agents_csv(people, presences)
                return lambda: _agents_table(people, presences)
            if sessions:
                found = await service.sessions(admin, filters, None, None)
                return export.sessions_csv(found) if as_csv else lambda: _sessions_table(found)
            result = await service.summary(admin, filters, group_by or "queue")
            return export.summary_csv(result) if as_csv else lambda: _summary_tables(result)
        finally:
            await db.dispose()

    try:
        output = asyncio.run(run())
    except AppError as exc:
        _refuse(_in_cli_words(exc.message))
    if isinstance(output, str):
        typer.echo(output, nl=False)
    else:
        output()


client_app = typer.Typer(help="Integration clients (bot platforms handing users to agents).")
app.add_typer(client_app, name="client")


@client_app.command("add")
def client_add(
    name: Annotated[str, typer.Argument(help="The client's name: its tokens' `kid` and `iss`.")],
    org: Annotated[str, typer.Option(help="The org id (00D…).")],
    public_key: Annotated[Path, typer.Option(help="PEM file of the client's public key.")],
    algorithm: Annotated[str, typer.Option(help="RS256 or ES256.")] = "RS256",
    data_dir: DataDir = None,
) -> None:
    """Register (or update) an integration client. Its identity tokens use `kid` = `iss` = NAME
    and `aud` = the org id; grant permission sets to its users with `assigned_to.clients`."""
    import asyncio

    from livedesk.auth import clients
    from livedesk.errors import AppError
    from livedesk.kit.clock import SystemClock
    from livedesk.kit.db import Database
    from livedesk.kit.migrate import upgrade_database

    settings = _settings(data_dir)
    try:
        pem = public_key.read_text()
    except OSError as exc:
        typer.echo(f"{public_key}: cannot read the file: {exc.strerror}", err=True)
        raise typer.Exit(1) from None
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    upgrade_database(settings.resolved_database_url())

    async def run() -> str:
        db = Database(settings.resolved_database_url())
        try:
            now = SystemClock().now_ms()
            return await db.transaction(
                lambda conn: clients.add_or_update(conn, org, name, pem, algorithm, now)
            )
        finally:
            await db.dispose()

    try:
        client_id = asyncio.run(run())
    except AppError as exc:
        typer.echo(f"{exc.message}", err=True)
        raise typer.Exit(1) from None
    typer.echo(
        f"client {name} ({client_id}) of org {org}: tokens use kid={name} iss={name} aud={org}"
    )


@app.command()
def demo(
    url: Annotated[
        str | None,
        typer.Option(help="A running server with the demo org; default: start one just for this."),
    ] = None,
) -> None:
    """Play the co-work scenario (an agent and a customer fill a form together) step by step."""
    from livedesk import demo as scenario

    try:
        if url is not None:
            if not scenario.healthy(url):
                raise scenario.DemoError(f"no LiveDesk answers at {url}")
            scenario.run(url.rstrip("/"), typer.echo)
        else:
            with scenario.own_server() as base:
                typer.echo(f"(started a demo server on {base})")
                scenario.run(base, typer.echo)
    except scenario.DemoError as exc:
        typer.echo(f"demo failed: {exc}", err=True)
        raise typer.Exit(1) from None


@app.command()
def chat(
    url: Annotated[str, typer.Option(help="The LiveDesk server.")] = "http://127.0.0.1:8080",
    org: Annotated[str, typer.Option(help="The org id.")] = "00DLD0000000001",
    deployment: Annotated[str, typer.Option(help="The deployment's developer name.")] = "Web_Chat",
) -> None:
    """Chat as a customer from the terminal (pre-chat, live messages, /file PATH, /end)."""
    import asyncio

    import httpx

    from livedesk.client import chat as terminal
    from livedesk.client.sdk import ClientError

    try:
        raise typer.Exit(asyncio.run(terminal.run(url.rstrip("/"), org, deployment)))
    except (ClientError, httpx.HTTPError) as exc:
        typer.echo(f"chat failed: {exc}", err=True)
        raise typer.Exit(1) from None
    except KeyboardInterrupt:
        raise typer.Exit(130) from None


@app.command()
def version() -> None:
    """Print the version."""
    typer.echo(__version__)


def _redacted(url: str) -> str:
    from sqlalchemy.engine import make_url

    return make_url(url).render_as_string(hide_password=True)


# `livedesk report`: the reports API's answers as Rich tables (the same numbers, seconds shown
# to one decimal; `--csv` prints them exact).

_API_NAMES = {"`from`": "--from", "`to`": "--to", "`tz`": "--tz", "`groupBy`": "--group-by"}


def _refuse(message: str) -> NoReturn:
    typer.echo(message, err=True)
    raise typer.Exit(2)


def _in_cli_words(message: str) -> str:
    """The service's sentence, naming the command's options instead of the API's parameters."""
    for api_name, option in _API_NAMES.items():
        message = message.replace(api_name, option)
    return message[:1].upper() + message[1:]


def _the_org(found: list[str], asked: str | None) -> str:
    listed = ", ".join(sorted(found))
    if asked is not None:
        if asked not in found:
            _refuse(f"There is no org {asked} in this database; it holds {listed or 'none'}.")
        return asked
    if not found:
        _refuse("The database holds no org yet: apply an org file first (livedesk apply FILE).")
    if len(found) > 1:
        _refuse(f"The database holds several orgs ({listed}): pick one with --org.")
    return found[0]


def _number(value: float | int | None, unit: str = "") -> str:
    if value is None:
        return "–"
    if isinstance(value, float):
        return f"{value:.1f}{unit}"
    return f"{value}{unit}"


def _local(ms: int | None, zone_name: str, seconds: bool = False) -> str:
    if ms is None:
        return "–"
    from datetime import UTC, datetime
    from zoneinfo import ZoneInfo

    moment = datetime.fromtimestamp(ms / 1000, UTC).astimezone(ZoneInfo(zone_name))
    return moment.strftime("%Y-%m-%d %H:%M:%S" if seconds else "%Y-%m-%d %H:%M")


def _period(report: Summary | SessionReport | AgentReport) -> str:
    return (
        f"{_local(report.fromTime, report.timeZone)} → {_local(report.toTime, report.timeZone)} "
        f"({report.timeZone})"
    )


def _print(*tables: Table) -> None:
    """Print the tables at their own width, never a figure cut short (on a narrower terminal,
    the lines wrap)."""
    from rich.console import Console
    from rich.measure import Measurement

    console = Console()
    unbounded = console.options.update_width(10_000)
    widest = max(Measurement.get(console, unbounded, t).maximum for t in tables)
    if not console.is_terminal or widest > console.width:
        console.width = widest
    for table in tables:
        console.print(table)


_SUMMARY_FIGURES = (("wait", "Wait"), ("first_response", "1st resp"), ("handle", "Handle"))
_GROUPS = {
    "queue": "Queue",
    "agent": "Agent",
    "day": "Day",
    "hour": "Hour",
    "deployment": "Deployment",
}


def _summary_tables(result: Summary) -> None:
    from rich.table import Table

    table = Table(
        title=f"Summary by {result.groupBy}, {_period(result)}",
        caption="Seconds: average, median and p90 (nearest rank). SL: service level, taken "
        "within the queue's target ÷ taken or abandoned.",
        caption_justify="left",
    )
    table.add_column(_GROUPS.get(result.groupBy, result.groupBy))
    for header in ("Sessions", "Abandoned", "Not routed", "SL %"):
        table.add_column(header, justify="right", no_wrap=True)
    for _, name in _SUMMARY_FIGURES:
        for part in ("avg", "med", "p90"):
            table.add_column(f"{name}\n{part}", justify="right", no_wrap=True)
    table.add_column("CSAT\navg", justify="right", no_wrap=True)

    def cells(row: SummaryRowOut) -> list[str]:
        label = row.label if row.label == row.group else f"{row.label} ({row.group})"
        found = [
            label,
            _number(row.sessions),
            _number(row.abandoned),
            _number(row.notRouted),
            _number(row.serviceLevel.percent),
        ]
        for key, _ in _SUMMARY_FIGURES:
            f = row.figures[key]
            found += [_number(f.average), _number(f.median), _number(f.p90)]
        return [*found, _number(row.figures["csat"].average)]

    for row in result.rows:
        table.add_row(*cells(row))
    table.add_section()
    table.add_row(*cells(result.total), style="bold")

    levels = Table(title="Service level per queue")
    levels.add_column("Queue")
    levels.add_column("Met / counted", justify="right", no_wrap=True)
    levels.add_column("%", justify="right", no_wrap=True)
    levels.add_column("Target", justify="right", no_wrap=True)
    levels.add_column("Goal", justify="right", no_wrap=True)
    for level in result.serviceLevels:
        percent = level.percent
        style = "" if percent is None else "green" if percent >= level.goalPercent else "red"
        levels.add_row(
            level.queue,
            f"{level.met} / {level.counted}",
            _number(percent),
            f"within {level.withinSeconds} s",
            f"{level.goalPercent} %",
            style=style,
        )
    _print(table, levels)


def _sessions_table(found: SessionReport) -> None:
    from rich.table import Table

    table = Table(
        title=f"Sessions, {_period(found)}",
        caption="Seconds; messages: the customer's / agents' / automated.",
        caption_justify="left",
    )
    table.add_column("Counted at", no_wrap=True)
    table.add_column("Session", no_wrap=True)
    table.add_column("Queues")
    table.add_column("Agent")
    table.add_column("Status")
    for header in ("Wait", "1st resp", "Handle", "Inactive"):
        table.add_column(header, justify="right", no_wrap=True)
    table.add_column("Messages", justify="right", no_wrap=True)
    table.add_column("End")
    table.add_column("CSAT", justify="right", no_wrap=True)
    for s in found.sessions:
        if s.abandoned:
            ending = "abandoned"
        elif s.notRouted:
            ending = f"not routed: {s.reasonForNotRouting}"
        else:
            ending = ", ".join(x for x in (s.endReason, s.endedBy and f"by {s.endedBy}") if x)
        table.add_row(
            _local(s.countedAt, found.timeZone, seconds=True),
            s.sessionId,
            " → ".join(s.queues) or "–",
            s.agent or "–",
            s.status,
            _number(s.waitSeconds),
            _number(s.firstResponseSeconds),
            _number(s.handleSeconds),
            _number(s.inactiveSeconds),
            f"{s.customerMessages} / {s.agentMessages} / {s.automatedMessages}",
            ending or "–",
            _number(s.csat),
        )
    _print(table)


def _agents_table(report: AgentReport, presences: list[str]) -> None:
    from rich.table import Table

    table = Table(
        title=f"Agents, {_period(report)}",
        caption="Seconds in each presence; handling: with a session Active while Online; "
        "occupancy: handling ÷ Online.",
        caption_justify="left",
    )
    table.add_column("Agent")
    for presence in presences:
        table.add_column(presence, justify="right", no_wrap=True)
    for header in ("Handling", "Occupancy %", "Sessions"):
        table.add_column(header, justify="right", no_wrap=True)
    for a in report.agents:
        table.add_row(
            f"{a.displayName} ({a.username})",
            *[_number(a.presenceSeconds.get(p, 0.0)) for p in presences],
            _number(a.handlingSeconds),
            _number(a.occupancyPercent),
            _number(a.sessionsHandled),
        )
    _print(table)
