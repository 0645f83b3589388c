"""Evidence files, made safe before anything stores them.

A photo can betray the person who took it: EXIF carries GPS coordinates, the camera's serial and
the time; XMP and comments carry more. Reporters must be protected (PRODUCT.md, principle 1), so:

- The type comes from the content (magic bytes, then Pillow really decoding the image, restricted
  to the one format the bytes claim), never from the name or the browser's Content-Type.
- Images are decoded and **re-encoded from their pixels alone**, after applying the EXIF
  orientation, so nothing but pixels survives: no EXIF/GPS, XMP, ICC profile, comments, text chunks,
  and no bytes appended after the image (polyglots). The result is opened again and checked; if
  anything fails the file is refused. The file as sent is **never** the one kept (FixMyStreet
  stored the original when stripping failed).
- Decompression bombs are refused from the header, before decoding.
- PDFs are checked for a PDF header and an end-of-file marker, then **rebuilt with pypdf from
  their pages' content alone** (content streams, their fonts and images, the page frame): no
  document information or XMP metadata, earlier revisions, catalogue names, outlines, forms
  (AcroForm, XFA), annotations, embedded files or actions survive; then every object left is
  walked and any key that can carry an action, a script or a file is removed at any depth.
  A PDF pypdf cannot rebuild is refused. They are still served as downloads
  (``Content-Disposition: attachment``, ``nosniff``), never inline.

Store the result under a generated name (e.g. its sha256); ``original_name`` is for display only.
"""

from __future__ import annotations

import hashlib
import io
import re
import unicodedata
import warnings
from dataclasses import dataclass
from enum import StrEnum

from flask import has_app_context
from flask_babel import LazyString, format_decimal
from flask_babel import lazy_gettext as _l
from PIL import Image, ImageOps

#: The issue's limit; enforced by the observation service, which sees all the files at once.
MAX_FILES_PER_OBSERVATION = 5
DEFAULT_MAX_BYTES = 10 * 1024 * 1024
DEFAULT_MAX_PIXELS = 40_000_000
MAX_NAME_LENGTH = 120
JPEG_QUALITY = 85
WEBP_QUALITY = 85

#: mime → (Pillow format, extension). PDF is handled without Pillow.
_TYPES = {
    "image/jpeg": ("JPEG", "jpg"),
    "image/png": ("PNG", "png"),
    "image/webp": ("WEBP", "webp"),
    "application/pdf": (None, "pdf"),
}
#: A name's last suffix that looks like an extension; it is replaced by the real type's, so a
#: download never opens in the wrong program.
_EXTENSION_LIKE = re.compile(r"(?=[0-9]*[A-Za-z])[A-Za-z0-9]{1,5}")
#: Info keys Pillow uses for metadata; none may survive cleaning.
_METADATA_KEYS = {"exif", "icc_profile", "xmp", "XML:com.adobe.xmp", "comment", "photoshop"}
#: Modes each format stores as they are; the others become RGB, or RGBA when there is alpha.
_KEPT_MODES = {
    "JPEG": {"L", "RGB"},
    "PNG": {"1", "L", "LA", "I", "I;16", "P", "RGB", "RGBA"},
    "WEBP": {"RGB", "RGBA"},
}
#: A PDF ends with startxref and %%EOF, maybe followed by newlines or padding: look this far back.
_PDF_TAIL = 1024


class RejectReason(StrEnum):
    EMPTY = "empty"
    TOO_LARGE = "too_large"
    TYPE = "type"
    DAMAGED = "damaged"
    TOO_MANY_PIXELS = "too_many_pixels"
    NOT_CLEANED = "not_cleaned"


class UploadRejected(Exception):
    """A file that must not be stored. ``reason`` is a stable code (logs, API, tests);
    ``message`` a lazily translated sentence for the person who sent it."""

    def __init__(self, reason: RejectReason, message: LazyString) -> None:
        super().__init__(reason.value)
        self.reason = reason
        self.message = message


@dataclass(frozen=True)
class CleanFile:
    #: What to store: re-encoded pixels for images, the file as sent for PDFs.
    data: bytes
    mime: str
    #: Without the dot: "jpg", "png", "webp" or "pdf".
    extension: str
    width: int | None
    height: int | None
    #: Of ``data``.
    sha256: str
    #: For display and downloads only: base name, no control characters, the real extension.
    original_name: str
    #: False for PDFs, whose metadata is kept (see the module docstring).
    metadata_removed: bool


