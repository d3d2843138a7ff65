"""The Conversation Toolkit: what an agent can do to a session (DESIGN 5.3), written once and
called by the agent API, by flows (as the agent running them) and later by the console."""
