from __future__ import annotations

from pathlib import Path

import click
from flask import Flask
from flask.cli import AppGroup

from app.extensions import db
from app.territory.services import load_territory_csv


def init_app(app: Flask) -> None:
    group = AppGroup("territory", help="Territory reference data.")

    @group.command("load")
    @click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
    def load(file: Path) -> None:
        """Load departments and municipalities from a CSV file
        (columns: kind,code,name,department,province)."""
        result = load_territory_csv(file)
        if result.errors:
            db.session.rollback()
            for error in result.errors:
                click.echo(error, err=True)
            raise click.ClickException(f"{len(result.errors)} bad rows; nothing was loaded")
        db.session.commit()
        click.echo(
            f"{result.departments} departments, {result.municipalities} municipalities loaded"
        )

    app.cli.add_command(group)
