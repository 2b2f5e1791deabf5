"""Identifier checks and generators (FORM.md, "Numbers" and "Identifier checks").

Pure functions without Django so forms, services, data migrations and tests can share one
implementation of each check algorithm.

Validation functions take the value exactly as given; run user input through
`normalize_code` first (upper case, spaces and hyphens removed). The ``*_problem``
functions return the first problem as a ``Problem`` (a Chinese message that a caller can
translate), or ``None`` when the value is valid; positions in the messages are 1-based
and refer to the value as passed in.
"""

import random
import unicodedata
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

__all__ = [
    "ORG_CODE_ALPHABET",
    "Problem",
    "RESIDENT_ID_MIN_BIRTH",
    "USCC_ALPHABET",
    "ascii_problem",
    "form_no_problem",
    "generate_legacy_reg_no",
    "generate_org_code",
    "generate_resident_id",
    "generate_uscc",
    "ie_code_problem",
    "is_valid_legacy_reg_no",
    "is_valid_org_code",
    "is_valid_resident_id",
    "is_valid_system_no",
    "is_valid_uscc",
    "legacy_reg_no_check_digit",
    "legacy_reg_no_problem",
    "make_system_no",
    "mod11_2_check_char",
    "normalize_code",
    "org_code_check_char",
    "org_code_problem",
    "registration_no_uscc_problem",
    "resident_id_check_char",
    "resident_id_problem",
    "system_no_check_char",
    "uscc_check_char",
    "uscc_problem",
]

DIGITS = "0123456789"
_DIGIT_SET = frozenset(DIGITS)


def gettext_noop(message: str) -> str:
    """Marks a message for the translation catalogue (``makemessages`` knows this name)
    without translating it here: this module stays free of Django."""
    return message


class Problem(str):
    """A problem message. It reads as the Chinese text (the source language);
    ``template`` and ``params`` let a caller with Django show it in the visitor's
    language (``tradereg.common.messages.problem_text``)."""

    template: str
    params: dict[str, object]

    def __new__(cls, template: str, **params: object) -> "Problem":
        problem = super().__new__(cls, template % params if params else template)
        problem.template = template
        problem.params = params
        return problem


CHECK_FAILED = Problem(gettext_noop("校验位错误，请核对后重新输入"))

# The filings are Chinese; "today" for a birth date is the date in China, whatever the
# server's clock zone.
_CHINA_TZ = ZoneInfo("Asia/Shanghai")


def _today() -> date:
    """Today's date in China, the default reference for "not in the future"."""
    return datetime.now(_CHINA_TZ).date()


def _quote(char: str) -> str:
    """A character in Chinese quotes; invisible ones also get their code point."""
    if unicodedata.category(char)[0] in "CZ" and char != " ":
        return f"“{char}”（U+{ord(char):04X}）"
    return f"“{char}”"


# --------------------------------------------------------------------------------------
# Input clean-up
# --------------------------------------------------------------------------------------

_FULL_WIDTH_TO_ASCII = {code: code - 0xFEE0 for code in range(0xFF01, 0xFF5F)}
_REMOVED = {ord(" "): None, 0x3000: None, ord("-"): None}


def normalize_code(value: str) -> str:
    """Clean a typed or pasted code: users enter them with IME full-width characters,
    grouping spaces, hyphens (``D2143569-X``) and lower case.

    Strips, maps full-width ASCII (U+FF01–U+FF5E) to half-width, removes ASCII and
    full-width (U+3000) spaces and hyphens, and upper-cases.
    """
    text = value.strip().translate(_FULL_WIDTH_TO_ASCII)
    return text.translate(_REMOVED).upper()


def ascii_problem(value: str) -> str | None:
    """For the English fields, which are printed and exchanged with customs in half-width
    ASCII: name the first character outside printable ASCII (0x20–0x7E) and its position.
    """
    for position, char in enumerate(value, start=1):
        if " " <= char <= "~":
            continue
        if char < " " or char == "\x7f":
            return Problem(
                gettext_noop("第%(n)d个字符（U+%(code)s）是控制字符，请删除"),
                n=position,
                code=f"{ord(char):04X}",
            )
        return Problem(
            gettext_noop("第%(n)d个字符%(char)s是全角或非英文字符，请使用英文半角字符"),
            n=position,
            char=_quote(char),
        )
    return None


