"""Durable per-recipient event streams, delivered over SSE and resumable from any event id."""
