"""Several app servers (issue 13): two gunicorn servers on one database and one S3 bucket (moto's
S3 server on 127.0.0.1), behind one address that sends each request to the next server in turn
(a tiny round-robin proxy written here). A citizen files an observation with a photo through
one server; the photo comes back, same bytes, from the other; strangers get 404 from both."""

from __future__ import annotations

import http.client
import os
import shutil
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import boto3
import pytest
from sqlalchemy import create_engine, text

from tests.browser.journeys import jpeg_bytes
from tests.browser.server import LiveServer, free_port, seed

pytestmark = pytest.mark.browser

BUCKET = "qhawaq-scale-out"
PREFIX = "files/"
KEYS = {"QHAWAQ_S3_ACCESS_KEY_ID": "testing", "QHAWAQ_S3_SECRET_ACCESS_KEY": "testing-secret"}
#: Not forwarded either way (RFC 9110 hop-by-hop fields; the body is re-sent whole).
HOP_BY_HOP = {
    "connection",
    "keep-alive",
    "proxy-connection",
    "transfer-encoding",
    "te",
    "trailer",
    "upgrade",
    "content-length",
}


@dataclass
class RoundRobin:
    """One address on 127.0.0.1 in front of ``backends``; every request goes to the next one.
    ``served`` records (method, path, backend index, status)."""

    backends: list[LiveServer]
    port: int = field(default_factory=free_port)
    served: list[tuple[str, str, int, int]] = field(default_factory=list)

    def __post_init__(self) -> None:
        self._turn = 0
        self._lock = threading.Lock()
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            def _forward(self) -> None:
                with proxy._lock:
                    index = proxy._turn % len(proxy.backends)
                    proxy._turn += 1
                backend = proxy.backends[index]
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else None
                headers = {k: v for k, v in self.headers.items() if k.lower() not in HOP_BY_HOP}
                if body is not None:
                    headers["Content-Length"] = str(len(body))
                connection = http.client.HTTPConnection("127.0.0.1", backend.port, timeout=60)
                try:
                    connection.request(self.command, self.path, body=body, headers=headers)
                    answer = connection.getresponse()
                    data = answer.read()
                finally:
                    connection.close()
                proxy.served.append((self.command, self.path, index, answer.status))
                self.send_response(answer.status, answer.reason)
                for name, value in answer.getheaders():
                    if name.lower() not in HOP_BY_HOP:
                        self.send_header(name, value)
                self.send_header("X-Served-By", str(index))
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                if self.command != "HEAD":
                    self.wfile.write(data)

            do_GET = do_POST = do_HEAD = _forward

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        self.thread.start()

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def s3_client(endpoint: str):  # type: ignore[no-untyped-def]
    return boto3.session.Session().client(
        "s3",
        endpoint_url=endpoint,
        region_name="us-east-1",
        aws_access_key_id=KEYS["QHAWAQ_S3_ACCESS_KEY_ID"],
        aws_secret_access_key=KEYS["QHAWAQ_S3_SECRET_ACCESS_KEY"],
    )


def _own_postgres_schema(url: str, schema: str = "scale_out") -> str:
    """An empty schema of its own in the test database, so the servers migrate from nothing, as
    an operator would, without touching the schema the rest of the suite uses."""
    engine = create_engine(url)
    with engine.begin() as conn:
        conn.execute(text(f"DROP SCHEMA IF EXISTS {schema} CASCADE"))
        conn.execute(text(f"CREATE SCHEMA {schema}"))
    engine.dispose()
    return f"{url}{'&' if '?' in url else '?'}options=-csearch_path%3D{schema}"


@dataclass
class Cluster:
    servers: list[LiveServer]
    proxy: RoundRobin
    facts: dict
    s3_endpoint: str
    database_url: str

    def row(self, sql: str, **params: object) -> tuple:
        engine = create_engine(self.database_url)
        try:
            with engine.connect() as conn:
                return tuple(conn.execute(text(sql), params).one())
        finally:
            engine.dispose()