# --------------------------------------------------------------------------------------
# Organisation code (GB 11714)
# --------------------------------------------------------------------------------------

ORG_CODE_ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"
"""Body characters of an organisation code; values 0–35 (A=10 … Z=35)."""

_ORG_VALUES = {char: value for value, char in enumerate(ORG_CODE_ALPHABET)}
_ORG_WEIGHTS = (3, 7, 9, 10, 5, 8, 4, 2)
_ORG_CHECK_CHARS = frozenset(DIGITS + "X")


def org_code_check_char(body8: str) -> str:
    """The GB 11714 check character for an 8-character body: ``0``–``9`` or ``X``."""
    if len(body8) != 8 or any(char not in _ORG_VALUES for char in body8):
        raise ValueError(f"not an organisation code body: {body8!r}")
    pairs = zip(body8, _ORG_WEIGHTS, strict=True)
    total = sum(_ORG_VALUES[char] * weight for char, weight in pairs)
    check = 11 - total % 11
    return {10: "X", 11: "0"}.get(check, str(check))


def org_code_problem(value: str) -> str | None:
    """The first problem with an organisation code, so the user knows what to fix."""
    if len(value) != 9:
        return Problem(gettext_noop("组织机构代码应为9位，当前为%(n)d位"), n=len(value))
    for position, char in enumerate(value[:8], start=1):
        if char not in _ORG_VALUES:
            return Problem(
                gettext_noop("第%(n)d位字符%(char)s不是组织机构代码允许的字符"),
                n=position,
                char=_quote(char),
            )
    if value[8] not in _ORG_CHECK_CHARS:
        return Problem(
            gettext_noop("第9位字符%(char)s不是组织机构代码允许的校验位，校验位应为数字或“X”"),
            char=_quote(value[8]),
        )
    if org_code_check_char(value[:8]) != value[8]:
        return CHECK_FAILED
    return None


def is_valid_org_code(value: str) -> bool:
    """Whether ``value`` is a 9-character organisation code with a correct check."""
    return org_code_problem(value) is None


# --------------------------------------------------------------------------------------
# Unified social credit code (GB 32100-2015)
# --------------------------------------------------------------------------------------

USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
"""The 31 USCC symbols (no I O Z S V), values 0–30 in this order."""

_USCC_VALUES = {char: value for value, char in enumerate(USCC_ALPHABET)}
_USCC_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)


def uscc_check_char(body17: str) -> str:
    """The GB 32100 check character for a 17-character body, a symbol of the alphabet."""
    if len(body17) != 17 or any(char not in _USCC_VALUES for char in body17):
        raise ValueError(f"not a USCC body: {body17!r}")
    pairs = zip(body17, _USCC_WEIGHTS, strict=True)
    total = sum(_USCC_VALUES[char] * weight for char, weight in pairs)
    return USCC_ALPHABET[(31 - total % 31) % 31]


def uscc_problem(value: str) -> str | None:
    """The first problem with a USCC: length, characters, region digits, embedded
    organisation code, then the check character.
    """
    if len(value) != 18:
        return Problem(gettext_noop("统一社会信用代码应为18位，当前为%(n)d位"), n=len(value))
    for position, char in enumerate(value, start=1):
        if char not in _USCC_VALUES:
            return Problem(
                gettext_noop("第%(n)d位字符%(char)s不是统一社会信用代码允许的字符"),
                n=position,
                char=_quote(char),
            )
    for position in range(3, 9):
        char = value[position - 1]
        if char not in _DIGIT_SET:
            return Problem(
                gettext_noop("第%(n)d位字符%(char)s应为数字（第3至8位为登记管理机关行政区划码）"),
                n=position,
                char=_quote(char),
            )
    org_code = value[8:17]
    if not is_valid_org_code(org_code):
        return Problem(
            gettext_noop("第9至17位的组织机构代码“%(code)s”校验不通过，请核对后重新输入"),
            code=org_code,
        )
    if uscc_check_char(value[:17]) != value[17]:
        return CHECK_FAILED
    return None


