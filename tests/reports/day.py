"""The scripted day of issue 18: a Tuesday of the demo org (time zone Europe/Paris, UTC+1 in
November) played through the public API with a fake clock, and every figure the reports must
give for it, worked out by hand below (Paris times).

`build_day(api, app, clock)` plays it (the org: the demo's, with Loans open 08:00-20:00 — `ORG`,
applied by `use_org`) and returns the sessions' ids by name. The clock ends at 15:00 on the next
day, so "today" is not the scripted day: pick it (`DAY`).

    ada Online 09:00:00, Busy 09:11:05, Online 09:12:00, Offline 00:35 (the next day).
    grace Online 09:11:00, Offline 09:13:30.

    S1 General: asks 09:00:10 (the acknowledgment, automated), writes 09:00:12; ada accepts
       09:00:25 (waited 15 s), answers 09:00:40; the customer 09:01:00, ada 09:01:30; ada asks
       "Answered_Question" 09:01:40 (a component, automated), the customer answers Yes 09:01:50
       (automated); ada ends 09:02:00 (the end text and the survey: automated); survey 5 at
       09:02:30.
       wait 15; first response 15 (09:00:25 → 09:00:40); customer's first response 28
       (09:00:12 → 09:00:40); responses 15 (from the acceptance, 09:00:25 → 09:00:40) and 30
       (09:01:00 → 09:01:30): average 22.5, longest 30; handle 95 (09:00:25 → 09:02:00);
       messages 2 customer, 2 agent, 6 automated; CSAT 5; answered Yes.
    S2 Billing → General: asks 09:10:00; ada accepts 09:10:20 (20 s in Billing); the customer
       09:10:30, ada 09:10:50; ada Busy 09:11:05 and transfers to General 09:11:10; grace (the
       only one Online) accepts 09:11:40 (30 s in General); the customer 09:12:00, grace
       09:12:10; grace ends 09:13:00; the survey is never answered.
       wait 50 (Billing 20, General 30); 1 transfer; agent grace; first response 30 (09:10:20 →
       09:10:50); customer's first response 20; responses 20 and 10: average 15, longest 20;
       handle 160 (09:10:20 → 09:13:00); messages 2, 2, 3 automated (acknowledgment, end text,
       survey).
    S3 General, Inactive and back: asks 10:00:00; ada accepts 10:00:05
       (5 s); the customer 10:00:10, ada 10:00:20; ada marks it inactive 10:01:00; the customer
       writes again 10:06:00 (it waits again); ada accepts 10:06:20 (20 s); ada 10:06:30; the
       customer ends it 10:07:00; the survey answered 3 at 15:00, hours later.
       wait 25 (5 + 20; coming back from Inactive is no transfer); first response 15;
       customer's first 10; responses 10 and 30: average 20, longest 30; inactive 300
       (10:01:00 → 10:06:00); handle 415 (10:00:05 → 10:07:00); ended by the customer; CSAT 3
       (only after 15:00).
    S4 General, abandoned: asks 11:00:00 (offered to ada, who does not answer), writes 11:00:05,
       ends it 11:00:45. abandoned after 45 s.
    S5 Loans at 21:00: closed, not routed (OutsideBusinessHours); it counts for Loans.
    S6 General, across midnight: asks 23:58:00; ada accepts 23:58:30 (30 s); the customer
       23:59:00; ada opens a Case and starts the agent flow 23:59:10 (two messages the flow
       sends as her: automated); ada answers 00:00:30; ends 00:01:00. It counts on the
       scripted day (it entered its queue then).
       first response 120 (23:58:30 → 00:00:30, the flow's messages are no reply); customer's
       first 90; responses 90; handle 150; messages 1, 1, 4 automated (acknowledgment, the
       flow's two, the end text; the survey makes 5).
    S7 General, the next day: asks 00:30:00, ada accepts 00:30:10, ends 00:31:00 — in UTC it is
       still the scripted day (23:30Z): the org's time zone puts it on the next.

The scripted day, S1-S6:
    sessions 6, abandoned 1 (S4), not routed 1 (S5)
    wait: 15, 50, 25, 45, 30 → count 5, average 33, median 30 (3rd of 15 25 30 45 50), p90 50
    first response: 15, 30, 15, 120 → average 45, median 15 (2nd of 15 15 30 120), p90 120
    handle: 95, 160, 415, 150 → average 205, median 150, p90 415
    CSAT: 5, 3 → average 4 (before 15:00: 5 alone)
    service level (20 s everywhere): stays S1 15 ✓, S2 Billing 20 ✓, S2 General 30 ✗, S3 5 ✓,
    S3 20 ✓, S4 abandoned, S6 30 ✗ → 4 of 7; General 3 of 6 = 50 %, Billing 1 of 1, Loans none.
    by queue (first): General S1 S3 S4 S6, Billing S2, Loans S5.
    by hour: 09:00 S1 S2, 10:00 S3, 11:00 S4, 21:00 S5, 23:00 S6.

Agents on the scripted day (00:00 → 24:00 Paris):
    ada: Offline 32,400 s (to 09:00), Online 665 (09:00 → 09:11:05) + 53,280 (09:12 → 24:00)
    = 53,945, Busy 55; handling while Online: S1 95, S2 45 (09:10:20 → 09:11:05; Busy after),
    S3 55 + 40, S6 90 (to midnight) = 325 → occupancy 325 / 53,945 = 0.6025 %; 4 sessions
    handled (S1, S2, S3 — twice accepted, once counted — S6).
    grace: Offline 33,060 + 53,190 = 86,250, Online 150; handling 80 (09:11:40 → 09:13:00) →
    occupancy 53.33 %; 1 session handled.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from fastapi import FastAPI

from livedesk.kit.clock import FakeClock
from livedesk.orgs.schemas import BusinessHoursConfig
from livedesk.setup.schemas import OrgFile
from livedesk.setup.service import apply_org
from tests.helpers import DEPLOYMENT, MIAW, Agent, Api, Customer, uid

PARIS = ZoneInfo("Europe/Paris")
DAY = "2026-11-24"
NEXT_DAY = "2026-11-25"


def paris(hour: int, minute: int, second: int = 0, day: int = 24) -> int:
    """Epoch ms of a Paris time in November 2026."""
    return int(datetime(2026, 11, day, hour, minute, second, tzinfo=PARIS).timestamp() * 1000)


def with_loans_hours(org: OrgFile) -> OrgFile:
    """The demo org with Loans open 08:00-20:00 every day (Paris)."""
    every_day = {
        d: ["08:00-20:00"]
        for d in ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
    }
    hours = BusinessHoursConfig(name="Loans_Hours", time_zone="Europe/Paris", weekly=every_day)
    queues = [
        q.model_copy(update={"business_hours": "Loans_Hours"}) if q.name == "Loans" else q
        for q in org.queues
    ]
    return org.model_copy(update={"business_hours": [*org.business_hours, hours], "queues": queues})


async def use_org(app: FastAPI, org: OrgFile) -> None:
    c = app.state.container
    await apply_org(c.db, c.clock, with_loans_hours(org))


@dataclass
class Day:
    sessions: dict[str, str] = field(default_factory=dict)  # S1… → session id


class Script:
    def __init__(self, api: Api, clock: FakeClock) -> None:
        self.api = api
        self.clock = clock
        self.agents: dict[str, tuple[Agent, int]] = {}  # her token, when she signed in

    def at(self, ms: int) -> None:
        assert ms >= self.clock.now_ms(), "the script only goes forward"
        self.clock.advance((ms - self.clock.now_ms()) / 1000)

    async def agent(self, name: str) -> Agent:
        """Her token, signed in again when it is older than an hour (they last 12)."""
        held = self.agents.get(name)
        if held is None or self.clock.now_ms() - held[1] > 3_600_000:
            held = (await self.api.agent(name), self.clock.now_ms())
            self.agents[name] = held
        return held[0]

    async def presence(self, name: str, status: str) -> None:
        await (await self.agent(name)).presence(status)

    async def ask(self, topic: str, first_name: str) -> Customer:
        customer = await self.api.customer()
        attributes = {"_firstName": first_name, "_email": f"{first_name.lower()}@example.com"}
        r = await customer.create_conversation(routingAttributes={**attributes, "Topic": topic})
        assert r.status_code == 201, r.text
        return customer

    async def write(self, customer: Customer, text: str) -> None:
        r = await customer.send(text)
        assert r.status_code == 202, r.text

    async def accept(self, name: str, customer: Customer) -> None:
        r = await (await self.agent(name)).accept(customer.session_id or "")
        assert r.status_code == 200, r.text

    async def act(self, name: str, customer: Customer, **body: Any) -> dict[str, Any]:
        r = await (await self.agent(name)).act(customer.session_id or "", **body)
        assert r.status_code == 200, r.text
        result: dict[str, Any] = r.json()
        return result

    async def say(self, name: str, customer: Customer, text: str) -> None:
        await self.act(name, customer, actionType="sendMessage", message=text)

    async def customer_ends(self, customer: Customer) -> None:
        r = await self.api.http.delete(
            f"{MIAW}/conversation/{customer.conversation_id}/session",
            params={"esDeveloperName": DEPLOYMENT},
            headers=customer.headers,
        )
        assert r.status_code == 204, r.text

    async def answer(self, customer: Customer, question: str, **answer: Any) -> None:
        message: dict[str, Any] = {"id": uid(), "inReplyToMessageId": question}
        if "choice" in answer:
            message["messageType"] = "ChoicesResponseMessage"
            message["choicesResponse"] = {
                "formatType": "Selections",
                "selectedOptions": [{"optionIdentifier": answer["choice"]}],
            }
        else:
            message["messageType"] = "FormResponseMessage"
            message["formResponse"] = {"formatType": "Result", "values": answer["values"]}
        r = await self.api.http.post(
            f"{MIAW}/conversation/{customer.conversation_id}/message",
            json={"message": message, "esDeveloperName": DEPLOYMENT},
            headers=customer.headers,
        )
        assert r.status_code == 202, r.text

    async def survey(self, customer: Customer) -> str:
        """The id of the survey the end sent."""
        r = await customer.history(direction="FromStart")
        assert r.status_code == 200, r.text
        [found] = [
            e["identifier"]
            for e in r.json()["conversationEntries"]
            if e["entryType"] == "Message"
            and e["entryPayload"]["abstractMessage"].get("component", {}).get("name")
            == "Post_Chat_Survey"
        ]
        return str(found)


async def build_day(api: Api, app: FastAPI, clock: FakeClock, *, until: int | None = None) -> Day:
    """Play the day (see the module's docstring), the clock ending at `until` (default: 15:00
    the next day); the org must be `use_org`'s."""
    day = Day()
    s = Script(api, clock)
    s.at(paris(9, 0))
    await s.presence("ada", "Online")

    s.at(paris(9, 0, 10))
    c1 = await s.ask("General", "Ann")
    s.at(paris(9, 0, 12))
    await s.write(c1, "Hello, my card is blocked")
    s.at(paris(9, 0, 25))
    await s.accept("ada", c1)
    s.at(paris(9, 0, 40))
    await s.say("ada", c1, "Hello Ann, let me look.")
    s.at(paris(9, 1, 0))
    await s.write(c1, "Thanks")
    s.at(paris(9, 1, 30))
    await s.say("ada", c1, "It is unblocked now.")
    s.at(paris(9, 1, 40))
    asked = await s.act("ada", c1, actionType="sendComponent", component="Answered_Question")
    s.at(paris(9, 1, 50))
    await s.answer(c1, asked["entryId"], choice="Yes")
    s.at(paris(9, 2, 0))
    await s.act("ada", c1, actionType="endChat")
    s.at(paris(9, 2, 30))
    await s.answer(c1, await s.survey(c1), values={"csat": 5})
    day.sessions["S1"] = c1.session_id or ""

    s.at(paris(9, 10, 0))
    c2 = await s.ask("Billing", "Bob")
    s.at(paris(9, 10, 20))
    await s.accept("ada", c2)
    s.at(paris(9, 10, 30))
    await s.write(c2, "A charge I do not know")
    s.at(paris(9, 10, 50))
    await s.say("ada", c2, "Let me pass you to a colleague.")
    s.at(paris(9, 11, 0))
    await s.presence("grace", "Online")
    s.at(paris(9, 11, 5))
    await s.presence("ada", "Busy")
    s.at(paris(9, 11, 10))
    await s.act("ada", c2, actionType="transfer", queue="General")
    s.at(paris(9, 11, 40))
    await s.accept("grace", c2)
    s.at(paris(9, 12, 0))
    await s.write(c2, "Hello?")
    await s.presence("ada", "Online")
    s.at(paris(9, 12, 10))
    await s.say("grace", c2, "Hello Bob, I see the charge.")
    s.at(paris(9, 13, 0))
    await s.act("grace", c2, actionType="endChat")
    s.at(paris(9, 13, 30))
    await s.presence("grace", "Offline")
    day.sessions["S2"] = c2.session_id or ""

    s.at(paris(10, 0, 0))
    c3 = await s.ask("General", "Cy")
    s.at(paris(10, 0, 5))
    await s.accept("ada", c3)
    s.at(paris(10, 0, 10))
    await s.write(c3, "Where is my parcel?")
    s.at(paris(10, 0, 20))
    await s.say("ada", c3, "Let me check.")
    s.at(paris(10, 1, 0))
    await s.act("ada", c3, actionType="markInactive")
    s.at(paris(10, 6, 0))
    await s.write(c3, "Still there?")
    s.at(paris(10, 6, 20))
    await s.accept("ada", c3)
    s.at(paris(10, 6, 30))
    await s.say("ada", c3, "Yes: it arrives tomorrow.")
    s.at(paris(10, 7, 0))
    await s.customer_ends(c3)
    day.sessions["S3"] = c3.session_id or ""
    late_survey = (c3, await s.survey(c3))

    s.at(paris(11, 0, 0))
    c4 = await s.ask("General", "Di")
    s.at(paris(11, 0, 5))
    await s.write(c4, "Anyone?")
    s.at(paris(11, 0, 45))
    await s.customer_ends(c4)
    day.sessions["S4"] = c4.session_id or ""

    s.at(paris(15, 0, 0))
    customer, survey = late_survey  # hours after the end: its kept figures take it in
    await s.answer(customer, survey, values={"csat": 3})

    s.at(paris(21, 0, 0))
    c5 = await s.ask("Loans", "Eve")
    day.sessions["S5"] = c5.session_id or ""

    s.at(paris(23, 58, 0))
    c6 = await s.ask("General", "Fay")
    s.at(paris(23, 58, 30))
    await s.accept("ada", c6)
    s.at(paris(23, 59, 0))
    await s.write(c6, "Is my loan approved?")
    s.at(paris(23, 59, 10))
    ada = await s.agent("ada")
    case_id = await ada.link_case(c6.session_id or "")
    r = await api.http.post(
        "/api/v1/flows/Use_of_Funds_Agent/interviews",
        json={"inputs": {"recordId": case_id}},
        headers=ada.headers,
    )
    assert r.status_code == 201, r.text
    s.at(paris(0, 0, 30, day=25))
    await s.say("ada", c6, "Nearly: tell us what the funds are for.")
    s.at(paris(0, 1, 0, day=25))
    await s.act("ada", c6, actionType="endChat")
    day.sessions["S6"] = c6.session_id or ""

    s.at(paris(0, 30, 0, day=25))
    c7 = await s.ask("General", "Gus")
    s.at(paris(0, 30, 10, day=25))
    await s.accept("ada", c7)
    s.at(paris(0, 31, 0, day=25))
    await s.act("ada", c7, actionType="endChat")
    s.at(paris(0, 35, 0, day=25))
    await s.presence("ada", "Offline")
    day.sessions["S7"] = c7.session_id or ""

    s.at(until if until is not None else paris(15, 0, 0, day=25))
    return day
