import re

import pytest
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from tradereg.accounts.models import User
from tradereg.accounts.services import staff_user_create
from tradereg.accounts.tests.otp import login_verified
from tradereg.regulations.models import Regulation
from tradereg.regulations.services import regulations_load

pytestmark = pytest.mark.django_db

PDF_BYTES = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
    b"2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"
)
PNG_BYTES = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32


def make_regulation(**fields) -> Regulation:
    defaults = {
        "slug": "test-rule",
        "title": "测试规定",
        "kind": Regulation.Kind.DEPARTMENTAL_RULE,
        "issuer": "商务部",
        "status": Regulation.Status.IN_FORCE,
    }
    return Regulation.objects.create(**{**defaults, **fields})


def article(html: str) -> str:
    """The rendered body: the <article> of the detail page."""
    return re.search(r"<article[^>]*>(.*?)</article>", html, re.S).group(1)


def assert_csp_clean(html: str) -> None:
    """The strict CSP forbids inline styles and inline scripts."""
    assert "style=" not in html
    assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", html)
    assert not re.search(r"\son[a-z]+=", html)


# --- list and detail --------------------------------------------------------------------


def test_list_shows_the_seed_with_its_metadata(client):
    regulations_load()

    response = client.get("/regulations/")

    html = response.content.decode()
    assert response.status_code == 200
    for regulation in Regulation.objects.all():
        assert regulation.title in html
        assert regulation.get_absolute_url() in html
    for text in ["文号", "发布机关", "发布日期", "施行日期", "商务部令2004年第14号", "2004-06-25"]:
        assert text in html
    assert_csp_clean(html)


def test_list_shows_status_labels_in_chinese(client):
    make_regulation(slug="a", title="甲", status=Regulation.Status.IN_FORCE)
    make_regulation(slug="b", title="乙", status=Regulation.Status.AMENDED)
    make_regulation(slug="c", title="丙", status=Regulation.Status.REPEALED)

    html = client.get("/regulations/").content.decode()

    assert '<span class="status status-in_force">现行有效</span>' in html
    assert '<span class="status status-amended">已修订</span>' in html
    assert '<span class="status status-repealed">已废止</span>' in html


def test_list_filters_by_status(client):
    make_regulation(slug="a", title="现行的规定", status=Regulation.Status.IN_FORCE)
    make_regulation(slug="b", title="废止的规定", status=Regulation.Status.REPEALED)

    html = client.get("/regulations/", {"status": "repealed"}).content.decode()
    assert "废止的规定" in html
    assert "现行的规定" not in html

    html = client.get("/regulations/", {"status": "nonsense"}).content.decode()
    assert "废止的规定" in html
    assert "现行的规定" in html


def test_list_orders_by_sort_order_then_newest(client):
    make_regulation(slug="old", title="旧规定", issued_on="2004-01-01")
    make_regulation(slug="new", title="新规定", issued_on="2020-01-01")
    make_regulation(slug="first", title="置前规定", issued_on="2000-01-01", sort_order=1)

    html = client.get("/regulations/").content.decode()

    assert html.index("置前规定") < html.index("新规定") < html.index("旧规定")


def test_every_seed_document_has_a_detail_page(client):
    regulations_load()

    for regulation in Regulation.objects.all():
        response = client.get(f"/regulations/{regulation.slug}/")
        html = response.content.decode()
        assert response.status_code == 200, regulation.slug
        assert f"<h1>{regulation.title}</h1>" in html
        assert regulation.get_status_display() in html
        assert regulation.source_url in html
        assert_csp_clean(html)


def test_detail_shows_metadata_body_and_related_documents(client):
    regulations_load()

    html = client.get("/regulations/foreign-trade-law-2004/").content.decode()

    assert "中华人民共和国主席令第十五号" in html
    assert "2004年4月6日" in html
    assert "2004年7月1日" in html
    assert '<span class="status status-amended">已修订</span>' in html
    assert "<h2>摘要</h2>" in article(html)
    assert 'href="/regulations/foreign-trade-law-amendment-2022/"' in html
    assert 'href="https://flk.npc.gov.cn/" rel="noopener nofollow external"' in html


def test_unpublished_document_is_neither_listed_nor_shown(client):
    make_regulation(slug="draft", title="未公开的规定", is_published=False)

    assert "未公开的规定" not in client.get("/regulations/").content.decode()
    assert client.get("/regulations/draft/").status_code == 404


def test_unknown_document_is_404(client):
    assert client.get("/regulations/no-such-thing/").status_code == 404


def test_body_markdown_is_sanitised_on_the_page(client):
    make_regulation(
        body=(
            "## 说明\n\n"
            '<script>alert("x")</script>\n\n'
            '<a href="https://www.mofcom.gov.cn/" onclick="steal()">商务部网站</a>'
        )
    )

    body = article(client.get("/regulations/test-rule/").content.decode())

    assert "<h2>说明</h2>" in body
    assert "<script" not in body
    assert "alert" not in body
    assert "onclick" not in body
    assert '<a href="https://www.mofcom.gov.cn/" rel="noopener nofollow">商务部网站</a>' in body


