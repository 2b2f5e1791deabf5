"""The REST API's reads: search (the same as 经营者信息查询), one operator, verification,
errors as JSON with stable codes, rate-limit headers and 429, keys and scopes, and no
database write on a public GET."""

import re
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from tradereg.common.replica import public_reads_active
from tradereg.filings import services as filing_services
from tradereg.filings.models import Status
from tradereg.filings.tests.factories import make_officer
from tradereg.opendata import cursors
from tradereg.opendata.limits import guarded
from tradereg.opendata.models import ApiKey
from tradereg.opendata.services import api_key_revoke
from tradereg.registry.models import PublishedForm, PublishedOperator
from tradereg.registry.tests.helpers import published

from .helpers import approved, change_approved, key_for, system_admin

pytestmark = pytest.mark.usefixtures("reference_data")

WORDS = ["华兴", "进出口", "Huaxing", "贸易", "兴业", "东方", "co", "没有"]


def api_all(client, query: str, limit: int = 3, **headers) -> list[str]:
    """Every result of ``query`` through the API, following next_cursor to the end."""
    codes, after = [], None
    while True:
        params = {"q": query, "limit": limit, **({"after": after} if after else {})}
        body = client.get("/api/v1/operators", params, **headers).json()
        codes += [row["ie_code"] for row in body["results"]]
        after = body["next_cursor"]
        if after is None:
            return codes


def page_all(client, query: str) -> list[str]:
    """Every result of ``query`` on 经营者信息查询, following 下一页 to the end."""
    codes, url = [], f"/operators/?q={query}"
    while url:
        content = client.get(url).content.decode()
        codes += re.findall(r'<td class="number">(\d{13})</td>', content)
        after = re.search(r'rel="next" href="\?q=[^&]*&amp;after=([\d.]+)"', content)
        url = f"/operators/?q={query}&after={after[1]}" if after else None
    return codes


@pytest.fixture
def register(db):
    """Generated operators whose names share fragments, approved over a few weeks."""
    now = timezone.now()
    parts = ["华兴", "东方", "进出口", "贸易", "兴业"]
    rows = []
    for n in range(45):
        name = f"北京{parts[n % 5]}{parts[(n * 3) % 5]}有限公司{n}"
        english = "Huaxing Trading Co." if n % 4 == 0 else "Eastern Co."
        rows.append(
            published(name_cn=name, name_en=english, approved_at=now - timedelta(hours=7 * n))
        )
    return rows


def test_api_search_returns_what_the_page_returns(client, settings, register):
    settings.API_RATE_ANONYMOUS_PER_MINUTE = 1000
    for query in [*WORDS, register[3].ie_code, register[5].org_code]:
        from_page = page_all(client, query)
        assert from_page or query == "没有"
        assert api_all(client, query) == from_page, query
        assert api_all(client, query, limit=50) == from_page, query


def test_search_cursor_is_stable_under_inserts(client, register):
    first = client.get("/api/v1/operators", {"q": "华兴", "limit": 4}).json()
    seen = [row["ie_code"] for row in first["results"]]
    published(name_cn="北京华兴新设有限公司", approved_at=timezone.now())
    rest = api_all_after(client, "华兴", first["next_cursor"])
    assert not set(seen) & set(rest)
    expected = [row.ie_code for row in register if "华兴" in row.name_cn]
    assert seen + rest == expected


def api_all_after(client, query, after):
    codes = []
    while after:
        body = client.get("/api/v1/operators", {"q": query, "limit": 4, "after": after}).json()
        codes += [row["ie_code"] for row in body["results"]]
        after = body["next_cursor"]
    return codes


