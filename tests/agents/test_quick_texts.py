"""What the console picks from for a session: quick texts (those offered in its queue, merge
fields filled for its customer) and messaging components."""

from __future__ import annotations

from tests.helpers import Api


async def test_quick_texts_are_filled_for_the_session_and_chosen_by_its_queue(api: Api) -> None:
    ada = await api.agent("ada")
    customer = await api.customer()
    loans = await customer.create_conversation(
        routingAttributes={"_firstName": "Lin", "_email": "lin@example.com", "Topic": "Loans"}
    )
    assert loans.status_code == 201
    assert (await ada.accept(str(customer.session_id))).status_code == 200
    r = await api.http.get(
        f"/api/v1/sessions/{customer.session_id}/quick-texts", headers=ada.headers
    )
    assert r.status_code == 200, r.text
    assert r.json()["quickTexts"] == [
        {
            "name": "Greeting",
            "label": "Greeting",
            "text": "Hello Lin, I am looking at your request now.",
        },
        {
            "name": "Payslips",
            "label": "Ask for payslips",
            "text": "To study your loan, we need your last three payslips. You can attach them here.",
        },
        {
            "name": "Anything_Else",
            "label": "Anything else?",
            "text": "Is there anything else I can help you with, Lin?",
        },
    ]

    general, _ = await api.chatting("grace")  # (General: no payslips there; no name: tidied)
    r = await api.http.get(
        f"/api/v1/sessions/{general.session_id}/quick-texts",
        headers=(await api.agent("grace")).headers,
    )
    assert [(t["name"], t["text"]) for t in r.json()["quickTexts"]] == [
        ("Greeting", "Hello, I am looking at your request now."),
        ("Anything_Else", "Is there anything else I can help you with?"),
    ]


async def test_components_are_listed_as_the_sessions_customer_would_read_them(api: Api) -> None:
    customer, ada = await api.chatting("ada")
    r = await api.http.get(
        f"/api/v1/sessions/{customer.session_id}/components", headers=ada.headers
    )
    assert r.status_code == 200, r.text
    listed = {c["name"]: c for c in r.json()["components"]}
    assert listed["Answered_Question"]["type"] == "choices"
    assert listed["Answered_Question"]["text"].splitlines() == [
        "Have I successfully answered your question?",
        "• Yes",
        "• No",
    ]
    assert listed["Post_Chat_Survey"]["type"] == "form"
    grace = await api.agent("grace")  # (not hers, never offered: not found)
    r = await api.http.get(
        f"/api/v1/sessions/{customer.session_id}/components", headers=grace.headers
    )
    assert r.status_code == 404
