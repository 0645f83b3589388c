"""File storage: evidence photos and PDFs, answer documents and accountability reports.

One small interface with two backends, chosen by ``STORAGE_BACKEND`` (``QHAWAQ_STORAGE_BACKEND``):

- ``local`` (the default): files under ``UPLOADS_DIR``, as before. Fine for one app server.
- ``s3``: an S3-compatible bucket (MinIO, Garage, Ceph RGW) through boto3, so any number of app
  servers read what any one of them stored.

Keys are relative, slash-separated names such as ``ab/ab12…ef.jpg`` (the content hash of the
cleaned bytes, see ``app.observations.evidence.store``); the same key names the same bytes in
either backend, so ``flask uploads migrate`` copies a disk to a bucket without touching the
database. Nothing here checks permissions: callers do that first, and ``send_stored`` streams the
bytes through the app, so no public or presigned URL ever exists.
"""

from __future__ import annotations

import os
import re
import tempfile
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from types import TracebackType
from typing import IO, Any, Protocol, cast

from flask import Flask, Response, abort, current_app, request, send_file

EXTENSION_KEY = "qhawaq.storage"
#: Letters, digits and ``._-`` in slash-separated parts; no empty, ``.`` or ``..`` parts.
_KEY = re.compile(r"[A-Za-z0-9_-][A-Za-z0-9._-]*(/[A-Za-z0-9_-][A-Za-z0-9._-]*)*")


#: ``Column.info`` key of a column that holds a file storage key: a stored file is in use while
#: such a column names it (``app.observations.evidence.referenced``), so the sweep keeps it.
STORED_FILE = "stored_file"


class StoredFileMissing(FileNotFoundError):
    """No file under this key."""


class Readable(Protocol):
    """What a stored file's stream offers: ``read`` and ``close`` (also through ``with``)."""

    def read(self, size: int = -1, /) -> bytes: ...

    def close(self) -> None: ...

    def __enter__(self) -> Readable: ...

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
        /,
    ) -> None: ...


@dataclass
class StoredFile:
    """An open file: read ``stream`` (binary, ``read``/``close``) and close it."""

    stream: Readable
    size: int
    last_modified: datetime | None


class Storage(Protocol):
    """What every backend offers. Keys are checked with ``check_key``."""

    #: "local" or "s3", for messages.
    name: str

    def put(self, key: str, data: bytes, content_type: str) -> None:
        """Store ``data`` under ``key``, replacing what was there, all at once (readers never
        see half a file)."""

    def open(self, key: str) -> StoredFile:
        """The file under ``key``, open for reading; raises ``StoredFileMissing``."""

    def get(self, key: str) -> bytes:
        """All the bytes under ``key``; raises ``StoredFileMissing``."""

    def size(self, key: str) -> int | None:
        """The size of the file under ``key``, or None when there is none."""

    def exists(self, key: str) -> bool: ...

    def delete(self, key: str) -> None:
        """Remove the file under ``key``; nothing happens when there is none."""

    def iter_keys(self) -> Iterator[str]:
        """Every key stored, in no promised order."""


def check_key(key: str) -> str:
    """Refuse anything that could leave the storage root (``..``, absolute paths, backslashes)."""
    if not isinstance(key, str) or len(key) > 512 or not _KEY.fullmatch(key):
        raise ValueError(f"not a storage key: {key!r}")
    if any(part in (".", "..") for part in key.split("/")):
        raise ValueError(f"not a storage key: {key!r}")
    return key


