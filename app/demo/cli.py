from __future__ import annotations

import time

import click
from flask import Flask

from app.demo.services import (
    DEFAULT_SEED,
    DEMO_PASSWORD,
    USERS,
    database_is_empty,
    load_demo,
)
from app.extensions import db


def init_app(app: Flask) -> None:
    @app.cli.command("demo")
    @click.option("--if-empty", is_flag=True, help="Do nothing when the database has users.")
    @click.option("--force", is_flag=True, help="Load even when the database has users.")
    @click.option(
        "--small",
        is_flag=True,
        help="Only the small showcase (6 programs, 6 observations): what the tests load.",
    )
    @click.option(
        "--seed",
        type=int,
        default=DEFAULT_SEED,
        show_default=True,
        help="Seed of the generated country: the same seed on the same day gives the same data.",
    )
    def demo(if_empty: bool, force: bool, small: bool, seed: int) -> None:
        """Load a demo country: about 200 programs in a PDES, PTDIs and PEIs, about 600
        observations over 18 months in every state, comment threads in five languages,
        accountability sessions, and users of every role (all with one documented password).
        Dates are relative to today. Never run it against a production database."""
        if not database_is_empty():
            if if_empty:
                click.echo("database not empty: demo data not loaded")
                return
            if not force:
                raise click.ClickException("the database has users; use --force to add demo data")
        started = time.monotonic()
        counts = load_demo(seed=seed, small=small)
        db.session.commit()
        click.echo(
            f"demo loaded{' (small)' if small else f' (seed {seed})'} in "
            f"{time.monotonic() - started:.1f} s: {counts.institutions} institutions, "
            f"{counts.users} users, {counts.plans} plans, {counts.programs} programs, "
            f"{counts.observations} observations, {counts.comments} comments, "
            f"{counts.sessions} accountability sessions, {counts.groups} oversight groups"
        )
        click.echo(f"every demo account's password is: {DEMO_PASSWORD}")
        for email, _name, role, language, _inst in USERS:
            click.echo(f"  {role.value:<10} {language}  {email}")
