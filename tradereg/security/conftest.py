"""Accounts with a bound authenticator, logging in through the real pages, and the one
world of filings, files and people that the access-control tests ask every URL about."""

import copy
import re
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.signals import request_finished
from django.db import close_old_connections, transaction
from django.test import Client, override_settings
from django.test.client import ClientHandler
from django_otp.plugins.otp_totp.models import TOTPDevice

from tradereg.accounts.models import AccountClaim, User
from tradereg.accounts.services import staff_user_create
from tradereg.accounts.tests.otp import login_verified
from tradereg.accounts.tests.totp import hex_to_b32
from tradereg.audit.models import AuditEvent
from tradereg.conftest import run_tasks
from tradereg.core.demo import DEMO_PDF
from tradereg.filings import services
from tradereg.filings.models import (
    Attachment,
    Filing,
    FilingEvent,
    FilingRevision,
    Method,
    Note,
    Status,
)
from tradereg.filings.tests.factories import (
    PASSWORD,
    attach_required,
    authority,
    filing_data,
    make_filing,
    make_officer,
)
from tradereg.filings.tests.legacy_files import csv_bytes, legacy_row
from tradereg.notifications.models import OutboundEmail
from tradereg.office.services import legacy_import_upload
from tradereg.opendata.services import api_key_issue
from tradereg.registry.models import PublishedOperator
from tradereg.regulations.models import Regulation

LOGIN_PAGE = "/accounts/login/"
VERIFY = "/accounts/2fa/verify/"
BIND = "/accounts/2fa/bind/"


@pytest.fixture(autouse=True)
def _no_throttle(settings):
    """django-otp also slows retries after a wrong code; here each try is judged on its
    code alone (the lockout, tested on its own, is what stops guessing)."""
    settings.OTP_TOTP_THROTTLE_FACTOR = 0
    settings.OTP_STATIC_THROTTLE_FACTOR = 0


def password_login(client: Client, username: str, password: str = PASSWORD):
    return client.post(LOGIN_PAGE, {"username": username, "password": password})


def bound(user: User) -> str:
    """Give ``user`` a confirmed authenticator; returns its key as the app shows it."""
    device = TOTPDevice.objects.create(user=user, name="authenticator", confirmed=True)
    return hex_to_b32(device.key)


@pytest.fixture
def officer(reference_data) -> User:
    return make_officer(username="sz-guard", code="110000")


@pytest.fixture
def officer_key(officer) -> str:
    return bound(officer)


@pytest.fixture
def staff_of_each_role(reference_data) -> dict[str, User]:
    users = {"officer": make_officer(username="role-officer")}
    for role in (User.Role.SYSTEM_ADMIN, User.Role.SECURITY_ADMIN, User.Role.AUDITOR):
        users[role] = staff_user_create(username=f"role-{role}", password=PASSWORD, role=role)
    return users


# Every role the access-control tests ask about. The filings under test are addressed to
# 深圳市商务局 (440300), under 广东省商务厅 (440000); "other" staff work at 上海 (310000)
# and 江苏省商务厅 (320000).
ROLES = (
    "anonymous",
    "owner",
    "other_enterprise",
    "officer",
    "other_officer",
    "supervisor",
    "other_supervisor",
    "system_admin",
    "security_admin",
    "auditor",
)
STAFF = {
    "officer": (User.Role.OFFICER, "440300"),
    "other_officer": (User.Role.OFFICER, "310000"),
    "supervisor": (User.Role.SUPERVISOR, "440000"),
    "other_supervisor": (User.Role.SUPERVISOR, "320000"),
    "system_admin": (User.Role.SYSTEM_ADMIN, None),
    "security_admin": (User.Role.SECURITY_ADMIN, None),
    "auditor": (User.Role.AUDITOR, None),
}


def logged_in(user: User) -> Client:
    """A client of ``user`` past both factors where the role needs two."""
    client = Client()
    login_verified(client, user)
    return client


def _owned_by(filing: Filing, owner: User) -> Filing:
    Filing.objects.filter(pk=filing.pk).update(owner=owner)
    filing.refresh_from_db()
    return filing


