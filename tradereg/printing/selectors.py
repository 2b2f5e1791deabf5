"""Reads for printing: finding a published form by number and code, the public print
grant, and what a verification code stands for.

Everything public here reads the registry's published copy only, never the filing tables
(decision 0013): a filing never approved cannot be found, a pending change is not seen.
"""

import re
import time
from dataclasses import dataclass

from django.http import HttpRequest

from tradereg.registry.models import PublishedForm, PublishedOperator

PRINT_GRANTS = "print_grants"  # session key: [[filing id, unix time], ...]
PRINT_GRANT_SECONDS = 30 * 60

SYSTEM_NO_RE = re.compile(r"^\d{11}[\dX]$")
FORM_NO_RE = re.compile(r"^\d{8}$")


def published_form_find(*, number: str, code: str) -> PublishedForm | None:
    """The published form whose 系统编号 or 备案登记表编号 is ``number`` and whose operator
    has the code ``code`` as approved (USCC, organisation code, the organisation code
    inside the USCC, or the code a 个体工商户 without one is known by). Both values arrive
    normalised. ``None`` on any mismatch, and for a filing never approved: the caller
    cannot tell the two apart.
    """
    if SYSTEM_NO_RE.match(number):
        lookup = {"system_no": number}
    elif FORM_NO_RE.match(number):
        lookup = {"form_no": number}
    else:
        return None
    published = PublishedForm.objects.filter(**lookup).order_by("-revision_number").first()
    if published is None or not code:
        return None
    known = {published.uscc, published.org_code, published.uscc[8:17], published.operator_code}
    known.discard("")
    return published if code in known else None


def published_form_current(*, filing_id: int) -> tuple[PublishedForm, bool, str] | None:
    """The form of the filing's last approved revision, whether the filing has been
    cancelled and the code of the authority that approved it (who signs the PDF);
    ``None`` when it has never been published.
    """
    operator = (
        PublishedOperator.objects.filter(filing_id=filing_id)
        .values_list("revision_number", "status", "authority_code")
        .first()
    )
    if operator is None:
        return None
    revision_number, status, authority_code = operator
    published = PublishedForm.objects.filter(
        filing_id=filing_id, revision_number=revision_number
    ).first()
    if published is None:
        return None
    return published, status == PublishedOperator.Status.CANCELLED, authority_code


def print_granted(*, request: HttpRequest, filing_id: int) -> bool:
    """Whether this browser session has found the filing on /print/ with its number and
    code in the last ``PRINT_GRANT_SECONDS``, whoever is logged in.
    """
    now = time.time()
    return any(
        entry[0] == filing_id and now - entry[1] < PRINT_GRANT_SECONDS
        for entry in request.session.get(PRINT_GRANTS, [])
    )


def verification_code_of(*, filing_id: int, revision_number: int) -> str:
    """The code the registry issued for an approved revision ("" if it has none)."""
    return (
        PublishedForm.objects.filter(filing_id=filing_id, revision_number=revision_number)
        .values_list("code", flat=True)
        .first()
        or ""
    )


# --- verification ---------------------------------------------------------------------


class Result:
    CURRENT = "current"  # genuine, approved, and still the filing's approved form
    SUPERSEDED = "superseded"  # genuine, but a later change has been approved since
    CANCELLED = "cancelled"  # genuine, but the filing has been cancelled
    NOT_FOUND = "not_found"


@dataclass(frozen=True)
class Verification:
    result: str
    entry: PublishedForm | None = None
    published: PublishedOperator | None = None

    @property
    def genuine(self) -> bool:
        return self.result != Result.NOT_FOUND


def verification_get(*, code: str) -> Verification:
    """What the code printed on a form stands for, read from the published form it was
    issued with and the registry's published operator (never the filing tables).
    """
    entry = PublishedForm.objects.filter(code=code).first()
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
