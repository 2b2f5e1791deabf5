"""Pieces shared by the filing services: revisions, the operator code and the
进出口企业代码."""

from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from tradereg.accounts.models import User
from tradereg.authorities.models import Authority
from tradereg.common import codes
from tradereg.filings import numbering
from tradereg.filings.models import Filing, FilingRevision, Method, Status

REVISION_FIELDS = (
    "name_cn",
    "name_en",
    "uscc",
    "org_code",
    "operator_type",
    "residence",
    "premises_cn",
    "premises_en",
    "phone",
    "fax",
    "postcode",
    "email",
    "registration_date",
    "registration_no",
    "representative",
    "id_type",
    "id_number",
    "capital",
    "currency",
    "capital_usd",
    "remarks",
)


def operator_code_for(*, method: str, data: dict[str, Any]) -> str:
    """The code that identifies the operator: one open filing per code.

    The 9-character organisation code is the identity under both methods (a USCC carries
    it at positions 9–17), so one operator cannot file twice by switching method. Only a
    个体工商户 without one is identified by its registration number (or the organisation
    code inside it, when that number is a USCC).
    """
    if method == Method.USCC:
        return data["uscc"][8:17]
    if data.get("org_code"):
        return data["org_code"]
    registration_no = data["registration_no"]
    return registration_no[8:17] if len(registration_no) == 18 else registration_no


def ensure_code_free(*, code: str, method: str, exclude: Filing | None = None) -> None:
    others = Filing.objects.filter(operator_code=code).exclude(status=Status.CANCELLED)
    if exclude is not None:
        others = others.exclude(pk=exclude.pk)
    if others.exists():
        field = "uscc" if method == Method.USCC else "org_code"
        raise ValidationError(
            {
                field: _(
                    "该经营者已办理备案登记。请使用原账号登录后办理变更；"
                    "没有账号的，请联系备案登记机关开通用户。"
                )
            }
        )


def revision_write(
    *,
    filing: Filing,
    kind: str,
    user: User | None,
    authority: Authority,
    method: str,
    data: dict[str, Any],
) -> FilingRevision:
    last = filing.revisions.order_by("-number").values_list("number", flat=True).first() or 0
    values = {field: data.get(field, "") for field in REVISION_FIELDS}
    return FilingRevision.objects.create(
        filing=filing,
        number=last + 1,
        kind=kind,
        created_by=user,
        authority=authority,
        method=method,
        **values,
    )


INDIVIDUAL_CODE_PREFIX = "GT"  # 个体: see decision 0011


def ie_code_for(*, authority: Authority, revision: FilingRevision) -> str:
    """FORM.md: region prefix of the authority + the 9-character organisation code.

    The organisation code is the one inside the USCC, the 组织机构代码, or the one inside
    a 工商登记注册号 that is itself a USCC. A 个体工商户 with only a legacy 15-digit
    number has no organisation code at all; it is given one from a national sequence in
    the reserved ``GT`` range, with a valid GB 11714 check character (decision 0011).
    """
    if revision.uscc:
        org = revision.uscc[8:17]
    elif revision.org_code:
        org = revision.org_code
    elif len(revision.registration_no) == 18:
        org = revision.registration_no[8:17]
    else:
        body = f"{INDIVIDUAL_CODE_PREFIX}{numbering.sequence_next(name='individual_org_code'):06d}"
        org = body + codes.org_code_check_char(body)
    return authority.ie_code_prefix + org
