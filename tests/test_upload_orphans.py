"""A filing that fails half-way leaves no cleaned file behind, and ``flask uploads sweep``
removes files no row uses once they are a day old (for cron)."""

from __future__ import annotations

import io
import os
import time
from pathlib import Path

from sqlalchemy import select

from app.extensions import db
from app.observations import filing
from app.observations.evidence import stored_file_columns
from app.observations.models import Evidence
from tests.test_observations_filing import citizen, form_data, gps_photo, open_form
from tests.test_observations_filing import world as world


def stored_files(app) -> set[str]:
    root = Path(app.config["UPLOADS_DIR"])
    return {
        str(p.relative_to(root))
        for p in root.rglob("*")
        if p.is_file() and not p.name.startswith(".")
    }


def test_a_failed_filing_leaves_no_file(app, make_user, world, monkeypatch):
    client = citizen(app, make_user)
    token, _ = open_form(client)
    before = stored_files(app)

    def broken(*_args, **_kwargs):
        raise RuntimeError("the database went away half-way")

    monkeypatch.setattr(filing, "file", broken)
    data = form_data(world, token)
    data["evidence"] = [(io.BytesIO(gps_photo()), "obra.jpg")]
    response = client.post("/observations/new", data=data, content_type="multipart/form-data")
    assert response.status_code == 500
    assert stored_files(app) == before
    with app.app_context():
        assert db.session.scalar(select(Evidence.id)) is None


def test_sweep_removes_old_unused_files_only(app, make_user, world):
    client = citizen(app, make_user)
    token, _ = open_form(client)
    data = form_data(world, token)
    data["evidence"] = [(io.BytesIO(gps_photo()), "obra.jpg")]
    assert (
        client.post("/observations/new", data=data, content_type="multipart/form-data").status_code
        == 302
    )
    with app.app_context():
        used = db.session.scalar(select(Evidence.storage_key))
    root = Path(app.config["UPLOADS_DIR"])
    old_orphan, new_orphan = root / "ab" / "old-orphan.jpg", root / "cd" / "new-orphan.jpg"
    for orphan in (old_orphan, new_orphan):
        orphan.parent.mkdir(parents=True, exist_ok=True)
        orphan.write_bytes(b"left behind")
    two_days_ago = time.time() - 2 * 24 * 3600
    os.utime(old_orphan, (two_days_ago, two_days_ago))
    os.utime(root / used, (two_days_ago, two_days_ago))  # old, but a row uses it
    result = app.test_cli_runner().invoke(args=["uploads", "sweep", "--dry-run"])
    assert result.exit_code == 0 and "would remove 1 unused files" in result.output
    assert old_orphan.exists()
    result = app.test_cli_runner().invoke(args=["uploads", "sweep"])
    assert result.exit_code == 0, result.output
    assert "removed 1 unused files" in result.output
    assert not old_orphan.exists() and new_orphan.exists() and (root / used).exists()


def test_the_sweep_knows_every_column_that_names_a_stored_file(app):
    """Evidence (and answer documents), accountability session reports and data export
    archives: a file one of them names is in use. The columns say so themselves
    (``STORED_FILE``), so observations needs no other package's models."""
    found = {(column.table.name, column.name) for column in stored_file_columns()}
    assert found == {
        ("evidence", "storage_key"),
        ("accountability_sessions", "report_key"),
        ("data_exports", "storage_key"),
    }
