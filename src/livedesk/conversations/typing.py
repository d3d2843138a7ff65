"""Typing indicators: never refused, never costing a message its place, and never a flood.

Some MIAW clients send `TypingStartedIndicator` on every key press. Per conversation, the first
indicator of any second is forwarded at once; repeats inside that second are dropped; a change of
state inside it (a Stopped after the Started that went) is held and forwarded when the second is
over, so the agent always sees the latest state within a second. `TypingGate` decides (pure: the
caller passes the time); `TypingRelay` runs its decisions, holding the timers of held states.

The agent's typing reaches the customer the same way, through the same relay (per session), as
the conversation entry MIAW clients know (`agent_indicator`): sent to open streams, never stored.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from enum import Enum

from livedesk.conversations.entries import Entry, Sender, customer_event
from livedesk.conversations.recorder import Thread
from livedesk.kit.ids import new_id

log = logging.getLogger(__name__)

WINDOW_SECONDS = 1.0


class Verdict(Enum):
    FORWARD = "forward"  # send it now
    HOLD = "hold"  # a new state inside the window: flush the key when the window ends
    DROP = "drop"  # a repeat, or a change already held


@dataclass
class _Slot:
    forwarded_at: float
    forwarded: str
    held: str | None = None
    flush_due: bool = False


class TypingGate:
    def __init__(self, window: float = WINDOW_SECONDS, max_keys: int = 100_000) -> None:
        self.window = window
        self.max_keys = max_keys
        self._slots: dict[str, _Slot] = {}

    def offer(self, key: str, kind: str, now: float) -> Verdict:
        slot = self._slots.get(key)
        if slot is None or now - slot.forwarded_at >= self.window:
            if slot is None and len(self._slots) >= self.max_keys:
                self._forget_idle(now)
            flush_due = slot.flush_due if slot is not None else False
            self._slots[key] = _Slot(now, kind, None, flush_due)
            return Verdict.FORWARD
        slot.held = kind if kind != slot.forwarded else None
        if slot.held is None or slot.flush_due:
            return Verdict.DROP
        slot.flush_due = True
        return Verdict.HOLD

    def flush_at(self, key: str) -> float:
        """When the held state of `key` is due (the end of its window)."""
        return self._slots[key].forwarded_at + self.window

    def flush(self, key: str, now: float) -> str | None:
        """The window of `key` is over: the held state to forward, if any."""
        slot = self._slots.get(key)
        if slot is None:
            return None
        slot.flush_due = False
        kind, slot.held = slot.held, None
        if kind is not None:
            slot.forwarded, slot.forwarded_at = kind, now
        return kind

    def forget(self, key: str) -> None:
        """Nothing was forwarded after all (the conversation was not the sender's)."""
        self._slots.pop(key, None)

    def _forget_idle(self, now: float) -> None:
        idle = [
            k
            for k, s in self._slots.items()
            if not s.flush_due and now - s.forwarded_at >= self.window
        ]
        for key in idle:
            del self._slots[key]
        if len(self._slots) >= self.max_keys:  # all busy: forget the oldest half
            oldest = sorted(self._slots, key=lambda k: self._slots[k].forwarded_at)
            for key in oldest[: len(oldest) // 2]:
                del self._slots[key]

    def __len__(self) -> int:
        return len(self._slots)


Forward = Callable[[str], Awaitable[None]]


class TypingRelay:
    """One per process: the gate, and the timers that flush held states."""

    def __init__(self, now: Callable[[], float], window: float = WINDOW_SECONDS) -> None:
        self._now = now
        self.gate = TypingGate(window)
        self._timers: set[asyncio.Task[None]] = set()

    async def offer(self, key: str, kind: str, forward: Forward) -> None:
        """Forward `kind` now, later or never; an error of an immediate forward is the caller's
        (a conversation that is not the sender's: nothing is remembered of it)."""
        verdict = self.gate.offer(key, kind, self._now())
        if verdict is Verdict.FORWARD:
            try:
                await forward(kind)
            except BaseException:
                self.gate.forget(key)
                raise
        elif verdict is Verdict.HOLD:
            delay = max(0.0, self.gate.flush_at(key) - self._now())
            task = asyncio.create_task(self._flush(key, delay, forward), name="typing flush")
            self._timers.add(task)
            task.add_done_callback(self._timers.discard)

    async def _flush(self, key: str, delay: float, forward: Forward) -> None:
        await asyncio.sleep(delay)
        kind = self.gate.flush(key, self._now())
        if kind is None:
            return
        try:
            await forward(kind)
        except Exception:  # the session moved on meanwhile; a typing state is not worth more
            log.debug("a held typing indicator could not be forwarded", exc_info=True)

    async def close(self) -> None:
        for task in list(self._timers):
            task.cancel()
        await asyncio.gather(*self._timers, return_exceptions=True)


def agent_indicator(thread: Thread, agent: Sender, kind: str, now: int) -> tuple[str, bytes]:
    """The customer stream's event for the agent's typing indicator `kind` (MIAW's
    `TypingStartedIndicator` / `TypingStoppedIndicator` entry, sender role Agent, with her
    display name): the event name and its data."""
    identifier = new_id()
    entry = Entry(
        identifier=identifier,
        conversation_id=thread.conversation_id,
        session_id=thread.session_id,
        entry_type=kind,
        sender=agent,
        payload={"entryType": kind, "id": identifier, "timestamp": now},
        client_timestamp=None,
        transcripted_at=now,
    )
    return customer_event(entry, thread.org_id, thread.deployment_id)
