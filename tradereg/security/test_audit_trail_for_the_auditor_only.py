"""/audit/: only the 审计管理员 sees it; filters, paging and the CSV export, all audited."""

import csv
import io
from datetime import timedelta

import pytest
from django.contrib import admin
from django.test import Client, RequestFactory
from django.urls import reverse
from django.utils import timezone

from tradereg.accounts.models import User
from tradereg.accounts.tests.otp import login_verified
from tradereg.audit.admin import AuditedAdminMixin
from tradereg.audit.models import AuditEvent
from tradereg.audit.services import audit_record
from tradereg.audit.views import PAGE_SIZE
from tradereg.authorities.models import Authority

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("reference_data")]

LIST = reverse("audit:list")
EXPORT = reverse("audit:export")


def user_with(role: str, username: str | None = None) -> User:
    authority = Authority.objects.get(code="110000") if role in ("officer", "supervisor") else None
    return User.objects.create_user(
        username=username or f"u-{role}", password="x-Demo@2026a", role=role, authority=authority
    )


def client_for(user: User) -> Client:
    """Logged in, with the second factor passed where the role needs one."""
    client = Client()
    login_verified(client, user)
    return client


def superuser() -> User:
    """The break-glass kind: a superuser always expires."""
    return User.objects.create_superuser(
        username="root",
        password="x-Demo@2026a",
        email="root@example.cn",
        expires_at=timezone.now() + timedelta(hours=1),
    )


@pytest.fixture
def auditor_client():
    return client_for(user_with("auditor", "auditor1"))


def test_anonymous_visitors_are_sent_to_log_in():
    for url in (LIST, EXPORT):
        response = Client().get(url)
        assert response.status_code == 302
        assert reverse("accounts:login") in response["Location"]


@pytest.mark.parametrize(
    "role", ["enterprise", "officer", "supervisor", "system_admin", "security_admin"]
)
def test_every_other_role_gets_404(role):
    client = client_for(user_with(role))
    for url in (LIST, EXPORT):
        assert client.get(url).status_code == 404, (role, url)
    assert not AuditEvent.objects.filter(event__in=["audit_viewed", "audit_exported"]).exists()


def test_a_superuser_who_is_not_the_auditor_gets_404():
    assert client_for(superuser()).get(LIST).status_code == 404


def test_the_auditor_sees_the_trail_with_labels_and_the_view_is_audited(auditor_client):
    officer = user_with("officer", "wang.officer")
    audit_record(event="filing_viewed", actor=officer, filing_id=41)
    response = auditor_client.get(LIST)
    assert response.status_code == 200
    html = response.content.decode()
    assert "查看备案（filing_viewed）" in html
    assert "wang.officer" in html
    assert "北京市商务局（110000）" in html
    for label in ("从", "至", "操作人", "事件", "对象类型", "对象编号", "结果"):
        assert f">{label}</label>" in html
    viewed = AuditEvent.objects.get(event="audit_viewed")
    assert (viewed.actor_name, viewed.actor_role) == ("auditor1", "auditor")


def test_filters_by_event_actor_object_outcome_and_time(auditor_client):
    officer = user_with("officer", "wang.officer")
    other = user_with("enterprise", "li.enterprise")
    audit_record(event="filing_viewed", actor=officer, filing_id=41)
    audit_record(event="filing_viewed", actor=officer, filing_id=42)
    audit_record(event="user_login_failed", username="li.enterprise")
    audit_record(event="user_logged_in", actor=other)

    def shown(**query) -> int:
        response = auditor_client.get(LIST, query)
        assert response.status_code == 200, response.content.decode()[:400]
        return len(response.context["rows"])

    assert shown(event="filing_viewed") == 2
    assert shown(actor="WANG") == 2
    assert shown(object_type="filing", object_id="42") == 1
    assert shown(outcome="failed") == 1
    today = timezone.localdate()
    assert shown(event="user_logged_in", date_from=today, date_to=today) == 1
    assert shown(event="user_logged_in", date_to=today - timedelta(days=1)) == 0
    assert shown(event="user_logged_in", date_from=today + timedelta(days=1)) == 0
    viewed = AuditEvent.objects.filter(event="audit_viewed").order_by("id").first()
    assert viewed.data["filters"] == {"event": "filing_viewed"}


def test_a_bad_filter_comes_back_with_its_message(auditor_client):
    response = auditor_client.get(LIST, {"date_from": "2026-05-02", "date_to": "2026-05-01"})
    assert response.status_code == 400
    assert "结束日期不能早于开始日期" in response.content.decode()
    assert 'value="2026-05-02"' in response.content.decode()


