"""The operator's own tile server (``QHAWAQ_MAP_TILES_URL``), the one host a slippy map may load
images from. Unset or not a plain http(s) URL template: no slippy map, and the Content Security
Policy stays as it is."""

from __future__ import annotations

from flask import current_app

# The CSP source of a tile server is the security headers' business (app/core/security.py).
from app.core.security import tile_origin as tile_origin


def usable(template: str) -> str:
    """``template`` when a slippy map can use it (and the CSP allow exactly its host), else ""."""
    return template.strip() if tile_origin(template) else ""


def tiles_url() -> str:
    """The configured template when it is usable, else "" (app/config.py already keeps only a
    usable one; checked again for settings changed at run time)."""
    return usable(str(current_app.config.get("MAP_TILES_URL") or ""))
