"""The supervisor API: her queues, their agents and sessions at a glance, a session's transcript,
and a stream that keeps her page live (supervisors and admins only)."""
