"""Installing prints no deprecation warning: the licence is an SPDX expression (a plain string,
which setuptools reads from version 77 on), not the deprecated ``{ text = … }`` table."""

from __future__ import annotations

import tomllib
from pathlib import Path

PYPROJECT = Path(__file__).resolve().parent.parent / "pyproject.toml"


def test_licence_is_an_spdx_string_and_the_backend_reads_it():
    project = tomllib.loads(PYPROJECT.read_text())
    assert project["project"]["license"] == "AGPL-3.0-or-later"
    assert "setuptools>=77" in project["build-system"]["requires"]


def test_browser_skip_message_names_each_missing_piece(monkeypatch, tmp_path):
    from tests.browser import audit, conftest

    monkeypatch.setattr(conftest, "CHROMIUM", tmp_path / "no-chromium")
    monkeypatch.setattr(conftest, "VNU_JAR", tmp_path / "no-vnu.jar")
    monkeypatch.setattr(audit, "AXE_JS", tmp_path / "no-axe.js")
    monkeypatch.setattr(conftest.shutil, "which", lambda _name: None)
    reason = conftest._missing()
    for piece in ("Chromium", "axe-core", "tests/browser/node_modules", "Java"):
        assert piece in reason, piece
