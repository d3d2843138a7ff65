"""Customer-side flows: an agent message `lwc:flow:<Flow>&recordId=<id>` (the seed convention)
starts that flow for the customer, whose stream gets the flow's screen instead of the text; the
customer answers through the MIAW API and the flow goes on (it may publish the platform event
the agent's flow waits for)."""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import unquote

from sqlalchemy import Connection

from livedesk.conversations import entries
from livedesk.conversations.entries import EntryType, NewEntry, Sender
from livedesk.errors import not_found
from livedesk.flows import interpreter, repository
from livedesk.flows.definition import Flow
from livedesk.flows.runtime import DbRuntime
from livedesk.kit.ids import new_id
from livedesk.orgs import repository as org_repository

FLOW_LINK = re.compile(r"^lwc:flow:([A-Za-z][A-Za-z0-9_]*)((?:&[A-Za-z_][A-Za-z0-9_]*=[^&\s]*)*)$")
FLOW_SENDER = Sender("System", "flow", "Flow")


def parse_link(text: str) -> tuple[str, dict[str, str]] | None:
    match = FLOW_LINK.match(text.strip())
    if match is None:
        return None
    pairs = [p.split("=", 1) for p in match.group(2).split("&") if p]
    return match.group(1), {k: unquote(v) for k, v in pairs}


def customer_flow(conn: Connection, org_id: str, name: str) -> Flow | None:
    for data in org_repository.org_config(conn, org_id).flows:
        if data["name"] == name:
            flow = Flow.model_validate(data)
            return flow if flow.audience in ("customer", "any") else None
    return None


def flow_payload(
    identifier: str, text: str, interview_id: str, flow: str, state: Any
) -> dict[str, Any]:
    """A MIAW `FormMessage` entry carrying the flow's screen (LiveDesk's `flow` extension); its
    text is the original link, so plain MIAW clients still show something."""
    payload = entries.text_message(identifier, text)
    message = payload["abstractMessage"]
    message["messageType"] = "FormMessage"
    message["flow"] = {
        "interviewId": interview_id,
        "flowName": flow,
        "status": state.status,
        "screen": state.screen,
    }
    return payload


def launch(
    conn: Connection,
    org_id: str,
    end_user_id: str,
    link_text: str,
    identifier: str,
    now: int,
) -> dict[str, Any] | None:
    """Start the linked flow for the customer; the payload to send instead of the text, or None
    when the text names no customer flow (then it is sent as it is)."""
    parsed = parse_link(link_text)
    if parsed is None:
        return None
    name, inputs = parsed
    flow = customer_flow(conn, org_id, name)
    if flow is None:
        return None
    inputs = {k: v for k, v in inputs.items() if k in flow.variables and flow.variables[k].input}
    state = interpreter.start(flow, inputs, DbRuntime(conn, org_id, None, now), now)
    interview_id = new_id()
    repository.insert_interview(
        conn, interview_id, org_id, name, ("EndUser", end_user_id), state, now
    )
    return flow_payload(identifier, link_text, interview_id, name, state)


def answer(
    conn: Connection,
    org_id: str,
    customer: Sender,
    interview_id: str,
    values: dict[str, Any],
    now: int,
    response_id: str,
) -> list[NewEntry]:
    """The customer submits the current screen: the response and the next screen, as entries."""
    row = repository.get_interview(conn, interview_id, lock=True)
    if row is None or row.owner_role != "EndUser" or row.owner_id != customer.subject:
        raise not_found("interview_not_found", "There is no such form for you.")
    flow = customer_flow(conn, org_id, row.flow)
    if flow is None:
        raise not_found("interview_not_found", "This form is no longer available.")
    runtime = DbRuntime(conn, org_id, None, now)
    state = interpreter.resume(flow, interpreter.Interview.from_json(row.state), runtime, values)
    repository.save(conn, row.id, state, now)
    response = entries.text_message(response_id, ", ".join(str(v) for v in values.values()))
    response["abstractMessage"]["messageType"] = "FormResponseMessage"
    response["abstractMessage"]["formResponse"] = {"interviewId": row.id, "values": values}
    new = [NewEntry(response_id, EntryType.MESSAGE, customer, response)]
    if state.status in ("screen", "failed"):
        screen_id = new_id()
        text = (state.screen or {}).get("title", "") or state.error or ""
        new.append(
            NewEntry(
                screen_id,
                EntryType.MESSAGE,
                FLOW_SENDER,
                flow_payload(screen_id, text, row.id, row.flow, state),
            )
        )
    return new


class CustomerFlows:
    """Customer flows as the Conversation Toolkit needs them (`toolkit.actions.CustomerFlows`):
    the toolkit sits below flows, so flows hand this in."""

    def exists(self, conn: Connection, org_id: str, name: str) -> bool:
        return customer_flow(conn, org_id, name) is not None

    launch = staticmethod(launch)
