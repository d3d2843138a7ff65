"""`livedesk demo`: the co-work scenario of DESIGN section 1, played through the public APIs as
a customer and an agent, printing each step as it happens."""

from __future__ import annotations

import contextlib
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from typing import Any

import httpx

ORG = "00DLD0000000001"
DEPLOYMENT = "Web_Chat"
MIAW = "/iamessage/api/v2"


class DemoError(Exception):
    pass


def _ok(r: httpx.Response, what: str) -> Any:
    if r.status_code >= 400:
        raise DemoError(f"{what}: HTTP {r.status_code} {r.text[:300]}")
    return r.json() if r.content and "json" in r.headers.get("content-type", "") else None


def _agent_texts(http: httpx.Client, conversation: str, token: str) -> list[dict[str, Any]]:
    body = _ok(
        http.get(
            f"{MIAW}/conversation/{conversation}/entries",
            params={"direction": "FromStart", "limit": 50},
            headers={"Authorization": f"Bearer {token}"},
        ),
        "history",
    )
    return [e for e in body["conversationEntries"] if e["entryType"] == "Message"]


def run(base_url: str, say: Callable[[str], None]) -> None:
    with httpx.Client(base_url=base_url, timeout=20) as http:
        # 1. The customer fills the pre-chat form and writes.
        token = _ok(
            http.post(
                f"{MIAW}/authorization/unauthenticated/access-token",
                json={
                    "orgId": ORG,
                    "esDeveloperName": DEPLOYMENT,
                    "capabilitiesVersion": "1",
                    "platform": "Web",
                },
            ),
            "guest token",
        )["accessToken"]
        customer = {"Authorization": f"Bearer {token}"}
        conversation = str(uuid.uuid4())
        created = _ok(
            http.post(
                f"{MIAW}/conversation",
                headers=customer,
                json={
                    "conversationId": conversation,
                    "esDeveloperName": DEPLOYMENT,
                    "routingAttributes": {
                        "_firstName": "Lin",
                        "_lastName": "Chen",
                        "_email": "lin@example.com",
                        "Topic": "Loans",
                    },
                },
            ),
            "create conversation",
        )
        session = created["sessionId"]
        _ok(
            http.post(
                f"{MIAW}/conversation/{conversation}/message",
                headers=customer,
                json={
                    "message": {
                        "id": str(uuid.uuid4()),
                        "messageType": "StaticContentMessage",
                        "staticContent": {"formatType": "Text", "text": "I need a loan"},
                    },
                    "esDeveloperName": DEPLOYMENT,
                },
            ),
            "send message",
        )
        status = _ok(http.get(f"{MIAW}/conversation/{conversation}", headers=customer), "status")
        say(f"1. Lin asks for a loan; the session waits in the {status['queue']} queue")
        for entry in _agent_texts(http, conversation, token):
            if entry["sender"]["role"] == "System":
                say(
                    f"   auto-response: {entry['entryPayload']['abstractMessage']['staticContent']['text']}"
                )
        # 2. Ada goes online, routing offers her the session, she accepts.
        login = _ok(
            http.post("/api/v1/auth/login", json={"username": "ada", "password": "demo"}), "login"
        )
        agent = {"Authorization": f"Bearer {login['accessToken']}"}
        _ok(http.put("/api/v1/me/presence", json={"status": "Online"}, headers=agent), "presence")
        offers = _ok(http.get("/api/v1/work", headers=agent), "work")["work"]
        offer = next((w for w in offers if w["sessionId"] == session), None)
        if offer is not None:
            _ok(http.post(f"/api/v1/work/{offer['workId']}/accept", headers=agent), "accept")
            say("2. Routing offers the session to Ada (most available agent); she accepts")
        else:
            _ok(http.post(f"/api/v1/sessions/{session}/accept", headers=agent), "accept")
            say("2. Ada takes the waiting session")
        # 3. A Case from the pre-chat; the agent flow launches the customer form.
        case_id = _ok(http.post(f"/api/v1/sessions/{session}/case", headers=agent), "case")[
            "caseId"
        ]
        say(f"3. Case {case_id} created from the pre-chat and attached to the session")
        interview = _ok(
            http.post(
                "/api/v1/flows/Use_of_Funds_Agent/interviews",
                headers=agent,
                json={"inputs": {"recordId": case_id}},
            ),
            "start flow",
        )
        say(
            f"   Ada runs Use_of_Funds_Agent: it is {interview['status']} for Use_Of_Fund__e "
            f"with id = {case_id}"
        )
        form = None
        for entry in _agent_texts(http, conversation, token):
            message = entry["entryPayload"]["abstractMessage"]
            if message.get("flow") and entry["sender"]["role"] == "Agent":
                form = message["flow"]
                say(f"   Lin's chat shows the form: {form['screen']['title']}")
            elif entry["sender"]["role"] == "Agent":
                say(f"   Ada: {message['staticContent']['text']}")
        if form is None:
            raise DemoError("the customer form did not reach the chat")
        # 4. The customer answers; only this agent's flow reacts.
        _ok(
            http.post(
                f"{MIAW}/conversation/{conversation}/flow/{form['interviewId']}",
                headers=customer,
                json={"values": {"use_of_fund_reason": "🛠 Renovation Work"}},
            ),
            "answer",
        )
        say("4. Lin picks 🛠 Renovation Work; her flow publishes Use_Of_Fund__e")
        done = _ok(http.get(f"/api/v1/interviews/{interview['id']}", headers=agent), "interview")
        say(
            f"5. Ada's flow wakes up: {done['screen']['fields'][0]['text'] if done['screen'] else done['status']}"
        )
        thanks = _agent_texts(http, conversation, token)
        say(f"   Ada: {thanks[-1]['entryPayload']['abstractMessage']['staticContent']['text']}")
        case = _ok(http.get(f"/api/v1/records/Case/{case_id}", headers=agent), "case")
        say(f"   the Case now says Use_of_Funds__c = {case['fields'].get('Use_of_Funds__c')}")
        # 6. End of the chat.
        _ok(
            http.post(
                f"/api/v1/sessions/{session}/actions", headers=agent, json={"actionType": "endChat"}
            ),
            "end chat",
        )
        goodbye, survey = (
            e["entryPayload"]["abstractMessage"]
            for e in _agent_texts(http, conversation, token)[-2:]
        )
        say(f"6. Ada ends the chat; Lin reads: {goodbye['staticContent']['text']}")
        # 7. The End Conversation auto-response's survey (a messaging component), answered.
        say(f"7. the survey: {survey['form']['formTitle']['title']}; Lin rates the chat 5")
        _ok(
            http.post(
                f"{MIAW}/conversation/{conversation}/message",
                headers=customer,
                json={
                    "message": {
                        "id": str(uuid.uuid4()),
                        "messageType": "FormResponseMessage",
                        "inReplyToMessageId": survey["id"],
                        "formResponse": {"formatType": "Result", "values": {"csat": 5}},
                    }
                },
            ),
            "survey",
        )
        detail = _ok(http.get(f"/api/v1/sessions/{session}", headers=agent), "session")
        ratings = [a["rating"] for a in detail["answers"] if a["rating"] is not None]
        say(f"   the session's answers: CSAT {ratings[0]}")


def healthy(base_url: str) -> bool:
    try:
        return httpx.get(f"{base_url}/healthz", timeout=1).status_code == 200
    except httpx.HTTPError:
        return False


@contextlib.contextmanager
def own_server() -> Iterator[str]:
    """A throwaway `livedesk serve --demo` on a free loopback port."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    with tempfile.TemporaryDirectory() as folder:
        proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "livedesk",
                "serve",
                "--demo",
                "--port",
                str(port),
                "--data-dir",
                folder,
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        base = f"http://127.0.0.1:{port}"
        try:
            deadline = time.monotonic() + 60
            while not healthy(base):
                if proc.poll() is not None or time.monotonic() > deadline:
                    raise DemoError("the demo server did not start")
                time.sleep(0.2)
            yield base
        finally:
            proc.terminate()
            try:
                proc.wait(10)
            except subprocess.TimeoutExpired:
                proc.kill()
