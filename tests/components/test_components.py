"""Messaging components (issue 17) through the API: each type sent by the agent and answered with
MIAW's response messages, each invalid answer refused with its code, the post-chat survey of the
End Conversation auto-response answered after the end (within its window, never opening a
session), a "No" after the end opening a new session in the same queue, and the answers stored
on the session (and its Case)."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi import FastAPI

from livedesk.kit.clock import FakeClock
from livedesk.orgs.schemas import ComponentConfig
from livedesk.setup.schemas import OrgFile
from livedesk.setup.service import apply_org
from tests.conversations.test_lifecycle_api import chatting, history, status
from tests.helpers import DEPLOYMENT, MIAW, Agent, Api, Customer, uid

HOUR = 3600
# Components beyond the demo's: quick replies with a free-text choice, and a form of every type.
EXTRA = [
    {
        "name": "Contact_Time",
        "type": "choices",
        "format": "quick_replies",
        "text": "When should we call you, {!firstName}?",
        "options": ["Morning", {"value": "pm", "label": "Afternoon"}],
        "other": "Another time",
        "case_field": "Call_Time__c",
    },
    {
        "name": "Details",
        "type": "form",
        "text": "A few details",
        "fields": [
            {"name": "name", "label": "Your name", "required": True, "max_length": 20},
            {"name": "amount", "label": "Amount", "type": "number", "min": 100, "max": 5000},
            {"name": "mail", "label": "Email", "type": "email", "case_field": "Mail__c"},
            {"name": "stars", "label": "Stars", "type": "rating"},
            {"name": "plan", "label": "Plan", "type": "choice", "choices": ["Basic", "Pro"]},
        ],
    },
]


@pytest.fixture
async def components(app: FastAPI, demo_org: OrgFile) -> None:
    extra = [ComponentConfig.model_validate(c) for c in EXTRA]
    org = demo_org.model_copy(update={"components": [*demo_org.components, *extra]})
    c = app.state.container
    await apply_org(c.db, c.clock, org)


async def send_component(agent: Agent, customer: Customer, name: str) -> dict[str, Any]:
    """The agent sends the component: its question entry as the customer's history shows it."""
    r = await agent.act(customer.session_id or "", actionType="sendComponent", component=name)
    assert r.status_code == 200, r.text
    assert r.json()["status"] == "sent"
    question_id = r.json()["entryId"]
    [entry] = [e for e in await history(customer) if e["identifier"] == question_id]
    assert entry["sender"]["role"] == "Agent"
    return entry


async def answer(
    customer: Customer,
    question: str | None,
    *,
    choice: str | None = None,
    values: dict[str, Any] | None = None,
    message_id: str | None = None,
    **option: Any,
) -> Any:
    """Answer with MIAW's ChoicesResponseMessage (`choice`) or FormResponseMessage (`values`)."""
    message: dict[str, Any] = {"id": message_id or uid(), "inReplyToMessageId": question}
    if choice is not None:
        message["messageType"] = "ChoicesResponseMessage"
        message["choicesResponse"] = {
            "formatType": "Selections",
            "selectedOptions": [{"optionIdentifier": choice, **option}],
        }
    else:
        message["messageType"] = "FormResponseMessage"
        message["formResponse"] = {"formatType": "Result", "values": values or {}}
    return await customer.api.http.post(
        f"{MIAW}/conversation/{customer.conversation_id}/message",
        json={"message": message, "esDeveloperName": DEPLOYMENT},
        headers=customer.headers,
    )


async def detail(agent: Agent, session_id: str) -> dict[str, Any]:
    r = await agent.api.http.get(f"/api/v1/sessions/{session_id}", headers=agent.headers)
    assert r.status_code == 200, r.text
    body: dict[str, Any] = r.json()
    return body


def message(entry: dict[str, Any]) -> dict[str, Any]:
    content: dict[str, Any] = entry["entryPayload"]["abstractMessage"]
    return content


LIN = {"_firstName": "Lin", "_email": "lin@example.com", "Topic": "Loans"}