# --- attachment ---------------------------------------------------------------------------


def test_pdf_attachment_is_served_as_pdf(client):
    regulation = make_regulation()
    regulation.attachment.save("rule.pdf", ContentFile(PDF_BYTES))

    response = client.get(reverse("regulations:attachment", kwargs={"slug": "test-rule"}))

    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Disposition"].startswith("inline")
    assert b"".join(response.streaming_content) == PDF_BYTES
    detail = client.get("/regulations/test-rule/").content.decode()
    assert 'href="/regulations/test-rule/attachment.pdf"' in detail


def test_attachment_can_be_downloaded(client):
    regulation = make_regulation()
    regulation.attachment.save("rule.pdf", ContentFile(PDF_BYTES))

    response = client.get("/regulations/test-rule/attachment.pdf?download=1")

    assert response["Content-Disposition"].startswith("attachment")
    assert "filename*=utf-8''" in response["Content-Disposition"]


def test_stored_file_that_is_not_a_pdf_is_not_served(client):
    regulation = make_regulation()
    regulation.attachment.save("rule.pdf", ContentFile(b"<html><script>alert(1)</script>"))

    assert client.get("/regulations/test-rule/attachment.pdf").status_code == 404


def test_missing_or_unpublished_attachment_is_404(client):
    make_regulation(slug="plain")
    hidden = make_regulation(slug="hidden", is_published=False)
    hidden.attachment.save("rule.pdf", ContentFile(PDF_BYTES))
    gone = make_regulation(slug="gone", attachment="regulations/2026/not-there.pdf")

    assert client.get("/regulations/plain/attachment.pdf").status_code == 404
    assert client.get("/regulations/hidden/attachment.pdf").status_code == 404
    assert client.get(f"/regulations/{gone.slug}/attachment.pdf").status_code == 404


@pytest.mark.parametrize(
    ("name", "content"),
    [("rule.pdf", PNG_BYTES), ("rule.png", PNG_BYTES), ("rule.txt", PDF_BYTES)],
)
def test_only_pdf_attachments_are_accepted(name, content):
    regulation = Regulation(
        slug="test-rule",
        title="测试规定",
        kind=Regulation.Kind.LAW,
        issuer="全国人民代表大会常务委员会",
        status=Regulation.Status.IN_FORCE,
        attachment=SimpleUploadedFile(name, content),
    )

    with pytest.raises(ValidationError, match="PDF") as error:
        regulation.full_clean()
    assert "attachment" in error.value.message_dict


def test_oversized_attachment_is_refused(settings):
    settings.ATTACHMENT_MAX_BYTES = 100
    regulation = Regulation(
        slug="big",
        title="大文件",
        kind=Regulation.Kind.LAW,
        issuer="商务部",
        attachment=SimpleUploadedFile("big.pdf", PDF_BYTES + b"0" * 200),
    )

    with pytest.raises(ValidationError, match="MB") as error:
        regulation.full_clean()
    assert "attachment" in error.value.message_dict


# --- admin --------------------------------------------------------------------------------


@pytest.fixture
def system_admin(client):
    """A 系统管理员: no superuser, the regulations permissions of its role."""
    user = staff_user_create(
        username="mofcom-test", password="Kx7#mPq2Lw9z", role=User.Role.SYSTEM_ADMIN
    )
    login_verified(client, user)
    return user


def admin_form(**overrides) -> dict:
    data = {
        "title": "后台新增规定",
        "slug": "admin-rule",
        "doc_no": "",
        "kind": "departmental_rule",
        "issuer": "商务部",
        "issued_on": "2024-01-02",
        "effective_on": "",
        "status": "in_force",
        "body": "## 摘要\n\n后台录入。",
        "source_url": "https://www.mofcom.gov.cn/",
        "sort_order": "100",
        "is_published": "on",
    }
    return {**data, **overrides}


def test_system_admin_adds_a_regulation_with_a_pdf(client, system_admin):
    data = admin_form(attachment=SimpleUploadedFile("办法.pdf", PDF_BYTES))

    response = client.post("/admin/regulations/regulation/add/", data)

    assert response.status_code == 302, response.content.decode()[:2000]
    regulation = Regulation.objects.get(slug="admin-rule")
    assert regulation.attachment.name.endswith(".pdf")
    served = client.get("/regulations/admin-rule/attachment.pdf")
    assert served["Content-Type"] == "application/pdf"


def test_admin_refuses_an_attachment_that_is_not_a_pdf(client, system_admin):
    data = admin_form(attachment=SimpleUploadedFile("办法.pdf", PNG_BYTES))

    response = client.post("/admin/regulations/regulation/add/", data)

    assert response.status_code == 200
    assert "附件只能是 PDF 文件。" in response.content.decode()
    assert not Regulation.objects.filter(slug="admin-rule").exists()


def test_admin_previews_the_sanitised_body(client, system_admin):
    regulation = make_regulation(body="<script>alert(1)</script>**要点**")

    response = client.get(f"/admin/regulations/regulation/{regulation.pk}/change/")

    html = response.content.decode()
    assert "<strong>要点</strong>" in html
    assert "<script>alert(1)" not in html
