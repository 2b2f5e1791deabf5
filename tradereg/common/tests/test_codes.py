"""Identifier checks against the vectors in FORM.md, plus property tests."""

import random
from datetime import date

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from tradereg.common import codes
from tradereg.common.codes import (
    CHECK_FAILED,
    ORG_CODE_ALPHABET,
    USCC_ALPHABET,
    ascii_problem,
    generate_legacy_reg_no,
    generate_org_code,
    generate_resident_id,
    generate_uscc,
    is_valid_legacy_reg_no,
    is_valid_org_code,
    is_valid_resident_id,
    is_valid_system_no,
    is_valid_uscc,
    legacy_reg_no_check_digit,
    legacy_reg_no_problem,
    make_system_no,
    mod11_2_check_char,
    normalize_code,
    org_code_check_char,
    org_code_problem,
    registration_no_uscc_problem,
    resident_id_check_char,
    resident_id_problem,
    system_no_check_char,
    uscc_check_char,
    uscc_problem,
)

TODAY = date(2026, 11, 15)
DIGITS = "0123456789"

VALID_USCC = ["91350100M000100Y43", "91110000600037341L", "9144030071526726XG"]
VALID_ORG = ["D2143569X", "710928321", "100000040", "600037341"]
VALID_RESIDENT_ID = ["11010519491231002X", "440524188001010014", "360426199101010071"]
VALID_LEGACY = ["110108000000016", "440300000000009"]


def substitute(value: str, position: int, char: str) -> str:
    return value[:position] + char + value[position + 1 :]


# --------------------------------------------------------------------------------------
# USCC
# --------------------------------------------------------------------------------------


def test_uscc_alphabet_has_31_symbols_without_ioszv():
    assert len(USCC_ALPHABET) == 31
    assert not set("IOZSV") & set(USCC_ALPHABET)


@pytest.mark.parametrize("value", VALID_USCC)
def test_uscc_valid_vectors(value):
    assert uscc_check_char(value[:17]) == value[17]
    assert uscc_problem(value) is None
    assert is_valid_uscc(value)


def test_uscc_weighted_sum_example():
    # FORM.md: Σ = 1640 → "3"; 1640 mod 31 = 28, (31 − 28) mod 31 = 3.
    assert uscc_check_char("91350100M000100Y4") == "3"


def test_uscc_invalid_vector_fails_both_checks():
    value = "91440300713555564J"
    assert not is_valid_uscc(value)
    assert uscc_check_char(value[:17]) == "9"
    assert not is_valid_org_code(value[8:17])
    assert org_code_problem(value[8:17]) == CHECK_FAILED
    assert uscc_problem(value) == "第9至17位的组织机构代码“713555564”校验不通过，请核对后重新输入"


def test_uscc_embedded_org_code_checked_even_when_own_check_is_right():
    value = "91440300713555564" + "9"
    assert uscc_check_char(value[:17]) == value[17]
    assert not is_valid_uscc(value)
    assert "组织机构代码" in uscc_problem(value)


def test_uscc_wrong_check_character():
    assert uscc_problem("91350100M000100Y44") == CHECK_FAILED
    assert uscc_problem("91350100M000100Y44") == "校验位错误，请核对后重新输入"


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("9135010", "统一社会信用代码应为18位，当前为7位"),
        ("91350100M000100Y431", "统一社会信用代码应为18位，当前为19位"),
        ("", "统一社会信用代码应为18位，当前为0位"),
        ("9135I100M000100Y43", "第5位字符“I”不是统一社会信用代码允许的字符"),
        ("91350100M000100YO3", "第17位字符“O”不是统一社会信用代码允许的字符"),
        ("91350100m000100Y43", "第9位字符“m”不是统一社会信用代码允许的字符"),
        ("9135010０M000100Y43", "第8位字符“０”不是统一社会信用代码允许的字符"),
        ("913501A0M000100Y43", "第7位字符“A”应为数字（第3至8位为登记管理机关行政区划码）"),
    ],
)
def test_uscc_problem_messages(value, message):
    assert uscc_problem(value) == message
    assert not is_valid_uscc(value)


@pytest.mark.parametrize("body", ["", "91350100M000100Y", "91350100M000100YI"])
def test_uscc_check_char_rejects_bad_body(body):
    with pytest.raises(ValueError, match="USCC body"):
        uscc_check_char(body)


# --------------------------------------------------------------------------------------
# Organisation code
# --------------------------------------------------------------------------------------


@pytest.mark.parametrize("value", VALID_ORG)
def test_org_code_valid_vectors(value):
    assert org_code_check_char(value[:8]) == value[8]
    assert org_code_problem(value) is None
    assert is_valid_org_code(value)


