"""Uploaded files made safe to keep and to show: the content decides, never the name.

A PDF is parsed (pypdf) and refused when it can act on its own — scripts, launch
actions, embedded files, forms that send data anywhere — or when it does not parse; it
is kept byte for byte when it passes. A JPEG or PNG is decoded and encoded anew
(Pillow), which leaves behind whatever rode along: data after the image, EXIF and other
metadata, comments. Anything else is refused. What is stored is what ``sanitise``
returns, so the size and SHA-256 on record are those of the clean bytes.
"""

import contextlib
import io
import re
from collections.abc import Iterator
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from PIL import Image, ImageCms, ImageOps, JpegImagePlugin
from pypdf import PdfReader
from pypdf.generic import ArrayObject, DictionaryObject, IndirectObject, PdfObject

from tradereg.common.files import SIGNATURES

PDF, JPEG, PNG = "application/pdf", "image/jpeg", "image/png"
SUFFIXES = {PDF: (".pdf",), JPEG: (".jpg", ".jpeg"), PNG: (".png",)}
MB = 1024 * 1024


def _mb(size: int) -> str:
    return f"{size / MB:.1f}".removesuffix(".0")


@dataclass(frozen=True)
class UploadLimits:
    """The limits of settings.ATTACHMENT_* in one place, with the words that show them."""

    max_file_bytes: int
    max_files: int
    max_total_bytes: int
    max_pixels: int

    @classmethod
    def from_settings(cls) -> "UploadLimits":
        return cls(
            max_file_bytes=settings.ATTACHMENT_MAX_BYTES,
            max_files=settings.ATTACHMENT_MAX_FILES,
            max_total_bytes=settings.ATTACHMENT_MAX_TOTAL_BYTES,
            max_pixels=settings.ATTACHMENT_MAX_PIXELS,
        )

    def describe(self) -> str:
        return _(
            "每个文件不超过 %(file)s MB，每份备案最多 %(files)d 个文件、合计 %(total)s MB。"
        ) % {
            "file": _mb(self.max_file_bytes),
            "files": self.max_files,
            "total": _mb(self.max_total_bytes),
        }

    def file_too_big(self, size: int) -> str:
        return _("文件过大（%(size)s MB），单个附件不能超过 %(max)s MB。") % {
            "size": _mb(size),
            "max": _mb(self.max_file_bytes),
        }

    def check_filing(self, *, count: int, total: int, size: int) -> None:
        """Refuse a file that would take a filing past its number or total size.

        ``count`` and ``total`` are what the filing keeps once the file is in (a replaced
        file already left out), ``size`` the new file's.
        """
        if count + 1 > self.max_files:
            raise ValidationError(
                _("每份备案最多 %(max)d 个附件，本备案已有 %(count)d 个，不能再上传。")
                % {"max": self.max_files, "count": count},
                code="too_many_files",
            )
        if total + size > self.max_total_bytes:
            raise ValidationError(
                _(
                    "每份备案的附件合计不能超过 %(max)s MB：已上传 %(total)s MB，"
                    "本文件 %(size)s MB。"
                )
                % {
                    "max": _mb(self.max_total_bytes),
                    "total": _mb(total),
                    "size": _mb(size),
                },
                code="filing_too_big",
            )


@dataclass(frozen=True)
class Sanitised:
    content: bytes
    content_type: str

    def name_for(self, original: str) -> str:
        """The uploaded name, with a suffix that says what the content is."""
        stem, dot, suffix = original.rpartition(".")
        if dot and f".{suffix.lower()}" in SUFFIXES[self.content_type]:
            return original
        return f"{stem if dot else original}{SUFFIXES[self.content_type][0]}"


def not_accepted() -> ValidationError:
    return ValidationError(
        _("文件内容不是 PDF、JPEG 或 PNG，请上传正确的文件。"), code="not_accepted"
    )


def sanitise(content: bytes, *, max_pixels: int) -> Sanitised:
    """The bytes to store for an upload, or ValidationError with the reason in Chinese."""
    for magic, content_type in SIGNATURES:
        if content.startswith(magic):
            if content_type == PDF:
                pdf_check(content)
                return Sanitised(content, PDF)
            return image_reencode(content, max_pixels=max_pixels)
    raise not_accepted()


# --- PDF --------------------------------------------------------------------------------

