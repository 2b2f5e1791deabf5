"""The enterprise path through the web pages: step 2, step 3, done page, list, attachments,
上报 and 编辑, driven with Django's test client.
"""

import html
import json
import time

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from tradereg.accounts.models import User
from tradereg.accounts.tests.otp import login_verified
from tradereg.audit.models import AuditEvent
from tradereg.common import codes
from tradereg.core.demo import DEMO_PDF
from tradereg.filings.models import Attachment, Filing, Status
from tradereg.filings.tests.factories import (
    PASSWORD,
    PNG_BYTES,
    attach_required,
    filing_data,
    form_post,
    make_filing,
    pdf_upload,
    same_operator,
)

pytestmark = pytest.mark.usefixtures("reference_data")

BACKEND = "tradereg.accounts.backends.UsernameOrEmailBackend"
NEW_FORM = "/filing/new/form/?authority=110000&method=uscc"


def logged_in(user: User) -> Client:
    client = Client()
    login_verified(client, user)
    return client


def new_filing_post(username: str = "new-clerk", **overrides) -> dict:
    post = form_post(filing_data(), **overrides)
    post.update(username=username, password1=PASSWORD, password2=PASSWORD)
    return post


def messages_of(response) -> list[str]:
    return [str(m) for m in response.context["messages"]]


def detail_url(filing: Filing) -> str:
    return f"/my/filings/{filing.pk}/"


def upload(client: Client, filing: Filing, uploaded, kind: str = "signed_form", **extra):
    return client.post(
        f"{detail_url(filing)}attachments/", {"kind": kind, "file": uploaded}, **extra
    )


# --- step 2 -----------------------------------------------------------------------------


def test_start_page_has_labels_and_submit_button(client):
    response = client.get("/filing/new/")
    assert response.status_code == 200
    content = response.content.decode()
    assert ">备案登记机关</label>" in content
    assert "备案登记方式" in content
    assert "统一社会信用代码" in content
    assert 'name="method" value="uscc"' in content
    assert " 其他</label>" in content
    assert '<button type="submit">提交</button>' in content
    assert ">选择</a>" in content


def test_start_without_authority_shows_error(client):
    response = client.post("/filing/new/", {"method": "uscc"})
    assert response.status_code == 200
    assert "请点击【选择】选择备案登记机关。" in response.content.decode()


def test_start_without_method_shows_error(client):
    response = client.post("/filing/new/", {"authority": "110000"})
    assert response.status_code == 200
    assert "请选择备案登记方式。" in response.content.decode()


def test_start_valid_redirects_to_form_with_choice(client):
    response = client.post("/filing/new/", {"authority": "440300", "method": "other"})
    assert response.status_code == 302
    assert response["Location"] == "/filing/new/form/?authority=440300&method=other"


def test_start_page_shows_authority_chosen_in_picker(client):
    response = client.get("/filing/new/?authority=440300")
    assert 'value="深圳市商务局"' in response.content.decode()


# --- step 3 -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "query", ["", "?authority=110000", "?method=uscc", "?authority=999999&method=uscc"]
)
def test_form_without_choice_redirects_to_step_2(client, query):
    response = client.get(f"/filing/new/form/{query}")
    assert response.status_code == 302
    assert response["Location"] == "/filing/new/"


def test_form_page_shows_authority_and_method(client):
    response = client.get(NEW_FORM)
    assert response.status_code == 200
    content = response.content.decode()
    assert "北京市商务局" in content
    for label in ("用户名", "密码", "确认密码", "电子邮箱", "经营者中文名称", "统一社会信用代码"):
        assert f">{label}</label>" in content
    assert ">组织机构代码</label>" not in content


def test_form_page_for_method_other_asks_for_org_code(client):
    content = client.get("/filing/new/form/?authority=440300&method=other").content.decode()
    assert "深圳市商务局" in content
    assert ">组织机构代码</label>" in content
    assert ">统一社会信用代码</label>" not in content


def test_save_under_method_other_for_individual_business(client):
    from tradereg.filings.models import OperatorType

    data = filing_data(
        operator_type=OperatorType.objects.get(name="个体工商户（独资经营者）"),
        registration_no="440300000000009",
    )
    data.pop("uscc")
    post = form_post(data)
    post.update(username="solo-trader", password1=PASSWORD, password2=PASSWORD)
    response = client.post("/filing/new/form/?authority=440300&method=other", post)
    assert response.status_code == 302
    filing = Filing.objects.get(owner__username="solo-trader")
    assert filing.current_revision.method == "other"
    assert filing.current_revision.uscc == ""
    assert filing.operator_code == "440300000000009"


