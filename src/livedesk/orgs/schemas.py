"""The org file, validated with pydantic. Unknown keys are errors so typos never pass silently."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

_NAME = r"^[A-Za-z][A-Za-z0-9_]*$"


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class OrgInfo(Strict):
    id: str = Field(pattern=r"^00D[A-Za-z0-9]{12}$", description="15 characters, starts with 00D")
    name: str = Field(min_length=1, max_length=200)


class PrechatField(Strict):
    name: str = Field(pattern=r"^_?[A-Za-z][A-Za-z0-9_]*$")
    label: str
    type: Literal["text", "email", "phone", "choice"] = "text"
    required: bool = False
    choices: list[str] = []
    max_length: int = Field(255, ge=1, le=10_000)

    @model_validator(mode="after")
    def _choices_for_choice_lists(self) -> PrechatField:
        if self.type == "choice" and not self.choices:
            raise ValueError("a choice field needs at least one entry in `choices`")
        return self


class Prechat(Strict):
    display_context: Literal["Conversation", "Session"] = "Conversation"
    fields: list[PrechatField] = []
    hidden_fields: list[str] = []


class AutoResponses(Strict):
    acknowledgment: str | None = None
    end_conversation: str | None = None
    inactive: str | None = None


class DeploymentConfig(Strict):
    developer_name: str = Field(pattern=_NAME, max_length=80)
    label: str | None = None
    prechat: Prechat = Prechat()
    queue: str | None = Field(None, description="the queue new sessions wait in")
    auto_responses: AutoResponses = AutoResponses()
    customer_inactivity_minutes: int = Field(5, ge=5, le=30)
    auto_end_hours: int = Field(24, ge=24, le=30)
    allowed_origins: list[str] = []
    persist_prechat: bool = False


class QueueConfig(Strict):
    name: str = Field(pattern=_NAME, max_length=80)
    priority: int = Field(1, ge=1, le=100)
    work_weight: int = Field(1, ge=1, le=100)
    push_timeout_seconds: int = Field(30, ge=5, le=3600)
    max_waiting: int = Field(50, ge=1)
    overflow_queue: str | None = None


class AgentConfig(Strict):
    username: str = Field(pattern=r"^[a-z][a-z0-9_.-]*$", max_length=80)
    display_name: str | None = None
    password: str | None = Field(None, min_length=1)
    password_hash: str | None = None
    roles: list[Literal["agent", "supervisor", "admin"]] = ["agent"]
    capacity: int = Field(3, ge=0, le=100)
    queues: list[str] = []

    @model_validator(mode="after")
    def _one_password(self) -> AgentConfig:
        if (self.password is None) == (self.password_hash is None):
            raise ValueError("give exactly one of `password` or `password_hash`")
        return self


class OrgFile(Strict):
    org: OrgInfo
    deployments: list[DeploymentConfig] = []
    queues: list[QueueConfig] = []
    agents: list[AgentConfig] = []

    @model_validator(mode="after")
    def _references(self) -> OrgFile:
        queue_names = {q.name for q in self.queues}
        _unique("deployments", [d.developer_name for d in self.deployments])
        _unique("queues", [q.name for q in self.queues])
        _unique("agents", [a.username for a in self.agents])
        for d in self.deployments:
            if d.queue is not None and d.queue not in queue_names:
                raise ValueError(f"deployment {d.developer_name}: unknown queue {d.queue!r}")
        for q in self.queues:
            if q.overflow_queue is not None and q.overflow_queue not in queue_names:
                raise ValueError(f"queue {q.name}: unknown overflow_queue {q.overflow_queue!r}")
        for a in self.agents:
            for name in a.queues:
                if name not in queue_names:
                    raise ValueError(f"agent {a.username}: unknown queue {name!r}")
        return self


def _unique(what: str, names: list[str]) -> None:
    seen: set[str] = set()
    for name in names:
        if name in seen:
            raise ValueError(f"{what}: {name!r} appears twice")
        seen.add(name)
