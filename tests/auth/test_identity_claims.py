"""Claims of a correctly signed identity token that no number or text can be (issue 13, defects 4
and 6): `NaN` and `Infinity` as times are refused like any non-numeric time (401), and a lone
surrogate in a claim is a 400, never a 500."""

from __future__ import annotations

from typing import Any

import pytest

from livedesk.kit.clock import FakeClock
from tests.auth.test_verified_users import claims, signed, token_call, verified_org
from tests.helpers import Api

__all__ = ["verified_org"]  # the fixture, shared with test_verified_users


@pytest.mark.parametrize(
    ("changes", "code"),
    [
        ({"exp": float("nan")}, "identity_token_claims"),
        ({"exp": float("inf")}, "identity_token_claims"),
        ({"exp": float("-inf")}, "identity_token_claims"),
        ({"iat": float("nan")}, "identity_token_claims"),
        ({"exp": True}, "identity_token_claims"),
        ({"nbf": float("nan")}, "identity_token_not_yet_valid"),
        ({"exp": 10**400}, "identity_token_lifetime"),
    ],
    ids=["exp NaN", "exp Infinity", "exp -Infinity", "iat NaN", "exp true", "nbf NaN", "exp huge"],
)
async def test_times_that_are_not_finite_numbers_are_refused(
    api: Api, verified_org: None, clock: FakeClock, changes: dict[str, Any], code: str
) -> None:
    r = await token_call(api, signed(claims(clock, **changes)))
    assert r.status_code == 401 and r.json()["code"] == code, r.text


@pytest.mark.parametrize(
    "changes",
    [
        {"sub": "user-\ud800"},
        {"name": "Mo\udc00e"},
        {"given_name": "\ud83d"},
        {"groups": ["a", {"b": "\udfff"}]},
    ],
    ids=["sub", "name", "given_name", "nested"],
)
async def test_a_lone_surrogate_in_a_claim_is_a_400(
    api: Api, verified_org: None, clock: FakeClock, changes: dict[str, Any]
) -> None:
    r = await token_call(api, signed(claims(clock, **changes)))
    assert r.status_code == 400 and r.json()["code"] == "identity_token_unicode", r.text


async def test_characters_beyond_the_basic_plane_are_fine(
    api: Api, verified_org: None, clock: FakeClock
) -> None:
    r = await token_call(api, signed(claims(clock, sub="😀-42", name="Mo 😀")))
    assert r.status_code == 200, r.text
    assert r.json()["context"]["endUser"]["displayName"] == "Mo 😀"
