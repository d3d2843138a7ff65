"""The composition root: everything a request needs, built once from settings. No globals."""

from __future__ import annotations

from dataclasses import dataclass

from livedesk.auth.tokens import RevocationCache, TokenSigner, load_or_create_key
from livedesk.bus import Bus
from livedesk.bus.memory import MemoryBus
from livedesk.bus.redis import RedisBus
from livedesk.config import Settings
from livedesk.kit.clock import Clock, SystemClock
from livedesk.kit.db import Database
from livedesk.orgs.caches import AllowedOrigins, DeploymentNames
from livedesk.streams.hub import StreamHub
from livedesk.streams.service import StreamService


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
    deployment_names: DeploymentNames

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
        deployment_names=DeploymentNames(db),
    )
