"""Who is calling: LiveDesk-signed tokens for end users and agents, passwords, revocation."""
