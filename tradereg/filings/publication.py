"""What a filing hands the public registry: plain published values, nothing else.

Publication flows one way (decision 0010): filings decides what is public and passes the
values down; the registry stores them and imports nothing from filings. The printed values
of a revision are decided here once, for the published copy and for the owner's own form
alike (decision 0013), so the two cannot print the same revision differently.
"""

from decimal import Decimal
from functools import cache
from typing import Any

from django.conf import settings
from django.utils import dateformat, translation

from tradereg.filings.models import Filing, FilingRevision, IdType, Status
from tradereg.registry.services import registry_publish

PRINTED_DATE = "Y年n月j日"


@cache
def _printed_id_types() -> dict[str, str]:
    """The ID types as the form prints them: in Chinese whatever the language of the
    request that publishes (the form is a legal document), computed once per process."""
    with translation.override(settings.LANGUAGE_CODE):
        return {choice.value: str(choice.label) for choice in IdType}


def amount(value: Decimal) -> str:
    """An amount as printed: no trailing zeros, never an exponent (1000, not 1E+3)."""
    return format(value.normalize(), "f")


def printed_values(filing: Filing, revision: FilingRevision, *, full_id: bool) -> dict[str, Any]:
    """Everything the front of the form prints for ``revision`` of ``filing``, as text.

    ``full_id`` is for the owner's own form only; every other copy masks the ID number.
    """
    return {
        "filing_id": filing.pk,
        "revision_number": revision.number,
        "system_no": filing.system_no,
        "form_no": filing.form_no or "",
        "ie_code": filing.ie_code or "",
        "operator_code": filing.operator_code,
        "name_cn": revision.name_cn,
        "name_en": revision.name_en,
        "uscc": revision.uscc,
        "org_code": revision.org_code or revision.uscc[8:17],
        "operator_type": revision.operator_type.name,
        "section": revision.operator_type.section,
        "residence": revision.residence,
        "premises_cn": revision.premises_cn,
        "premises_en": revision.premises_en,
        "phone": revision.phone,
        "fax": revision.fax,
        "postcode": revision.postcode,
        "email": revision.email,
        "registration_date": dateformat.format(revision.registration_date, PRINTED_DATE),
        "registration_no": revision.registration_no,
        "representative": revision.representative,
        # The label itself: get_id_type_display() hashes every lazy choice label (a
        # gettext each) on every call, most of the cost of this function in an import.
        "id_type": _printed_id_types()[revision.id_type],
        "id_number": revision.id_number if full_id else revision.masked_id_number,
        "capital": amount(revision.capital),
        "currency": revision.currency.name,
        "capital_usd": amount(revision.capital_usd),
        "remarks": revision.remarks,
        "authority_name": revision.authority.name,
        "approved_at": filing.approved_at,
    }


def published_values(filing: Filing) -> dict[str, Any]:
    """The public fields of the filing's approved revision, as printed; the ID number only
    masked.
    """
    revision = filing.approved_revision
    values = printed_values(filing, revision, full_id=False)
    values["masked_id_number"] = values.pop("id_number")
    del values["filing_id"]
    values["authority_code"] = revision.authority.code
    return values


def filing_publish(*, filing: Filing) -> None:
    """Write the registry's copy of ``filing`` as approved (or as cancelled).

    Called by the transition function inside its transaction for the transitions that
    publish (审核通过, 注销, 导入), so a pending change never reaches the public.
    """
    registry_publish(
        filing_id=filing.pk,
        values=published_values(filing),
        cancelled=filing.status == Status.CANCELLED,
    )
