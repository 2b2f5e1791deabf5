"""Reads for the officer workspace, always scoped to the authorities the person may see."""

from dataclasses import dataclass
from datetime import date
from typing import Any

from django.db.models import Q, QuerySet
from django.http import Http404
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy

from tradereg.accounts.models import User
from tradereg.accounts.selectors import authority_scope
from tradereg.common.codes import normalize_code
from tradereg.common.crypto import keyring
from tradereg.common.errors import OutOfScope
from tradereg.common.workdays import REVIEW_LIMIT_DAYS, working_days_after, working_days_between
from tradereg.filings.forms import SECTION_LABELS
from tradereg.filings.models import Attachment, Filing, FilingEvent, FilingRevision, Section, Status
from tradereg.filings.selectors import decision_latest
from tradereg.filings.services import REVISION_FIELDS
from tradereg.registry.models import PublishedOperator

# The filing staff; 安全管理员 and 审计管理员 see no filing data (三员分立).
STAFF_ROLES = (User.Role.OFFICER, User.Role.SUPERVISOR, User.Role.SYSTEM_ADMIN)


def filing_get_for_staff(*, user: User, pk: int) -> Filing:
    """A filing addressed to an authority in the person's scope; 404 otherwise."""
    filing = (
        Filing.objects.select_related(
            "authority", "owner", "current_revision__operator_type", "approved_revision"
        )
        .filter(pk=pk, authority__in=authority_scope(user=user))
        .first()
    )
    if filing is None:
        if Filing.objects.filter(pk=pk).exists():
            raise OutOfScope("filing", pk)
        raise Http404
    return filing


@dataclass
class QueueFilters:
    status: str = Status.REPORTED
    kind: str = ""  # "new", "change" or "" for both
    date_from: date | None = None
    date_to: date | None = None
    query: str = ""


def filing_queue(*, user: User, filters: QueueFilters) -> QuerySet[Filing]:
    """The review queue: oldest report first; filters by status, kind, dates and a search
    over 系统编号, codes and the Chinese name of the current revision. Codes are cleaned as
    the public search cleans them (full-width, spaces, hyphens, lower case).
    """
    filings = Filing.objects.filter(authority__in=authority_scope(user=user)).select_related(
        "authority", "current_revision", "approved_revision"
    )
    if filters.status:
        filings = filings.filter(status=filters.status)
    if filters.kind == "new":
        filings = filings.filter(reported_as_change=False)
    elif filters.kind == "change":
        filings = filings.filter(reported_as_change=True)
    if filters.date_from:
        filings = filings.filter(reported_at__date__gte=filters.date_from)
    if filters.date_to:
        filings = filings.filter(reported_at__date__lte=filters.date_to)
    query = normalize_code(filters.query)
    if query:
        filings = filings.filter(
            Q(system_no=query)
            | Q(form_no=query)
            | Q(ie_code=query)
            | Q(operator_code=query)
            | Q(current_revision__uscc=query)
            | Q(current_revision__org_code=query)
            | Q(current_revision__name_cn__contains=filters.query.strip())
            | Q(current_revision__id_number_index__in=keyring().indexes(query))
        )
    if filters.status == Status.REPORTED:
        return filings.order_by("reported_at", "pk")
    return filings.order_by("-updated_at", "-pk")


def next_in_queue(*, user: User, filing: Filing) -> Filing | None:
    """The filing after ``filing`` in the officer's queue of waiting reports (oldest report
    first, as the queue shows them); the oldest one when ``filing`` is not waiting (just
    decided). None when nothing else waits."""
    waiting = Filing.objects.filter(
        authority__in=authority_scope(user=user), status=Status.REPORTED
    ).exclude(pk=filing.pk)
    if filing.status == Status.REPORTED and filing.reported_at is not None:
        later = waiting.filter(
            Q(reported_at__gt=filing.reported_at)
            | Q(reported_at=filing.reported_at, pk__gt=filing.pk)
        )
        found = later.order_by("reported_at", "pk").only("pk").first()
        if found is not None:
            return found
    return waiting.order_by("reported_at", "pk").only("pk").first()


