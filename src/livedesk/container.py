"""The composition root: everything a request needs, built once from settings. No globals."""

from __future__ import annotations

import time
from dataclasses import dataclass, field

from livedesk.auth.tokens import RevocationCache, TokenSigner, load_or_create_key
from livedesk.bus import Bus
from livedesk.bus.memory import MemoryBus
from livedesk.bus.redis import RedisBus
from livedesk.config import Settings
from livedesk.kit.clock import Clock, SystemClock
from livedesk.kit.db import Database
from livedesk.orgs import repository as org_repository
from livedesk.streams.hub import StreamHub
from livedesk.streams.service import StreamService


@dataclass
class AllowedOrigins:
    """The union of the deployments' allowed origins, reread every few seconds (an org file may
    be applied by another process)."""

    db: Database
    ttl_seconds: float = 10.0
    _origins: set[str] = field(default_factory=set)
    _loaded_at: float = -1e9

    async def get(self) -> set[str]:
        if time.monotonic() - self._loaded_at > self.ttl_seconds:
            await self.reload()
        return self._origins

    async def reload(self) -> None:
        self._origins = await self.db.read(org_repository.all_allowed_origins)
        self._loaded_at = time.monotonic()


@dataclass
class Container:
    settings: Settings
    clock: Clock
    db: Database
    bus: Bus
    hub: StreamHub
    streams: StreamService
    signer: TokenSigner
    revocations: RevocationCache
    origins: AllowedOrigins

    async def start(self) -> None:
        await self.bus.start(self.hub.deliver)

    async def close(self) -> None:
        await self.bus.close()
        await self.db.dispose()


def build_container(settings: Settings, clock: Clock | None = None) -> Container:
    clock = clock or SystemClock()
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    db = Database(settings.resolved_database_url())
    bus: Bus = RedisBus(settings.redis_url) if settings.redis_url else MemoryBus()
    hub = StreamHub(settings.streams.mailbox_limit)
    key = (
        settings.token_key.encode() if settings.token_key else load_or_create_key(settings.data_dir)
    )
    return Container(
        settings=settings,
        clock=clock,
        db=db,
        bus=bus,
        hub=hub,
        streams=StreamService(db, bus),
        signer=TokenSigner(key, clock),
        revocations=RevocationCache(settings.limits.revocation_cache_seconds),
        origins=AllowedOrigins(db),
    )
