"""经营者信息查询 through the web pages: codes in every form, names, the dialog, the page
without JavaScript, what is never public, and the rate limit."""

import re
from datetime import timedelta

import pytest
from django.utils import timezone

from tradereg.filings import services as filing_services
from tradereg.filings.models import Status
from tradereg.filings.tests.factories import make_filing, make_officer
from tradereg.registry import views
from tradereg.registry.models import PublishedOperator
from tradereg.registry.tests.helpers import published

pytestmark = pytest.mark.usefixtures("reference_data")

SEARCH = "/operators/"
HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def approved():
    return make_filing(
        status=Status.APPROVED,
        name_cn="北京华兴进出口有限公司",
        name_en="Beijing Huaxing Import & Export Co., Ltd.",
    )


def result_names(response) -> list[str]:
    return re.findall(r"data-operator-open>([^<]+)</a>", response.content.decode())


def spaced(code: str) -> str:
    return " ".join(code[i : i + 4] for i in range(0, len(code), 4))


# --- the search page --------------------------------------------------------------------


def test_search_page_has_labelled_box_button_and_hint(client):
    response = client.get(SEARCH)
    assert response.status_code == 200
    content = response.content.decode()
    assert '<label for="id_q">查询条件</label>' in content
    assert '<button type="submit">查询</button>' in content
    assert "13位进出口企业代码" in content
    assert "至少两个字" in content
    assert "registry/operators.js" in content
    assert "<script>" not in content
    assert " style=" not in content


def test_code_lookup_in_every_form(client, approved):
    revision = approved.approved_revision
    uscc, org = revision.uscc, revision.uscc[8:17]
    forms = [
        approved.ie_code,
        spaced(approved.ie_code),
        uscc,
        spaced(uscc),
        uscc.lower(),
        f" {uscc[:9]}-{uscc[9:]} ",
        org,
        f"{org[:8]}-{org[8]}",
        org.lower(),
        "\u3000".join(uscc[i : i + 6] for i in range(0, 18, 6)),  # full-width spaces
    ]
    for typed in forms:
        response = client.get(SEARCH, {"q": typed})
        assert result_names(response) == ["北京华兴进出口有限公司"], typed


def test_exact_code_match_comes_first(client, approved):
    code = approved.ie_code
    newer = published(
        name_cn=f"代码{code}贸易有限公司", approved_at=timezone.now() + timedelta(days=1)
    )
    response = client.get(SEARCH, {"q": code})
    assert result_names(response) == ["北京华兴进出口有限公司", newer.name_cn]


def test_name_search_shows_the_public_columns(client, approved):
    response = client.get(SEARCH, {"q": "华兴"})
    content = response.content.decode()
    for heading in [
        "进出口企业代码",
        "经营者中文名称",
        "经营者英文名称",
        "备案登记机关",
        "备案日期",
    ]:
        assert f'<th scope="col">{heading}</th>' in content
    assert approved.ie_code in content
    assert "Beijing Huaxing Import &amp; Export Co., Ltd." in content
    assert "北京市商务局" in content
    assert timezone.localdate(approved.approved_at).isoformat() in content
    assert "已备案" in content


def test_english_name_search_is_case_insensitive(client, approved):
    assert result_names(client.get(SEARCH, {"q": "HUAXING import"})) == ["北京华兴进出口有限公司"]


def test_one_character_is_refused_with_a_message(client, approved):
    response = client.get(SEARCH, {"q": "华"})
    assert response.status_code == 200
    assert "请至少输入两个字" in response.content.decode()
    assert result_names(response) == []


def test_pages_go_forward_and_back(client):
    start = timezone.now() - timedelta(days=100)
    for n in range(45):
        published(name_cn=f"远航贸易有限公司{n:02d}", approved_at=start + timedelta(days=n))
    first = client.get(SEARCH, {"q": "远航"})
    names = result_names(first)
    assert names[:2] == ["远航贸易有限公司44", "远航贸易有限公司43"]
    assert len(names) == 20
    content = first.content.decode()
    assert "共" not in content  # no total count
    after = re.search(r'rel="next" href="\?q=[^&]+&amp;after=([\d.]+)"', content)[1]
    second = client.get(SEARCH, {"q": "远航", "after": after})
    assert result_names(second)[0] == "远航贸易有限公司24"
    before = re.search(r'rel="prev" href="\?q=[^&]+&amp;before=([\d.]+)"', second.content.decode())[
        1
    ]
    assert result_names(client.get(SEARCH, {"q": "远航", "before": before})) == names


