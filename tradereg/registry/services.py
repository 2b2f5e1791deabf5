"""Writes to the public registry: the published copy of approved filings, its name-search
postings and the form of each approved revision with its verification code.
"""

import secrets
from datetime import datetime
from typing import Any

from django.db import IntegrityError, transaction

from tradereg.common.bulk import any_of_register, dicts_write, ids_reserve, rows_write
from tradereg.registry.grams import approved_us, grams, operator_key, signature
from tradereg.registry.models import OperatorNameGram, PublishedForm, PublishedOperator
from tradereg.registry.signals import operator_published, operators_published_new

# Crockford's base 32: no I, L, O or U, so a code read aloud or retyped survives.
CODE_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
CODE_LENGTH = 10  # 50 bits: not guessable, still short enough to type
CODE_ATTEMPTS = 5
any_of_register(PublishedForm._meta.get_field("code"))

_OWN_FIELDS = {"id", "filing_id", "status", "published_at", "search_key", "code", "created_at"}
# The keys of ``values`` each copy takes: every published field but those the registry
# sets itself.
OPERATOR_FIELDS = tuple(
    field.name for field in PublishedOperator._meta.concrete_fields if field.name not in _OWN_FIELDS
)
FORM_FIELDS = tuple(
    field.name
    for field in PublishedForm._meta.concrete_fields
    if field.name not in _OWN_FIELDS | {"revision_number"}
)


def registry_publish(
    *, filing_id: int, values: dict[str, Any], cancelled: bool = False
) -> PublishedOperator:
    """Store the published values of one filing (its approved revision's public fields).

    ``values`` holds every key of ``OPERATOR_FIELDS`` and ``FORM_FIELDS`` as printed (the
    ID number already masked: the caller never passes one in full). Called inside the
    approve, cancel and import transactions, so the public copy changes only when a
    revision is approved (a pending change stays invisible). Keeps the name-search postings
    in step and gives the approved revision its form and verification code. Idempotent:
    publishing the same state again changes nothing but ``published_at``.
    """
    operator_values = {
        **{name: values[name] for name in OPERATOR_FIELDS},
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
            filing_id=filing_id, defaults=operator_values
        )
        operator_postings_sync(operator=published, before=before)
        published_form_write(
            filing_id=filing_id,
            revision_number=values["revision_number"],
            values={name: values[name] for name in FORM_FIELDS},
        )
        operator_published.send(sender=PublishedOperator, operator=published)
    return published


def published_form_write(
    *, filing_id: int, revision_number: int, values: dict[str, Any]
) -> PublishedForm:
    """The form of one approved revision, with its verification code issued now, at
    approval, so that a form exists and verifies before anyone prints it.

    Publishing the same revision again (注销, a repeated call) keeps its code and rewrites
    the values. A new code that happens to be taken is drawn again.
    """
    existing = PublishedForm.objects.filter(
        filing_id=filing_id, revision_number=revision_number
    ).first()
    if existing is not None:
        for name, value in values.items():
            setattr(existing, name, value)
        existing.save(update_fields=list(values))
        return existing
    for _attempt in range(CODE_ATTEMPTS):
        try:
            with transaction.atomic():
                return PublishedForm.objects.create(
                    filing_id=filing_id,
                    revision_number=revision_number,
                    code=verification_code_new(),
                    **values,
                )
        except IntegrityError:
            if PublishedForm.objects.filter(
                filing_id=filing_id, revision_number=revision_number
            ).exists():
                raise  # not a code clash: let the caller's transaction fail
    raise RuntimeError("could not issue a unique verification code")


def verification_code_new() -> str:
    """A random code (Crockford base 32); uniqueness is the table's constraint."""
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


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
    mark = signature(operator.search_key)
    kept = held & wanted
    if kept and before is not None and signature(before[0]) != mark:
        OperatorNameGram.objects.filter(
            operator_id=operator.pk,
            approved_us=approved_us(operator.approved_at),
            gram__in=[gram for gram, _at in kept],
        ).update(signature=mark)
    for moment in {moment for _gram, moment in stale}:
        OperatorNameGram.objects.filter(
            operator_id=operator.pk,
            approved_us=moment,
            gram__in=[gram for gram, at in stale if at == moment],
        ).delete()
    OperatorNameGram.objects.bulk_create(
        [
            OperatorNameGram(gram=gram, approved_us=moment, operator_id=operator.pk, signature=mark)
            for gram, moment in sorted(wanted - held)
        ],
        ignore_conflicts=True,
    )


def registry_publish_new(*, items: list[tuple[int, dict[str, Any]]]) -> int:
    """Publish many filings that have never been published (an import), at once.

    ``items`` holds (filing_id, values) as ``registry_publish`` takes them. Writes the same
    rows as one ``registry_publish`` per filing would, in bulk (COPY on PostgreSQL): the
    operators, their name-search postings and each one's form with a fresh verification
    code. Codes already issued are drawn again. Runs in the caller's transaction; returns
    how many operators it wrote.
    """
    if not items:
        return 0
    operator_ids = ids_reserve(PublishedOperator, len(items))
    form_ids = ids_reserve(PublishedForm, len(items))
    issued = _codes_new(len(items))
    operators, forms, postings = [], [], []
    for (filing_id, values), operator_id, form_id, code in zip(
        items, operator_ids, form_ids, issued, strict=True
    ):
        search = operator_key(name_cn=values["name_cn"], name_en=values["name_en"])
        operators.append(
            {
                "id": operator_id,
                "filing_id": filing_id,
                "status": PublishedOperator.Status.APPROVED,
                "search_key": search,
                **{name: values[name] for name in OPERATOR_FIELDS},
            }
        )
        moment = approved_us(values["approved_at"])
        mark = signature(search)
        postings += [(gram, moment, operator_id, mark) for gram in grams(search)]
        forms.append(
            {
                "id": form_id,
                "filing_id": filing_id,
                "revision_number": values["revision_number"],
                "code": code,
                **{name: values[name] for name in FORM_FIELDS},
            }
        )
    dicts_write(PublishedOperator, operators)
    dicts_write(PublishedForm, forms)
    postings.sort()
    rows_write(OperatorNameGram, ["gram", "approved_us", "operator_id", "signature"], postings)
    operators_published_new.send(sender=PublishedOperator, rows=operators)
    return len(operators)


def _codes_new(count: int) -> list[str]:
    """``count`` verification codes, distinct and not yet issued (one query per draw)."""
    codes: set[str] = set()
    while len(codes) < count:
        drawn = {verification_code_new() for _ in range(count - len(codes))} - codes
        taken = set(PublishedForm.objects.filter(code__any_of=drawn).values_list("code", flat=True))
        codes |= drawn - taken
    return list(codes)
