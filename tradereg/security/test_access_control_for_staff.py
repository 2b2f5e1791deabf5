"""Who may open and use which URL of the officer workspace (/office/).

The matrix is built from ``tradereg.office.urls``: a URL without a row in ``RULES`` fails
``test_every_office_url_has_a_rule``, and so does a rule left behind for a URL that is gone.

The filing under test is addressed to 深圳市商务局 (440300), under 广东省商务厅 (440000):

- its officer reads everything and decides (200, and 302 after a decision);
- a supervisor of 广东省商务厅 reads (200) but every decision is refused: approve and
  开通用户 redirect back with a message, 退回 / 注销 / 备注 answer 400 with the message on
  the page, the officer-only password reset answers 404; nothing changes;
- the national admin reads everything and is refused every decision the same way;
- officers of other authorities (310000) and supervisors of other provinces (320000) get
  404 for anything about the filing, and never see it in a list;
- the enterprise owning it gets 404 everywhere in /office/, and anonymous visitors are
  sent to the login page.
"""

import re
from dataclasses import dataclass, field
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from django.test import Client
from django.urls import reverse

from tradereg.accounts.models import AccountClaim, User
from tradereg.accounts.services import staff_user_create
from tradereg.accounts.tests.otp import login_verified
from tradereg.audit.models import AuditEvent
from tradereg.filings import services
from tradereg.filings.models import Filing, FilingEvent, Method, Note, Status
from tradereg.filings.tests.factories import PASSWORD, authority, filing_data, make_filing
from tradereg.notifications.models import OutboundEmail
from tradereg.office import urls as office_urls

pytestmark = pytest.mark.usefixtures("reference_data")

BACKEND = "tradereg.accounts.backends.UsernameOrEmailBackend"
LOGIN = "login"  # a redirect to the login page

ROLES = (
    "anonymous",
    "owner",
    "officer",
    "other_officer",
    "supervisor",
    "other_supervisor",
    "admin",
)
IN_SCOPE = ("officer", "supervisor", "admin")  # staff who may see the filing
READ_ONLY = ("supervisor", "admin")  # staff who see it but may not decide

DECISIONS = FilingEvent.objects.filter(kind__in=FilingEvent.DECISIONS)


@dataclass(frozen=True)
class Rule:
    method: str
    target: str  # what fills the URL: "reported", "approved", "legacy", "owner" or ""
    expected: dict[str, object]  # role → status code (or LOGIN)
    refusal: str = ""  # the message read-only staff get instead of the decision
    data: dict = field(default_factory=dict)
    query: str = ""


def reads(**overrides) -> dict[str, object]:
    """A page that staff in scope may read."""
    expected = {
        "anonymous": LOGIN,
        "owner": 404,
        "officer": 200,
        "other_officer": 404,
        "supervisor": 200,
        "other_supervisor": 404,
        "admin": 200,
    }
    expected.update(overrides)
    return expected


def decides(read_only: int) -> dict[str, object]:
    """A decision: the officer's POST redirects; read-only staff get ``read_only``."""
    return reads(officer=302, supervisor=read_only, admin=read_only)


RULES: dict[str, Rule] = {
    # Lists answer every staff member, with only what is in their scope (checked below).
    "office:queue": Rule("get", "", reads(other_officer=200, other_supervisor=200)),
    "office:accounts": Rule(
        "get", "", reads(other_officer=200, other_supervisor=200), query="?q={system_no}"
    ),
    "office:review": Rule("get", "reported", reads()),
    "office:approve": Rule(
        "post", "reported", decides(302), refusal="只有该备案登记机关的工作人员可以审核。"
    ),
    "office:return": Rule(
        "post",
        "reported",
        decides(400),
        refusal="只有该备案登记机关的工作人员可以退回。",
        data={"reason": "营业执照复印件不清晰", "flag_attachments": ["business_licence"]},
    ),
    "office:cancel": Rule(
        "post",
        "approved",
        decides(400),
        refusal="只有该备案登记机关的工作人员可以注销。",
        data={"reason": "企业申请注销"},
    ),
    "office:note": Rule(
        "post",
        "reported",
        decides(400),
        refusal="只有该备案登记机关的工作人员可以添加备注。",
        data={"body": "已电话核实经营场所"},
    ),
    "office:claim": Rule(
        "post",
        "legacy",
        decides(302),
        refusal="只有该备案登记机关的工作人员可以开通用户。",
        data={"email": "legacy@example.cn"},
    ),
    # The reset mail is the officer's alone: to anyone else the account does not exist.
    "office:password_reset": Rule("post", "owner", decides(404)),
}