def is_valid_uscc(value: str) -> bool:
    """Whether ``value`` is a well-formed USCC whose own and embedded checks both pass."""
    return uscc_problem(value) is None


# --------------------------------------------------------------------------------------
# ISO 7064 MOD 11-2: resident ID (GB 11643) and 系统编号
# --------------------------------------------------------------------------------------

_RESIDENT_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_RESIDENT_ID_CHECK_CHARS = "10X98765432"

RESIDENT_ID_MIN_BIRTH = date(1800, 1, 1)
"""Earliest accepted birth date: a plausibility bound, low enough for the 1880 vector in
FORM.md (ID numbers were issued to people alive in 1984, some born in the 1880s)."""


def _require_digits(body: str, length: int, what: str) -> None:
    if len(body) != length or any(char not in _DIGIT_SET for char in body):
        raise ValueError(f"not a {length}-digit {what} body: {body!r}")


def mod11_2_check_char(digits: str) -> str:
    """ISO 7064 MOD 11-2 check character for any string of digits (``X`` for 10).

    The generic recursive form, shared by the resident ID and the system number.
    """
    if not digits or any(char not in _DIGIT_SET for char in digits):
        raise ValueError(f"not a string of digits: {digits!r}")
    p = 0
    for char in digits:
        p = (p + int(char)) * 2 % 11
    check = (12 - p) % 11
    return "X" if check == 10 else str(check)


def resident_id_check_char(body17: str) -> str:
    """The GB 11643 check character for 17 digits, from the standard's weight table."""
    _require_digits(body17, 17, "resident ID")
    pairs = zip(body17, _RESIDENT_ID_WEIGHTS, strict=True)
    total = sum(int(char) * weight for char, weight in pairs)
    return _RESIDENT_ID_CHECK_CHARS[total % 11]


def resident_id_problem(value: str, *, today: date | None = None) -> str | None:
    """The first problem with an 18-character resident ID number: length, characters,
    birth date (real, not in the future, not before 1800-01-01), then the check character.
    """
    if len(value) != 18:
        return Problem(gettext_noop("居民身份证号码应为18位，当前为%(n)d位"), n=len(value))
    for position, char in enumerate(value[:17], start=1):
        if char not in _DIGIT_SET:
            return Problem(
                gettext_noop("第%(n)d位字符%(char)s应为数字"), n=position, char=_quote(char)
            )
    if value[17] not in _DIGIT_SET and value[17] != "X":
        return Problem(
            gettext_noop("第18位字符%(char)s不是允许的校验位，校验位应为数字或“X”"),
            char=_quote(value[17]),
        )
    birth_text = value[6:14]
    try:
        birth = date(int(birth_text[:4]), int(birth_text[4:6]), int(birth_text[6:]))
    except ValueError:
        return Problem(gettext_noop("第7至14位的出生日期“%(date)s”不是有效日期"), date=birth_text)
    if birth > (today or _today()):
        return Problem(gettext_noop("第7至14位的出生日期“%(date)s”晚于今天"), date=birth_text)
    if birth < RESIDENT_ID_MIN_BIRTH:
        return Problem(
            gettext_noop("第7至14位的出生日期“%(date)s”早于1800年1月1日"), date=birth_text
        )
    if resident_id_check_char(value[:17]) != value[17]:
        return CHECK_FAILED
    return None


def is_valid_resident_id(value: str, *, today: date | None = None) -> bool:
    """Whether ``value`` is a resident ID number with a plausible birth date and check."""
    return resident_id_problem(value, today=today) is None


def system_no_check_char(body11: str) -> str:
    """The check character of a 系统编号 (FORM.md Decision): MOD 11-2 over 11 digits."""
    _require_digits(body11, 11, "system number")
    return mod11_2_check_char(body11)


