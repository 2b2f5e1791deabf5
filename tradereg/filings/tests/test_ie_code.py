"""进出口企业代码 of a 个体工商户 filed under 其他 (decision 0011).

The code is the authority's region prefix and a 9-character organisation code. An
individual business with only a legacy 15-digit 注册号 has none, so the register issues
one in the ``GT`` range with a valid GB 11714 check character; one whose 注册号 is a USCC
has the organisation code inside it. Once assigned, the code never changes.
"""

import random
import re

import pytest

from tradereg.common import codes
from tradereg.filings import services
from tradereg.filings.forms import FilingForm
from tradereg.filings.models import Filing, Method, Status
from tradereg.filings.tests.factories import (
    attach_signed_form,
    form_post,
    individual_data,
    make_individual,
    make_officer,
)

pytestmark = pytest.mark.usefixtures("reference_data")

ISSUED = re.compile(r"^(\d{4})GT(\d{6})([0-9X])$")


def approve_change(filing: Filing, **changes) -> Filing:
    """Save a 变更 with ``changes`` on the current data, re-sign, report and approve it."""
    revision = filing.current_revision
    data = {field: getattr(revision, field) for field in services.REVISION_FIELDS}
    data.update(changes)
    filing = services.filing_save(
        filing=filing, acting_user=filing.owner, authority=filing.authority, data=data
    )
    assert filing.status == Status.CHANGING
    attach_signed_form(filing)
    filing = services.filing_report(filing=filing, acting_user=filing.owner)
    return services.filing_approve(
        filing=filing, acting_user=make_officer(code=filing.authority.code)
    )


def test_a_legacy_individual_business_is_issued_a_valid_gt_code():
    filing = make_individual(code="440300")
    registration_no = filing.current_revision.registration_no
    assert codes.is_valid_legacy_reg_no(registration_no)
    match = ISSUED.match(filing.ie_code)
    assert match, filing.ie_code
    assert match.group(1) == filing.authority.ie_code_prefix == "4403"
    assert codes.is_valid_org_code(filing.ie_code[4:])
    assert registration_no[-9:] not in filing.ie_code


def test_two_legacy_individual_businesses_get_different_codes():
    first = make_individual(code="110000")
    second = make_individual(code="110000")
    assert ISSUED.match(first.ie_code)
    assert ISSUED.match(second.ie_code)
    assert first.ie_code != second.ie_code
    assert first.ie_code[4:] != second.ie_code[4:]


def test_the_code_is_issued_on_approval_not_before():
    filing = make_individual(status=Status.REPORTED)
    assert not filing.ie_code


def test_a_registration_number_that_is_a_uscc_gives_its_organisation_code():
    uscc = codes.generate_uscc(random.Random(32100), region_code="110108")  # noqa: S311
    filing = make_individual(code="110000", registration_no=uscc)
    assert filing.current_revision.uscc == ""
    assert filing.ie_code == "1100" + uscc[8:17]
    assert codes.is_valid_org_code(filing.ie_code[4:])


def test_an_organisation_code_when_given_is_used():
    org_code = codes.generate_org_code(random.Random(11714))  # noqa: S311
    filing = make_individual(code="110000", org_code=org_code)
    assert filing.ie_code == "1100" + org_code


def test_the_issued_code_stays_after_a_change_is_approved():
    filing = make_individual(code="110000")
    issued = filing.ie_code
    changed = approve_change(filing, phone="010-88886666")
    assert changed.approved_revision.phone == "010-88886666"
    assert changed.ie_code == issued


def test_the_issued_code_stays_when_the_operator_later_gets_a_uscc():
    """Decision 0011: the code is assigned once, even if a 变更 brings a real number."""
    filing = make_individual(code="110000")
    issued = filing.ie_code
    uscc = codes.generate_uscc(random.Random(2016), region_code="110108")  # noqa: S311
    changed = approve_change(filing, registration_no=uscc)
    assert changed.approved_revision.registration_no == uscc
    assert changed.ie_code == issued


def test_individual_data_is_what_the_form_accepts():
    """individual_data passes FilingForm under 其他, so the tests stand on real input."""
    form = FilingForm(form_post(individual_data()), method=Method.OTHER)
    assert form.is_valid(), form.errors
    assert form.cleaned_data["org_code"] == ""
    assert len(form.cleaned_data["registration_no"]) == 15
