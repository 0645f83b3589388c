"""The read-only JSON API (/api/v1) and its OpenAPI 3.1 document."""