def test_org_code_weighted_sum_example():
    # FORM.md: Σ = 199 → "X"; 11 − 199 mod 11 = 10.
    assert org_code_check_char("D2143569") == "X"


def test_org_code_check_eleven_is_zero():
    assert org_code_check_char("10000004") == "0"


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("D2143569", "组织机构代码应为9位，当前为8位"),
        ("D2143569-X", "组织机构代码应为9位，当前为10位"),
        ("D21435*9X", "第7位字符“*”不是组织机构代码允许的字符"),
        ("d2143569X", "第1位字符“d”不是组织机构代码允许的字符"),
        ("D2143569Y", "第9位字符“Y”不是组织机构代码允许的校验位，校验位应为数字或“X”"),
        ("D21435691", "校验位错误，请核对后重新输入"),
        ("710928320", "校验位错误，请核对后重新输入"),
    ],
)
def test_org_code_problem_messages(value, message):
    assert org_code_problem(value) == message
    assert not is_valid_org_code(value)


def test_org_code_letter_table_differs_from_uscc():
    # I, O, S, V and Z are valid organisation-code body characters (values 18, 24 …).
    body = "OISVZ123"
    assert is_valid_org_code(body + org_code_check_char(body))


def test_org_code_blind_spot_values_eleven_apart():
    # GB 11714 works mod 11 over values up to 35: symbols whose values differ by a
    # multiple of 11 (D=13 and 2) are interchangeable without breaking the check.
    assert is_valid_org_code("22143569X")


# --------------------------------------------------------------------------------------
# Resident ID
# --------------------------------------------------------------------------------------


@pytest.mark.parametrize("value", VALID_RESIDENT_ID)
def test_resident_id_valid_vectors(value):
    assert resident_id_check_char(value[:17]) == value[17]
    assert mod11_2_check_char(value[:17]) == value[17]
    assert resident_id_problem(value, today=TODAY) is None
    assert is_valid_resident_id(value, today=TODAY)
    assert is_valid_resident_id(value)


def test_resident_id_lower_bound_allows_1880():
    assert is_valid_resident_id("440524188001010014", today=TODAY)
    assert date(1880, 1, 1) >= codes.RESIDENT_ID_MIN_BIRTH


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ("11010519490231002", "第7至14位的出生日期“19490231”不是有效日期"),
        ("11010519491331002", "第7至14位的出生日期“19491331”不是有效日期"),
        ("11010500000101002", "第7至14位的出生日期“00000101”不是有效日期"),
        ("11010517991231002", "第7至14位的出生日期“17991231”早于1800年1月1日"),
        ("11010520261116002", "第7至14位的出生日期“20261116”晚于今天"),
    ],
)
def test_resident_id_birth_date_problems(body, message):
    value = body + resident_id_check_char(body)
    assert resident_id_problem(value, today=TODAY) == message
    assert not is_valid_resident_id(value, today=TODAY)


def test_resident_id_born_today_is_valid():
    body = "11010520261115002"
    assert is_valid_resident_id(body + resident_id_check_char(body), today=TODAY)


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("11010519491231002", "居民身份证号码应为18位，当前为17位"),
        ("110105194912310021X", "居民身份证号码应为18位，当前为19位"),
        ("1101051949123100XX", "第17位字符“X”应为数字"),
        ("11010519491231002x", "第18位字符“x”不是允许的校验位，校验位应为数字或“X”"),
        ("110105194912310021", "校验位错误，请核对后重新输入"),
    ],
)
def test_resident_id_problem_messages(value, message):
    assert resident_id_problem(value, today=TODAY) == message


def test_resident_id_check_char_rejects_bad_body():
    with pytest.raises(ValueError, match="resident ID"):
        resident_id_check_char("1101051949123100X")


@given(st.text(alphabet=DIGITS, min_size=17, max_size=17))
def test_generic_mod11_2_reproduces_resident_id_weights(body):
    assert mod11_2_check_char(body) == resident_id_check_char(body)


# --------------------------------------------------------------------------------------
# Legacy registration number
# --------------------------------------------------------------------------------------


@pytest.mark.parametrize("value", VALID_LEGACY)
def test_legacy_valid_vectors(value):
    assert legacy_reg_no_check_digit(value[:14]) == value[14]
    assert is_valid_legacy_reg_no(value)
    assert legacy_reg_no_problem(value) is None


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("11010800000001", "工商登记注册号应为15位，当前为14位"),
        ("11010800000001X", "第15位字符“X”应为数字"),
        ("110108000000017", "校验位错误，请核对后重新输入"),
    ],
)
def test_legacy_problem_messages(value, message):
    assert legacy_reg_no_problem(value) == message
    assert not is_valid_legacy_reg_no(value)


