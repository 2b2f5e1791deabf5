"""The auditor in the browser: log in with the second factor, filter the trail by event,
export what is shown."""

import csv
import io
import re
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from tradereg.accounts.models import User
from tradereg.accounts.tests.totp import bind_authenticator
from tradereg.audit.models import AuditEvent
from tradereg.audit.services import audit_record

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "Demo@2026a"


def test_the_auditor_filters_by_event_and_exports_csv(page: Page, screenshot):
    User.objects.create_user(username="auditor", password=PASSWORD, role="auditor")
    audit_record(event="user_login_failed", username="someone")
    audit_record(event="access_refused", object_type="filing", object_id=77)

    page.goto("/accounts/login/?next=/audit/")
    page.get_by_label("用户名", exact=True).fill("auditor")
    page.get_by_label("密码", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="登录", exact=True).click()
    # Staff bind an authenticator on first login, then land where they were going.
    bind_authenticator(page)
    expect(page).to_have_url(re.compile(r"/audit/$"))
    expect(page.get_by_role("heading", name="审计记录")).to_be_visible()

    page.get_by_label("事件", exact=True).select_option("access_refused")
    page.get_by_role("button", name="查询").click()
    rows = page.locator("table.audit-list tbody tr")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("拒绝访问")
    expect(rows.first).to_contain_text("77")
    screenshot(page, "audit-list")

    with page.expect_download() as download_info:
        page.get_by_role("link", name="导出CSV").click()
    download = download_info.value
    assert download.suggested_filename.endswith(".csv")
    body = Path(download.path()).read_bytes()
    assert body.startswith("\ufeff".encode())
    table = list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))
    assert len(table) == 2
    row = dict(zip(table[0], table[1], strict=True))
    assert (row["事件"], row["对象编号"], row["结果"]) == ("access_refused", "77", "拒绝")
    assert AuditEvent.objects.filter(event="audit_exported", actor_name="auditor").exists()
