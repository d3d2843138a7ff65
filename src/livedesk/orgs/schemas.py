"""The org file, validated with pydantic. Unknown keys are errors so typos never pass silently."""

from __future__ import annotations

from datetime import date
from typing import Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from livedesk.kit.origins import parse_pattern
from livedesk.orgs.hours import DAYS, BusinessHours, parse_interval

_NAME = r"^[A-Za-z][A-Za-z0-9_]*$"
MAX_ATTRIBUTES = 50  # routing attributes (pre-chat answers) per call
MAX_ATTRIBUTE_CHARS = 1000  # characters of one attribute's value
RoutingModel = Literal["most_available", "least_active"]
ROUTING_MODELS: tuple[RoutingModel, ...] = ("most_available", "least_active")


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


def known_time_zone(value: str) -> str:
    """An IANA time zone name, or a clear refusal."""
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(f"unknown time zone {value!r} (use a name like Europe/Paris)") from None
    return value


class OrgInfo(Strict):
    id: str = Field(pattern=r"^00D[A-Za-z0-9]{12}$", description="15 characters, starts with 00D")
    name: str = Field(min_length=1, max_length=200)
    time_zone: str = Field("UTC", description="IANA; reports count days and hours in it")

    _known_zone = field_validator("time_zone")(known_time_zone)


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
    end_conversation_component: str | None = Field(
        None,
        description="a messaging component (`components`) the End Conversation auto-response "
        "sends after its text, once per session, to sessions an agent accepted",
    )
    inactive: str | None = None


class Holiday(Strict):
    date: date
    name: str | None = None


class BusinessHoursConfig(Strict):
    """A weekly schedule in a time zone: `weekly: {monday: ["09:00-17:00"], …}`; days not named
    are closed; holidays are closed all day."""

    name: str = Field(pattern=_NAME, max_length=80)
    time_zone: str
    weekly: dict[str, list[str]] = {}
    holidays: list[Holiday] = []

    _known_zone = field_validator("time_zone")(known_time_zone)

    @field_validator("weekly")
    @classmethod
    def _days_and_intervals(cls, value: dict[str, list[str]]) -> dict[str, list[str]]:
        for day, intervals in value.items():
            if day not in DAYS:
                raise ValueError(f"{day!r} is not a day; use {', '.join(DAYS)}")
            for interval in intervals:
                parse_interval(interval)
        return value

    def calendar(self) -> BusinessHours:
        """The schedule as `orgs.hours` computes with it."""
        weekly = tuple(tuple(parse_interval(i) for i in self.weekly.get(day, [])) for day in DAYS)
        return BusinessHours(
            self.name, self.time_zone, weekly, frozenset(h.date for h in self.holidays)
        )


class RoutingRule(Strict):
    """Send the session to `queue` when the routing attribute matches (first rule wins)."""

    attribute: str = Field(min_length=1, max_length=80)
    equals: str | None = None
    one_of: list[str] | None = None
    present: bool | None = None
    queue: str

    @model_validator(mode="after")
    def _one_test(self) -> RoutingRule:
        tests = [self.equals is not None, self.one_of is not None, self.present is True]
        if sum(tests) != 1:
            raise ValueError("give exactly one of `equals`, `one_of` or `present: true`")
        return self


class NotRouted(Strict):
    """What happens when a session cannot be routed (closed, queue full, wait too long)."""

    message: str = (
        "All our experts are busy right now. We have noted your request and an expert will "
        "answer you by email."
    )
    closed_message: str = (
        "We are closed right now; we open again {!opensAt}. We have noted your request and an "
        "expert will answer you by email."
    )
    create_case: bool = True


class RoutingConfig(Strict):
    rules: list[RoutingRule] = []
    not_routed: NotRouted = NotRouted()


class AttachmentPolicy(Strict):
    """Files in conversations; types are checked by content (magic bytes), not by name."""

    enabled: bool = True
    max_bytes: int = Field(10 * 1024 * 1024, ge=1, le=100 * 1024 * 1024)
    max_files_per_message: int = Field(1, ge=1, le=10)
    allowed_types: list[str] = [
        "image/png",
        "image/jpeg",
        "image/gif",
        "image/webp",
        "application/pdf",
        "text/plain",
    ]


