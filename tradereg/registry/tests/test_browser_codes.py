"""经营者信息查询 by each kind of code, typed the way people type them."""

import re

import pytest
from playwright.sync_api import Page, expect

from tradereg.filings.models import Status
from tradereg.filings.tests.factories import make_filing

pytestmark = pytest.mark.browser


@pytest.fixture
def operator(live_server, reference_data):
    return make_filing(status=Status.APPROVED, name_cn="北京远航国际贸易有限公司")


def typed_forms(operator) -> dict[str, str]:
    uscc = operator.approved_revision.uscc
    ie_code = operator.ie_code
    org_code = uscc[8:17]
    return {
        "进出口企业代码 with spaces": f"{ie_code[:4]} {ie_code[4:8]} {ie_code[8:]}",
        "统一社会信用代码 in lower case": uscc.lower(),
        "组织机构代码 with a hyphen": f"{org_code[:8]}-{org_code[8]}",
    }


def test_each_code_kind_finds_the_operator(page: Page, operator):
    for label, typed in typed_forms(operator).items():
        page.goto("/operators/")
        page.get_by_label("查询条件").fill(typed)
        page.get_by_role("button", name="查询").click()
        row = page.get_by_role("row", name=re.compile("北京远航国际贸易有限公司"))
        expect(row, label).to_contain_text(operator.ie_code)


def test_a_filing_never_approved_is_not_found(page: Page, live_server, reference_data):
    reported = make_filing(status=Status.REPORTED, name_cn="北京未审核测试有限公司")
    page.goto("/operators/")
    page.get_by_label("查询条件").fill(reported.current_revision.uscc)
    page.get_by_role("button", name="查询").click()
    expect(page.get_by_text("北京未审核测试有限公司")).to_have_count(0)
