"""/admin/ in the authorisation matrix: the one entry the URLconf walk of
``test_access_control_matrix.py`` gives for the whole admin site, asked for every role
(ASVS 5.0 V8.2.1; 等保 8.1.4.2 访问控制, 三员分立: 系统管理员 and 安全管理员 each reach
their part only, the 审计管理员 and everyone else have no admin site).

Every model the admin registers has a changelist rule (``CHANGELISTS``, checked against the
admin's registry), and ``ADMIN_RULES`` adds object pages and changes. Django's admin
answers 403 to an administrator for a model outside its permissions, and its "does not
exist" redirect for an object outside its list, the same as for an id that is not there.
"""

from collections.abc import Callable
from dataclasses import dataclass

import pytest
from django.contrib import admin
from django_otp.plugins.otp_totp.models import TOTPDevice

from tradereg.accounts.models import User
from tradereg.audit.models import AuditEvent
from tradereg.filings.models import Filing
from tradereg.notifications.models import OutboundEmail

from .conftest import (
    LOGIN,
    MISSING_ID,
    ROLES,
    Answer,
    World,
    body_of,
    check_answer,
    hidden_from,
    state,
)

pytestmark = pytest.mark.usefixtures("reference_data")

NOT_ADMINS = ("owner", "other_enterprise", "officer", "other_officer", "supervisor")
NOT_ADMINS += ("other_supervisor", "auditor")

# Which administrator reads each model's changelist. The other administrator gets 403
# (Django's admin: no permission for the model); anyone who is no administrator gets 404,
# the admin site does not exist for them; anonymous visitors are sent to log in.
CHANGELISTS: dict[str, tuple[str, ...]] = {
    "accounts.user": ("system_admin", "security_admin"),
    "authorities.authority": ("system_admin",),
    "regions.region": ("system_admin",),
    "filings.operatortype": ("system_admin",),
    "filings.currency": ("system_admin",),
    "filings.filing": ("system_admin",),  # read-only (decision 0015)
    "regulations.regulation": ("system_admin",),
    # What waits for the mail server, with a redacted preview: no live link in it.
    "notifications.outboundemail": ("system_admin",),
    "core.announcement": ("system_admin",),
    "axes.accessattempt": ("security_admin",),
    "axes.accessfailurelog": ("security_admin",),
    "axes.accesslog": ("security_admin",),
    "otp_totp.totpdevice": ("security_admin",),
    "accounts.securitypolicy": ("security_admin",),
    # Nobody's but the expiring break-glass superuser's.
    "audit.auditevent": (),
    "audit.auditanchor": (),
    "auth.group": (),
    "django_tasks_database.dbtaskresult": (),
}


def admin_answers(**admins: Answer) -> dict[str, Answer]:
    expected = dict.fromkeys(NOT_ADMINS, 404)
    expected["anonymous"] = LOGIN
    expected.update(admins)
    return expected


def changelist_answers(readers: tuple[str, ...]) -> dict[str, Answer]:
    return admin_answers(
        system_admin=200 if "system_admin" in readers else 403,
        security_admin=200 if "security_admin" in readers else 403,
    )


# The "does not exist" redirect of Django's admin: the same for an id outside the
# administrator's list as for an id that is not there (checked below).
NOT_IN_LIST = "not in list"


@dataclass(frozen=True)
class AdminRule:
    path: Callable[[World], str]
    expected: dict[str, Answer]
    method: str = "get"
    data: Callable[[World], dict] = lambda w: {}
    effect: Callable[[World], bool] | None = None
    acts: tuple[str, ...] = ()
    missing: Callable[[World], str] | None = None  # the same URL for an id that is not there


def _user_change(role: str) -> Callable[[World], str]:
    return lambda w: f"/admin/accounts/user/{w['people'][role].pk}/change/"


def _first_event(w: World) -> int:
    return AuditEvent.objects.order_by("pk").values_list("pk", flat=True).first()


