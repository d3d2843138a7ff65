"""Settings: one pydantic-settings root. With no settings at all LiveDesk boots on SQLite in
`./livedesk-data` with the in-process bus."""

from __future__ import annotations

from pathlib import Path

from pydantic import BaseModel, Field, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from livedesk.kit.db import sqlite_url


class StreamSettings(BaseModel):
    ping_seconds: float = Field(15.0, gt=0, le=30)
    catch_up_batch: int = Field(500, ge=1)
    mailbox_limit: int = Field(1000, ge=1)
    sweep_seconds: float = Field(
        15.0, gt=0, description="how often open streams are checked against the database"
    )
    retention_hours: int = Field(
        168, ge=1, description="how long end users' and agents' stream events can be replayed"
    )
    write_timeout_seconds: float = Field(
        30.0,
        gt=0,
        description="a stream whose client has not taken a write within this long is closed "
        "(it resumes from its last event id)",
    )
    buffer_bytes: int = Field(
        64 * 1024,
        ge=4096,
        description="events one stream holds in memory, waiting for its client; beyond that it "
        "reads them back from the database once the client catches up",
    )
    socket_buffer_bytes: int = Field(
        64 * 1024,
        ge=0,
        description="the kernel's send buffer of a stream's connection (SO_SNDBUF; Linux "
        "doubles it), so a client that does not read holds little there too; 0: the kernel's "
        "own sizing (megabytes per connection)",
    )
    agent_away_after_seconds: float = Field(
        60.0,
        ge=0,
        description="an Online or Busy agent whose last agent stream (her console) has been gone "
        "this long becomes Away and her unanswered offers go to others; agents who never opened "
        "one are not concerned; 0: never",
    )
    agent_seen_seconds: float = Field(
        15.0,
        gt=0,
        description="how often each process records that the agents with an agent stream open "
        "in it were seen, and looks for agents whose stream is gone",
    )

    @model_validator(mode="after")
    def _seen_often_enough(self) -> StreamSettings:
        # A live stream is recorded at least twice within the limit, so one late round (a
        # slow database, a busy process) never sends its agent Away.
        away, seen = self.agent_away_after_seconds, self.agent_seen_seconds
        if away and away < 2 * seen:
            raise ValueError(
                f"agent_away_after_seconds ({away:g}) must be 0 or at least twice "
                f"agent_seen_seconds ({seen:g})"
            )
        return self


class LimitSettings(BaseModel):
    max_body_bytes: int = Field(64 * 1024, ge=1024)
    max_upload_bytes: int = Field(
        101 * 1024 * 1024, ge=1024, description="any upload, before the deployment's own limit"
    )
    max_text_chars: int = Field(10_000, ge=1)
    token_ttl_seconds: int = Field(6 * 3600, ge=60)
    agent_token_ttl_seconds: int = Field(12 * 3600, ge=60)
    revocation_cache_seconds: float = Field(2.0, ge=0)
    body_timeout_seconds: float = Field(
        30.0,
        gt=0,
        description="a request body (up to max_body_bytes) must arrive within this long, and an "
        "upload must not pause longer; else 408 and the connection is closed",
    )


class RateLimitSettings(BaseModel):
    """0 turns a limit off."""

    tokens_per_minute: int = Field(
        60, ge=0, description="new tokens and logins per client address (burst: as many)"
    )
    messages_per_second: float = Field(5.0, ge=0, description="per end user, after the burst")
    message_burst: int = Field(20, ge=0, description="messages an end user may send at once")
    streams_per_token: int = Field(20, ge=0, description="open streams per token and process")


class TimerSettings(BaseModel):
    poll_seconds: float = Field(0.5, gt=0, le=3600, description="how often due timers are fired")


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="LIVEDESK_", env_nested_delimiter="__")

    data_dir: Path = Path("livedesk-data")
    database_url: str | None = None
    redis_url: str | None = None
    redis_channel: str = Field(
        "livedesk:streams",
        min_length=1,
        description="the Redis pub/sub channel of the bus (with redis_url): every process of one "
        "deployment must share it, and deployments (or test runs) on one Redis each need their own",
    )
    token_key: str | None = Field(
        None,
        min_length=32,
        description="the key that signs tokens (at least 32 characters, e.g. from "
        "`python3 -c 'import secrets; print(secrets.token_urlsafe(48))'`): every process of one "
        "deployment needs the same; unset: a key file in the data folder",
    )
    demo: bool = False
    metrics_token: str | None = Field(
        None, description="if set, /metrics answers only `Authorization: Bearer <this>`"
    )
    migrate_on_start: bool = True
    streams: StreamSettings = StreamSettings()
    limits: LimitSettings = LimitSettings()
    timers: TimerSettings = TimerSettings()
    rate_limits: RateLimitSettings = RateLimitSettings()

    def resolved_database_url(self) -> str:
        return self.database_url or sqlite_url(self.data_dir)