def sniff(data: bytes) -> str | None:
    """The mime type of an accepted kind of file, from its first bytes; None for anything else."""
    if data.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "image/webp"
    if data.startswith(b"%PDF-"):
        return "application/pdf"
    return None


def clean_upload(
    data: bytes,
    filename: str,
    *,
    max_bytes: int = DEFAULT_MAX_BYTES,
    max_pixels: int = DEFAULT_MAX_PIXELS,
) -> CleanFile:
    """Check one evidence file and return what may be stored, or raise ``UploadRejected``."""
    if not data:
        raise UploadRejected(RejectReason.EMPTY, _l("The file is empty."))
    if len(data) > max_bytes:
        raise UploadRejected(
            RejectReason.TOO_LARGE,
            _l("The file is larger than %(size)s.", size=LazyString(_human_size, max_bytes)),
        )
    mime = sniff(data)
    if mime is None:
        raise UploadRejected(
            RejectReason.TYPE, _l("This file is not a JPEG, PNG or WebP image or a PDF.")
        )
    pillow_format, extension = _TYPES[mime]
    if pillow_format is None:
        _check_pdf(data)
        cleaned, width, height = _clean_pdf(data), None, None
    else:
        with _decode(data, pillow_format, max_pixels) as image:
            cleaned, (width, height) = _reencode(
                image, pillow_format, lossless=_webp_is_lossless(data)
            )
    return CleanFile(
        data=cleaned,
        mime=mime,
        extension=extension,
        width=width,
        height=height,
        sha256=hashlib.sha256(cleaned).hexdigest(),
        original_name=safe_filename(filename, mime),
        metadata_removed=True,
    )


def _damaged() -> UploadRejected:
    return UploadRejected(
        RejectReason.DAMAGED, _l("The file is damaged or incomplete, so it could not be read.")
    )


def _not_cleaned() -> UploadRejected:
    return UploadRejected(
        RejectReason.NOT_CLEANED,
        _l("The image could not be cleaned of its hidden data, so it was not accepted."),
    )


def _check_pdf(data: bytes) -> None:
    """A real PDF starts with ``%PDF-1.x``/``%PDF-2.x`` and ends with ``startxref`` and
    ``%%EOF``; a truncated download or a renamed file does not."""
    tail = data[-_PDF_TAIL:]
    if data[5:6] not in (b"1", b"2") or b"startxref" not in tail or b"%%EOF" not in tail:
        raise _damaged()


#: Keys that carry actions, scripts, forms or files, wherever they stand in a PDF's object graph.
PDF_ACTIVE_KEYS = frozenset(
    {
        "/AA",
        "/OpenAction",
        "/A",
        "/JS",
        "/JavaScript",
        "/Launch",
        "/URI",
        "/SubmitForm",
        "/ImportData",
        "/GoToR",
        "/GoToE",
        "/EmbeddedFile",
        "/EmbeddedFiles",
        "/FileAttachment",
        "/RichMedia",
        "/XFA",
        "/AcroForm",
        "/Names",
        "/Annots",
        "/Metadata",
    }
)
#: The parts of a page that are kept: what it draws and how it is framed.
_PAGE_KEYS = ("/Contents", "/Resources", "/MediaBox", "/CropBox", "/Rotate")


def _clean_pdf(data: bytes) -> bytes:
    """Rebuild the PDF from its pages' content alone: each page keeps what it draws (content
    streams and their resources: fonts, images, drawn forms) and its frame; the document keeps
    nothing else (no catalogue names, outlines, forms, annotations, embedded files, actions,
    metadata or earlier revisions). Then every object left is walked and any key that can carry
    an action, a script or a file is removed wherever it stands, however deep (a resource
    dictionary can hide one too)."""
    # pypdf takes a tenth of a second to import: only PDF uploads load it.
    from pypdf import PageObject, PdfReader, PdfWriter
    from pypdf.errors import PdfReadError
    from pypdf.generic import NameObject

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # pypdf warns about the many harmless quirks
            reader = PdfReader(io.BytesIO(data), strict=False)
            writer = PdfWriter()
            writer.metadata = None  # not even a /Producer
            for page in reader.pages:
                box = page.mediabox
                fresh = PageObject.create_blank_page(writer, box.width, box.height)
                for key in _PAGE_KEYS:
                    # Resources, boxes and rotation may be inherited from the page tree.
                    value = page.get(key) if key == "/Contents" else page.get_inherited(key, None)
                    if value is not None:
                        fresh[NameObject(key)] = value.clone(writer)
                writer.add_page(fresh)
            for obj in writer._objects:
                if obj is not None:
                    _strip_active(obj)
            writer.compress_identical_objects()
            out = io.BytesIO()
            writer.write(out)
    except (PdfReadError, ValueError, KeyError, TypeError, OSError, RecursionError, AttributeError):
        raise _not_cleaned() from None
    return out.getvalue()


