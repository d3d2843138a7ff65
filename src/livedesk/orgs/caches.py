"""What the hot path reads about the org without a query each time."""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field

from livedesk.kit.db import Database
from livedesk.kit.origins import OriginSet, compile_origins
from livedesk.orgs import repository

log = logging.getLogger(__name__)


@dataclass
class AllowedOrigins:
    """The union of the deployments' allowed origins and origin patterns, compiled for the CORS
    middleware; reread every few seconds (an org file may be applied by another process) and
    compiled again only when the list changed."""

    db: Database
    ttl_seconds: float = 10.0
    _texts: frozenset[str] = frozenset()
    _compiled: OriginSet = field(default_factory=OriginSet)
    _loaded_at: float = -1e9

    async def get(self) -> OriginSet:
        if time.monotonic() - self._loaded_at > self.ttl_seconds:
            await self.reload()
        return self._compiled

    async def reload(self) -> None:
        texts = frozenset(await self.db.read(repository.all_allowed_origins))
        if texts != self._texts:
            compiled, problems = compile_origins(sorted(texts))
            for problem in problems:  # stored before patterns were checked: allows nothing
                log.warning("ignoring an allowed origin: %s", problem)
            self._texts, self._compiled = texts, compiled
        self._loaded_at = time.monotonic()


@dataclass
class DeploymentNames:
    """Deployment id → developer name. A deployment keeps its name for life (an org file that
    renames one creates another), so an answer never goes stale."""

    db: Database
    limit: int = 10_000
    _names: dict[str, str | None] = field(default_factory=dict)

    async def get(self, deployment_id: str) -> str | None:
        if deployment_id not in self._names:
            row = await self.db.read(lambda conn: repository.get_deployment(conn, deployment_id))
            if len(self._names) >= self.limit:
                self._names.clear()
            if row is None:
                return None  # not remembered: it may be created later
            self._names[deployment_id] = row.developer_name
        return self._names[deployment_id]
