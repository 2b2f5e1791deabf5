"""Two saves of one filing from pages opened on the same revision (two tabs, two clerks):
the later one is refused, told what changed and shown both saves merged; nothing of
either is lost (issue 9). The browser version is in test_browser_faults.py."""

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse

from tradereg.accounts.tests.otp import login_verified
from tradereg.filings import services
from tradereg.filings.models import Filing, FilingEvent, Status
from tradereg.filings.tests.factories import (
    authority,
    form_post,
    make_filing,
    make_officer,
    same_operator,
)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("reference_data")]

OLD_PHONE = "010-65001234"  # the factory's


def opened(filing: Filing) -> dict:
    """What the edit page posts back when nothing is typed: the revision's own data."""
    revision = filing.current_revision
    data = {
        field: getattr(revision, field) for field in services.REVISION_FIELDS if field != "org_code"
    }
    return form_post(data, revision=revision.number, authority=filing.authority.code)


@pytest.fixture
def filing():
    return make_filing()


@pytest.fixture
def client(filing):
    client = Client()
    login_verified(client, filing.owner)
    return client


def edit(client: Client, filing: Filing, post: dict):
    return client.post(reverse("filings:edit", args=[filing.pk]), post)


def test_the_later_of_two_saves_is_refused_and_shows_both(client, filing):
    first, second = opened(filing), opened(filing)
    assert edit(client, filing, {**first, "phone": "010-88886666"}).status_code == 302

    page = edit(client, filing, {**second, "residence": "北京市海淀区中关村大街1号"})

    assert page.status_code == 200
    html = page.content.decode()
    assert "已被另一次保存修改（现为第2版）" in html
    assert "另一次保存改动的以下项目已填入下方：联系电话" in html
    form = page.context["form"]
    assert form["residence"].value() == "北京市海淀区中关村大街1号"  # as typed here
    assert form["phone"].value() == "010-88886666"  # from the other save
    assert form["revision"].value() == "2"
    filing.refresh_from_db()
    assert filing.revisions.count() == 2
    assert filing.current_revision.phone == "010-88886666"
    assert filing.current_revision.residence != "北京市海淀区中关村大街1号"

    # Saved again from the merged page: both changes are in the new revision.
    assert edit(client, filing, form.data.dict()).status_code == 302
    filing.refresh_from_db()
    latest = filing.current_revision
    assert latest.number == 3
    assert latest.phone == "010-88886666"
    assert latest.residence == "北京市海淀区中关村大街1号"
    assert FilingEvent.objects.filter(filing=filing, kind=FilingEvent.Kind.SAVED).count() == 2


def test_a_field_both_saves_changed_keeps_what_this_page_typed_and_is_named(client, filing):
    first, second = opened(filing), opened(filing)
    edit(client, filing, {**first, "phone": "010-11112222"})

    page = edit(client, filing, {**second, "phone": "010-33334444"})

    html = page.content.decode()
    assert "以下项目两次都有改动，下方是您本次填写的内容：联系电话" in html
    assert page.context["form"]["phone"].value() == "010-33334444"
    filing.refresh_from_db()
    assert filing.current_revision.phone == "010-11112222"


def test_the_other_save_moving_the_authority_is_carried_over(client, filing):
    first, second = opened(filing), opened(filing)
    edit(client, filing, {**first, "authority": "310000"})

    page = edit(client, filing, {**second, "remarks": "经营范围：货物进出口。"})

    assert page.context["authority"] == authority("310000")
    assert "备案登记机关" in page.content.decode()
    form = page.context["form"]
    assert form.data["authority"] == "310000"
    assert form["remarks"].value() == "经营范围：货物进出口。"


def test_a_save_with_the_revision_it_was_opened_on_goes_through(client, filing):
    assert edit(client, filing, {**opened(filing), "phone": "010-88886666"}).status_code == 302
    filing.refresh_from_db()
    assert filing.current_revision.phone == "010-88886666"


def test_the_service_refuses_a_stale_save_and_writes_nothing(filing):
    data = {field: getattr(filing.current_revision, field) for field in services.REVISION_FIELDS}
    services.filing_save(
        filing=filing, acting_user=filing.owner, authority=filing.authority, data=data
    )
    with pytest.raises(ValidationError) as refused:
        services.filing_save(
            filing=filing,
            acting_user=filing.owner,
            authority=filing.authority,
            data={**data, "phone": "010-99990000"},
            expected_revision=1,
        )
    assert "revision" in refused.value.error_dict
    filing.refresh_from_db()
    assert filing.revisions.count() == 2
    assert filing.current_revision.phone == OLD_PHONE


def test_an_approval_in_between_is_not_a_stale_save():
    """An approval writes no revision: the 编辑 opened before it becomes a 变更, as before."""
    filing = make_filing(status=Status.REPORTED)
    page_data = opened(filing)
    officer_client = Client()
    login_verified(officer_client, make_officer())
    officer_client.post(reverse("office:approve", args=[filing.pk]), {"revision": 1})
    owner = Client()
    login_verified(owner, filing.owner)

    answer = edit(owner, filing, {**page_data, **form_post(same_operator(filing))})

    assert answer.status_code == 302
    filing.refresh_from_db()
    assert filing.status == Status.CHANGING
