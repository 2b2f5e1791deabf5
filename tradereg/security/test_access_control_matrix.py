"""The authorisation matrix: every URL of the project × every role (ASVS 5.0 V8.1.1,
V8.2.1–V8.2.2, V8.3.1; 等保 8.1.4.2 访问控制 d–f, 三员分立).

The URLs are walked from the root URLconf (``tradereg.urls``): a URL pattern without a row
in ``RULES`` fails ``test_every_url_has_a_rule`` by name, and so does a rule left behind for
a URL that is gone. ``/admin/`` is one entry of that walk, asked as a whole in
``test_access_control_admin_site.py``: the changelist of every model it registers and a
few object pages and changes.

Each URL is asked by every role of ``conftest.ROLES`` about the objects of the ``world``
fixture: the answer is a status (200, 302, 400, 401, 403, 404, 405) or ``LOGIN`` (302 to
the login page with ``next``). Beyond the status:

- an object that is not the asker's is answered 404, byte for byte what a missing id gets;
- no page shows a role a filing it may not see (``hidden_from``);
- a POST takes effect only for the role that may act, and a refused one changes nothing;
- a POST-only URL answers a GET with 405 and changes nothing.
"""

from collections.abc import Callable
from dataclasses import dataclass, field

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django_otp.plugins.otp_totp.models import TOTPDevice

from tradereg.accounts.models import AccountClaim
from tradereg.audit.models import AuditEvent
from tradereg.filings.models import Attachment, Filing, Note, Status
from tradereg.filings.tests.factories import pdf_upload
from tradereg.notifications.models import OutboundEmail
from tradereg.opendata.models import ApiKey

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
    without_csrf_token,
)

pytestmark = pytest.mark.usefixtures("reference_data")

ADMIN_SITE = "admin"  # the one entry the URLconf walk gives for the whole of /admin/

# Staff who may see the filings at 深圳 (the supervisor and the 系统管理员 read-only).
IN_SCOPE = ("officer", "supervisor", "system_admin")


def answers(default: Answer, anonymous: Answer = LOGIN, **roles: Answer) -> dict[str, Answer]:
    """The same answer for every logged-in role unless named."""
    expected = {role: default for role in ROLES}
    expected["anonymous"] = anonymous
    expected.update(roles)
    return expected


def public(status: int = 200) -> dict[str, Answer]:
    """A page anyone may open, logged in or not."""
    return answers(status, anonymous=status)


def owner_only(status: int) -> dict[str, Answer]:
    """The enterprise's own filing: 404 to everyone else, as for a filing that is not there."""
    return answers(404, owner=status)


def office_reads(**roles: Answer) -> dict[str, Answer]:
    """/office/: staff in scope read; everyone else is told there is nothing (404)."""
    return answers(404, **{"officer": 200, "supervisor": 200, "system_admin": 200, **roles})


def office_decides(read_only: int) -> dict[str, Answer]:
    """A decision: the filing's officer's POST redirects; staff who only read it get
    ``read_only`` (with the refusal on the page), everyone else 404."""
    return office_reads(officer=302, supervisor=read_only, system_admin=read_only)


def auditor_only() -> dict[str, Answer]:
    return answers(404, auditor=200)


def status_of(target: str) -> Callable[[World], str]:
    return lambda w: Filing.objects.get(pk=w[target].pk).status


@dataclass(frozen=True)
class Rule:
    method: str  # "get" or "post"
    expected: dict[str, Answer]  # role → status or LOGIN
    target: str = ""  # the world's object that fills the URL's id
    data: dict = field(default_factory=dict)
    query: str = ""
    # For a POST: whether it took effect, and the roles for whom it must.
    effect: Callable[[World], bool] | None = None
    acts: tuple[str, ...] = ()
    # /office/: a 200 shows the filing to the staff in scope and to nobody else.
    scoped: bool = False
    # Roles that may read every filing's number on this page (the auditor on the trail).
    reads_all: tuple[str, ...] = ()


