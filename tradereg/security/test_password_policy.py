"""Password policy profiles (decision 0017): ``asvs`` and ``mlps3``.

ASVS 5.0 V6.2.1 (≥ 12 characters: ≥ 8 allowed, 12 recommended at L2), V6.2.5 (no
composition rule), V6.2.4/V6.2.12 (checked against breached and common passwords);
等保 第三级 身份鉴别 a) (complexity, regular change).
"""

from datetime import timedelta

import pytest
from django.conf import settings as django_settings
from django.contrib.auth.password_validation import get_password_validators, validate_password
from django.core.exceptions import ValidationError
from django.test import Client
from django.utils import timezone

from tradereg.accounts import validators
from tradereg.accounts.models import User
from tradereg.accounts.policy import security_policy
from tradereg.audit.services import audit_record
from tradereg.core.demo import DEMO_PASSWORD
from tradereg.filings.tests.factories import PASSWORD, make_filing

pytestmark = pytest.mark.usefixtures("reference_data")

ASVS = django_settings.PASSWORD_POLICY_PROFILES["asvs"]
MLPS3 = django_settings.PASSWORD_POLICY_PROFILES["mlps3"]
TEST_PASSWORDS = ["Test@2026pass", "Kx7#mPq2Lw9z", "Admin#2026x", "New#Pass2026", DEMO_PASSWORD]


def errors(password: str, profile) -> list[str]:
    try:
        validate_password(password, User(username="clerk"), password_validators=profile)
    except ValidationError as error:
        return [e.code for e in error.error_list]
    return []


def loaded(profile):
    return get_password_validators(profile)


@pytest.fixture(params=["asvs", "mlps3"])
def profile(request):
    return loaded(django_settings.PASSWORD_POLICY_PROFILES[request.param])


def test_the_embedded_default_is_mlps3_and_production_defaults_to_asvs():
    assert django_settings.PASSWORD_POLICY == "mlps3"  # the tests run the embedded mode
    assert security_policy().password_profile == "mlps3"
    assert errors("correct horse battery", None) == ["password_too_simple"]  # mlps3 applies


@pytest.mark.parametrize("password", TEST_PASSWORDS)
def test_the_passwords_of_the_tests_and_the_demo_pass_mlps3(password):
    assert errors(password, loaded(MLPS3)) == []


def test_asvs_asks_12_characters_and_no_composition():
    asvs = loaded(ASVS)
    assert errors("Demo@2026a", asvs) == ["password_too_short"]
    assert errors("correct horse battery", asvs) == []  # words only: fine under ASVS
    assert errors("kx7mpq2lw9zt", asvs) == []


def test_mlps3_asks_10_characters_of_three_kinds():
    mlps3 = loaded(MLPS3)
    assert errors("Ab1#efgh", mlps3) == ["password_too_short"]
    assert errors("correct horse battery", mlps3) == ["password_too_simple"]
    assert errors("Kx7mPq2Lw9", mlps3) == []


@pytest.mark.parametrize(
    "password", ["P@ssw0rd2026", "Admin@123456", "Qwerty@2025", "1qaz@WSX3edc"]
)
def test_breached_patterns_are_refused_in_both_profiles(password, profile):
    assert "password_breached" in errors(password, profile)


def test_the_breached_list_ships_with_the_project_and_holds_djangos():
    listed = validators.breached_passwords()
    assert len(listed) > 50_000
    assert {"password", "123456", "p@ssw0rd", "admin@123"} <= listed
    assert DEMO_PASSWORD.lower() not in listed


def test_the_messages_are_chinese(profile):
    with pytest.raises(ValidationError) as caught:
        validate_password("123456", password_validators=profile)
    assert any("密码" in m for m in caught.value.messages)


# --- mlps3: staff change their password every 90 days ----------------------------------


def officer(days_old: int) -> User:
    filing = make_filing(username=f"ent-{days_old}")
    user = User.objects.create_user(
        username=f"officer-{days_old}",
        password=PASSWORD,
        role=User.Role.OFFICER,
        authority=filing.authority,
    )
    User.objects.filter(pk=user.pk).update(date_joined=timezone.now() - timedelta(days=days_old))
    user.refresh_from_db()
    return user


def sent_to_change(response) -> bool:
    """True when the answer sends the user to 修改密码 (the second factor may come first)."""
    return response.get("Location") == "/accounts/password/change/"


def test_staff_with_a_password_older_than_90_days_are_sent_to_the_change_page():
    user = officer(days_old=91)
    client = Client()
    client.force_login(user, backend="tradereg.accounts.backends.UsernameOrEmailBackend")
    response = client.get("/office/")
    assert response.status_code == 302
    assert response.url == "/accounts/password/change/"
    # The account pages stay open (the second factor comes first, then this page).
    assert client.get(response.url).get("Location") != "/accounts/password/change/"


def test_a_recent_change_in_the_audit_trail_counts_and_an_enterprise_is_never_sent(settings):
    user = officer(days_old=200)
    audit_record(event="password_changed", actor=user)
    client = Client()
    client.force_login(user, backend="tradereg.accounts.backends.UsernameOrEmailBackend")
    assert not sent_to_change(client.get("/office/"))
    owner = make_filing(username="old-ent").owner
    User.objects.filter(pk=owner.pk).update(date_joined=timezone.now() - timedelta(days=400))
    client = Client()
    client.force_login(owner, backend="tradereg.accounts.backends.UsernameOrEmailBackend")
    assert not sent_to_change(client.get("/my/"))


def test_asvs_has_no_forced_change(settings):
    settings.PASSWORD_MAX_AGE_DAYS = 0
    user = officer(days_old=400)
    client = Client()
    client.force_login(user, backend="tradereg.accounts.backends.UsernameOrEmailBackend")
    assert not sent_to_change(client.get("/office/"))
