"""The open data catalogue, for portals that harvest it (CKAN with ckanext-dcat, for one):

- ``catalogue_jsonld()``: DCAT-AP 3 in JSON-LD, with an inline ``@context`` (no remote context
  to fetch), titles, descriptions and keywords as language-tagged literals in every UI language;
- ``data_json()``: the same datasets in the DCAT-US 1.1 (Project Open Data) shape, in Spanish.

Both are built from ``exports.DATASETS``: a dataset added there is catalogued, with its
distributions (CSV, JSON), its data dictionary section and the period its rows cover (one query
per dataset). Nothing here reads a row's content: only titles, addresses and dates."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from flask import current_app, url_for
from flask_babel import gettext as _

from app.core.clock import local_today
from app.core.i18n import FORMAT_LOCALES, force_language
from app.opendata.exports import DATASETS, Dataset, Frequency
from app.opendata.periods import Period
from app.opendata.schema import LICENCE_URL

EU = "http://publications.europa.eu/resource/authority"
IANA = "https://www.iana.org/assignments/media-types"
POD_SCHEMA = "https://project-open-data.cio.gov/v1.1/schema"

CONTEXT = {
    "dcat": "http://www.w3.org/ns/dcat#",
    "dct": "http://purl.org/dc/terms/",
    "foaf": "http://xmlns.com/foaf/0.1/",
    "vcard": "http://www.w3.org/2006/vcard/ns#",
    "xsd": "http://www.w3.org/2001/XMLSchema#",
}

#: The UI languages in the EU language vocabulary (ISO 639-3 codes).
LANGUAGE_URIS = {"es": "SPA", "qu": "QUE", "ay": "AYM", "gn": "GRN", "en": "ENG"}

#: Per format: (IANA media type, EU file type).
FORMAT_TYPES = {"csv": ("text/csv", "CSV"), "json": ("application/json", "JSON")}

#: EU frequency codes → Project Open Data's ISO 8601 repeating durations.
POD_FREQUENCIES: dict[Frequency, str] = {"CONT": "R/PT1S", "DAILY": "R/P1D", "IRREG": "irregular"}

#: data.json speaks one language: the site's default.
POD_LANGUAGE = "es"


@dataclass(frozen=True)
class Texts:
    """A dataset's title, description and keywords in one language."""

    title: str
    description: str
    keywords: tuple[str, ...]


def _texts(lang: str) -> tuple[dict[str, Texts], tuple[str, str]]:
    """Every dataset's texts, and the catalogue's title and description, in ``lang``."""
    site = current_app.config["SITE_NAME"]
    with force_language(lang):
        datasets = {
            name: Texts(str(d.title), str(d.description), tuple(str(k) for k in d.keywords))
            for name, d in DATASETS.items()
        }
        catalogue = (
            _("Open data of %(site)s", site=site),
            _(
                "Everything public on this site can be downloaded: observations (without the "
                "identity of those who asked not to be named, and with personal data removed by "
                "moderation), their timelines and answers, institutions, plans, programs, "
                "milestones, the accountability figures and the public accountability sessions."
            ),
        )
    return datasets, catalogue


def _publisher_name() -> str:
    config = current_app.config
    return str(config.get("OPERATOR_NAME") or config["SITE_NAME"])


def contact_email() -> str | None:
    """``mailto:`` of the open data contact (``OPEN_DATA_CONTACT``, else the privacy contact),
    if it is an email address."""
    config = current_app.config
    value = str(config.get("OPEN_DATA_CONTACT") or config.get("PRIVACY_CONTACT") or "").strip()
    if value.startswith("mailto:"):
        return value
    if "@" in value and "://" not in value:
        return f"mailto:{value}"
    return None


def _urls(name: str) -> dict[str, str]:
    index = url_for("opendata.index", _external=True)
    return {
        "index": index,
        "dataset": f"{index}#{name}",
        "dictionary": url_for("opendata.dictionary", _anchor=name, _external=True),
        **{
            fmt: url_for("opendata.download", dataset=name, fmt=fmt, _external=True)
            for fmt in FORMAT_TYPES
        },
    }


def _ref(iri: str) -> dict[str, str]:
    return {"@id": iri}


def _day(value: date) -> dict[str, str]:
    return {"@value": value.isoformat(), "@type": "xsd:date"}


def _tagged(values: dict[str, str]) -> list[dict[str, str]]:
    return [{"@value": text, "@language": lang} for lang, text in values.items()]


