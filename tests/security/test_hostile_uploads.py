"""Hostile files through the real observation form (tests/test_uploads.py covers the cleaning
functions one by one; here the route must refuse cleanly: the form back with a message, no 500,
nothing stored that carries the payload, no observation filed on a refused file)."""

from __future__ import annotations

import io
import re
from pathlib import Path

import pytest
from PIL import Image
from sqlalchemy import select

from app.extensions import db
from app.observations.models import Evidence, Observation
from tests.security.world import build

TOKEN = re.compile(r'name="token" type="hidden" value="([^"]+)"')


def jpeg() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (32, 32), (10, 120, 30)).save(buffer, "JPEG")
    return buffer.getvalue()


def bomb_png() -> bytes:
    """A few KB that decode to 144 megapixels."""
    buffer = io.BytesIO()
    Image.new("1", (12_000, 12_000)).save(buffer, "PNG", optimize=True)
    return buffer.getvalue()


PDF_WITH_JAVASCRIPT = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R/OpenAction 4 0 R"
    b"/Names<</JavaScript<</Names[(x) 4 0 R]>>>>>>endobj\n"
    b"2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n"
    b"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 200 200]>>endobj\n"
    b"4 0 obj<</S/JavaScript/JS(app.alert\\('qx'\\))>>endobj\n"
    b"trailer<</Root 1 0 R/Size 5>>\n%%EOF\n"
)

HOSTILE = {
    "polyglot.jpg": jpeg() + b"<html><script>alert('qx')</script></html>",
    "active.pdf": PDF_WITH_JAVASCRIPT,
    "page.jpg": b"<!doctype html><html><script>alert('qx')</script></html>",
    "setup.pdf": b"MZ\x90\x00" + b"\x00" * 200,
    "bomb.png": None,  # built lazily: it is slow-ish to make
}
#: What a stored file must never contain.
ACTIVE = (b"<script", b"/JavaScript", b"/JS", b"/OpenAction")


def file_with(app, client, world, name: str, data: bytes):  # type: ignore[no-untyped-def]
    page = client.get(f"/observations/new?program={world.params['program_id']}")
    token = TOKEN.search(page.get_data(as_text=True)).group(1)
    response = client.post(
        "/observations/new",
        data={
            "token": token,
            "program_id": str(world.params["program_id"]),
            "category_id": str(world.params["category_id"]),
            "title": "Archivo de prueba",
            "description": "Una descripción suficiente para presentar la observación.",
            "department": "",
            "acting_as": "individual",
            "identity": "public",
            "submit": "1",
            "evidence": (io.BytesIO(data), name),
        },
        content_type="multipart/form-data",
    )
    with app.app_context():
        stored = list(db.session.scalars(select(Evidence).where(Evidence.form_token == token)))
        filed = db.session.scalar(
            select(Observation).where(Observation.title == "Archivo de prueba")
        )
        paths = [Path(app.config["UPLOADS_DIR"]) / e.storage_key for e in stored]
    return response, paths, filed


@pytest.mark.parametrize("name", sorted(HOSTILE))
def test_hostile_file_is_refused_or_neutralised(app, name):
    world = build(app)
    client = world.client(app, "citizen")
    data = HOSTILE[name] or bomb_png()
    response, stored, filed = file_with(app, client, world, name, data)
    assert response.status_code in (302, 400), response.status_code
    if stored:
        # Accepted only after re-encoding: nothing active survived.
        for path in stored:
            content = path.read_bytes()
            assert not any(marker in content for marker in ACTIVE), (name, path)
    else:
        assert response.status_code == 400
        assert "were not accepted" in response.get_data(as_text=True)
        assert filed is None, "an observation was filed with a refused file"


def test_oversized_evidence_is_refused_with_the_limit(app, monkeypatch):
    world = build(app)
    monkeypatch.setitem(app.config, "EVIDENCE_MAX_BYTES", 1000)
    response, stored, filed = file_with(
        app, world.client(app, "citizen"), world, "big.jpg", jpeg() + b"\x00" * 2000
    )
    assert response.status_code == 400 and not stored and filed is None


def test_request_over_the_body_limit_gets_the_413_page(app, monkeypatch):
    world = build(app)
    monkeypatch.setitem(app.config, "MAX_CONTENT_LENGTH", 5000)
    response, stored, filed = file_with(
        app, world.client(app, "citizen"), world, "huge.jpg", b"\xff\xd8" + b"\x00" * 20_000
    )
    assert response.status_code == 413
    assert "The upload is too large" in response.get_data(as_text=True)
    assert not stored and filed is None
