"""Staff accounts without a login for 90 days are disabled by a scheduled task.

等保 第三级 身份鉴别/访问控制 ("及时删除或停用多余的、过期的账户"); ASVS 5.0 V8 (an
account that is not used keeps no access).
"""

from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import call_command
from django.utils import timezone

from tradereg.accounts import security
from tradereg.accounts.models import User
from tradereg.accounts.tasks import dormant_staff_disable_task
from tradereg.audit.models import AuditEvent
from tradereg.filings.tests.factories import PASSWORD, authority, make_filing

pytestmark = pytest.mark.usefixtures("reference_data")


STAFF_WITH_AUTHORITY = (User.Role.OFFICER, User.Role.SUPERVISOR)


def staff(username: str, *, role=User.Role.OFFICER, last_login_days=None, joined_days=0) -> User:
    now = timezone.now()
    user = User.objects.create_user(
        username=username,
        password=PASSWORD,
        role=role,
        authority=authority("110000") if role in STAFF_WITH_AUTHORITY else None,
    )
    User.objects.filter(pk=user.pk).update(
        date_joined=now - timedelta(days=joined_days),
        last_login=None if last_login_days is None else now - timedelta(days=last_login_days),
    )
    return user


def active(username: str) -> bool:
    return User.objects.get(username=username).is_active


def test_staff_unused_for_90_days_are_disabled_and_audited():
    staff("old-officer", last_login_days=91, joined_days=400)
    staff("never-logged-in", role=User.Role.AUDITOR, joined_days=120)
    staff("recent-officer", last_login_days=10, joined_days=400)
    staff("new-admin", role=User.Role.SYSTEM_ADMIN, joined_days=5)
    owner = make_filing(username="quiet-enterprise").owner
    User.objects.filter(pk=owner.pk).update(date_joined=timezone.now() - timedelta(days=900))

    assert security.dormant_staff_disable() == ["old-officer", "never-logged-in"]

    assert not active("old-officer")
    assert not active("never-logged-in")
    assert active("recent-officer")
    assert active("new-admin")
    assert active("quiet-enterprise")  # enterprises are not staff
    events = AuditEvent.objects.filter(event="account_disabled_dormant").order_by("id")
    assert [e.data["username"] for e in events] == ["old-officer", "never-logged-in"]
    assert security.dormant_staff_disable() == []  # idempotent


def test_a_disabled_account_loses_its_session(client):
    user = staff("fading-officer", last_login_days=95, joined_days=400)
    client.force_login(user, backend="tradereg.accounts.backends.UsernameOrEmailBackend")
    User.objects.filter(pk=user.pk).update(last_login=timezone.now() - timedelta(days=95))
    security.dormant_staff_disable()
    assert "_auth_user_id" not in client.session


def test_the_command_reports_what_it_disabled():
    staff("old-supervisor", role=User.Role.SUPERVISOR, last_login_days=100, joined_days=400)
    out = StringIO()
    call_command("disable_dormant_staff", stdout=out)
    assert "已停用：old-supervisor" in out.getvalue()
    assert not active("old-supervisor")


def test_the_task_runs_on_the_worker(tasks):
    staff("queued-officer", last_login_days=200, joined_days=400)
    out = StringIO()
    call_command("disable_dormant_staff", "--enqueue", stdout=out)
    assert "已加入后台任务" in out.getvalue()
    assert active("queued-officer")
    assert tasks() == 1
    assert not active("queued-officer")
    assert dormant_staff_disable_task.name
