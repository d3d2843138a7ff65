"""Conversations, their messaging sessions and entries: the MIAW customer API."""
