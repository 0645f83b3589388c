"""Network helpers."""

from flask import request


def client_ip() -> str:
    """The client's address as Werkzeug sees it (ProxyFix rewrites it when PROXY_COUNT > 0)."""
    return request.remote_addr or "unknown"
