"""Durable timers: rows with a due time, fired once by a scheduler loop (DESIGN section 4)."""
