"""Translated error pages. A 500 never shows a trace; JSON clients get JSON."""

from __future__ import annotations

from flask import Flask, Response, jsonify, render_template, request
from flask.typing import ResponseReturnValue
from flask_babel import lazy_gettext as _l
from flask_wtf.csrf import CSRFError
from sqlalchemy.orm.exc import StaleDataError
from werkzeug.exceptions import HTTPException, InternalServerError, MethodNotAllowed

from app.extensions import db

TITLES = {
    400: _l("Bad request"),
    403: _l("Access denied"),
    404: _l("Page not found"),
    405: _l("Method not allowed"),
    409: _l("This changed meanwhile"),
    413: _l("The upload is too large"),
    429: _l("Too many attempts"),
    500: _l("Something went wrong"),
}
EXPLANATIONS = {
    400: _l("The request could not be understood. Go back, check what you entered and try again."),
    403: _l("You do not have permission to see this page."),
    404: _l("We could not find this page. It may have moved or never existed."),
    405: _l("This address does not accept that kind of request."),
    409: _l(
        "Someone else changed this at the same moment, so what you sent was not applied. "
        "Go back, reload the page to see it as it is now, and try again if you still need to."
    ),
    413: _l("The files you sent are larger than allowed. Send smaller files."),
    429: _l("You made too many attempts in a short time. Wait a few minutes and try again."),
    500: _l(
        "An unexpected error happened on our side. It has been logged; please try again later."
    ),
}


def _render(code: int, detail: str | None = None) -> tuple[Response | str, int]:
    if request.accept_mimetypes.best == "application/json" or request.path.startswith("/api/"):
        return jsonify(error=str(TITLES.get(code, code)), status=code), code
    return (
        render_template(
            "errors/error.html",
            code=code,
            title=TITLES.get(code, TITLES[500]),
            explanation=detail or EXPLANATIONS.get(code, EXPLANATIONS[500]),
        ),
        code,
    )


def init_app(app: Flask) -> None:
    @app.errorhandler(CSRFError)
    def csrf_error(error: CSRFError) -> ResponseReturnValue:
        return _render(
            400,
            str(
                _l(
                    "Your form expired or was sent from another site. "
                    "Reload the page and try again."
                )
            ),
        )

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException) -> ResponseReturnValue:
        code = error.code or 500
        if code not in TITLES:
            return error
        response = _render(code)
        if isinstance(error, MethodNotAllowed) and error.valid_methods:
            body, status = response
            return body, status, {"Allow": ", ".join(error.valid_methods)}
        return response

    @app.errorhandler(StaleDataError)
    def changed_meanwhile(error: StaleDataError) -> ResponseReturnValue:
        # A versioned row (an observation) was changed by another request between this one's
        # read and its write: nothing of this request was applied.
        db.session.rollback()
        return _render(409)

    @app.errorhandler(OverflowError)
    def number_too_large(error: OverflowError) -> ResponseReturnValue:
        # The last line of defence (SQLite): converters and form fields already bound ids to
        # what a column holds (core.urls.bounded_int); a number past that names nothing.
        db.session.rollback()
        app.logger.warning("number too large reached the database", exc_info=error)
        return _render(404)

    @app.errorhandler(Exception)
    def unhandled(error: Exception) -> ResponseReturnValue:
        if isinstance(error, HTTPException) and not isinstance(error, InternalServerError):
            return http_error(error)
        db.session.rollback()
        app.logger.error("unhandled error", exc_info=error)
        return _render(500)
