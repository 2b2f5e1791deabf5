"""Reads of the open-data API, from the registry's published copy and this app's tables.

The search is the registry's own (``registry.selectors.operator_search``), so the API
and 经营者信息查询 return the same operators in the same order.
"""

from collections.abc import Iterator
from typing import Any

from django.db.models import OuterRef, QuerySet, Subquery

from tradereg.common.codes import normalize_code
from tradereg.opendata.models import ApiKey, ChangeEntry, Snapshot
from tradereg.opendata.services import KEY_START, api_key_digest
from tradereg.printing import selectors as printing_selectors
from tradereg.registry import selectors as registry_selectors
from tradereg.registry.models import PublishedForm, PublishedOperator

SNAPSHOTS_KEPT = 30
# The public fields of an operator, as its page on 经营者信息查询 shows them (never an
# ID number nor the representative's name), and what every snapshot row holds.
PUBLIC_FIELDS = (
    "ie_code", "uscc", "org_code", "name_cn", "name_en", "operator_type", "residence",
    "premises_cn", "premises_en", "postcode", "phone", "fax", "authority_name",
    "authority_code", "approved_at", "status",
)  # fmt: skip


def api_key_find(*, key: str) -> ApiKey | None:
    """The active key whose hash matches ``key``; None for anything else."""
    if not key.startswith(KEY_START) or len(key) > 100:
        return None
    return ApiKey.objects.filter(digest=api_key_digest(key), revoked_at=None).first()


def api_keys_list() -> QuerySet[ApiKey]:
    return ApiKey.objects.select_related("created_by")


def operator_search_page(
    *, query: str, after: str | None, page_size: int
) -> registry_selectors.OperatorPage:
    """One page of 经营者信息查询's search, continued after the selector's own cursor."""
    return registry_selectors.operator_search(query=query, after=after, page_size=page_size)


def operator_query_problem(query: str) -> str | None:
    return registry_selectors.operator_query_problem(query)


def _current_code() -> Subquery:
    return Subquery(
        PublishedForm.objects.filter(
            filing_id=OuterRef("filing_id"), revision_number=OuterRef("revision_number")
        ).values("code")[:1]
    )


def operator_by_ie_code(*, ie_code: str) -> PublishedOperator | None:
    """The published operator with this 进出口企业代码 (typed in any form), annotated with
    ``verification_code``, its current form's code; an approved one before a cancelled
    one, the newest approval first."""
    code = normalize_code(ie_code)
    return (
        PublishedOperator.objects.filter(ie_code=code)
        .annotate(verification_code=_current_code())
        .order_by("status", "-approved_at", "-pk")
        .first()
    )


def verification_get(*, code: str) -> printing_selectors.Verification:
    """What the QR verification page says about ``code`` (not logged: a GET of the API
    writes nothing)."""
    return printing_selectors.verification_get(code=code)


def changes_after(*, position: int, limit: int) -> list[ChangeEntry]:
    """The change log's entries after ``position``, in order. Positions are committed in
    order (changelog._positions_take), so a reader that saw position p never later finds
    a smaller one appear."""
    return list(ChangeEntry.objects.filter(position__gt=position).order_by("position")[:limit])


def changes_last_position() -> int:
    last = ChangeEntry.objects.order_by("-position").values_list("position", flat=True).first()
    return last or 0


def snapshots_list() -> list[Snapshot]:
    return list(Snapshot.objects.order_by("-day")[:SNAPSHOTS_KEPT])


def snapshot_get(*, pk: int) -> Snapshot | None:
    return Snapshot.objects.filter(pk=pk).first()


def register_rows(*, chunk_size: int = 2000) -> Iterator[dict[str, Any]]:
    """Every published operator with its current verification code, in id order, read
    in chunks (a server-side cursor on PostgreSQL), never all at once."""
    rows = (
        PublishedOperator.objects.order_by("pk")
        .annotate(verification_code=_current_code())
        .values(*PUBLIC_FIELDS, "verification_code")
    )
    yield from rows.iterator(chunk_size=chunk_size)
