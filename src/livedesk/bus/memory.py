"""The in-process bus: one process, delivery is a function call."""

from __future__ import annotations

from livedesk.bus.protocol import BusHandler


class MemoryBus:
    def __init__(self) -> None:
        self._handler: BusHandler | None = None

    @property
    def status(self) -> str:
        return "in-process"

    async def start(self, handler: BusHandler) -> None:
        self._handler = handler

    async def publish(self, message: bytes) -> None:
        if self._handler is not None:
            self._handler(message)

    async def close(self) -> None:
        self._handler = None
