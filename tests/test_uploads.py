"""Evidence uploads: typed by content, images re-encoded without metadata, everything else refused.
Every fixture is built in memory; each test first checks that its fixture really carries what
the cleaning must remove, so a test cannot pass by testing nothing."""

from __future__ import annotations

import hashlib
import io
import struct
import warnings
import zipfile
import zlib

import pytest
from PIL import Image, ImageCms, PngImagePlugin

from app.core import uploads
from app.core.uploads import RejectReason, UploadRejected, clean_upload, safe_filename, sniff

MAKE = "QhawaqTestCam"
MODEL = "Model-7731"
COMMENT = "filed by Juana Mamani"
XMP = b'<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:Description creator="Juana Mamani"/></x:xmpmeta>'
ICC = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()


def gps_exif(orientation: int | None = None) -> Image.Exif:
    """EXIF as a phone writes it: camera, time, a comment and the GPS position of La Paz's
    Plaza Murillo (16°29'46"S 68°08'00"W)."""
    exif = Image.Exif()
    exif[0x010F] = MAKE  # Make
    exif[0x0110] = MODEL  # Model
    if orientation:
        exif[0x0112] = orientation
    photo = exif.get_ifd(0x8769)  # Exif IFD
    photo[0x9003] = "2026:03:03 10:15:00"  # DateTimeOriginal
    photo[0x9286] = b"ASCII\x00\x00\x00" + COMMENT.encode()  # UserComment
    gps = exif.get_ifd(0x8825)  # GPSInfo IFD
    gps[1] = "S"
    gps[2] = (16.0, 29.0, 46.0)
    gps[3] = "W"
    gps[4] = (68.0, 8.0, 0.0)
    return exif


def picture(mode: str = "RGB", size: tuple[int, int] = (64, 48)) -> Image.Image:
    """A small image with some structure (a plain colour would hide orientation mistakes)."""
    image = Image.linear_gradient("L").resize(size)
    if mode == "L":
        return image
    rgb = Image.merge(
        "RGB", (image, image.transpose(Image.Transpose.ROTATE_90).resize(size), image)
    )
    return rgb.convert(mode)


def encode(image: Image.Image, fmt: str, **options: object) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format=fmt, **options)
    return buffer.getvalue()


def opened(data: bytes) -> Image.Image:
    image = Image.open(io.BytesIO(data))
    image.load()
    return image


def assert_no_metadata(data: bytes) -> None:
    image = opened(data)
    exif = image.getexif()
    assert not exif
    assert not exif.get_ifd(0x8825)
    assert not {"exif", "icc_profile", "xmp", "comment", "XML:com.adobe.xmp"} & set(image.info)
    assert not getattr(image, "text", None)
    for marker in (MAKE.encode(), MODEL.encode(), COMMENT.encode(), b"Juana", b"xmpmeta"):
        assert marker not in data


def rejected(data: bytes, filename: str = "file", **limits: int) -> UploadRejected:
    with pytest.raises(UploadRejected) as caught:
        clean_upload(data, filename, **limits)
    return caught.value


def png_declaring(width: int, height: int) -> bytes:
    """A tiny PNG whose header claims ``width`` by ``height`` 1-bit pixels (never decoded)."""

    def chunk(kind: bytes, body: bytes) -> bytes:
        return (
            struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))
        )

    header = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(b""))
        + chunk(b"IEND", b"")
    )


def minimal_pdf() -> bytes:
    """A one-page PDF written by hand, with a correct cross-reference table."""
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 200 200] >>",
    ]
    out = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n%s\nendobj\n" % (number, body)
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1,
        xref,
    )
    return bytes(out)


# --- sniffing --------------------------------------------------------------------------------


def test_sniff_reads_magic_bytes_not_names():
    assert sniff(encode(picture(), "JPEG")) == "image/jpeg"
    assert sniff(encode(picture(), "PNG")) == "image/png"
    assert sniff(encode(picture(), "WEBP")) == "image/webp"
    assert sniff(minimal_pdf()) == "application/pdf"
    assert sniff(b"GIF89a\x01\x00\x01\x00") is None
    assert sniff(b"<html>") is None
    assert sniff(b"") is None


