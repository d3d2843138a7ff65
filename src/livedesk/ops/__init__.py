"""Operating a server: health checks, Prometheus metrics, request logs (DESIGN 9)."""
