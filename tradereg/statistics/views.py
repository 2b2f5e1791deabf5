"""统计 (/office/statistics/): the figures of the filing history for the staff's scope,
with charts and CSV/XLSX exports of each table. Views stay thin: the selector reads the
rollup within the person's authorities; the view only picks the range and the table.
"""

from datetime import date
from decimal import Decimal
from functools import wraps

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import render
from django.template.defaultfilters import floatformat
from django.utils import timezone
from django.utils.html import format_html_join
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET

from tradereg.accounts.models import User
from tradereg.audit.services import audit_record
from tradereg.common.exports import table_response
from tradereg.common.workdays import REVIEW_LIMIT_DAYS
from tradereg.statistics import selectors
from tradereg.statistics.charts import Series, bar_chart
from tradereg.statistics.forms import TABLES, ExportForm, RangeForm
from tradereg.statistics.models import Measure

# Officers (their authority), supervisors (those under theirs), the 系统管理员 (all).
READERS = (User.Role.OFFICER, User.Role.SUPERVISOR, User.Role.SYSTEM_ADMIN)


def reader_required(view):
    """Staff who read statistics; everyone else is told there is nothing here (404)."""

    @login_required
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if request.user.role not in READERS:
            raise Http404
        return view(request, *args, **kwargs)

    return wrapper


def default_range(today: date) -> tuple[date, date]:
    """The last twelve months: from the first day of the month eleven months back."""
    months = today.year * 12 + today.month - 1 - 11
    return date(months // 12, months % 12 + 1, 1), today


def _range_form(request: HttpRequest, form_class: type[RangeForm] = RangeForm) -> RangeForm:
    today = timezone.localdate()
    date_from, date_to = default_range(today)
    data = request.GET.copy()
    data.setdefault("date_from", date_from.isoformat())
    data.setdefault("date_to", date_to.isoformat())
    return form_class(data)


def _scope_label(user: User) -> str:
    if user.role == User.Role.SYSTEM_ADMIN or user.authority is None:
        return _("全国")
    if user.role == User.Role.SUPERVISOR:
        return _("%(name)s及其下级备案登记机关") % {"name": user.authority.name}
    return user.authority.name


def _headers(first: str) -> list[str]:
    return [
        first,
        *[str(m.label) for m in Measure],
        _("办理时间中位数（工作日）"),
        _("%(n)d个工作日内办结比例（%%）") % {"n": REVIEW_LIMIT_DAYS},
    ]


TABLE_FIRST_COLUMN = {
    "month": gettext_lazy("月份"),
    "authority": gettext_lazy("备案登记机关"),
    "type": gettext_lazy("经营者类型"),
}


def _shown(cell: int | Decimal | None) -> str:
    """A cell as the page shows it, what ``floatformat:"-1"`` gives (no thousands
    separator is configured, so a count is its digits): formatted here, not by a filter per
    cell, since the national table by authority has some 3,000 cells."""
    if cell is None:
        return "—"
    if isinstance(cell, int):
        return str(cell)
    return floatformat(cell, "-1")


def _page_rows(rows: list[list]) -> list[tuple[str, str]]:
    """(label, the row's figure cells as HTML): one string per row instead of a template
    loop per cell, which cost the national page more than its queries."""
    return [
        (
            str(label),
            format_html_join("", '<td class="figure">{}</td>', ((_shown(c),) for c in cells)),
        )
        for label, *cells in rows
    ]


def _table_rows(report: selectors.Report, table: str) -> list[list]:
    lines = {"month": report.months, "authority": report.authorities, "type": report.types}
    return [
        [line.label, *line.values, line.median_days, line.within_share]
        for line in [*lines[table], report.total]
    ]


def _charts(report: selectors.Report) -> list:
    months = [line.label for line in report.months]
    return [
        bar_chart(
            chart_id="chart-volume",
            title=_("每月办理量"),
            description=_("按月份的新备案、变更、审核通过、退回和注销件数，数据见下方“按月份”表。"),
            categories=months,
            series=[
                Series(str(m.label), [line.count(m) for line in report.months]) for m in Measure
            ],
        ),
        bar_chart(
            chart_id="chart-within",
            title=_("每月%(n)d个工作日内办结比例") % {"n": REVIEW_LIMIT_DAYS},
            description=_("审核通过和退回中在时限内办结的百分比，数据见下方“按月份”表。"),
            categories=months,
            series=[
                Series(
                    _("%(n)d个工作日内办结比例") % {"n": REVIEW_LIMIT_DAYS},
                    [float(line.within_share or 0) for line in report.months],
                )
            ],
            unit="%",
            top=100,
        ),
    ]


@require_GET
@reader_required
def statistics_page(request: HttpRequest) -> HttpResponse:
    form = _range_form(request)
    if not form.is_valid():
        context = {"form": form, "scope": _scope_label(request.user), "limit": REVIEW_LIMIT_DAYS}
        return render(request, "statistics/statistics_page.html", context, status=400)
    report = selectors.statistics_report(
        user=request.user,
        date_from=form.cleaned_data["date_from"],
        date_to=form.cleaned_data["date_to"],
        today=timezone.localdate(),
    )
    tables = [
        {
            "key": key,
            "title": title,
            "headers": _headers(str(TABLE_FIRST_COLUMN[key])),
            "rows": _page_rows(_table_rows(report, key)),
        }
        for key, title in TABLES.items()
    ]
    query = f"date_from={report.date_from.isoformat()}&date_to={report.date_to.isoformat()}"
    return render(
        request,
        "statistics/statistics_page.html",
        {
            "form": form,
            "report": report,
            "tables": tables,
            "charts": _charts(report),
            "query": query,
            "limit": REVIEW_LIMIT_DAYS,
            "scope": _scope_label(request.user),
            "summary": [(m.label, report.total.count(m)) for m in Measure],
        },
    )


@require_GET
@reader_required
def statistics_export(request: HttpRequest) -> HttpResponse | StreamingHttpResponse:
    """One table of the page as CSV or XLSX, for the same range and scope."""
    form = _range_form(request, ExportForm)
    if not form.is_valid():
        context = {"form": form, "scope": _scope_label(request.user), "limit": REVIEW_LIMIT_DAYS}
        return render(request, "statistics/statistics_page.html", context, status=400)
    data = form.cleaned_data
    report = selectors.statistics_report(
        user=request.user,
        date_from=data["date_from"],
        date_to=data["date_to"],
        today=timezone.localdate(),
    )
    table = data["table"]
    audit_record(
        event="statistics_exported",
        actor=request.user,
        request=request,
        table=table,
        format=data["format"],
        date_from=data["date_from"].isoformat(),
        date_to=data["date_to"].isoformat(),
    )
    span = f"{data['date_from']:%Y%m%d}-{data['date_to']:%Y%m%d}"
    return table_response(
        fmt=data["format"],
        filename=f"statistics-{table}-{span}",
        title=str(TABLES[table]),
        header=_headers(str(TABLE_FIRST_COLUMN[table])),
        rows=_table_rows(report, table),
    )
