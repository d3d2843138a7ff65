"""`livedesk.client`: an async SDK for LiveDesk's (MIAW-compatible) customer API.

async with LiveDeskClient(base_url, org_id="00D…", deployment="Web_Chat") as client:
    await client.guest_token()                      # or verified_token(identity_jwt)
    conversation = await client.create_conversation(routing_attributes={"Topic": "Loans"})
    await client.send_message(conversation, "I need a loan")
    async for event in client.events():             # reconnects and resumes by itself
        ...
"""

from livedesk.client.sdk import ClientError, Event, LiveDeskClient

__all__ = ["ClientError", "Event", "LiveDeskClient"]
