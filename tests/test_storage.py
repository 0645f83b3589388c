"""File storage (issue 13): the local backend, the S3 backend against a real S3 server (moto in
server mode on 127.0.0.1, started here; nothing leaves the machine), an app configured with the
S3 backend filing, answering and reporting with files that land in the bucket and never on disk,
downloads that keep their permission checks, and ``flask uploads migrate``."""

from __future__ import annotations

import hashlib
import io
import os
import re
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

import boto3
import pytest
from flask import Flask
from sqlalchemy import select

from app import create_app
from app.accountability.models import AccountabilitySession
from app.accounts.models import Role, User
from app.core import storage as storage_module
from app.core.clock import local_today
from app.core.storage import LocalStorage, S3Storage, StoredFileMissing, check_key, from_config
from app.core.storage_cli import content_type
from app.extensions import db
from app.observations.models import Evidence, Observation
from tests import factories
from tests.conftest import free_port, make_config
from tests.conftest import logged_in as login
from tests.test_observations_filing import form_data
from tests.test_uploads import MAKE, encode, gps_exif, minimal_pdf, picture

BUCKET = "qhawaq-evidence"
PREFIX = "qhawaq/"
CREDENTIALS = {"S3_ACCESS_KEY_ID": "testing", "S3_SECRET_ACCESS_KEY": "testing-secret"}


# --- fixtures ----------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def s3_endpoint() -> Iterator[str]:
    """A real S3 API on 127.0.0.1 (moto's server, in a thread of this process)."""
    from moto.server import ThreadedMotoServer

    port = free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    endpoint = f"http://127.0.0.1:{port}"
    raw_client(endpoint).create_bucket(Bucket=BUCKET)
    yield endpoint
    server.stop()


def raw_client(endpoint: str):
    """A plain boto3 client, to look at the bucket without going through the app's code."""
    return boto3.session.Session().client(
        "s3",
        endpoint_url=endpoint,
        region_name="us-east-1",
        aws_access_key_id=CREDENTIALS["S3_ACCESS_KEY_ID"],
        aws_secret_access_key=CREDENTIALS["S3_SECRET_ACCESS_KEY"],
    )


def s3_storage(endpoint: str, prefix: str = PREFIX) -> S3Storage:
    return S3Storage(
        bucket=BUCKET,
        endpoint_url=endpoint,
        access_key_id=CREDENTIALS["S3_ACCESS_KEY_ID"],
        secret_access_key=CREDENTIALS["S3_SECRET_ACCESS_KEY"],
        region="us-east-1",
        prefix=prefix,
    )


def bucket_bytes(endpoint: str, key: str) -> bytes:
    return raw_client(endpoint).get_object(Bucket=BUCKET, Key=PREFIX + key)["Body"].read()


@pytest.fixture(scope="module")
def s3_app(s3_endpoint: str) -> Iterator[Flask]:
    """A second app on the same test database, configured like a server of a scaled-out
    install: STORAGE_BACKEND=s3, its own (empty) UPLOADS_DIR so a file written to disk by
    mistake would be seen. Tests using it also ask for ``app``, which migrates the schema and
    empties the tables after each test."""
    uploads = Path(tempfile.mkdtemp(prefix="qhawaq-s3-app-uploads-"))
    application = create_app(
        make_config(
            STORAGE_BACKEND="s3",
            S3_ENDPOINT_URL=s3_endpoint,
            S3_BUCKET=BUCKET,
            S3_REGION="us-east-1",
            S3_PREFIX=PREFIX,
            UPLOADS_DIR=str(uploads),
            **CREDENTIALS,
        )
    )
    yield application
    with application.app_context():
        db.session.remove()
        db.engine.dispose()
    shutil.rmtree(uploads, ignore_errors=True)


def disk(application: Flask) -> dict[Path, int]:
    """Every file under the app's UPLOADS_DIR with its modification time. Keys are content
    hashes, so the shared app's folder may already hold the same bytes from another test: what
    counts is that nothing there is new or rewritten."""
    root = Path(application.config["UPLOADS_DIR"])
    return {p: p.stat().st_mtime_ns for p in root.rglob("*") if p.is_file()}


# --- the backends ------------------------------------------------------------------------------


