"""Who may open which enterprise URL (DESIGN.md: nobody sees or changes what is not theirs).

The matrix is built from ``tradereg.filings.urls`` and ``tradereg.printing.urls``: a new
URL without a row in ``RULES`` fails ``test_every_url_has_a_rule``.
"""

from dataclasses import dataclass

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse

from tradereg.accounts.tests.otp import login_verified
from tradereg.audit.models import AuditEvent
from tradereg.filings import urls as filing_urls
from tradereg.filings.models import Attachment, Filing, Status
from tradereg.filings.tests.factories import (
    attach_required,
    form_post,
    make_filing,
    make_officer,
    pdf_upload,
)
from tradereg.printing import urls as printing_urls

pytestmark = pytest.mark.usefixtures("reference_data")

BACKEND = "tradereg.accounts.backends.UsernameOrEmailBackend"
LOGIN = "login"  # a redirect to the login page
ROLES = ("anonymous", "owner", "other_enterprise", "officer", "other_officer")


@dataclass(frozen=True)
class Rule:
    method: str
    # expected status (or LOGIN) per role
    anonymous: object
    owner: object
    other_enterprise: object
    officer: object
    other_officer: object
    query: str = ""
    public: bool = False  # no filing of anyone is shown: the role does not matter


SCOPED_GET = dict(anonymous=LOGIN, owner=200, other_enterprise=404, officer=404, other_officer=404)
SCOPED_POST = dict(anonymous=LOGIN, owner=302, other_enterprise=404, officer=404, other_officer=404)

RULES: dict[str, Rule] = {
    "filings:new": Rule("get", 200, 200, 200, 200, 200, public=True),
    "filings:new_form": Rule(
        "get", 200, 200, 200, 200, 200, query="?authority=110000&method=uscc", public=True
    ),
    "filings:new_done": Rule("get", 302, 302, 302, 302, 302, public=True),
    # Only a live one-time link opens it; an unknown token is the same 404 for everyone.
    "filings:claim": Rule("get", 404, 404, 404, 404, 404, public=True),
    "filings:my": Rule("get", LOGIN, 200, 200, 302, 302),
    "filings:list": Rule("get", LOGIN, 200, 200, 200, 200),
    "filings:detail": Rule("get", **SCOPED_GET),
    "filings:history": Rule("get", **SCOPED_GET),
    "filings:edit": Rule("get", **SCOPED_GET),
    "filings:report": Rule("post", **SCOPED_POST),
    "filings:attachment_upload": Rule("post", **SCOPED_POST),
    "filings:attachment": Rule(
        "get", anonymous=LOGIN, owner=200, other_enterprise=404, officer=200, other_officer=404
    ),
    "filings:attachment_delete": Rule("post", **SCOPED_POST),
    "printing:print": Rule("get", 200, 200, 200, 200, 200, public=True),
    "printing:blank_forms": Rule("get", 200, 200, 200, 200, 200, public=True),
    # Reached only by the session that looked the form up on /print/ with both factors.
    "printing:print_result": Rule("get", 404, 404, 404, 404, 404),
    "printing:print_pdf_front": Rule("get", 404, 404, 404, 404, 404),
    "printing:print_pdf_back": Rule("get", 404, 404, 404, 404, 404),
    "printing:application_pdf_front": Rule(
        "get", anonymous=404, owner=200, other_enterprise=404, officer=404, other_officer=404
    ),
    "printing:application_pdf_back": Rule(
        "get", anonymous=404, owner=200, other_enterprise=404, officer=404, other_officer=404
    ),
    "printing:blank_pdf_front": Rule("get", 200, 200, 200, 200, 200, public=True),
    "printing:blank_pdf_back": Rule("get", 200, 200, 200, 200, 200, public=True),
    "printing:verify": Rule("get", 200, 200, 200, 200, 200, public=True),
    "printing:verify_code": Rule("get", 404, 404, 404, 404, 404, public=True),  # never issued
    "printing:application_form": Rule(
        "get", anonymous=404, owner=200, other_enterprise=404, officer=404, other_officer=404
    ),
}


def pattern_names() -> list[str]:
    names = []
    for module in (filing_urls, printing_urls):
        for pattern in module.urlpatterns:
            assert pattern.name, f"unnamed URL pattern {pattern.pattern} in {module.__name__}"
            names.append(f"{module.app_name}:{pattern.name}")
    return names


def pattern_kwargs(name: str) -> set[str]:
    module = filing_urls if name.startswith("filings:") else printing_urls
    short = name.split(":", 1)[1]
    pattern = next(p for p in module.urlpatterns if p.name == short)
    return set(pattern.pattern.converters)