def waited(filing: Filing, today: date | None = None) -> dict[str, Any]:
    """Working days since the report, against the limit, and the last day of the limit."""
    if filing.reported_at is None or filing.status != Status.REPORTED:
        return {"days": None, "overdue": False}
    today = today or timezone.localdate()
    reported = timezone.localtime(filing.reported_at).date()
    days = working_days_between(reported, today)
    return {
        "days": days,
        "overdue": days > REVIEW_LIMIT_DAYS,
        "limit": REVIEW_LIMIT_DAYS,
        "due": working_days_after(reported, REVIEW_LIMIT_DAYS),
    }


# Lazy: each page shows the labels in its visitor's language.
FIELD_LABELS: dict[str, str | Promise] = {
    name: getattr(FilingRevision._meta.get_field(name), "verbose_name", name)
    for name in REVISION_FIELDS
}
FIELD_LABELS["authority"] = gettext_lazy("备案登记机关")


def _display(revision: FilingRevision, field: str) -> str:
    if field == "authority":
        return revision.authority.name
    if field == "id_type":
        return revision.get_id_type_display()
    if field == "id_number":
        # Masked on every staff page; 查看完整证件号 shows it, with a reason, audited.
        return revision.masked_id_number
    value = getattr(revision, field)
    if value is None:
        return ""
    if hasattr(value, "normalize"):
        return format(value.normalize(), "f")
    return str(value)


def _changed(revision: FilingRevision, older: FilingRevision, field: str) -> bool:
    """Compared on the values themselves: two numbers may share their mask."""
    if field == "id_number":
        return revision.id_number != older.id_number
    return _display(revision, field) != _display(older, field)


def revision_rows(
    revision: FilingRevision, compare_to: FilingRevision | None = None
) -> list[dict[str, Any]]:
    """The revision's fields in form order, each with the older value when it changed."""
    section = Section(revision.operator_type.section)
    labels = {field: str(label) for field, label in FIELD_LABELS.items()}
    labels["representative"] = str(SECTION_LABELS[section]["representative"])
    labels["capital"] = str(SECTION_LABELS[section]["capital"])
    rows = []
    for field in ("authority", *REVISION_FIELDS):
        new = _display(revision, field)
        old = _display(compare_to, field) if compare_to is not None else None
        rows.append(
            {
                "field": field,
                "label": labels[field],
                "value": new,
                "old": old,
                "changed": compare_to is not None and _changed(revision, compare_to, field),
            }
        )
    return rows


def last_return(filing: Filing) -> FilingEvent | None:
    """The return the filing is answering: its latest decision, if that was a return.

    A return that was answered and then approved is history; a later change is compared
    with the approved revision, not with that old return.
    """
    latest = decision_latest(filing=filing)
    if latest is None or latest.kind != FilingEvent.Kind.RETURNED:
        return None
    return latest


def _identity_codes(revision: FilingRevision) -> set[str]:
    """Every code that names the operator: USCC, organisation code, and a registration
    number (a 个体工商户 under 其他 may give its USCC only as its 工商登记注册号)."""
    codes = {revision.uscc, revision.org_code, revision.registration_no}
    for code in (revision.uscc, revision.registration_no):
        if len(code) == 18:
            codes.add(code[8:17])
    return {c for c in codes if c}


@dataclass(frozen=True)
class Duplicate:
    """One matching filing as the reviewing officer may see it."""

    name_cn: str
    authority_name: str
    status_label: str
    system_no: str = ""  # only for a filing of the officer's own scope
    filing_id: int | None = None  # ditto: its review page