# Whether the POST had its effect, read back from the database.
EFFECTS = {
    "office:approve": lambda w: Filing.objects.get(pk=w["reported"].pk).status == Status.APPROVED,
    "office:return": lambda w: Filing.objects.get(pk=w["reported"].pk).status == Status.RETURNED,
    "office:cancel": lambda w: Filing.objects.get(pk=w["approved"].pk).status == Status.CANCELLED,
    "office:note": lambda w: Note.objects.filter(filing=w["reported"]).exists(),
    "office:claim": lambda w: AccountClaim.objects.filter(filing=w["legacy"]).exists(),
    "office:password_reset": lambda w: OutboundEmail.objects.filter(
        to=w["owner"].email, template="accounts/emails/password_reset"
    ).exists(),
}


def pattern_names() -> list[str]:
    names = []
    for pattern in office_urls.urlpatterns:
        assert pattern.name, f"unnamed URL pattern {pattern.pattern} in tradereg.office.urls"
        names.append(f"{office_urls.app_name}:{pattern.name}")
    return names


def pattern_kwargs(name: str) -> set[str]:
    short = name.split(":", 1)[1]
    pattern = next(p for p in office_urls.urlpatterns if p.name == short)
    return set(pattern.pattern.converters)


def test_every_office_url_has_a_rule():
    names = pattern_names()
    missing = [name for name in names if name not in RULES]
    assert not missing, f"office URLs without an authorisation rule: {missing}"
    stale = [name for name in RULES if name not in names]
    assert not stale, f"rules for office URLs that no longer exist: {stale}"
    assert set(EFFECTS) == {n for n, r in RULES.items() if r.method == "post"}


def test_every_office_url_is_closed_to_enterprises_and_to_other_authorities():
    for name, rule in RULES.items():
        assert rule.expected["anonymous"] == LOGIN, name
        assert rule.expected["owner"] == 404, name
        if pattern_kwargs(name):
            assert rule.expected["other_officer"] == 404, name
            assert rule.expected["other_supervisor"] == 404, name
        if rule.method == "post":
            # Only the filing authority's own officers decide.
            for role in READ_ONLY:
                assert rule.expected[role] != 200, name


def logged_in(user) -> Client:
    client = Client()
    login_verified(client, user)
    return client


def staff(username: str, role: str, code: str | None) -> User:
    return staff_user_create(
        username=username,
        password=PASSWORD,
        role=role,
        authority=authority(code) if code else None,
    )


@pytest.fixture
def world():
    """A reported and an approved filing of one enterprise at 深圳市商务局, a legacy filing
    without an account there, and one client per role."""
    reported = make_filing(status=Status.REPORTED, code="440300")
    owner = reported.owner
    approved = make_filing(status=Status.APPROVED, code="440300")
    Filing.objects.filter(pk=approved.pk).update(owner=owner)
    approved.refresh_from_db()
    legacy = services.filing_import(
        authority=authority("440300"),
        method=Method.USCC,
        data=filing_data(name_cn="深圳历史贸易有限公司"),
        approved_at=datetime(2012, 5, 4, 10, 0, tzinfo=ZoneInfo("Asia/Shanghai")),
    )
    people = {
        "owner": owner,
        "officer": staff("sz-officer", User.Role.OFFICER, "440300"),
        "other_officer": staff("sh-officer", User.Role.OFFICER, "310000"),
        "supervisor": staff("gd-supervisor", User.Role.SUPERVISOR, "440000"),
        "other_supervisor": staff("js-supervisor", User.Role.SUPERVISOR, "320000"),
        "admin": staff("mofcom-admin", User.Role.SYSTEM_ADMIN, None),
    }
    clients = {"anonymous": Client()}
    clients.update({role: logged_in(user) for role, user in people.items()})
    return {
        "reported": reported,
        "approved": approved,
        "legacy": legacy,
        "owner": owner,
        "people": people,
        "clients": clients,
    }


