"""``flask programs ...`` commands (the CSV import: import_check.py, then importer.py)."""

from __future__ import annotations

from pathlib import Path

import click
from flask import Flask
from flask.cli import AppGroup
from sqlalchemy.exc import SQLAlchemyError

from app.core.i18n import force_language
from app.extensions import db
from app.programs import import_check, importer


def init_app(app: Flask) -> None:
    group = AppGroup("programs", help="Plans and programs.")

    @group.command("import")
    @click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
    @click.option(
        "--dry-run", is_flag=True, help="Check the file and say what would change; write nothing."
    )
    def import_command(file: Path, dry_run: bool) -> None:
        """Import plans and programs from a CSV file (format: docs/programs-import.md).

        Every row is checked first; if any row is wrong, each problem is listed and nothing is
        imported. Rows are matched by external_id, so importing again updates in place."""
        # The problems and the summary are lazy translatable strings (the web admin shows them
        # in the reader's language); the command line prints them in English.
        if not dry_run:
            importer.lock()  # one import writes at a time, the web's included
        checked = import_check.check_file(file)
        if checked.errors:
            db.session.rollback()
            with force_language("en"):
                for error in checked.errors:
                    click.echo(str(error), err=True)
            raise click.ClickException(
                f"{len(checked.errors)} problem(s) in {file.name}; nothing was imported"
            )
        if dry_run:
            db.session.rollback()
            with force_language("en"):
                summary = str(checked.summary())
            click.echo(f"dry run, nothing written. The file would give {summary}")
            return
        job = importer.Importer()
        try:
            with click.progressbar(checked.rows, label="Importing", show_pos=True) as rows:
                for row in rows:
                    job.apply(row)
            job.finish()
            db.session.commit()
        except SQLAlchemyError as exc:
            db.session.rollback()
            raise click.ClickException(
                f"the import failed and was rolled back, nothing was imported: {exc}"
            ) from exc
        with force_language("en"):
            summary = str(checked.summary())
        click.echo(f"imported {summary}")

    app.cli.add_command(group)
