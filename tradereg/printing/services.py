"""Printing's public surface: the form to show, its PDF (kept once rendered), the
verification code, the public print grant and the verification record.
"""

import dataclasses
import logging
import secrets
import time
from functools import cache

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import IntegrityError, transaction
from django.http import HttpRequest
from django.template.loader import render_to_string

from tradereg.audit.services import audit_record
from tradereg.filings.models import Filing, FilingRevision
from tradereg.printing import pdf, selectors
from tradereg.printing.models import RenderedForm, Side, VerificationCode
from tradereg.printing.sheets import (
    DENSITIES,
    PrintedForm,
    State,
    back_text,
    blank_form,
    layout_key,
    sections_for,
    state_for,
)

logger = logging.getLogger(__name__)

# Crockford's base 32: no I, L, O or U, so a code read aloud or retyped survives.
CODE_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
CODE_LENGTH = 10  # 50 bits: not guessable, still short enough to type


# --- the form to show -----------------------------------------------------------------


def printed_form_for(*, filing: Filing, audience: str) -> PrintedForm:
    """Decide what a form for ``filing`` shows to ``audience`` (see ``sheets.state_for``).

    An approved form gets its verification code, created on first use (idempotent).
    """
    state = state_for(filing=filing, audience=audience)
    pk = filing.current_revision_id if state == State.APPLICATION else filing.approved_revision_id
    revision = FilingRevision.objects.select_related("operator_type", "currency", "authority").get(
        pk=pk
    )
    return PrintedForm(
        state=state,
        audience=audience,
        back=back_text(),
        filing=filing,
        revision=revision,
        sections=sections_for(revision),
        verification=verification_code_issue(filing=filing) if state != State.APPLICATION else None,
    )


def verification_code_issue(*, filing: Filing) -> VerificationCode:
    """The verification code of the filing's approved revision, with the public fields as
    approved. Created on first use; idempotent and safe when two requests race.
    """
    revision = filing.approved_revision
    existing = VerificationCode.objects.filter(
        filing=filing, revision_number=revision.number
    ).first()
    if existing is not None:
        return existing
    for _attempt in range(5):
        try:
            with transaction.atomic():
                return VerificationCode.objects.create(
                    code="".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH)),
                    filing=filing,
                    revision_number=revision.number,
                    form_no=filing.form_no or "",
                    ie_code=filing.ie_code or "",
                    name_cn=revision.name_cn,
                    name_en=revision.name_en,
                    uscc=revision.uscc,
                    org_code=revision.org_code or revision.uscc[8:17],
                    authority_name=revision.authority.name,
                    approved_at=filing.approved_at,
                )
        except IntegrityError:
            # Another request issued this revision's code first, or (rarely) a code clash.
            existing = VerificationCode.objects.filter(
                filing=filing, revision_number=revision.number
            ).first()
            if existing is not None:
                return existing
    raise RuntimeError("could not issue a unique verification code")


# --- PDF --------------------------------------------------------------------------------


def form_pdf_render(*, form: PrintedForm) -> dict[str, bytes]:
    """Render both sides in one layout pass (WeasyPrint); no cache, nothing stored.

    Should a very long entry still push the front onto a second page, the form is set
    again at the next denser setting (each side must stay one A4 page).
    """
    pages = pdf.render_pages(render_to_string("printing/form_pdf.html", {"form": form}))
    for density in DENSITIES[DENSITIES.index(form.density) + 1 :]:
        if len(pages) == 2:
            break
        logger.info("form %s overflowed at density %s", form.file_label, form.density)
        form = dataclasses.replace(form, density_override=density)
        pages = pdf.render_pages(render_to_string("printing/form_pdf.html", {"form": form}))
    if len(pages) != 2:
        raise RuntimeError(f"the form must be two A4 pages, got {len(pages)}")
    return {Side.FRONT: pages[0], Side.BACK: pages[1]}


def form_pdf(*, form: PrintedForm, side: str) -> bytes:
    """One side as PDF. The approved form is rendered once per revision, audience and
    layout and kept in the default storage; other forms are rendered on every request.
    """
    if form.state == State.BLANK:
        return _blank_pdf(layout_key())[side]
    if not form.cacheable:
        return form_pdf_render(form=form)[side]
    key = {
        "filing": form.filing,
        "revision_number": form.revision.number,
        "audience": form.audience,
        "layout": layout_key(),
    }
    row = RenderedForm.objects.filter(**key, side=side).first()
    if row is not None:
        try:
            with row.file.open("rb") as stored:
                return stored.read()
        except FileNotFoundError:
            logger.warning("kept PDF %s is missing; rendering it again", row.file.name)
    pages = form_pdf_render(form=form)
    for page_side, data in pages.items():
        _keep(key=key, side=page_side, data=data)
    return pages[side]


@cache
def _blank_pdf(layout: str) -> dict[str, bytes]:
    """The blank form never changes within one layout: render it once per process."""
    return form_pdf_render(form=blank_form())


def _keep(*, key: dict, side: str, data: bytes) -> None:
    filing = key["filing"]
    name = default_storage.save(
        f"printing/forms/{filing.pk}/{filing.form_no}-v{key['revision_number']}-"
        f"{side}-{key['audience']}-{key['layout']}.pdf",
        ContentFile(data),
    )
    try:
        with transaction.atomic():
            row, created = RenderedForm.objects.get_or_create(
                **key, side=side, defaults={"file": name, "size": len(data)}
            )
            if created or row.file.name == name:
                return
            if not default_storage.exists(row.file.name):
                # The row outlived its file (storage restored, say): point it at the new one.
                row.file.name, row.size = name, len(data)
                row.save(update_fields=["file", "size"])
                return
    except IntegrityError:
        pass  # a concurrent request kept the same rendering first
    default_storage.delete(name)


# --- public print: number + code --------------------------------------------------------


def print_access_grant(*, request: HttpRequest, filing: Filing | None, number: str) -> None:
    """Record a lookup on /print/; on a match let this browser session open the form for
    ``selectors.PRINT_GRANT_SECONDS``. Both outcomes leave an audit event (never the typed code).
    """
    if filing is None:
        audit_record(event="form_print_refused", request=request, actor=request.user, number=number)
        return
    now = int(time.time())
    kept = [
        entry
        for entry in request.session.get(selectors.PRINT_GRANTS, [])
        if entry[0] != filing.pk and now - entry[1] < selectors.PRINT_GRANT_SECONDS
    ]
    request.session[selectors.PRINT_GRANTS] = [*kept, [filing.pk, now]][-10:]
    audit_record(
        event="form_print_opened", request=request, actor=request.user, filing=filing, number=number
    )


# --- verification -----------------------------------------------------------------------


def form_verify(*, code: str, request: HttpRequest) -> selectors.Verification:
    """Check a printed form's code and log the check (audit event ``form_verified``)."""
    verification = selectors.verification_get(code=code)
    entry = verification.entry
    audit_record(
        event="form_verified",
        request=request,
        actor=request.user,
        filing=entry.filing if entry is not None else None,
        code=code,
        result=verification.result,
        revision=entry.revision_number if entry is not None else None,
    )
    return verification
