"""Prometheus metrics. Requests are counted and timed as they pass (`RequestObserver`); the rest
is read when `/metrics` is scraped: open streams (and those closed for not reading), database
counters, and what the database says about sessions, agents and queues right now.

Each app has its own registry (several apps live in one test process). Route labels are the
route's template (`/iamessage/api/v2/conversation/{conversation_id}/message`), never the raw path,
so ids never become label values; requests that match no route count as `unmatched`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import asdict

from prometheus_client import (
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    disable_created_metrics,
    generate_latest,
)
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

from livedesk.kit.db import DbStats
from livedesk.streams.hub import StreamStats

disable_created_metrics()  # type: ignore[no-untyped-call]  # no `_created` series

CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"
LATENCY_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0)


class _DbCollector(Collector):
    def __init__(self, stats: Callable[[], DbStats]) -> None:
        self._stats = stats

    def collect(self) -> Iterator[Metric]:
        help_ = {
            "transactions": "Read-write units of work run.",
            "commits": "COMMITs (on SQLite the units of one event-loop turn share one).",
            "retries": "PostgreSQL units of work run again after a conflict.",
            "busy_waits": "SQLite units of work that waited for another process's lock.",
        }
        for name, value in asdict(self._stats()).items():
            family = CounterMetricFamily(f"livedesk_db_{name}", help_[name])
            family.add_metric([], value)
            yield family


class _StreamCollector(Collector):
    def __init__(self, stats: Callable[[], StreamStats]) -> None:
        self._stats = stats

    def collect(self) -> Iterator[Metric]:
        stats = self._stats()
        slow = CounterMetricFamily(
            "livedesk_sse_slow_streams_closed",
            "Event streams closed because their client did not take a write within "
            "streams.write_timeout_seconds (it resumes from its last event id).",
        )
        slow.add_metric([], stats.too_slow)
        yield slow
        stalled = GaugeMetricFamily(
            "livedesk_sse_streams_stalled",
            "Open event streams whose write is waiting for their client right now.",
        )
        stalled.add_metric([], stats.stalled)
        yield stalled


class Metrics:
    def __init__(
        self,
        db_stats: Callable[[], DbStats],
        stream_stats: Callable[[], StreamStats] | None = None,
    ) -> None:
        self.registry = CollectorRegistry()
        self.requests = Counter(
            "livedesk_http_requests",
            "HTTP requests answered, by route template and status.",
            ["method", "route", "status"],
            registry=self.registry,
        )
        self.latency = Histogram(
            "livedesk_http_request_duration_seconds",
            "Time to answer an HTTP request (event streams are not timed).",
            ["method", "route"],
            buckets=LATENCY_BUCKETS,
            registry=self.registry,
        )
        self.streams = Gauge(
            "livedesk_sse_streams_open",
            "Event streams open in this process.",
            registry=self.registry,
        )
        self.sessions = Gauge(
            "livedesk_sessions",
            "Messaging sessions that are not ended, by status.",
            ["org", "status"],
            registry=self.registry,
        )
        self.agents = Gauge(
            "livedesk_agents",
            "Agents by presence.",
            ["org", "presence"],
            registry=self.registry,
        )
        self.waiting = Gauge(
            "livedesk_queue_waiting",
            "Sessions waiting in each queue.",
            ["org", "queue"],
            registry=self.registry,
        )
        self.registry.register(_DbCollector(db_stats))
        if stream_stats is not None:
            self.registry.register(_StreamCollector(stream_stats))

    def observe(
        self, method: str, route: str, status: int, seconds: float, *, stream: bool
    ) -> None:
        self.requests.labels(method, route, str(status)).inc()
        if not stream:
            self.latency.labels(method, route).observe(seconds)

    def render(
        self,
        open_streams: int,
        sessions: Iterable[tuple[str, str, int]],
        agents: Iterable[tuple[str, str, int]],
        waiting: Iterable[tuple[str, str, int]],
    ) -> bytes:
        """The exposition text, with the gauges set from what was just read."""
        self.streams.set(open_streams)
        for gauge, rows in (
            (self.sessions, sessions),
            (self.agents, agents),
            (self.waiting, waiting),
        ):
            gauge.clear()  # a queue that emptied must not keep its last value
            for org, label, count in rows:
                gauge.labels(org, label).set(count)
        return generate_latest(self.registry)
