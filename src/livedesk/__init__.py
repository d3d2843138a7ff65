"""LiveDesk: a self-hosted live-chat contact center with a MIAW-compatible customer API."""

__version__ = "0.1.0"
