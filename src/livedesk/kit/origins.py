"""Origins and origin patterns for CORS (pure: no I/O).

An origin pattern is `scheme://host` or `scheme://host:port`, as a browser writes an `Origin`
header, where `*` may stand for one whole host label or for the port:

- the scheme must match exactly (`https://…` never allows `http://…`);
- `*` in the host is exactly one DNS label, and may be any label but the last (the top-level
  domain): `https://*.example.com` allows `https://a.example.com`, not `https://example.com`,
  `https://a.b.example.com` or `https://evil-example.com`; `https://a.*.example.com` is one label
  in the middle; partial labels such as `a*.example.com` are refused;
- `:*` is any port, the default one included (`http://localhost:*` allows `http://localhost` and
  `http://localhost:5173`); without a port only the scheme's default port matches;
- default ports are normalised away (`http://a.com:80` is `http://a.com`), as browsers never
  write them in `Origin`;
- hosts compare case-insensitively; IPv6 literals are written in brackets (`http://[::1]:*`) and
  compared in their compressed form;
- a bare `*` and `null` are refused, and so is anything that is not an origin: a path (even a
  trailing `/`), a query, a fragment, a user name, a missing scheme.

`Origin` headers are parsed just as strictly: one that is not a serialised origin (`null`, a
trailing dot, a user name, a path…) matches nothing.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Iterable
from dataclasses import dataclass

WILDCARD = "*"
DEFAULT_PORTS = {"http": 80, "https": 443}
HELP = (
    "An origin pattern is scheme://host or scheme://host:port with nothing after it, such as "
    "https://chat.example.com, https://*.example.com or http://localhost:*, where * stands for "
    "exactly one whole host label (not the last) or for any port."
)
MAX_LENGTH = 300

_SCHEME = re.compile(r"[a-z][a-z0-9+.-]*")
_LABEL = re.compile(r"[a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9_])?")
_PORT = re.compile(r"[1-9][0-9]{0,4}")


@dataclass(frozen=True)
class OriginPattern:
    """A parsed origin or origin pattern. `host` is its labels (one `[…]` item for an IPv6
    literal), `*` for a wildcard label; `port` is None for the scheme's default port."""

    scheme: str
    host: tuple[str, ...]
    port: int | None
    any_port: bool = False

    @property
    def exact(self) -> bool:
        """True when the pattern allows exactly one origin (no `*`)."""
        return not self.any_port and WILDCARD not in self.host

    def __str__(self) -> str:
        """The canonical text: lowercase, default port omitted."""
        port = ":*" if self.any_port else "" if self.port is None else f":{self.port}"
        return f"{self.scheme}://{'.'.join(self.host)}{port}"


class _Invalid(Exception):
    """Why a text is not an origin (pattern); the public functions turn it into a message."""


def parse_pattern(text: str) -> OriginPattern:
    """Parse an origin pattern from an org file; ValueError with a message for a person if it is
    not one."""
    if text.strip() == WILDCARD:
        raise ValueError(
            "a bare * is not allowed: it would let any web site call this server from its "
            f"visitors' browsers; list the origins, or use patterns. {HELP}"
        )
    try:
        return _parse(text, patterns=True)
    except _Invalid as exc:
        raise ValueError(f"{text[:MAX_LENGTH]!r} is not an origin pattern: {exc}. {HELP}") from None


def parse_origin(text: str) -> OriginPattern | None:
    """Parse an `Origin` header value; None if it is not a serialised origin (`null` included)."""
    try:
        return _parse(text, patterns=False)
    except _Invalid:
        return None


def matches(pattern: OriginPattern, origin: str | OriginPattern) -> bool:
    """Whether `origin` (an `Origin` header value, or one already parsed) is allowed by
    `pattern`."""
    parsed = parse_origin(origin) if isinstance(origin, str) else origin
    if parsed is None or not parsed.exact:
        return False
    if pattern.scheme != parsed.scheme:
        return False
    if not pattern.any_port and pattern.port != parsed.port:
        return False
    if len(pattern.host) != len(parsed.host):
        return False
    return all(
        want == got or (want == WILDCARD and not got.startswith("["))
        for want, got in zip(pattern.host, parsed.host, strict=True)
    )


