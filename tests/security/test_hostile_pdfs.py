"""PDFs that carry scripts, actions, forms and files at every level of their object graph (page
and annotation actions, XFA forms, launch and URI actions, embedded and attached files, inside
compressed object streams and inherited page-tree resources): after cleaning, none of those keys
is left in any object, and the pages still carry their text. The corpus is built here with
pikepdf (qpdf), a test-only dependency; the cleaner itself uses pypdf."""

from __future__ import annotations

import io

import pikepdf
import pytest
from pikepdf import Array, Dictionary, Name, Stream
from pypdf import PdfReader

from app.core.uploads import PDF_ACTIVE_KEYS, clean_upload

TEXT = "Informe de obra distrito seis"
#: Values of /S that make an action run something or send something.
ACTIVE_ACTIONS = {"/JavaScript", "/Launch", "/SubmitForm", "/ImportData", "/URI", "/GoToR"}


def _js(code: str = "app.alert('qx')") -> Dictionary:
    return Dictionary(Type=Name.Action, S=Name.JavaScript, JS=pikepdf.String(code))


def _base(pages: int = 1, inherit_resources: bool = False) -> pikepdf.Pdf:
    pdf = pikepdf.new()
    font = pdf.make_indirect(
        Dictionary(Type=Name.Font, Subtype=Name.Type1, BaseFont=Name.Helvetica)
    )
    resources = Dictionary(Font=Dictionary(F1=font))
    for n in range(pages):
        content = Stream(pdf, f"BT /F1 12 Tf 20 100 Td ({TEXT} {n}) Tj ET".encode())
        page = Dictionary(Type=Name.Page, MediaBox=Array([0, 0, 300, 200]), Contents=content)
        if not inherit_resources:
            page.Resources = resources
        pdf.pages.append(pikepdf.Page(page))
    if inherit_resources:
        pdf.Root.Pages.Resources = resources
    return pdf


def page_actions() -> pikepdf.Pdf:
    pdf = _base()
    pdf.pages[0].obj.AA = Dictionary(O=pdf.make_indirect(_js()), C=_js("this.print()"))
    return pdf


def annotation_actions() -> pikepdf.Pdf:
    pdf = _base()
    link = Dictionary(Type=Name.Annot, Subtype=Name.Link, Rect=Array([0, 0, 50, 50]), A=_js())
    launch = Dictionary(
        Type=Name.Annot,
        Subtype=Name.Link,
        Rect=Array([50, 0, 100, 50]),
        A=Dictionary(S=Name.Launch, F=pikepdf.String("cmd.exe")),
    )
    uri = Dictionary(
        Type=Name.Annot,
        Subtype=Name.Link,
        Rect=Array([100, 0, 150, 50]),
        A=Dictionary(S=Name.URI, URI=pikepdf.String("https://evil.example/")),
    )
    pdf.pages[0].obj.Annots = Array([pdf.make_indirect(a) for a in (link, launch, uri)])
    return pdf


def embedded_files() -> pikepdf.Pdf:
    pdf = _base()
    payload = Stream(pdf, b"MZ not really an executable")
    payload.Type = Name.EmbeddedFile
    spec = pdf.make_indirect(
        Dictionary(Type=Name.Filespec, F=pikepdf.String("x.exe"), EF=Dictionary(F=payload))
    )
    pdf.Root.Names = Dictionary(
        EmbeddedFiles=Dictionary(Names=Array([pikepdf.String("x.exe"), spec])),
        JavaScript=Dictionary(Names=Array([pikepdf.String("init"), pdf.make_indirect(_js())])),
    )
    attachment = Dictionary(
        Type=Name.Annot, Subtype=Name.FileAttachment, Rect=Array([0, 0, 20, 20]), FS=spec
    )
    pdf.pages[0].obj.Annots = Array([pdf.make_indirect(attachment)])
    return pdf