class Keyset(Strict):
    """A key that signs customers' identity tokens (user verification)."""

    kid: str = Field(min_length=1, max_length=200)
    issuer: str = Field(min_length=1, max_length=500)
    audience: str = Field(min_length=1, max_length=500)
    algorithm: Literal["RS256", "ES256"] = "RS256"
    public_key: str | None = Field(None, description="PEM")
    public_key_file: str | None = Field(None, description="a PEM file, relative to the org file")
    max_lifetime_seconds: int = Field(3600, ge=60, le=7 * 86400)

    @model_validator(mode="after")
    def _one_key(self) -> Keyset:
        if (self.public_key is None) == (self.public_key_file is None):
            raise ValueError("give exactly one of `public_key` or `public_key_file`")
        if self.public_key is not None:
            from cryptography.hazmat.primitives.serialization import load_pem_public_key

            try:
                load_pem_public_key(self.public_key.encode())
            except ValueError:
                raise ValueError("`public_key` is not a PEM public key") from None
        return self


class UserVerification(Strict):
    keysets: list[Keyset] = []


class DeploymentConfig(Strict):
    developer_name: str = Field(pattern=_NAME, max_length=80)
    label: str | None = None
    prechat: Prechat = Prechat()
    queue: str | None = Field(None, description="the queue new sessions wait in")
    routing: RoutingConfig = RoutingConfig()
    business_hours: str | None = None
    auto_responses: AutoResponses = AutoResponses()
    customer_inactivity_minutes: int = Field(5, ge=5, le=30)
    auto_end_hours: int = Field(24, ge=24, le=30)
    allowed_origins: list[str] = Field(
        [], description="origins or patterns: https://*.example.com, http://localhost:*"
    )
    persist_prechat: bool = False
    when_unavailable: Literal["chat", "hide", "email"] = Field(
        "chat",
        description="when closed or no agent is Online: chat (the chat opens and says so), hide "
        "(no launcher), email (an email-us form that leaves a Case)",
    )
    attachments: AttachmentPolicy = AttachmentPolicy()
    user_verification: UserVerification = UserVerification()

    @field_validator("allowed_origins")
    @classmethod
    def _origin_patterns(cls, value: list[str]) -> list[str]:
        """Each entry is an origin or an origin pattern (livedesk.kit.origins), kept canonical."""
        return [str(parse_pattern(text)) for text in value]


class ServiceLevelTarget(Strict):
    """A queue's service level: `goal_percent` % of its customers taken within `within_seconds`
    (reports measure it; the goal is what the dashboard compares with)."""

    within_seconds: int = Field(20, ge=1, le=3600)
    goal_percent: int = Field(80, ge=1, le=100)


class QueueConfig(Strict):
    name: str = Field(pattern=_NAME, max_length=80)
    priority: int = Field(1, ge=1, le=100)
    work_weight: int = Field(1, ge=1, le=100)
    push_timeout_seconds: int = Field(30, ge=5, le=3600)
    max_waiting: int = Field(50, ge=1)
    max_ewt_seconds: int | None = Field(None, ge=1)
    overflow_queue: str | None = None
    routing_model: RoutingModel = "most_available"
    business_hours: str | None = None
    service_level: ServiceLevelTarget = ServiceLevelTarget()


class QuickText(Strict):
    """A canned response agents insert by typing `/` and its name; the auto-responses' merge
    fields (`{!firstName}`, `{!topic}`…) take the session's values."""

    name: str = Field(pattern=_NAME, max_length=80)
    label: str | None = Field(None, max_length=200)
    text: str = Field(min_length=1, max_length=4000)
    queues: list[str] = Field([], description="offered in sessions of these queues (none: all)")


ComponentType = Literal["choices", "form"]
FormFieldType = Literal["text", "number", "email", "rating", "choice"]
_CASE_FIELD = r"^[A-Za-z][A-Za-z0-9_]*$"
OTHER = "other"  # the optionIdentifier of a choices component's free-text choice


