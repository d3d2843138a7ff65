"""The garbage collector of a long-running server process.

A full collection walks every tracked object. A server holds ~200,000 of them from start-up
(modules, the database schema, routes, validators) that never become garbage, and under load the
objects of requests in flight keep being promoted to the oldest generation, which triggers full
collections: measured in `bench/chat_load.py` at C=50, two a second of ~80 ms each, the whole p99.
Freezing what start-up built takes it out of every later collection.

What is left is the churn of requests in flight: with the default threshold (a young collection
every 700 net new container objects) that was ~250 young, ~23 middle and ~2 full collections a
second at C=50, 65 ms of every second and full pauses of 10-30 ms, while almost everything they
found was still alive or already freed by reference counting. A young threshold of 10,000 lets
those objects die first: collections become rare and the resident memory does not grow.
"""

from __future__ import annotations

import gc

YOUNG_THRESHOLD = 10_000  # container objects allocated (net) between young collections


def freeze_startup_objects() -> None:
    """Call once the application is built: collect, then exempt the survivors from the GC."""
    gc.collect()
    gc.freeze()
    gc.set_threshold(YOUNG_THRESHOLD, *gc.get_threshold()[1:])