@pytest.fixture(scope="module")
def cluster() -> Iterator[Cluster]:
    from moto.server import ThreadedMotoServer

    s3_port = free_port()
    s3 = ThreadedMotoServer(ip_address="127.0.0.1", port=s3_port, verbose=False)
    s3.start()
    endpoint = f"http://127.0.0.1:{s3_port}"
    s3_client(endpoint).create_bucket(Bucket=BUCKET)

    first = LiveServer(workers=2, threads=2)
    # One database for both: PostgreSQL when the suite runs on it, else one SQLite file.
    test_database = os.environ.get("TEST_DATABASE_URL") or ""
    if test_database.startswith("postgresql"):
        database_url = _own_postgres_schema(test_database)
    else:
        database_url = f"sqlite:///{first.directory / 'shared.db'}"
    second = LiveServer(workers=2, threads=2, database_url=database_url)
    first.database_url = database_url
    proxy = RoundRobin([first, second])
    shared = {
        **KEYS,
        "QHAWAQ_STORAGE_BACKEND": "s3",
        "QHAWAQ_S3_ENDPOINT_URL": endpoint,
        "QHAWAQ_S3_BUCKET": BUCKET,
        "QHAWAQ_S3_REGION": "us-east-1",
        "QHAWAQ_S3_PREFIX": PREFIX,
        # Both servers build links for the one public address.
        "QHAWAQ_BASE_URL": proxy.url,
    }
    for server in (first, second):
        server.extra_env.update(shared)
    try:
        first.prepare()
        facts = seed(database_url, first.directory)
        first.start()
        second.start()
        proxy.start()
        yield Cluster([first, second], proxy, facts, endpoint, database_url)
    finally:
        if proxy.thread.is_alive():
            proxy.stop()
        else:
            proxy.server.server_close()
        for server in (first, second):
            server.stop()
            shutil.rmtree(server.directory, ignore_errors=True)
        s3.stop()
        if test_database.startswith("postgresql"):
            engine = create_engine(test_database)
            with engine.begin() as conn:
                conn.execute(text("DROP SCHEMA IF EXISTS scale_out CASCADE"))
            engine.dispose()


@pytest.fixture
def browser_context(chromium, cluster):  # type: ignore[no-untyped-def]
    contexts = []

    def make():  # type: ignore[no-untyped-def]
        context = chromium.new_context(
            base_url=cluster.proxy.url, locale="es", extra_http_headers={"Accept-Language": "es"}
        )
        context.set_default_timeout(15_000)
        contexts.append(context)
        return context

    yield make
    for context in contexts:
        context.close()


def test_a_photo_filed_through_one_server_is_served_by_the_other(cluster, browser_context):
    facts = cluster.facts
    email = facts["staff"]["es"]["flaggers"][0]  # a verified citizen
    page = browser_context().new_page()

    page.goto("/login")
    page.fill('input[name="email"]', email)
    page.fill('input[name="password"]', facts["password"])
    with page.expect_navigation():
        page.locator('form:has(input[name="password"]) [type=submit]').first.click()
    assert "/login" not in page.url

    response = page.goto(f"/observations/new?program={facts['program_id']}")
    assert response is not None and response.status == 200
    page.select_option('select[name="category_id"]', index=1)
    page.fill('input[name="title"]', "La obra del tanque de agua está paralizada")
    page.fill(
        'textarea[name="description"]',
        "Desde marzo no hay trabajadores en la obra del tanque del distrito 6.",
    )
    page.select_option('select[name="department"]', "BO-H")
    page.set_input_files(
        'input[name="evidence"]',
        files=[{"name": "obra.jpg", "mimeType": "image/jpeg", "buffer": jpeg_bytes()}],
    )
    with page.expect_navigation():
        page.locator('form[action$="/observations/new"] [type=submit][name="submit"]').first.click()
    assert "/observations/CS-" in page.url, page.url
    code = page.url.rsplit("/", 1)[-1]
    # The filing (and its photo) went through one server...
    [stored_by] = {
        index
        for method, path, index, status in cluster.proxy.served
        if method == "POST" and path.startswith("/observations/new") and status == 302
    }
    evidence_id, key, sha256 = cluster.row(
        "SELECT e.id, e.storage_key, e.sha256 FROM evidence e"
        " JOIN observations o ON o.id = e.observation_id WHERE o.code = :code",
        code=code,
    )
    # ...into the bucket, onto no server's disk.
    in_bucket = (
        s3_client(cluster.s3_endpoint)
        .get_object(Bucket=BUCKET, Key=PREFIX + str(key))["Body"]
        .read()
    )
    for server in cluster.servers:
        assert not (server.directory / "uploads" / str(key)).exists()

    # The filer sees the photo through the shared address, from each server in turn (the
    # context's request API carries the browser's cookies and asks for nothing else between).
    url = f"{cluster.proxy.url}/evidence/{evidence_id}"
    seen_from: dict[int, bytes] = {}
    for _ in range(6):
        response = page.context.request.get(url)
        assert response.status == 200
        assert response.headers["content-type"] == "image/jpeg"
        assert response.headers["etag"] == f'"{sha256}"'
        seen_from[int(response.headers["x-served-by"])] = response.body()
        if len(seen_from) == 2:
            break
    assert set(seen_from) == {0, 1}
    assert seen_from[1 - stored_by] == in_bucket == seen_from[stored_by]
    # And the browser shows it as an image (decoded, so whole), not as a download.
    response = page.goto(f"/evidence/{evidence_id}")
    assert response is not None and response.status == 200
    assert page.evaluate("() => document.images.length && document.images[0].naturalWidth") == 64

    # Pending moderation: a stranger gets 404 from either server.
    stranger = browser_context()
    statuses: set[tuple[int, int]] = set()
    for _ in range(6):
        response = stranger.request.get(url)
        statuses.add((int(response.headers["x-served-by"]), response.status))
        if len(statuses) == 2:
            break
    assert statuses == {(0, 404), (1, 404)}

    for server in cluster.servers:
        assert not server.server_errors(), server.server_errors()
