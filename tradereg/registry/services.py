from tradereg.filings.models import Filing, Status
from tradereg.registry.models import PublishedOperator


def registry_publish(*, filing: Filing) -> PublishedOperator:
    """Copy the filing's approved revision (public fields only) into the registry.

    Called by the approve and cancel services inside their transaction; idempotent.
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
    }
    published, _created = PublishedOperator.objects.update_or_create(
        filing_id=filing.pk, defaults=values
    )
    return published
