"""/audit/: the audit trail, for the 审计管理员 only; reading and exporting are audited.

Anyone else who is logged in gets 404, not 403: the page's existence is nobody else's
business (the separation of duties of 等保 level 3).
"""

import json
from collections.abc import Callable, Iterator
from functools import wraps
from typing import Any
from urllib.parse import urlencode

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET

from tradereg.audit import labels, selectors
from tradereg.audit.forms import AuditFilterForm
from tradereg.audit.models import AuditEvent
from tradereg.audit.services import audit_record
from tradereg.common.exports import csv_response

PAGE_SIZE = 50


def auditor_required(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    @login_required
    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if getattr(request.user, "role", None) != labels.AUDITOR_ROLE:
            raise Http404
        return view(request, *args, **kwargs)

    return wrapper


def _form(request: HttpRequest) -> AuditFilterForm:
    return AuditFilterForm(
        request.GET or None,
        events=selectors.event_names(),
        object_types=selectors.object_types(),
    )


def _query(request: HttpRequest, form: AuditFilterForm) -> str:
    """The filters as a query string, for the paging and export links."""
    if not form.is_bound:
        return ""
    return urlencode([(k, v) for k, v in request.GET.items() if k in form.fields and v])


def _cursor(request: HttpRequest, name: str) -> int | None:
    value = request.GET.get(name, "")
    return int(value) if value.isdigit() else None


@require_GET
@auditor_required
def event_list(request: HttpRequest) -> HttpResponse:
    form = _form(request)
    filters = form.filters()
    events = selectors.events_filtered(filters)
    before, after = _cursor(request, "before"), _cursor(request, "after")
    if after is not None:
        rows = list(events.filter(id__gt=after).order_by("id")[: PAGE_SIZE + 1])
        newer = len(rows) > PAGE_SIZE
        rows = rows[:PAGE_SIZE][::-1]
        older = events.filter(id__lt=rows[-1].id).exists() if rows else False
    else:
        if before is not None:
            events = events.filter(id__lt=before)
        rows = list(events[: PAGE_SIZE + 1])
        older = len(rows) > PAGE_SIZE
        rows = rows[:PAGE_SIZE]
        newer = before is not None
    audit_record(
        event="audit_viewed",
        actor=request.user,
        request=request,
        filters=filters.as_data(),
        before=before,
        after=after,
        shown=len(rows),
    )
    status = 400 if form.is_bound and not form.is_valid() else 200
    context = {
        "form": form,
        "rows": [_row(event) for event in rows],
        "query": _query(request, form),
        "older": rows[-1].id if rows and older else None,
        "newer": rows[0].id if rows and newer else None,
    }
    return render(request, "audit/list.html", context, status=status)


def _row(event: AuditEvent) -> dict[str, Any]:
    return {
        "event": event,
        "label": labels.event_label(event.event),
        "role": labels.role_label(event.actor_role),
        "object": labels.object_label(event.object_type),
        "data": json.dumps(event.data, ensure_ascii=False, sort_keys=True) if event.data else "",
    }


AUDIT_CSV_HEADER = (
    _("编号"),
    _("时间"),
    _("事件"),
    _("事件名称"),
    _("操作人"),
    _("角色"),
    _("所属机关"),
    _("对象类型"),
    _("对象编号"),
    _("来源地址"),
    _("结果"),
    _("详情"),
    _("哈希"),
)


def _csv_rows(events: Iterator[AuditEvent]) -> Iterator[tuple[Any, ...]]:
    for event in events:
        yield (
            event.id,
            timezone.localtime(event.created_at).strftime("%Y-%m-%d %H:%M:%S"),
            event.event,
            labels.EVENT_LABELS.get(event.event, ""),
            event.actor_name,
            labels.role_label(event.actor_role),
            event.actor_authority,
            event.object_type,
            event.object_id,
            event.ip_address,
            event.get_outcome_display(),
            json.dumps(event.data, ensure_ascii=False, sort_keys=True),
            event.hash,
        )


@require_GET
@auditor_required
def event_export(request: HttpRequest) -> HttpResponse:
    """The filtered set as CSV (UTF-8 with BOM), streamed, newest first like the page."""
    form = _form(request)
    if form.is_bound and not form.is_valid():
        return render(
            request,
            "audit/list.html",
            {"form": form, "rows": [], "query": ""},
            status=400,
        )
    filters = form.filters()
    events = selectors.events_filtered(filters)
    audit_record(
        event="audit_exported",
        actor=request.user,
        request=request,
        filters=filters.as_data(),
        count=events.count(),
    )
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M%S")
    return csv_response(
        filename=f"audit-{stamp}.csv",
        header=AUDIT_CSV_HEADER,
        rows=_csv_rows(events.iterator(chunk_size=2000)),
    )