async def test_each_component_type_is_sent_and_answered(api: Api, components: None) -> None:
    customer, ada = await chatting(api, routingAttributes=LIN)
    case_id = await ada.link_case(customer.session_id or "")

    # Buttons: MIAW's ChoicesMessage, with the question and its options as text too.
    asked = message(await send_component(ada, customer, "Answered_Question"))
    assert asked["messageType"] == "ChoicesMessage"
    assert asked["choices"]["formatType"] == "Buttons"
    assert asked["choices"]["text"] == "Have I successfully answered your question?"
    assert [
        (o["optionIdentifier"], o["titleItem"]["title"]) for o in asked["choices"]["optionItems"]
    ] == [
        ("Yes", "Yes"),
        ("No", "No"),
    ]
    assert asked["staticContent"]["text"] == (
        "Have I successfully answered your question?\n• Yes\n• No"
    )
    r = await answer(customer, asked["id"], choice="Yes")
    assert r.status_code == 202, r.text
    yes = r.json()["conversationEntries"][0]["id"]

    # Quick replies with a free-text choice; merge fields filled for this customer.
    asked = message(await send_component(ada, customer, "Contact_Time"))
    assert asked["choices"]["formatType"] == "QuickReplies"
    assert asked["choices"]["text"] == "When should we call you, Lin?"
    assert [o["optionIdentifier"] for o in asked["choices"]["optionItems"]] == [
        "Morning",
        "pm",
        "other",
    ]
    assert asked["component"] == {
        "name": "Contact_Time",
        "type": "choices",
        "otherOptionIdentifier": "other",
    }
    r = await answer(customer, asked["id"], choice="other", text="  After 6 pm  ")
    assert r.status_code == 202, r.text

    # A form of every input type: MIAW's FormMessage; the answer is its Result.
    asked = message(await send_component(ada, customer, "Details"))
    assert asked["messageType"] == "FormMessage"
    form = asked["form"]
    assert form["formatType"] == "Inputs" and form["formTitle"]["title"] == "A few details"
    assert [(i["name"], i["inputType"], i["required"]) for i in form["inputs"]] == [
        ("name", "Text", True),
        ("amount", "Number", False),
        ("mail", "Email", False),
        ("stars", "Rating", False),
        ("plan", "Choice", False),
    ]
    assert form["inputs"][3]["minimum"] == 1 and form["inputs"][3]["maximum"] == 5
    assert "• Stars (1 to 5) (optional)" in asked["staticContent"]["text"]
    values = {"name": "Lin", "amount": "250", "mail": "lin@example.com", "stars": 4, "plan": "Pro"}
    r = await answer(customer, asked["id"], values=values)
    assert r.status_code == 202, r.text

    # The answers are entries both sides see, each linked to its question.
    seen = await history(customer)
    answers = [message(e) for e in seen if e["sender"]["role"] == "EndUser"]
    assert [(a["messageType"], a["staticContent"]["text"]) for a in answers] == [
        ("ChoicesResponseMessage", "Yes"),
        ("ChoicesResponseMessage", "After 6 pm"),
        (
            "FormResponseMessage",
            "Your name: Lin\nAmount: 250\nEmail: lin@example.com\nStars: 4\nPlan: Pro",
        ),
    ]
    assert answers[0]["choicesResponse"] == {
        "formatType": "Selections",
        "selectedOptions": [{"optionIdentifier": "Yes", "title": "Yes"}],
    }
    assert answers[2]["formResponse"]["formatType"] == "Result"
    session = await detail(ada, customer.session_id or "")
    agent_sees = [
        e["identifier"] for e in session["transcript"] if e["sender"]["role"] == "EndUser"
    ]
    assert agent_sees == [a["id"] for a in answers] and agent_sees[0] == yes

    # Stored on the session, queryable; and on the Case where the component says so.
    stored = [
        (a["component"], a["type"], a["sentBy"], a["values"], a["selection"], a["rating"])
        for a in session["answers"]
    ]
    assert stored == [
        ("Answered_Question", "choices", "Agent", {"selection": "Yes"}, "Yes", None),
        (
            "Contact_Time",
            "choices",
            "Agent",
            {"selection": "other", "text": "After 6 pm"},
            "other",
            None,
        ),
        (
            "Details",
            "form",
            "Agent",
            {"name": "Lin", "amount": 250, "mail": "lin@example.com", "stars": 4, "plan": "Pro"},
            None,
            4,
        ),
    ]
    assert session["answers"][0]["answerId"] == yes
    assert [a["caseId"] for a in session["answers"]] == [case_id] * 3
    case = await api.http.get(f"/api/v1/records/Case/{case_id}", headers=ada.headers)
    assert case.status_code == 200, case.text
    fields = case.json()["fields"]
    assert (fields["Question_Answered__c"], fields["Call_Time__c"], fields["Mail__c"]) == (
        "Yes",
        "After 6 pm",
        "lin@example.com",
    )