def test_local_round_trip(tmp_path):
    files = LocalStorage(tmp_path / "uploads")
    assert list(files.iter_keys()) == []  # no folder yet: nothing, no error
    files.put("ab/abcdef.jpg", b"\xff\xd8\xffpixels", "image/jpeg")
    files.put("cd/cdef.pdf", b"%PDF-1.4 first", "application/pdf")
    files.put("cd/cdef.pdf", b"%PDF-1.4 second", "application/pdf")  # replaced whole
    assert files.get("ab/abcdef.jpg") == b"\xff\xd8\xffpixels"
    assert files.get("cd/cdef.pdf") == b"%PDF-1.4 second"
    assert (tmp_path / "uploads" / "ab" / "abcdef.jpg").read_bytes() == b"\xff\xd8\xffpixels"
    assert files.size("cd/cdef.pdf") == len(b"%PDF-1.4 second")
    assert files.exists("ab/abcdef.jpg") and not files.exists("ab/other.jpg")
    opened = files.open("ab/abcdef.jpg")
    with opened.stream:
        assert opened.stream.read() == b"\xff\xd8\xffpixels"
    assert opened.size == 9 and opened.last_modified is not None
    # Leftovers of an interrupted write are not files.
    (tmp_path / "uploads" / "ab" / ".tmp123.part").write_bytes(b"half")
    (tmp_path / "uploads" / "ab" / "abcdef.part").write_bytes(b"half")
    assert sorted(files.iter_keys()) == ["ab/abcdef.jpg", "cd/cdef.pdf"]
    files.delete("ab/abcdef.jpg")
    files.delete("ab/abcdef.jpg")  # already gone: no error
    assert not files.exists("ab/abcdef.jpg")
    with pytest.raises(StoredFileMissing):
        files.open("ab/abcdef.jpg")
    with pytest.raises(FileNotFoundError):  # StoredFileMissing is one
        files.get("ab/abcdef.jpg")


@pytest.mark.parametrize(
    "key", ["", "../etc/passwd", "/etc/passwd", "ab/../../x", "ab//x", "ab\\x", "./x", "ab/", "a b"]
)
def test_keys_cannot_leave_the_storage(tmp_path, key):
    with pytest.raises(ValueError):
        check_key(key)
    with pytest.raises(ValueError):
        LocalStorage(tmp_path).put(key, b"x", "image/png")
    with pytest.raises(ValueError):
        S3Storage(bucket=BUCKET).size(key)  # refused before any request is made


def test_s3_round_trip_exists_delete_and_iteration(s3_endpoint):
    files = s3_storage(s3_endpoint, prefix="round-trip")
    files.put("ab/abcdef.jpg", b"\xff\xd8\xffpixels", "image/jpeg")
    files.put("cd/cdef.pdf", b"%PDF-1.4 first", "application/pdf")
    files.put("cd/cdef.pdf", b"%PDF-1.4 second", "application/pdf")
    assert files.get("ab/abcdef.jpg") == b"\xff\xd8\xffpixels"
    assert files.get("cd/cdef.pdf") == b"%PDF-1.4 second"
    # Under the prefix, with its type, in the real bucket.
    stored = raw_client(s3_endpoint).head_object(Bucket=BUCKET, Key="round-trip/ab/abcdef.jpg")
    assert stored["ContentType"] == "image/jpeg" and stored["ContentLength"] == 9
    assert files.size("cd/cdef.pdf") == len(b"%PDF-1.4 second") and files.size("x/y.png") is None
    assert files.exists("ab/abcdef.jpg") and not files.exists("ab/other.jpg")
    opened = files.open("ab/abcdef.jpg")
    with opened.stream:
        assert opened.stream.read(4) == b"\xff\xd8\xffp" and opened.stream.read() == b"ixels"
    assert opened.size == 9 and opened.last_modified is not None
    assert sorted(files.iter_keys()) == ["ab/abcdef.jpg", "cd/cdef.pdf"]
    assert files.sizes() == {"ab/abcdef.jpg": 9, "cd/cdef.pdf": 15}
    # Another prefix is another storage.
    assert list(s3_storage(s3_endpoint, prefix="elsewhere/").iter_keys()) == []
    files.delete("ab/abcdef.jpg")
    files.delete("ab/abcdef.jpg")  # already gone: no error
    assert not files.exists("ab/abcdef.jpg")
    assert list(files.iter_keys()) == ["cd/cdef.pdf"]
    with pytest.raises(StoredFileMissing):
        files.open("ab/abcdef.jpg")


