"""The stream hub: which open streams in this process listen to which recipient.

Messages arrive from the bus as bytes: `E <recipient> <seq> \n<frame>` for a durable event
(seq 0 for an ephemeral one such as typing), `R <jti>` when a token is revoked (every stream
opened with it closes, whatever it follows: the principal's own events, or platform events), and
`B` + several of these, each after its length (4 bytes): what one unit of work announced, in one
publish, so that each process is woken once per unit rather than once per recipient.

A stream keeps at most `streams.buffer_bytes` of frames it was told and has not written (and at
most `streams.mailbox_limit` of them); past that it drops them and reads them back from the
database once its client catches up. A write that its client has not taken within
`streams.write_timeout_seconds` ends the stream (`streams/response.py`), and closing a mailbox
(revocation, expiry, disconnect) cuts short a write that is waiting.

When the process is asked to stop (SIGTERM), `drain` closes every open stream at once, and every
stream opened afterwards ends as soon as it has started: each ends its response cleanly (the
last chunk of its body; one whose write waits for a client that does not read is reset, as
above), and its client resumes from its last event id, on another process or on this one
restarted, instead of holding the shutdown until the server's graceful timeout.
"""

from __future__ import annotations

import asyncio
import struct
from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass, field

from livedesk.config import StreamSettings

_LENGTH = struct.Struct(">I")  # of each message in a bundle
NEVER = 2**62  # expires_ms of a stream whose token does not expire


@dataclass(eq=False)
class Mailbox:
    """What one open stream has been told and not yet written."""

    recipient: str
    token_id: str
    limit: int
    buffer_bytes: int = 64 * 1024
    write_timeout: float = 30.0
    expires_ms: int = NEVER
    items: deque[tuple[int, bytes]] = field(default_factory=deque)
    size: int = 0  # bytes of the frames in `items`
    wakeup: asyncio.Event = field(default_factory=asyncio.Event)
    overflowed: bool = False
    closed: bool = False
    cursor: int = -1  # the last event the stream wrote (set by the stream; -1: not started)
    writing: asyncio.Timeout | None = None  # the deadline of a write waiting for the client

    def put(self, seq: int, frame: bytes) -> None:
        if self.items and (
            len(self.items) >= self.limit or self.size + len(frame) > self.buffer_bytes
        ):
            # A slow reader: drop the backlog and let it catch up from the database.
            self.items.clear()
            self.size = 0
            self.overflowed = True
        else:
            self.items.append((seq, frame))
            self.size += len(frame)
        self.wakeup.set()

    def close(self) -> None:
        self.closed = True
        self.wakeup.set()
        if self.writing is not None:
            # The write cannot finish (its client is not reading): end it now, not at its deadline.
            self.writing.reschedule(asyncio.get_running_loop().time())

    def expired(self, now_ms: int) -> bool:
        return now_ms >= self.expires_ms

    def holds(self, seq: int) -> bool:
        """Whether the event `seq` (or a later one) is here, told and not yet written."""
        return any(told >= seq for told, _ in self.items)

    def poke(self) -> None:
        """Something was committed that this stream was not told about: catch up from the
        database (as after an overflow)."""
        self.overflowed = True
        self.wakeup.set()

    def take(self) -> tuple[list[tuple[int, bytes]], bool]:
        items = list(self.items)
        overflowed = self.overflowed
        self.items.clear()
        self.size = 0
        self.overflowed = False
        self.wakeup.clear()
        return items, overflowed


@dataclass(frozen=True)
class StreamStats:
    too_slow: int  # streams closed because a write was not taken in time, since start
    stalled: int  # open streams whose write is waiting for the client right now