class ComponentOption(Strict):
    """One choice of a choices component: `value` is its `optionIdentifier` on the wire (the
    label by default), `label` what the customer reads (merge fields allowed)."""

    value: str = Field(pattern=r"^[^\x00-\x1f\x7f]+$", min_length=1, max_length=80)
    label: str = Field(min_length=1, max_length=200)
    reopens: bool = Field(
        False,
        description="after the session ended, this answer opens a new session of the "
        "conversation in the ended session's queue",
    )

    @model_validator(mode="before")
    @classmethod
    def _from_text(cls, data: Any) -> Any:
        """`"Yes"` is short for `{value: "Yes", label: "Yes"}`; the value defaults to the label."""
        if isinstance(data, bool):
            raise ValueError(
                'YAML reads an unquoted Yes, No, On or Off as true or false: quote it ("Yes")'
            )
        if isinstance(data, str):
            return {"value": data, "label": data}
        if isinstance(data, dict) and "value" not in data and isinstance(data.get("label"), str):
            return {**data, "value": data["label"]}
        return data


class ComponentField(Strict):
    """One input of a form component."""

    name: str = Field(pattern=_NAME, max_length=80)
    label: str = Field(min_length=1, max_length=200)
    type: FormFieldType = "text"
    required: bool = False
    choices: list[str] = Field([], description="choice: the values offered", max_length=20)
    max_length: int = Field(1000, ge=1, le=10_000, description="text, email: at most")
    min: float | None = Field(None, description="number: at least")
    max: float | None = Field(None, description="number: at most")
    case_field: str | None = Field(
        None, pattern=_CASE_FIELD, max_length=80, description="store the answer on the Case"
    )

    @model_validator(mode="after")
    def _fits_its_type(self) -> ComponentField:
        if self.type == "choice" and not self.choices:
            raise ValueError("a choice field needs at least one entry in `choices`")
        if self.type != "choice" and self.choices:
            raise ValueError("only a choice field has `choices`")
        if self.type != "number" and (self.min is not None or self.max is not None):
            raise ValueError("only a number field has `min` and `max`")
        if self.min is not None and self.max is not None and self.min > self.max:
            raise ValueError("`min` is more than `max`")
        return self


class ComponentConfig(Strict):
    """A messaging component agents, flows and the End Conversation auto-response send: a
    question with choices (MIAW's `ChoicesMessage`, as buttons or quick replies, optionally with
    an "other" choice answered in free text) or a short form (`FormMessage`). `text`, labels and
    choices take the auto-responses' merge fields."""

    name: str = Field(pattern=_NAME, max_length=80)
    type: ComponentType
    text: str = Field(
        min_length=1, max_length=1000, description="the question, or the form's title"
    )
    format: Literal["buttons", "quick_replies"] = Field("buttons", description="choices only")
    options: list[ComponentOption] = Field([], max_length=10, description="choices only")
    other: str | None = Field(
        None,
        min_length=1,
        max_length=200,
        description="choices: the label of an extra choice answered in free text",
    )
    fields: list[ComponentField] = Field([], max_length=10, description="form only")
    case_field: str | None = Field(
        None,
        pattern=_CASE_FIELD,
        max_length=80,
        description="choices: store the chosen value on the session's Case, in this field",
    )
    answer_window_hours: int = Field(
        24, ge=0, le=24 * 30, description="how long after its session ended it may be answered"
    )

    @model_validator(mode="after")
    def _fits_its_type(self) -> ComponentConfig:
        if self.type == "choices":
            if not self.options:
                raise ValueError("a choices component needs at least one entry in `options`")
            if self.fields:
                raise ValueError("only a form component has `fields`")
            values = [o.value for o in self.options]
            if len(set(values)) != len(values):
                raise ValueError("two options have the same value")
            if self.other is not None and OTHER in values:
                raise ValueError(f"{OTHER!r} is the value of the `other` choice")
        else:
            if not self.fields:
                raise ValueError("a form component needs at least one entry in `fields`")
            if self.options or self.other is not None or self.case_field is not None:
                raise ValueError(
                    "`options`, `other` and `case_field` belong to choices components "
                    "(a form's fields each have their own `case_field`)"
                )
            names = [f.name for f in self.fields]
            if len(set(names)) != len(names):
                raise ValueError("two fields have the same name")
        return self