def test_every_url_has_a_rule():
    names = pattern_names()
    missing = [name for name in names if name not in RULES]
    assert not missing, f"URLs without an authorisation rule: {missing}"
    stale = [name for name in RULES if name not in names]
    assert not stale, f"rules for URLs that no longer exist: {stale}"


def test_every_filing_url_with_an_id_is_scoped():
    for name in pattern_names():
        if "pk" in pattern_kwargs(name):
            rule = RULES[name]
            assert not rule.public
            assert rule.other_enterprise == 404
            assert rule.other_officer == 404


def logged_in(user) -> Client:
    client = Client()
    login_verified(client, user)
    return client


@pytest.fixture
def world():
    """A's draft filing at 北京 with both attachments, B's filing, and two officers."""
    filing = make_filing(code="110000")
    attach_required(filing)
    other = make_filing(code="110000")
    return {
        "filing": filing,
        "attachment": filing.attachments.get(kind="signed_form"),
        "clients": {
            "anonymous": Client(),
            "owner": logged_in(filing.owner),
            "other_enterprise": logged_in(other.owner),
            "officer": logged_in(make_officer(code="110000")),
            "other_officer": logged_in(make_officer(code="310000")),
        },
        "other": other,
    }


def request(client: Client, name: str, world: dict):
    rule = RULES[name]
    kwargs = {}
    wanted = pattern_kwargs(name)
    if "pk" in wanted:
        kwargs["pk"] = world["filing"].pk
    if "attachment_pk" in wanted:
        kwargs["attachment_pk"] = world["attachment"].pk
    if "code" in wanted:
        kwargs["code"] = "0000000000"
    if "token" in wanted:
        kwargs["token"] = "not-a-token"
    url = reverse(name, kwargs=kwargs) + rule.query
    if rule.method == "get":
        return client.get(url)
    data = {}
    if name == "filings:attachment_upload":
        data = {"kind": "other", "file": pdf_upload()}
    return client.post(url, data)


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("name", pattern_names())
def test_authorisation_matrix(world, name, role):
    rule = RULES.get(name)
    assert rule is not None, f"{name} has no rule"
    expected = getattr(rule, role)
    response = request(world["clients"][role], name, world)
    if expected == LOGIN:
        assert response.status_code == 302
        assert response["Location"].startswith("/accounts/login/?next=")
    else:
        assert response.status_code == expected
    if response.streaming:
        response.close()
    elif role != "owner" and response.status_code == 200 and not rule.public:
        assert world["filing"].system_no.encode() not in response.content


@pytest.mark.parametrize("role", ["anonymous", "other_enterprise", "officer", "other_officer"])
def test_nobody_but_the_owner_changes_the_filing(world, role):
    filing = world["filing"]
    before = (filing.status, filing.current_revision_id, filing.attachments.count())
    for name in ("filings:report", "filings:attachment_upload", "filings:attachment_delete"):
        request(world["clients"][role], name, world)
    filing.refresh_from_db()
    assert (filing.status, filing.current_revision_id, filing.attachments.count()) == before
    assert (
        not AuditEvent.objects.filter(
            filing=filing, event__in=["filing_reported", "attachment_added", "attachment_deleted"]
        )
        .exclude(actor=filing.owner)
        .exists()
    )


def test_other_enterprise_cannot_report(world):
    filing = world["filing"]
    response = world["clients"]["other_enterprise"].post(f"/my/filings/{filing.pk}/report/")
    assert response.status_code == 404
    filing.refresh_from_db()
    assert filing.status == Status.DRAFT


def test_other_enterprise_cannot_edit(world):
    filing = world["filing"]
    revision = filing.current_revision
    data = form_post(
        uscc=revision.uscc,
        registration_no=revision.registration_no,
        email="intruder@example.cn",
        authority="310000",
    )
    response = world["clients"]["other_enterprise"].post(f"/my/filings/{filing.pk}/edit/", data)
    assert response.status_code == 404
    filing.refresh_from_db()
    assert filing.current_revision_id == revision.pk
    assert filing.authority.code == "110000"
    assert filing.revisions.count() == 1


def test_other_enterprise_cannot_edit_reported_filing():
    filing = make_filing(status=Status.REPORTED)
    other = make_filing()
    revision = filing.current_revision
    data = form_post(uscc=revision.uscc, registration_no=revision.registration_no)
    response = logged_in(other.owner).post(f"/my/filings/{filing.pk}/edit/", data)
    assert response.status_code == 404
    filing.refresh_from_db()
    assert filing.revisions.count() == 1
    assert filing.status == Status.REPORTED


