"""接口密钥: only the 系统管理员 issues and revokes them; a key is shown once and stored
hashed; both leave audit events; bad input is answered next to the field."""

import re

import pytest
from django.test import Client

from tradereg.audit.models import AuditEvent
from tradereg.filings.tests.factories import make_officer
from tradereg.opendata.models import ApiKey
from tradereg.opendata.services import api_key_digest, api_key_issue, api_key_revoke

from .helpers import system_admin

pytestmark = pytest.mark.usefixtures("reference_data")

PAGE = "/office/api-keys/"


def admin_client(admin) -> Client:
    client = Client()
    client.force_login(admin)
    session = client.session
    session["otp_device_id"] = admin.totpdevice_set.first().persistent_id
    session.save()
    return client


@pytest.fixture
def admin():
    user = system_admin()
    user.totpdevice_set.create(name="app", confirmed=True)
    return user


def test_issuing_shows_the_key_once_and_stores_only_its_hash(admin):
    client = admin_client(admin)
    response = client.post(PAGE, {"name": "某银行 客户准入核验", "scopes": ["read", "bulk"]})
    assert response.status_code == 200
    [api_key] = ApiKey.objects.all()
    key = response.context["issued"]
    assert key.startswith("trk_")
    assert key in response.content.decode()
    assert api_key.digest == api_key_digest(key)
    assert key not in str(api_key.__dict__)
    assert api_key.scopes == ["bulk", "read"]
    assert key not in client.get(PAGE).content.decode()
    event = AuditEvent.objects.get(event="api_key_issued")
    assert (event.actor_id, event.object_type, event.object_id) == (
        admin.pk,
        "api_key",
        str(api_key.pk),
    )


def test_bad_input_is_answered_next_to_the_field_and_kept(admin):
    client = admin_client(admin)
    response = client.post(PAGE, {"name": "某海关经纪", "scopes": []})
    assert response.status_code == 400
    content = response.content.decode()
    assert "请至少选择一项权限范围。" in content
    assert 'value="某海关经纪"' in content
    assert not ApiKey.objects.exists()


def test_revoking_refuses_the_key_and_is_audited(admin):
    client = admin_client(admin)
    api_key, key = api_key_issue(name="货代平台", scopes=["read"], acting_user=admin)
    response = client.post(f"{PAGE}{api_key.pk}/revoke/")
    assert response.status_code == 302
    api_key.refresh_from_db()
    assert api_key.revoked_at is not None
    assert AuditEvent.objects.filter(event="api_key_revoked", object_id=str(api_key.pk)).exists()
    assert Client().get("/api/v1/changes", HTTP_X_API_KEY=key).status_code == 401
    api_key_revoke(api_key=api_key, acting_user=admin)
    assert AuditEvent.objects.filter(event="api_key_revoked").count() == 1


def test_nobody_else_finds_the_page(client):
    officer = make_officer(code="110000")
    client.force_login(officer)
    assert client.get(PAGE).status_code in (302, 404)
    assert Client().get(PAGE).status_code == 302


def test_sending_the_issuing_form_twice_issues_one_key(admin):
    """A reload or a double click posts the same form again: one key, shown once."""
    client = admin_client(admin)
    page = client.get(PAGE).content.decode()
    token = re.search(r'name="token" value="([^"]+)"', page).group(1)
    form = {"name": "某银行 客户准入核验", "scopes": ["read"], "token": token}
    first = client.post(PAGE, form).content.decode()
    again = client.post(PAGE, form, follow=True).content.decode()
    assert ApiKey.objects.filter(name="某银行 客户准入核验").count() == 1
    assert 'id="issued-key"' in first
    assert 'id="issued-key"' not in again
    assert "未重复签发" in again
    assert AuditEvent.objects.filter(event="api_key_issued").count() == 1


def test_the_key_list_reads_in_english_on_an_english_page(admin):
    """The parts that join the scopes and the revocation time go through the catalogue."""
    client = admin_client(admin)
    api_key, _key = api_key_issue(name="货代平台", scopes=["read", "watch"], acting_user=admin)
    api_key_revoke(api_key=api_key, acting_user=admin)
    content = client.get(PAGE, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "<td>Lookup and verification, Change subscription</td>" in content
    assert re.search(r"Revoked \(\d{4}-\d\d-\d\d \d\d:\d\d\)</td>", content)
    content = admin_client(admin).get(PAGE).content.decode()
    assert "<td>查询与核验、变更订阅</td>" in content
    assert re.search(r"已吊销（\d{4}-\d\d-\d\d \d\d:\d\d）</td>", content)
