"""Field rules of the registration form (FORM.md, step 2 and step 3), one rule per test.

Every refusal is checked on the field it belongs to, in Chinese, with no error elsewhere.
"""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from tradereg.accounts.forms import AccountForm
from tradereg.accounts.services import enterprise_user_create
from tradereg.common import codes
from tradereg.filings.forms import FilingForm, StartForm
from tradereg.filings.models import Currency, IdType, Method, OperatorType
from tradereg.filings.tests.factories import PASSWORD, filing_data, form_post

pytestmark = pytest.mark.usefixtures("reference_data")

VALID_USCC = "91350100M000100Y43"
LEGACY_REG_NO = "110108000000016"


def has_chinese(text: str) -> bool:
    return any("\u4e00" <= char <= "\u9fff" for char in text)


def bound(method: str = Method.USCC, **overrides) -> FilingForm:
    return FilingForm(form_post(filing_data(), **overrides), method=method)


def other_method(**overrides) -> FilingForm:
    """Method 其他: no USCC field; an organisation code and a 15-digit registration number."""
    data = filing_data()
    data.pop("uscc")
    values = {"org_code": "D2143569X", "registration_no": LEGACY_REG_NO, **overrides}
    return FilingForm(form_post(data, **values), method=Method.OTHER)


def only_error(form: FilingForm | AccountForm | StartForm, field: str) -> str:
    """The form is refused on ``field`` alone; returns its first message (in Chinese)."""
    assert not form.is_valid()
    assert set(form.errors) == {field}, form.errors
    message = form.errors[field][0]
    assert has_chinese(message), message
    return message


def operator_type(name: str) -> OperatorType:
    return OperatorType.objects.get(name=name)


# --- step 2 -----------------------------------------------------------------------------


def test_start_form_accepts_authority_code_and_method():
    form = StartForm({"authority": "440300", "method": Method.USCC})
    assert form.is_valid(), form.errors
    assert form.cleaned_data["authority"].name == "深圳市商务局"


def test_start_form_requires_authority():
    message = only_error(StartForm({"method": Method.USCC}), "authority")
    assert "选择" in message


def test_start_form_refuses_unknown_authority():
    only_error(StartForm({"authority": "999999", "method": Method.USCC}), "authority")


def test_start_form_requires_method():
    only_error(StartForm({"authority": "110000"}), "method")


# --- the valid baseline -----------------------------------------------------------------


def test_factory_data_is_valid():
    form = bound()
    assert form.is_valid(), form.errors


def test_other_method_data_is_valid():
    form = other_method()
    assert form.is_valid(), form.errors
    assert "uscc" not in form.fields
    assert form.cleaned_data["uscc"] == ""


# --- names ------------------------------------------------------------------------------


def test_chinese_name_without_chinese_characters_refused():
    message = only_error(bound(name_cn="Beijing Trading Co"), "name_cn")
    assert "中文" in message


def test_chinese_name_is_trimmed():
    form = bound(name_cn="  北京  贸易有限公司 ")
    assert form.is_valid(), form.errors
    assert form.cleaned_data["name_cn"] == "北京 贸易有限公司"


def test_chinese_name_longer_than_100_refused():
    only_error(bound(name_cn="贸" * 101), "name_cn")


def test_english_name_with_full_width_comma_names_it_and_its_position():
    message = only_error(bound(name_en="Beijing Trading Co.，Ltd."), "name_en")
    assert "，" in message
    assert "第20个" in message


def test_english_name_with_chinese_character_refused():
    message = only_error(bound(name_en="Beijing 贸易"), "name_en")
    assert "贸" in message
    assert "第9个" in message


def test_english_premises_with_full_width_character_refused():
    message = only_error(bound(premises_en="No.１ Road"), "premises_en")
    assert "１" in message
    assert "第4个" in message


# --- USCC and organisation code ---------------------------------------------------------


def test_uscc_normalised_from_lower_case_spaces_and_full_width():
    form = bound(uscc=" 9135 0100ｍ000 １00y43 ", registration_no="")
    assert form.is_valid(), form.errors
    assert form.cleaned_data["uscc"] == VALID_USCC


