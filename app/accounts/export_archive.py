"""The ZIP of "download my data": one JSON file per kind (``export_records``), the evidence files
the person uploaded, read from the file storage, and a README in the person's language that
describes each file. A plain ZIP (deflate), which every system opens without extra software."""

from __future__ import annotations

import io
import json
import re
import unicodedata
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from flask import current_app, has_request_context, render_template
from flask_babel import LazyString
from flask_babel import lazy_gettext as _l

from app.accounts import export_activity as activity
from app.accounts import export_records as records
from app.accounts.models import User
from app.core.clock import site_timezone
from app.core.i18n import force_language
from app.core.storage import StoredFileMissing, storage
from app.observations.models import Evidence, ObservationState

README = "README.txt"
EVIDENCE_FOLDER = "evidence"
#: What each file of the archive holds, for the README and the /account/data page.
CONTENTS: dict[str, LazyString] = {
    "profile.json": _l(
        "Your account: email address, name, language, role (and institution, for responders), "
        "when you joined, last signed in and confirmed your address, and your mail choices."
    ),
    "observations.json": _l(
        "Every observation you filed, drafts included, with all its fields, its program, "
        "institution and category, its state and dates, and its timeline. Each step of the "
        "timeline names who acted by role or institution, never by a person's name; it keeps your "
        "own notes and the institutions' public answers."
    ),
    "evidence/": _l(
        "The files you uploaded as evidence, one folder per observation (its tracking code, or "
        "draft-NUMBER for a draft). A file the site no longer has is listed as missing in "
        "observations.json."
    ),
    "comments.json": _l(
        "Your comments on programs, with their date, whether they were deleted, hidden by "
        "moderation or had personal data removed, and the text before each of your edits. A reply "
        "points to the comment it answers by its number only."
    ),
    "supports.json": _l(
        "The comments you supported (by number and program) and the stance you took on programs."
    ),
    "follows.json": _l("The programs and observations you follow."),
    "notifications.json": _l(
        "Your notifications: their kind, date, whether you read them, and their sentence."
    ),
    "groups.json": _l(
        "The oversight groups you belong to, with your role in each (no other member is named)."
    ),
    "sign_in.json": _l(
        "How you sign in: with your email address and password (your password itself is never "
        "stored, only a one-way fingerprint of it, which is not included), and the providers "
        "such as Ciudadanía Digital linked to your account (your identity document number is "
        "never stored)."
    ),
}
#: The JSON files, in the order the README describes them.
JSON_FILES = tuple(name for name in CONTENTS if name.endswith(".json"))


@dataclass
class Built:
    """An archive: its bytes and the names inside it."""

    data: bytes
    names: list[str] = field(default_factory=list)

    @property
    def size(self) -> int:
        return len(self.data)


def safe_name(name: str) -> str:
    """A file name that every system accepts: ASCII letters, digits, ``._-``."""
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    cleaned = re.sub(r"[^A-Za-z0-9._-]+", "_", ascii_name).strip("._")
    return cleaned[:80] or "file"


@contextmanager
def _url_context() -> Iterator[None]:
    """Notification links are built with ``url_for``: the worker has no request, so it gets one
    on ``BASE_URL`` (a request being served is used as it is)."""
    if has_request_context():
        yield
        return
    with current_app.test_request_context("/", base_url=current_app.config["BASE_URL"]):
        yield


class _Writer:
    def __init__(self, out: zipfile.ZipFile, now: datetime) -> None:
        self.out = out
        local = now.astimezone(site_timezone())
        self.date_time = (
            local.year,
            local.month,
            local.day,
            local.hour,
            local.minute,
            local.second,
        )
        self.names: list[str] = []

    def add(self, name: str, data: bytes) -> None:
        info = zipfile.ZipInfo(name, date_time=self.date_time)
        info.compress_type = zipfile.ZIP_DEFLATED
        info.external_attr = 0o644 << 16
        self.out.writestr(info, data)
        self.names.append(name)

    def add_json(self, name: str, doc: Any) -> None:
        text = json.dumps(doc, ensure_ascii=False, indent=2)
        self.add(name, (text + "\n").encode("utf-8"))


def _evidence(
    writer: _Writer, uploads: list[Evidence], folders: dict[int | None, str]
) -> dict[int | None, list[records.Doc]]:
    """Copy each upload from the storage into ``evidence/<folder>/<id>-<name>``; a file the
    storage no longer has is listed as missing. Returns the entries per observation id (None:
    not filed yet)."""
    files = storage()
    entries: dict[int | None, list[records.Doc]] = {}
    for item in uploads:
        folder = folders.get(item.observation_id, records.folder_of(None))
        path = f"{EVIDENCE_FOLDER}/{folder}/{item.id}-{safe_name(item.original_name)}"
        try:
            data = files.get(item.storage_key)
        except (StoredFileMissing, ValueError):
            data = None
        if data is not None:
            writer.add(path, data)
        entries.setdefault(item.observation_id, []).append(
            {
                "id": item.id,
                "name": item.original_name,
                "type": item.mime,
                "size": item.size,
                "uploaded_at": records.iso(item.created_at),
                "hidden_by_moderation_at": records.iso(item.hidden_at),
                "file": path if data is not None else None,
                "missing": data is None,
            }
        )
    return entries


def build(user: User, lang: str, now: datetime) -> Built:
    """The whole archive of ``user``, its texts in ``lang``."""
    buffer = io.BytesIO()
    with (
        _url_context(),
        force_language(lang) as lang,
        zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as out,
    ):
        writer = _Writer(out, now)
        filed = records.filed_observations(user)
        folders: dict[int | None, str] = {o.id: records.folder_of(o) for o in filed}
        files = _evidence(writer, records.my_uploads(user, filed), folders)
        documents: dict[str, Any] = {
            "profile.json": records.profile(user, lang),
            "observations.json": {
                "observations": records.observations(
                    user, filed, {k: v for k, v in files.items() if k is not None}, lang
                ),
                "files_not_filed_yet": files.get(None, []),
            },
            "comments.json": activity.comments(user, lang),
            "supports.json": activity.supports(user, lang),
            "follows.json": activity.follows(user, lang),
            "notifications.json": activity.notifications(user, lang),
            "groups.json": activity.groups(user),
            "sign_in.json": records.sign_in(user),
        }
        for name in JSON_FILES:
            writer.add_json(name, documents[name])
        readme = render_template(
            "accounts/export_readme.txt",
            user=user,
            generated_at=now,
            states=list(ObservationState),
            contents=CONTENTS,
            site=current_app.config["SITE_NAME"],
        )
        writer.add(README, readme.encode("utf-8"))
    return Built(buffer.getvalue(), writer.names)
