"""The domain event that asks for a routing pass. Whoever changes something that may let work
move tells it inside its unit of work (kit.effects); the router subscribes to it and runs a pass
for the org after the commit."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class RoutingNeeded:
    """A domain event: something in this org may let work move (a session waits, capacity was
    freed, an agent came online, an offer ended). Told after commit; routing runs a pass."""

    org_id: str