def test_pages_newest_first_without_gaps(auditor_client):
    for i in range(PAGE_SIZE + 5):
        audit_record(event="user_logged_in", step=i)
    first = auditor_client.get(LIST, {"event": "user_logged_in"}).context
    assert [r["event"].data["step"] for r in first["rows"]][:2] == [PAGE_SIZE + 4, PAGE_SIZE + 3]
    assert (bool(first["older"]), first["newer"]) == (True, None)
    second = auditor_client.get(LIST, {"event": "user_logged_in", "before": first["older"]})
    steps = [r["event"].data["step"] for r in second.context["rows"]]
    assert steps == [4, 3, 2, 1, 0]
    back = auditor_client.get(LIST, {"event": "user_logged_in", "after": second.context["newer"]})
    assert [r["event"].id for r in back.context["rows"]] == [r["event"].id for r in first["rows"]]


def read_csv(response) -> list[list[str]]:
    body = b"".join(response.streaming_content)
    assert body.startswith("\ufeff".encode())
    return list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))


def test_the_export_is_the_filtered_set_as_csv_and_is_audited(auditor_client):
    officer = user_with("officer", "wang.officer")
    audit_record(event="filing_viewed", actor=officer, filing_id=41, name="北京某某贸易有限公司")
    audit_record(event="user_logged_in", actor=officer)
    response = auditor_client.get(EXPORT, {"event": "filing_viewed"})
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"].startswith('attachment; filename="audit-')
    rows = read_csv(response)
    assert rows[0][:5] == ["编号", "时间", "事件", "事件名称", "操作人"]
    assert len(rows) == 2
    row = dict(zip(rows[0], rows[1], strict=True))
    assert row["事件"] == "filing_viewed"
    assert row["事件名称"] == "查看备案"
    assert row["操作人"] == "wang.officer"
    assert row["角色"] == "备案登记机关工作人员"
    assert row["所属机关"] == "北京市商务局（110000）"
    assert (row["对象类型"], row["对象编号"], row["结果"]) == ("filing", "41", "成功")
    assert "北京某某贸易有限公司" in row["详情"]
    exported = AuditEvent.objects.get(event="audit_exported")
    assert exported.data == {"filters": {"event": "filing_viewed"}, "count": 1}


def test_the_export_defuses_spreadsheet_formulas(auditor_client):
    audit_record(event="user_login_failed", username="=HYPERLINK(1)")
    rows = read_csv(auditor_client.get(EXPORT, {"event": "user_login_failed"}))
    details = dict(zip(rows[0], rows[1], strict=True))["详情"]
    assert details.startswith("{")  # JSON, never a formula
    audit_record(event="x_refused", object_type="=cmd", object_id="@sum")
    rows = read_csv(auditor_client.get(EXPORT, {"outcome": "refused"}))
    row = dict(zip(rows[0], rows[1], strict=True))
    assert (row["对象类型"], row["对象编号"]) == ("'=cmd", "'@sum")


def test_the_admin_shows_the_trail_to_a_superuser_only_and_changes_nothing():
    event = audit_record(event="user_logged_in")
    url = reverse("admin:audit_auditevent_change", args=[event.pk])
    root = superuser()
    response = client_for(root).get(url)
    assert response.status_code == 200
    assert b'name="_save"' not in response.content
    assert (
        client_for(root).post(reverse("admin:audit_auditevent_delete", args=[event.pk])).status_code
        == 403
    )
    staff = user_with("system_admin", "mofcom1")
    staff.is_staff = True
    staff.save()
    assert client_for(staff).get(url).status_code in (302, 403, 404)


def test_a_change_in_an_audited_admin_page_leaves_an_event():
    class UserAdmin(AuditedAdminMixin, admin.ModelAdmin):
        pass

    root = superuser()
    target = user_with("officer", "zhao.officer")
    request = RequestFactory().post("/admin/", REMOTE_ADDR="10.0.0.9")
    request.user = root
    model_admin = UserAdmin(User, admin.site)
    model_admin.log_change(request, target, [{"changed": {"fields": ["email"]}}])
    model_admin.log_deletions(request, User.objects.filter(pk=target.pk))
    events = AuditEvent.objects.filter(event="admin_changed").order_by("id")
    assert [(e.data["action"], e.object_type, e.object_id) for e in events] == [
        ("change", "accounts.user", str(target.pk)),
        ("delete", "accounts.user", str(target.pk)),
    ]
    assert (events[0].actor_name, events[0].ip_address) == ("root", "10.0.0.9")
