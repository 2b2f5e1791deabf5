"""开通用户 for legacy filings, and the officer's password-reset e-mail."""

import re
from datetime import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from tradereg.accounts import services
from tradereg.accounts.models import AccountClaim, User
from tradereg.audit.models import AuditEvent
from tradereg.filings import services as filing_services
from tradereg.filings.models import FilingEvent, Method
from tradereg.filings.tests import factories
from tradereg.notifications.models import OutboundEmail

pytestmark = pytest.mark.django_db


@pytest.fixture
def legacy():
    return filing_services.filing_import(
        authority=factories.authority("110000"),
        method=Method.USCC,
        data=factories.filing_data(email="old-clerk@example.cn"),
        approved_at=datetime(2010, 3, 1, 9, tzinfo=timezone.get_current_timezone()),
    )


def invite(filing, officer=None, email="old-clerk@example.cn") -> str:
    filing_services.account_claim_invite(
        filing=filing, email=email, acting_user=officer or factories.make_officer()
    )
    body = OutboundEmail.objects.filter(to=email).latest("created_at").body_text
    return re.search(r"/accounts/claim/([\w-]+)/", body).group(1)


def test_the_claim_link_lets_the_enterprise_choose_username_and_password(legacy):
    token = invite(legacy)
    assert AccountClaim.objects.get().token_hash != token
    user = filing_services.account_claim_complete(
        token=token, username="old-trader", password="New#Pass2026"
    )
    legacy.refresh_from_db()
    assert legacy.owner == user
    assert user.role == User.Role.ENTERPRISE
    assert user.email == "old-clerk@example.cn"
    assert user.check_password("New#Pass2026")
    assert AuditEvent.objects.filter(event="account_claimed", filing=legacy).exists()
    bound = legacy.events.get(kind=FilingEvent.Kind.OWNER_BOUND)
    assert bound.actor == user
    assert bound.actor_name == "old-trader"


def test_the_link_works_once(legacy):
    token = invite(legacy)
    filing_services.account_claim_complete(
        token=token, username="old-trader", password="New#Pass2026"
    )
    with pytest.raises(ValidationError):
        filing_services.account_claim_complete(
            token=token, username="someone", password="New#Pass2026"
        )


def test_a_new_link_voids_the_previous_one(legacy):
    first = invite(legacy)
    second = invite(legacy)
    assert filing_services.account_claim_find(token=first) is None
    assert filing_services.account_claim_find(token=second) is not None


def test_only_an_officer_of_the_authority_may_invite(legacy):
    with pytest.raises(PermissionDenied):
        invite(legacy, officer=factories.make_officer(code="310000"))


def test_a_filing_with_an_owner_cannot_be_claimed():
    filing = factories.make_filing(status="approved")
    with pytest.raises(filing_services.TransitionNotAllowed):
        filing_services.account_claim_invite(
            filing=filing, email="x@example.cn", acting_user=factories.make_officer()
        )


def test_the_officer_never_handles_a_password(legacy):
    invite(legacy)
    mail = OutboundEmail.objects.get(to="old-clerk@example.cn")
    assert "密码" in mail.body_text
    assert not re.search(r"密码[:：]\s*\S", mail.body_text)


def test_officer_sends_a_reset_mail_to_an_enterprise_of_their_authority():
    filing = factories.make_filing()
    services.password_reset_send(user=filing.owner, acting_user=factories.make_officer())
    mail = OutboundEmail.objects.filter(template="accounts/emails/password_reset").get()
    assert mail.to == filing.owner.email
    assert "/accounts/password/reset/" in mail.body_text


def test_officer_of_another_authority_cannot_send_a_reset():
    filing = factories.make_filing()
    with pytest.raises(PermissionDenied):
        services.password_reset_send(
            user=filing.owner, acting_user=factories.make_officer(code="310000")
        )