PDF_END = re.compile(rb"%%EOF[\s\x00]*\Z")
# A document whose cross references lead to more objects than this is not a scan.
PDF_MAX_OBJECTS = 200_000
# Actions that run code, start programs, open embedded files or send data away.
PDF_ACTIONS = {
    "/JavaScript": "script",
    "/RichMediaExecute": "script",
    "/Launch": "launch",
    "/SubmitForm": "submit",
    "/ImportData": "submit",
    "/GoToE": "embedded",
}
PDF_KEYS = {
    "/JS": "script",
    "/JavaScript": "script",
    "/EmbeddedFiles": "embedded",
    "/EmbeddedFile": "embedded",
    "/EF": "embedded",
    "/XFA": "submit",
}
PDF_SUBTYPES = {"/FileAttachment": "embedded", "/RichMedia": "script"}
# The same names looked for in the raw bytes (with #xx escapes undone): a viewer that
# rebuilds a damaged file may find objects the parser's cross references do not list.
PDF_RAW_NAMES = {
    b"JavaScript": "script",
    b"RichMediaExecute": "script",
    b"Launch": "launch",
    b"SubmitForm": "submit",
    b"ImportData": "submit",
    b"EmbeddedFiles": "embedded",
    b"EmbeddedFile": "embedded",
    b"FileAttachment": "embedded",
}
PDF_RAW_NAME = re.compile(rb"/([A-Za-z0-9#]{6,48})")
PDF_HEX_ESCAPE = re.compile(rb"#([0-9A-Fa-f]{2})")


def _pdf_refusal(reason: str) -> ValidationError:
    messages = {
        "script": _(
            "PDF 文件含有脚本（JavaScript），不能上传。请打印后重新扫描，或另存为普通 PDF。"
        ),
        "launch": _("PDF 文件含有启动程序或打开外部文件的动作，不能上传。"),
        "embedded": _("PDF 文件内嵌了其他文件（附件），不能上传。请去掉内嵌文件后重新上传。"),
        "submit": _("PDF 文件含有可向外提交数据的表单，不能上传。请打印后重新扫描上传。"),
        "encrypted": _("PDF 文件已加密或设有密码，请去除密码保护后重新上传。"),
        "broken": _("PDF 文件不完整或已损坏，无法读取。请重新生成或扫描后上传。"),
    }
    return ValidationError(messages[reason], code=f"pdf_{reason}")


def pdf_check(content: bytes) -> None:
    """Refuse a PDF that is cut short, encrypted, does not parse, or carries active content."""
    # A complete file ends with %%EOF; one cut short in transfer, or with something
    # appended after its end, does not.
    if not PDF_END.search(content[-4096:]):
        raise _pdf_refusal("broken")
    reason = pdf_reason_raw(content) or pdf_reason_parsed(content)
    if reason:
        raise _pdf_refusal(reason)


def pdf_reason_raw(content: bytes) -> str | None:
    """An active name anywhere in the bytes, whether or not the parser reaches it."""
    for match in PDF_RAW_NAME.finditer(content):
        name = PDF_HEX_ESCAPE.sub(lambda m: bytes([int(m[1], 16)]), match[1])
        if name in PDF_RAW_NAMES:
            return PDF_RAW_NAMES[name]
    return None


def pdf_reason_parsed(content: bytes) -> str | None:
    """What the parsed document carries: every object, compressed ones included."""
    try:
        reader = PdfReader(io.BytesIO(content), strict=False)
        if reader.is_encrypted:
            return "encrypted"
        if len(reader.pages) == 0:
            return "broken"
        for obj in _pdf_objects(reader):
            reason = _pdf_active(obj)
            if reason:
                return reason
    except Exception:  # pypdf raises many kinds on malformed input
        return "broken"
    return None


def _pdf_objects(reader: PdfReader) -> Iterator[PdfObject]:
    """Every object reachable from the trailer or listed in the cross references."""
    stack: list[object] = [reader.trailer]
    for generation, numbers in reader.xref.items():
        stack.extend(IndirectObject(number, generation, reader) for number in numbers)
    stack.extend(IndirectObject(number, 0, reader) for number in reader.xref_objStm)
    seen: set[tuple[int, int]] = set()
    while stack:
        obj = stack.pop()
        if isinstance(obj, IndirectObject):
            key = (obj.idnum, obj.generation)
            if key in seen:
                continue
            seen.add(key)
            if len(seen) > PDF_MAX_OBJECTS:
                raise ValueError("too many objects")
            obj = obj.get_object()
        if isinstance(obj, DictionaryObject):
            yield obj
            stack.extend(dict.values(obj))
        elif isinstance(obj, ArrayObject):
            stack.extend(list.__iter__(obj))


def _resolved(value: object) -> object:
    return value.get_object() if isinstance(value, IndirectObject) else value