def make_system_no(*, yymm: str, sequence: int) -> str:
    """Build a 12-character 系统编号: ``YYMM`` + 7-digit sequence + check character.

    The check lets a mistyped number be rejected rather than find another filing.
    """
    if len(yymm) != 4 or any(char not in _DIGIT_SET for char in yymm):
        raise ValueError(f"yymm must be 4 digits: {yymm!r}")
    if not 1 <= int(yymm[2:]) <= 12:
        raise ValueError(f"yymm has no valid month: {yymm!r}")
    if not 0 <= sequence <= 9_999_999:
        raise ValueError(f"sequence out of range 0–9999999: {sequence}")
    body = f"{yymm}{sequence:07d}"
    return body + system_no_check_char(body)


def is_valid_system_no(value: str) -> bool:
    """Whether ``value`` is a 12-character 系统编号 with a valid month and check."""
    if len(value) != 12 or any(char not in _DIGIT_SET for char in value[:11]):
        return False
    if not 1 <= int(value[2:4]) <= 12:
        return False
    return system_no_check_char(value[:11]) == value[11]


# --------------------------------------------------------------------------------------
# Legacy 15-digit registration number (ISO 7064 MOD 11,10)
# --------------------------------------------------------------------------------------


def _mod11_10_state(digits: str) -> int:
    p = 10
    for char in digits:
        t = (p + int(char)) % 10 or 10
        p = 2 * t % 11
    return p


def legacy_reg_no_check_digit(body14: str) -> str:
    """The MOD 11,10 check digit that completes a 14-digit legacy registration number."""
    _require_digits(body14, 14, "legacy registration number")
    return str((11 - _mod11_10_state(body14)) % 10)


_LEGACY_LETTERS = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZ")


def legacy_reg_no_problem(value: str, *, letters: bool = False) -> str | None:
    """The first problem with a legacy 15-digit registration number (工商登记注册号).

    ``letters`` is for records brought in from the old register only: numbers issued
    before the checked 15-digit scheme carry capital letters (a 15-character value with at
    least one letter is then accepted as it is, having no check digit to verify).
    """
    if len(value) != 15:
        return Problem(gettext_noop("工商登记注册号应为15位，当前为%(n)d位"), n=len(value))
    allowed = _DIGIT_SET | _LEGACY_LETTERS if letters else _DIGIT_SET
    for position, char in enumerate(value, start=1):
        if char not in allowed:
            if letters:
                return Problem(
                    gettext_noop("第%(n)d位字符%(char)s应为数字或大写字母"),
                    n=position,
                    char=_quote(char),
                )
            return Problem(
                gettext_noop("第%(n)d位字符%(char)s应为数字"), n=position, char=_quote(char)
            )
    if letters and not value.isdigit():
        return None
    if legacy_reg_no_check_digit(value[:14]) != value[14]:
        return CHECK_FAILED
    return None


def is_valid_legacy_reg_no(value: str) -> bool:
    """Whether ``value`` is 15 digits whose MOD 11,10 check holds."""
    return legacy_reg_no_problem(value) is None


# --------------------------------------------------------------------------------------
# Numbers an approval gives: 备案登记表编号 and 进出口企业代码 (FORM.md, "Numbers")
# --------------------------------------------------------------------------------------


def form_no_problem(value: str) -> str | None:
    """The first problem with a 备案登记表编号: 8 digits from the national sequence,
    which starts at 1."""
    if len(value) != 8:
        return Problem(gettext_noop("备案登记表编号应为8位数字，当前为%(n)d位"), n=len(value))
    for position, char in enumerate(value, start=1):
        if char not in _DIGIT_SET:
            return Problem(
                gettext_noop("第%(n)d位字符%(char)s应为数字"), n=position, char=_quote(char)
            )
    if not int(value):
        return Problem(gettext_noop("备案登记表编号不能为“00000000”"))
    return None