def test_s3_listing_pages_through_every_key(s3_endpoint, monkeypatch):
    files = s3_storage(s3_endpoint, prefix="many")
    keys = {f"k/{n:04d}.png" for n in range(7)}
    for key in keys:
        files.put(key, b"x" * len(key), "image/png")
    requests: list[object] = []
    files.client.meta.events.register(
        "before-call.s3.ListObjectsV2", lambda **kwargs: requests.append(kwargs)
    )
    monkeypatch.setattr(files, "page_size", 2)
    assert set(files.iter_keys()) == keys
    assert len(requests) == 4  # 2 + 2 + 2 + 1
    assert files.sizes() == {key: len(key) for key in keys}


def test_settings_choose_the_backend(tmp_path):
    local = from_config({"UPLOADS_DIR": str(tmp_path)})
    assert isinstance(local, LocalStorage) and local.root == tmp_path
    s3 = from_config(
        {
            "STORAGE_BACKEND": "S3",
            "UPLOADS_DIR": str(tmp_path),
            "S3_BUCKET": BUCKET,
            "S3_ENDPOINT_URL": "http://127.0.0.1:9",
            "S3_PREFIX": "/qhawaq/",
        }
    )
    assert isinstance(s3, S3Storage) and s3.bucket == BUCKET and s3.prefix == "qhawaq/"
    with pytest.raises(RuntimeError, match="QHAWAQ_S3_BUCKET"):
        from_config({"STORAGE_BACKEND": "s3", "UPLOADS_DIR": str(tmp_path)})
    with pytest.raises(RuntimeError, match="local or s3"):
        from_config({"STORAGE_BACKEND": "ftp", "UPLOADS_DIR": str(tmp_path)})


def test_environment_variables_reach_the_settings(monkeypatch):
    import importlib

    from app import config

    values = {
        "QHAWAQ_STORAGE_BACKEND": "s3",
        "QHAWAQ_S3_ENDPOINT_URL": "http://garage.internal:3900",
        "QHAWAQ_S3_BUCKET": "evidence",
        "QHAWAQ_S3_ACCESS_KEY_ID": "GK123",
        "QHAWAQ_S3_SECRET_ACCESS_KEY": "secret",
        "QHAWAQ_S3_REGION": "garage",
        "QHAWAQ_S3_PREFIX": "qhawaq",
    }
    for name, value in values.items():
        monkeypatch.setenv(name, value)
    try:
        fresh = importlib.reload(config).Config
        assert fresh.STORAGE_BACKEND == "s3" and fresh.S3_BUCKET == "evidence"
        assert fresh.S3_ENDPOINT_URL == "http://garage.internal:3900"
        assert (fresh.S3_ACCESS_KEY_ID, fresh.S3_SECRET_ACCESS_KEY) == ("GK123", "secret")
        assert (fresh.S3_REGION, fresh.S3_PREFIX) == ("garage", "qhawaq")
    finally:
        monkeypatch.undo()
        importlib.reload(config)


def test_the_default_app_stores_on_local_disk(app):
    with app.app_context():
        files = storage_module.storage()
        assert isinstance(files, LocalStorage)
        assert files.root == Path(app.config["UPLOADS_DIR"])


# --- an app on S3: files go to the bucket, downloads stay permission-checked ------------------


@pytest.fixture
def filing_world(app):
    with app.app_context():
        chq = factories.department("BO-H", "Chuquisaca")
        sucre = factories.municipality("010101", "Sucre", chq)
        inst = factories.institution()
        cat = factories.category("information", 15)
        db.session.commit()
        return {"institution": inst.id, "category": cat.id, "municipality": sucre.code}


def file_with_photo(client, world, photo: bytes, identity: str = "confidential") -> str:
    html = client.get("/observations/new").get_data(as_text=True)
    token = re.search(r'name="token" type="hidden" value="([^"]+)"', html).group(1)
    data = form_data(world, token, identity=identity)
    data["evidence"] = [(io.BytesIO(photo), "IMG_2041.jpg")]
    response = client.post("/observations/new", data=data, content_type="multipart/form-data")
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    return response.headers["Location"].rsplit("/", 1)[-1]