def url_for(name: str, world: dict) -> str:
    rule = RULES[name]
    kwargs = {}
    wanted = pattern_kwargs(name)
    if "pk" in wanted:
        kwargs["pk"] = world[rule.target].pk
    if "user_pk" in wanted:
        kwargs["user_pk"] = world[rule.target].pk
    query = rule.query.format(system_no=world["reported"].system_no)
    return reverse(name, kwargs=kwargs) + query


def send(client: Client, name: str, world: dict):
    rule = RULES[name]
    url = url_for(name, world)
    if rule.method == "get":
        return client.get(url)
    return client.post(url, {"revision": world["reported"].current_revision.number, **rule.data})


def state(world: dict) -> dict:
    """What a refused request must leave as it was."""
    return {
        "statuses": dict(Filing.objects.values_list("pk", "status")),
        "decisions": DECISIONS.count(),
        "notes": Note.objects.count(),
        "claims": AccountClaim.objects.count(),
        "mails": OutboundEmail.objects.count(),
        "decision_events": AuditEvent.objects.filter(
            event__in=[
                "filing_approved",
                "filing_returned",
                "filing_cancelled",
                "note_added",
                "account_claim_sent",
                "password_reset_sent",
            ]
        ).count(),
    }


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("name", pattern_names())
def test_authorisation_matrix(world, name, role):
    rule = RULES.get(name)
    assert rule is not None, f"{name} has no rule"
    expected = rule.expected[role]
    before = state(world)
    response = send(world["clients"][role], name, world)

    if expected == LOGIN:
        assert response.status_code == 302
        assert response["Location"].startswith("/accounts/login/?next=")
    else:
        assert response.status_code == expected, response.content.decode()[:2000]

    if rule.method == "get":
        if response.status_code == 200:
            # Lists show the filing only to staff in scope.
            if rule.target:
                shown = world[rule.target].system_no in response.content.decode()
            else:
                link = reverse("office:review", args=[world["reported"].pk])
                shown = f'href="{link}"' in response.content.decode()
            assert shown == (role in IN_SCOPE), f"{role} and the list of {name}"
        assert state(world) == before
        return

    done = EFFECTS[name](world)
    assert done == (role == "officer"), f"{name} by {role}"
    if role != "officer":
        assert state(world) == before, f"{name} by {role} changed something"
    if role in READ_ONLY and rule.refusal:
        if response.status_code == 302:
            page = world["clients"][role].get(response["Location"])
            assert page.status_code == 200
            body = page.content.decode()
        else:
            body = response.content.decode()
        assert rule.refusal in body


@pytest.mark.parametrize("name", [n for n, r in RULES.items() if r.method == "post"])
@pytest.mark.parametrize("role", ["officer", "supervisor", "admin"])
def test_decisions_need_a_post(world, name, role):
    before = state(world)
    response = world["clients"][role].get(url_for(name, world))
    assert response.status_code == 405
    assert state(world) == before


def without_csrf_token(content: bytes) -> bytes:
    return re.sub(rb'name="csrfmiddlewaretoken" value="[^"]*"', b"", content)


@pytest.mark.parametrize("role", ["owner", "other_officer", "other_supervisor"])
@pytest.mark.parametrize("name", [n for n in RULES if "pk" in pattern_kwargs(n)])
def test_out_of_scope_answer_is_the_same_as_for_a_missing_filing(world, name, role):
    """404 for a real filing of another authority looks like 404 for no filing at all."""
    rule = RULES[name]
    client = world["clients"][role]
    real = send(client, name, world)
    missing_url = reverse(name, kwargs={"pk": 999_999})
    missing = client.get(missing_url) if rule.method == "get" else client.post(missing_url)
    assert real.status_code == missing.status_code == 404
    assert without_csrf_token(real.content) == without_csrf_token(missing.content)


