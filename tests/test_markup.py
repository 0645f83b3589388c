"""Markup rules the browser audit (axe) also checks, caught here without a browser: scrollable
table wrappers can be reached by keyboard and have a name; a page has no duplicate ids."""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

from sqlalchemy import select

from app.accounts.models import Role, User
from app.extensions import db
from tests.conftest import logged_in

TEMPLATES = Path(__file__).resolve().parent.parent / "templates"


def test_every_scrolling_table_is_focusable_and_named():
    wrappers = []
    for template in TEMPLATES.rglob("*.html"):
        for tag in re.findall(r'<div class="table-scroll"[^>]*>', template.read_text()):
            wrappers.append((template.name, tag))
    assert len(wrappers) >= 20
    for name, tag in wrappers:
        assert 'tabindex="0"' in tag and "aria-label=" in tag and 'role="region"' in tag, name


def test_scroll_region_name_is_translated(client):
    for lang in ("es", "gn"):
        html = client.get(f"/open-data/dictionary?lang={lang}").get_data(as_text=True)
        label = re.search(
            r'class="table-scroll" role="region" tabindex="0" aria-label="([^"]+)"', html
        )
        assert label, lang
        if lang == "gn":
            assert label.group(1) != "Table: scroll sideways to see every column"


def test_admin_user_and_account_pages_have_no_duplicate_ids(app, make_user):
    make_user(email="root@example.org", role=Role.ADMIN)
    make_user(email="someone@example.org")
    with app.app_context():
        user_id = db.session.scalar(select(User.id).where(User.email == "someone@example.org"))
    client = logged_in(app, "root@example.org")
    for path in (f"/admin/users/{user_id}", "/account"):
        html = client.get(path).get_data(as_text=True)
        ids = Counter(re.findall(r'\sid="([^"]+)"', html))
        assert [i for i, n in ids.items() if n > 1] == [], path