ADMIN_RULES: dict[str, AdminRule] = {
    "index": AdminRule(lambda w: "/admin/", admin_answers(system_admin=200, security_admin=200)),
    # The 系统管理员 manages officers and supervisors; the 安全管理员 looks any account up
    # (to end its sessions) but changes none.
    "officer's account": AdminRule(
        _user_change("officer"),
        admin_answers(system_admin=200, security_admin=200),
        missing=lambda w: f"/admin/accounts/user/{MISSING_ID}/change/",
    ),
    "enterprise's account": AdminRule(
        _user_change("owner"),
        admin_answers(system_admin=NOT_IN_LIST, security_admin=200),
        missing=lambda w: f"/admin/accounts/user/{MISSING_ID}/change/",
    ),
    "security admin's account": AdminRule(
        _user_change("security_admin"),
        admin_answers(system_admin=NOT_IN_LIST, security_admin=200),
        missing=lambda w: f"/admin/accounts/user/{MISSING_ID}/change/",
    ),
    "renaming an officer": AdminRule(
        _user_change("officer"),
        admin_answers(system_admin=302, security_admin=403),
        method="post",
        data=lambda w: {
            "username": "renamed-officer",
            "email": "",
            "first_name": "",
            "last_name": "",
            "role": User.Role.OFFICER,
            "authority": w["people"]["officer"].authority_id,
            "is_active": "on",
        },
        effect=lambda w: User.objects.filter(username="renamed-officer").exists(),
        acts=("system_admin",),
    ),
    "a filing, read-only": AdminRule(
        lambda w: f"/admin/filings/filing/{w['filing'].pk}/change/",
        admin_answers(system_admin=200, security_admin=403),
    ),
    "deleting a filing": AdminRule(
        lambda w: f"/admin/filings/filing/{w['filing'].pk}/delete/",
        admin_answers(system_admin=403, security_admin=403),
        method="post",
        data=lambda w: {"post": "yes"},
        effect=lambda w: not Filing.objects.filter(pk=w["filing"].pk).exists(),
    ),
    "an audit event": AdminRule(
        lambda w: f"/admin/audit/auditevent/{_first_event(w)}/change/",
        admin_answers(system_admin=403, security_admin=403),
    ),
    "deleting an audit event": AdminRule(
        lambda w: f"/admin/audit/auditevent/{_first_event(w)}/delete/",
        admin_answers(system_admin=403, security_admin=403),
        method="post",
        data=lambda w: {"post": "yes"},
    ),
    "an outgoing mail": AdminRule(
        lambda w: f"/admin/notifications/outboundemail/{OutboundEmail.objects.first().pk}/change/",
        admin_answers(system_admin=200, security_admin=403),
    ),
    # Only the 安全管理员 resets an authenticator (audited; the user binds again).
    "resetting an authenticator": AdminRule(
        lambda w: "/admin/otp_totp/totpdevice/",
        admin_answers(system_admin=403, security_admin=302),
        method="post",
        data=lambda w: {
            "action": "reset_devices",
            "_selected_action": [
                TOTPDevice.objects.get(user=w["people"]["officer"]).pk,
            ],
        },
        effect=lambda w: not TOTPDevice.objects.filter(user=w["people"]["officer"]).exists(),
        acts=("security_admin",),
    ),
    "ending an officer's sessions": AdminRule(
        lambda w: "/admin/accounts/user/",
        admin_answers(system_admin=200, security_admin=302),
        method="post",
        data=lambda w: {
            "action": "end_sessions",
            "_selected_action": [w["people"]["officer"].pk],
        },
        effect=lambda w: w["clients"]["officer"].get("/office/").status_code != 200,
        acts=("security_admin",),
    ),
}
for _label, _readers in CHANGELISTS.items():
    ADMIN_RULES[f"changelist {_label}"] = AdminRule(
        lambda w, label=_label: "/admin/{}/{}/".format(*label.split(".")),
        changelist_answers(_readers),
    )


def test_every_model_in_the_admin_has_a_rule():
    registered = {model._meta.label_lower for model in admin.site._registry}
    assert registered - set(CHANGELISTS) == set(), "admin models without a rule"
    assert set(CHANGELISTS) - registered == set(), "rules for models no longer in the admin"
    for rule in ADMIN_RULES.values():
        assert set(rule.expected) == set(ROLES)


@pytest.mark.parametrize("label", list(ADMIN_RULES))
def test_admin_site_matrix(world, label):
    rule = ADMIN_RULES[label]
    wrong = []
    for role in sorted(ROLES, key=lambda r: r in rule.acts):
        client = world["clients"][role]
        expected = rule.expected[role]
        before = state()
        path = rule.path(world)
        get = rule.method == "get"
        response = client.get(path) if get else client.post(path, rule.data(world))
        if expected == NOT_IN_LIST:
            problem = "" if response.get("Location") == "/admin/" else str(response.status_code)
            other = client.get(rule.missing(world))
            if (other.status_code, other.get("Location")) != (302, "/admin/"):
                problem = "an id that is not there is answered differently"
        else:
            problem = check_answer(client, response, expected)
        if problem:
            wrong.append(f"{role}: expected {expected}, got {problem}")
        if response.status_code == 200 and role != "system_admin":
            leaked = [t for t in hidden_from(world, role) if t in body_of(response)]
            if leaked:
                wrong.append(f"{role}: sees {leaked}")
        if role in rule.acts:
            if not rule.effect(world):
                wrong.append(f"{role}: the change had no effect")
        elif rule.effect is not None and rule.effect(world):
            wrong.append(f"{role}: the change took effect")
        elif rule.method == "post" and state() != before:
            wrong.append(f"{role}: something changed")
    assert not wrong, f"/admin/ {label}:\n" + "\n".join(wrong)


@pytest.mark.parametrize("path", ["/admin/", "/admin/login/?next=/admin/"])
def test_no_one_is_sent_round_in_a_loop_by_the_admin_site(world, path):
    """A logged-in officer or auditor following the admin's redirects once went from the
    admin's login page to ours and back to /admin/ for ever; now the answer is a 404."""
    for role in NOT_ADMINS:
        response = world["clients"][role].get(path, follow=True)
        assert response.status_code == 404, role
        assert response.redirect_chain == [], role
