"""The review queue as a table to download (导出 CSV / 导出 Excel).

The rows are the page's rows, every page at once: the same filters and scope
(``selectors.filing_queue``), the same columns and words, and the 有效证件号 masked as
on every staff page; a full number is never exported.
"""

from typing import Any

from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from tradereg.accounts.models import User
from tradereg.filings.models import Filing
from tradereg.office.selectors import QueueFilters, filing_queue, waited

# More than a person reads; a larger set is a report for the statistics, not a list.
QUEUE_EXPORT_MAX_ROWS = 50_000

QUEUE_EXPORT_HEADER = [
    _("上报时间"),
    _("已等待（工作日）"),
    _("是否超期"),
    _("类型"),
    _("经营者中文名称"),
    _("统一社会信用代码"),
    _("组织机构代码"),
    _("备案登记系统编号"),
    _("备案登记表编号"),
    _("进出口企业代码"),
    _("备案登记机关"),
    _("状态"),
    _("企业法定代表人姓名"),
    _("有效证件号"),
]


def queue_export_filings(*, user: User, filters: QueueFilters) -> list[Filing]:
    """The queue's filings in its order, one more than the limit to tell it was passed."""
    return list(filing_queue(user=user, filters=filters)[: QUEUE_EXPORT_MAX_ROWS + 1])


def queue_export_row(filing: Filing) -> list[Any]:
    revision = filing.revision
    wait = waited(filing)
    reported = timezone.localtime(filing.reported_at) if filing.reported_at else None
    return [
        reported.strftime("%Y-%m-%d %H:%M") if reported else "",
        wait["days"],
        _("已超期") if wait["overdue"] else "",
        _("变更") if filing.reported_as_change else _("新备案"),
        revision.name_cn,
        revision.uscc,
        revision.org_code,
        filing.system_no,
        filing.form_no,
        filing.ie_code,
        filing.authority.name,
        filing.get_status_display(),
        revision.representative,
        revision.masked_id_number,
    ]