RULES: dict[str, Rule] = {
    # core
    "core:home": Rule("get", public()),
    "core:app_home": Rule("get", public()),
    "core:healthz": Rule("get", public()),
    # 中文 / English: only the language cookie changes, for anyone
    "set_language": Rule("post", public(302), data={"language": "en", "next": "/"}),
    # accounts: a logged-in visitor of the login page goes to its own start page
    "accounts:login": Rule("get", answers(302, anonymous=200)),
    "accounts:logout": Rule("post", public(302)),
    "accounts:otp_settings": Rule("get", answers(200)),
    # The enterprises have no authenticator yet and may bind one; bound staff are sent on.
    "accounts:otp_bind": Rule("get", answers(302, owner=200, other_enterprise=200)),
    "accounts:otp_verify": Rule("get", answers(302)),
    # Staff may not turn the second factor off: the page says so and the device stays.
    "accounts:otp_disable": Rule(
        "post",
        answers(302),
        effect=lambda w: (
            not all(
                TOTPDevice.objects.filter(user=w["people"][role]).exists()
                for role in ("officer", "system_admin", "security_admin", "auditor")
            )
        ),
    ),
    "accounts:password_forgot": Rule("get", public()),
    "accounts:password_forgot_sent": Rule("get", public()),
    # A link that is not a live one is the same "invalid link" page for everyone.
    "accounts:password_reset": Rule("get", public()),
    "accounts:password_change": Rule("get", answers(200)),
    "accounts:session_keepalive": Rule("post", answers(200, anonymous=401)),
    # filings: the enterprise's own pages
    "filings:new": Rule("get", public()),
    "filings:new_form": Rule("get", public(), query="?authority=440300&method=uscc"),
    "filings:new_done": Rule("get", public(302)),
    # Only a live one-time link opens it; an unknown token is the same 404 for everyone.
    "filings:claim": Rule("get", public(404)),
    "filings:my": Rule("get", answers(302, owner=200, other_enterprise=200)),
    "filings:list": Rule("get", answers(200)),
    "filings:detail": Rule("get", owner_only(200), target="filing"),
    "filings:history": Rule("get", owner_only(200), target="filing"),
    "filings:edit": Rule("get", owner_only(200), target="filing"),
    "filings:report": Rule(
        "post",
        owner_only(302),
        target="filing",
        effect=lambda w: status_of("filing")(w) == Status.REPORTED,
        acts=("owner",),
    ),
    "filings:attachment_upload": Rule(
        "post",
        owner_only(302),
        target="filing",
        data={"kind": "other"},
        effect=lambda w: w["filing"].attachments.filter(kind="other").exists(),
        acts=("owner",),
    ),
    # The file is the owner's and, read-only, the staff's whose scope holds the filing.
    "filings:attachment": Rule(
        "get", owner_only(200) | dict.fromkeys(IN_SCOPE, 200), target="filing"
    ),
    "filings:attachment_delete": Rule(
        "post",
        owner_only(302),
        target="filing",
        effect=lambda w: not Attachment.objects.filter(pk=w["attachment"].pk).exists(),
        acts=("owner",),
    ),
    "authorities:pick": Rule("get", public()),
    # printing: the public print needs this session's lookup by number and code
    "printing:print": Rule("get", public()),
    "printing:print_result": Rule("get", public(404), target="approved"),
    "printing:print_pdf_front": Rule("get", public(404), target="approved"),
    "printing:print_pdf_back": Rule("get", public(404), target="approved"),
    # A draft's application form is the owner's alone (issue 8: no guessing 系统编号).
    "printing:application_form": Rule("get", owner_only(200) | {"anonymous": 404}, target="filing"),
    "printing:application_pdf_front": Rule(
        "get", owner_only(200) | {"anonymous": 404}, target="filing"
    ),
    "printing:application_pdf_back": Rule(
        "get", owner_only(200) | {"anonymous": 404}, target="filing"
    ),
    "printing:blank_forms": Rule("get", public()),
    "printing:blank_pdf_front": Rule("get", public()),
    "printing:blank_pdf_back": Rule("get", public()),
    "printing:verify": Rule("get", public()),
    "printing:verify_code": Rule("get", public(404)),  # never issued
    "opendata:verify_batch": Rule("get", public()),
    # registry and regulations: public, from the published copy only
    "registry:operators": Rule("get", public()),
    "registry:operator": Rule("get", public(), target="published"),
    "regulations:list": Rule("get", public()),
    "regulations:detail": Rule("get", public(), target="regulation"),
    "regulations:attachment": Rule("get", public(), target="regulation"),
    # office: lists answer every filing staff member, with only what is in their scope
    "office:queue": Rule("get", office_reads(other_officer=200, other_supervisor=200), scoped=True),
    # The queue's rows as CSV: the same scope as the page (hidden names are checked in it).
    "office:queue_export": Rule(
        "get", office_reads(other_officer=200, other_supervisor=200), query="?status=&format=csv"
    ),
    "office:accounts": Rule(
        "get",
        office_reads(other_officer=200, other_supervisor=200),
        query="?q={system_no}",
        scoped=True,
    ),
    "office:review": Rule("get", office_reads(), target="reported", scoped=True),
    "office:approve": Rule(
        "post",
        office_decides(302),
        target="reported",
        effect=lambda w: status_of("reported")(w) == Status.APPROVED,
        acts=("officer",),
    ),
    "office:return": Rule(
        "post",
        office_decides(400),
        target="reported",
        data={"reason": "营业执照复印件不清晰", "flag_attachments": ["business_licence"]},
        effect=lambda w: status_of("reported")(w) == Status.RETURNED,
        acts=("officer",),
    ),
    "office:cancel": Rule(
        "post",
        office_decides(400),
        target="approved",
        data={"reason": "企业申请注销"},
        effect=lambda w: status_of("approved")(w) == Status.CANCELLED,
        acts=("officer",),
    ),
    "office:note": Rule(
        "post",
        office_decides(400),
        target="reported",
        data={"body": "已电话核实经营场所"},
        effect=lambda w: Note.objects.filter(filing=w["reported"]).exists(),
        acts=("officer",),
    ),
    "office:claim": Rule(
        "post",
        office_decides(302),
        target="legacy",
        data={"email": "legacy@example.cn"},
        effect=lambda w: AccountClaim.objects.filter(filing=w["legacy"]).exists(),
        acts=("officer",),
    ),
    # 查看完整证件号: reviewers in scope, with a reason; each reveal is an audit event. The
    # 系统管理员 reads the review page masked and is refused the number (400, the page again).
    "office:id_number_reveal": Rule(
        "post",
        office_reads(system_admin=400),
        target="reported",
        data={"reveal-reason": "核对身份证复印件"},
        effect=lambda w: AuditEvent.objects.filter(event="id_number_revealed").exists(),
        acts=("officer", "supervisor"),
    ),
    # 历史数据导入: the 系统管理员's alone; to everyone else it does not exist.
    "office:legacy_import": Rule("get", answers(404, system_admin=200)),
    "office:legacy_import_detail": Rule("get", answers(404, system_admin=200), target="import"),
    "office:legacy_import_progress": Rule("get", answers(404, system_admin=200), target="import"),
    "office:legacy_import_report": Rule("get", answers(404, system_admin=200), target="import"),
    # The reset mail is the officer's alone: to anyone else the account does not exist.
    "office:password_reset": Rule(
        "post",
        office_decides(404),
        target="owner",
        effect=lambda w: OutboundEmail.objects.filter(
            to=w["owner"].email, template="accounts/emails/password_reset"
        ).exists(),
        acts=("officer",),
    ),
    # 统计: every filing staff member reads the figures of their own scope; the export
    # of a table the same (test_statistics.py proves which figures each scope sees).
    "statistics:page": Rule("get", office_reads(other_officer=200, other_supervisor=200)),
    "statistics:export": Rule(
        "get",
        office_reads(other_officer=200, other_supervisor=200),
        query="?table=authority&format=csv",
    ),
    # 接口密钥: the 系统管理员's alone; to everyone else it does not exist.
    "opendata:api_keys": Rule("get", answers(404, system_admin=200)),
    "opendata:api_key_revoke": Rule(
        "post",
        answers(404, system_admin=302),
        target="api_key",
        effect=lambda w: ApiKey.objects.filter(revoked_at__isnull=False).exists(),
        acts=("system_admin",),
    ),
    # The open-data API: public, JSON, from the published copy only (opendata/tests).
    "api:api-root": Rule("get", public(404)),  # nothing at /api/v1/ itself
    "api:openapi-json": Rule("get", public()),
    "api:openapi-view": Rule("get", public()),
    "api:operators": Rule("get", public(), query="?q=华兴"),
    "api:operator": Rule("get", public(404)),  # no such 进出口企业代码
    "api:verify": Rule("get", public(404)),  # never issued
    "api:changes": Rule("get", public()),
    "api:snapshots": Rule("get", public()),
    "api:snapshot_file": Rule("get", public(404)),  # no such snapshot
    # Batch verification: public, POST only (opendata/tests/test_batch_verify.py).
    "api:verify_batch": Rule("get", public(405)),
    "api:receipt_keys": Rule("get", public()),
    # Watches need an API key with the watch scope (opendata/tests/test_webhooks.py): a
    # session is no key, so every role is 401; a path without a GET route is 405.
    "api:watches": Rule("get", public(401)),
    "api:watch_list": Rule("get", public(401)),
    "api:watch": Rule("get", public(401)),
    "api:watch_delete": Rule("get", public(401)),
    "api:watch_operators": Rule("get", public(405)),
    "api:watch_operator_delete": Rule("get", public(405)),
    "api:watch_deliveries": Rule("get", public(401)),
    # audit: the 审计管理员's alone; reading it changes nothing
    "audit:list": Rule("get", auditor_only(), reads_all=("auditor",)),
    "audit:export": Rule("get", auditor_only(), reads_all=("auditor",)),
}


