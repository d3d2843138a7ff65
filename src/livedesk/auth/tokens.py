"""LiveDesk-signed access tokens: HS256 with a key from the data folder, algorithms pinned,
audience, type, expiry and revocation checked."""

from __future__ import annotations

import contextlib
import os
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import jwt

from livedesk.errors import unauthorized
from livedesk.kit.clock import Clock
from livedesk.kit.ids import new_id, new_secret

ISSUER = "livedesk"
TokenKind = Literal["enduser", "agent"]
_AUDIENCE: dict[TokenKind, str] = {"enduser": "livedesk:enduser", "agent": "livedesk:agent"}


@dataclass(frozen=True)
class Claims:
    kind: TokenKind
    subject: str
    org_id: str
    token_id: str
    expires_ms: int
    extra: dict[str, Any]
    not_before_s: int = 0


def load_or_create_key(data_dir: Path) -> bytes:
    """The signing key: created on first start in the data folder, readable only by its owner.
    Processes starting together on a new folder all end up with the one key: it is written whole
    under a name of its own, then linked into place, which only the first link does."""
    path = data_dir / "token.key"
    if not path.exists():
        data_dir.mkdir(parents=True, exist_ok=True)
        draft = data_dir / f".token.key.{os.getpid()}.{new_secret(6)}"
        fd = os.open(draft, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        try:
            with os.fdopen(fd, "w") as f:
                f.write(new_secret(48))
                f.flush()
                os.fsync(f.fileno())
            with contextlib.suppress(FileExistsError):  # another process was first: its key
                os.link(draft, path)
        finally:
            draft.unlink()
    return path.read_text().strip().encode()


class TokenSigner:
    # Tokens whose signature, issuer, audience and type were checked; time is checked on every
    # use. A client sends the same token on every call, and checking a signature costs more
    # than the rest of a small request.
    CHECKED_LIMIT = 20_000

    def __init__(self, key: bytes, clock: Clock) -> None:
        self._key = key
        self._clock = clock
        self._checked: dict[tuple[str, TokenKind], Claims] = {}

    def issue(
        self, kind: TokenKind, subject: str, org_id: str, ttl_seconds: int, **extra: Any
    ) -> tuple[str, Claims]:
        now_s = self._clock.now_ms() // 1000
        token_id = new_id()
        payload = {
            "iss": ISSUER,
            "aud": _AUDIENCE[kind],
            "typ": kind,
            "sub": subject,
            "org": org_id,
            "jti": token_id,
            "iat": now_s,
            "nbf": now_s,
            "exp": now_s + ttl_seconds,
            **extra,
        }
        token = jwt.encode(payload, self._key, algorithm="HS256")
        claims = Claims(kind, subject, org_id, token_id, (now_s + ttl_seconds) * 1000, extra)
        return token, claims

    def verify(self, token: str, kind: TokenKind) -> Claims:
        """Check signature, algorithm, issuer, audience, type and time; raise a 401 otherwise."""
        claims = self._checked.get((token, kind))
        if claims is None:
            claims = self._check_signed(token, kind)
            if len(self._checked) >= self.CHECKED_LIMIT:
                self._checked.clear()
            self._checked[(token, kind)] = claims
        now_s = self._clock.now_ms() / 1000
        if claims.expires_ms <= now_s * 1000:
            raise unauthorized("token_expired", "The access token has expired; get a new one.")
        if claims.not_before_s > now_s + 60:
            raise unauthorized("invalid_token", "The access token is not valid yet.")
        return claims

    def _check_signed(self, token: str, kind: TokenKind) -> Claims:
        if len(token) > 4096:
            raise unauthorized("invalid_token", "The access token is not valid.")
        try:
            payload = jwt.decode(
                token,
                self._key,
                algorithms=["HS256"],
                audience=_AUDIENCE[kind],
                issuer=ISSUER,
                options={
                    "require": ["exp", "iat", "sub", "jti", "aud", "iss"],
                    "verify_exp": False,
                },
            )
        except jwt.PyJWTError as exc:
            raise unauthorized("invalid_token", "The access token is not valid.") from exc
        nbf = payload.get("nbf", payload["iat"])
        if (
            payload.get("typ") != kind
            or not isinstance(payload.get("org"), str)
            or not isinstance(payload["exp"], int)
            or not isinstance(nbf, int)
        ):
            raise unauthorized("invalid_token", "The access token is not valid.")
        known = {"iss", "aud", "typ", "sub", "org", "jti", "iat", "nbf", "exp"}
        extra = {k: v for k, v in payload.items() if k not in known}
        return Claims(
            kind, payload["sub"], payload["org"], payload["jti"], payload["exp"] * 1000, extra, nbf
        )


class RevocationCache:
    """Remembers recent 'not revoked' answers for a moment so the hot path skips a query.

    This process forgets its own revocations at once; other processes within `ttl` seconds.
    """

    def __init__(self, ttl_seconds: float) -> None:
        self._ttl = ttl_seconds
        self._ok_until: dict[str, float] = {}

    def known_valid(self, token_id: str) -> bool:
        until = self._ok_until.get(token_id)
        return until is not None and until > time.monotonic()

    def remember_valid(self, token_id: str) -> None:
        if len(self._ok_until) > 100_000:
            self._ok_until.clear()
        self._ok_until[token_id] = time.monotonic() + self._ttl

    def forget(self, token_id: str) -> None:
        self._ok_until.pop(token_id, None)
