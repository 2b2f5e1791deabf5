"""Races between officers, and between an officer and the enterprise, on real connections.

Each test runs its contenders in threads, each thread with its own database connection
(closed when the thread ends), lined up with a ``threading.Barrier`` so that they start
together. On PostgreSQL the filing's row lock serialises them; on SQLite the IMMEDIATE
transaction does (DESIGN.md). Whatever the order, exactly one decision is taken and no
write is lost.
"""

import threading
from collections.abc import Callable

import pytest
from django.db import connection
from django.test import Client
from django.urls import reverse

from tradereg.accounts.models import AccountClaim, User
from tradereg.accounts.tests.otp import login_verified
from tradereg.audit.models import AuditEvent
from tradereg.filings import services
from tradereg.filings.models import Filing, FilingEvent, FilingRevision, Status
from tradereg.filings.services import account_claim_complete, account_claim_invite
from tradereg.filings.tests.factories import attach_required, make_filing, make_officer
from tradereg.registry.models import PublishedOperator

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("reference_data"),
]

BACKEND = "tradereg.accounts.backends.UsernameOrEmailBackend"
CODE = "440300"  # 深圳市商务局
ROUNDS = 3
OK = "ok"

DECISIONS = FilingEvent.objects.filter(kind__in=FilingEvent.DECISIONS)


