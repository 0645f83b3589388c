"""The upload form of the programs CSV import (admin_routes.py): whether the file is a readable
CSV file of a size and row count the page takes, with our own translated messages. Its columns
and rows are checked by ``import_check.check_bytes``."""

from __future__ import annotations

import csv
import io
import re
from typing import Any

from flask import current_app
from flask_babel import format_decimal
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import SubmitField
from wtforms.validators import ValidationError as FieldError

IMPORT_MAX_BYTES = 2 * 1024 * 1024
#: The most rows it takes (``PROGRAMS_IMPORT_MAX_ROWS``): the import is written inside the
#: request, which must end well within the worker timeout (30 s): 1,000 programs in a tree
#: take about 10 s on PostgreSQL, 16 s on SQLite. Bigger files: split them, or use the command.
IMPORT_MAX_ROWS = 1000
SAVE_AS_CSV = _l("In your spreadsheet, use Save as, choose “CSV UTF-8” and upload that file.")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


def import_max_bytes() -> int:
    return int(current_app.config.get("PROGRAMS_IMPORT_MAX_BYTES", IMPORT_MAX_BYTES))


def import_max_rows() -> int:
    return int(current_app.config.get("PROGRAMS_IMPORT_MAX_ROWS", IMPORT_MAX_ROWS))


def _file_size(size: int) -> str:
    """``2 MB``, ``500 KB``: the size limit as people read it."""
    if size >= 1024 * 1024:
        return f"{format_decimal(size / (1024 * 1024), format='#,##0.#')} MB"
    return f"{format_decimal(max(size, 1024) / 1024, format='#,##0')} KB"


class ImportUploadForm(FlaskForm):
    """The CSV file of the programs import. Only whether it is a readable CSV file is checked
    here (size, UTF-8, no binary, CSV syntax), with our own translated messages; its columns and
    rows are checked by ``import_check.check_bytes``. After validation ``content`` holds its bytes
    and ``filename`` its name, for display only."""

    file = FileField(_l("CSV file"), render_kw={"accept": ".csv,text/csv"})
    submit = SubmitField(_l("Check the file"))

    content: bytes = b""
    filename: str = ""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.file.description = _(
            "Saved from a spreadsheet as “CSV UTF-8”, with the column names in the first row; "
            "at most %(size)s and %(rows)s rows.",
            size=_file_size(import_max_bytes()),
            rows=format_decimal(import_max_rows()),
        )

    def validate_file(self, field: FileField) -> None:
        upload = field.data
        if upload is None or not upload.filename:
            raise FieldError(_("Choose the CSV file to import."))
        name = _CONTROL.sub("", upload.filename.replace("\\", "/").rsplit("/", 1)[-1])[:120]
        if not name.lower().endswith(".csv"):
            raise FieldError(
                _("Choose a file whose name ends in .csv. %(save_as)s", save_as=SAVE_AS_CSV)
            )
        limit = import_max_bytes()
        data = upload.stream.read(limit + 1)
        if len(data) > limit:
            raise FieldError(
                _(
                    "The file is larger than %(size)s. Split it into smaller files and "
                    "import them one after the other.",
                    size=_file_size(limit),
                )
            )
        if not data.removeprefix(b"\xef\xbb\xbf").strip():
            raise FieldError(_("The file is empty."))
        if b"\x00" in data:
            raise FieldError(
                _("This is not a CSV file: it holds binary data. %(save_as)s", save_as=SAVE_AS_CSV)
            )
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError as error:
            raise FieldError(
                _(
                    "The file is not UTF-8 text (the first character that cannot be read is on "
                    "line %(line)d). %(save_as)s",
                    line=data[: error.start].count(b"\n") + 1,
                    save_as=SAVE_AS_CSV,
                )
            ) from None
        reader = csv.reader(io.StringIO(text, newline=""))
        rows = -1  # the header is not a row
        try:
            for record in reader:
                rows += any(cell.strip() for cell in record)
        except csv.Error:
            raise FieldError(
                _(
                    "The file cannot be read as CSV near line %(line)d: a quotation mark left "
                    "open, or a cell far too long. %(save_as)s",
                    line=max(reader.line_num, 1),
                    save_as=SAVE_AS_CSV,
                )
            ) from None
        max_rows = import_max_rows()
        if rows > max_rows:
            raise FieldError(
                _(
                    "The file has %(rows)s rows; this page imports at most %(max)s at a time. "
                    "Split it into smaller files, or ask the server administrator to import it "
                    "with the command %(command)s.",
                    rows=format_decimal(rows),
                    max=format_decimal(max_rows),
                    command="flask programs import",
                )
            )
        self.content = data
        self.filename = name