def test_save_creates_account_and_draft_filing(client):
    post = new_filing_post(username="new-clerk")
    response = client.post(NEW_FORM, post)
    assert response.status_code == 302
    assert response["Location"] == "/filing/new/done/"
    user = User.objects.get(username="new-clerk")
    assert user.check_password(PASSWORD)
    assert user.email == post["email"]
    filing = Filing.objects.get(owner=user)
    assert filing.status == Status.DRAFT
    assert filing.authority.code == "110000"
    assert filing.current_revision.number == 1
    assert filing.current_revision.name_cn == post["name_cn"]
    assert codes.is_valid_system_no(filing.system_no)


def test_done_page_shows_username_and_system_no_but_not_password(client):
    client.post(NEW_FORM, new_filing_post(username="new-clerk"))
    filing = Filing.objects.get(owner__username="new-clerk")
    response = client.get("/filing/new/done/")
    assert response.status_code == 200
    content = response.content.decode()
    assert "new-clerk" in content
    assert filing.system_no in content
    assert PASSWORD not in content


def test_done_page_without_session_redirects(client):
    make_filing()
    response = client.get("/filing/new/done/")
    assert response.status_code == 302
    assert response["Location"] == "/filing/new/"


def test_form_with_errors_keeps_typed_values_but_not_password(client):
    post = new_filing_post(username="typed-clerk", name_cn="No Chinese Here")
    response = client.post(NEW_FORM, post)
    assert response.status_code == 200
    content = response.content.decode()
    assert "经营者中文名称须包含中文。" in content
    for field in ("username", "name_cn", "name_en", "uscc", "phone", "residence", "email"):
        assert f'value="{html.escape(post[field])}"' in content, field
    assert PASSWORD not in content
    assert not User.objects.filter(username="typed-clerk").exists()


def test_form_error_is_shown_next_to_its_field(client):
    response = client.post(NEW_FORM, new_filing_post(postcode="1000"))
    content = response.content.decode()
    start = content.index('id="field-postcode"')
    block = content[start : content.index("</div>\n", content.index("<input", start))]
    assert "邮政编码应为6位数字。" in block


def test_duplicate_uscc_refused_on_uscc_field_without_second_user(client):
    existing = make_filing()
    users_before = User.objects.count()
    post = new_filing_post(
        username="second-clerk",
        **same_operator(existing),
    )
    response = client.post(NEW_FORM, post)
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert "该经营者已办理备案登记" in errors["uscc"][0]
    assert User.objects.count() == users_before
    assert not User.objects.filter(username="second-clerk").exists()
    assert Filing.objects.filter(operator_code=existing.operator_code).count() == 1


def test_duplicate_username_refused_on_username_field(client):
    make_filing(username="taken-name")
    response = client.post(NEW_FORM, new_filing_post(username="Taken-Name"))
    assert response.status_code == 200
    assert "已被使用" in response.context["account_form"].errors["username"][0]


# --- printing the application form ------------------------------------------------------


def test_application_form_visible_to_session_that_saved_it(client):
    client.post(NEW_FORM, new_filing_post(username="print-clerk"))
    filing = Filing.objects.get(owner__username="print-clerk")
    response = client.get(f"/filing/{filing.pk}/application-form/")
    assert response.status_code == 200
    assert filing.current_revision.name_cn in response.content.decode()


def test_application_form_visible_to_logged_in_owner():
    filing = make_filing()
    response = logged_in(filing.owner).get(f"/filing/{filing.pk}/application-form/")
    assert response.status_code == 200


def test_application_form_hidden_from_another_enterprise():
    filing = make_filing()
    other = make_filing()
    response = logged_in(other.owner).get(f"/filing/{filing.pk}/application-form/")
    assert response.status_code == 404


def test_application_form_hidden_from_new_anonymous_session(client):
    client.post(NEW_FORM, new_filing_post(username="print-clerk"))
    filing = Filing.objects.get(owner__username="print-clerk")
    response = Client().get(f"/filing/{filing.pk}/application-form/")
    assert response.status_code == 404


def test_application_form_hidden_from_someone_else_logging_in_on_that_browser(client):
    client.post(NEW_FORM, new_filing_post(username="print-clerk"))
    filing = Filing.objects.get(owner__username="print-clerk")
    other = make_filing()
    client.post("/accounts/login/", {"username": other.owner.username, "password": PASSWORD})
    response = client.get(f"/filing/{filing.pk}/application-form/")
    assert response.status_code == 404


