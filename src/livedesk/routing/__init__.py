"""Omni-Channel routing: queues, presence and capacity, push offers (DESIGN section 6)."""
