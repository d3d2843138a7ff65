"""A deliberately small HTTP/1.1 client on raw asyncio streams, for the load benchmark.

It does exactly what `chat_load.py` needs and nothing else: keep-alive requests with a
Content-Length (or chunked) response body, and Server-Sent Event streams delivered with
`Transfer-Encoding: chunked`. No TLS, no redirects, no pipelining, no proxies. Request bytes are
written by hand so that one message costs the client a few microseconds, not a few hundred.
"""

from __future__ import annotations

import asyncio
import contextlib
from dataclasses import dataclass
from typing import Any

import orjson

CRLF = b"\r\n"
HEAD_END = b"\r\n\r\n"
FRAME_END = b"\n\n"
READ_LIMIT = 1 << 20  # longest header block or chunk-size line we accept


class HttpError(Exception):
    """A response with an unexpected status (or a broken response)."""

    def __init__(self, what: str, status: int, body: bytes) -> None:
        super().__init__(f"{what}: HTTP {status} {body[:500]!r}")
        self.status = status
        self.body = body


@dataclass(frozen=True, slots=True)
class Response:
    status: int
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return orjson.loads(self.body)


@dataclass(frozen=True, slots=True)
class SseEvent:
    """One SSE frame. `event` is "" for a comment-only frame such as `: ok`."""

    event: str
    data: bytes
    id: str | None
    comment: bytes | None


def encode_request(
    method: str,
    path: str,
    host: str,
    headers: dict[str, str] | None = None,
    body: bytes | None = None,
) -> bytes:
    lines = [f"{method} {path} HTTP/1.1", f"Host: {host}"]
    lines.extend(f"{name}: {value}" for name, value in (headers or {}).items())
    if body is not None:
        lines.append("Content-Type: application/json")
        lines.append(f"Content-Length: {len(body)}")
    elif method in ("POST", "PUT", "PATCH"):
        lines.append("Content-Length: 0")
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + (body or b"")


async def read_head(reader: asyncio.StreamReader) -> tuple[int, dict[str, str]]:
    """The status code and the (lower-cased) headers of a response."""
    raw = await reader.readuntil(HEAD_END)
    status_line, *header_lines = raw[:-4].decode("latin-1").split("\r\n")
    parts = status_line.split(" ", 2)
    if len(parts) < 2 or not parts[0].startswith("HTTP/1."):
        raise HttpError(f"bad status line {status_line!r}", 0, raw)
    headers: dict[str, str] = {}
    for line in header_lines:
        name, _, value = line.partition(":")
        headers[name.strip().lower()] = value.strip()
    return int(parts[1]), headers


def is_chunked(headers: dict[str, str]) -> bool:
    return "chunked" in headers.get("transfer-encoding", "").lower()


async def read_chunk(reader: asyncio.StreamReader) -> bytes:
    """One chunk of a chunked body; b"" for the last (zero-size) chunk, trailers consumed."""
    size_line = await reader.readuntil(CRLF)
    size = int(size_line.split(b";", 1)[0].strip(), 16)
    if size == 0:
        while await reader.readuntil(CRLF) != CRLF:
            pass  # trailer fields
        return b""
    data = await reader.readexactly(size + 2)
    return data[:-2]


async def read_body(reader: asyncio.StreamReader, status: int, headers: dict[str, str]) -> bytes:
    if status in (204, 304) or 100 <= status < 200:
        return b""
    if is_chunked(headers):
        parts: list[bytes] = []
        while chunk := await read_chunk(reader):
            parts.append(chunk)
        return b"".join(parts)
    length = headers.get("content-length")
    if length is not None:
        return await reader.readexactly(int(length))
    return await reader.read()  # delimited by the server closing the connection