# --- metadata removal ------------------------------------------------------------------------


# With a profile the colours go through a conversion to sRGB; without one, the pixels are kept.
@pytest.mark.parametrize("icc", [ICC, None], ids=["icc", "no-icc"])
def test_jpeg_with_gps_exif_comes_out_without_any_metadata(icc):
    options = {"icc_profile": icc} if icc else {}
    original = encode(
        picture(), "JPEG", exif=gps_exif(), comment=COMMENT.encode(), xmp=XMP, **options
    )
    source = opened(original)
    assert source.getexif().get_ifd(0x8825)[2] == (16.0, 29.0, 46.0)  # the fixture has GPS
    assert MAKE.encode() in original and b"xmpmeta" in original

    clean = clean_upload(original, "IMG_0001.JPG")

    assert clean.mime == "image/jpeg"
    assert clean.extension == "jpg"
    assert clean.data.startswith(b"\xff\xd8\xff")
    assert opened(clean.data).format == "JPEG"
    assert (clean.width, clean.height) == (64, 48)
    assert clean.sha256 == hashlib.sha256(clean.data).hexdigest()
    assert clean.metadata_removed
    assert_no_metadata(clean.data)


def test_png_text_chunks_and_exif_are_removed():
    info = PngImagePlugin.PngInfo()
    info.add_text("Author", "Juana Mamani")
    info.add_itxt("Comment", COMMENT, zip=True)
    original = encode(picture("RGBA"), "PNG", pnginfo=info, exif=gps_exif(), icc_profile=ICC)
    assert opened(original).text["Author"] == "Juana Mamani"

    clean = clean_upload(original, "captura.png")

    assert clean.mime == "image/png"
    assert opened(clean.data).mode == "RGBA"
    assert_no_metadata(clean.data)


def test_webp_exif_and_xmp_are_removed():
    original = encode(picture(), "WEBP", exif=gps_exif(), xmp=XMP, icc_profile=ICC)
    assert "exif" in opened(original).info

    clean = clean_upload(original, "foto.webp")

    assert clean.mime == "image/webp"
    assert opened(clean.data).format == "WEBP"
    assert_no_metadata(clean.data)


def test_lossless_webp_stays_lossless():
    image = picture()
    clean = clean_upload(encode(image, "WEBP", lossless=True, exif=gps_exif()), "x.webp")
    assert opened(clean.data).convert("RGB").tobytes() == image.tobytes()


def test_exif_orientation_is_applied_before_stripping():
    image = picture(size=(20, 10))
    original = encode(image, "JPEG", exif=gps_exif(orientation=6))  # "rotate 90° clockwise"
    assert opened(original).size == (20, 10)

    clean = clean_upload(original, "sideways.jpg")

    assert (clean.width, clean.height) == (10, 20)
    assert opened(clean.data).size == (10, 20)
    assert_no_metadata(clean.data)


def test_modes_are_converted_sensibly():
    cmyk = clean_upload(encode(picture("CMYK"), "JPEG"), "print.jpg")
    assert opened(cmyk.data).mode == "RGB"
    gray = clean_upload(encode(picture("L"), "JPEG"), "gray.jpg")
    assert opened(gray.data).mode == "L"
    palette = picture().convert("P", palette=Image.Palette.ADAPTIVE, colors=16)
    indexed = opened(clean_upload(encode(palette, "PNG", transparency=0), "p.png").data)
    assert (indexed.mode, indexed.info.get("transparency")) == ("P", 0)
    assert opened(clean_upload(encode(picture("LA"), "PNG"), "la.png").data).mode == "LA"


# --- polyglots and damaged files -------------------------------------------------------------


def test_polyglot_jpeg_is_reencoded_without_the_payload():
    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w") as zf:
        zf.writestr("evil.html", "<script>alert(1)</script>")
    polyglot = encode(picture(), "JPEG") + b"<script>alert(1)</script>" + archive.getvalue()

    clean = clean_upload(polyglot, "photo.jpg")

    assert clean.mime == "image/jpeg"
    assert b"<script>" not in clean.data
    assert b"PK\x03\x04" not in clean.data
    assert opened(clean.data).size == (64, 48)