class LocalStorage:
    """Files under one folder, named by their key."""

    name = "local"

    def __init__(self, root: str | Path) -> None:
        self.root = Path(root)

    def path(self, key: str) -> Path:
        return self.root / check_key(key)

    def put(self, key: str, data: bytes, content_type: str) -> None:
        path = self.path(key)
        path.parent.mkdir(parents=True, exist_ok=True)
        # A temporary name of its own (two requests may store the same photo at once), in the
        # same folder so the rename is atomic. Dot names are skipped by iter_keys.
        handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=".", suffix=".part")
        try:
            with os.fdopen(handle, "wb") as out:
                out.write(data)
            os.replace(temporary, path)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise

    def open(self, key: str) -> StoredFile:
        try:
            stream = self.path(key).open("rb")
        except (FileNotFoundError, IsADirectoryError, NotADirectoryError):
            raise StoredFileMissing(key) from None
        stat = os.fstat(stream.fileno())
        return StoredFile(stream, stat.st_size, datetime.fromtimestamp(stat.st_mtime, UTC))

    def get(self, key: str) -> bytes:
        with self.open(key).stream as stream:
            return stream.read()

    def size(self, key: str) -> int | None:
        path = self.path(key)
        return path.stat().st_size if path.is_file() else None

    def exists(self, key: str) -> bool:
        return self.size(key) is not None

    def delete(self, key: str) -> None:
        self.path(key).unlink(missing_ok=True)

    def iter_keys(self) -> Iterator[str]:
        if not self.root.is_dir():
            return
        for folder, dirs, files in os.walk(self.root):
            dirs[:] = sorted(d for d in dirs if not d.startswith("."))
            for name in sorted(files):
                # Temporary files: ".x.part" now, "x.part" from the first version of store().
                if name.startswith(".") or name.endswith(".part"):
                    continue
                key = (Path(folder) / name).relative_to(self.root).as_posix()
                if _KEY.fullmatch(key):
                    yield key


class S3Storage:
    """Objects in one bucket of an S3-compatible server, under an optional prefix."""

    name = "s3"
    #: Keys per listing request (S3's maximum); the tests lower it to see the paging work.
    page_size = 1000

    def __init__(
        self,
        *,
        bucket: str,
        endpoint_url: str | None = None,
        access_key_id: str | None = None,
        secret_access_key: str | None = None,
        region: str | None = None,
        prefix: str = "",
    ) -> None:
        self.bucket = bucket
        self.endpoint_url = endpoint_url or None
        self.region = region or "us-east-1"
        self.prefix = prefix.strip("/") + "/" if prefix.strip("/") else ""
        self._credentials = (access_key_id or None, secret_access_key or None)
        self._clients: dict[int, Any] = {}
        self._lock = threading.Lock()

    @property
    def client(self) -> Any:
        """One boto3 client per process (clients are thread-safe, but a connection pool must
        not cross gunicorn's fork), made on first use."""
        pid = os.getpid()
        client = self._clients.get(pid)
        if client is None:
            with self._lock:
                client = self._clients.get(pid)
                if client is None:
                    client = self._clients[pid] = self._make_client()
        return client

    def _make_client(self) -> Any:
        # boto3 takes a while to import: only an app that stores on S3 pays for it.
        import boto3
        from botocore.config import Config as BotoConfig

        access_key_id, secret_access_key = self._credentials
        return boto3.session.Session().client(
            "s3",
            endpoint_url=self.endpoint_url,
            region_name=self.region,
            aws_access_key_id=access_key_id,
            aws_secret_access_key=secret_access_key,
            config=BotoConfig(
                signature_version="s3v4",
                # Path-style URLs (host/bucket/key) work on MinIO, Garage and Ceph without
                # wildcard DNS.
                s3={"addressing_style": "path"},
                # Checksums only where S3 requires them: self-hosted servers do not all
                # understand the CRC headers boto3 sends by default since 1.36.
                request_checksum_calculation="when_required",
                response_checksum_validation="when_required",
                connect_timeout=5,
                read_timeout=30,
                retries={"max_attempts": 3, "mode": "standard"},
            ),
        )

    def _object(self, key: str) -> str:
        return self.prefix + check_key(key)

    def put(self, key: str, data: bytes, content_type: str) -> None:
        self.client.put_object(
            Bucket=self.bucket, Key=self._object(key), Body=data, ContentType=content_type
        )

    def open(self, key: str) -> StoredFile:
        try:
            found = self.client.get_object(Bucket=self.bucket, Key=self._object(key))
        except Exception as error:
            if _is_missing(error):
                raise StoredFileMissing(key) from None
            raise
        return StoredFile(_Body(found["Body"]), found["ContentLength"], found.get("LastModified"))

    def get(self, key: str) -> bytes:
        with self.open(key).stream as stream:
            return stream.read()

    def size(self, key: str) -> int | None:
        try:
            found = self.client.head_object(Bucket=self.bucket, Key=self._object(key))
        except Exception as error:
            if _is_missing(error):
                return None
            raise
        return found["ContentLength"]

    def exists(self, key: str) -> bool:
        return self.size(key) is not None

    def delete(self, key: str) -> None:
        self.client.delete_object(Bucket=self.bucket, Key=self._object(key))

    def iter_keys(self) -> Iterator[str]:
        for key, _size in self._listing():
            yield key

    def sizes(self) -> dict[str, int]:
        """Every key with its size, from the listing (one request per thousand objects)."""
        return dict(self._listing())

    def _listing(self) -> Iterator[tuple[str, int]]:
        paginator = self.client.get_paginator("list_objects_v2")
        pages = paginator.paginate(
            Bucket=self.bucket, Prefix=self.prefix, PaginationConfig={"PageSize": self.page_size}
        )
        for page in pages:
            for item in page.get("Contents", ()):
                yield item["Key"][len(self.prefix) :], item["Size"]


