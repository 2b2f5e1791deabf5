"""The whole table × role × status: what a page offers is exactly what the service accepts.

For every status (reached by walking real transitions) and every kind of person, the
buttons on the pages that person sees are read from the HTML, every service is tried in
a savepoint that is rolled back, and both must agree with ``lifecycle.can``.
"""

from collections.abc import Callable

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.test import Client
from django.urls import reverse

from tradereg.accounts.models import User
from tradereg.accounts.services import staff_user_create
from tradereg.accounts.tests.otp import login_verified
from tradereg.filings import services
from tradereg.filings.lifecycle import Action, TransitionNotAllowed, can
from tradereg.filings.models import Filing, FilingEvent, Status
from tradereg.filings.tests import factories

pytestmark = pytest.mark.django_db

CODE = "440300"  # 深圳市商务局, under 广东省商务厅
BACKEND = "tradereg.accounts.backends.UsernameOrEmailBackend"
ROLES = ("owner", "other_enterprise", "officer", "other_officer", "supervisor", "admin")
ACTIONS = (
    Action.SAVE,
    Action.EDIT,
    Action.CHANGE,
    Action.REPORT,
    Action.APPROVE,
    Action.RETURN,
    Action.CANCEL,
    Action.NOTE,
    Action.ATTACH,
    Action.DETACH,
)


class _RolledBack(Exception):
    pass


def _staff(role: str, code: str | None) -> User:
    return staff_user_create(
        username=f"{role}-{factories.next_number()}",
        password=factories.PASSWORD,
        role=role,
        authority=factories.authority(code) if code else None,
    )


def people(filing: Filing) -> dict[str, User]:
    return {
        "owner": filing.owner,
        "other_enterprise": factories.make_filing(code=CODE).owner,
        "officer": factories.make_officer(code=CODE),
        "other_officer": factories.make_officer(code="440100"),
        "supervisor": _staff(User.Role.SUPERVISOR, "440000"),
        "admin": _staff(User.Role.SYSTEM_ADMIN, None),
    }


def ready(status: str) -> Filing:
    """A filing in ``status`` whose guards would pass: the attachments a report needs."""
    filing = factories.make_filing(status=status, code=CODE)
    if status == Status.DRAFT:
        factories.attach_required(filing)
    if status == Status.CHANGING:
        factories.attach_signed_form(filing)
    return filing


def service_call(action: Action, filing: Filing, user: User) -> Callable[[], object]:
    data = factories.filing_data(**factories.same_operator(filing))
    other = filing.attachments.filter(kind="other").first()
    return {
        Action.SAVE: lambda: services.filing_save(
            filing=filing, acting_user=user, authority=filing.authority, data=data
        ),
        Action.EDIT: lambda: services.filing_save(
            filing=filing, acting_user=user, authority=filing.authority, data=data
        ),
        Action.CHANGE: lambda: services.filing_save(
            filing=filing, acting_user=user, authority=filing.authority, data=data
        ),
        Action.REPORT: lambda: services.filing_report(filing=filing, acting_user=user),
        Action.APPROVE: lambda: services.filing_approve(filing=filing, acting_user=user),
        Action.RETURN: lambda: services.filing_return(
            filing=filing, acting_user=user, reason="请补正"
        ),
        Action.CANCEL: lambda: services.filing_cancel(
            filing=filing, acting_user=user, reason="企业申请注销"
        ),
        Action.NOTE: lambda: services.note_add(filing=filing, acting_user=user, body="已核对"),
        Action.ATTACH: lambda: services.attachment_add(
            filing=filing, acting_user=user, kind="other", uploaded=factories.pdf_upload()
        ),
        Action.DETACH: lambda: services.attachment_delete(attachment=other, acting_user=user),
    }[action]