def test_polyglot_png_loses_what_follows_iend():
    clean = clean_upload(encode(picture(), "PNG") + b"<html><script>x()</script>", "a.png")
    assert b"<script>" not in clean.data
    assert clean.data.endswith(b"IEND\xaeB`\x82")


def test_truncated_jpeg_is_refused():
    data = encode(picture(size=(200, 200)), "JPEG")
    assert rejected(data[: len(data) // 2], "cut.jpg").reason is RejectReason.DAMAGED


def test_png_with_a_broken_checksum_is_refused():
    # The pixels still decode; only verify() notices the image data's CRC is wrong.
    data = bytearray(encode(picture(), "PNG"))
    idat = data.index(b"IDAT")
    length = struct.unpack(">I", data[idat - 4 : idat])[0]
    data[idat + 4 + length] ^= 0xFF
    assert rejected(bytes(data), "bad.png").reason is RejectReason.DAMAGED


def test_broken_exif_is_dropped_not_fatal():
    # An orientation tag pointing past the end of the EXIF block: Pillow warns while opening.
    broken = b"Exif\x00\x00MM\x00*\x00\x00\x00\x08\x00\x01\x01\x12\x00\x03\xff\xff\xff\xff"
    original = encode(picture(), "JPEG", exif=broken)
    with pytest.warns(UserWarning):
        opened(original)
    clean = clean_upload(original, "x.jpg")
    assert (clean.width, clean.height) == (64, 48)
    assert_no_metadata(clean.data)


def test_unusable_colour_profile_is_dropped_not_fatal():
    clean = clean_upload(encode(picture(), "JPEG", icc_profile=b"not a profile"), "x.jpg")
    assert_no_metadata(clean.data)


def test_magic_bytes_and_content_must_agree():
    png_body = encode(picture(), "PNG")
    assert rejected(b"\xff\xd8\xff" + png_body[3:], "x.jpg").reason is RejectReason.DAMAGED


# --- wrong types -----------------------------------------------------------------------------


def test_html_named_jpg_is_refused():
    error = rejected(b"<!doctype html><script>alert(1)</script>", "photo.jpg")
    assert error.reason is RejectReason.TYPE
    assert str(error.message) == "This file is not a JPEG, PNG or WebP image or a PDF."


@pytest.mark.parametrize(
    "data",
    [
        b"MZ\x90\x00\x03\x00\x00\x00" + b"\x00" * 56 + b"This program cannot be run in DOS mode",
        b"PK\x03\x04\x14\x00\x00\x00\x08\x00" + b"\x00" * 40,
    ],
    ids=["exe", "zip"],
)
def test_executable_or_archive_named_pdf_is_refused(data):
    assert rejected(data, "informe.pdf").reason is RejectReason.TYPE


def test_empty_file_is_refused():
    assert rejected(b"", "x.png").reason is RejectReason.EMPTY


# --- PDF -------------------------------------------------------------------------------------


def test_valid_pdf_is_rewritten_without_metadata():
    from pypdf import PdfReader, PdfWriter
    from pypdf.generic import DictionaryObject, NameObject, TextStringObject

    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(minimal_pdf())))
    writer.add_metadata({"/Author": "Juana Mamani", "/Creator": "QhawaqTestCam"})
    writer._root_object[NameObject("/OpenAction")] = DictionaryObject(
        {
            NameObject("/S"): NameObject("/JavaScript"),
            NameObject("/JS"): TextStringObject("app.alert('hi');"),
        }
    )
    signed = io.BytesIO()
    writer.write(signed)
    pdf = signed.getvalue()
    assert b"Juana Mamani" in pdf and b"JavaScript" in pdf
    clean = clean_upload(pdf, "Respuesta oficial.pdf")
    assert b"Juana" not in clean.data and b"QhawaqTestCam" not in clean.data
    assert b"app.alert" not in clean.data
    reread = PdfReader(io.BytesIO(clean.data))
    assert not reread.metadata and len(reread.pages) == 1
    assert (clean.mime, clean.extension) == ("application/pdf", "pdf")
    assert (clean.width, clean.height) == (None, None)
    assert clean.original_name == "Respuesta oficial.pdf"
    assert clean.metadata_removed


