from __future__ import annotations

import click
from flask import Flask

from app.accounts import services
from app.accounts.models import Role
from app.extensions import db


def init_app(app: Flask) -> None:
    @app.cli.command("create-admin")
    @click.option("--email", prompt=True)
    @click.option("--name", "display_name", prompt="Display name")
    @click.option("--language", default="es", type=click.Choice(app.config["LANGUAGES"]))
    @click.password_option(help="Read from a prompt when not given.")
    def create_admin(email: str, display_name: str, language: str, password: str) -> None:
        """Create an administrator account (verified), or promote an existing one."""
        if len(password) < app.config["PASSWORD_MIN_LENGTH"]:
            raise click.ClickException(
                f"the password needs at least {app.config['PASSWORD_MIN_LENGTH']} characters"
            )
        user = services.find_by_email(email)
        if user is None:
            user = services.create_user(
                email=email,
                password=password,
                display_name=display_name,
                role=Role.ADMIN,
                language=language,
            )
            click.echo(f"created administrator #{user.id}")
        else:
            user.role = Role.ADMIN
            user.institution_id = None
            services.set_password(user, password)
            click.echo(f"promoted user #{user.id} to administrator")
        db.session.commit()
