"""The composition root: everything a request needs, built once from settings. No globals."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Connection

from livedesk.agents.liveness import AgentLiveness
from livedesk.agents.service import AgentService
from livedesk.agents.work import WorkService
from livedesk.attachments.service import AttachmentService
from livedesk.attachments.storage import LocalStorage
from livedesk.auth import repository as auth_repository
from livedesk.auth.service import AuthService
from livedesk.auth.standing import StandingCache
from livedesk.auth.tokens import RevocationCache, TokenSigner, load_or_create_key
from livedesk.bus import Bus
from livedesk.bus.memory import MemoryBus
from livedesk.bus.redis import RedisBus
from livedesk.config import Settings
from livedesk.contact.service import ContactService
from livedesk.conversations import inactivity, timeouts
from livedesk.conversations.lifecycle import SessionSettled
from livedesk.conversations.service import ConversationService
from livedesk.conversations.typing import TypingRelay
from livedesk.events import retention
from livedesk.events.publishing import EventPublished
from livedesk.events.service import EventService
from livedesk.flows.customer import CustomerFlows
from livedesk.flows.service import FlowService
from livedesk.flows.waking import FlowWaker
from livedesk.kit.clock import Clock, SystemClock
from livedesk.kit.db import Database
from livedesk.kit.effects import Effects
from livedesk.kit.shared_buckets import SharedBuckets
from livedesk.ops.metrics import Metrics
from livedesk.orgs import repository as org_repository
from livedesk.orgs.caches import AllowedOrigins, DeploymentNames
from livedesk.records.service import RecordService
from livedesk.reports import recording
from livedesk.reports.service import ReportService
from livedesk.routing import work as routing_work
from livedesk.routing.needed import RoutingNeeded
from livedesk.routing.router import Router
from livedesk.streams import retention as stream_retention
from livedesk.streams.hub import StreamHub
from livedesk.streams.service import Outgoing, StreamService
from livedesk.streams.sweeper import StreamSweeper
from livedesk.supervision.service import SupervisionService
from livedesk.timers.scheduler import Scheduler
from livedesk.toolkit.actions import Toolkit
from livedesk.web.limits import RateLimits


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
    standing: StandingCache
    origins: AllowedOrigins
    deployment_names: DeploymentNames
    router: Router
    scheduler: Scheduler
    storage: LocalStorage
    metrics: Metrics
    limits: RateLimits
    sweeper: StreamSweeper
    liveness: AgentLiveness
    typing: TypingRelay
    toolkit: Toolkit
    waker: FlowWaker
    # The services the endpoints call, each built once with only what it uses.
    auth: AuthService
    conversations: ConversationService
    agents: AgentService
    supervision: SupervisionService
    reports: ReportService
    work: WorkService
    records: RecordService
    contact: ContactService
    events: EventService
    flows: FlowService
    attachments: AttachmentService

    async def start(self) -> None:
        await self.bus.start(self.hub.deliver)
        # Sessions left waiting by a previous run are offered again.
        await self.router.reroute(await self.db.read(org_repository.org_ids))
        now = self.clock.now_ms()

        def schedule_retention(conn: Connection) -> None:
            retention.ensure_scheduled(conn, now)
            stream_retention.ensure_scheduled(conn, now)

        await self.db.transaction(schedule_retention)
        self.scheduler.start(self.settings.timers.poll_seconds)
        self.sweeper.start(self.settings.streams.sweep_seconds)
        self.liveness.start()

    async def close(self) -> None:
        await self.scheduler.stop()
        await self.sweeper.stop()
        await self.liveness.stop()
        await self.typing.close()
        await self.limits.close()
        await self.bus.close()
        await self.db.dispose()


def build_container(settings: Settings, clock: Clock | None = None) -> Container:
    clock = clock or SystemClock()
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    effects = Effects()
    db = Database(settings.resolved_database_url(), effects)
    redis = RedisBus(settings.redis_url, settings.redis_channel) if settings.redis_url else None
    bus: Bus = redis or MemoryBus()
    hub = StreamHub(settings.streams)
    streams = StreamService(db, bus)
    router = Router(db, clock)
    toolkit = Toolkit(settings.limits.max_text_chars, CustomerFlows())
    waker = FlowWaker(db, clock, toolkit)
    # What a unit of work told, after its commit (kit.effects): stream events first, then the
    # features that react to other features' domain events.
    effects.subscribe(Outgoing, streams.announce)
    effects.subscribe(RoutingNeeded, lambda needed: router.reroute(n.org_id for n in needed))
    effects.subscribe(EventPublished, waker.on_published)
    # …and, inside the unit that tells them, before its commit:
    effects.within(SessionSettled, recording.record)  # an ended session's figures are kept
    scheduler = Scheduler(db, clock)
    scheduler.register(routing_work.PUSH_TIMEOUT, routing_work.on_push_timeout)
    scheduler.register(inactivity.INACTIVITY, timeouts.on_inactivity_timeout)
    scheduler.register(inactivity.AUTO_END, timeouts.on_auto_end)
    scheduler.register(retention.RETENTION, retention.on_retention)
    scheduler.register(
        stream_retention.RETENTION,
        stream_retention.handler(
            settings.streams.retention_hours, also=[auth_repository.prune_revoked]
        ),
    )
    key = (
        settings.token_key.encode() if settings.token_key else load_or_create_key(settings.data_dir)
    )
    signer = TokenSigner(key, clock)
    revocations = RevocationCache(settings.limits.revocation_cache_seconds)
    standing = StandingCache(clock)
    deployment_names = DeploymentNames(db)
    storage = LocalStorage(settings.data_dir / "files")
    typing = TypingRelay(lambda: clock.now_ms() / 1000)
    conversations = ConversationService(
        db, clock, settings.limits, streams, typing, deployment_names
    )
    agents = AgentService(db, clock, toolkit, streams, typing)
    sweeper = StreamSweeper(db, hub, clock, auth_repository.revoked_among)
    if redis is not None:
        redis.on_back = sweeper.sweep_once  # what Redis missed meanwhile, from the database now
    return Container(
        settings=settings,
        clock=clock,
        db=db,
        bus=bus,
        hub=hub,
        streams=streams,
        signer=signer,
        revocations=revocations,
        standing=standing,
        origins=AllowedOrigins(db),
        deployment_names=deployment_names,
        router=router,
        scheduler=scheduler,
        storage=storage,
        metrics=Metrics(lambda: db.stats, hub.stats),
        limits=RateLimits(
            settings.rate_limits,
            clock,
            hub,
            SharedBuckets(settings.redis_url, settings.redis_channel)
            if settings.redis_url
            else None,
        ),
        sweeper=sweeper,
        liveness=AgentLiveness(db, hub, clock, settings.streams),
        typing=typing,
        toolkit=toolkit,
        waker=waker,
        auth=AuthService(db, clock, settings.limits, signer, revocations, standing, streams),
        conversations=conversations,
        agents=agents,
        supervision=SupervisionService(db, clock, agents),
        reports=ReportService(db, clock),
        work=WorkService(db, clock),
        records=RecordService(db, clock),
        contact=ContactService(db, clock),
        events=EventService(db, clock),
        flows=FlowService(db, clock, toolkit, conversations),
        attachments=AttachmentService(db, clock, settings.limits, storage, conversations),
    )
