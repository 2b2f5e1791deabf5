"""Writes to the public registry: the published copy of approved filings and its postings."""

from datetime import datetime
from typing import Any

from django.db import transaction

from tradereg.registry.grams import approved_us, grams, operator_key
from tradereg.registry.models import OperatorNameGram, PublishedOperator


def registry_publish(
    *, filing_id: int, values: dict[str, Any], cancelled: bool = False
) -> PublishedOperator:
    """Store the published values of one filing (its approved revision's public fields).

    Called inside the approve, cancel and import transactions, so the public copy changes
    only when a revision is approved (a pending change stays invisible); the caller never
    passes a personal ID number. Keeps the name-search postings in step. Idempotent:
    publishing the same state again changes nothing but ``published_at``.
    """
    values = {
        **values,
        "status": (
            PublishedOperator.Status.CANCELLED if cancelled else PublishedOperator.Status.APPROVED
        ),
        "search_key": operator_key(name_cn=values["name_cn"], name_en=values["name_en"]),
    }
    with transaction.atomic():
        before = (
            PublishedOperator.objects.filter(filing_id=filing_id)
            .values_list("search_key", "approved_at")
            .first()
        )
        published, _created = PublishedOperator.objects.update_or_create(
            filing_id=filing_id, defaults=values
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