def test_an_s3_app_files_evidence_into_the_bucket_and_serves_it_checked(
    app, s3_app, s3_endpoint, make_user, filing_world
):
    make_user(email="filer@example.org", display_name="Filer Person")
    make_user(email="other@example.org")
    make_user(email="mod@example.org", role=Role.MODERATOR)
    filer = login(s3_app, "filer@example.org")
    photo = encode(picture(size=(120, 80)), "JPEG", exif=gps_exif())
    shared_disk = disk(app)
    code = file_with_photo(filer, filing_world, photo)
    with s3_app.app_context():
        observation = db.session.scalar(select(Observation).where(Observation.code == code))
        [item] = observation.evidence
        key, evidence_id, sha256 = item.storage_key, item.id, item.sha256
    # In the bucket, cleaned; on no local disk.
    stored = bucket_bytes(s3_endpoint, key)
    assert stored.startswith(b"\xff\xd8\xff") and MAKE.encode() not in stored
    assert hashlib.sha256(stored).hexdigest() == sha256
    assert disk(s3_app) == {} and disk(app) == shared_disk

    url = f"/evidence/{evidence_id}"
    with filer.get(url) as response:
        assert response.status_code == 200
        assert response.get_data() == stored
        assert response.headers["Content-Type"] == "image/jpeg"
        assert response.headers["Content-Length"] == str(len(stored))
        assert response.headers["Content-Disposition"] == "inline; filename=IMG_2041.jpg"
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        # "private, no-store" from the route; a signed-in page may be plain "no-store".
        assert "no-store" in response.headers["Cache-Control"]
        assert response.headers["ETag"] == f'"{sha256}"'
        assert response.headers["Last-Modified"]
    # Conditional and range requests work on a streamed object too.
    with filer.get(url, headers={"If-None-Match": f'"{sha256}"'}) as response:
        assert response.status_code == 304
    with filer.get(url, headers={"Range": "bytes=0-3"}) as response:
        assert response.status_code == 206 and response.get_data() == stored[:4]
    # Pending moderation and confidential: only the filer and moderators.
    assert login(s3_app, "mod@example.org").get(url).status_code == 200
    for client in (s3_app.test_client(), login(s3_app, "other@example.org")):
        with client.get(url) as response:
            assert response.status_code == 404 and stored not in response.get_data()
    # A row whose object is gone is a 404, not an error page.
    raw_client(s3_endpoint).delete_object(Bucket=BUCKET, Key=PREFIX + key)
    assert filer.get(url).status_code == 404


def test_an_s3_app_stores_answer_documents_in_the_bucket(
    app, s3_app, s3_endpoint, make_user, make_institution
):
    gams = make_institution("Gobierno Autónomo Municipal de Sucre", acronym="GAMS")
    make_user(email="resp@example.org", role=Role.RESPONDER, institution=gams)
    make_user(email="filer@example.org")
    with app.app_context():
        filer = db.session.scalar(select(User).where(User.email == "filer@example.org"))
        observation = factories.observation(
            filer, state="accepted", institution=db.session.get(type(gams), gams.id)
        )
        db.session.commit()
        code = observation.code
    shared_disk = disk(app)
    response = login(s3_app, "resp@example.org").post(
        f"/observations/{code}/act/answer",
        data={
            "answer-note": "Adjuntamos el informe.",
            "answer-outcome": "information_provided",
            "answer-attachments": [(io.BytesIO(minimal_pdf()), "informe.pdf")],
        },
        content_type="multipart/form-data",
    )
    assert response.status_code == 302
    with s3_app.app_context():
        [document] = db.session.scalars(select(Evidence).where(Evidence.event_id.is_not(None)))
        key, document_id = document.storage_key, document.id
    stored = bucket_bytes(s3_endpoint, key)
    assert stored.startswith(b"%PDF")
    assert disk(s3_app) == {} and disk(app) == shared_disk
    # Published with the answer: anyone downloads it, as an attachment.
    with s3_app.test_client().get(f"/evidence/{document_id}") as download:
        assert download.status_code == 200 and download.get_data() == stored
        assert download.headers["Content-Disposition"] == "attachment; filename=informe.pdf"
        assert download.headers["Content-Type"] == "application/pdf"