def test_a_page_stopped_by_the_scan_bound_says_so(client, monkeypatch):
    from tradereg.registry import selectors

    monkeypatch.setattr(selectors, "SCAN_ROUNDS", (3,))
    start = timezone.now() - timedelta(days=100)
    published(name_cn="华兴华贸易有限公司", approved_at=start)
    for n in range(10):
        published(name_cn=f"华兴贸易兴华{n}", approved_at=start + timedelta(days=n + 1))
    content = client.get(SEARCH, {"q": "华兴华"}).content.decode()
    assert "本页只查找了部分记录" in content
    assert "没有找到" not in content
    assert 'rel="next"' in content


def test_no_results_message(client):
    response = client.get(SEARCH, {"q": "不存在的名称"})
    assert "没有找到与“不存在的名称”相符的已备案经营者" in response.content.decode()


# --- what is public ---------------------------------------------------------------------


def test_never_approved_filings_are_not_found(client):
    for status in (Status.DRAFT, Status.REPORTED):
        filing = make_filing(status=status, name_cn=f"未审核{status}贸易有限公司")
        uscc = filing.current_revision.uscc
        assert result_names(client.get(SEARCH, {"q": f"未审核{status}"})) == []
        assert result_names(client.get(SEARCH, {"q": uscc})) == []
    assert not PublishedOperator.objects.exists()


def test_pending_change_keeps_the_approved_data(client):
    filing = make_filing(status=Status.CHANGING, name_cn="旧名称贸易有限公司")
    changed = filing.current_revision.name_cn
    assert changed != "旧名称贸易有限公司"
    assert result_names(client.get(SEARCH, {"q": "旧名称"})) == ["旧名称贸易有限公司"]
    assert result_names(client.get(SEARCH, {"q": changed})) == []


def test_cancelled_operator_is_marked(client, approved):
    filing_services.filing_cancel(
        filing=approved, acting_user=make_officer(), reason="企业申请注销"
    )
    response = client.get(SEARCH, {"q": "华兴"})
    content = response.content.decode()
    assert 'class="op-status op-status-cancelled">已注销</span>' in content
    operator = PublishedOperator.objects.get(filing_id=approved.pk)
    page = client.get(f"/operators/{operator.pk}/").content.decode()
    assert "已注销" in page


def test_id_number_is_never_public(client, approved):
    id_number = approved.approved_revision.id_number
    assert id_number
    operator = PublishedOperator.objects.get(filing_id=approved.pk)
    pages = [
        client.get(SEARCH, {"q": "华兴"}),
        client.get(SEARCH, {"q": approved.ie_code}),
        client.get(f"/operators/{operator.pk}/"),
        client.get(f"/operators/{operator.pk}/", **HTMX),
    ]
    for response in pages:
        assert response.status_code == 200
        content = response.content.decode()
        assert id_number not in content
    stored = [
        str(value) for value in PublishedOperator.objects.values().get(pk=operator.pk).values()
    ]
    assert not any(id_number in value for value in stored)


# --- the dialog and the page ------------------------------------------------------------

FACT_LABELS = [
    "进出口企业代码", "统一社会信用代码", "经营者中文名称", "经营者英文名称", "经营者类型",
    "住所", "经营场所", "邮政编码", "联系电话", "联系传真", "备案登记机关", "备案日期", "状态",
]  # fmt: skip


def test_name_link_opens_the_dialog_and_has_a_page_without_javascript(client, approved):
    operator = PublishedOperator.objects.get(filing_id=approved.pk)
    content = client.get(SEARCH, {"q": "华兴"}).content.decode()
    url = f"/operators/{operator.pk}/"
    assert (
        f'<a href="{url}" hx-get="{url}" data-operator-open>北京华兴进出口有限公司</a>' in content
    )
    assert 'hx-target="#operator-dialog-body"' in content
    assert '<dialog id="operator-dialog"' in content


