"""A bare Starlette + sqlite3 chat server: the "how fast could a bare server be" reference.

It answers the calls `chat_load.py` makes, on the same paths and with minimal compatible bodies:
guest tokens, conversations, agent login and accept, both SSE streams and sending a message. A
message is INSERTed into SQLite (WAL, synchronous=NORMAL) and committed, inline on the event loop,
then its frame is pushed to the in-memory queue of every open stream of the agent and of the
customer. Tokens are random strings mapped to ids in dicts; there is no signing, no password check,
no validation beyond what the benchmark needs, no durable stream and no catch-up.

    python bench/baseline_server.py --port 8081 --db /tmp/baseline.db
"""

from __future__ import annotations

import argparse
import asyncio
import secrets
import sqlite3
import time
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

import orjson
import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response, StreamingResponse
from starlette.routing import Route

PING_SECONDS = 15.0
PING = b"event: ping\ndata: {}\n\n"
SCHEMA = """
CREATE TABLE IF NOT EXISTS conversations (
    id TEXT PRIMARY KEY, end_user TEXT NOT NULL, session_id TEXT NOT NULL, created_at INTEGER
);
CREATE TABLE IF NOT EXISTS messages (
    id TEXT NOT NULL, conversation_id TEXT NOT NULL, sender TEXT NOT NULL, text TEXT NOT NULL,
    created_at INTEGER NOT NULL, PRIMARY KEY (conversation_id, id)
);
"""


class Json(Response):
    media_type = "application/json"

    def render(self, content: Any) -> bytes:
        return orjson.dumps(content)


def error(status: int, code: str) -> Json:
    return Json({"code": code, "message": code}, status_code=status)


def now_ms() -> int:
    return time.time_ns() // 1_000_000


def open_db(path: str) -> sqlite3.Connection:
    db = sqlite3.connect(path)
    db.execute("PRAGMA journal_mode=WAL")
    db.execute("PRAGMA synchronous=NORMAL")
    db.executescript(SCHEMA)
    return db


@dataclass
class Conversation:
    id: str
    end_user: str
    session_id: str
    agent: str | None = None


@dataclass
class Hub:
    """Open streams per recipient, and each recipient's next event id."""

    queues: dict[str, set[asyncio.Queue[bytes]]] = field(default_factory=dict)
    seq: dict[str, int] = field(default_factory=dict)

    def publish(self, recipient: str, event: str, data: dict[str, Any]) -> None:
        seq = self.seq.get(recipient, 0) + 1
        self.seq[recipient] = seq
        frame = b"id: %d\nevent: %s\ndata: %s\n\n" % (seq, event.encode(), orjson.dumps(data))
        for queue in self.queues.get(recipient, ()):
            queue.put_nowait(frame)

    async def follow(self, recipient: str) -> AsyncIterator[bytes]:
        queue: asyncio.Queue[bytes] = asyncio.Queue()
        self.queues.setdefault(recipient, set()).add(queue)
        try:
            yield b": ok\n\n"
            while True:
                try:
                    async with asyncio.timeout(PING_SECONDS):
                        frames = [await queue.get()]
                except TimeoutError:
                    yield PING
                    continue
                while not queue.empty():
                    frames.append(queue.get_nowait())
                yield b"".join(frames)
        finally:
            self.queues[recipient].discard(queue)


