"""Pieces shared by the filing services: locking, permission and transition checks,
revisions, the operator code and the 进出口企业代码."""

from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.utils.translation import gettext as _

from tradereg.accounts.models import User
from tradereg.authorities.models import Authority
from tradereg.filings.lifecycle import TRANSITIONS, Action
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


class TransitionNotAllowed(Exception):
    """The filing's status does not allow the action; the message is for the user."""


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


def lock_filing(filing: Filing) -> Filing:
    return Filing.objects.select_for_update().select_related("authority").get(pk=filing.pk)


def check_owner(filing: Filing, user: User) -> None:
    if not user.is_authenticated or filing.owner_id != user.pk:
        raise PermissionDenied


def check_officer(filing: Filing, user: User) -> None:
    if not (user.is_authenticated and user.is_officer and user.authority_id == filing.authority_id):
        raise PermissionDenied


def check_transition(action: Action, filing: Filing) -> None:
    transition = TRANSITIONS[action]
    if filing.status not in transition.sources:
        raise TransitionNotAllowed(
            _("备案当前状态为“%(status)s”，不能%(action)s。")
            % {"status": filing.get_status_display(), "action": transition.label}
        )


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


def ie_code_for(*, authority: Authority, revision: FilingRevision) -> str:
    """FORM.md: region prefix of the authority + the 9-character organisation code."""
    if revision.uscc:
        org = revision.uscc[8:17]
    elif revision.org_code:
        org = revision.org_code
    else:
        org = revision.registration_no[-9:]
    return authority.ie_code_prefix + org
