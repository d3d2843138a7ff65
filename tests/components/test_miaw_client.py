"""A plain MIAW client (the SDK, which knows nothing of the widget) reads a component from its
event stream and answers it with MIAW's response messages: no widget-only shortcut."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from livedesk.client import ClientError, LiveDeskClient
from tests.helpers import Api


async def test_the_sdk_answers_a_component_and_the_survey(live: Api, live_url: str) -> None:
    async with LiveDeskClient(live_url, org_id="00DLD0000000001", deployment="Web_Chat") as client:
        await client.guest_token()
        conversation = await client.create_conversation({"_firstName": "Lin", "Topic": "Loans"})
        session = (await client.routing_status(conversation))["sessionId"]
        ada = await live.agent("ada")
        assert (await ada.accept(session)).status_code == 200
        questions: asyncio.Queue[dict[str, Any]] = asyncio.Queue()

        async def listen() -> None:
            async for event in client.events():
                entry = event.entry
                if entry and entry["entryType"] == "Message":
                    message = entry["entryPayload"]["abstractMessage"]
                    if message["messageType"] in ("ChoicesMessage", "FormMessage"):
                        await questions.put(message)

        listener = asyncio.create_task(listen())
        try:
            r = await ada.act(session, actionType="sendComponent", component="Answered_Question")
            assert r.status_code == 200, r.text
            asked = await asyncio.wait_for(questions.get(), 10)
            # What a text-only client shows, and what a MIAW client offers as buttons.
            assert asked["staticContent"]["text"].startswith("Have I successfully answered")
            options = {
                o["titleItem"]["title"]: o["optionIdentifier"]
                for o in asked["choices"]["optionItems"]
            }
            answer_id = await client.answer_choice(conversation, asked["id"], options["Yes"])
            assert (
                await client.answer_choice(
                    conversation, asked["id"], options["Yes"], message_id=answer_id
                )
                == answer_id
            )  # a retry is the same answer
            with pytest.raises(ClientError) as info:
                await client.answer_choice(conversation, asked["id"], options["No"])
            assert (info.value.status, info.value.code) == (409, "already_answered")

            assert (await ada.act(session, actionType="endChat")).status_code == 200
            survey = await asyncio.wait_for(questions.get(), 10)
            assert survey["form"]["formTitle"]["title"] == "How did we do, Lin?"
            names = [i["name"] for i in survey["form"]["inputs"]]
            await client.answer_form(conversation, survey["id"], {names[0]: 5, names[1]: "Great"})
        finally:
            listener.cancel()

        detail = await live.http.get(f"/api/v1/sessions/{session}", headers=ada.headers)
        stored = [(a["component"], a["selection"], a["rating"]) for a in detail.json()["answers"]]
        assert stored == [("Answered_Question", "Yes", None), ("Post_Chat_Survey", None, 5)]
        entries = await client.history(conversation, direction="FromStart")
        mine = [
            e["entryPayload"]["abstractMessage"]
            for e in entries
            if e["entryType"] == "Message" and e["sender"]["role"] == "EndUser"
        ]
        assert [(m["messageType"], m["inReplyToMessageId"]) for m in mine] == [
            ("ChoicesResponseMessage", asked["id"]),
            ("FormResponseMessage", survey["id"]),
        ]
