"""打印登记表: the public print page, reached with the form's number and the operator's code."""

import ast
import re
import time
from pathlib import Path

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from tradereg.audit.models import AuditEvent
from tradereg.filings import services as filing_services
from tradereg.filings.models import FilingRevision, Status
from tradereg.filings.tests.factories import make_filing, make_officer
from tradereg.printing import selectors
from tradereg.printing.tests.helpers import cancel, logged_in, look_up, opened
from tradereg.printing.views import NOT_FOUND, PRINT_LIMIT

pytestmark = pytest.mark.usefixtures("reference_data")


def test_print_page_has_labelled_fields_and_submit(client):
    page = client.get("/print/").content.decode()
    assert '<label for="id_number"' in page
    assert "登记表编号" in page
    assert '<label for="id_code"' in page
    assert "统一社会信用代码或组织机构代码" in page
    assert "提交" in page


def test_form_no_and_uscc_open_the_approved_form(client, approved):
    revision = approved.approved_revision
    response = look_up(client, approved.form_no, revision.uscc)
    assert response.status_code == 302
    assert response["Location"] == f"/print/{approved.pk}/"
    page = client.get(response["Location"]).content.decode()
    assert revision.name_cn in page
    assert approved.form_no in page
    assert approved.ie_code in page
    assert "打印正面" in page
    assert "打印背面" in page
    assert "下载正面PDF" in page
    assert "下载背面PDF" in page
    assert revision.authority.name in page
    assert "尚未审核" not in page


def _without_typed_values(page: str) -> str:
    """The page without what differs between two requests: the typed values, the token."""
    page = re.sub(r'name="csrfmiddlewaretoken" value="[^"]*"', "", page)
    return re.sub(r'value="[^"]*"', 'value=""', page)


@pytest.mark.parametrize("status", [Status.DRAFT, Status.REPORTED, Status.RETURNED])
def test_a_filing_never_approved_is_refused_exactly_like_a_wrong_pair(status):
    filing = make_filing(status=status)
    revision = filing.current_revision
    other = revision.uscc[:-1] + ("0" if revision.uscc[-1] != "0" else "1")
    right_pair = look_up(Client(), filing.system_no, revision.uscc)
    wrong_pair = look_up(Client(), filing.system_no, other)
    page = _refused(right_pair)
    assert _without_typed_values(page) == _without_typed_values(_refused(wrong_pair))
    assert revision.name_cn not in page
    assert AuditEvent.objects.filter(event="form_print_refused").count() == 2
    assert not AuditEvent.objects.filter(event="form_print_opened").exists()


def test_after_approval_the_form_opens_by_system_no_and_by_form_no():
    filing = make_filing(status=Status.REPORTED)
    revision = filing.current_revision
    _refused(look_up(Client(), filing.system_no, revision.uscc))
    filing = filing_services.filing_approve(
        filing=filing, acting_user=make_officer(code=filing.authority.code)
    )
    for number in (filing.system_no, filing.form_no):
        client = Client()
        response = look_up(client, number, revision.uscc)
        assert response.status_code == 302
        page = client.get(response["Location"]).content.decode()
        assert revision.name_cn in page
        assert "尚未审核" not in page
        assert "核验码" in page


def test_the_draft_application_form_stays_the_owners(draft):
    """The owner prints the draft behind login; the public print never opens it."""
    page = logged_in(draft.owner).get(f"/filing/{draft.pk}/application-form/").content.decode()
    assert "申请表 · 尚未审核" in page
    assert draft.current_revision.id_number in page
    assert Client().get(f"/print/{draft.pk}/").status_code == 404


def test_system_no_opens_an_approved_filing_too(client, approved):
    response = look_up(client, approved.system_no, approved.approved_revision.uscc)
    assert response.status_code == 302


@pytest.mark.parametrize(
    "code",
    [
        lambda r: r.uscc[8:17],  # the organisation code inside the USCC
        lambda r: r.uscc.lower(),
        lambda r: " ".join([r.uscc[:6], r.uscc[6:12], r.uscc[12:]]),
        lambda r: r.uscc.translate({c: c + 0xFEE0 for c in range(0x21, 0x7F)}),  # full width
        lambda r: f"{r.uscc[8:16]}-{r.uscc[16]}",
    ],
    ids=["org-code", "lower", "spaces", "full-width", "hyphen"],
)
def test_code_is_normalised_and_org_code_accepted(client, approved, code):
    response = look_up(client, approved.form_no, code(approved.approved_revision))
    assert response.status_code == 302


def test_number_with_spaces_accepted(client, approved):
    number = f"{approved.form_no[:4]} {approved.form_no[4:]}"
    assert look_up(client, number, approved.approved_revision.uscc).status_code == 302


def _refused(response) -> str:
    assert response.status_code == 200
    page = response.content.decode()
    assert str(NOT_FOUND) in page
    return page


def test_wrong_code_refused_neutrally(client, approved):
    other = approved.approved_revision.uscc[:-1] + (
        "0" if approved.approved_revision.uscc[-1] != "0" else "1"
    )
    wrong_code = _refused(look_up(client, approved.form_no, other))
    wrong_number = _refused(look_up(client, "99999999", approved.approved_revision.uscc))
    assert approved.approved_revision.name_cn not in wrong_code
    # Same message whichever half was wrong: the page does not tell them apart.
    for page in (wrong_code, wrong_number):
        assert "代码错误" not in page
        assert "编号不存在" not in page
    assert client.get(f"/print/{approved.pk}/").status_code == 404
    events = AuditEvent.objects.filter(event="form_print_refused")
    assert events.count() == 2
    assert all(other not in str(event.data) for event in events)  # the code is not kept


