"""Platform events: typed messages published by agents, customers and flows, with replay ids,
retention and filtered subscriptions (DESIGN section 7)."""