def test_application_form_after_save_expires(client, monkeypatch):
    client.post(NEW_FORM, new_filing_post(username="print-clerk"))
    filing = Filing.objects.get(owner__username="print-clerk")
    later = time.time() + 3 * 60 * 60
    monkeypatch.setattr(time, "time", lambda: later)
    response = client.get(f"/filing/{filing.pk}/application-form/")
    assert response.status_code == 404


# --- login and the list -----------------------------------------------------------------


def test_login_with_username(client):
    filing = make_filing(username="login-clerk")
    response = client.post("/accounts/login/", {"username": "login-clerk", "password": PASSWORD})
    assert response.status_code == 302
    assert response["Location"] == "/my/"
    assert int(client.session["_auth_user_id"]) == filing.owner.pk


def test_login_with_username_in_other_case(client):
    make_filing(username="login-clerk")
    response = client.post("/accounts/login/", {"username": "LOGIN-Clerk", "password": PASSWORD})
    assert response.status_code == 302


def test_login_with_email(client):
    filing = make_filing()
    response = client.post(
        "/accounts/login/", {"username": filing.owner.email.upper(), "password": PASSWORD}
    )
    assert response.status_code == 302
    assert int(client.session["_auth_user_id"]) == filing.owner.pk


STATUS_WORDS = [
    (Status.DRAFT, "已保存(未上报)"),
    (Status.REPORTED, "上报"),
    (Status.APPROVED, "已审核，可变更"),
    (Status.CHANGING, "变更中(未上报)"),
]


@pytest.mark.parametrize(("status", "words"), STATUS_WORDS)
def test_list_shows_status_in_the_manuals_words(status, words):
    filing = make_filing(status=status)
    response = logged_in(filing.owner).get("/my/filings/")
    assert response.status_code == 200
    content = response.content.decode()
    assert filing.system_no in content
    assert f'<span class="status status-{status}">{words}</span>' in content


def test_list_shows_only_own_filings():
    mine = make_filing()
    theirs = make_filing()
    content = logged_in(mine.owner).get("/my/filings/").content.decode()
    assert mine.system_no in content
    assert theirs.system_no not in content


def test_list_offers_report_and_edit_for_draft():
    filing = make_filing()
    content = logged_in(filing.owner).get("/my/filings/").content.decode()
    assert f'action="/my/filings/{filing.pk}/report/"' in content
    assert ">上报</button>" in content
    assert ">编辑</a>" in content


def test_detail_offers_report_and_edit_for_draft_and_names_missing_attachments():
    filing = make_filing()
    content = logged_in(filing.owner).get(detail_url(filing)).content.decode()
    assert f'action="/my/filings/{filing.pk}/report/"' in content
    assert ">上报</button>" in content
    assert ">编辑</a>" in content
    assert "上报前还需上传：备案登记表扫描件、营业执照复印件。" in content


def test_list_offers_change_for_approved():
    filing = make_filing(status=Status.APPROVED)
    content = logged_in(filing.owner).get("/my/filings/").content.decode()
    assert ">变更</a>" in content
    assert ">上报</button>" not in content


# --- report -----------------------------------------------------------------------------


def test_report_without_attachments_shows_message_and_keeps_status():
    filing = make_filing()
    response = logged_in(filing.owner).post(f"{detail_url(filing)}report/", follow=True)
    assert "上报前请先上传：备案登记表扫描件、营业执照复印件。" in messages_of(response)
    filing.refresh_from_db()
    assert filing.status == Status.DRAFT


def test_report_with_one_attachment_names_the_missing_one():
    filing = make_filing()
    client = logged_in(filing.owner)
    upload(client, filing, pdf_upload(), kind="signed_form")
    response = client.post(f"{detail_url(filing)}report/", follow=True)
    assert "上报前请先上传：营业执照复印件。" in messages_of(response)
    filing.refresh_from_db()
    assert filing.status == Status.DRAFT


def test_report_with_both_attachments_reports():
    filing = make_filing()
    client = logged_in(filing.owner)
    upload(client, filing, pdf_upload(), kind="signed_form")
    upload(client, filing, pdf_upload(), kind="business_licence")
    response = client.post(f"{detail_url(filing)}report/")
    assert response.status_code == 302
    assert response["Location"] == "/my/filings/"
    filing.refresh_from_db()
    assert filing.status == Status.REPORTED
    assert filing.reported_at is not None