def _world_build() -> dict[str, object]:
    """The objects of ``world``, created through the services; returns model and id of
    each, and the session cookies of every role."""
    people = {
        role: staff_user_create(
            username=role.replace("_", "-"),
            password=PASSWORD,
            role=user_role,
            authority=authority(code) if code else None,
        )
        for role, (user_role, code) in STAFF.items()
    }
    reported = make_filing(status=Status.REPORTED, code="440300", name_cn="深圳待审贸易有限公司")
    owner = reported.owner
    draft = _owned_by(make_filing(code="440300", name_cn="深圳草稿贸易有限公司"), owner)
    attach_required(draft)
    approved = make_filing(
        status=Status.APPROVED,
        code="440300",
        officer=people["officer"],
        name_cn="深圳已备案贸易有限公司",
    )
    approved = _owned_by(approved, owner)
    other = make_filing(code="440300", name_cn="深圳他人草稿贸易有限公司")
    elsewhere = make_filing(status=Status.REPORTED, code="320500", name_cn="苏州待审贸易有限公司")
    legacy = services.filing_import(
        authority=authority("440300"),
        method=Method.USCC,
        data=filing_data(name_cn="深圳历史贸易有限公司"),
        approved_at=datetime(2012, 5, 4, 10, 0, tzinfo=ZoneInfo("Asia/Shanghai")),
    )
    regulation = Regulation.objects.create(
        slug="access-rule",
        title="访问规则测试",
        kind=Regulation.Kind.DEPARTMENTAL_RULE,
        issuer="商务部",
        status=Regulation.Status.IN_FORCE,
        attachment=ContentFile(DEMO_PDF, name="access-rule.pdf"),
    )
    # A finished dry run of the 系统管理员's 历史数据导入, with its report.
    upload = SimpleUploadedFile("register.csv", csv_bytes([legacy_row()]))
    job = legacy_import_upload(uploaded=upload, dry_run=True, acting_user=people["system_admin"])
    run_tasks()
    job.refresh_from_db()
    assert job.report
    people["owner"] = owner
    people["other_enterprise"] = other.owner
    objects = {
        "filing": draft,
        "attachment": draft.attachments.get(kind="signed_form"),
        "reported": reported,
        "approved": approved,
        "published": PublishedOperator.objects.get(filing_id=approved.pk),
        "other": other,
        "elsewhere": elsewhere,
        "legacy": legacy,
        "regulation": regulation,
        "import": job,
        "owner": owner,
        "api_key": api_key_issue(
            name="访问规则测试", scopes=["read"], acting_user=people["system_admin"]
        )[0],
    }
    cookies = {}
    for role, user in people.items():
        cookies[role] = logged_in(user).cookies
    return {
        "objects": {key: (type(obj), obj.pk) for key, obj in objects.items()},
        "people": {role: user.pk for role, user in people.items()},
        "cookies": cookies,
    }


@pytest.fixture(scope="module")
def _world_built(django_db_setup, django_db_blocker, tmp_path_factory):
    """``world`` is built once per test module, in a transaction rolled back after the
    module's last test; each test runs in a savepoint of it (pytest-django's ``db``), so
    what one test changes is gone before the next."""
    media = tmp_path_factory.mktemp("world-media")
    fast = override_settings(
        PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"],
        MEDIA_ROOT=media,
        EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend",
    )
    with django_db_blocker.unblock(), fast, transaction.atomic():
        built = _world_build()
        # One request handler for every client: the middleware chain is built once, not
        # once per client (WhiteNoise reads every static file when it starts).
        built["handler"] = ClientHandler(enforce_csrf_checks=False)
        built["media"] = media
        yield built
        transaction.set_rollback(True)