# --------------------------------------------------------------------------------------
# 工商登记注册号 against the USCC
# --------------------------------------------------------------------------------------


def test_registration_no_equal_to_the_uscc_has_no_problem():
    assert registration_no_uscc_problem("91350100M000100Y43", "91350100M000100Y43") is None


def test_legacy_registration_no_is_not_compared_with_the_uscc():
    assert registration_no_uscc_problem("110108000000016", "91350100M000100Y43") is None


def test_registration_no_other_than_the_uscc_names_the_first_differing_position():
    message = registration_no_uscc_problem("91110000600037341L", "91350100M000100Y43")
    assert message == (
        "第3位字符“1”与统一社会信用代码不一致（应为“3”），18位工商登记注册号应与统一社会信用代码相同"
    )


@given(st.integers(min_value=0, max_value=17), st.sampled_from(USCC_ALPHABET))
def test_registration_no_mismatch_position_is_the_changed_one(index, char):
    uscc = "91350100M000100Y43"
    assume(uscc[index] != char)
    changed = uscc[:index] + char + uscc[index + 1 :]
    assert registration_no_uscc_problem(changed, uscc).startswith(f"第{index + 1}位")


# --------------------------------------------------------------------------------------
# System number
# --------------------------------------------------------------------------------------


def test_make_system_no_layout():
    value = make_system_no(yymm="2611", sequence=1234)
    assert len(value) == 12
    assert value[:11] == "26110001234"
    assert value[11] == system_no_check_char("26110001234")
    assert is_valid_system_no(value)


def test_system_no_uses_x_for_ten():
    sequence = next(n for n in range(1000) if system_no_check_char(f"2611{n:07d}") == "X")
    value = make_system_no(yymm="2611", sequence=sequence)
    assert value.endswith("X")
    assert is_valid_system_no(value)


@pytest.mark.parametrize(
    "value",
    ["", "26110000123", "2611000012345", "261100001235", "2611000A1234", "261300001234"],
)
def test_system_no_invalid(value):
    assert not is_valid_system_no(value)


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"yymm": "261", "sequence": 1}, "4 digits"),
        ({"yymm": "2613", "sequence": 1}, "month"),
        ({"yymm": "2600", "sequence": 1}, "month"),
        ({"yymm": "2611", "sequence": -1}, "range"),
        ({"yymm": "2611", "sequence": 10_000_000}, "range"),
    ],
)
def test_make_system_no_rejects_bad_input(kwargs, match):
    with pytest.raises(ValueError, match=match):
        make_system_no(**kwargs)


# --------------------------------------------------------------------------------------
# normalize_code and ascii_problem
# --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "clean"),
    [
        ("91350100m000100y43", "91350100M000100Y43"),
        ("  9135 0100 M000 100Y 43  ", "91350100M000100Y43"),
        ("9135\u30000100\u3000M000100Y43", "91350100M000100Y43"),
        ("９１３５０１００Ｍ０００１００Ｙ４３", "91350100M000100Y43"),
        ("ｍ０００１００ｙ４", "M000100Y4"),
        ("D2143569-X", "D2143569X"),
        ("d2143569－x", "D2143569X"),
        ("11010519491231002x", "11010519491231002X"),
        ("110105-19491231-002X", "11010519491231002X"),
        ("", ""),
    ],
)
def test_normalize_code(raw, clean):
    assert normalize_code(raw) == clean


def test_normalized_input_validates():
    assert is_valid_uscc(normalize_code(" ９１３５０１００ｍ０００１００ｙ４３ "))
    assert is_valid_org_code(normalize_code("d2143569-x"))
    assert is_valid_resident_id(normalize_code("110105 19491231 002x"), today=TODAY)


def test_normalize_keeps_other_characters_for_precise_messages():
    value = normalize_code("9135I100M000100Y43")
    assert uscc_problem(value) == "第5位字符“I”不是统一社会信用代码允许的字符"


@pytest.mark.parametrize(
    "value", ["", "Beijing Trading Co., Ltd.", " !\"#$%&'()*+,-./~{|}", "No. 1 Road"]
)
def test_ascii_problem_accepts_printable_ascii(value):
    assert ascii_problem(value) is None


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("Beijing ABC，Ltd", "第12个字符“，”是全角或非英文字符，请使用英文半角字符"),
        ("ABC贸易Co.", "第4个字符“贸”是全角或非英文字符，请使用英文半角字符"),
        ("ＡBC", "第1个字符“Ａ”是全角或非英文字符，请使用英文半角字符"),
        ("Café", "第4个字符“é”是全角或非英文字符，请使用英文半角字符"),
        ("A\u3000B", "第2个字符“\u3000”（U+3000）是全角或非英文字符，请使用英文半角字符"),
        ("A\tB", "第2个字符（U+0009）是控制字符，请删除"),
    ],
)
def test_ascii_problem_names_character_and_position(value, message):
    assert ascii_problem(value) == message