def test_search_errors_have_stable_codes(client, register):
    short = client.get("/api/v1/operators", {"q": "华"})
    assert short.status_code == 422
    assert short.json()["code"] == "query_too_short"
    assert short.json()["message_zh"] == "请至少输入两个字（汉字、字母或数字）。"
    bad = client.get("/api/v1/operators", {"q": "华兴", "after": "not-a-cursor"})
    assert (bad.status_code, bad.json()["code"]) == (400, "cursor_invalid")
    foreign = cursors.change_cursor(5)
    assert client.get("/api/v1/operators", {"q": "华兴", "after": foreign}).status_code == 400
    limit = client.get("/api/v1/operators", {"q": "华兴", "limit": 0})
    assert (limit.status_code, limit.json()["code"]) == (422, "validation_error")
    assert "limit" in limit.json()["message_en"]
    missing = client.get("/api/v1/operators")
    assert (missing.status_code, missing.json()["code"]) == (422, "validation_error")
    nul = client.get("/api/v1/operators", {"q": "华兴\x00"})
    assert (nul.status_code, nul.json()["code"]) == (422, "q_invalid")
    root = client.get("/api/v1/")
    assert (root.status_code, root.json()["code"]) == (404, "not_found")
    post = client.post("/api/v1/operators?q=华兴")
    assert (post.status_code, post.json()["code"], post["Allow"]) == (
        405,
        "method_not_allowed",
        "GET",
    )
    for body in (short, bad, limit, post):
        assert set(body.json()) == {"code", "message_zh", "message_en"}


def test_operator_detail_shows_the_public_fields_and_the_current_code(client):
    filing = approved(name_cn="北京华兴进出口有限公司")
    response = client.get(f"/api/v1/operators/{filing.ie_code}")
    assert response.status_code == 200
    body = response.json()
    operator = PublishedOperator.objects.get(filing_id=filing.pk)
    form = PublishedForm.objects.get(filing_id=filing.pk)
    assert body["name_cn"] == "北京华兴进出口有限公司"
    assert body["status"] == "approved"
    assert body["authority_name"] == operator.authority_name
    assert body["approved_on"] == timezone.localdate(operator.approved_at).isoformat()
    assert body["verification_code"] == form.code
    assert "id_number" not in str(body)
    assert "representative" not in body
    assert form.masked_id_number not in response.content.decode()
    spaced = f"{filing.ie_code[:4]} {filing.ie_code[4:]}".lower()
    assert client.get(f"/api/v1/operators/{spaced}").json()["ie_code"] == filing.ie_code


def test_operator_detail_errors(client):
    missing = client.get("/api/v1/operators/1100000000000")
    assert (missing.status_code, missing.json()["code"]) == (404, "operator_not_found")
    wrong = client.get("/api/v1/operators/12345")
    assert (wrong.status_code, wrong.json()["code"]) == (422, "ie_code_invalid")


def test_verify_says_current_superseded_and_cancelled(client):
    officer = make_officer(code="110000")
    filing = approved(officer=officer)
    first = PublishedForm.objects.get(filing_id=filing.pk).code
    body = client.get(f"/api/v1/verify/{first}").json()
    assert (body["genuine"], body["result"]) == (True, "current")
    assert body["form"]["verification_code"] == first
    assert body["message_zh"].startswith("真实有效")

    filing = change_approved(filing, officer=officer)
    second = PublishedForm.objects.get(
        filing_id=filing.pk, revision_number=filing.approved_revision.number
    ).code
    assert client.get(f"/api/v1/verify/{first}").json()["result"] == "superseded"
    assert client.get(f"/api/v1/verify/{second.lower()}").json()["result"] == "current"

    filing_services.filing_cancel(filing=filing, acting_user=officer, reason="企业申请注销")
    body = client.get(f"/api/v1/verify/{second}").json()
    assert (body["result"], body["operator_status"]) == ("cancelled", "cancelled")
    assert client.get(f"/api/v1/operators/{filing.ie_code}").json()["status"] == "cancelled"


def test_verify_errors(client):
    unknown = client.get("/api/v1/verify/0000000000")
    assert (unknown.status_code, unknown.json()["code"]) == (404, "verification_code_not_found")
    malformed = client.get("/api/v1/verify/abc")
    assert (malformed.status_code, malformed.json()["code"]) == (422, "verification_code_invalid")


# --- limits, keys and scopes -----------------------------------------------------------


def test_every_answer_carries_the_rate_limit_and_a_refusal_says_when(client, settings):
    settings.API_RATE_ANONYMOUS_PER_MINUTE = 3
    answers = [client.get("/api/v1/changes") for _ in range(3)]
    assert [a["RateLimit-Remaining"] for a in answers] == ["2", "1", "0"]
    assert all(a["RateLimit-Limit"] == "3" for a in answers)
    assert all(1 <= int(a["RateLimit-Reset"]) <= 60 for a in answers)
    refused = client.get("/api/v1/operators/1100000000000")
    assert refused.status_code == 429
    assert refused.json()["code"] == "rate_limited"
    assert 1 <= int(refused["Retry-After"]) <= 60
    assert refused["RateLimit-Remaining"] == "0"
    other = client.get("/api/v1/changes", REMOTE_ADDR="192.0.2.7")
    assert other.status_code == 200