def test_number_of_one_filing_with_the_code_of_another_refused(client, approved, draft):
    _refused(look_up(client, approved.form_no, draft.current_revision.uscc))
    _refused(look_up(client, draft.system_no, approved.approved_revision.uscc))


def test_malformed_number_explained_next_to_the_field(client, approved):
    response = look_up(client, "12345", approved.approved_revision.uscc)
    assert "请输入12位备案登记系统编号或8位备案登记表编号" in response.content.decode()
    assert 'value="12345"' in response.content.decode()  # nothing typed is lost


def test_lookup_is_rate_limited_per_client(approved):
    client = Client()
    revision = approved.approved_revision
    for _ in range(PRINT_LIMIT):
        _refused(look_up(client, "99999999", revision.uscc))
    response = look_up(client, approved.form_no, revision.uscc)
    assert response.status_code == 200
    assert "查询过于频繁" in response.content.decode()
    # another client address is not affected
    other = Client(REMOTE_ADDR="10.9.8.7")
    assert look_up(other, approved.form_no, revision.uscc).status_code == 302


def test_result_needs_the_lookup_in_this_session(approved):
    client = opened(approved)
    assert client.get(f"/print/{approved.pk}/").status_code == 200
    for stranger in (Client(), logged_in(approved.owner)):
        assert stranger.get(f"/print/{approved.pk}/").status_code == 404
        assert stranger.get(f"/print/{approved.pk}/front.pdf").status_code == 404


def test_lookup_grant_expires(approved, monkeypatch):
    client = opened(approved)
    later = time.time() + 31 * 60
    monkeypatch.setattr(time, "time", lambda: later)
    assert client.get(f"/print/{approved.pk}/").status_code == 404


def test_pending_change_shows_the_approved_revision(changing):
    assert changing.current_revision_id != changing.approved_revision_id
    approved_name = changing.approved_revision.name_cn
    pending_name = changing.current_revision.name_cn
    assert approved_name != pending_name
    for by in ("form_no", "system_no"):
        page = opened(changing, by=by).get(f"/print/{changing.pk}/").content.decode()
        assert approved_name in page
        assert pending_name not in page
        assert "尚未审核" not in page


def test_cancelled_filing_is_marked(approved):
    client = opened(approved)
    cancel(approved)
    page = client.get(f"/print/{approved.pk}/").content.decode()
    assert approved.approved_revision.name_cn in page
    assert "已注销" in page
    assert 'class="watermark"' in page


def test_public_print_masks_the_id_number(approved):
    revision = approved.approved_revision
    page = opened(approved).get(f"/print/{approved.pk}/").content.decode()
    assert revision.id_number not in page
    assert revision.masked_id_number in page
    # An 18-digit ID number keeps three characters at each end: 12 of 18 hidden.
    assert revision.masked_id_number == revision.id_number[:3] + "*" * 12 + revision.id_number[-3:]


def test_successful_lookup_audited(client, approved):
    look_up(client, approved.form_no, approved.approved_revision.uscc)
    event = AuditEvent.objects.get(event="form_print_opened")
    assert event.filing_id == approved.pk
    assert event.data == {"number": approved.form_no}


def test_logged_in_enterprise_sees_its_own_filings_to_print(approved):
    page = logged_in(approved.owner).get("/print/").content.decode()
    assert f"/filing/{approved.pk}/application-form/" in page


def test_result_pages_are_not_cached(approved):
    response = opened(approved).get(f"/print/{approved.pk}/")
    assert "no-store" in response["Cache-Control"]


# --- the public print reads the published copy only ---------------------------------------


def test_public_print_touches_no_filing_table(approved):
    client = Client()
    revision = approved.approved_revision
    with CaptureQueriesContext(connection) as queries:
        response = look_up(client, approved.form_no, revision.uscc)
        assert response.status_code == 302
        assert client.get(response["Location"]).status_code == 200
        assert client.get(f"/print/{approved.pk}/front.pdf").status_code == 200
        assert client.get(f"/print/{approved.pk}/back.pdf").status_code == 200
    sql = [query["sql"] for query in queries.captured_queries]
    assert any("registry_publishedform" in statement for statement in sql)
    assert not [statement for statement in sql if "filings_" in statement]


def test_public_print_shows_what_was_published_not_the_filing_tables(approved):
    """Were the print to read the revision, a later write there would show through."""
    revision = approved.approved_revision
    FilingRevision.objects.filter(pk=revision.pk).update(name_cn="后来写入的名称有限公司")
    page = opened(approved).get(f"/print/{approved.pk}/").content.decode()
    assert revision.name_cn in page
    assert "后来写入的名称有限公司" not in page


def test_public_selectors_import_nothing_from_filings():
    tree = ast.parse(Path(selectors.__file__).read_text(encoding="utf-8"))
    imported = {
        node.module or "" for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)
    } | {
        alias.name
        for node in ast.walk(tree)
        if isinstance(node, ast.Import)
        for alias in node.names
    }
    assert not [name for name in imported if name.startswith("tradereg.filings")]
    assert "tradereg.registry.models" in imported