def ie_code_problem(value: str) -> str | None:
    """The first problem with a 13-character 进出口企业代码: four digits of the region
    code, then a 9-character organisation code that passes its own check."""
    if len(value) != 13:
        return Problem(gettext_noop("进出口企业代码应为13位，当前为%(n)d位"), n=len(value))
    for position, char in enumerate(value[:4], start=1):
        if char not in _DIGIT_SET:
            return Problem(
                gettext_noop("第%(n)d位字符%(char)s应为数字（前4位为行政区划代码）"),
                n=position,
                char=_quote(char),
            )
    org_code = value[4:]
    if not is_valid_org_code(org_code):
        return Problem(
            gettext_noop("第5至13位的组织机构代码“%(code)s”校验不通过，请核对后重新输入"),
            code=org_code,
        )
    return None


def registration_no_uscc_problem(registration_no: str, uscc: str) -> str | None:
    """An 18-character 工商登记注册号 *is* the operator's USCC (the licence carries one
    number), so under method 统一社会信用代码 the two must be equal; names the first
    position where they differ.
    """
    if len(registration_no) != 18 or registration_no == uscc:
        return None
    for position, (char, expected) in enumerate(zip(registration_no, uscc, strict=False), start=1):
        if char != expected:
            return Problem(
                gettext_noop(
                    "第%(n)d位字符%(char)s与统一社会信用代码不一致（应为%(expected)s），"
                    "18位工商登记注册号应与统一社会信用代码相同"
                ),
                n=position,
                char=_quote(char),
                expected=_quote(expected),
            )
    return Problem(
        gettext_noop("18位工商登记注册号应与统一社会信用代码相同，统一社会信用代码为%(n)d位"),
        n=len(uscc),
    )


# --------------------------------------------------------------------------------------
# Generators for demo data and tests
# --------------------------------------------------------------------------------------

# Letters valid in both alphabets, so a generated organisation code can sit inside a USCC.
_SHARED_LETTERS = "".join(char for char in USCC_ALPHABET if char.isalpha())


def mask_document_number(value: str) -> str:
    """Hide at least two thirds of a document number, whatever its length.

    The few characters left (as many at each end) let a person recognise their own
    number on a printed form; nobody can rebuild it from them.
    """
    hidden = -(-2 * len(value) // 3)
    shown = len(value) - hidden
    front = shown // 2
    back = shown - front
    return value[:front] + "*" * hidden + (value[len(value) - back :] if back else "")


def _random_digits(rng: random.Random, count: int) -> str:
    return "".join(rng.choice(DIGITS) for _ in range(count))


def _require_region(region_code: str) -> None:
    if len(region_code) != 6 or any(char not in _DIGIT_SET for char in region_code):
        raise ValueError(f"region code must be 6 digits: {region_code!r}")


def generate_org_code(rng: random.Random) -> str:
    """A random valid organisation code, mostly digits like real ones; it only uses
    characters of the USCC alphabet, so it can be embedded in a generated USCC.
    """
    body = "".join(
        rng.choice(_SHARED_LETTERS) if rng.random() < 0.1 else rng.choice(DIGITS) for _ in range(8)
    )
    return body + org_code_check_char(body)


def generate_uscc(rng: random.Random, *, region_code: str = "110000") -> str:
    """A random valid USCC of an enterprise (``9`` registered by market regulation,
    ``1`` company), for the given 6-digit region code.
    """
    _require_region(region_code)
    body = "91" + region_code + generate_org_code(rng)
    return body + uscc_check_char(body)


def generate_resident_id(
    rng: random.Random, *, region_code: str = "110105", birth: date | None = None
) -> str:
    """A random valid resident ID number; without ``birth``, born 1950–2005 (always in
    the past, so the result does not depend on today's date).
    """
    _require_region(region_code)
    if birth is None:
        start, end = date(1950, 1, 1), date(2005, 12, 31)
        birth = start + timedelta(days=rng.randrange((end - start).days + 1))
    body = f"{region_code}{birth:%Y%m%d}{rng.randrange(1, 1000):03d}"
    return body + resident_id_check_char(body)


def generate_legacy_reg_no(rng: random.Random, *, region_code: str = "110108") -> str:
    """A random valid legacy 15-digit registration number for the given region."""
    _require_region(region_code)
    body = region_code + _random_digits(rng, 8)
    return body + legacy_reg_no_check_digit(body)