@pytest.fixture
def world(_world_built, db, settings) -> dict:
    """One enterprise's draft (with both attachments), reported and approved filings at
    深圳; another enterprise's draft there; a legacy filing without an account; a reported
    filing in 苏州 (江苏) that only 江苏's supervisor and the 系统管理员 may see; a
    published regulation with its PDF; and a client for every role, logged in with both
    factors. Fresh objects and clients for every test, read from the module's world."""
    settings.MEDIA_ROOT = _world_built["media"]
    world = {key: model.objects.get(pk=pk) for key, (model, pk) in _world_built["objects"].items()}
    world["people"] = {role: User.objects.get(pk=pk) for role, pk in _world_built["people"].items()}
    clients = {}
    for role in ROLES:
        client = Client()
        client.handler = _world_built["handler"]
        if role in _world_built["cookies"]:
            client.cookies = copy.deepcopy(_world_built["cookies"][role])
        clients[role] = client
    world["clients"] = clients
    return world


DECISION_EVENTS = (
    "filing_approved",
    "filing_returned",
    "filing_cancelled",
    "note_added",
    "account_claim_sent",
    "password_reset_sent",
)


def state() -> dict[str, object]:
    """What a refused or read-only request must leave as it was."""
    return {
        "filings": sorted(Filing.objects.values_list("pk", "status", "current_revision_id")),
        "revisions": FilingRevision.objects.count(),
        "attachments": sorted(Attachment.objects.values_list("pk", flat=True)),
        "decisions": FilingEvent.objects.filter(kind__in=FilingEvent.DECISIONS).count(),
        "notes": Note.objects.count(),
        "claims": AccountClaim.objects.count(),
        "mails": OutboundEmail.objects.count(),
        "devices": TOTPDevice.objects.filter(confirmed=True).count(),
        "users": sorted(User.objects.values_list("pk", "username", "is_active", "role")),
        "decision_events": AuditEvent.objects.filter(event__in=DECISION_EVENTS).count(),
        "events_kept": AuditEvent.objects.order_by("pk").values_list("pk", flat=True).first(),
    }


def without_csrf_token(content: bytes) -> bytes:
    return re.sub(rb'name="csrfmiddlewaretoken" value="[^"]*"', b"", content)


# --- asking a URL (the matrix of test_access_control_matrix.py and its admin site part) --

LOGIN = "login"  # a redirect to the login page, with ``next``
LOGIN_PAGES = ("/accounts/login/?next=", "/admin/login/?next=")
MISSING_ID = 999_999
Answer = int | str
World = dict


def hidden_from(world: World, role: str) -> list[str]:
    """Numbers and names of the filings ``role`` may not see anywhere."""
    enterprise_filings = ("filing", "reported")
    everyone_but_public = ("filing", "reported", "other", "elsewhere")
    hidden = {
        "anonymous": everyone_but_public,
        "owner": ("other", "elsewhere"),
        "other_enterprise": (*enterprise_filings, "elsewhere"),
        "officer": ("elsewhere",),
        "other_officer": everyone_but_public,
        "supervisor": ("elsewhere",),
        "other_supervisor": (*enterprise_filings, "other"),
        "system_admin": (),
        "security_admin": everyone_but_public,
        "auditor": everyone_but_public,
    }[role]
    texts = []
    for key in hidden:
        filing = world[key]
        texts += [filing.system_no, filing.current_revision.name_cn]
    return texts


def check_answer(client: Client, response, expected: Answer) -> str:
    """'' when ``response`` is ``expected``, else what it was instead."""
    location = response.get("Location", "")
    if expected == LOGIN:
        if response.status_code == 302 and location.startswith(LOGIN_PAGES[1]):
            # The admin's own login page hands over to the one with the second factor.
            response = client.get(location)
            location = response.get("Location", "")
        if response.status_code == 302 and location.startswith(LOGIN_PAGES[0]):
            return ""
        return f"{response.status_code} {location}".strip()
    if response.status_code != expected:
        return f"{response.status_code} {location}".strip()
    if expected == 302 and location.startswith(LOGIN_PAGES):
        return f"302 to the login page {location}"
    return ""


def body_of(response) -> str:
    """The text of the answer; a streamed file is read and closed as the server would,
    without the end of the request closing the test's database connection."""
    if not response.streaming:
        return response.content.decode(errors="replace")
    content = b"".join(response.streaming_content)
    request_finished.disconnect(close_old_connections)
    try:
        response.close()
    finally:
        request_finished.connect(close_old_connections)
    return content.decode(errors="replace")
