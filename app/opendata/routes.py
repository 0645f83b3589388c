"""Open data pages: the list of downloads, the data dictionary, and the streamed files."""

from __future__ import annotations

from collections.abc import Iterator

from flask import Blueprint, Response, abort, render_template, request, stream_with_context

from app.observations.queries import FilterError, ListFilters
from app.opendata import exports
from app.opendata.dictionary import DICTIONARY
from app.opendata.schema import LICENCE, LICENCE_URL

bp = Blueprint("opendata", __name__, url_prefix="/open-data")

FORMATS = {"csv": "text/csv; charset=utf-8", "json": "application/json"}


@bp.route("")
def index() -> str:
    return render_template(
        "opendata/index.html",
        datasets=exports.DATASETS.values(),
        formats=FORMATS,
        licence=LICENCE,
        licence_url=LICENCE_URL,
    )


@bp.route("/dictionary")
def dictionary() -> str:
    return render_template(
        "opendata/dictionary.html", datasets=exports.DATASETS.values(), dictionary=DICTIONARY
    )


@bp.route("/<dataset>.<fmt>")
def download(dataset: str, fmt: str) -> Response:
    found = exports.DATASETS.get(dataset)
    if found is None or fmt not in FORMATS:
        abort(404)
    filters = ListFilters()
    if found.filterable:
        # The observation datasets take the public list's filters (?institution=…&state=…).
        try:
            filters = ListFilters.from_args(request.args)
        except FilterError:
            abort(400)
    rows = found.rows(filters)
    body = (
        exports.csv_stream(found.fields, rows)
        if fmt == "csv"
        else exports.json_stream(found.name, found.fields, rows)
    )

    def generate() -> Iterator[str]:
        try:
            yield from body
        finally:
            exports.rollback_after()

    response = Response(stream_with_context(generate()), mimetype=FORMATS[fmt])
    response.headers["Content-Disposition"] = (
        f'attachment; filename="{exports.filename(found.name, fmt)}"'
    )
    response.headers["Link"] = f'<{LICENCE_URL}>; rel="license"'
    response.headers["Cache-Control"] = "public, max-age=300"
    return response