class _Body:
    """An S3 response body offering only ``read`` and ``close``: WSGI servers then stream it
    instead of trying ``sendfile`` on a socket that is not a file."""

    def __init__(self, body: Any) -> None:
        self._body = body

    def read(self, size: int = -1) -> bytes:
        return self._body.read() if size is None or size < 0 else self._body.read(size)

    def close(self) -> None:
        self._body.close()

    def __enter__(self) -> _Body:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _is_missing(error: Exception) -> bool:
    # Only the S3 backend gets here (botocore is loaded by then): see _make_client.
    from botocore.exceptions import ClientError

    if not isinstance(error, ClientError):
        return False
    code = str(error.response.get("Error", {}).get("Code", ""))
    return code in {"404", "NoSuchKey", "NotFound"}


def from_config(config: dict[str, Any]) -> Storage:
    """The backend the settings ask for; wrong settings stop the app at start, not at the
    first upload."""
    backend = (config.get("STORAGE_BACKEND") or "local").strip().lower()
    if backend == "local":
        return LocalStorage(config["UPLOADS_DIR"])
    if backend == "s3":
        if not config.get("S3_BUCKET"):
            raise RuntimeError("STORAGE_BACKEND=s3 needs a bucket (QHAWAQ_S3_BUCKET)")
        return S3Storage(
            bucket=config["S3_BUCKET"],
            endpoint_url=config.get("S3_ENDPOINT_URL"),
            access_key_id=config.get("S3_ACCESS_KEY_ID"),
            secret_access_key=config.get("S3_SECRET_ACCESS_KEY"),
            region=config.get("S3_REGION"),
            prefix=config.get("S3_PREFIX") or "",
        )
    raise RuntimeError(f"unknown STORAGE_BACKEND {backend!r} (local or s3)")


def init_app(app: Flask) -> None:
    """The backend for this app (its ``flask uploads`` commands are registered with the other
    commands, in ``app.configure_cli``)."""
    app.extensions[EXTENSION_KEY] = from_config(app.config)


def storage() -> Storage:
    """The current app's storage."""
    return current_app.extensions[EXTENSION_KEY]


def send_stored(
    key: str,
    *,
    mimetype: str,
    as_attachment: bool,
    download_name: str,
    max_age: int,
    etag: str,
) -> Response:
    """Stream a stored file as the response, with the headers ``send_file`` gives a file on
    disk (type, Content-Disposition, length, Last-Modified, ETag, conditional and range
    requests). Call it only after the permission check; a missing file is a 404. ``etag``
    should come from the content (the hash), so every app server gives the same one."""
    try:
        stored = storage().open(key)
    except (StoredFileMissing, ValueError):
        abort(404)
    try:
        response = send_file(
            # send_file only reads and closes it; an S3 body is not a whole IO (see _Body).
            cast(IO[bytes], stored.stream),
            mimetype=mimetype,
            as_attachment=as_attachment,
            download_name=download_name,
            max_age=max_age,
            etag=etag,
            last_modified=stored.last_modified,
            conditional=False,
        )
        response.content_length = stored.size
        response.make_conditional(request.environ, accept_ranges=True, complete_length=stored.size)
        return response
    except BaseException:
        stored.stream.close()
        raise
