"""gunicorn's access log, with the tokens of mailed links masked (``gunicorn.conf.py`` names
this class). Kept apart from ``core.logging`` so the app never imports gunicorn."""

from __future__ import annotations

from typing import Any

from gunicorn.glogging import Logger

from app.core.logging import mask_tokens


class MaskedTokenLogger(Logger):
    """Every access-log field (request line, path, query, referrer…) goes through
    :func:`app.core.logging.mask_tokens` before it is written."""

    def atoms(
        self, resp: Any, req: Any, environ: dict[str, Any], request_time: Any
    ) -> dict[str, Any]:
        return {
            key: mask_tokens(value) if isinstance(value, str) else value
            for key, value in super().atoms(resp, req, environ, request_time).items()
        }