@dataclass
class Duplicates:
    """What the review page may say about other filings of the same operator."""

    shown: list[Duplicate]
    open_elsewhere: int  # never approved, in another authority: counted, not shown

    def __bool__(self) -> bool:
        return bool(self.shown or self.open_elsewhere)


def duplicates_for(*, user: User, filing: Filing) -> Duplicates:
    """Other open or approved filings with the same USCC, organisation code, registration
    number or Chinese name (legacy records may carry only an old number).

    A filing in the officer's scope is shown as they would see it anyway. One of another
    authority shows only what is public: its published name, authority and status once
    approved; before that, only that it exists. A draft elsewhere is its owner's alone and
    is left out altogether.
    """
    codes = _identity_codes(filing.revision)
    same = Q(current_revision__name_cn=filing.revision.name_cn)
    if codes:
        same |= (
            Q(current_revision__uscc__in=codes)
            | Q(current_revision__org_code__in=codes)
            | Q(current_revision__registration_no__in=codes)
            | Q(operator_code__in=codes)
        )
    scope = set(authority_scope(user=user).values_list("pk", flat=True))
    matches = list(
        Filing.objects.filter(same)
        .exclude(pk=filing.pk)
        .exclude(status=Status.CANCELLED)
        .exclude(Q(status=Status.DRAFT) & ~Q(authority__in=scope))
        .select_related("authority", "current_revision")
        .order_by("pk")[:10]
    )
    elsewhere = [m.pk for m in matches if m.authority_id not in scope]
    published = {p.filing_id: p for p in PublishedOperator.objects.filter(filing_id__in=elsewhere)}
    shown, open_elsewhere = [], 0
    for match in matches:
        if match.authority_id in scope:
            shown.append(
                Duplicate(
                    name_cn=match.revision.name_cn,
                    authority_name=match.authority.name,
                    status_label=match.get_status_display(),
                    system_no=match.system_no,
                    filing_id=match.pk,
                )
            )
        elif match.pk in published:
            public = published[match.pk]
            shown.append(
                Duplicate(
                    name_cn=public.name_cn,
                    authority_name=public.authority_name,
                    status_label=public.get_status_display(),
                )
            )
        else:
            open_elsewhere += 1
    return Duplicates(shown=shown, open_elsewhere=open_elsewhere)


def enterprise_lookup(*, user: User, query: str) -> list[Filing]:
    """Filings of the officer's scope whose code or name matches, with their owner; codes
    are cleaned as everywhere else (``normalize_code``)."""
    query = query.strip()
    if len(query) < 2:
        return []
    code = normalize_code(query)
    return list(
        Filing.objects.filter(authority__in=authority_scope(user=user))
        .filter(
            Q(operator_code=code)
            | Q(ie_code=code)
            | Q(form_no=code)
            | Q(system_no=code)
            | Q(current_revision__uscc=code)
            | Q(current_revision__name_cn__contains=query)
        )
        .select_related("owner", "authority", "current_revision")
        .order_by("-updated_at")[:30]
    )


def attachments_for_review(*, filing: Filing) -> list[Attachment]:
    """Every file the enterprise has sent, current ones first, replaced ones after.

    Each carries ``is_new``: on a filing reported again (after a return or for a change),
    a file that was not among those of the previous report, so the officer sees at once
    what this report brings (the re-signed scan of a change, say).
    """
    reports = list(
        filing.events.filter(kind=FilingEvent.Kind.REPORTED)
        .order_by("-created_at", "-id")
        .values_list("attachment_ids", flat=True)[:2]
    )
    latest, earlier = set(), set()
    if filing.status == Status.REPORTED and len(reports) > 1:
        latest, earlier = set(reports[0]), set(reports[1])
    attachments = sorted(
        filing.all_attachments.select_related("revision"),
        key=lambda a: (a.replaced_at is not None, a.kind, a.uploaded_at),
    )
    for attachment in attachments:
        attachment.is_new = attachment.pk in latest and attachment.pk not in earlier  # type: ignore[attr-defined]
    return attachments
