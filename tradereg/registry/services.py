"""Writes to the public registry: the published copy of approved filings and its postings."""

from datetime import datetime

from django.db import transaction

from tradereg.filings.models import Filing, Status
from tradereg.registry.grams import approved_us, grams, operator_key
from tradereg.registry.models import OperatorNameGram, PublishedOperator


def registry_publish(*, filing: Filing) -> PublishedOperator:
    """Copy the filing's approved revision (public fields only) into the registry.

    Called by the approve, cancel and import services inside their transaction, so the
    public copy changes only when a revision is approved (a pending change stays
    invisible) and never holds a personal ID number. Keeps the name-search postings in
    step. Idempotent: publishing the same state again changes nothing but
    ``published_at``.
    """
    revision = filing.approved_revision
    values = {
        "ie_code": filing.ie_code,
        "form_no": filing.form_no,
        "uscc": revision.uscc,
        "org_code": revision.org_code or (revision.uscc[8:17] if revision.uscc else ""),
        "name_cn": revision.name_cn,
        "name_en": revision.name_en,
        "operator_type": revision.operator_type.name,
        "residence": revision.residence,
        "premises_cn": revision.premises_cn,
        "premises_en": revision.premises_en,
        "postcode": revision.postcode,
        "phone": revision.phone,
        "fax": revision.fax,
        "representative": revision.representative,
        "authority_name": revision.authority.name,
        "authority_code": revision.authority.code,
        "approved_at": filing.approved_at,
        "status": (
            PublishedOperator.Status.CANCELLED
            if filing.status == Status.CANCELLED
            else PublishedOperator.Status.APPROVED
        ),
        "revision_number": revision.number,
        "search_key": operator_key(name_cn=revision.name_cn, name_en=revision.name_en),
    }
    with transaction.atomic():
        before = (
            PublishedOperator.objects.filter(filing_id=filing.pk)
            .values_list("search_key", "approved_at")
            .first()
        )
        published, _created = PublishedOperator.objects.update_or_create(
            filing_id=filing.pk, defaults=values
        )
        operator_postings_sync(operator=published, before=before)
    return published


def operator_postings_sync(
    *, operator: PublishedOperator, before: tuple[str, datetime] | None = None
) -> None:
    """Make the operator's name-search postings match its search key and approval time.

    ``before`` is the (search_key, approved_at) the postings were last written for, None
    for a new operator. Only the difference is written, so publishing unchanged data
    touches no posting. Idempotent.
    """
    wanted = {(gram, approved_us(operator.approved_at)) for gram in grams(operator.search_key)}
    held: set[tuple[str, int]] = set()
    if before is not None:
        old_key, old_approved_at = before
        held = {(gram, approved_us(old_approved_at)) for gram in grams(old_key)}
    stale = held - wanted
    for moment in {moment for _gram, moment in stale}:
        OperatorNameGram.objects.filter(
            operator_id=operator.pk,
            approved_us=moment,
            gram__in=[gram for gram, at in stale if at == moment],
        ).delete()
    OperatorNameGram.objects.bulk_create(
        [
            OperatorNameGram(gram=gram, approved_us=moment, operator_id=operator.pk)
            for gram, moment in sorted(wanted - held)
        ],
        ignore_conflicts=True,
    )
