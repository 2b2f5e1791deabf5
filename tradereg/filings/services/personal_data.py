"""Sensitive personal information on a filing (PIPL art. 28): 有效证件号.

Officers see it masked; the full number is shown only to a reviewer who says why, and
each reveal is an audit event with that reason, so the 审计管理员 can ask about it.
"""

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest
from django.utils.translation import gettext as _

from tradereg.accounts.models import User
from tradereg.accounts.selectors import authority_scope
from tradereg.audit.services import audit_record
from tradereg.filings.models import Filing, FilingRevision

# The reviewers. The 系统管理员 reads filings to manage the register, masked, and has no
# need of the number itself (PIPL art. 6, data minimisation).
REVEALING_ROLES = (User.Role.OFFICER, User.Role.SUPERVISOR)


def id_number_reveal(
    *,
    filing: Filing,
    revision: FilingRevision,
    acting_user: User,
    reason: str,
    request: HttpRequest | None = None,
) -> str:
    """The full number of one of the filing's revisions, for a reviewer in scope."""
    reason = " ".join(reason.split())
    if not reason:
        raise ValidationError({"reason": _("请填写查看完整证件号的理由。")})
    if revision.filing_id != filing.pk:
        raise PermissionDenied
    if acting_user.role not in REVEALING_ROLES or not (
        authority_scope(user=acting_user).filter(pk=filing.authority_id).exists()
    ):
        raise PermissionDenied
    audit_record(
        event="id_number_revealed",
        actor=acting_user,
        filing=filing,
        request=request,
        revision=revision.number,
        reason=reason[:500],
    )
    return revision.id_number