# --- the URLconf, walked ----------------------------------------------------------------


def url_patterns(patterns=None, namespace: str = "") -> dict[str, set[str]]:
    """Every URL pattern of the root URLconf as ``namespace:name`` → the names of its
    arguments; /admin/ as one entry."""
    found: dict[str, set[str]] = {}
    for pattern in get_resolver().url_patterns if patterns is None else patterns:
        if isinstance(pattern, URLResolver):
            if pattern.namespace == ADMIN_SITE:
                found[ADMIN_SITE] = set()
            else:
                found |= url_patterns(pattern.url_patterns, pattern.namespace or namespace)
        else:
            assert isinstance(pattern, URLPattern)
            assert pattern.name, f"unnamed URL pattern {pattern.pattern} ({namespace})"
            name = f"{namespace}:{pattern.name}" if namespace else pattern.name
            found[name] = set(pattern.pattern.converters)
    return found


def url_names() -> list[str]:
    return list(url_patterns())


def test_every_url_has_a_rule():
    names = url_names()
    missing = [name for name in names if name != ADMIN_SITE and name not in RULES]
    assert not missing, f"URLs without an authorisation rule: {missing}"
    stale = [name for name in RULES if name not in names]
    assert not stale, f"rules for URLs that no longer exist: {stale}"
    assert ADMIN_SITE in names