def test_other_enterprise_cannot_delete_attachment(world):
    filing, attachment = world["filing"], world["attachment"]
    response = world["clients"]["other_enterprise"].post(
        f"/my/filings/{filing.pk}/attachments/{attachment.pk}/delete/"
    )
    assert response.status_code == 404
    assert Attachment.objects.filter(pk=attachment.pk).exists()


def test_other_enterprise_cannot_upload(world):
    filing = world["filing"]
    response = world["clients"]["other_enterprise"].post(
        f"/my/filings/{filing.pk}/attachments/", {"kind": "signed_form", "file": pdf_upload()}
    )
    assert response.status_code == 404
    assert filing.attachments.count() == 2
    assert filing.attachments.get(kind="signed_form").pk == world["attachment"].pk


def test_attachment_id_under_own_filing_id_is_not_served(world):
    """URL tampering: B's filing id with A's attachment id."""
    other, attachment = world["other"], world["attachment"]
    client = world["clients"]["other_enterprise"]
    response = client.get(f"/my/filings/{other.pk}/attachments/{attachment.pk}/")
    assert response.status_code == 404
    response = client.get(f"/my/filings/{other.pk}/attachments/{attachment.pk}/?download=1")
    assert response.status_code == 404


def test_attachment_id_under_own_filing_id_is_not_deleted(world):
    other, attachment = world["other"], world["attachment"]
    world["clients"]["other_enterprise"].post(
        f"/my/filings/{other.pk}/attachments/{attachment.pk}/delete/"
    )
    assert Attachment.objects.filter(pk=attachment.pk).exists()


def test_officer_cannot_reach_attachment_through_another_filing_id(world):
    """An officer of 上海 may not reach a 北京 attachment under a 上海 filing's id."""
    shanghai = make_filing(code="310000")
    response = world["clients"]["other_officer"].get(
        f"/my/filings/{shanghai.pk}/attachments/{world['attachment'].pk}/"
    )
    assert response.status_code == 404


def test_officer_follows_the_filing_when_its_authority_changes(world):
    filing = make_filing(status=Status.REPORTED, code="110000")
    attachment = filing.attachments.first()
    revision = filing.current_revision
    data = form_post(
        uscc=revision.uscc,
        registration_no=revision.registration_no,
        email=revision.email,
        authority="310000",
    )
    logged_in(filing.owner).post(f"/my/filings/{filing.pk}/edit/", data)
    filing.refresh_from_db()
    assert filing.authority.code == "310000"
    url = f"/my/filings/{filing.pk}/attachments/{attachment.pk}/"
    assert world["clients"]["officer"].get(url).status_code == 404
    assert world["clients"]["other_officer"].get(url).status_code == 200


def test_unknown_filing_and_attachment_ids_are_404(world):
    client = world["clients"]["owner"]
    missing = Filing.objects.order_by("-pk").first().pk + 100
    assert client.get(f"/my/filings/{missing}/").status_code == 404
    filing = world["filing"]
    missing_attachment = Attachment.objects.order_by("-pk").first().pk + 100
    response = client.get(f"/my/filings/{filing.pk}/attachments/{missing_attachment}/")
    assert response.status_code == 404


# --- attachment files are not public ----------------------------------------------------


def test_attachment_files_are_not_served_by_any_public_url(world):
    attachment = world["attachment"]
    name = attachment.file.name
    assert name.startswith("attachments/")
    client = world["clients"]["owner"]
    for url in (f"/media/{name}", f"/{name}", f"/static/{name}", attachment.file.url):
        assert client.get(url).status_code == 404, url
    assert Client().get(f"/media/{name}").status_code == 404


def test_media_root_is_outside_static_files():
    media = settings.MEDIA_ROOT.resolve()
    for static in (settings.STATIC_ROOT, *settings.STATICFILES_DIRS):
        static = static.resolve()
        assert not media.is_relative_to(static)
        assert not static.is_relative_to(media)


def test_no_url_pattern_serves_media():
    from django.urls import get_resolver

    def walk(patterns, prefix=""):
        for pattern in patterns:
            route = prefix + str(pattern.pattern)
            if hasattr(pattern, "url_patterns"):
                yield from walk(pattern.url_patterns, route)
            else:
                yield route, pattern.callback

    for route, callback in walk(get_resolver().url_patterns):
        assert not route.startswith("media"), route
        assert getattr(callback, "__name__", "") != "serve", route
