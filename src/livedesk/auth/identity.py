"""Verifying a customer's identity token (a JWT signed by the customer's own system) against a
deployment's user-verification keysets. Pure: token + keysets + now in, subject or a 401 out.

Only RS256 and ES256 are accepted; the key is chosen by `kid`; `iss`, `aud`, `sub`, `exp`, `nbf`
and `iat` are required and checked, and the token may not live longer than the keyset allows.
Each refusal has its own code, so an integrator can see what is wrong.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from typing import Any

import jwt

from livedesk.errors import AppError

ALGORITHMS = ("RS256", "ES256")
MAX_TOKEN_CHARS = 8192
LEEWAY_SECONDS = 30


@dataclass(frozen=True)
class VerifiedIdentity:
    issuer: str
    subject: str
    claims: dict[str, Any]
    client: str | None = None  # the integration client that vouched for the user


@dataclass(frozen=True)
class TrustedKey:
    """A key that signs identity tokens: a deployment's keyset (orgs.schemas.Keyset), or an
    integration client's key (then `client` names it)."""

    kid: str
    issuer: str
    audience: str
    algorithm: str
    public_key: str
    max_lifetime_seconds: int
    client: str | None = None


def refuse(code: str, message: str) -> AppError:
    return AppError(code, 401, message)


def verify(token: str, keysets: list[TrustedKey], now_s: float) -> VerifiedIdentity:
    if len(token) > MAX_TOKEN_CHARS:
        raise refuse(
            "identity_token_too_large", f"The identity token is over {MAX_TOKEN_CHARS} characters."
        )
    try:
        header = jwt.get_unverified_header(token)
    except jwt.PyJWTError:
        raise refuse("identity_token_malformed", "The identity token is not a JWT.") from None
    if header.get("alg") not in ALGORITHMS:
        raise refuse(
            "identity_token_algorithm",
            f"Identity tokens must be signed with {' or '.join(ALGORITHMS)}, not {str(header.get('alg'))[:20]!r}.",
        )
    keyset = next((k for k in keysets if k.kid == header.get("kid")), None)
    if keyset is None:
        raise refuse(
            "identity_token_unknown_key", "No verification key of this deployment has that `kid`."
        )
    if keyset.algorithm != header["alg"]:
        raise refuse("identity_token_algorithm", "The token's algorithm does not match its key.")
    try:
        claims = jwt.decode(
            token,
            keyset.public_key,
            algorithms=[header["alg"]],
            options={
                "verify_exp": False,
                "verify_nbf": False,
                "verify_iat": False,
                "verify_aud": False,
                "verify_iss": False,
            },
        )
    except jwt.InvalidSignatureError:
        raise refuse(
            "identity_token_signature", "The identity token's signature does not match."
        ) from None
    except jwt.PyJWTError:
        raise refuse("identity_token_malformed", "The identity token could not be read.") from None
    return _checked_claims(claims, keyset, now_s)


_SURROGATE = re.compile("[\ud800-\udfff]")


def _is_time(value: Any) -> bool:
    """A JWT NumericDate: a number, and a finite one (JSON parsers read `NaN` and `Infinity`)."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return False
    return not isinstance(value, float) or math.isfinite(value)


def _holds_lone_surrogate(value: Any) -> bool:
    """Text no database can store: a surrogate left alone (the JWT's JSON may say `"\\ud800"`;
    a pair becomes one character when it is read)."""
    if isinstance(value, str):
        return not value.isascii() and _SURROGATE.search(value) is not None
    if isinstance(value, dict):
        return any(_holds_lone_surrogate(k) or _holds_lone_surrogate(v) for k, v in value.items())
    if isinstance(value, list):
        return any(_holds_lone_surrogate(v) for v in value)
    return False


def _checked_claims(claims: dict[str, Any], keyset: TrustedKey, now_s: float) -> VerifiedIdentity:
    if _holds_lone_surrogate(claims):
        raise AppError(
            "identity_token_unicode",
            400,
            "The identity token's claims hold text that is not valid Unicode "
            "(a lone surrogate, such as \\ud800).",
        )
    for name in ("exp", "iat"):
        if not _is_time(claims.get(name)):
            raise refuse("identity_token_claims", f"The identity token needs a numeric `{name}`.")
    if claims["exp"] <= now_s - LEEWAY_SECONDS:
        raise refuse("identity_token_expired", "The identity token has expired.")
    not_before = claims.get("nbf", claims["iat"])
    if not _is_time(not_before) or not_before > now_s + LEEWAY_SECONDS:
        raise refuse("identity_token_not_yet_valid", "The identity token is not valid yet.")
    if claims["iat"] > now_s + LEEWAY_SECONDS:
        raise refuse("identity_token_not_yet_valid", "The identity token was issued in the future.")
    if claims["exp"] - claims["iat"] > keyset.max_lifetime_seconds:
        raise refuse("identity_token_lifetime", "The identity token lives longer than allowed.")
    if claims.get("iss") != keyset.issuer:
        raise refuse("identity_token_issuer", "The identity token comes from another issuer.")
    audience = claims.get("aud")
    audiences = audience if isinstance(audience, list) else [audience]
    if keyset.audience not in audiences:
        raise refuse("identity_token_audience", "The identity token is meant for another audience.")
    subject = claims.get("sub")
    if not isinstance(subject, str) or not subject.strip() or len(subject) > 200:
        raise refuse(
            "identity_token_subject", "The identity token needs a `sub` (who the user is)."
        )
    return VerifiedIdentity(keyset.issuer, subject, claims, keyset.client)