def together(*contenders: Callable[[], object]) -> list[tuple[str, object]]:
    """Run the callables at the same moment, one thread and connection each.

    Returns ``(OK, result)`` or ``("error", exception)`` per contender, in order.
    """
    barrier = threading.Barrier(len(contenders))
    outcomes: list[tuple[str, object] | None] = [None] * len(contenders)

    def run(index: int, contender: Callable[[], object]) -> None:
        try:
            barrier.wait(timeout=30)
            outcomes[index] = (OK, contender())
        except BaseException as error:  # noqa: BLE001 - reported to the test below
            outcomes[index] = ("error", error)
        finally:
            connection.close()

    threads = [
        threading.Thread(target=run, args=(i, c), name=f"contender-{i}")
        for i, c in enumerate(contenders)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
        assert not thread.is_alive(), "a contender is still running: deadlock?"
    assert all(outcome is not None for outcome in outcomes)
    return outcomes


def errors_of(outcomes) -> list[BaseException]:
    return [value for kind, value in outcomes if kind != OK]


def revision_data(filing: Filing, **overrides) -> dict:
    revision = filing.current_revision
    data = {field: getattr(revision, field) for field in services.REVISION_FIELDS}
    data.update(overrides)
    return data


# --- (a) two officers approve the same filing ----------------------------------------------


@pytest.mark.parametrize("round_", range(ROUNDS))
def test_two_officers_approve_at_once_exactly_one_wins(round_):
    filing = make_filing(status=Status.REPORTED, code=CODE)
    seen = filing.current_revision.number
    first, second = make_officer(code=CODE), make_officer(code=CODE)

    def approve(officer):
        return lambda: services.filing_approve(
            filing=Filing.objects.get(pk=filing.pk), acting_user=officer, expected_revision=seen
        )

    outcomes = together(approve(first), approve(second))

    wins = [value for kind, value in outcomes if kind == OK]
    assert len(wins) == 1, outcomes
    [refused] = errors_of(outcomes)
    assert isinstance(refused, services.TransitionNotAllowed), repr(refused)
    assert "不能审核通过" in str(refused)

    filing.refresh_from_db()
    assert filing.status == Status.APPROVED
    assert filing.form_no == wins[0].form_no
    assert DECISIONS.filter(filing=filing).count() == 1
    winner = DECISIONS.get(filing=filing).actor
    assert winner in (first, second)
    assert AuditEvent.objects.filter(filing=filing, event="filing_approved").count() == 1
    assert PublishedOperator.objects.filter(form_no=filing.form_no).count() == 1
    # One form number was drawn: the next approval gets the next one.
    other = make_filing(status=Status.REPORTED, code=CODE)
    other = services.filing_approve(filing=other, acting_user=first)
    assert int(other.form_no) == int(filing.form_no) + 1


def test_approve_and_return_at_once_take_one_decision():
    filing = make_filing(status=Status.REPORTED, code=CODE)
    seen = filing.current_revision.number
    first, second = make_officer(code=CODE), make_officer(code=CODE)

    outcomes = together(
        lambda: services.filing_approve(
            filing=Filing.objects.get(pk=filing.pk), acting_user=first, expected_revision=seen
        ),
        lambda: services.filing_return(
            filing=Filing.objects.get(pk=filing.pk),
            acting_user=second,
            reason="材料不全",
            expected_revision=seen,
        ),
    )

    assert len(errors_of(outcomes)) == 1, outcomes
    assert isinstance(errors_of(outcomes)[0], services.TransitionNotAllowed)
    filing.refresh_from_db()
    decision = DECISIONS.get(filing=filing)
    if decision.kind == FilingEvent.Kind.APPROVED:
        assert filing.status == Status.APPROVED
        assert filing.form_no
    else:
        assert decision.kind == FilingEvent.Kind.RETURNED
        assert filing.status == Status.RETURNED
        assert not filing.form_no
        assert not PublishedOperator.objects.filter(uscc=filing.current_revision.uscc).exists()


def test_two_filings_approved_at_once_get_different_form_numbers():
    one = make_filing(status=Status.REPORTED, code=CODE)
    two = make_filing(status=Status.REPORTED, code="310000")
    sz, sh = make_officer(code=CODE), make_officer(code="310000")

    outcomes = together(
        lambda: services.filing_approve(filing=one, acting_user=sz),
        lambda: services.filing_approve(filing=two, acting_user=sh),
    )

    assert errors_of(outcomes) == []
    numbers = {value.form_no for _, value in outcomes}
    assert len(numbers) == 2
    assert {int(n) for n in numbers} == {1, 2}


def test_two_officers_press_approve_in_their_browsers_at_once():
    """The same race through the view: one success message, one refusal, both redirected."""
    filing = make_filing(status=Status.REPORTED, code=CODE)
    clients = []
    for _ in range(2):
        client = Client()
        login_verified(client, make_officer(code=CODE))
        clients.append(client)
    url = reverse("office:approve", args=[filing.pk])
    data = {"revision": filing.current_revision.number}

    outcomes = together(*[lambda c=c: c.post(url, data, follow=True) for c in clients])

    assert errors_of(outcomes) == []
    pages = [value.content.decode() for _, value in outcomes]
    assert all(value.status_code == 200 for _, value in outcomes)
    assert sum("已审核通过" in page for page in pages) == 1
    assert sum("不能审核通过" in page for page in pages) == 1
    assert DECISIONS.filter(filing=filing).count() == 1


# --- (b) the officer approves while the enterprise edits -------------------------------------


@pytest.mark.parametrize("round_", range(ROUNDS))
def test_approval_racing_an_edit_loses_no_write(round_):
    filing = make_filing(status=Status.REPORTED, code=CODE)
    owner = filing.owner
    officer = make_officer(code=CODE)
    seen = filing.current_revision.number  # what the officer has on screen
    new_phone = f"0755-8{round_:03d}6666"

    outcomes = together(
        lambda: services.filing_approve(
            filing=Filing.objects.get(pk=filing.pk),
            acting_user=officer,
            expected_revision=seen,
        ),
        lambda: services.filing_save(
            filing=Filing.objects.get(pk=filing.pk),
            acting_user=owner,
            authority=filing.authority,
            data=revision_data(filing, phone=new_phone),
        ),
    )
    approve_outcome, save_outcome = outcomes

    # The enterprise's 保存 always lands: either as 编辑 (still reported) or, once approved,
    # as the start of a 变更.
    assert save_outcome[0] == OK, save_outcome
    filing.refresh_from_db()
    latest = filing.revisions.order_by("-number").first()
    assert filing.current_revision_id == latest.pk
    assert latest.number == seen + 1
    assert latest.phone == new_phone
    assert filing.revisions.count() == seen + 1

    if approve_outcome[0] == OK:
        # Approval first: the officer approved exactly what they saw; the edit became a change
        # and the public copy still shows the approved revision.
        assert filing.approved_revision.number == seen
        assert filing.status == Status.CHANGING
        assert latest.kind == FilingRevision.Kind.CHANGE
        assert DECISIONS.get(filing=filing).revision.number == seen
        published = PublishedOperator.objects.get(form_no=filing.form_no)
        assert published.phone != new_phone
    else:
        # The edit first: the approval of the older version is refused as stale.
        error = approve_outcome[1]
        assert isinstance(error, services.TransitionNotAllowed), repr(error)
        assert "请重新查看后再作决定" in str(error)
        assert filing.status == Status.REPORTED
        assert filing.approved_revision_id is None
        assert not filing.form_no
        assert latest.kind == FilingRevision.Kind.EDIT
        assert not DECISIONS.filter(filing=filing).exists()


# --- (c) two 上报 at once -------------------------------------------------------------------


def test_two_report_posts_at_once_report_once():
    filing = make_filing(code=CODE)
    attach_required(filing)
    clients = []
    for _ in range(2):
        client = Client()
        login_verified(client, filing.owner)
        clients.append(client)
    url = reverse("filings:report", args=[filing.pk])

    outcomes = together(*[lambda c=c: c.post(url) for c in clients])

    assert errors_of(outcomes) == []
    assert [value.status_code for _, value in outcomes] == [302, 302]
    filing.refresh_from_db()
    assert filing.status == Status.REPORTED
    assert AuditEvent.objects.filter(filing=filing, event="filing_reported").count() == 1


def test_two_report_calls_at_once_report_once():
    filing = make_filing(code=CODE)
    attach_required(filing)

    outcomes = together(
        *[
            lambda: services.filing_report(
                filing=Filing.objects.get(pk=filing.pk), acting_user=filing.owner
            )
            for _ in range(2)
        ]
    )

    assert errors_of(outcomes) == []
    assert AuditEvent.objects.filter(filing=filing, event="filing_reported").count() == 1


# --- 开通用户: the same link used twice at once --------------------------------------------


def test_claim_link_used_twice_at_once_opens_one_account():
    filing = make_filing(status=Status.APPROVED, code=CODE)
    Filing.objects.filter(pk=filing.pk).update(owner=None)
    filing.refresh_from_db()
    officer = make_officer(code=CODE)
    account_claim_invite(filing=filing, email="boss@example.cn", acting_user=officer)
    # The token is only e-mailed; take it from the queued message.
    from tradereg.notifications.models import OutboundEmail

    body = OutboundEmail.objects.get(template="filings/emails/account_claim").body_text
    token = body.split("/accounts/claim/", 1)[1].split("/", 1)[0]

    outcomes = together(
        lambda: account_claim_complete(token=token, username="first-claim", password="A@2026xyzk"),
        lambda: account_claim_complete(token=token, username="second-claim", password="B@2026xyzk"),
    )

    assert len(errors_of(outcomes)) == 1, outcomes
    filing.refresh_from_db()
    [winner] = [value for kind, value in outcomes if kind == OK]
    assert filing.owner == winner
    assert User.objects.filter(username__in=["first-claim", "second-claim"]).count() == 1
    assert AccountClaim.objects.get(filing=filing).user == winner
