"""Estimated wait time (DESIGN section 6): the weighted average wait of the last ten sessions
accepted from the queue in the last ten minutes, the newest weighing 10, the next 9, … down to 1."""

from __future__ import annotations

from collections.abc import Iterable

WINDOW_MS = 10 * 60 * 1000
SAMPLES = 10


def estimate_ms(accepted: Iterable[tuple[int, int]], now: int) -> int | None:
    """`accepted` holds (accepted at, waited ms) pairs; None when there is nothing recent."""
    recent = sorted(
        (a for a in accepted if now - WINDOW_MS <= a[0] <= now), key=lambda a: a[0], reverse=True
    )[:SAMPLES]
    if not recent:
        return None
    weights = range(SAMPLES, SAMPLES - len(recent), -1)
    total = sum(w * max(0, wait) for w, (_, wait) in zip(weights, recent, strict=True))
    return round(total / sum(weights))


def estimate_seconds(accepted: Iterable[tuple[int, int]], now: int) -> int | None:
    ms = estimate_ms(accepted, now)
    return None if ms is None else round(ms / 1000)
