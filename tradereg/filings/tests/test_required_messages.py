"""An empty required field is named in its own words, next to it: 请填写经营者中文名称,
请选择经营者类型 — never the generic 这个字段是必填项."""

import pytest
from django.utils import translation

from tradereg.accounts.forms import AccountForm
from tradereg.filings.forms import FilingForm
from tradereg.filings.models import Method

pytestmark = pytest.mark.usefixtures("reference_data")


def test_each_empty_field_of_the_form_says_what_is_missing():
    form = FilingForm(data={}, method=Method.USCC)
    assert not form.is_valid()

    assert form.errors["name_cn"] == ["请填写经营者中文名称。"]
    assert form.errors["uscc"] == ["请填写统一社会信用代码。"]
    assert form.errors["operator_type"] == ["请选择经营者类型。"]
    assert form.errors["id_type"] == ["请选择证件类型。"]
    messages = [message for errors in form.errors.values() for message in errors]
    assert "这个字段是必填项。" not in messages


def test_the_representatives_label_of_the_section_is_the_one_named():
    form = FilingForm(data={}, method=Method.OTHER)
    form.is_valid()
    label = form.fields["representative"].label
    assert form.errors["representative"] == [f"请填写{label}。"]
    assert form.errors["org_code"] == ["请填写组织机构代码（个体工商户可不填）。"]


def test_the_account_block_names_its_fields_too():
    form = AccountForm(data={})
    form.is_valid()
    assert form.errors["username"] == ["请填写用户名。"]
    assert form.errors["password2"] == ["请填写确认密码。"]


def test_in_english_the_field_is_named_in_english():
    with translation.override("en"):
        form = FilingForm(data={}, method=Method.USCC)
        form.is_valid()
        message = form.errors["name_cn"][0]
    assert "请" not in message
    assert str(FilingForm.base_fields["name_cn"].label) != message
    with translation.override("en"):
        assert str(FilingForm.base_fields["name_cn"].label) in message
