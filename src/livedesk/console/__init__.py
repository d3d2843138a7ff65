"""The agent console (`/console`): plain ES modules served from the package, on the agent API and
the agent stream only, under a strict Content-Security-Policy."""
