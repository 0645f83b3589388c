"""Open data pages: the list of downloads, the data dictionary, and the streamed files."""

from __future__ import annotations

from flask import Blueprint, Response, abort, render_template, stream_with_context

from app.opendata import exports
from app.opendata.dictionary import DICTIONARY
from app.opendata.records import LICENCE, LICENCE_URL

bp = Blueprint("opendata", __name__, url_prefix="/open-data")

FORMATS = {"csv": "text/csv; charset=utf-8", "json": "application/json"}


@bp.route("")
def index():  # type: ignore[no-untyped-def]
    return render_template(
        "opendata/index.html",
        datasets=exports.DATASETS.values(),
        formats=FORMATS,
        licence=LICENCE,
        licence_url=LICENCE_URL,
    )


@bp.route("/dictionary")
def dictionary():  # type: ignore[no-untyped-def]
    return render_template(
        "opendata/dictionary.html", datasets=exports.DATASETS.values(), dictionary=DICTIONARY
    )


@bp.route("/<dataset>.<fmt>")
def download(dataset: str, fmt: str):  # type: ignore[no-untyped-def]
    found = exports.DATASETS.get(dataset)
    if found is None or fmt not in FORMATS:
        abort(404)
    rows = found.rows()
    body = (
        exports.csv_stream(found.fields, rows)
        if fmt == "csv"
        else exports.json_stream(found.name, found.fields, rows)
    )

    def generate():  # type: ignore[no-untyped-def]
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
