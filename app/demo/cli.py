from __future__ import annotations

import click
from flask import Flask

from app.demo.services import DEMO_PASSWORD, USERS, database_is_empty, load_demo
from app.extensions import db


def init_app(app: Flask) -> None:
    @app.cli.command("demo")
    @click.option("--if-empty", is_flag=True, help="Do nothing when the database has users.")
    @click.option("--force", is_flag=True, help="Load even when the database has users.")
    def demo(if_empty: bool, force: bool) -> None:
        """Load realistic demo data (institutions, users of every role, oversight groups)."""
        if not database_is_empty():
            if if_empty:
                click.echo("database not empty: demo data not loaded")
                return
            if not force:
                raise click.ClickException("the database has users; use --force to add demo data")
        counts = load_demo()
        db.session.commit()
        click.echo(
            f"demo loaded: {counts['institutions']} institutions, {counts['users']} users, "
            f"{counts['plans']} plans, {counts['programs']} programs, "
            f"{counts['groups']} oversight groups"
        )
        click.echo(f"every demo account's password is: {DEMO_PASSWORD}")
        for email, _name, role, language, _inst in USERS:
            click.echo(f"  {role.value:<10} {language}  {email}")
