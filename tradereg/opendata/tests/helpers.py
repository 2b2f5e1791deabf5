"""Shared steps of the open-data tests: an approved filing, its change approved, keys."""

from tradereg.accounts.models import User
from tradereg.accounts.services import staff_user_create
from tradereg.filings import services as filing_services
from tradereg.filings.models import Filing, Status
from tradereg.filings.tests.factories import (
    PASSWORD,
    attach_signed_form,
    filing_data,
    make_filing,
    same_operator,
)
from tradereg.opendata.services import api_key_issue


def approved(**data) -> Filing:
    return make_filing(status=Status.APPROVED, **data)


def change_approved(filing: Filing, *, officer: User) -> Filing:
    """Walk a change of ``filing`` through to approval (新 revision published)."""
    filing = filing_services.filing_save(
        filing=filing,
        acting_user=filing.owner,
        authority=filing.authority,
        data=filing_data(**same_operator(filing), phone="010-88886666"),
    )
    attach_signed_form(filing)
    filing = filing_services.filing_report(filing=filing, acting_user=filing.owner)
    return filing_services.filing_approve(filing=filing, acting_user=officer)


def system_admin(username: str = "ministry") -> User:
    return staff_user_create(username=username, password=PASSWORD, role=User.Role.SYSTEM_ADMIN)


def key_for(scopes=("read", "bulk"), *, admin: User | None = None) -> str:
    _row, key = api_key_issue(
        name="某银行 客户准入核验", scopes=list(scopes), acting_user=admin or system_admin()
    )
    return key
