"""The bus contract: fan one message out to every process's handler, at most once, in order."""

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol

BusHandler = Callable[[bytes], None]


class Bus(Protocol):
    @property
    def status(self) -> str:
        """`in-process`, or Redis's `up` / `down` (as last seen)."""
        ...

    async def start(self, handler: BusHandler) -> None:
        """Begin delivering every published message (from any process) to `handler`."""
        ...

    async def publish(self, message: bytes) -> None: ...

    async def close(self) -> None: ...
