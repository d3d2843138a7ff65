"""`livedesk chat` driven in tmux: pre-chat prompts, a live conversation with an agent, a file,
and /end."""

from __future__ import annotations

import asyncio
import shutil
import sys
from pathlib import Path

import pytest

from tests.helpers import Api

pytestmark = pytest.mark.e2e


async def tmux(*args: str) -> str:
    proc = await asyncio.create_subprocess_exec(
        "tmux", *args, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE
    )
    out, err = await proc.communicate()
    assert proc.returncode == 0, err.decode()
    return out.decode()


async def screen_shows(session: str, text: str, timeout: float = 20) -> str:
    async with asyncio.timeout(timeout):
        while True:
            pane = await tmux("capture-pane", "-p", "-J", "-t", session)
            if text in pane:
                return pane
            await asyncio.sleep(0.1)


async def test_a_customer_chats_from_the_terminal(live: Api, live_url: str, tmp_path: Path) -> None:
    if shutil.which("tmux") is None:
        pytest.skip("tmux is not installed (scripts/test installs it on Debian)")
    session = f"livedesk-chat-{tmp_path.name}"
    picture = tmp_path / "photo.png"
    picture.write_bytes(b"\x89PNG\r\n\x1a\n" + b"\x00" * 64)
    command = f"{sys.executable} -m livedesk chat --url {live_url}"
    await tmux("new-session", "-d", "-s", session, "-x", "160", "-y", "50", command)
    try:
        await screen_shows(session, "First name*")
        await tmux("send-keys", "-t", session, "Lin", "Enter")
        await screen_shows(session, "Last name")
        await tmux("send-keys", "-t", session, "", "Enter")
        await screen_shows(session, "Email*")
        await tmux("send-keys", "-t", session, "lin@example.com", "Enter")
        await screen_shows(session, "Topic (General / Billing / Loans)")
        await tmux("send-keys", "-t", session, "Yachts", "Enter")
        await screen_shows(session, "Choose one of: General, Billing, Loans")
        await tmux("send-keys", "-t", session, "Loans", "Enter")
        await screen_shows(session, "/file PATH sends a file")
        await tmux("send-keys", "-t", session, "I need a loan", "Enter")
        ada = await live.agent("ada")
        await ada.presence("Online")
        [offer] = await ada.work("Assigned")
        await ada.answer(offer["workId"])
        await screen_shows(session, "Ada Lovelace joined")
        await ada.act(offer["sessionId"], actionType="sendMessage", message="Happy to help!")
        await screen_shows(session, "Ada Lovelace: Happy to help!")
        await tmux("send-keys", "-t", session, f"/file {picture}", "Enter")
        await screen_shows(session, "sent photo.png")
        detail = await live.http.get(f"/api/v1/sessions/{offer['sessionId']}", headers=ada.headers)
        texts = [
            e["entryPayload"]["abstractMessage"]["staticContent"].get("text")
            for e in detail.json()["transcript"]
            if e["entryType"] == "Message"
        ]
        assert "I need a loan" in texts
        await tmux("send-keys", "-t", session, "/end", "Enter")
        await screen_shows(session, "The chat was ended by you.")
    finally:
        await tmux("kill-session", "-t", session)
