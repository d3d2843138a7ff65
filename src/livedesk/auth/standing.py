"""An agent's standing (org, roles, queues) as the database says it, for every request.

Tokens carry no roles: an agent demoted by `livedesk apply` would otherwise keep her rights until
her token expires (12 hours). Reading the agent's row on every request costs a query, so each
process remembers an answer for at most `ttl_ms` (2 s): a change made elsewhere (another process,
`livedesk apply`) takes effect here within that time. Time comes from the injected clock, so tests
move a FakeClock instead of waiting.
"""

from __future__ import annotations

from dataclasses import dataclass

from livedesk.kit.clock import Clock


@dataclass(frozen=True)
class Standing:
    org_id: str
    roles: tuple[str, ...]
    queues: tuple[str, ...]


class StandingCache:
    LIMIT = 100_000

    def __init__(self, clock: Clock, ttl_ms: int = 2000) -> None:
        self._clock = clock
        self._ttl_ms = ttl_ms
        # agent id → (standing, or None for an agent that no longer exists; valid until)
        self._known: dict[str, tuple[Standing | None, int]] = {}

    def get(self, agent_id: str) -> tuple[bool, Standing | None]:
        """(known, standing): `known` is False when the database must be asked."""
        found = self._known.get(agent_id)
        if found is None or found[1] <= self._clock.now_ms():
            return False, None
        return True, found[0]

    def remember(self, agent_id: str, standing: Standing | None) -> None:
        if len(self._known) >= self.LIMIT:
            self._known.clear()
        self._known[agent_id] = (standing, self._clock.now_ms() + self._ttl_ms)

    def forget(self, agent_ids: list[str] | None = None) -> None:
        """Ask the database next time (every agent when `agent_ids` is None)."""
        if agent_ids is None:
            self._known.clear()
        for agent_id in agent_ids or []:
            self._known.pop(agent_id, None)