def test_every_rule_answers_every_role():
    for name, rule in RULES.items():
        assert set(rule.expected) == set(ROLES), name
        assert rule.method in ("get", "post"), name
        assert set(rule.acts) <= set(ROLES), name
        if rule.acts:
            assert rule.effect is not None, name


def test_no_object_is_answered_to_a_stranger():
    """An object URL is 404 (not 403, not 200) for whoever may not have the object: the
    other enterprise, other authorities, the 安全管理员 and the 审计管理员."""
    for name, rule in RULES.items():
        if rule.target not in ("filing", "reported", "approved", "legacy", "owner"):
            continue
        if all(answer == rule.expected["anonymous"] for answer in rule.expected.values()):
            continue  # the same for everyone: nothing of the object is behind it
        for role in ("other_enterprise", "other_officer", "other_supervisor"):
            assert rule.expected[role] == 404, (name, role)
        for role in ("security_admin", "auditor"):
            assert rule.expected[role] == 404, (name, role)


def test_every_office_url_is_closed_to_enterprises_and_to_other_authorities():
    for name, rule in RULES.items():
        if not name.startswith("office:"):
            continue
        assert rule.expected["anonymous"] == LOGIN, name
        for role in ("owner", "other_enterprise", "security_admin", "auditor"):
            assert rule.expected[role] == 404, (name, role)
        if rule.target:
            assert rule.expected["other_officer"] == 404, name
            assert rule.expected["other_supervisor"] == 404, name
        if rule.method == "post":
            # Only the filing authority's officers decide; readers in scope at most reveal.
            assert set(rule.acts) <= set(IN_SCOPE), name
            if name != "office:id_number_reveal":
                assert rule.acts == ("officer",), name


# --- asking ----------------------------------------------------------------------------


