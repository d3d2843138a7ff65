"""Agents' figures over a period, from their presence and handling spells: pure, no database.

Time in each presence; occupancy, the time she handled at least one session (one Active with
her) while Online ÷ her time Online; sessions handled, those she accepted in the period.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

ONLINE = "Online"
OFFLINE = "Offline"


@dataclass(frozen=True)
class AgentFigures:
    agent_id: str
    presence: dict[str, float]  # seconds in each presence
    online: float
    handling: float  # seconds with a session Active while Online
    occupancy: float | None  # percent; None when never Online
    sessions_handled: int


Spell = tuple[int, int]


def _spells(changes: Sequence[tuple[int, str]], end: int) -> list[tuple[int, int, str]]:
    """(from, until, presence) from the presences entered in order, the last until `end`."""
    found = []
    for (at, presence), after in zip(changes, [*changes[1:], None], strict=True):
        until = end if after is None else after[0]
        if until > at:
            found.append((at, until, presence))
    return found


def _union(spells: list[Spell]) -> list[Spell]:
    merged: list[Spell] = []
    for start, until in sorted(spells):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], until))
        else:
            merged.append((start, until))
    return merged


def _overlap(a: list[Spell], b: list[Spell]) -> int:
    """The time two lists of sorted, disjoint spells share (one pass over both)."""
    total = i = j = 0
    while i < len(a) and j < len(b):
        total += max(0, min(a[i][1], b[j][1]) - max(a[i][0], b[j][0]))
        if a[i][1] < b[j][1]:
            i += 1
        else:
            j += 1
    return total


def agent_figures(
    agent_id: str,
    presences: Sequence[tuple[int, str]],
    handling: Sequence[tuple[int, int | None, str, str | None]],
    start: int,
    end: int,
) -> AgentFigures:
    """`presences`: (at, presence) she entered, in order, the one she was in at `start` first;
    before the first known she was Offline (agents begin Offline); `handling`: her Active spells
    (from, until or None while still Active, session, the event that began it). Everything is
    cut to [start, end)."""
    if not presences or presences[0][0] > start:
        presences = [(start, OFFLINE), *presences]
    presence: dict[str, float] = {}
    online: list[Spell] = []
    for at, until, name in _spells([(max(at, start), p) for at, p in presences], end):
        presence[name] = presence.get(name, 0) + (until - at) / 1000
        if name == ONLINE:
            online.append((at, until))
    busy = _union(
        [
            (max(at, start), min(until if until is not None else end, end))
            for at, until, _, _ in handling
        ]
    )
    handled = _overlap(busy, online) / 1000
    online_seconds = presence.get(ONLINE, 0.0)
    return AgentFigures(
        agent_id=agent_id,
        presence=presence,
        online=online_seconds,
        handling=handled,
        occupancy=100 * handled / online_seconds if online_seconds else None,
        sessions_handled=len(
            {session for at, _, session, event in handling if event == "accept" and at >= start}
        ),
    )
