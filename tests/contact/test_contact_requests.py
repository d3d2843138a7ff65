"""The email-us form: a customer's message left when chat is not available becomes a Case."""

from __future__ import annotations

from tests.helpers import Api

CALL = "/api/v1/contact-requests"


async def test_a_message_left_becomes_a_case_agents_can_read(api: Api) -> None:
    customer = await api.customer()
    r = await api.http.post(
        CALL,
        json={"name": "Lin Chen", "email": "lin@example.com", "message": "Call me back\nplease"},
        headers=customer.headers,
    )
    assert r.status_code == 201, r.text
    ada = await api.agent("ada")
    case = await api.http.get(f"/api/v1/records/Case/{r.json()['caseId']}", headers=ada.headers)
    assert case.status_code == 200, case.text
    fields = case.json()["fields"]
    assert fields["Subject"] == "Message from the website: Call me back"
    assert fields["Description"] == "Call me back\nplease"
    assert (fields["Origin"], fields["Status"]) == ("Web", "New")
    assert (fields["SuppliedName"], fields["SuppliedEmail"]) == ("Lin Chen", "lin@example.com")


async def test_bad_messages_are_refused_with_codes(api: Api) -> None:
    customer = await api.customer()
    for body, code in (
        ({"email": "lin@example.com", "message": "   "}, "empty_message"),
        ({"email": "not an email", "message": "hi"}, "invalid_request"),
        ({"email": "lin@example.com"}, "invalid_request"),
    ):
        r = await api.http.post(CALL, json=body, headers=customer.headers)
        assert (r.status_code, r.json()["code"]) == (400, code), (body, r.text)
        if body.get("email") == "not an email":
            assert r.json()["message"] == (
                "The request is not valid: `email`: must be an email address, such as "
                "ann@example.com."
            )
    r = await api.http.post(CALL, json={"email": "lin@example.com", "message": "hi"})
    assert r.status_code == 401  # the customer's access token is needed