def xfa_form() -> pikepdf.Pdf:
    pdf = _base()
    xfa = Stream(pdf, b"<xdp:xdp><script>app.alert(1)</script></xdp:xdp>")
    field = pdf.make_indirect(
        Dictionary(
            FT=Name.Tx,
            T=pikepdf.String("name"),
            AA=Dictionary(K=_js("event.value='x'")),
            Rect=Array([0, 0, 10, 10]),
            Type=Name.Annot,
            Subtype=Name.Widget,
        )
    )
    pdf.Root.AcroForm = Dictionary(Fields=Array([field]), XFA=xfa)
    pdf.pages[0].obj.Annots = Array([field])
    return pdf


def launch_on_open() -> pikepdf.Pdf:
    pdf = _base()
    pdf.Root.OpenAction = Dictionary(
        S=Name.Launch, F=pikepdf.String("calc.exe"), Next=_js("app.launchURL('x')")
    )
    pdf.Root.AA = Dictionary(WC=_js())
    pdf.Root.Outlines = pdf.make_indirect(
        Dictionary(Type=Name.Outlines, First=Dictionary(Title=pikepdf.String("t"), A=_js()))
    )
    return pdf


def nested_and_compressed() -> pikepdf.Pdf:
    """Actions hidden inside a drawn form's resources and an image's dictionary, on pages whose
    resources are inherited from the page tree; saved with compressed object streams."""
    pdf = _base(pages=2, inherit_resources=True)
    form = Stream(pdf, b"0 0 m 10 10 l S")
    form.Type, form.Subtype = Name.XObject, Name.Form
    form.BBox = Array([0, 0, 10, 10])
    form.Resources = Dictionary(ExtGState=Dictionary(G0=Dictionary(AA=_js(), A=_js())))
    form.AA = Dictionary(O=_js())
    pdf.Root.Pages.Resources.XObject = Dictionary(Fm0=pdf.make_indirect(form))
    deep = Dictionary(Level1=Dictionary(Level2=Array([Dictionary(Level3=_js())])))
    pdf.Root.Pages.Resources.Properties = Dictionary(P0=pdf.make_indirect(deep))
    return pdf


HOSTILE = [
    page_actions,
    annotation_actions,
    embedded_files,
    xfa_form,
    launch_on_open,
    nested_and_compressed,
]


def _bytes(pdf: pikepdf.Pdf) -> bytes:
    out = io.BytesIO()
    pdf.save(out, object_stream_mode=pikepdf.ObjectStreamMode.generate, compress_streams=True)
    return out.getvalue()


def _active_keys_left(data: bytes) -> list[str]:
    """Every forbidden key or active action in any object of the file (object streams opened)."""
    found = []
    with pikepdf.open(io.BytesIO(data)) as pdf:
        for obj in pdf.objects:
            stack = [obj]
            seen: set[tuple] = set()
            while stack:
                item = stack.pop()
                if isinstance(item, (Dictionary, Stream)):
                    if item.is_indirect:
                        if item.objgen in seen:
                            continue
                        seen.add(item.objgen)
                    for key in item.keys():  # noqa: SIM118 - pikepdf keys
                        if key in PDF_ACTIVE_KEYS:
                            found.append(key)
                        stack.append(item[key])
                    if str(item.get("/S", "")) in ACTIVE_ACTIONS:
                        found.append(str(item.get("/S")))
                elif isinstance(item, Array):
                    stack.extend(item)
    return found


@pytest.mark.parametrize("build", HOSTILE, ids=[b.__name__ for b in HOSTILE])
def test_hostile_pdf_is_rebuilt_without_any_active_part(build):
    hostile = _bytes(build())
    assert _active_keys_left(hostile), "the corpus file carries nothing hostile"
    cleaned = clean_upload(hostile, "informe.pdf").data
    assert _active_keys_left(cleaned) == []
    for marker in (b"JavaScript", b"/JS", b"app.alert", b"calc.exe", b"cmd.exe", b"MZ not"):
        assert marker not in cleaned, marker
    reader = PdfReader(io.BytesIO(cleaned))
    originals = PdfReader(io.BytesIO(hostile))
    assert len(reader.pages) == len(originals.pages)
    for n, page in enumerate(reader.pages):
        assert f"{TEXT} {n}" in page.extract_text()