def test_uscc_with_wrong_check_character_refused():
    message = only_error(bound(uscc="91350100M000100Y44", registration_no=LEGACY_REG_NO), "uscc")
    assert message == codes.CHECK_FAILED


def test_uscc_with_wrong_length_refused():
    message = only_error(bound(uscc="91350100M000100Y4", registration_no=LEGACY_REG_NO), "uscc")
    assert "18位" in message


def test_uscc_required_under_method_uscc():
    only_error(bound(uscc="", registration_no=LEGACY_REG_NO), "uscc")


def test_org_code_with_hyphen_accepted_for_method_other():
    form = other_method(org_code="d2143569-x")
    assert form.is_valid(), form.errors
    assert form.cleaned_data["org_code"] == "D2143569X"


def test_org_code_with_wrong_check_refused():
    only_error(other_method(org_code="D21435690"), "org_code")


def test_org_code_required_for_method_other():
    message = only_error(other_method(org_code=""), "org_code")
    assert "组织机构代码" in message


def test_org_code_not_required_for_individual_business():
    form = other_method(org_code="", operator_type=operator_type("个体工商户（独资经营者）"))
    assert form.is_valid(), form.errors
    assert form.cleaned_data["org_code"] == ""


def test_org_code_required_for_foreign_enterprise():
    only_error(
        other_method(org_code="", operator_type=operator_type("外国（地区）企业")), "org_code"
    )


# --- phone, fax, postcode ---------------------------------------------------------------


def test_phone_full_width_digits_accepted():
    form = bound(phone="０１０－６５００１２３４")
    assert form.is_valid(), form.errors
    assert form.cleaned_data["phone"] == "010-65001234"


def test_phone_with_brackets_and_plus_accepted():
    form = bound(phone="+86 (10) 6500-1234")
    assert form.is_valid(), form.errors


@pytest.mark.parametrize("phone", ["010-6500x234", "123456", "1" * 33])
def test_phone_refused(phone):
    only_error(bound(phone=phone), "phone")


def test_fax_follows_phone_rules():
    only_error(bound(fax="fax me"), "fax")
    assert bound(fax="").is_valid()


def test_postcode_full_width_digits_accepted():
    form = bound(postcode="１０００２０")
    assert form.is_valid(), form.errors
    assert form.cleaned_data["postcode"] == "100020"


@pytest.mark.parametrize("postcode", ["10002", "1000200", "10002a"])
def test_postcode_must_be_six_digits(postcode):
    message = only_error(bound(postcode=postcode), "postcode")
    assert "6位" in message


# --- registration date and number -------------------------------------------------------


def test_registration_date_in_the_future_refused():
    tomorrow = timezone.localdate() + timedelta(days=1)
    message = only_error(bound(registration_date=tomorrow), "registration_date")
    assert "今天" in message


def test_registration_date_today_accepted():
    assert bound(registration_date=timezone.localdate()).is_valid()


def test_registration_date_before_1949_10_01_refused():
    message = only_error(bound(registration_date=date(1949, 9, 30)), "registration_date")
    assert "1949" in message


def test_registration_date_1949_10_01_accepted():
    assert bound(registration_date=date(1949, 10, 1)).is_valid()


def test_registration_no_prefilled_from_uscc_when_blank():
    form = bound(uscc=VALID_USCC, registration_no="")
    assert form.is_valid(), form.errors
    assert form.cleaned_data["registration_no"] == VALID_USCC


def test_registration_no_legacy_15_digits_accepted():
    form = bound(registration_no=LEGACY_REG_NO)
    assert form.is_valid(), form.errors
    assert form.cleaned_data["registration_no"] == LEGACY_REG_NO


def test_registration_no_legacy_with_wrong_check_refused():
    only_error(bound(registration_no="110108000000017"), "registration_no")


def test_registration_no_of_other_length_refused():
    message = only_error(bound(registration_no="1101080000"), "registration_no")
    assert "10位" in message


def test_registration_no_required_under_method_other():
    only_error(other_method(registration_no=""), "registration_no")