def test_report_double_click_reports_once():
    filing = make_filing()
    attach_required(filing)
    client = logged_in(filing.owner)
    client.post(f"{detail_url(filing)}report/")
    client.post(f"{detail_url(filing)}report/")
    events = AuditEvent.objects.filter(event="filing_reported", filing=filing)
    assert events.count() == 1
    filing.refresh_from_db()
    assert filing.status == Status.REPORTED


def test_report_by_get_not_allowed():
    filing = make_filing()
    attach_required(filing)
    response = logged_in(filing.owner).get(f"{detail_url(filing)}report/")
    assert response.status_code == 405
    filing.refresh_from_db()
    assert filing.status == Status.DRAFT


# --- attachments ------------------------------------------------------------------------


def test_upload_real_pdf():
    filing = make_filing()
    response = upload(logged_in(filing.owner), filing, pdf_upload("签字盖章.pdf"))
    assert response.status_code == 302
    assert response["Location"] == f"{detail_url(filing)}#attachments"
    attachment = filing.attachments.get()
    assert attachment.kind == "signed_form"
    assert attachment.content_type == "application/pdf"
    assert attachment.original_name == "签字盖章.pdf"
    assert attachment.size == len(DEMO_PDF)


def test_upload_png():
    filing = make_filing()
    png = SimpleUploadedFile("licence.png", PNG_BYTES, content_type="image/png")
    upload(logged_in(filing.owner), filing, png, kind="business_licence")
    attachment = filing.attachments.get()
    assert attachment.content_type == "image/png"


def test_upload_text_named_pdf_refused():
    filing = make_filing()
    fake = SimpleUploadedFile("scan.pdf", b"just some text", content_type="application/pdf")
    response = upload(logged_in(filing.owner), filing, fake, follow=True)
    assert "文件内容不是 PDF、JPEG 或 PNG，请上传正确的文件。" in messages_of(response)
    assert not filing.attachments.exists()


def test_upload_oversized_refused(settings):
    settings.ATTACHMENT_MAX_BYTES = 100
    filing = make_filing()
    response = upload(logged_in(filing.owner), filing, pdf_upload(), follow=True)
    assert any("文件过大" in m for m in messages_of(response))
    assert not filing.attachments.exists()


def test_upload_far_over_the_limit_refused_before_reading(settings):
    settings.ATTACHMENT_MAX_BYTES = 100
    filing = make_filing()
    big = SimpleUploadedFile("big.pdf", DEMO_PDF + b"\0" * 100_000)
    response = upload(logged_in(filing.owner), filing, big, follow=True)
    assert any("文件过大" in m for m in messages_of(response))
    assert not filing.attachments.exists()


def test_upload_without_file_refused():
    filing = make_filing()
    response = logged_in(filing.owner).post(
        f"{detail_url(filing)}attachments/", {"kind": "signed_form"}, follow=True
    )
    assert messages_of(response)
    assert not filing.attachments.exists()


def test_upload_replaces_required_kind():
    filing = make_filing()
    client = logged_in(filing.owner)
    upload(client, filing, pdf_upload("first.pdf"))
    upload(client, filing, pdf_upload("second.pdf"))
    attachments = filing.attachments.filter(kind="signed_form")
    assert attachments.count() == 1
    assert attachments.get().original_name == "second.pdf"


def test_upload_other_kind_keeps_several():
    filing = make_filing()
    client = logged_in(filing.owner)
    upload(client, filing, pdf_upload("a.pdf"), kind="other")
    upload(client, filing, pdf_upload("b.pdf"), kind="other")
    assert filing.attachments.filter(kind="other").count() == 2


def test_upload_json_path_returns_ok():
    filing = make_filing()
    response = upload(logged_in(filing.owner), filing, pdf_upload(), HTTP_ACCEPT="application/json")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/json")
    assert json.loads(response.content) == {"ok": True, "errors": []}
    assert filing.attachments.count() == 1


def test_upload_json_path_returns_errors():
    filing = make_filing()
    fake = SimpleUploadedFile("scan.pdf", b"just some text")
    response = upload(logged_in(filing.owner), filing, fake, HTTP_ACCEPT="application/json")
    assert response.status_code == 400
    body = json.loads(response.content)
    assert body["ok"] is False
    assert body["errors"] == ["文件内容不是 PDF、JPEG 或 PNG，请上传正确的文件。"]