def _jsonld_dataset(
    dataset: Dataset, texts: dict[str, Texts], period: Period, common: dict[str, Any]
) -> dict[str, Any]:
    urls = _urls(dataset.name)
    start, end = period
    found: dict[str, Any] = {
        "@id": urls["dataset"],
        "@type": "dcat:Dataset",
        "dct:identifier": urls["dataset"],
        "dct:title": _tagged({lang: t.title for lang, t in texts.items()}),
        "dct:description": _tagged({lang: t.description for lang, t in texts.items()}),
        "dcat:keyword": [
            {"@value": keyword, "@language": lang}
            for lang, t in texts.items()
            for keyword in t.keywords
        ],
        "dct:accrualPeriodicity": _ref(f"{EU}/frequency/{dataset.frequency}"),
        "dcat:landingPage": _ref(urls["dataset"]),
        "foaf:page": _ref(urls["dictionary"]),
        "dct:conformsTo": _ref(urls["dictionary"]),
        **common,
        "dcat:distribution": [
            {
                "@id": f"{urls['dataset']}-{fmt}",
                "@type": "dcat:Distribution",
                "dct:title": fmt.upper(),
                "dcat:accessURL": _ref(urls["index"]),
                "dcat:downloadURL": _ref(urls[fmt]),
                "dcat:mediaType": _ref(f"{IANA}/{media_type}"),
                "dct:format": _ref(f"{EU}/file-type/{file_type}"),
                "dct:license": _ref(LICENCE_URL),
                "dct:conformsTo": _ref(urls["dictionary"]),
                "foaf:page": _ref(urls["dictionary"]),
            }
            for fmt, (media_type, file_type) in FORMAT_TYPES.items()
        ],
    }
    if start is not None or end is not None:
        temporal: dict[str, Any] = {"@type": "dct:PeriodOfTime"}
        if start is not None:
            temporal["dcat:startDate"] = _day(start)
            found["dct:issued"] = _day(start)
        if end is not None:
            temporal["dcat:endDate"] = _day(end)
        found["dct:temporal"] = temporal
    return found


def catalogue_jsonld() -> dict[str, Any]:
    """The DCAT-AP 3 catalogue (JSON-LD, inline context)."""
    per_language = {lang: _texts(lang) for lang in FORMAT_LOCALES}
    index = url_for("opendata.index", _external=True)
    today = _day(local_today())
    contact: dict[str, Any] = {
        "@type": "vcard:Organization",
        "vcard:fn": _publisher_name(),
        "vcard:hasURL": _ref(index),
    }
    if (email := contact_email()) is not None:
        contact["vcard:hasEmail"] = _ref(email)
    publisher = {
        "@id": url_for("main.index", _external=True) + "#publisher",
        "@type": "foaf:Agent",
        "foaf:name": _publisher_name(),
    }
    languages = [_ref(f"{EU}/language/{code}") for code in LANGUAGE_URIS.values()]
    common = {
        "dct:publisher": publisher,
        "dcat:contactPoint": contact,
        "dct:license": _ref(LICENCE_URL),
        "dct:accessRights": _ref(f"{EU}/access-right/PUBLIC"),
        "dct:spatial": _ref(f"{EU}/country/BOL"),
        "dct:language": languages,
        "dct:modified": today,
    }
    return {
        "@context": CONTEXT,
        "@id": url_for("opendata.catalogue_jsonld", _external=True),
        "@type": "dcat:Catalog",
        "dct:title": _tagged({lang: texts[1][0] for lang, texts in per_language.items()}),
        "dct:description": _tagged({lang: texts[1][1] for lang, texts in per_language.items()}),
        "foaf:homepage": _ref(index),
        "dct:publisher": publisher,
        "dct:license": _ref(LICENCE_URL),
        "dct:language": languages,
        "dct:spatial": _ref(f"{EU}/country/BOL"),
        "dct:modified": today,
        "dcat:dataset": [
            _jsonld_dataset(
                dataset,
                {lang: texts[0][name] for lang, texts in per_language.items()},
                dataset.period(),
                common,
            )
            for name, dataset in DATASETS.items()
        ],
    }


def _pod_dataset(dataset: Dataset, texts: Texts, today: str) -> dict[str, Any]:
    urls = _urls(dataset.name)
    contact = {"@type": "vcard:Contact", "fn": _publisher_name()}
    if (email := contact_email()) is not None:
        contact["hasEmail"] = email
    found: dict[str, Any] = {
        "@type": "dcat:Dataset",
        "title": texts.title,
        "description": texts.description,
        "keyword": list(texts.keywords),
        "modified": today,
        "publisher": {"@type": "org:Organization", "name": _publisher_name()},
        "contactPoint": contact,
        "identifier": urls["dataset"],
        "accessLevel": "public",
        "license": LICENCE_URL,
        "spatial": "Bolivia",
        "accrualPeriodicity": POD_FREQUENCIES[dataset.frequency],
        "language": [POD_LANGUAGE],
        "landingPage": urls["dataset"],
        "describedBy": urls["dictionary"],
        "describedByType": "text/html",
        "distribution": [
            {
                "@type": "dcat:Distribution",
                "title": fmt.upper(),
                "downloadURL": urls[fmt],
                "mediaType": media_type,
                "format": file_type,
                "describedBy": urls["dictionary"],
                "describedByType": "text/html",
            }
            for fmt, (media_type, file_type) in FORMAT_TYPES.items()
        ],
    }
    start, end = dataset.period()
    if start is not None and end is not None:
        found["temporal"] = f"{start.isoformat()}/{end.isoformat()}"
        found["issued"] = start.isoformat()
    return found


def data_json() -> dict[str, Any]:
    """The catalogue in the DCAT-US 1.1 (Project Open Data) shape, in Spanish."""
    texts, _catalogue = _texts(POD_LANGUAGE)
    today = local_today().isoformat()
    return {
        "@context": f"{POD_SCHEMA}/catalog.jsonld",
        "@id": url_for("opendata.data_json", _external=True),
        "@type": "dcat:Catalog",
        "conformsTo": POD_SCHEMA,
        "describedBy": f"{POD_SCHEMA}/catalog.json",
        "dataset": [
            _pod_dataset(dataset, texts[name], today) for name, dataset in DATASETS.items()
        ],
    }