async def test_each_invalid_answer_has_its_code(api: Api, components: None) -> None:
    customer, ada = await chatting(api, routingAttributes=LIN)
    choices = message(await send_component(ada, customer, "Contact_Time"))["id"]
    form = message(await send_component(ada, customer, "Details"))["id"]
    other_customer, _ = await chatting(api, routingAttributes=LIN)
    elsewhere = message(await send_component(ada, other_customer, "Answered_Question"))["id"]
    good = {"name": "Lin"}
    cases: list[tuple[str, dict[str, Any], int, str]] = [
        ("not offered", {"question": choices, "choice": "Evening"}, 400, "choice_not_offered"),
        ("other in no words", {"question": choices, "choice": "other"}, 400, "invalid_answer"),
        (
            "blank words",
            {"question": choices, "choice": "other", "text": " "},
            400,
            "invalid_answer",
        ),
        (
            "a form's choice",
            {"question": form, "values": {**good, "plan": "Gold"}},
            400,
            "choice_not_offered",
        ),
        (
            "rating too high",
            {"question": form, "values": {**good, "stars": 6}},
            400,
            "invalid_answer",
        ),
        (
            "rating not whole",
            {"question": form, "values": {**good, "stars": 2.5}},
            400,
            "invalid_answer",
        ),
        (
            "rating as text",
            {"question": form, "values": {**good, "stars": "five"}},
            400,
            "invalid_answer",
        ),
        (
            "rating a boolean",
            {"question": form, "values": {**good, "stars": True}},
            400,
            "invalid_answer",
        ),
        (
            "number below",
            {"question": form, "values": {**good, "amount": 99}},
            400,
            "invalid_answer",
        ),
        (
            "number as a list",
            {"question": form, "values": {**good, "amount": [1]}},
            400,
            "invalid_answer",
        ),
        ("text too long", {"question": form, "values": {"name": "x" * 21}}, 400, "invalid_answer"),
        ("text as a number", {"question": form, "values": {"name": 7}}, 400, "invalid_answer"),
        (
            "not an email",
            {"question": form, "values": {**good, "mail": "lin"}},
            400,
            "invalid_answer",
        ),
        ("required missing", {"question": form, "values": {"stars": 3}}, 400, "invalid_answer"),
        ("unknown field", {"question": form, "values": {**good, "age": 3}}, 400, "invalid_answer"),
        ("a choice to a form", {"question": form, "choice": "Yes"}, 400, "wrong_answer_type"),
        ("a form to choices", {"question": choices, "values": good}, 400, "wrong_answer_type"),
        ("no question", {"question": None, "choice": "Yes"}, 400, "missing_in_reply_to"),
        ("no such question", {"question": uid(), "choice": "Yes"}, 404, "question_not_found"),
        ("another's question", {"question": elsewhere, "choice": "Yes"}, 404, "question_not_found"),
    ]
    for name, given, code, error in cases:
        question = given.pop("question")
        r = await answer(customer, question, **given)
        assert (r.status_code, r.json().get("code")) == (code, error), (name, r.text)
    r = await answer(customer, form, values={**good, "stars": 6})
    assert r.json()["field"] == "stars"
    # Nothing refused left a trace: no answer entry, nothing stored.
    assert [e for e in await history(customer) if e["sender"]["role"] == "EndUser"] == []
    session = await detail(ada, customer.session_id or "")
    assert [a["answerId"] for a in session["answers"]] == [None, None]


async def test_a_retry_is_the_same_answer_and_a_second_answer_is_409(
    api: Api, components: None
) -> None:
    customer, ada = await chatting(api, routingAttributes=LIN)
    question = message(await send_component(ada, customer, "Answered_Question"))["id"]
    first = uid()
    r = await answer(customer, question, choice="Yes", message_id=first)
    assert r.status_code == 202, r.text
    again = await answer(customer, question, choice="Yes", message_id=first.upper())
    assert again.status_code == 202 and again.json() == r.json()  # the original entry
    other = await answer(customer, question, choice="No")
    assert other.status_code == 409, other.text
    assert other.json()["code"] == "already_answered" and other.json()["answerId"] == first
    answers = [e for e in await history(customer) if e["sender"]["role"] == "EndUser"]
    assert len(answers) == 1
    [stored] = (await detail(ada, customer.session_id or ""))["answers"]
    assert (stored["answerId"], stored["selection"]) == (first, "Yes")


async def later(customer: Customer, clock: FakeClock, seconds: int) -> None:
    """`seconds` pass while the customer's client keeps its token (MIAW's continuation token,
    renewed every 5 hours: a token lasts 6)."""
    while seconds > 0:
        step = min(seconds, 5 * HOUR)
        clock.advance(step)
        seconds -= step
        r = await customer.api.http.get(
            f"{MIAW}/authorization/continuation-access-token", headers=customer.headers
        )
        assert r.status_code == 200, r.text
        customer.token = r.json()["accessToken"]


async def survey_of(customer: Customer) -> dict[str, Any]:
    [entry] = [
        e
        for e in await history(customer)
        if e["entryType"] == "Message"
        and message(e).get("component", {}).get("name") == "Post_Chat_Survey"
    ]
    assert entry["sender"]["role"] == "System"
    return message(entry)


