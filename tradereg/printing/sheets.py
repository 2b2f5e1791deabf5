"""What one printed form shows: which revision, in which state, for whom.

The same ``PrintedForm`` feeds the screen, the browser's print and the PDF: the templates
``printing/form_front.html`` and ``printing/form_back.html`` only lay out what is decided
here.
"""

import hashlib
import json
import math
import unicodedata
from dataclasses import dataclass, field
from functools import cache, lru_cache
from pathlib import Path

import segno
from django.conf import settings
from django.template.loader import get_template
from django.urls import reverse
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext_lazy as _

from tradereg.filings.forms import SECTION_LABELS
from tradereg.filings.models import Filing, FilingRevision, Section, Status
from tradereg.printing import pdf
from tradereg.printing.models import Audience, VerificationCode

DATA_DIR = Path(__file__).resolve().parent / "data"


@cache
def back_texts() -> dict[str, dict]:
    """Every wording of the back (背面), kept as versioned data rather than in templates,
    keyed by the ``version`` each ``back_<version>.json`` declares: the data is the one
    place a version is named.
    """
    texts = {}
    for path in sorted(DATA_DIR.glob("back_*.json")):
        text = json.loads(path.read_text(encoding="utf-8"))
        texts[text["version"]] = text
    return texts


def back_version() -> str:
    """The wording printed now: the newest version (versions are ``YYYY-MM``)."""
    return max(back_texts())


def back_text(version: str | None = None) -> dict:
    """The back's wording of ``version``, by default the one printed now."""
    return back_texts()[version or back_version()]


class State:
    """Which form is printed (stable strings, used in CSS classes and tests)."""

    APPROVED = "approved"  # the approved revision, with the authority's name and date
    APPLICATION = "application"  # a revision not yet approved: watermarked
    CANCELLED = "cancelled"  # the last approved revision, marked 已注销
    BLANK = "blank"  # no data: the form to fill in by hand


WATERMARKS = {
    State.APPLICATION: _("申请表 · 尚未审核"),
    State.CANCELLED: _("已注销"),
}


DENSITIES = ("normal", "compact", "dense", "tiny")
# Roughly how many half-width characters fit on one line of a full-width cell, and how
# many extra lines each density absorbs before the front would run onto a second page.
_LINE_UNITS = 78
_SPARE_LINES = {"normal": 4, "compact": 10}


def _units(text: str) -> int:
    """Width in half-width units: a Chinese character takes two."""
    return sum(2 if unicodedata.east_asian_width(char) in "WF" else 1 for char in text)


def _lines(text: str, per_line: int = _LINE_UNITS) -> int:
    return max(1, math.ceil(_units(text) / per_line))


@dataclass(frozen=True)
class SectionBlock:
    """Section A or B of the front: its heading, its labels and whether it is filled."""

    heading: str
    representative: str
    capital: str
    filled: bool


@dataclass
class PrintedForm:
    state: str
    audience: str
    back: dict
    filing: Filing | None = None
    revision: FilingRevision | None = None
    sections: list[SectionBlock] = field(default_factory=list)
    verification: VerificationCode | None = None
    density_override: str = ""

    @property
    def density(self) -> str:
        """How tightly the front is set, so that long entries still fit on one A4 page.

        An estimate of the lines the long fields need; ``services.form_pdf_render`` falls
        back to the densest setting if a page still overflows.
        """
        if self.density_override:
            return self.density_override
        if self.revision is None:
            return "compact"  # the blank form carries both sections
        r = self.revision
        extra = sum(
            _lines(value) - 1
            for value in (r.name_cn, r.name_en, r.residence, r.premises_cn, r.premises_en)
        )
        extra += _lines(r.email, 30) - 1 + max(0, _lines(r.remarks) - 4)
        for density, spare in _SPARE_LINES.items():
            if extra <= spare:
                return density
        return "dense"

    @property
    def approved(self) -> bool:
        return self.state in (State.APPROVED, State.CANCELLED)

    @property
    def cacheable(self) -> bool:
        """Only the approved form is the same every time; everything else is rendered."""
        return self.state == State.APPROVED

    @property
    def watermark(self) -> str:
        return WATERMARKS.get(self.state, "")

    @property
    def id_number(self) -> str:
        """有效证件号: in full for the owner, first 3 and last 4 everywhere else."""
        if self.revision is None:
            return ""
        if self.audience == Audience.OWNER:
            return self.revision.id_number
        return self.revision.masked_id_number

    @property
    def org_code(self) -> str:
        """The organisation code as filed, or the one a USCC carries (positions 9–17)."""
        if self.revision is None:
            return ""
        return self.revision.org_code or self.revision.uscc[8:17]

    @property
    def verify_url(self) -> str:
        if self.verification is None:
            return ""
        path = reverse("printing:verify_code", args=[self.verification.code])
        return settings.SITE_URL.rstrip("/") + path

    @property
    def verify_home(self) -> str:
        return settings.SITE_URL.rstrip("/") + reverse("printing:verify")

    @property
    def qr_svg(self) -> SafeString:
        """The verification URL as an inline SVG QR code (no image request, CSP-clean)."""
        if not self.verify_url:
            return mark_safe("")  # noqa: S308 - constant
        return mark_safe(qr_svg(self.verify_url))  # noqa: S308 - segno's SVG of our own URL

    @property
    def file_label(self) -> str:
        """The number in download file names."""
        if self.filing is None:
            return ""
        return self.filing.form_no if self.approved else self.filing.system_no


@lru_cache(maxsize=512)
def qr_svg(url: str) -> str:
    """The QR code of ``url`` as inline SVG (~5 ms to compute, so kept per URL)."""
    return segno.make(url, error="m").svg_inline(border=2, omitsize=True, dark="#000", light="#fff")


def sections_for(revision: FilingRevision | None) -> list[SectionBlock]:
    """A filled form shows its own section; the blank form shows both, to be chosen."""
    chosen = [revision.operator_type.section] if revision is not None else [Section.A, Section.B]
    return [
        SectionBlock(
            heading=SECTION_LABELS[section]["heading"],
            representative=SECTION_LABELS[section]["representative"],
            capital=SECTION_LABELS[section]["capital"],
            filled=revision is not None,
        )
        for section in chosen
    ]


def state_for(*, filing: Filing, audience: str) -> str:
    """The public sees the last approved revision while a change is pending (DESIGN.md);
    the owner prints the application of the pending revision to sign it.
    """
    if filing.status == Status.CANCELLED and filing.approved_revision_id:
        return State.CANCELLED
    if filing.approved_revision_id is None:
        return State.APPLICATION
    if audience == Audience.PUBLIC or filing.status == Status.APPROVED:
        return State.APPROVED
    return State.APPLICATION


def blank_form() -> PrintedForm:
    return PrintedForm(
        state=State.BLANK,
        audience=Audience.PUBLIC,
        back=back_text(),
        sections=sections_for(None),
    )


@cache
def layout_key() -> str:
    """A digest of everything that shapes a printed page: the kept PDFs carry it, so a
    deploy that changes a template, the style sheet, the back text or SITE_URL (in the QR
    code) renders afresh instead of serving an outdated file.
    """
    digest = hashlib.sha256()
    for name in ("printing/form_pdf.html", "printing/form_front.html", "printing/form_back.html"):
        digest.update(get_template(name).template.source.encode())
    digest.update(pdf.stylesheet_path().read_bytes())
    digest.update(repr(back_text()).encode())
    digest.update(settings.SITE_URL.encode())
    return digest.hexdigest()[:16]