class Connection:
    """One keep-alive connection; requests on it are strictly one after another."""

    def __init__(self, host: str, port: int) -> None:
        self.host = host
        self.port = port
        self.authority = f"{host}:{port}"
        self._reader: asyncio.StreamReader | None = None
        self._writer: asyncio.StreamWriter | None = None

    @property
    def reader(self) -> asyncio.StreamReader:
        assert self._reader is not None, "not connected"
        return self._reader

    async def connect(self) -> Connection:
        self._reader, self._writer = await asyncio.open_connection(
            self.host, self.port, limit=READ_LIMIT
        )
        return self

    async def ensure_open(self) -> None:
        """Reconnect if the server closed this keep-alive connection while it was idle
        (uvicorn drops idle keep-alive connections after 5 s)."""
        reader, writer = self._reader, self._writer
        if reader is None or writer is None or reader.at_eof() or writer.is_closing():
            await self.close()
            await self.connect()

    def encode(
        self, method: str, path: str, headers: dict[str, str] | None, body: bytes | None
    ) -> bytes:
        return encode_request(method, path, self.authority, headers, body)

    def write(self, request: bytes) -> None:
        """Hand request bytes to the transport (no await: the caller may timestamp right here)."""
        assert self._writer is not None, "not connected"
        self._writer.write(request)

    async def read_response(self) -> Response:
        status, headers = await read_head(self.reader)
        body = await read_body(self.reader, status, headers)
        if headers.get("connection", "").lower() == "close":
            await self.close()
        return Response(status, headers, body)

    async def request(
        self,
        method: str,
        path: str,
        headers: dict[str, str] | None = None,
        json: Any = None,
    ) -> Response:
        await self.ensure_open()
        body = None if json is None else orjson.dumps(json)
        self.write(self.encode(method, path, headers, body))
        return await self.read_response()

    async def close(self) -> None:
        writer, self._writer, self._reader = self._writer, None, None
        if writer is not None:
            writer.close()
            with contextlib.suppress(OSError):
                await writer.wait_closed()


class SseParser:
    """Turns a byte stream into SSE frames (`\\n` line ends, as the servers here send)."""

    def __init__(self) -> None:
        self._buffer = b""

    def feed(self, data: bytes) -> list[SseEvent]:
        self._buffer += data
        if FRAME_END not in self._buffer:
            return []
        *frames, self._buffer = self._buffer.split(FRAME_END)
        return [parse_frame(f) for f in frames if f]


def parse_frame(frame: bytes) -> SseEvent:
    event = ""
    event_id: str | None = None
    data: list[bytes] = []
    comment: bytes | None = None
    for line in frame.split(b"\n"):
        if line.startswith(b":"):
            comment = line[1:].strip()
            continue
        field, _, value = line.partition(b":")
        value = value.removeprefix(b" ")
        if field == b"data":
            data.append(value)
        elif field == b"event":
            event = value.decode()
        elif field == b"id":
            event_id = value.decode()
    return SseEvent(event, b"\n".join(data), event_id, comment)


class SseStream:
    """An open SSE response read chunk by chunk; `open` returns once the first frame arrived."""

    def __init__(self, connection: Connection, reader: asyncio.StreamReader) -> None:
        self.connection = connection
        self._reader = reader
        self._parser = SseParser()
        self._early: list[SseEvent] = []

    @classmethod
    async def open(cls, host: str, port: int, path: str, headers: dict[str, str]) -> SseStream:
        connection = await Connection(host, port).connect()
        try:
            reader = connection.reader
            connection.write(connection.encode("GET", path, headers, None))
            status, response_headers = await read_head(reader)
            if status != 200:
                body = await read_body(reader, status, response_headers)
                raise HttpError(f"GET {path}", status, body)
            if not is_chunked(response_headers):
                raise HttpError(f"GET {path}: SSE without chunked encoding", status, b"")
            stream = cls(connection, reader)
            await stream._await_first_frame()
        except BaseException:
            await connection.close()
            raise
        return stream

    async def _await_first_frame(self) -> None:
        while not self._early:
            self._early = await self.next_events()

    async def next_events(self) -> list[SseEvent]:
        """The frames completed by the next chunk (maybe none); EOFError when the stream ends."""
        if self._early:
            early, self._early = self._early, []
            return early
        chunk = await read_chunk(self._reader)
        if not chunk:
            raise EOFError("the server ended the stream")
        return self._parser.feed(chunk)

    async def close(self) -> None:
        await self.connection.close()
