"""The bus wakes stream hubs in every process; it carries no state of its own (the database does)."""

from livedesk.bus.protocol import Bus, BusHandler

__all__ = ["Bus", "BusHandler"]