# --------------------------------------------------------------------------------------
# Generators and single-substitution properties
# --------------------------------------------------------------------------------------

rngs = st.randoms(use_true_random=False)


@given(rngs, st.integers(0, 17), st.sampled_from(USCC_ALPHABET))
def test_uscc_single_substitution_fails(rng, position, char):
    value = generate_uscc(rng)
    assert is_valid_uscc(value)
    assume(value[position] != char)
    assert not is_valid_uscc(substitute(value, position, char))


@given(rngs, st.sampled_from(["110000", "440300", "350100", "650000"]))
def test_generate_uscc_layout(rng, region_code):
    value = generate_uscc(rng, region_code=region_code)
    assert value[:2] == "91"
    assert value[2:8] == region_code
    assert is_valid_org_code(value[8:17])
    assert uscc_problem(value) is None


@given(rngs, st.integers(0, 8), st.sampled_from(ORG_CODE_ALPHABET))
def test_org_code_single_substitution_fails(rng, position, char):
    value = generate_org_code(rng)
    assert is_valid_org_code(value)
    assume(value[position] != char)
    if position < 8:
        # Values a multiple of 11 apart are the known blind spot of GB 11714.
        values = {c: v for v, c in enumerate(ORG_CODE_ALPHABET)}
        assume((values[value[position]] - values[char]) % 11 != 0)
    assert not is_valid_org_code(substitute(value, position, char))


@given(rngs, st.integers(0, 7), st.sampled_from(DIGITS))
def test_org_code_digit_substitution_always_fails(rng, position, char):
    value = generate_org_code(rng)
    assume(value[position].isdigit() and value[position] != char)
    assert not is_valid_org_code(substitute(value, position, char))


@given(rngs, st.dates(min_value=date(1800, 1, 1), max_value=TODAY))
def test_generate_resident_id_with_birth(rng, birth):
    value = generate_resident_id(rng, region_code="440524", birth=birth)
    assert value.startswith("440524" + birth.strftime("%Y%m%d"))
    assert is_valid_resident_id(value, today=TODAY)


@given(rngs, st.integers(0, 17), st.sampled_from(DIGITS + "X"))
def test_resident_id_single_substitution_fails(rng, position, char):
    value = generate_resident_id(rng)
    assert is_valid_resident_id(value, today=TODAY)
    assume(value[position] != char)
    assert not is_valid_resident_id(substitute(value, position, char), today=TODAY)


@given(rngs, st.integers(0, 14), st.sampled_from(DIGITS))
def test_legacy_single_substitution_fails(rng, position, char):
    value = generate_legacy_reg_no(rng)
    assert value.startswith("110108")
    assert is_valid_legacy_reg_no(value)
    assume(value[position] != char)
    assert not is_valid_legacy_reg_no(substitute(value, position, char))


yymms = st.builds(lambda y, m: f"{y:02d}{m:02d}", st.integers(0, 99), st.integers(1, 12))
sequences = st.integers(0, 9_999_999)


@given(yymms, sequences)
def test_make_system_no_round_trips(yymm, sequence):
    value = make_system_no(yymm=yymm, sequence=sequence)
    assert is_valid_system_no(value)
    assert value[:4] == yymm
    assert int(value[4:11]) == sequence


@given(yymms, sequences, st.integers(0, 11), st.sampled_from(DIGITS + "X"))
def test_system_no_single_substitution_fails(yymm, sequence, position, char):
    value = make_system_no(yymm=yymm, sequence=sequence)
    assume(value[position] != char)
    assert not is_valid_system_no(substitute(value, position, char))


def test_generators_are_deterministic_for_a_seed():
    first, second = random.Random(7), random.Random(7)
    assert [generate_uscc(first) for _ in range(5)] == [generate_uscc(second) for _ in range(5)]


@pytest.mark.parametrize("region_code", ["11000", "1100000", "11000A"])
def test_generators_reject_bad_region_code(region_code):
    rng = random.Random(1)
    with pytest.raises(ValueError, match="region code"):
        generate_uscc(rng, region_code=region_code)
    with pytest.raises(ValueError, match="region code"):
        generate_resident_id(rng, region_code=region_code)
    with pytest.raises(ValueError, match="region code"):
        generate_legacy_reg_no(rng, region_code=region_code)