@dataclass(frozen=True)
class OriginSet:
    """Compiled allowed origins: exact origins in a set, patterns checked after."""

    exact: frozenset[str] = frozenset()
    patterns: tuple[OriginPattern, ...] = ()

    @classmethod
    def of(cls, patterns: Iterable[OriginPattern]) -> OriginSet:
        exact: set[str] = set()
        wild: list[OriginPattern] = []
        for p in patterns:
            if p.exact:
                exact.add(str(p))
            elif p not in wild:
                wild.append(p)
        return cls(frozenset(exact), tuple(wild))

    def allows(self, origin: str) -> bool:
        if origin in self.exact:  # what browsers send is already canonical
            return True
        if not self.exact and not self.patterns:
            return False
        parsed = parse_origin(origin)
        if parsed is None:
            return False
        if str(parsed) in self.exact:
            return True
        return any(matches(p, parsed) for p in self.patterns)


def compile_origins(texts: Iterable[str]) -> tuple[OriginSet, list[str]]:
    """The OriginSet of the valid patterns among `texts`, and a message for each invalid one
    (stored before patterns were checked, say); invalid ones allow nothing."""
    parsed: list[OriginPattern] = []
    problems: list[str] = []
    for text in texts:
        try:
            parsed.append(parse_pattern(text))
        except ValueError as exc:
            problems.append(str(exc))
    return OriginSet.of(parsed), problems


def _parse(text: str, *, patterns: bool) -> OriginPattern:
    if not text:
        raise _Invalid("it is empty")
    if len(text) > MAX_LENGTH:
        raise _Invalid(f"it is longer than {MAX_LENGTH} characters")
    if text != text.strip() or any(c.isspace() for c in text):
        raise _Invalid("it contains spaces")
    if not text.isascii():
        raise _Invalid("write an international host name in its ASCII (xn--) form")
    if text.lower() == "null":
        raise _Invalid("`null` is the origin of sandboxed pages and local files, never allowed")
    scheme, sep, rest = text.partition("://")
    if not sep:
        raise _Invalid("it has no scheme (such as https://)")
    scheme = scheme.lower()
    if WILDCARD in scheme:
        raise _Invalid("the scheme cannot be a pattern")
    if not _SCHEME.fullmatch(scheme):
        raise _Invalid(f"{scheme!r} is not a scheme")
    if any(c in rest for c in "/?#"):
        raise _Invalid("an origin has no path, query or fragment, not even a trailing /")
    if "@" in rest:
        raise _Invalid("an origin has no user name or password")
    host: tuple[str, ...]
    if rest.startswith("["):
        end = rest.find("]")
        if end < 0:
            raise _Invalid("the IPv6 address has no closing ]")
        host = (_ipv6(rest[1:end]),)
        after = rest[end + 1 :]
        if after and not after.startswith(":"):
            raise _Invalid("only a :port may follow the IPv6 address")
        port_text = after[1:] if after else None
    else:
        name, colon, port_part = rest.partition(":")
        port_text = port_part if colon else None
        host = _labels(name, patterns=patterns)
    any_port = False
    port: int | None = None
    if port_text is not None:
        if port_text == WILDCARD and patterns:
            any_port = True
        elif _PORT.fullmatch(port_text) and int(port_text) <= 65535:
            port = int(port_text)
            if DEFAULT_PORTS.get(scheme) == port:
                port = None
        else:
            raise _Invalid(
                "the port must be a number from 1 to 65535"
                + (", or * for any port" if patterns else "")
            )
    return OriginPattern(scheme, host, port, any_port)


def _labels(name: str, *, patterns: bool) -> tuple[str, ...]:
    if not name:
        raise _Invalid("it has no host")
    if len(name) > 253:
        raise _Invalid("the host name is longer than 253 characters")
    labels = tuple(name.lower().split("."))
    for label in labels:
        if not label:
            raise _Invalid("a host name has no empty label (no leading, trailing or double dot)")
        if label == WILDCARD and patterns:
            continue
        if WILDCARD in label:
            raise _Invalid(
                "* must be a whole host label, such as *.example.com"
                if patterns
                else "an origin has no *"
            )
        if not _LABEL.fullmatch(label):
            raise _Invalid(f"{label!r} is not a host name label")
    if labels[-1] == WILDCARD:
        raise _Invalid("* cannot be the last label of the host (the top-level domain)")
    return labels


def _ipv6(inner: str) -> str:
    if WILDCARD in inner:
        raise _Invalid("an IPv6 address cannot hold a *")
    if "%" in inner:
        raise _Invalid("an origin's IPv6 address has no zone (%…)")
    try:
        address = ipaddress.IPv6Address(inner)
    except ValueError:
        raise _Invalid(f"[{inner}] is not an IPv6 address") from None
    return f"[{address.compressed}]"