def url_for(name: str, world: World, *, missing: bool = False) -> str:
    rule = RULES[name]
    wanted = url_patterns()[name]
    target = world.get(rule.target)
    values = {
        "pk": MISSING_ID if missing else getattr(target, "pk", None),
        "user_pk": MISSING_ID if missing else getattr(target, "pk", None),
        "attachment_pk": MISSING_ID if missing else world["attachment"].pk,
        "slug": "no-such-document" if missing else getattr(target, "slug", None),
        "token": "no-such-token" if missing else getattr(target, "token", "not-a-token"),
        "uidb64": "MQ",
        "code": "0000000000",
        "ie_code": "1100000000000",
        "snapshot_id": MISSING_ID,
        "watch_id": MISSING_ID,
        "file_format": "csv",
    }
    kwargs = {key: values[key] for key in wanted}
    assert None not in kwargs.values(), f"{name}: nothing in the world fills {kwargs}"
    query = rule.query.format(system_no=world["reported"].system_no)
    return reverse(name, kwargs=kwargs) + query


def send(client: Client, name: str, world: World, *, method: str = "", missing: bool = False):
    rule = RULES[name]
    url = url_for(name, world, missing=missing)
    if (method or rule.method) == "get":
        return client.get(url)
    data = dict(rule.data)
    if name == "filings:attachment_upload":
        data["file"] = pdf_upload()
    if name.startswith("office:") and not missing:
        # The revision the page was read at; the reveal form names its fields "reveal-".
        number = world["reported"].current_revision.number
        data["reveal-revision" if name == "office:id_number_reveal" else "revision"] = number
    return client.post(url, data)


def test_hidden_filings_are_real(world):
    """The names ``hidden_from`` looks for do appear to those who may see them."""
    page = world["clients"]["officer"].get(reverse("office:review", args=[world["other"].pk]))
    assert world["other"].current_revision.name_cn in page.content.decode()


@pytest.mark.parametrize("name", [name for name in url_names() if name != ADMIN_SITE])
def test_access_control_matrix(world, name):
    """Every role asks ``name``; the acting role (if any) asks last."""
    rule = RULES.get(name)
    assert rule is not None, f"{name} has no authorisation rule"
    wrong = []
    for role in sorted(ROLES, key=lambda r: r in rule.acts):
        client = world["clients"][role]
        expected = rule.expected[role]
        before = state()
        response = send(client, name, world)
        problem = check_answer(client, response, expected)
        if problem:
            wrong.append(f"{role}: expected {expected}, got {problem}")
        body = body_of(response)
        if response.status_code == 200 and role not in rule.reads_all:
            url = url_for(name, world)
            leaked = [t for t in hidden_from(world, role) if t in body and t not in url]
            if leaked:
                wrong.append(f"{role}: sees {leaked}")
        if rule.scoped and response.status_code == 200:
            if rule.target:
                shown = world[rule.target].system_no in body
            else:
                link = reverse("office:review", args=[world["reported"].pk])
                shown = f'href="{link}"' in body
            if shown != (role in IN_SCOPE):
                wrong.append(f"{role}: the filing shown={shown}")
        if role in rule.acts:
            if not rule.effect(world):
                wrong.append(f"{role}: the {rule.method.upper()} had no effect")
        else:
            if rule.effect is not None and rule.effect(world):
                wrong.append(f"{role}: the {rule.method.upper()} took effect")
            if state() != before:
                wrong.append(f"{role}: something changed")
        if expected == 404 and rule.target:
            missing = send(client, name, world, missing=True)
            if missing.status_code != 404 or without_csrf_token(
                missing.content
            ) != without_csrf_token(response.content):
                wrong.append(f"{role}: the 404 differs from the one for a missing id")
    assert not wrong, f"{name}:\n" + "\n".join(wrong)


@pytest.mark.parametrize("name", [n for n, r in RULES.items() if r.method == "post"])
def test_changes_need_a_post(world, name):
    """A GET to a POST-only URL is 405 for every role that the POST would not turn away,
    and changes nothing."""
    rule = RULES[name]
    asked = [r for r in ROLES if rule.expected[r] not in (LOGIN, 404, 401)]
    assert asked, name
    for role in asked:
        before = state()
        response = send(world["clients"][role], name, world, method="get")
        assert response.status_code == 405, (name, role)
        assert state() == before, (name, role)
