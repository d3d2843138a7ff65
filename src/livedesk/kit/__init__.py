"""Small building blocks shared by every feature: clock, ids, JSON, SSE frames, database."""