class StreamHub:
    def __init__(self, settings: StreamSettings | None = None) -> None:
        self._mailboxes: dict[str, set[Mailbox]] = {}
        self._by_token: dict[str, set[Mailbox]] = {}
        self._settings = settings or StreamSettings()
        self._too_slow = 0
        self._draining = False

    @property
    def settings(self) -> StreamSettings:
        return self._settings

    def subscribe(self, recipient: str, token_id: str, expires_ms: int = NEVER) -> Mailbox:
        s = self._settings
        mailbox = Mailbox(
            recipient,
            token_id,
            s.mailbox_limit,
            buffer_bytes=s.buffer_bytes,
            write_timeout=s.write_timeout_seconds,
            expires_ms=expires_ms,
            closed=self._draining,  # the process is stopping: the stream ends once started
        )
        self._mailboxes.setdefault(recipient, set()).add(mailbox)
        self._by_token.setdefault(token_id, set()).add(mailbox)
        return mailbox

    def unsubscribe(self, mailbox: Mailbox) -> None:
        _discard(self._mailboxes, mailbox.recipient, mailbox)
        _discard(self._by_token, mailbox.token_id, mailbox)

    def open_streams_of(self, token_id: str) -> int:
        return len(self._by_token.get(token_id, ()))

    @property
    def open_streams(self) -> int:
        return sum(len(b) for b in self._mailboxes.values())

    def recipients(self) -> list[str]:
        return list(self._mailboxes)

    def token_ids(self) -> list[str]:
        """The tokens with open streams here (the sweep checks them for revocation)."""
        return list(self._by_token)

    def sweep(self, heads: dict[str, int]) -> int:
        """Poke every open stream whose recipient's head is past its cursor; how many. (One
        waiting on a write has not missed anything: it is behind its client; nor has one whose
        mailbox holds the head's event: it is about to write it.)"""
        poked = 0
        for recipient, head in heads.items():
            for box in self._mailboxes.get(recipient, ()):
                if 0 <= box.cursor < head and box.writing is None and not box.holds(head):
                    box.poke()
                    poked += 1
        return poked

    def close_expired(self, now_ms: int) -> int:
        """Close every open stream whose token has expired, those waiting on a write that will
        not finish included (a stream notices its expiry itself only when it wakes up); how
        many."""
        closed = 0
        for boxes in list(self._mailboxes.values()):
            for box in list(boxes):
                if not box.closed and box.expired(now_ms):
                    box.close()
                    closed += 1
        return closed

    @property
    def draining(self) -> bool:
        return self._draining

    def drain(self) -> int:
        """The process is stopping: close every open stream (each ends its response cleanly
        and its client resumes elsewhere) and end every stream opened from now on as soon as it
        starts; how many were open."""
        self._draining = True
        closed = 0
        for boxes in list(self._mailboxes.values()):
            for box in list(boxes):
                if not box.closed:
                    box.close()
                    closed += 1
        return closed

    def count_too_slow(self) -> None:
        """A stream was closed because its client did not take a write in time."""
        self._too_slow += 1

    def stats(self) -> StreamStats:
        stalled = sum(
            1 for boxes in self._mailboxes.values() for b in boxes if b.writing is not None
        )
        return StreamStats(too_slow=self._too_slow, stalled=stalled)

    def deliver(self, message: bytes) -> None:
        """Bus handler: wake the mailboxes the message is for."""
        if message.startswith(b"B"):
            for part in _bundled(message):
                self.deliver(part)
        elif message.startswith(b"E "):
            head, _, frame = message.partition(b"\n")
            _, recipient, seq = head.decode().split(" ")
            for box in self._mailboxes.get(recipient, ()):
                box.put(int(seq), frame)
        elif message.startswith(b"R "):
            for box in list(self._by_token.get(message[2:].decode(), ())):
                box.close()


def _discard(index: dict[str, set[Mailbox]], key: str, mailbox: Mailbox) -> None:
    boxes = index.get(key)
    if boxes is not None:
        boxes.discard(mailbox)
        if not boxes:
            del index[key]


def event_message(recipient: str, seq: int, frame: bytes) -> bytes:
    return b"E %s %d\n%s" % (recipient.encode(), seq, frame)


def revoke_message(token_id: str) -> bytes:
    return f"R {token_id}".encode()


def bundle_message(messages: list[bytes]) -> bytes:
    """Several messages as one (one publish, one delivery to each process): `B`, then each
    prefixed by its length."""
    if len(messages) == 1:
        return messages[0]
    return b"B" + b"".join(_LENGTH.pack(len(m)) + m for m in messages)


def _bundled(message: bytes) -> Iterator[bytes]:
    at = 1
    while at + _LENGTH.size <= len(message):
        (size,) = _LENGTH.unpack_from(message, at)
        at += _LENGTH.size
        yield message[at : at + size]
        at += size
