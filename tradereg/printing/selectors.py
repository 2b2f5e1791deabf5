"""Reads for printing: finding a filing by number and code, the public print grant, and
what a verification code stands for.
"""

import re
import time
from dataclasses import dataclass

from django.http import Http404, HttpRequest

from tradereg.filings.models import Filing
from tradereg.printing.models import VerificationCode
from tradereg.registry.models import PublishedOperator

PRINT_GRANTS = "print_grants"  # session key: [[filing pk, unix time], ...]
PRINT_GRANT_SECONDS = 30 * 60

SYSTEM_NO_RE = re.compile(r"^\d{11}[\dX]$")
FORM_NO_RE = re.compile(r"^\d{8}$")


def filing_find_for_print(*, number: str, code: str) -> Filing | None:
    """The filing whose 系统编号 or 备案登记表编号 is ``number`` and whose operator has the
    code ``code`` (USCC, organisation code, the organisation code inside the USCC, or the
    registration number a 个体工商户 without codes is known by), in the approved or the
    current revision. Both values arrive normalised. ``None`` on any mismatch.
    """
    if SYSTEM_NO_RE.match(number):
        lookup = {"system_no": number}
    elif FORM_NO_RE.match(number):
        lookup = {"form_no": number}
    else:
        return None
    filing = (
        Filing.objects.select_related("current_revision", "approved_revision", "authority")
        .filter(**lookup)
        .first()
    )
    if filing is None or not code:
        return None
    known = {filing.operator_code}
    for revision in (filing.approved_revision, filing.current_revision):
        if revision is not None:
            known |= {revision.uscc, revision.org_code, revision.uscc[8:17]}
    known.discard("")
    return filing if code in known else None


def filing_get_for_public_print(*, request: HttpRequest, pk: int) -> Filing:
    """The filing this browser session has found on /print/ with its number and code in
    the last ``PRINT_GRANT_SECONDS``; 404 otherwise, whoever is logged in.
    """
    now = time.time()
    granted = any(
        entry[0] == pk and now - entry[1] < PRINT_GRANT_SECONDS
        for entry in request.session.get(PRINT_GRANTS, [])
    )
    if not granted:
        raise Http404
    filing = Filing.objects.select_related("authority").filter(pk=pk).first()
    if filing is None:
        raise Http404
    return filing


# --- verification ---------------------------------------------------------------------


class Result:
    CURRENT = "current"  # genuine, approved, and still the filing's approved form
    SUPERSEDED = "superseded"  # genuine, but a later change has been approved since
    CANCELLED = "cancelled"  # genuine, but the filing has been cancelled
    NOT_FOUND = "not_found"


@dataclass(frozen=True)
class Verification:
    result: str
    entry: VerificationCode | None = None
    published: PublishedOperator | None = None

    @property
    def genuine(self) -> bool:
        return self.result != Result.NOT_FOUND


def verification_get(*, code: str) -> Verification:
    """What the code printed on a form stands for, read from the code's own copy of the
    printed fields and the registry's published copy (never the filing tables).
    """
    entry = VerificationCode.objects.filter(code=code).first()
    if entry is None:
        return Verification(Result.NOT_FOUND)
    published = PublishedOperator.objects.filter(filing_id=entry.filing_id).first()
    if published is None:
        return Verification(Result.NOT_FOUND)
    if published.status == PublishedOperator.Status.CANCELLED:
        result = Result.CANCELLED
    elif published.revision_number == entry.revision_number:
        result = Result.CURRENT
    else:
        result = Result.SUPERSEDED
    return Verification(result, entry, published)
