"""``flask translate extract|update|compile``. Babel's own command line refuses locales without CLDR
data (Aymara), so update and compile use Babel's catalogue API directly."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import click
from babel.messages.catalog import Catalog
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po, write_po
from flask import Flask
from flask.cli import AppGroup

from app.config import ROOT

TRANSLATIONS = ROOT / "translations"
POT = TRANSLATIONS / "messages.pot"
LANGUAGES = ("es", "qu", "ay", "gn", "en")
PLURAL_FORMS = "nplurals=2; plural=(n != 1);"


def catalogue_path(lang: str) -> Path:
    return TRANSLATIONS / lang / "LC_MESSAGES" / "messages.po"


def extract_messages() -> None:
    command = [
        sys.executable,
        "-m",
        "babel.messages.frontend",
        "extract",
        "-F",
        "babel.cfg",
        "-k",
        "_l",
        "--no-location",
        "--sort-output",
        "--project",
        "qhawaq",
        "-o",
        str(POT),
        ".",
    ]
    result = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, check=False)  # noqa: S603
    if result.returncode != 0:
        raise click.ClickException(result.stderr or result.stdout)


def update_catalogue(lang: str) -> Path:
    """Merge the template into ``lang``'s .po, creating it when missing. New strings arrive empty
    (never fuzzy-guessed), removed ones are dropped."""
    with POT.open("rb") as handle:
        template = read_po(handle)
    path = catalogue_path(lang)
    if path.exists():
        with path.open("rb") as handle:
            catalog = read_po(handle)
    else:
        catalog = Catalog(project="qhawaq", charset="utf-8")
        catalog.locale = None
    catalog.update(template, no_fuzzy_matching=True)
    catalog.obsolete.clear()
    catalog.fuzzy = False
    catalog.version = "1"
    catalog.copyright_holder = "Qhawaq contributors"
    catalog.language_team = f"Qhawaq {lang}"
    catalog.last_translator = "Qhawaq contributors"
    _set_header(catalog, lang)
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("wb") as handle:
        write_po(handle, catalog, width=100, no_location=True, sort_output=True)
    return path


def _set_header(catalog: Catalog, lang: str) -> None:
    # Catalog derives Language and Plural-Forms from a CLDR locale; Aymara has none, so both are
    # set by hand (all five languages use the two-form plural rule).
    catalog._set_mime_headers([("Language", lang), ("Plural-Forms", PLURAL_FORMS)])


def compile_catalogs(quiet: bool = True) -> None:
    """Compile every .po into .mo (the .mo files are built, never committed)."""
    for po in sorted(TRANSLATIONS.glob("*/LC_MESSAGES/messages.po")):
        mo = po.with_suffix(".mo")
        if mo.exists() and mo.stat().st_mtime >= po.stat().st_mtime:
            continue
        with po.open("rb") as handle:
            catalog = read_po(handle)
        with mo.open("wb") as handle:
            write_mo(handle, catalog, use_fuzzy=False)
        if not quiet:
            click.echo(f"compiled {po.relative_to(ROOT)}")


def init_app(app: Flask) -> None:
    group = AppGroup("translate", help="Translation catalogues.")

    @group.command()
    def extract() -> None:
        """Extract the UI strings of code and templates into translations/messages.pot."""
        extract_messages()
        click.echo(f"wrote {POT.relative_to(ROOT)}")

    @group.command()
    def update() -> None:
        """Extract, then merge the strings into every language's .po file."""
        extract_messages()
        for lang in LANGUAGES:
            click.echo(f"updated {update_catalogue(lang).relative_to(ROOT)}")

    @group.command("compile")
    def compile_command() -> None:
        """Compile the .po files into .mo files."""
        compile_catalogs(quiet=False)

    app.cli.add_command(group)