def _pdf_active(obj: PdfObject) -> str | None:
    """Why a dictionary makes the document active (None if it does not)."""
    if not isinstance(obj, DictionaryObject):
        return None
    for key in dict.keys(obj):
        if key in PDF_KEYS:
            return PDF_KEYS[key]
    action = _resolved(dict.get(obj, "/S"))
    if isinstance(action, str) and action in PDF_ACTIONS:
        return PDF_ACTIONS[action]
    subtype = _resolved(dict.get(obj, "/Subtype"))
    if isinstance(subtype, str) and subtype in PDF_SUBTYPES:
        return PDF_SUBTYPES[subtype]
    if action == "/URI":
        uri = _resolved(dict.get(obj, "/URI"))
        target = uri.decode("latin-1") if isinstance(uri, bytes) else str(uri)
        scheme = target.strip().lower()
        if scheme.startswith(("javascript:", "vbscript:")):
            return "script"
        if scheme.startswith("file:"):
            return "launch"
    return None


# --- images -----------------------------------------------------------------------------

IMAGE_FORMATS = {"JPEG": JPEG, "MPO": JPEG, "PNG": PNG}
SRGB = ImageCms.createProfile("sRGB")


def _image_refusal(kind: str, **params: object) -> ValidationError:
    messages = {
        "pixels": _(
            "图片像素过多（超过 %(max)s 万像素），不能上传。请降低扫描分辨率或缩小图片后重新上传。"
        ),
        "broken": _("图片文件不完整或已损坏，无法读取。请重新扫描或另存后上传。"),
    }
    return ValidationError(messages[kind] % params, code=f"image_{kind}")


def image_reencode(content: bytes, *, max_pixels: int) -> Sanitised:
    """Decode a JPEG or PNG and encode its pixels anew, with nothing else kept.

    The EXIF orientation is applied to the pixels first (the tag itself goes with the
    rest of the metadata), so a photo taken sideways stays upright. A colour profile is
    applied by converting to sRGB. The pixel limit is checked before anything is
    decoded: a small file can declare a huge image.
    """
    too_many = _image_refusal("pixels", max=f"{max_pixels / 10_000:g}")
    # No warnings.catch_warnings here: it is not thread-safe and the web server runs
    # requests in threads. The size check below comes first; Pillow's own bomb guard
    # (a warning, then an error at twice its limit) is only a second line.
    try:
        image = Image.open(io.BytesIO(content), formats=["JPEG", "PNG"])
        if image.format not in IMAGE_FORMATS:
            raise not_accepted()
        width, height = image.size
        if width * height > max_pixels:
            raise too_many
        image.load()
        content_type = IMAGE_FORMATS[image.format]
        clean = _pixels_only(image, content_type)
        out = io.BytesIO()
        if content_type == JPEG:
            _jpeg_save(clean, image, out)
        else:
            clean.save(out, "PNG", **_png_params(image))
    except ValidationError:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as error:
        raise too_many from error
    except Exception as error:  # Pillow raises many kinds on damaged input
        raise _image_refusal("broken") from error
    return Sanitised(out.getvalue(), content_type)


def _pixels_only(image: Image.Image, content_type: str) -> Image.Image:
    upright = ImageOps.exif_transpose(image) or image
    profile = image.info.get("icc_profile")
    if profile and upright.mode in ("RGB", "RGBA", "CMYK"):
        # A damaged profile leaves the pixels as they are.
        with contextlib.suppress(ImageCms.PyCMSError, OSError, ValueError):
            upright = (
                ImageCms.profileToProfile(
                    upright,
                    ImageCms.ImageCmsProfile(io.BytesIO(profile)),
                    SRGB,
                    outputMode="RGBA" if upright.mode == "RGBA" else "RGB",
                )
                or upright
            )
    if content_type == JPEG and upright.mode not in ("L", "RGB"):
        upright = upright.convert("RGB")
    clean = upright.copy() if upright is image else upright
    clean.info = {}
    return clean


def _jpeg_save(clean: Image.Image, original: Image.Image, out: io.BytesIO) -> None:
    """Keep the original's quantisation and sampling: a scan does not lose sharpness."""
    tables = getattr(original, "quantization", None)
    sampling = JpegImagePlugin.get_sampling(original)
    if tables and sampling >= 0:
        try:
            clean.save(out, "JPEG", qtables=tables, subsampling=sampling, optimize=True)
            return
        except (OSError, ValueError):
            out.seek(0)
            out.truncate()
    clean.save(out, "JPEG", quality=90, optimize=True)


def _png_params(original: Image.Image) -> dict[str, object]:
    params: dict[str, object] = {}
    if "transparency" in original.info:
        params["transparency"] = original.info["transparency"]
    dpi = original.info.get("dpi")
    if isinstance(dpi, tuple) and len(dpi) == 2:
        params["dpi"] = tuple(round(float(d)) for d in dpi)
    return params
