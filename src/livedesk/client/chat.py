"""`livedesk chat`: a terminal customer on the SDK — pre-chat questions, live messages,
`/file PATH`, `/end`."""

from __future__ import annotations

import asyncio
import contextlib
import sys
from pathlib import Path
from typing import Any

from rich.console import Console

from livedesk.client.sdk import ClientError, Event, LiveDeskClient

HELP = "Type a message and press Enter.  /file PATH sends a file  ·  /end ends the chat"


async def prechat(
    client: LiveDeskClient, token: dict[str, Any], console: Console
) -> dict[str, Any]:
    config = token["context"]["configuration"]["embeddedServiceConfig"]
    forms = [f for f in config.get("forms", []) if f.get("formType") == "PreChat"]
    choices = {
        c["choiceListId"]: [v["choiceListValueName"] for v in c["choiceListValues"]]
        for c in config.get("choiceListConfig", {}).get("choiceList", [])
    }
    answers: dict[str, Any] = {}
    for field in forms[0]["formFields"] if forms else []:
        if field.get("isHidden") is not False:
            continue  # clients ask only for `isHidden: false` fields; the page sets the others
        options = choices.get(field.get("choiceListId", ""), [])
        hint = f" ({' / '.join(options)})" if options else ""
        star = "*" if field.get("required") else ""
        while True:
            value = (await read_line(f"{field['label']}{star}{hint}: ")).strip()
            if not value and field.get("required"):
                console.print("[red]This one is required.[/red]")
                continue
            if value and options and value not in options:
                console.print(f"[red]Choose one of: {', '.join(options)}[/red]")
                continue
            break
        if value:
            answers[field["name"]] = value
    return answers


async def read_line(prompt: str) -> str:
    sys.stdout.write(prompt)
    sys.stdout.flush()
    line: str = await asyncio.to_thread(sys.stdin.readline)
    if not line:
        raise EOFError
    return line.rstrip("\n")


def file_path(text: str) -> Path:
    return Path(text.strip()).expanduser()


def show(event: Event, console: Console, me: str | None) -> bool:
    """Print an event; True when the chat is over."""
    entry = event.entry
    if entry is None:
        return False
    payload, sender = entry["entryPayload"], entry["sender"]
    kind = entry["entryType"]
    if kind == "Message":
        content = (payload.get("abstractMessage") or {}).get("staticContent") or {}
        if sender.get("subject") == me:
            return False  # our own echo
        name = entry.get("senderDisplayName") or sender.get("role")
        style = "cyan" if sender.get("role") == "Agent" else "magenta"
        console.print(f"[bold {style}]{name}:[/bold {style}] {content.get('text', '')}")
        for attachment in content.get("attachments") or []:
            console.print(f"   📎 {attachment['name']}  {attachment['url']}")
    elif kind == "ParticipantChanged":
        for change in payload.get("entries", []):
            verb = "joined" if change.get("operation") == "add" else "left"
            console.print(f"[dim]— {change.get('displayName')} {verb} —[/dim]")
    elif kind == "RoutingResult":
        wait = payload.get("estimatedWaitTime", {}).get("estimatedWaitTimeInSeconds", -1)
        if payload.get("failureType") == "None":
            extra = f" (about {max(1, round(wait / 60))} min)" if wait and wait > 0 else ""
            console.print(f"[dim]Waiting for an agent{extra}…[/dim]")
    elif kind == "SessionStatusChanged" and payload.get("sessionStatus") == "Ended":
        by = {"Agent": "the agent", "EndUser": "you", "System": "the system"}.get(
            payload.get("sessionEndedByRole"), "someone"
        )
        console.print(f"[bold]The chat was ended by {by}.[/bold]")
        return True
    return False


async def run(url: str, org_id: str, deployment: str) -> int:
    console = Console(highlight=False)
    async with LiveDeskClient(url, org_id=org_id, deployment=deployment) as client:
        token = await client.guest_token()
        console.print(f"[bold]LiveDesk chat[/bold] — {deployment} at {url}")
        try:
            answers = await prechat(client, token, console)
        except EOFError:
            return 0
        conversation = await client.create_conversation(answers)
        console.print(f"[dim]{HELP}[/dim]")
        done = asyncio.Event()

        async def listen() -> None:
            async for event in client.events():
                if show(event, console, client.subject):
                    done.set()
                    return

        async def type_lines() -> None:
            while not done.is_set():
                try:
                    line = await read_line("")
                except EOFError:
                    break
                if not line.strip():
                    continue
                try:
                    if line.strip() == "/end":
                        await client.end_session(conversation)
                        break
                    if line.startswith("/file "):
                        path = file_path(line[6:])
                        await client.send_file(conversation, path)
                        console.print(f"[dim]sent {path.name}[/dim]")
                    else:
                        await client.send_message(conversation, line)
                except (ClientError, OSError) as exc:
                    console.print(f"[red]{exc}[/red]")
            done.set()

        listener = asyncio.create_task(listen())
        typer_task = asyncio.create_task(type_lines())
        await done.wait()
        await asyncio.sleep(0.3)  # let the last events print
        for task in (listener, typer_task):
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
        console.print("[dim]Bye.[/dim]")
    return 0