def test_an_s3_app_stores_session_reports_in_the_bucket(
    app, s3_app, s3_endpoint, make_user, make_institution
):
    inst = make_institution("Gobernación de Prueba", acronym="GP")
    admin = make_user(role=Role.RESPONDER, institution=inst, email="ia@example.org")
    with app.app_context():
        db.session.get(User, admin.id).is_institution_admin = True
        db.session.commit()
        today = local_today()
    shared_disk = disk(app)
    response = login(s3_app, "ia@example.org").post(
        f"/institutions/{inst.id}/sessions/new",
        data={
            "held_on": today.isoformat(),
            "place": "Salón municipal",
            "observations": "",
            "report": (io.BytesIO(minimal_pdf()), "informe.pdf"),
        },
        content_type="multipart/form-data",
    )
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    with s3_app.app_context():
        session = db.session.scalar(select(AccountabilitySession))
        key, session_id = session.report_key, session.id
        name = f"rendicion-de-cuentas-{session.institution_id}-{session.held_on}.pdf"
    stored = bucket_bytes(s3_endpoint, key)
    assert disk(s3_app) == {} and disk(app) == shared_disk
    with s3_app.test_client().get(f"/accountability/sessions/{session_id}/report") as report:
        assert report.status_code == 200 and report.get_data() == stored
        assert report.headers["Content-Type"] == "application/pdf"
        assert report.headers["Content-Disposition"] == f"attachment; filename={name}"
        assert report.headers["Cache-Control"] == "public, max-age=3600"
    assert s3_app.test_client().get("/accountability/sessions/999999/report").status_code == 404


# --- flask uploads migrate ---------------------------------------------------------------------


def test_uploads_migrate_copies_local_files_into_the_bucket(s3_app, s3_endpoint, tmp_path):
    source = LocalStorage(tmp_path / "uploads")
    wanted = {
        "aa/aa11.jpg": b"\xff\xd8\xff one photo",
        "bb/bb22.pdf": b"%PDF-1.4 one report",
        "cc/cc33.png": b"\x89PNG one screenshot",
    }
    for key, data in wanted.items():
        source.put(key, data, content_type(key))
    (tmp_path / "uploads" / "aa" / ".half-written.part").write_bytes(b"half")
    target = s3_storage(s3_endpoint)
    target.put("bb/bb22.pdf", wanted["bb/bb22.pdf"], "application/pdf")  # already there
    target.put("cc/cc33.png", b"truncated", "image/png")  # there, but cut short
    runner = s3_app.test_cli_runner()

    dry = runner.invoke(args=["uploads", "migrate", "--source", str(source.root), "--dry-run"])
    assert dry.exit_code == 0, dry.output
    assert "would copy 2 files" in dry.output and "skipped 1" in dry.output
    assert not target.exists("aa/aa11.jpg")

    result = runner.invoke(args=["uploads", "migrate", "--source", str(source.root)])
    assert result.exit_code == 0, result.output
    assert "copied 2 files" in result.output and "skipped 1" in result.output
    assert "failed 0" in result.output
    for key, data in wanted.items():
        assert bucket_bytes(s3_endpoint, key) == data
    head = raw_client(s3_endpoint).head_object(Bucket=BUCKET, Key=PREFIX + "aa/aa11.jpg")
    assert head["ContentType"] == "image/jpeg"
    assert not any(k.endswith(".part") for k in target.iter_keys())

    again = runner.invoke(args=["uploads", "migrate", "--source", str(source.root)])
    assert again.exit_code == 0
    assert "copied 0 files" in again.output and "skipped 3" in again.output


def test_uploads_migrate_reads_uploads_dir_by_default(s3_app, s3_endpoint):
    folder = Path(s3_app.config["UPLOADS_DIR"])
    LocalStorage(folder).put("dd/dd44.webp", b"RIFF....WEBP default", "image/webp")
    try:
        result = s3_app.test_cli_runner().invoke(args=["uploads", "migrate"])
        assert result.exit_code == 0, result.output
        assert "copied 1 files" in result.output and str(folder) in result.output
        assert bucket_bytes(s3_endpoint, "dd/dd44.webp") == b"RIFF....WEBP default"
    finally:
        shutil.rmtree(folder / "dd")


def test_uploads_migrate_refuses_a_local_target(app):
    result = app.test_cli_runner().invoke(args=["uploads", "migrate"])
    assert result.exit_code != 0
    assert "STORAGE_BACKEND is local" in result.output


def test_no_aws_environment_is_needed(s3_endpoint, monkeypatch):
    """The settings are enough: no AWS_* variable, no ~/.aws file is read for credentials."""
    for name in list(os.environ):
        if name.startswith("AWS_"):
            monkeypatch.delenv(name)
    monkeypatch.setenv("AWS_CONFIG_FILE", os.devnull)
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", os.devnull)
    files = s3_storage(s3_endpoint, prefix="no-env")
    files.put("ee/ee55.png", b"png", "image/png")
    assert files.get("ee/ee55.png") == b"png"