def test_registration_no_of_18_characters_must_be_the_uscc():
    """Under method 统一社会信用代码 an 18-character number is that code, not another one."""
    message = only_error(
        bound(uscc=VALID_USCC, registration_no="91110000600037341L"), "registration_no"
    )
    assert "第3位" in message
    assert "统一社会信用代码" in message


def test_registration_no_equal_to_the_uscc_accepted_whatever_the_case():
    form = bound(uscc=VALID_USCC, registration_no="91350100m000100y43")
    assert form.is_valid(), form.errors
    assert form.cleaned_data["registration_no"] == VALID_USCC


def test_registration_no_of_18_characters_under_method_other_needs_only_its_check():
    form = other_method(registration_no="91110000600037341L")
    assert form.is_valid(), form.errors


def test_registration_no_of_18_characters_with_a_bad_character_names_its_position():
    message = only_error(
        bound(uscc=VALID_USCC, registration_no="91350100M00010OY43"), "registration_no"
    )
    assert "第15位" in message
    assert "O" in message


def test_registration_no_legacy_with_a_letter_names_its_position():
    message = only_error(bound(registration_no="1101080000A0016"), "registration_no")
    assert "第11位" in message
    assert "A" in message


def test_registration_no_legacy_check_failure_reads_like_the_other_codes():
    message = only_error(bound(registration_no="110108000000017"), "registration_no")
    assert message == codes.CHECK_FAILED


# --- representative's ID ----------------------------------------------------------------


def test_resident_id_lower_case_x_accepted():
    form = bound(id_type=IdType.RESIDENT_ID, id_number="11010519491231002x")
    assert form.is_valid(), form.errors
    assert form.cleaned_data["id_number"] == "11010519491231002X"


def test_resident_id_with_wrong_check_refused():
    message = only_error(
        bound(id_type=IdType.RESIDENT_ID, id_number="110105194912310021"), "id_number"
    )
    assert message == codes.CHECK_FAILED


def test_resident_id_with_impossible_birth_date_refused():
    body = "11010519490231002"
    number = body + codes.resident_id_check_char(body)
    message = only_error(bound(id_type=IdType.RESIDENT_ID, id_number=number), "id_number")
    assert "出生日期" in message


@pytest.mark.parametrize("number", ["E1234", "E" * 32])
def test_passport_of_5_to_32_characters_accepted(number):
    form = bound(id_type=IdType.PASSPORT, id_number=number)
    assert form.is_valid(), form.errors


@pytest.mark.parametrize("number", ["E123", "E" * 33])
def test_passport_outside_5_to_32_characters_refused(number):
    only_error(bound(id_type=IdType.PASSPORT, id_number=number), "id_number")


# --- capital ----------------------------------------------------------------------------


def test_capital_negative_refused():
    only_error(bound(capital="-1"), "capital")


def test_capital_with_more_than_6_decimals_refused():
    only_error(bound(capital="1.1234567"), "capital")


def test_capital_with_6_decimals_accepted():
    assert bound(capital="1.123456").is_valid()


def test_capital_usd_computed_from_the_currency_rate_when_blank():
    form = bound(capital="500", capital_usd="")
    assert form.is_valid(), form.errors
    assert form.cleaned_data["capital_usd"] == Decimal("70.4")


def test_capital_usd_typed_value_kept():
    form = bound(capital="500", capital_usd="71")
    assert form.is_valid(), form.errors
    assert form.cleaned_data["capital_usd"] == Decimal("71")


def test_capital_usd_negative_refused():
    only_error(bound(capital_usd="-0.5"), "capital_usd")


def test_capital_usd_required_for_a_currency_without_a_rate():
    """其他 has no rate (0 in the reference data): 折美元 cannot be computed as 0."""
    other = Currency.objects.get(name="其他")
    assert other.usd_rate == 0
    message = only_error(bound(capital="500", currency=other, capital_usd=""), "capital_usd")
    assert "其他" in message
    assert "折美元" in message


