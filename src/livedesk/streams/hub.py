"""The stream hub: which open streams in this process listen to which recipient.

Messages arrive from the bus as bytes: `E <recipient> <seq> \n<frame>` for a durable event
(seq 0 for an ephemeral one such as typing) and `R <jti>` when a token is revoked: every stream
opened with it closes, whatever it follows (the principal's own events, or platform events).
"""

from __future__ import annotations

import asyncio
from collections import deque
from dataclasses import dataclass, field


@dataclass(eq=False)
class Mailbox:
    """What one open stream has been told and not yet written."""

    recipient: str
    token_id: str
    limit: int
    items: deque[tuple[int, bytes]] = field(default_factory=deque)
    wakeup: asyncio.Event = field(default_factory=asyncio.Event)
    overflowed: bool = False
    closed: bool = False
    cursor: int = -1  # the last event the stream wrote (set by the stream; -1: not started)

    def put(self, seq: int, frame: bytes) -> None:
        if len(self.items) >= self.limit:
            # A slow reader: drop the backlog and let it catch up from the database.
            self.items.clear()
            self.overflowed = True
        else:
            self.items.append((seq, frame))
        self.wakeup.set()

    def close(self) -> None:
        self.closed = True
        self.wakeup.set()

    def poke(self) -> None:
        """Something was committed that this stream was not told about: catch up from the
        database (as after an overflow)."""
        self.overflowed = True
        self.wakeup.set()

    def take(self) -> tuple[list[tuple[int, bytes]], bool]:
        items = list(self.items)
        overflowed = self.overflowed
        self.items.clear()
        self.overflowed = False
        self.wakeup.clear()
        return items, overflowed


class StreamHub:
    def __init__(self, mailbox_limit: int = 1000) -> None:
        self._mailboxes: dict[str, set[Mailbox]] = {}
        self._by_token: dict[str, set[Mailbox]] = {}
        self._limit = mailbox_limit

    def subscribe(self, recipient: str, token_id: str) -> Mailbox:
        mailbox = Mailbox(recipient, token_id, self._limit)
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

    def sweep(self, heads: dict[str, int]) -> int:
        """Poke every open stream whose recipient's head is past its cursor; how many."""
        poked = 0
        for recipient, head in heads.items():
            for box in self._mailboxes.get(recipient, ()):
                if 0 <= box.cursor < head:
                    box.poke()
                    poked += 1
        return poked

    def deliver(self, message: bytes) -> None:
        """Bus handler: wake the mailboxes the message is for."""
        if message.startswith(b"E "):
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
