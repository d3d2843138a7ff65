"""The `livedesk` command."""

from __future__ import annotations

import asyncio
import os
from pathlib import Path
from typing import Annotated

import typer

from livedesk import __version__
from livedesk.config import Settings

app = typer.Typer(help="LiveDesk: a self-hosted live-chat contact center.", no_args_is_help=True)
db_app = typer.Typer(help="Database commands.", no_args_is_help=True)
app.add_typer(db_app, name="db")

DataDir = Annotated[
    Path | None,
    typer.Option("--data-dir", help="Folder for the SQLite file and the signing key."),
]


def _settings(data_dir: Path | None, **overrides: object) -> Settings:
    if data_dir is not None:
        os.environ["LIVEDESK_DATA_DIR"] = str(data_dir)
    settings = Settings()
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
) -> None:
    """Run the server (migrations run first)."""
    if log_format not in ("text", "json"):
        raise typer.BadParameter("use text or json", param_hint="--log-format")
    if log_level.lower() not in ("debug", "info", "warning", "error", "critical"):
        raise typer.BadParameter("use debug, info, warning or error", param_hint="--log-level")
    import uvicorn

    from livedesk.app import create_app
    from livedesk.kit.heap import freeze_startup_objects
    from livedesk.ops import logs

    settings = _settings(data_dir, demo=demo or Settings().demo)
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
    application = create_app(settings)
    freeze_startup_objects()
    uvicorn.run(
        application,
        host=host,
        port=port,
        log_level=log_level.lower(),
        log_config=None,  # logs.configure set up every logger
        access_log=False,  # livedesk.access logs each request, with its route
        proxy_headers=False,
        timeout_graceful_shutdown=3,
    )


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