def test_uploaded_attachment_downloads_for_owner():
    filing = make_filing()
    client = logged_in(filing.owner)
    upload(client, filing, pdf_upload())
    attachment = filing.attachments.get()
    response = client.get(f"{detail_url(filing)}attachments/{attachment.pk}/?download=1")
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == DEMO_PDF
    response.close()
    assert response["Content-Type"] == "application/pdf"
    assert "attachment" in response["Content-Disposition"]
    assert "no-store" in response["Cache-Control"]


def test_delete_attachment_before_report():
    filing = make_filing()
    client = logged_in(filing.owner)
    upload(client, filing, pdf_upload())
    attachment = filing.attachments.get()
    response = client.post(f"{detail_url(filing)}attachments/{attachment.pk}/delete/", follow=True)
    assert "附件已删除。" in messages_of(response)
    assert not Attachment.objects.filter(pk=attachment.pk).exists()


def test_delete_attachment_after_report_refused():
    filing = make_filing(status=Status.REPORTED)
    attachment = filing.attachments.first()
    response = logged_in(filing.owner).post(
        f"{detail_url(filing)}attachments/{attachment.pk}/delete/", follow=True
    )
    assert "已上报或已审核的备案不能删除附件。" in messages_of(response)
    assert Attachment.objects.filter(pk=attachment.pk).exists()
    filing.refresh_from_db()
    assert filing.status == Status.REPORTED


def test_detail_hides_delete_after_report():
    filing = make_filing(status=Status.REPORTED)
    content = logged_in(filing.owner).get(detail_url(filing)).content.decode()
    assert "/delete/" not in content


def test_upload_after_approval_refused():
    filing = make_filing(status=Status.APPROVED)
    response = upload(logged_in(filing.owner), filing, pdf_upload("new.pdf"), follow=True)
    assert any("变更" in m for m in messages_of(response))
    assert not filing.attachments.filter(original_name="new.pdf").exists()


# --- 编辑 while reported ------------------------------------------------------------------


def edit_post(filing: Filing, **overrides) -> dict:
    revision = filing.current_revision
    data = filing_data(
        uscc=revision.uscc,
        registration_no=revision.registration_no,
        email=revision.email,
        name_cn=revision.name_cn,
    )
    return form_post(data, **overrides)


def test_edit_page_offers_the_form_with_saved_values():
    filing = make_filing(status=Status.REPORTED)
    response = logged_in(filing.owner).get(f"{detail_url(filing)}edit/")
    assert response.status_code == 200
    content = response.content.decode()
    assert f'value="{filing.current_revision.name_cn}"' in content
    assert ">保存</button>" in content


def test_edit_while_reported_changes_authority_and_stays_reported():
    filing = make_filing(status=Status.REPORTED)
    revision_before = filing.current_revision.number
    response = logged_in(filing.owner).post(
        f"{detail_url(filing)}edit/",
        edit_post(filing, authority="310000", name_cn="上海新名称公司"),
    )
    assert response.status_code == 302
    assert response["Location"] == "/my/filings/"
    filing.refresh_from_db()
    assert filing.authority.code == "310000"
    assert filing.status == Status.REPORTED
    assert filing.current_revision.number == revision_before + 1
    assert filing.current_revision.authority.code == "310000"
    assert filing.current_revision.name_cn == "上海新名称公司"
    assert AuditEvent.objects.filter(event="filing_edited", filing=filing).count() == 1


def test_edit_with_errors_keeps_status_and_revision():
    filing = make_filing(status=Status.REPORTED)
    revision_before = filing.current_revision_id
    response = logged_in(filing.owner).post(
        f"{detail_url(filing)}edit/", edit_post(filing, postcode="abc")
    )
    assert response.status_code == 200
    assert "邮政编码应为6位数字。" in response.content.decode()
    filing.refresh_from_db()
    assert filing.current_revision_id == revision_before
    assert filing.status == Status.REPORTED


def test_save_on_draft_keeps_draft_with_new_revision():
    filing = make_filing()
    logged_in(filing.owner).post(f"{detail_url(filing)}edit/", edit_post(filing))
    filing.refresh_from_db()
    assert filing.status == Status.DRAFT
    assert filing.current_revision.number == 2


def test_change_on_approved_starts_changing():
    filing = make_filing(status=Status.APPROVED)
    approved = filing.approved_revision_id
    logged_in(filing.owner).post(f"{detail_url(filing)}edit/", edit_post(filing))
    filing.refresh_from_db()
    assert filing.status == Status.CHANGING
    assert filing.approved_revision_id == approved
    assert filing.current_revision_id != approved
