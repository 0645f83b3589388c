"""Open data pages: the list of downloads, the data dictionary, the catalogue (DCAT-AP JSON-LD
and DCAT-US ``data.json``) and the streamed files."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

from flask import (
    Blueprint,
    Response,
    abort,
    render_template,
    request,
    stream_with_context,
    url_for,
)

from app.observations.queries import FilterError, ListFilters
from app.opendata import catalogue, exports
from app.opendata.dictionary import DICTIONARY
from app.opendata.schema import LICENCE, LICENCE_URL

# No url_prefix: ``/data.json`` sits at the site's root, where harvesters look for it.
bp = Blueprint("opendata", __name__)

FORMATS = {"csv": "text/csv; charset=utf-8", "json": "application/json"}
JSONLD = "application/ld+json"

#: ``?excel=`` values: on, off; anything else answers 400.
_EXCEL = {"1": True, "true": True, "yes": True, "on": True}
_EXCEL |= {"": False, "0": False, "false": False, "no": False, "off": False}

#: Everything on these pages is public and the same for every visitor.
CACHE = "public, max-age=300"


@bp.route("/open-data")
def index() -> str:
    return render_template(
        "opendata/index.html",
        datasets=exports.DATASETS.values(),
        licence=LICENCE,
        licence_url=LICENCE_URL,
    )


@bp.route("/open-data/dictionary")
def dictionary() -> str:
    return render_template(
        "opendata/dictionary.html",
        datasets=exports.DATASETS.values(),
        dictionary=DICTIONARY,
        licence=LICENCE,
        licence_url=LICENCE_URL,
    )


def _json(document: dict[str, Any], mimetype: str) -> Response:
    response = Response(json.dumps(document, ensure_ascii=False, indent=1), mimetype=mimetype)
    response.headers["Cache-Control"] = CACHE
    return response


@bp.route("/open-data/catalogue.jsonld")
def catalogue_jsonld() -> Response:
    """DCAT-AP 3 (JSON-LD): every dataset, in every UI language."""
    return _json(catalogue.catalogue_jsonld(), JSONLD)


@bp.route("/open-data/data.json")
@bp.route("/data.json")  # registered first: the address url_for gives
def data_json() -> Response:
    """The DCAT-US 1.1 (Project Open Data) catalogue."""
    return _json(catalogue.data_json(), "application/json")


def _excel() -> bool:
    value = request.args.get("excel", "").strip().lower()
    if value not in _EXCEL:
        abort(400)
    return _EXCEL[value]


@bp.route("/open-data/<dataset>.<fmt>")
def download(dataset: str, fmt: str) -> Response:
    found = exports.DATASETS.get(dataset)
    if found is None or fmt not in FORMATS:
        abort(404)
    excel = _excel() if fmt == "csv" else False
    filters = ListFilters()
    if found.filterable:
        # The observation datasets take the public list's filters (?institution=…&state=…).
        try:
            filters = ListFilters.from_args(request.args)
        except FilterError:
            abort(400)
    rows = found.rows(filters)
    body = (
        exports.csv_stream(found.fields, rows, excel=excel, decimals=found.decimals)
        if fmt == "csv"
        else exports.json_stream(found.name, found.fields, rows)
    )

    def generate() -> Iterator[str]:
        try:
            yield from body
        finally:
            exports.rollback_after()

    # content_type, not mimetype: Werkzeug appends its own charset to a text/* mimetype, and
    # "text/csv; charset=utf-8; charset=utf-8" confuses strict readers.
    response = Response(stream_with_context(generate()), content_type=FORMATS[fmt])
    response.headers["Content-Disposition"] = (
        f'attachment; filename="{exports.filename(found.name, fmt, excel=excel)}"'
    )
    dictionary_url = url_for("opendata.dictionary", _anchor=found.name, _external=True)
    response.headers["Link"] = (
        f'<{LICENCE_URL}>; rel="license", <{dictionary_url}>; rel="describedby"'
    )
    response.headers["Cache-Control"] = CACHE
    return response
