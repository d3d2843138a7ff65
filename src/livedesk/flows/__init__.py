"""Flows: declarative YAML flows, a safe expression language and a persisted interpreter
(DESIGN section 7)."""