@pytest.mark.parametrize("role", READ_ONLY)
def test_read_only_staff_see_no_decision_buttons(world, role):
    client = world["clients"][role]
    for target in ("reported", "approved"):
        body = client.get(reverse("office:review", args=[world[target].pk])).content.decode()
        assert world[target].system_no in body
        for action in ("approve", "return", "cancel", "note"):
            assert reverse(f"office:{action}", args=[world[target].pk]) not in body, (
                f"{role} is offered {action} on the {target} filing"
            )
    accounts = client.get(reverse("office:accounts"), {"q": world["legacy"].system_no})
    body = accounts.content.decode()
    assert world["legacy"].system_no in body or "深圳历史贸易有限公司" in body
    assert reverse("office:claim", args=[world["legacy"].pk]) not in body
    owner_lookup = client.get(reverse("office:accounts"), {"q": world["reported"].system_no})
    assert world["owner"].username in owner_lookup.content.decode()
    assert (
        reverse("office:password_reset", args=[world["owner"].pk])
        not in owner_lookup.content.decode()
    )


def test_officer_is_offered_the_decisions_for_the_status(world):
    client = world["clients"]["officer"]
    reported = client.get(reverse("office:review", args=[world["reported"].pk])).content.decode()
    assert reverse("office:approve", args=[world["reported"].pk]) in reported
    assert reverse("office:return", args=[world["reported"].pk]) in reported
    assert reverse("office:cancel", args=[world["reported"].pk]) not in reported
    approved = client.get(reverse("office:review", args=[world["approved"].pk])).content.decode()
    assert reverse("office:cancel", args=[world["approved"].pk]) in approved
    assert reverse("office:approve", args=[world["approved"].pk]) not in approved


def test_supervisor_sees_the_authorities_under_the_province_only(world):
    """广东省商务厅 sees 深圳 and itself, not another province's cities."""
    elsewhere = make_filing(status=Status.REPORTED, code="320500")  # 苏州 under 江苏
    own = make_filing(status=Status.REPORTED, code="440000")
    body = world["clients"]["supervisor"].get(reverse("office:queue")).content.decode()
    assert world["reported"].system_no in body
    assert own.system_no in body
    assert elsewhere.system_no not in body
    other = world["clients"]["other_supervisor"].get(reverse("office:queue")).content.decode()
    assert elsewhere.system_no in other
    assert world["reported"].system_no not in other
    admin = world["clients"]["admin"].get(reverse("office:queue")).content.decode()
    assert all(
        n in admin for n in (world["reported"].system_no, own.system_no, elsewhere.system_no)
    )


def test_password_reset_is_refused_for_an_enterprise_of_another_authority(world):
    """The user id is in the URL: an officer cannot mail an enterprise that is not theirs."""
    stranger = make_filing(status=Status.REPORTED, code="310000").owner
    before = state(world)
    response = world["clients"]["officer"].post(
        reverse("office:password_reset", args=[stranger.pk])
    )
    assert response.status_code == 404
    assert state(world) == before
    # Nor can a staff account be targeted.
    response = world["clients"]["officer"].post(
        reverse("office:password_reset", args=[world["people"]["supervisor"].pk])
    )
    assert response.status_code == 404
    assert state(world) == before


def test_redirect_after_a_decision_stays_in_the_office(world):
    """The ``back`` field cannot send the officer to another site."""
    client = world["clients"]["officer"]
    response = client.post(
        reverse("office:claim", args=[world["legacy"].pk]),
        {"email": "legacy@example.cn", "back": "https://evil.example/office/"},
    )
    assert response.status_code == 302
    assert response["Location"] == "/office/accounts/"
    response = client.post(
        reverse("office:password_reset", args=[world["owner"].pk]),
        {"back": "//evil.example/"},
    )
    assert response.status_code == 302
    assert response["Location"] == "/office/accounts/"


def test_supervisor_and_admin_can_open_the_attachments_their_review_page_shows(world):
    """The review page embeds each attachment; a reader of the page can open it."""
    attachment = world["reported"].attachments.first()
    url = reverse("filings:attachment", args=[world["reported"].pk, attachment.pk])
    for role in IN_SCOPE:
        client = world["clients"][role]
        page = client.get(reverse("office:review", args=[world["reported"].pk])).content.decode()
        assert url in page
        response = client.get(url)
        assert response.status_code == 200, f"{role} sees the attachment but cannot open it"
        assert b"".join(response.streaming_content).startswith(b"%PDF")
    for role in ("other_officer", "other_supervisor"):
        assert world["clients"][role].get(url).status_code == 404