@dataclass
class Server:
    db: sqlite3.Connection
    hub: Hub = field(default_factory=Hub)
    principals: dict[str, str] = field(default_factory=dict)  # token -> recipient
    conversations: dict[str, Conversation] = field(default_factory=dict)
    sessions: dict[str, Conversation] = field(default_factory=dict)

    def recipient(self, request: Request) -> str | None:
        scheme, _, token = request.headers.get("authorization", "").partition(" ")
        return self.principals.get(token) if scheme.lower() == "bearer" else None

    def mint(self, recipient: str) -> str:
        token = secrets.token_urlsafe(24)
        self.principals[token] = recipient
        return token

    async def healthz(self, request: Request) -> Json:
        return Json({"status": "ok"})

    async def guest_token(self, request: Request) -> Json:
        token = self.mint(f"u:{uuid.uuid4()}")
        return Json({"accessToken": token, "lastEventId": "0"})

    async def login(self, request: Request) -> Json:
        body = orjson.loads(await request.body())
        token = self.mint(f"a:{body['username']}")
        return Json({"accessToken": token, "agent": {"username": body["username"]}})

    async def create_conversation(self, request: Request) -> Json:
        end_user = self.recipient(request)
        if end_user is None:
            return error(401, "invalid_token")
        body = orjson.loads(await request.body())
        conversation = Conversation(body["conversationId"], end_user, str(uuid.uuid4()))
        self.db.execute(
            "INSERT INTO conversations VALUES (?, ?, ?, ?)",
            (conversation.id, end_user, conversation.session_id, now_ms()),
        )
        self.db.commit()
        self.conversations[conversation.id] = conversation
        self.sessions[conversation.session_id] = conversation
        return Json({"conversationId": conversation.id, "sessionId": conversation.session_id}, 201)

    async def accept(self, request: Request) -> Json:
        agent = self.recipient(request)
        conversation = self.sessions.get(request.path_params["session_id"])
        if agent is None:
            return error(401, "invalid_token")
        if conversation is None:
            return error(404, "session_not_found")
        conversation.agent = agent
        return Json({"id": conversation.session_id, "status": "Active"})

    async def send_message(self, request: Request) -> Json:
        end_user = self.recipient(request)
        conversation = self.conversations.get(request.path_params["conversation_id"])
        if end_user is None:
            return error(401, "invalid_token")
        if conversation is None or conversation.end_user != end_user:
            return error(404, "conversation_not_found")
        message = orjson.loads(await request.body())["message"]
        now = now_ms()
        text = message["staticContent"]["text"]
        self.db.execute(
            "INSERT INTO messages VALUES (?, ?, ?, ?, ?)",
            (message["id"], conversation.id, end_user, text, now),
        )
        self.db.commit()
        self.announce(conversation, message["id"], text, now)
        return Json({"conversationEntries": [{"id": message["id"], "clientTimestamp": now}]}, 202)

    def announce(self, conversation: Conversation, message_id: str, text: str, now: int) -> None:
        entry = {
            "identifier": message_id,
            "entryType": "Message",
            "entryPayload": {"id": message_id, "staticContent": {"text": text}},
            "transcriptedTimestamp": now,
        }
        if conversation.agent is not None:
            self.hub.publish(
                conversation.agent,
                "ConversationEntry",
                {"sessionId": conversation.session_id, "conversationId": conversation.id, **entry},
            )
        self.hub.publish(
            conversation.end_user,
            "CONVERSATION_MESSAGE",
            {"conversationId": conversation.id, "conversationEntry": entry},
        )

    async def stream(self, request: Request) -> Response:
        recipient = self.recipient(request)
        if recipient is None:
            return error(401, "invalid_token")
        return StreamingResponse(
            self.hub.follow(recipient),
            media_type="text/event-stream",
            headers={"cache-control": "no-cache"},
        )


def create_app(db_path: str) -> Starlette:
    s = Server(open_db(db_path))
    miaw = "/iamessage/api/v2"
    routes = [
        Route("/healthz", s.healthz),
        Route(
            f"{miaw}/authorization/unauthenticated/access-token", s.guest_token, methods=["POST"]
        ),
        Route(f"{miaw}/conversation", s.create_conversation, methods=["POST"]),
        Route(f"{miaw}/conversation/{{conversation_id}}/message", s.send_message, methods=["POST"]),
        Route("/api/v1/auth/login", s.login, methods=["POST"]),
        Route("/api/v1/sessions/{session_id}/accept", s.accept, methods=["POST"]),
        Route("/api/v1/agent/stream", s.stream),
        Route("/eventrouter/v1/sse", s.stream),
    ]
    return Starlette(routes=routes)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--db", required=True, help="SQLite file (created if missing)")
    args = parser.parse_args()
    uvicorn.run(
        create_app(args.db),
        host="127.0.0.1",
        port=args.port,
        log_level="warning",
        proxy_headers=False,
        timeout_graceful_shutdown=3,
    )


if __name__ == "__main__":
    main()