class AgentConfig(Strict):
    username: str = Field(pattern=r"^[a-z][a-z0-9_.-]*$", max_length=80)
    display_name: str | None = None
    password: str | None = Field(None, min_length=1)
    password_hash: str | None = None
    roles: list[Literal["agent", "supervisor", "admin"]] = ["agent"]
    capacity: int = Field(3, ge=0, le=100)
    queues: list[str] = []
    skills: list[str] = []

    @model_validator(mode="after")
    def _one_password(self) -> AgentConfig:
        if (self.password is None) == (self.password_hash is None):
            raise ValueError("give exactly one of `password` or `password_hash`")
        return self


FieldType = Literal["text", "number", "boolean", "email", "date", "reference"]


class FieldSpec(Strict):
    type: FieldType = "text"
    required: bool = False
    max_length: int = Field(255, ge=1, le=100_000)


class ObjectConfig(Strict):
    """A custom object (records of it are stored like Cases)."""

    name: str = Field(pattern=r"^[A-Za-z][A-Za-z0-9_]*__c$", max_length=80)
    label: str | None = None
    fields: dict[str, FieldSpec] = {}


class EventTypeConfig(Strict):
    """A platform event type: a schema for published messages."""

    name: str = Field(pattern=r"^[A-Za-z][A-Za-z0-9_]*__e$", max_length=80)
    fields: dict[str, FieldSpec] = {}
    retention_hours: int = Field(72, ge=1, le=24 * 30)


Access = Literal["read", "create", "edit"]


class Assignment(Strict):
    agents: list[str] = []
    roles: list[Literal["agent", "supervisor", "admin"]] = []
    end_users: bool = False
    clients: list[str] = Field([], description="integration clients: the users they bring")


class PermissionSetConfig(Strict):
    name: str = Field(pattern=_NAME, max_length=80)
    objects: dict[str, list[Access]] = {}
    events: dict[str, list[Literal["read", "create"]]] = {}
    assigned_to: Assignment = Assignment()


# What `livedesk apply` stores, read back as the same models (one default for each setting: the
# one above). Extra keys are ignored, so a row written by another version still reads.


class StoredDeployment(DeploymentConfig):
    """A deployment's stored configuration, with its business hours copied in."""

    model_config = ConfigDict(extra="ignore")
    business_hours_spec: BusinessHoursConfig | None = None

    @field_validator("allowed_origins")
    @classmethod
    def _origin_patterns(cls, value: list[str]) -> list[str]:
        """As stored: rows from before patterns were checked may hold what no longer parses
        (a bare `*`); the origin cache (orgs.caches) skips those, so they allow nothing."""
        return value


class StoredQueue(QueueConfig):
    """A queue's stored configuration, with its business hours copied in."""

    model_config = ConfigDict(extra="ignore")
    business_hours_spec: BusinessHoursConfig | None = None


class OrgSettings(BaseModel):
    """The org-wide sections of the org file, stored on the org. Flows stay their stored
    definitions: `flows.definition` reads them (it sits above orgs)."""

    model_config = ConfigDict(extra="ignore")
    time_zone: str = "UTC"  # the org's (org file `org.time_zone`)
    objects: list[ObjectConfig] = []
    event_types: list[EventTypeConfig] = []
    permission_sets: list[PermissionSetConfig] = []
    flows: list[dict[str, Any]] = []
    quick_texts: list[QuickText] = []
    components: list[ComponentConfig] = []

    def component(self, name: str) -> ComponentConfig | None:
        return next((c for c in self.components if c.name == name), None)

    def object_fields(self, name: str) -> dict[str, FieldSpec] | None:
        return next((o.fields for o in self.objects if o.name == name), None)

    def event_type(self, name: str) -> EventTypeConfig | None:
        return next((e for e in self.event_types if e.name == name), None)
