"""Which queues a supervisor oversees, and what of the org's supervision stream she is sent. Pure.

A supervisor oversees the queues of her agent entry; an admin every queue of her org (the same
rule as `conversations.reading.may_supervise`, which decides for one session). Anyone else may
not use the supervisor API (403 `supervisors_only`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

from livedesk.auth.principals import AgentPrincipal
from livedesk.conversations.reading import supervised_queues
from livedesk.errors import forbidden
from livedesk.kit import jsonutil


@dataclass(frozen=True)
class Scope:
    """Her queues; None: every queue of the org."""

    queues: frozenset[str] | None

    def covers(self, queues: Iterable[str]) -> bool:
        """One of `queues` is hers."""
        return self.queues is None or not self.queues.isdisjoint(queues)

    def visible(self, org_queues: Iterable[str]) -> list[str]:
        """The org's queues she oversees, by name."""
        return sorted(q for q in org_queues if self.covers((q,)))


def scope_of(p: AgentPrincipal) -> Scope:
    if "admin" in p.roles:
        return Scope(None)
    if "supervisor" in p.roles:
        return Scope(frozenset(supervised_queues(p)))
    raise forbidden("supervisors_only", "Only supervisors and admins may use the supervisor API.")


def frame_filter(scope: Scope) -> Callable[[bytes], bool] | None:
    """A frame filter for SseResponse: the events whose `queues` include one of hers (every
    payload of the supervision stream names them; streams.notices.SupervisorEvent)."""
    if scope.queues is None:
        return None

    def accept(frame: bytes) -> bool:
        for line in frame.split(b"\n"):
            if line.startswith(b"data: "):
                queues = jsonutil.loads(line[6:]).get("queues")
                return isinstance(queues, list) and scope.covers(q for q in queues if q)
        return False

    return accept