def _strip_active(obj: object) -> None:
    """Remove :data:`PDF_ACTIVE_KEYS` from every dictionary reachable from ``obj``."""
    # Loaded by _clean_pdf already (see there).
    from pypdf.generic import ArrayObject, DictionaryObject, IndirectObject, StreamObject

    seen: set[int] = set()
    stack = [obj]
    while stack:
        item = stack.pop()
        if isinstance(item, IndirectObject):
            item = item.get_object()
        if id(item) in seen:
            continue
        seen.add(id(item))
        if isinstance(item, (DictionaryObject, StreamObject)):
            for key in [k for k in item if k in PDF_ACTIVE_KEYS]:
                del item[key]
            if item.get("/S") in ("/JavaScript", "/Launch", "/SubmitForm", "/ImportData"):
                item.clear()
            stack.extend(item.values())
        elif isinstance(item, ArrayObject):
            stack.extend(item)


def _decode(data: bytes, pillow_format: str, max_pixels: int) -> Image.Image:
    """Open with only the plugin the magic bytes named, refuse bombs from the header, check the
    structure (``verify``), then decode every pixel (a truncated file fails here)."""
    too_many = UploadRejected(
        RejectReason.TOO_MANY_PIXELS,
        _l(
            "The image has too many pixels (at most %(megapixels)s megapixels).",
            megapixels=LazyString(_megapixels, max_pixels),
        ),
    )
    # Pillow warns (and past twice its limit raises) about bombs while opening; turn the warning
    # into an error so nothing big is decoded and no warning reaches the logs. Its UserWarnings
    # are about broken EXIF, which is about to be thrown away: not a reason to refuse a photo.
    # catch_warnings is process-wide: a concurrent request can at worst leave these filters on.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        try:
            with Image.open(io.BytesIO(data), formats=[pillow_format]) as probe:
                width, height = probe.size
                if width * height > max_pixels:
                    raise too_many
                probe.verify()
            image = Image.open(io.BytesIO(data), formats=[pillow_format])
            image.load()
        except UploadRejected:
            raise
        except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
            raise too_many from exc
        except Exception as exc:
            # Malformed files make Pillow raise many kinds of errors (OSError, SyntaxError,
            # ValueError, struct.error...); all of them mean the same to the sender.
            raise _damaged() from exc
    return image


def _reencode(
    image: Image.Image, pillow_format: str, *, lossless: bool
) -> tuple[bytes, tuple[int, int]]:
    """Pixels only, in the same format, then a second look at the result. Returns the bytes and
    the (upright) size."""
    try:
        with warnings.catch_warnings():
            # A broken orientation tag is not worth refusing a photo for: keep it unrotated.
            warnings.simplefilter("ignore", UserWarning)
            try:
                upright = ImageOps.exif_transpose(image)
            except Exception:
                upright = image.copy()
        pixels = _to_output_mode(upright, pillow_format, image.info.get("icc_profile"))
        transparency = pixels.info.get("transparency")
        # Some encoders copy metadata from .info (PNG the ICC profile, JPEG the comment).
        pixels.info = {}
        options: dict[str, object] = {}
        if pillow_format == "JPEG":
            options = {"quality": JPEG_QUALITY, "optimize": True, "progressive": True}
        elif pillow_format == "WEBP":
            options = {"lossless": True} if lossless else {"quality": WEBP_QUALITY}
        elif transparency is not None and pixels.mode in ("1", "L", "I", "I;16", "P", "RGB"):
            options = {"transparency": transparency}
        buffer = io.BytesIO()
        pixels.save(buffer, format=pillow_format, **options)
        cleaned = buffer.getvalue()
    except Exception as exc:
        raise _not_cleaned() from exc
    if not _is_clean(cleaned, pillow_format, pixels.size):
        raise _not_cleaned()
    return cleaned, pixels.size