async def test_the_survey_after_the_end_within_its_window(
    api: Api, app: FastAPI, clock: FakeClock
) -> None:
    customer, ada = await chatting(api, routingAttributes=LIN)
    sid = customer.session_id or ""
    case_id = await ada.link_case(sid)
    assert (await ada.act(sid, actionType="endChat")).status_code == 200
    survey = await survey_of(customer)
    assert survey["messageType"] == "FormMessage"
    assert survey["form"]["formTitle"]["title"] == "How did we do, Lin?"  # merge fields
    assert survey["staticContent"]["text"].startswith("How did we do, Lin?\n• How satisfied")
    ended = await history(customer)
    texts = [message(e)["staticContent"]["text"] for e in ended if e["entryType"] == "Message"]
    assert texts[-2] == "Thank you for chatting with us. This conversation has ended."

    await later(customer, clock, 23 * HOUR)
    r = await answer(customer, survey["id"], values={"csat": 5, "comment": "Quick and kind"})
    assert r.status_code == 202, r.text
    body = await status(customer)
    assert body["sessionStatus"] == "Ended" and body["sessionId"] == sid  # no new session
    [stored] = (await detail(await api.agent("admin"), sid))["answers"]
    assert (stored["component"], stored["sentBy"], stored["rating"]) == (
        "Post_Chat_Survey",
        "System",
        5,
    )
    assert stored["values"] == {"csat": 5, "comment": "Quick and kind"}
    case = await api.http.get(
        f"/api/v1/records/Case/{case_id}", headers=(await api.agent("admin")).headers
    )
    assert case.json()["fields"]["CSAT__c"] == 5


async def test_the_survey_window_closes(api: Api, app: FastAPI, clock: FakeClock) -> None:
    customer, _ = await chatting(api, routingAttributes=LIN)
    # The customer ends it herself: the survey comes all the same.
    r = await api.http.delete(
        f"{MIAW}/conversation/{customer.conversation_id}/session",
        params={"esDeveloperName": DEPLOYMENT},
        headers=customer.headers,
    )
    assert r.status_code == 204
    survey = await survey_of(customer)
    await later(customer, clock, 24 * HOUR + 1)
    late = await answer(customer, survey["id"], values={"csat": 4})
    assert late.status_code == 409 and late.json()["code"] == "answer_window_closed", late.text
    assert (await status(customer))["sessionId"] == customer.session_id


async def test_the_survey_goes_once_and_only_to_accepted_sessions(api: Api) -> None:
    waiting = await api.waiting_customer(routingAttributes=LIN)
    r = await api.http.delete(
        f"{MIAW}/conversation/{waiting.conversation_id}/session",
        params={"esDeveloperName": DEPLOYMENT},
        headers=waiting.headers,
    )
    assert r.status_code == 204
    assert [
        e
        for e in await history(waiting)
        if "component" in e["entryPayload"].get("abstractMessage", {})
    ] == []  # nobody took it: no survey
    customer, ada = await chatting(api, routingAttributes=LIN)
    sid = customer.session_id or ""
    assert (await ada.act(sid, actionType="endChat")).status_code == 200
    assert (await ada.act(sid, actionType="endChat")).status_code == 200  # (idempotent)
    await survey_of(customer)  # exactly one
    assert [a["component"] for a in (await detail(ada, sid))["answers"]] == ["Post_Chat_Survey"]


async def test_no_after_the_end_opens_a_new_session_in_the_same_queue(api: Api) -> None:
    customer, ada = await chatting(api, routingAttributes=LIN)  # the Topic sends it to Loans
    first = customer.session_id or ""
    grace = await api.agent("grace")
    await grace.presence("Online")
    await ada.presence("Busy")
    assert (await ada.act(first, actionType="transfer", queue="Billing")).status_code == 200
    [offer] = await grace.work("Assigned")
    assert (await grace.answer(offer["workId"])).status_code == 200
    yes_question = message(await send_component(grace, customer, "Answered_Question"))["id"]
    no_question = message(await send_component(grace, customer, "Answered_Question"))["id"]
    assert (await grace.act(first, actionType="endChat")).status_code == 200

    # "Yes" after the end is recorded in the ended session.
    assert (await answer(customer, yes_question, choice="Yes")).status_code == 202
    assert (await status(customer))["sessionId"] == first
    # "No" opens a new session of the conversation, in the queue of the ended one.
    r = await answer(customer, no_question, choice="No")
    assert r.status_code == 202, r.text
    body = await status(customer)
    assert body["sessionId"] != first
    assert (body["sessionStatus"], body["queue"]) == ("Waiting", "Billing")
    stored = (await detail(grace, first))["answers"]
    assert [(a["component"], a["selection"]) for a in stored] == [
        ("Answered_Question", "Yes"),
        ("Answered_Question", "No"),
        ("Post_Chat_Survey", None),
    ]
