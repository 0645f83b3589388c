"""The data dictionary: what every column of every dataset means (the /open-data/dictionary page
and docs/open-data.md), read from the datasets' schemas, where each column is declared with its
description. A test checks that every column has one."""

from __future__ import annotations

from flask_babel import LazyString

from app.opendata.exports import DATASETS

DICTIONARY: dict[str, dict[str, LazyString | None]] = {
    name: dataset.schema.dictionary() for name, dataset in DATASETS.items()
}