def accepted(action: Action, filing: Filing, user: User) -> bool:
    """Whether the service carries the action out (then undone with the savepoint)."""
    events_before = filing.events.count()
    revisions_before = filing.revisions.count()
    call = service_call(action, Filing.objects.get(pk=filing.pk), user)
    try:
        with transaction.atomic():
            call()
            status_after = Filing.objects.get(pk=filing.pk).status
            wrote = (
                filing.events.count() > events_before or filing.revisions.count() > revisions_before
            )
            raise _RolledBack(status_after, wrote)
    except _RolledBack as done:
        status_after, wrote = done.args
    except (PermissionDenied, TransitionNotAllowed, ValidationError):
        return False
    if action in (Action.SAVE, Action.EDIT, Action.CHANGE):
        # One form, three actions: 保存 counts as the action its status makes it.
        kind = {
            Action.SAVE: FilingEvent.Kind.SAVED,
            Action.EDIT: FilingEvent.Kind.EDITED,
            Action.CHANGE: FilingEvent.Kind.CHANGE_STARTED,
        }[action]
        return wrote and _last_kind_would_be(filing) == kind
    if action == Action.REPORT:
        return wrote  # a second 上报 of a reported filing is a harmless no-op, not a report
    return True


def _last_kind_would_be(filing: Filing) -> str:
    return {
        Status.DRAFT: FilingEvent.Kind.SAVED,
        Status.RETURNED: FilingEvent.Kind.SAVED,
        Status.CHANGING: FilingEvent.Kind.SAVED,
        Status.REPORTED: FilingEvent.Kind.EDITED,
        Status.APPROVED: FilingEvent.Kind.CHANGE_STARTED,
    }.get(filing.status, "")


def offered(filing: Filing, user: User) -> set[Action]:
    """The buttons the person's own pages show for this filing."""
    client = Client()
    login_verified(client, user)
    pk = filing.pk
    found: set[Action] = set()
    if user.is_enterprise:
        detail = client.get(reverse("filings:detail", args=[pk]))
        listing = client.get(reverse("filings:list")).content.decode()
        if detail.status_code != 200:
            assert reverse("filings:detail", args=[pk]) not in listing
            return found
        page = detail.content.decode()
        edit = f'href="{reverse("filings:edit", args=[pk])}"'
        if f"{edit}>编辑</a>" in page:
            found.add(Action.SAVE if filing.status != Status.REPORTED else Action.EDIT)
        if f"{edit}>变更</a>" in page:
            found.add(Action.CHANGE)
        if f'action="{reverse("filings:report", args=[pk])}"' in page:
            found.add(Action.REPORT)
        if f'action="{reverse("filings:attachment_upload", args=[pk])}"' in page:
            found.add(Action.ATTACH)
        other = filing.attachments.filter(kind="other").first()
        delete = other and reverse("filings:attachment_delete", args=[pk, other.pk])
        if delete and f'action="{delete}"' in page:
            found.add(Action.DETACH)
        # The list offers the same filing actions as the detail page.
        row_actions = {a for a in found if a not in (Action.ATTACH, Action.DETACH)}
        listed = set()
        if f"{edit}>编辑</a>" in listing:
            listed.add(Action.SAVE if filing.status != Status.REPORTED else Action.EDIT)
        if f"{edit}>变更</a>" in listing:
            listed.add(Action.CHANGE)
        if f'action="{reverse("filings:report", args=[pk])}"' in listing:
            listed.add(Action.REPORT)
        assert listed == row_actions
        return found
    review = client.get(reverse("office:review", args=[pk]))
    if review.status_code != 200:
        return found
    page = review.content.decode()
    for action, name in (
        (Action.APPROVE, "office:approve"),
        (Action.RETURN, "office:return"),
        (Action.CANCEL, "office:cancel"),
        (Action.NOTE, "office:note"),
    ):
        if f'action="{reverse(name, args=[pk])}"' in page:
            found.add(action)
    return found


@pytest.mark.parametrize("status", list(Status))
def test_pages_offer_exactly_what_the_services_accept(status):
    filing = ready(status)
    if filing.status not in (Status.APPROVED, Status.CANCELLED):
        services.attachment_add(
            filing=filing, acting_user=filing.owner, kind="other", uploaded=factories.pdf_upload()
        )
    for role, user in people(filing).items():
        filing = Filing.objects.get(pk=filing.pk)
        shown = offered(filing, user)
        for action in ACTIONS:
            if action == Action.DETACH and not filing.attachments.filter(kind="other").exists():
                continue
            allowed = can(action, filing, user)
            assert (action in shown) == allowed, (status, role, action, "page", shown)
            assert accepted(action, filing, user) == allowed, (status, role, action, "service")