@pytest.mark.parametrize(
    "data",
    [
        b"%PDF-" + b"junk" * 100,
        minimal_pdf()[:-40],  # a download cut short
        b"%PDF-x.y\nstartxref\n0\n%%EOF\n",
    ],
    ids=["no-eof", "truncated", "bad-version"],
)
def test_fake_or_truncated_pdf_is_refused(data):
    assert rejected(data, "doc.pdf").reason is RejectReason.DAMAGED


# --- limits ----------------------------------------------------------------------------------


def test_oversize_file_is_refused_with_the_limit_in_the_message():
    too_big = minimal_pdf() + b"\n" * (10 * 1024 * 1024)
    error = rejected(too_big, "big.pdf")
    assert error.reason is RejectReason.TOO_LARGE
    assert str(error.message) == "The file is larger than 10 MB."
    small = rejected(minimal_pdf() + b" " * 3000, "x.pdf", max_bytes=2048)
    assert str(small.message) == "The file is larger than 2 KB."


@pytest.mark.parametrize(
    "size",
    [(8_000, 8_000), (10_000, 10_000), (30_000, 30_000)],
    ids=["over-our-limit", "pillow-warns", "pillow-errors"],
)
def test_decompression_bomb_is_refused_without_a_warning(size):
    bomb = png_declaring(*size)
    assert len(bomb) < 100
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        error = rejected(bomb, "bomb.png")
    assert caught == []
    assert error.reason is RejectReason.TOO_MANY_PIXELS
    assert str(error.message) == "The image has too many pixels (at most 40 megapixels)."


def test_pixel_limit_applies_to_real_images():
    error = rejected(encode(picture(size=(200, 100)), "JPEG"), "x.jpg", max_pixels=10_000)
    assert error.reason is RejectReason.TOO_MANY_PIXELS
    assert clean_upload(encode(picture(size=(100, 100)), "JPEG"), "x.jpg", max_pixels=10_000)


# --- failures while cleaning -----------------------------------------------------------------


def test_failed_reencoding_refuses_the_file(monkeypatch):
    original = encode(picture(), "JPEG", exif=gps_exif())

    def broken_save(self, *args, **kwargs):
        raise OSError("encoder exploded")

    monkeypatch.setattr(Image.Image, "save", broken_save)
    error = rejected(original, "x.jpg")
    assert error.reason is RejectReason.NOT_CLEANED
    assert str(error.message) == (
        "The image could not be cleaned of its hidden data, so it was not accepted."
    )


def test_metadata_found_after_cleaning_refuses_the_file(monkeypatch):
    # The final check must bite: pretend the JFIF header counted as metadata.
    monkeypatch.setattr(uploads, "_METADATA_KEYS", {"jfif"})
    error = rejected(encode(picture(), "JPEG"), "x.jpg")
    assert error.reason is RejectReason.NOT_CLEANED


# --- names -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "mime", "expected"),
    [
        ("../../etc/passwd.png", "image/png", "passwd.png"),
        ("C:\\Users\\juana\\Fotos\\bache.jpg", "image/jpeg", "bache.jpg"),
        ("foto\x00\r\n\t.jpeg", "image/jpeg", "foto.jpg"),
        ("factura\u202egpj.exe", "image/jpeg", "facturagpj.jpg"),  # right-to-left override
        ("photo.html", "image/png", "photo.png"),
        ("Acta 12.03.2026", "application/pdf", "Acta 12.03.2026.pdf"),
        ("..", "image/png", "evidence.png"),
        ("", "application/pdf", "evidence.pdf"),
        ("Señalización rota.WEBP", "image/webp", "Señalización rota.webp"),
    ],
)
def test_filenames_are_sanitised(name, mime, expected):
    assert safe_filename(name, mime) == expected


def test_long_names_are_cut_to_120_characters_keeping_the_extension():
    name = safe_filename("a" * 500 + ".jpg", "image/jpeg")
    assert len(name) == 120
    assert name.endswith("a.jpg")


def test_clean_upload_sanitises_the_name():
    clean = clean_upload(encode(picture(), "PNG"), "../../uploads/\x1bevil.png")
    assert clean.original_name == "evil.png"