def _to_output_mode(image: Image.Image, pillow_format: str, icc: bytes | None) -> Image.Image:
    """A mode the output format stores well, with colours converted to sRGB when the photo had
    a profile (phones shoot in Display P3; dropping the profile alone would dull the colours)."""
    if image.mode in _KEPT_MODES[pillow_format]:
        target = image.mode
    elif pillow_format == "PNG" or image.has_transparency_data:
        target = "RGBA"
    else:
        target = "RGB"  # CMYK and YCbCr JPEGs, and WebP without alpha
    if icc and image.mode in ("RGB", "RGBA", "CMYK"):
        converted = _to_srgb(image, icc, "RGBA" if target == "RGBA" else "RGB")
        if converted is not None:
            return converted
    # exif_transpose returned a copy (even when nothing turned), so this one is ours to change.
    return image.convert(target) if image.mode != target else image


def _to_srgb(image: Image.Image, icc: bytes, mode: str) -> Image.Image | None:
    try:
        # Pillow may be built without LittleCMS: then the pixels are kept as they are.
        from PIL import ImageCms

        source = ImageCms.ImageCmsProfile(io.BytesIO(icc))
        srgb = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB"))
        return ImageCms.profileToProfile(image, source, srgb, outputMode=mode)
    except Exception:
        return None  # unusable profile: the pixels are kept as they are


def _is_clean(data: bytes, pillow_format: str, size: tuple[int, int]) -> bool:
    """Open what we wrote: it must be the same format and size and carry no metadata at all."""
    try:
        with Image.open(io.BytesIO(data), formats=[pillow_format]) as check:
            check.load()
            return (
                check.size == size
                and not check.getexif()
                and not _METADATA_KEYS & set(check.info)
                and not getattr(check, "text", None)
            )
    except Exception:
        return False


def _webp_is_lossless(data: bytes) -> bool:
    """Whether a WebP's image chunk is VP8L (lossless), so screenshots stay sharp."""
    if sniff(data) != "image/webp":
        return False
    offset = 12
    while offset + 8 <= len(data):
        chunk = data[offset : offset + 4]
        if chunk == b"VP8L":
            return True
        if chunk == b"VP8 ":
            return False
        length = int.from_bytes(data[offset + 4 : offset + 8], "little")
        offset += 8 + length + (length & 1)
    return False


def safe_filename(filename: str, mime: str) -> str:
    """A name fit to show and to offer as a download: the base name only (either kind of slash),
    without control or bidi-override characters, at most ``MAX_NAME_LENGTH`` characters, ending in
    the extension of the real type."""
    name = unicodedata.normalize("NFC", filename or "")
    name = name.replace("\\", "/").rsplit("/", 1)[-1]
    # Category C: controls, format characters (RLO can disguise "gpj.exe"), unassigned.
    name = "".join(ch for ch in name if unicodedata.category(ch)[0] != "C")
    name = " ".join(name.split()).strip(". ")
    _, extension = _TYPES[mime]
    stem, dot, suffix = name.rpartition(".")
    # A wrong extension is replaced ("photo.html" → "photo.png"); a suffix that is no extension
    # ("Acta 12.03.2026") is kept and the real extension appended.
    if not (dot and stem and _EXTENSION_LIKE.fullmatch(suffix)):
        stem = name
    stem = stem.strip(". ")[: MAX_NAME_LENGTH - len(extension) - 1].rstrip(". ") or "evidence"
    return f"{stem}.{extension}"


def _human_size(size: int) -> str:
    """``10485760`` → "10 MB" in the reader's number format (evaluated when shown)."""
    for unit, factor in (("MB", 1024 * 1024), ("KB", 1024)):
        if size >= factor:
            return f"{_number(round(size / factor, 1))} {unit}"
    return f"{_number(size)} B"


def _megapixels(pixels: int) -> str:
    return _number(pixels / 1_000_000)


def _number(value: float) -> str:
    if has_app_context():
        return format_decimal(value)
    return f"{value:g}"
