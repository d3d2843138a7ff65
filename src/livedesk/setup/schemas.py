"""The whole org file: its sections and the references between them, checked at load."""

from __future__ import annotations

from pydantic import Field, model_validator

from livedesk.flows.definition import Flow
from livedesk.orgs.schemas import (
    AgentConfig,
    BusinessHoursConfig,
    ComponentConfig,
    DeploymentConfig,
    EventTypeConfig,
    ObjectConfig,
    OrgInfo,
    PermissionSetConfig,
    QueueConfig,
    QuickText,
    Strict,
)


class OrgFile(Strict):
    org: OrgInfo
    business_hours: list[BusinessHoursConfig] = Field(default_factory=list)
    deployments: list[DeploymentConfig] = Field(default_factory=list)
    queues: list[QueueConfig] = Field(default_factory=list)
    agents: list[AgentConfig] = Field(default_factory=list)
    objects: list[ObjectConfig] = Field(default_factory=list)
    event_types: list[EventTypeConfig] = Field(default_factory=list)
    permission_sets: list[PermissionSetConfig] = Field(default_factory=list)
    flows: list[Flow] = Field(default_factory=list)
    quick_texts: list[QuickText] = Field(default_factory=list)
    components: list[ComponentConfig] = Field(default_factory=list)

    @model_validator(mode="after")
    def _references(self) -> OrgFile:
        queue_names = {q.name for q in self.queues}
        hours_names = {h.name for h in self.business_hours}
        _unique("business_hours", [h.name for h in self.business_hours])
        _unique("deployments", [d.developer_name for d in self.deployments])
        _unique("queues", [q.name for q in self.queues])
        _unique("agents", [a.username for a in self.agents])
        _unique("components", [c.name for c in self.components])
        component_names = {c.name for c in self.components}
        for d in self.deployments:
            if d.queue is not None and d.queue not in queue_names:
                raise ValueError(f"deployment {d.developer_name}: unknown queue {d.queue!r}")
            for rule in d.routing.rules:
                if rule.queue not in queue_names:
                    raise ValueError(
                        f"deployment {d.developer_name}: routing rule for {rule.attribute!r} "
                        f"names an unknown queue {rule.queue!r}"
                    )
            if d.business_hours is not None and d.business_hours not in hours_names:
                raise ValueError(
                    f"deployment {d.developer_name}: unknown business_hours {d.business_hours!r}"
                )
            component = d.auto_responses.end_conversation_component
            if component is not None and component not in component_names:
                raise ValueError(
                    f"deployment {d.developer_name}: auto_responses.end_conversation_component "
                    f"names an unknown component {component!r}"
                )
        for q in self.queues:
            if q.overflow_queue is not None and q.overflow_queue not in queue_names:
                raise ValueError(f"queue {q.name}: unknown overflow_queue {q.overflow_queue!r}")
            if q.overflow_queue == q.name:
                raise ValueError(f"queue {q.name}: a queue cannot overflow to itself")
            if q.business_hours is not None and q.business_hours not in hours_names:
                raise ValueError(f"queue {q.name}: unknown business_hours {q.business_hours!r}")
        objects = {"Case", "Contact"} | {o.name for o in self.objects}
        events = {e.name for e in self.event_types}
        usernames = {a.username for a in self.agents}
        _unique("objects", [o.name for o in self.objects])
        _unique("event_types", [e.name for e in self.event_types])
        _unique("permission_sets", [p.name for p in self.permission_sets])
        _unique("flows", [f.name for f in self.flows])
        _unique("quick_texts", [t.name for t in self.quick_texts])
        for text in self.quick_texts:
            for name in text.queues:
                if name not in queue_names:
                    raise ValueError(f"quick text {text.name}: unknown queue {name!r}")
        for ps in self.permission_sets:
            for name in ps.objects:
                if name not in objects:
                    raise ValueError(f"permission set {ps.name}: unknown object {name!r}")
            for name in ps.events:
                if name not in events:
                    raise ValueError(f"permission set {ps.name}: unknown event type {name!r}")
            for username in ps.assigned_to.agents:
                if username not in usernames:
                    raise ValueError(f"permission set {ps.name}: unknown agent {username!r}")
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


def with_hours(config: dict[str, object], name: object, org: OrgFile) -> dict[str, object]:
    """A deployment's or queue's stored config, with its business hours copied in as
    `business_hours_spec` (routing then needs no second lookup)."""
    spec = next((h for h in org.business_hours if h.name == name), None)
    return {**config, "business_hours_spec": spec.model_dump(mode="json") if spec else None}
