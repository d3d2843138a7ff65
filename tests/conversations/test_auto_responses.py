"""Merge fields of the auto-responses."""

from __future__ import annotations

from livedesk.conversations.auto_responses import auto_response, merge_values, render
from livedesk.orgs.schemas import StoredDeployment


def test_merge_fields() -> None:
    values = merge_values({"_firstName": " Lin ", "Topic": "Loans"}, "Loans", 61)
    template = "Hi {!firstName}, you are in {!queue}; about {!estimatedWaitMinutes} min."
    assert render(template, values) == "Hi Lin, you are in Loans; about 2 min."


def test_missing_values_leave_no_gaps() -> None:
    values = merge_values({}, None, None)
    assert render("Hi {!firstName}, thanks!", values) == "Hi, thanks!"
    assert render("Wait about {!estimatedWaitMinutes} minutes.", values) == ("Wait about minutes.")
    assert render("{!unknown}Hello", values) == "Hello"


def test_no_template_no_message() -> None:
    assert auto_response("acknowledgment", StoredDeployment(developer_name="Web"), {}) is None
    deployment = StoredDeployment.model_validate(
        {"developer_name": "Web", "auto_responses": {"inactive": "Still there?"}}
    )
    entry = auto_response("inactive", deployment, {})
    assert entry is not None and entry.sender.role == "System"
    assert entry.payload["abstractMessage"]["staticContent"]["text"] == "Still there?"
