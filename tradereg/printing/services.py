"""Printing's public surface: the form to show, its PDF (kept once rendered), the public
print grant and the verification record. The verification code itself is issued by the
registry at approval (decision 0013).
"""

import dataclasses
import logging
import time
from functools import cache

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import IntegrityError, transaction
from django.http import HttpRequest
from django.template.loader import render_to_string

from tradereg.audit.services import audit_record
from tradereg.filings.models import Filing, FilingRevision
from tradereg.printing import pdf, selectors, signing, verification
from tradereg.printing.models import RenderedForm, Side
from tradereg.printing.sheets import (
    DENSITIES,
    FormData,
    PrintedForm,
    State,
    back_text,  # noqa: F401 - re-exported: the wording is read through services
    blank_form,
    form_of,
    layout_key,
    published_form,
    state_for,
)
from tradereg.registry.models import PublishedForm

logger = logging.getLogger(__name__)


# --- the form to show -----------------------------------------------------------------


def printed_form_for(*, filing: Filing, audience: str) -> PrintedForm:
    """The form for ``filing`` built from its revisions (see ``sheets.state_for``): the
    owner's own form. The public prints ``published_printed_form`` instead.

    An approved form carries the code the registry issued at approval.
    """
    state = state_for(filing=filing, audience=audience)
    pk = filing.current_revision_id if state == State.APPLICATION else filing.approved_revision_id
    if pk is None:
        raise ValueError(f"filing {filing.pk} has no revision to print for {state}")
    revision = FilingRevision.objects.select_related("operator_type", "currency", "authority").get(
        pk=pk
    )
    code = ""
    if state != State.APPLICATION:
        code = selectors.verification_code_of(filing_id=filing.pk, revision_number=revision.number)
    data = FormData.from_revision(filing, revision, audience=audience, code=code)
    return form_of(
        state=state, audience=audience, data=data, authority_code=revision.authority.code
    )


def published_printed_form(*, filing_id: int) -> PrintedForm | None:
    """The public form of a filing: its last approved revision as published, read from the
    registry only. ``None`` for a filing never approved.
    """
    found = selectors.published_form_current(filing_id=filing_id)
    if found is None:
        return None
    published, cancelled, authority_code = found
    return published_form(published=published, cancelled=cancelled, authority_code=authority_code)


# --- PDF --------------------------------------------------------------------------------


def form_signer(*, form: PrintedForm) -> signing.Identity | None:
    """Who signs ``form``: its filing authority for an approved (or cancelled) form, nobody
    for an application or the blank form. Raises ImproperlyConfigured in production
    without the certificates.
    """
    if not form.approved or form.data is None:
        return None
    return signing.identity_for(
        authority_code=form.authority_code, authority_name=form.data.authority_name
    )


def form_pdf_render(*, form: PrintedForm) -> dict[str, bytes]:
    """Render both sides in one layout pass (WeasyPrint); no cache, nothing stored. The
    approved form's sides are each signed by its authority (PAdES, decision 0025).

    Should a very long entry still push the front onto a second page, the form is set
    again at the next denser setting (each side must stay one A4 page).
    """
    identity = form_signer(form=form)
    pages = pdf.render_pages(render_to_string("printing/form_pdf.html", {"form": form}))
    for density in DENSITIES[DENSITIES.index(form.density) + 1 :]:
        if len(pages) == 2:
            break
        logger.info("form %s overflowed at density %s", form.file_label, form.density)
        form = dataclasses.replace(form, density_override=density)
        pages = pdf.render_pages(render_to_string("printing/form_pdf.html", {"form": form}))
    if len(pages) != 2:
        raise RuntimeError(f"the form must be two A4 pages, got {len(pages)}")
    if identity is not None and form.data is not None:
        reason = signing.reason_for(form_no=form.data.form_no, code_display=form.data.code_display)
        pages = [signing.pdf_sign(data=page, identity=identity, reason=reason) for page in pages]
    return {Side.FRONT: pages[0], Side.BACK: pages[1]}


def form_pdf(*, form: PrintedForm, side: str) -> bytes:
    """One side as PDF. The approved form is rendered once per revision, audience, layout
    and signing certificate and kept in the default storage; other forms are rendered on
    every request.
    """
    if form.state == State.BLANK:
        return _blank_pdf(layout_key())[side]
    if not form.cacheable or form.data is None:
        return form_pdf_render(form=form)[side]
    identity = form_signer(form=form)
    key = {
        "filing_id": form.data.filing_id,
        "revision_number": form.data.revision_number,
        "audience": form.audience,
        "layout": layout_key(),
        "signer": identity.fingerprint if identity is not None else "",
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
        _keep(form_no=form.data.form_no, key=key, side=page_side, data=data)
    return pages[side]


@cache
def _blank_pdf(layout: str) -> dict[str, bytes]:
    """The blank form never changes within one layout: render it once per process."""
    return form_pdf_render(form=blank_form())


def _keep(*, form_no: str, key: dict, side: str, data: bytes) -> None:
    name = default_storage.save(
        f"printing/forms/{key['filing_id']}/{form_no}-v{key['revision_number']}-"
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
            if not default_storage.exists(row.file.name or ""):
                # The row outlived its file (storage restored, say): point it at the new one.
                row.file.name, row.size = name, len(data)
                row.save(update_fields=["file", "size"])
                return
    except IntegrityError:
        pass  # a concurrent request kept the same rendering first
    default_storage.delete(name)


# --- public print: number + code --------------------------------------------------------


def print_access_grant(
    *, request: HttpRequest, published: PublishedForm | None, number: str
) -> None:
    """Record a lookup on /print/; on a match let this browser session open the form for
    ``selectors.PRINT_GRANT_SECONDS``. Both outcomes leave an audit event (never the typed code).
    """
    if published is None:
        audit_record(event="form_print_refused", request=request, actor=request.user, number=number)
        return
    now = int(time.time())
    kept = [
        entry
        for entry in request.session.get(selectors.PRINT_GRANTS, [])
        if entry[0] != published.filing_id and now - entry[1] < selectors.PRINT_GRANT_SECONDS
    ]
    request.session[selectors.PRINT_GRANTS] = [*kept, [published.filing_id, now]][-10:]
    audit_record(
        event="form_print_opened",
        request=request,
        actor=request.user,
        filing_id=published.filing_id,
        number=number,
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
        filing_id=entry.filing_id if entry is not None else None,
        code=code,
        result=verification.result,
        revision=entry.revision_number if entry is not None else None,
    )
    return verification


def form_pdf_verify(
    *, data: bytes, request: HttpRequest
) -> tuple[verification.SignatureCheck, selectors.Verification]:
    """Check an uploaded form PDF: its signature (``verification.pdf_signature_check``),
    then what the code it names stands for in the registry now. Logged as
    ``form_verified`` with ``via="pdf"``, a refusal with its reason; the PDF is not kept.
    Raises ValidationError (Chinese) for a file that is not a signed, intact form.
    """
    try:
        check = verification.pdf_signature_check(data)
    except ValidationError as error:
        audit_record(
            event="form_verified", request=request, actor=request.user, via="pdf", result=error.code
        )
        raise
    found = (
        selectors.verification_get(code=check.code)
        if check.code
        else selectors.Verification(selectors.Result.NOT_FOUND)
    )
    entry = found.entry
    audit_record(
        event="form_verified",
        request=request,
        actor=request.user,
        filing_id=entry.filing_id if entry is not None else None,
        via="pdf",
        code=check.code,
        result=found.result,
        revision=entry.revision_number if entry is not None else None,
        signer=check.signer,
    )
    return check, found
