"""What one printed form shows: which revision, in which state, for whom.

The same ``PrintedForm`` feeds the screen, the browser's print and the PDF: the templates
``printing/form_front.html`` and ``printing/form_back.html`` only lay out what is decided
here. Its ``data`` is a ``FormData``, built from the registry's published copy for the
public and from the filing's revision for its owner.
"""

import hashlib
import json
import math
import unicodedata
from dataclasses import dataclass, field, fields
from datetime import datetime
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
from tradereg.filings.publication import printed_values
from tradereg.printing import pdf
from tradereg.printing.models import Audience
from tradereg.registry.models import PublishedForm

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


@dataclass(frozen=True)
class FormData:
    """The values one printed form shows, as text, under the same names whichever copy
    they come from: the registry's published form (public) or a revision (the owner's),
    so that one template lays out both (decision 0013). ``id_number`` is already masked
    unless the form is the owner's own.
    """

    filing_id: int
    revision_number: int
    system_no: str
    form_no: str
    ie_code: str
    name_cn: str
    name_en: str
    uscc: str
    org_code: str
    operator_type: str
    section: str
    residence: str
    premises_cn: str
    premises_en: str
    phone: str
    fax: str
    postcode: str
    email: str
    registration_date: str
    registration_no: str
    representative: str
    id_type: str
    id_number: str
    capital: str
    currency: str
    capital_usd: str
    remarks: str
    authority_name: str
    approved_at: datetime | None
    code: str = ""  # the verification code of an approved revision

    @classmethod
    def from_revision(
        cls, filing: Filing, revision: FilingRevision, *, audience: str, code: str = ""
    ) -> "FormData":
        """The owner's copy (or any copy built from the filing tables)."""
        values = printed_values(filing, revision, full_id=audience == Audience.OWNER)
        values.pop("operator_code")
        return cls(**values, code=code)

    @classmethod
    def from_published(cls, published: PublishedForm) -> "FormData":
        """The public copy: only what was published at approval."""
        names = {item.name for item in fields(cls)} - {"id_number"}
        return cls(
            **{name: getattr(published, name) for name in names},
            id_number=published.masked_id_number,
        )

    @property
    def code_display(self) -> str:
        """The code in two groups of five, as people read codes aloud."""
        return f"{self.code[:5]}-{self.code[5:]}" if self.code else ""


@dataclass
class PrintedForm:
    state: str
    audience: str
    back: dict
    data: FormData | None = None
    sections: list[SectionBlock] = field(default_factory=list)
    density_override: str = ""
    authority_code: str = ""  # the 机关代码 of the authority that signs the approved form

    @property
    def density(self) -> str:
        """How tightly the front is set, so that long entries still fit on one A4 page.

        An estimate of the lines the long fields need; ``services.form_pdf_render`` falls
        back to the densest setting if a page still overflows.
        """
        if self.density_override:
            return self.density_override
        if self.data is None:
            return "compact"  # the blank form carries both sections
        r = self.data
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
    def code(self) -> str:
        """The verification code printed on an approved form; none on an application."""
        if self.data is None or not self.approved:
            return ""
        return self.data.code

    @property
    def verify_url(self) -> str:
        if not self.code:
            return ""
        path = reverse("printing:verify_code", args=[self.code])
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
        if self.data is None:
            return ""
        return self.data.form_no if self.approved else self.data.system_no


@lru_cache(maxsize=512)
def qr_svg(url: str) -> str:
    """The QR code of ``url`` as inline SVG (~5 ms to compute, so kept per URL)."""
    return segno.make(url, error="m").svg_inline(border=2, omitsize=True, dark="#000", light="#fff")


def sections_for(section: str | None) -> list[SectionBlock]:
    """A filled form shows its own section; the blank form (``None``) shows both, to be
    chosen.
    """
    chosen = [section] if section is not None else [Section.A, Section.B]
    return [
        SectionBlock(
            heading=SECTION_LABELS[chosen_section]["heading"],
            representative=SECTION_LABELS[chosen_section]["representative"],
            capital=SECTION_LABELS[chosen_section]["capital"],
            filled=section is not None,
        )
        for chosen_section in chosen
    ]


def form_of(*, state: str, audience: str, data: FormData, authority_code: str = "") -> PrintedForm:
    """A filled form: the wording printed now and the section its operator type fills."""
    return PrintedForm(
        state=state,
        audience=audience,
        back=back_text(),
        data=data,
        sections=sections_for(data.section),
        authority_code=authority_code,
    )


def published_form(
    *, published: PublishedForm, cancelled: bool, authority_code: str = ""
) -> PrintedForm:
    """The public form: the published copy of the last approved revision, marked 已注销
    when the filing has been cancelled. It never reads the filing tables.
    """
    return form_of(
        state=State.CANCELLED if cancelled else State.APPROVED,
        audience=Audience.PUBLIC,
        data=FormData.from_published(published),
        authority_code=authority_code,
    )


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
