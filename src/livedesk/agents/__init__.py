"""The agent side: presence, sessions, accepting work and the session actions."""
