"""Approved filings that arrive from elsewhere: legacy records and demo data."""

from datetime import datetime
from typing import Any

from django.db import transaction

from tradereg.accounts.models import User
from tradereg.authorities.models import Authority
from tradereg.filings import numbering
from tradereg.filings.lifecycle import Action
from tradereg.filings.models import Filing, FilingRevision
from tradereg.filings.services.common import (
    ensure_code_free,
    ie_code_for,
    operator_code_for,
    revision_write,
)
from tradereg.filings.services.transitions import transition_apply

LEGACY_CUTOFF_YEAR_MONTH = (2016, 12)


def filing_import(
    *,
    authority: Authority,
    method: str,
    data: dict[str, Any],
    approved_at: datetime,
    acting_user: User | None = None,
) -> Filing:
    """Import an already approved filing without an owner (legacy records, demo data).

    Assigns 系统编号, 备案登记表编号 and 进出口企业代码 and publishes it to the registry,
    as an approval would. An officer later opens an account for it (开通用户).
    """
    code = operator_code_for(method=method, data=data)

    def write(filing: Filing) -> FilingRevision:
        revision = revision_write(
            filing=filing,
            kind=FilingRevision.Kind.IMPORT,
            user=acting_user,
            authority=authority,
            method=method,
            data=data,
        )
        filing.current_revision = filing.approved_revision = revision
        filing.ie_code = ie_code_for(authority=authority, revision=revision)
        return revision

    with transaction.atomic():
        ensure_code_free(code=code, method=method)
        filing = Filing(
            system_no=numbering.system_no_next(),
            authority=authority,
            operator_code=code,
            form_no=numbering.form_no_next(),
            approved_at=approved_at,
            is_legacy=(approved_at.year, approved_at.month) < LEGACY_CUTOFF_YEAR_MONTH,
        )
        filing = transition_apply(
            action=Action.IMPORT,
            filing=filing,
            user=acting_user,
            write=write,
            audit_data={"form_no": filing.form_no},
        )
    return filing