def test_capital_usd_typed_for_a_currency_without_a_rate_accepted():
    other = Currency.objects.get(name="其他")
    form = bound(capital="500", currency=other, capital_usd="12.5")
    assert form.is_valid(), form.errors
    assert form.cleaned_data["capital_usd"] == Decimal("12.5")


def test_page_script_gets_no_rate_for_a_currency_without_one():
    form = FilingForm(method=Method.USCC)
    rates = dict(
        pair.split(":") for pair in form.fields["currency"].widget.attrs["data-rates"].split(",")
    )
    assert str(Currency.objects.get(name="其他").pk) not in rates
    assert rates[str(Currency.objects.get(code="CNY").pk)] == "0.140800"


# --- section labels ---------------------------------------------------------------------


def test_section_a_labels_by_default():
    form = FilingForm(method=Method.USCC)
    assert form.fields["representative"].label == "企业法定代表人姓名"
    assert form.fields["capital"].label == "注册资金（万元）"
    assert form.section_heading == "依法办理工商登记的企业还须填写以下内容"


def test_section_b_labels_for_foreign_enterprise():
    form = bound(operator_type=operator_type("外国（地区）企业"))
    assert form.fields["representative"].label == "企业法定代表人/个体工商负责人姓名"
    assert form.fields["capital"].label == "企业资产/个人财产（万元）"
    assert "外国（地区）企业或个体工商户" in form.section_heading


def test_section_b_labels_from_initial_operator_type():
    individual = operator_type("个体工商户（独资经营者）")
    form = FilingForm(initial={"operator_type": individual.pk}, method=Method.USCC)
    assert form.fields["representative"].label == "企业法定代表人/个体工商负责人姓名"


def test_section_labels_do_not_leak_between_forms():
    bound(operator_type=operator_type("外国（地区）企业"))
    form = bound(operator_type=operator_type("私营企业"))
    assert form.fields["representative"].label == "企业法定代表人姓名"


# --- the account block ------------------------------------------------------------------


def account(
    username: str = "trade-clerk", password: str = PASSWORD, confirm: str | None = None, **extra
) -> AccountForm:
    data = {
        "username": username,
        "password1": password,
        "password2": password if confirm is None else confirm,
        "email": "clerk@example.cn",
        **extra,
    }
    return AccountForm(data)


def test_account_form_valid():
    form = account()
    assert form.is_valid(), form.errors


@pytest.mark.parametrize("username", ["abc", "a" * 31])
def test_username_length_4_to_30(username):
    only_error(account(username=username), "username")


@pytest.mark.parametrize("username", ["abcd", "a" * 30, "Ab_1-.x"])
def test_username_allowed_characters_accepted(username):
    assert account(username=username).is_valid()


@pytest.mark.parametrize("username", ["用户名abc", "ab cd", "abc@de", "abc/de"])
def test_username_other_characters_refused(username):
    only_error(account(username=username), "username")


def test_username_unique_whatever_the_case():
    enterprise_user_create(username="demo-enterprise", email="demo@example.cn", password=PASSWORD)
    message = only_error(account(username="Demo-Enterprise"), "username")
    assert "已被使用" in message


@pytest.mark.parametrize("password", ["abcdefgh1", "ABCDEFGH!", "abcdefgh!!", "12345678a"])
def test_password_with_fewer_than_3_classes_refused(password):
    only_error(account(password=password), "password1")


@pytest.mark.parametrize("password", ["Xk7mqpwzrt", "xk7mqpwz!t", "XK7MQPWZ!T", "Xkmqpwz!rt"])
def test_password_with_3_classes_accepted(password):
    form = account(password=password)
    assert form.is_valid(), form.errors


def test_password_shorter_than_8_refused():
    only_error(account(password="Xk7!mq"), "password1")


def test_password_similar_to_username_refused():
    only_error(account(username="tradeclerk", password="Tradeclerk1"), "password1")


def test_password_similar_to_email_refused():
    form = account(password="Clerk@example1")
    only_error(form, "password1")


def test_password_mismatch_refused_on_confirmation():
    message = only_error(account(confirm=PASSWORD + "x"), "password2")
    assert "不一致" in message
