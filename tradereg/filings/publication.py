"""What a filing hands the public registry: plain published values, nothing else.

Publication flows one way (decision 0010): filings decides what is public and passes the
values down; the registry stores them and imports nothing from filings.
"""

from typing import Any

from tradereg.filings.models import Filing, Status
from tradereg.registry.services import registry_publish


def published_values(filing: Filing) -> dict[str, Any]:
    """The public fields of the filing's approved revision; never an ID number."""
    revision = filing.approved_revision
    return {
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
        "revision_number": revision.number,
    }


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
