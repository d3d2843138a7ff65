"""Origin patterns (livedesk.kit.origins): what they allow, what they refuse, what cannot be one."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from livedesk.kit.origins import (
    HELP,
    OriginSet,
    compile_origins,
    matches,
    parse_origin,
    parse_pattern,
)

ALLOWED = [
    ("https://*.example.com", "https://a.example.com"),
    ("https://*.example.com", "https://shop-1.example.com"),
    ("https://*.example.com", "https://xn--bcher-kva.example.com"),
    ("https://*.example.com", "https://A.Example.COM"),  # hosts compare case-insensitively
    ("https://*.*.example.com", "https://a.b.example.com"),
    ("https://app.*.example.com", "https://app.eu.example.com"),
    ("https://chat.example.com", "https://chat.example.com"),
    ("https://Chat.Example.com", "https://chat.example.com"),
    ("https://chat.example.com:443", "https://chat.example.com"),  # default port normalised
    ("http://a.com:80", "http://a.com"),
    ("http://a.com", "http://a.com"),
    ("http://a.com", "http://a.com:80"),  # not what browsers send, but the same origin
    ("https://*.example.com:8443", "https://a.example.com:8443"),
    ("http://localhost:*", "http://localhost:5173"),
    ("http://localhost:*", "http://localhost"),  # any port includes the default one
    ("http://127.0.0.1:*", "http://127.0.0.1:3000"),
    ("http://[::1]:*", "http://[::1]:5173"),
    ("http://[::1]:*", "http://[0:0::1]:5173"),  # IPv6 compared compressed
    ("http://[::1]:8080", "http://[::1]:8080"),
    ("capacitor://localhost", "capacitor://localhost"),
]

REFUSED = [
    # one label, exactly
    ("https://*.example.com", "https://example.com"),
    ("https://*.example.com", "https://a.b.example.com"),
    ("https://*.example.com", "https://.example.com"),
    # look-alikes
    ("https://*.example.com", "https://evil-example.com"),
    ("https://*.example.com", "https://a.evil-example.com"),
    ("https://*.example.com", "https://example.com.evil.com"),
    ("https://*.example.com", "https://a.example.com.evil.com"),
    ("https://*.example.com", "https://a.example.com."),  # trailing dot: another origin
    ("https://*.example.com", "https://a.example.co"),
    ("https://chat.example.com", "https://chat.example.com."),
    ("https://chat.example.com", "https://chat.example.com.evil.com"),
    ("https://chat.example.com", "https://evilchat.example.com"),
    # the scheme must match
    ("https://*.example.com", "http://a.example.com"),
    ("https://chat.example.com", "http://chat.example.com"),
    ("http://localhost:*", "https://localhost:5173"),
    # ports
    ("https://*.example.com", "https://a.example.com:8443"),
    ("https://chat.example.com", "https://chat.example.com:8443"),
    ("https://chat.example.com:8443", "https://chat.example.com"),
    ("http://a.com", "http://a.com:443"),
    ("http://localhost:*", "http://localhost:0"),
    ("http://localhost:*", "http://localhost:65536"),
    ("http://localhost:*", "http://localhost:"),
    ("http://localhost:*", "http://localhost:*"),  # an Origin is never a pattern
    # not a valid Origin at all
    ("https://*.example.com", "https://x@a.example.com"),
    ("https://*.example.com", "https://a.example.com@evil.com"),
    ("https://*.example.com", "https://user:pw@a.example.com"),
    ("https://*.example.com", "https://a.example.com/"),
    ("https://*.example.com", "https://a.example.com/path"),
    ("https://*.example.com", "https://a.example.com?x"),
    ("https://*.example.com", "https://a.example.com#x"),
    ("https://*.example.com", "https://*.example.com"),
    ("https://*.example.com", "https://a.example.com "),
    ("https://*.example.com", "https://a%2eexample.com"),
    ("https://*.example.com", "a.example.com"),
    ("https://*.example.com", "//a.example.com"),
    ("https://*.example.com", "https://ä.example.com"),
    ("https://*.example.com", "null"),
    ("https://*.example.com", ""),
    ("http://localhost:*", "null"),
    # IPv6
    ("http://[::1]:*", "http://[::2]:5173"),
    ("http://[::1]:*", "https://[::1]:5173"),
    ("http://[::1]:*", "http://[::1%eth0]:5173"),
    ("http://[::1]:*", "http://::1:5173"),
    ("http://*.localhost:*", "http://[::1]:5173"),
    ("http://127.0.0.1:*", "http://127.0.0.1.evil.com:80"),
    ("http://localhost:*", "http://localhost.evil.com:5173"),
]


@pytest.mark.parametrize(("pattern", "origin"), ALLOWED)
def test_allowed(pattern: str, origin: str) -> None:
    parsed = parse_pattern(pattern)
    assert matches(parsed, origin)
    assert OriginSet.of([parsed]).allows(origin)


@pytest.mark.parametrize(("pattern", "origin"), REFUSED)
def test_refused(pattern: str, origin: str) -> None:
    parsed = parse_pattern(pattern)
    assert not matches(parsed, origin)
    assert not OriginSet.of([parsed]).allows(origin)


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("*", "a bare * is not allowed"),
        (" * ", "a bare * is not allowed"),
        ("", "it is empty"),
        ("null", "`null`"),
        ("example.com", "it has no scheme"),
        ("//example.com", "it has no scheme"),
        ("*://example.com", "the scheme cannot be a pattern"),
        ("http*://example.com", "the scheme cannot be a pattern"),
        ("https://example.com/", "no path, query or fragment, not even a trailing /"),
        ("https://example.com/chat", "no path"),
        ("https://example.com?x=1", "no path, query"),
        ("https://example.com#top", "fragment"),
        ("https://*.example.com:*/", "no path"),
        ("https://user@example.com", "no user name or password"),
        ("https://", "it has no host"),
        ("https://:443", "it has no host"),
        ("https://example.com.", "no empty label"),
        ("https://.example.com", "no empty label"),
        ("https://a..example.com", "no empty label"),
        ("https://a*.example.com", "* must be a whole host label"),
        ("https://*a.example.com", "* must be a whole host label"),
        ("https://**.example.com", "* must be a whole host label"),
        ("https://a.ex*ample.com", "* must be a whole host label"),
        ("https://*", "cannot be the last label"),
        ("https://*:*", "cannot be the last label"),
        ("https://example.*", "cannot be the last label"),
        ("https://*.*", "cannot be the last label"),
        ("https://-a.example.com", "'-a' is not a host name label"),
        ("https://a_b!.example.com", "is not a host name label"),
        ("https://bücher.example", "ASCII (xn--) form"),
        ("https://example.com:", "the port must be a number from 1 to 65535, or * for any port"),
        ("https://example.com:0", "the port must be"),
        ("https://example.com:65536", "the port must be"),
        ("https://example.com:08080", "the port must be"),
        ("https://example.com:8*", "the port must be"),
        ("https://example.com:80:80", "the port must be"),
        ("https://example.com :443", "spaces"),
        ("http://[::1", "no closing ]"),
        ("http://[::1]x", "only a :port may follow"),
        ("http://[::*]:*", "an IPv6 address cannot hold a *"),
        ("http://[fe80::1%eth0]", "no zone"),
        ("http://[nope]", "[nope] is not an IPv6 address"),
        ("https://" + "a" * 300 + ".com", "longer than 300 characters"),
    ],
)
def test_what_is_not_a_pattern(text: str, problem: str) -> None:
    with pytest.raises(ValueError) as info:
        parse_pattern(text)
    message = str(info.value)
    assert problem in message
    assert HELP in message  # every refusal says what an origin pattern looks like


@pytest.mark.parametrize(
    ("text", "canonical"),
    [
        ("HTTPS://Chat.Example.COM", "https://chat.example.com"),
        ("https://chat.example.com:443", "https://chat.example.com"),
        ("http://chat.example.com:80", "http://chat.example.com"),
        ("http://chat.example.com:443", "http://chat.example.com:443"),
        ("http://[0:0:0:0:0:0:0:1]:*", "http://[::1]:*"),
        ("http://[::FFFF:127.0.0.1]", "http://[::ffff:7f00:1]"),
        ("https://*.Example.com:*", "https://*.example.com:*"),
    ],
)
def test_patterns_are_canonical(text: str, canonical: str) -> None:
    assert str(parse_pattern(text)) == canonical
    assert str(parse_pattern(canonical)) == canonical


def test_compile_keeps_exact_origins_in_a_set_and_skips_what_is_not_a_pattern() -> None:
    allowed, problems = compile_origins(
        ["https://chat.example.com", "http://localhost:*", "*", "https://x.com/", "http://A.com:80"]
    )
    assert allowed.exact == {"https://chat.example.com", "http://a.com"}
    assert [str(p) for p in allowed.patterns] == ["http://localhost:*"]
    assert len(problems) == 2 and "a bare *" in problems[0] and "trailing /" in problems[1]
    assert allowed.allows("https://chat.example.com")
    assert allowed.allows("http://localhost:5173")
    assert allowed.allows("HTTP://A.COM")
    assert not allowed.allows("https://x.com")
    assert not allowed.allows("https://evil.com")  # a refused bare * allows nothing
    assert not OriginSet().allows("https://chat.example.com")


LABEL = st.from_regex(r"[a-z0-9](?:[a-z0-9-]{0,20}[a-z0-9])?", fullmatch=True)
ANYTHING = st.text(alphabet="abcz09-_.:/@?#*[]%A ", max_size=25)


@given(label=LABEL)
def test_a_wildcard_allows_every_single_label(label: str) -> None:
    pattern = parse_pattern("https://*.example.com")
    assert matches(pattern, f"https://{label}.example.com")


@given(text=ANYTHING)
def test_a_wildcard_allows_exactly_one_label_and_nothing_else(text: str) -> None:
    pattern = parse_pattern("https://*.example.com")
    origin = f"https://{text}.example.com"
    one_label = parse_origin(f"https://{text}") is not None and "." not in text
    single = one_label and ":" not in text and text == text.lower()
    if matches(pattern, origin):
        assert one_label and ":" not in text  # exactly one label: nothing more, nothing less
    if single:
        assert matches(pattern, origin)
    if not text.endswith("."):  # "0." + "example.com" is a real subdomain, not a look-alike
        assert not matches(pattern, f"https://{text}example.com")  # never a look-alike suffix
    assert not matches(pattern, f"http://{text}.example.com")


@given(
    scheme=st.sampled_from(["http", "https"]),
    labels=st.lists(LABEL, min_size=1, max_size=4),
    port=st.one_of(st.none(), st.integers(1, 65535)),
)
def test_an_exact_origin_allows_itself_only(
    scheme: str, labels: list[str], port: int | None
) -> None:
    origin = f"{scheme}://{'.'.join(labels)}" + ("" if port is None else f":{port}")
    pattern = parse_pattern(origin)
    assert pattern.exact and matches(pattern, origin)
    assert parse_origin(str(pattern)) == pattern
    assert not matches(pattern, f"{scheme}://x{'.'.join(labels)}")
    assert not matches(pattern, f"{scheme}://{'.'.join(labels)}.evil.com")
    assert not matches(pattern, origin + ".")
    other = "https" if scheme == "http" else "http"
    assert not matches(pattern, origin.replace(scheme, other, 1))


@given(
    patterns=st.lists(
        st.sampled_from(
            [
                "https://chat.example.com",
                "https://*.example.com",
                "http://localhost:*",
                "http://[::1]:*",
                "http://a.com:8080",
                "https://*.*.shop.example",
            ]
        ),
        max_size=6,
    ),
    origin=st.one_of(
        ANYTHING,
        st.sampled_from(
            [
                "https://chat.example.com",
                "https://a.example.com",
                "http://localhost",
                "http://localhost:9",
                "http://[::1]:5",
                "http://a.com:8080",
                "https://x.y.shop.example",
                "https://y.shop.example",
            ]
        ),
    ),
)
def test_the_compiled_set_agrees_with_matching_one_by_one(patterns: list[str], origin: str) -> None:
    parsed = [parse_pattern(p) for p in patterns]
    assert OriginSet.of(parsed).allows(origin) == any(matches(p, origin) for p in parsed)
