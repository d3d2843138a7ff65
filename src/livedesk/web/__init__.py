"""HTTP plumbing shared by every feature: error responses, body limit, CORS."""