def test_a_key_gets_its_own_higher_limit_by_either_header(client, settings):
    settings.API_RATE_ANONYMOUS_PER_MINUTE = 1
    settings.API_RATE_KEY_PER_MINUTE = 5
    key = key_for()
    assert client.get("/api/v1/changes").status_code == 200
    assert client.get("/api/v1/changes").status_code == 429
    bearer = client.get("/api/v1/changes", HTTP_AUTHORIZATION=f"Bearer {key}")
    assert (bearer.status_code, bearer["RateLimit-Limit"]) == (200, "5")
    header = client.get("/api/v1/changes", HTTP_X_API_KEY=key)
    assert (header.status_code, header["RateLimit-Remaining"]) == (200, "3")


def test_a_wrong_or_revoked_key_is_refused(client):
    admin = system_admin()
    key = key_for(admin=admin)
    wrong = client.get("/api/v1/changes", HTTP_X_API_KEY=key + "x")
    assert (wrong.status_code, wrong.json()["code"]) == (401, "api_key_invalid")
    assert "RateLimit-Limit" in wrong
    api_key_revoke(api_key=ApiKey.objects.get(), acting_user=admin)
    revoked = client.get("/api/v1/changes", HTTP_AUTHORIZATION=f"Bearer {key}")
    assert (revoked.status_code, revoked.json()["code"]) == (401, "api_key_invalid")


def test_a_key_reads_only_its_scopes(client):
    key = key_for(scopes=["read"])
    assert client.get("/api/v1/verify/0000000000", HTTP_X_API_KEY=key).status_code == 404
    refused = client.get("/api/v1/changes", HTTP_X_API_KEY=key)
    assert (refused.status_code, refused.json()["code"]) == (403, "scope_missing")
    assert client.get("/api/v1/snapshots", HTTP_X_API_KEY=key).status_code == 403


def test_last_use_is_written_at_most_once_a_minute(client):
    key = key_for()
    client.get("/api/v1/changes", HTTP_X_API_KEY=key)
    first = ApiKey.objects.get().last_used_at
    assert first is not None
    with CaptureQueriesContext(connection) as queries:
        client.get("/api/v1/changes", HTTP_X_API_KEY=key)
    assert ApiKey.objects.get().last_used_at == first
    assert not [q for q in queries if not q["sql"].lstrip().upper().startswith("SELECT")]


def test_public_gets_write_nothing_to_the_database(client, register):
    filing = approved()
    code = PublishedForm.objects.get(filing_id=filing.pk).code
    urls = [
        "/api/v1/operators?q=华兴",
        f"/api/v1/operators/{filing.ie_code}",
        f"/api/v1/verify/{code}",
        "/api/v1/changes",
        "/api/v1/snapshots",
        "/api/v1/openapi.json",
        "/api/v1/operators?q=华",
        "/api/v1/verify/0000000000",
    ]
    with CaptureQueriesContext(connection) as queries:
        for url in urls:
            assert client.get(url).status_code in (200, 404, 422)
    statements = [q["sql"].lstrip().upper() for q in queries]
    assert statements
    assert all(s.startswith(("SELECT", "WITH")) for s in statements), statements


def test_api_views_read_the_registry_as_public_reads(rf):
    """The replica router sends registry reads to the replica only inside public_reads()."""
    seen = []

    def view(request):
        from django.http import JsonResponse

        seen.append(public_reads_active())
        return JsonResponse({})

    guarded(view)(rf.get("/api/v1/x"))
    assert seen == [True]
    assert not public_reads_active()


def test_openapi_and_docs_are_served_here(client):
    document = client.get("/api/v1/openapi.json").json()
    assert {"/api/v1/operators", "/api/v1/operators/{ie_code}", "/api/v1/verify/{code}"} <= set(
        document["paths"]
    )
    assert "/api/v1/changes" in document["paths"]
    assert "/api/v1/snapshots" in document["paths"]
    docs = client.get("/api/v1/docs").content.decode()
    assert "/static/ninja/swagger-ui-bundle.js" in docs
    assert "cdn" not in docs.lower()
    assert client.get("/static/ninja/swagger-ui-bundle.js").status_code == 200
    assert Status.APPROVED  # the filings' statuses are not in the document