def test_dialog_fragment_shows_the_public_fields(client, approved):
    operator = PublishedOperator.objects.get(filing_id=approved.pk)
    response = client.get(f"/operators/{operator.pk}/", **HTMX)
    content = response.content.decode()
    assert "<html" not in content
    assert "HX-Request" in response["Vary"]
    for label in FACT_LABELS:
        assert f"<dt>{label}</dt>" in content, label
    revision = approved.approved_revision
    for value in [approved.ie_code, revision.uscc, revision.residence, revision.phone]:
        assert value in content
    assert f'href="/operators/{operator.pk}/"' in content  # the stable address


def test_detail_page_without_javascript(client, approved):
    operator = PublishedOperator.objects.get(filing_id=approved.pk)
    response = client.get(f"/operators/{operator.pk}/")
    content = response.content.decode()
    assert response.status_code == 200
    assert "<html" in content
    assert "<h1>北京华兴进出口有限公司</h1>" in content
    for label in FACT_LABELS:
        assert f"<dt>{label}</dt>" in content, label


def test_organisation_code_shown_when_there_is_no_uscc(client):
    operator = published(name_cn="个体华兴商行", uscc="", org_code="D2143569X")
    content = client.get(f"/operators/{operator.pk}/").content.decode()
    assert "<dt>组织机构代码</dt>" in content
    assert "D2143569X" in content


def test_unknown_operator_is_404(client):
    assert client.get("/operators/999999/").status_code == 404


# --- rate limit -------------------------------------------------------------------------


def test_searches_and_details_share_a_rate_limit(client, monkeypatch, approved):
    monkeypatch.setattr(views, "RATE_LIMITS", ((3, 60), (300, 3600)))
    operator = PublishedOperator.objects.get(filing_id=approved.pk)
    assert client.get(SEARCH, {"q": "华兴"}).status_code == 200
    assert client.get(SEARCH, {"q": "华为"}).status_code == 200
    assert client.get(f"/operators/{operator.pk}/").status_code == 200
    for response in [
        client.get(SEARCH, {"q": "华兴"}),
        client.get(f"/operators/{operator.pk}/"),
        client.get(f"/operators/{operator.pk}/", **HTMX),
    ]:
        assert response.status_code == 429
        content = response.content.decode()
        assert "查询过于频繁，请稍后再试" in content
        assert "每分钟最多查询3次、每小时最多查询300次" in content
        assert "请1分钟后再查询" in content
        assert response["Retry-After"] == "60"
        assert "北京华兴进出口有限公司" not in content


def test_hourly_limit_asks_to_wait_an_hour(client, monkeypatch):
    monkeypatch.setattr(views, "RATE_LIMITS", ((30, 60), (2, 3600)))
    client.get(SEARCH, {"q": "华兴"})
    client.get(SEARCH, {"q": "华兴"})
    response = client.get(SEARCH, {"q": "华兴"})
    assert response.status_code == 429
    assert "请1小时后再查询" in response.content.decode()
    assert response["Retry-After"] == "3600"


def test_rate_limit_is_per_client_address(client, monkeypatch):
    monkeypatch.setattr(views, "RATE_LIMITS", ((1, 60),))
    assert client.get(SEARCH, {"q": "华兴"}).status_code == 200
    assert client.get(SEARCH, {"q": "华兴"}).status_code == 429
    assert client.get(SEARCH, {"q": "华兴"}, REMOTE_ADDR="10.0.0.9").status_code == 200


def test_empty_and_refused_queries_are_not_counted(client, monkeypatch):
    monkeypatch.setattr(views, "RATE_LIMITS", ((1, 60),))
    for _ in range(3):
        assert client.get(SEARCH).status_code == 200
        assert client.get(SEARCH, {"q": "华"}).status_code == 200
    assert client.get(SEARCH, {"q": "华兴"}).status_code == 200
