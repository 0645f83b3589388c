"""``flask uploads migrate``: copy the files of a single-server install (``UPLOADS_DIR``) into the
configured bucket, before switching several app servers to ``STORAGE_BACKEND=s3``.

Keys are the same in both backends, so the database is not touched. Running it again copies only
what is missing or differs in size; run it once more right after the switch to catch files
uploaded in between."""

from __future__ import annotations

import mimetypes
from datetime import UTC, datetime, timedelta
from pathlib import Path

import click
from flask import Flask, current_app
from flask.cli import AppGroup

from app.core.storage import LocalStorage, S3Storage, storage

uploads_cli = AppGroup("uploads", help="Uploaded files (evidence, answer documents, reports).")

#: The kinds of file clean_upload keeps; anything else is sent as bytes.
_TYPES = {"jpg": "image/jpeg", "png": "image/png", "webp": "image/webp", "pdf": "application/pdf"}


def content_type(key: str) -> str:
    extension = key.rsplit(".", 1)[-1].lower() if "." in key else ""
    return _TYPES.get(extension) or mimetypes.guess_type(key)[0] or "application/octet-stream"


@uploads_cli.command("migrate")
@click.option(
    "--source",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Folder to copy from (default: UPLOADS_DIR).",
)
@click.option("--dry-run", is_flag=True, help="Count what would be copied; copy nothing.")
def migrate(source: Path | None, dry_run: bool) -> None:
    """Copy every local upload to the configured storage, skipping keys already there with the
    same size."""
    target = storage()
    if isinstance(target, LocalStorage):
        raise click.ClickException(
            "STORAGE_BACKEND is local: set QHAWAQ_STORAGE_BACKEND=s3 and the QHAWAQ_S3_* "
            "settings, then run this again."
        )
    local = LocalStorage(source or current_app.config["UPLOADS_DIR"])
    if not local.root.is_dir():
        raise click.ClickException(f"{local.root} is not a folder.")
    # One listing instead of one HEAD request per file.
    known = target.sizes() if isinstance(target, S3Storage) else None
    copied = skipped = failed = 0
    copied_bytes = 0
    for key in local.iter_keys():
        size = local.size(key)
        there = known.get(key) if known is not None else target.size(key)
        if there is not None and there == size:
            skipped += 1
            continue
        if dry_run:
            copied += 1
            copied_bytes += size or 0
            continue
        try:
            data = local.get(key)
            target.put(key, data, content_type(key))
        except Exception as error:  # report and go on: one bad file must not stop the rest
            failed += 1
            click.echo(f"failed: {key}: {error}", err=True)
            continue
        copied += 1
        copied_bytes += len(data)
    verb = "would copy" if dry_run else "copied"
    click.echo(
        f"{verb} {copied} files ({copied_bytes} bytes), skipped {skipped} already in "
        f"{target.name} storage, failed {failed}, from {local.root}"
    )
    if failed:
        raise SystemExit(1)


def sweep_unused(used: set[str], older_than_hours: int, *, dry_run: bool) -> tuple[int, int]:
    """Remove the stored files not in ``used`` that are older than the grace period (a filing in
    progress has stored files no row uses yet). Returns (removed, kept because too new). The
    ``flask uploads sweep`` command (app/observations/cli.py) says which keys are used."""
    target = storage()
    cutoff = datetime.now(UTC) - timedelta(hours=older_than_hours)
    removed = kept = 0
    for key in list(target.iter_keys()):
        if key in used:
            continue
        try:
            stored = target.open(key)
        except FileNotFoundError:
            continue
        stored.stream.close()
        if stored.last_modified is not None and stored.last_modified > cutoff:
            kept += 1
            continue
        if not dry_run:
            target.delete(key)
        removed += 1
    return removed, kept


def init_app(app: Flask) -> None:
    app.cli.add_command(uploads_cli)
