"""EWT: weighted average of the last ten waits within ten minutes, newest weighing most."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from livedesk.routing.ewt import WINDOW_MS, estimate_ms, estimate_seconds

NOW = 10_000_000


def test_no_data_no_estimate() -> None:
    assert estimate_ms([], NOW) is None
    assert estimate_ms([(NOW - WINDOW_MS - 1, 5000)], NOW) is None


def test_weights_ten_down_to_one_newest_first() -> None:
    # newest wait 10 s (weight 10), older 20 s (weight 9): (100 + 180) / 19
    samples = [(NOW - 1000, 10_000), (NOW - 2000, 20_000)]
    assert estimate_ms(samples, NOW) == round((10 * 10_000 + 9 * 20_000) / 19)
    assert estimate_seconds(samples, NOW) == 15


def test_only_the_ten_newest_count() -> None:
    old = [(NOW - 100_000 - i, 1_000_000) for i in range(5)]
    new = [(NOW - i, 1000) for i in range(10)]
    assert estimate_ms(old + new, NOW) == 1000


@given(st.lists(st.tuples(st.integers(NOW - 2 * WINDOW_MS, NOW), st.integers(0, 3_600_000))))
def test_the_estimate_lies_between_the_shortest_and_longest_recent_wait(samples) -> None:  # type: ignore[no-untyped-def]
    recent = sorted((s for s in samples if s[0] >= NOW - WINDOW_MS), reverse=True)[:10]
    result = estimate_ms(samples, NOW)
    if not recent:
        assert result is None
    else:
        assert result is not None
        assert min(w for _, w in recent) - 1 <= result <= max(w for _, w in recent) + 1
