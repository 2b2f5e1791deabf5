"""The statistics rollup: counts of the filing history by day and by month (decision 0021),
in full and summed over operator types (``AuthorityFigure``) or over authorities
(``NationalFigure``), so that each table of the page reads the smallest that holds it.

The filing history (``filings.FilingEvent``) is the truth; this table is a projection of it
that ``filings.figures`` writes in the same transaction as each event and that
``manage.py statistics_rebuild`` recomputes from the events. It imports nothing of
filings: the filing side decides what counts and hands down plain values.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Measure(models.TextChoices):
    NEW = "new", _("新备案")
    CHANGE = "change", _("变更")
    APPROVED = "approved", _("审核通过")
    RETURNED = "returned", _("退回")
    CANCELLED = "cancelled", _("注销")


# Decisions on a report, whose working days from the report are kept (the processing time).
TIMED = (Measure.APPROVED, Measure.RETURNED)
# What ``working_days`` holds for a measure that is not timed.
UNTIMED = -1


class Span(models.TextChoices):
    DAY = "day", _("日")
    MONTH = "month", _("月")


class RollupRow(models.Model):
    """What every table of the rollup holds for a cell: its span and day, the measure, the
    working days for a timed one, and the count; each table adds the keys it is split by."""

    span = models.CharField(max_length=5, choices=Span.choices)
    day = models.DateField()
    measure = models.CharField(max_length=10, choices=Measure.choices)
    working_days = models.SmallIntegerField(default=UNTIMED)
    count = models.PositiveIntegerField(default=0)

    class Meta:
        abstract = True


KEY = ["span", "day", "authority", "operator_type", "measure", "working_days"]


class Figure(RollupRow):
    """How many ``measure`` happened at ``authority`` for ``operator_type`` in the day (or
    the month starting on) ``day``; for approvals and returns, per number of working days
    from the report to the decision, so that the median can be read from the counts.

    Every count is kept twice, per day and per month: a range of whole months reads the
    month rows (a few hundred thousand at national scale), its ragged ends the day rows.
    """

    authority = models.ForeignKey(
        "authorities.Authority", on_delete=models.PROTECT, related_name="+", db_index=False
    )
    operator_type = models.ForeignKey(
        "filings.OperatorType", on_delete=models.PROTECT, related_name="+", db_index=False
    )

    class Meta:
        verbose_name = _("统计数据")
        verbose_name_plural = _("统计数据")
        constraints = [
            # The cell an event is added to (``INSERT … ON CONFLICT`` names these columns).
            models.UniqueConstraint(fields=KEY, name="statistics_figure_key"),
        ]
        indexes = [
            # What every read uses, the count included: PostgreSQL answers a national year
            # from this index alone (an index-only scan) instead of visiting a heap page
            # per row, since the rows of one month are written all through it.
            models.Index(fields=KEY, include=["count"], name="statistics_figure_cover"),
        ]

    def __str__(self) -> str:
        return f"{self.span} {self.day} {self.authority_id} {self.measure} {self.count}"


AUTHORITY_KEY = ["span", "day", "authority", "measure", "working_days"]


class AuthorityFigure(RollupRow):
    """``Figure`` summed over the operator types: what the tables by month and by
    authority read, in a fraction of the rows (a national year about 77,000 month rows
    instead of 260,000)."""

    authority = models.ForeignKey(
        "authorities.Authority", on_delete=models.PROTECT, related_name="+", db_index=False
    )

    class Meta:
        verbose_name = _("统计数据（按备案登记机关）")
        verbose_name_plural = _("统计数据（按备案登记机关）")
        constraints = [
            models.UniqueConstraint(fields=AUTHORITY_KEY, name="statistics_authorityfigure_key"),
        ]
        indexes = [
            models.Index(
                fields=AUTHORITY_KEY, include=["count"], name="statistics_authorityfig_cover"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.span} {self.day} {self.authority_id} {self.measure} {self.count}"


NATIONAL_KEY = ["span", "day", "operator_type", "measure", "working_days"]


class NationalFigure(RollupRow):
    """``Figure`` summed over the authorities: the 系统管理员's tables by month and by
    operator type read a few thousand rows a year from it instead of the whole country's."""

    operator_type = models.ForeignKey(
        "filings.OperatorType", on_delete=models.PROTECT, related_name="+", db_index=False
    )

    class Meta:
        verbose_name = _("统计数据（全国）")
        verbose_name_plural = _("统计数据（全国）")
        constraints = [
            models.UniqueConstraint(fields=NATIONAL_KEY, name="statistics_nationalfigure_key"),
        ]
        indexes = [
            models.Index(
                fields=NATIONAL_KEY, include=["count"], name="statistics_nationalfig_cover"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.span} {self.day} {self.operator_type_id} {self.measure} {self.count}"


# Every table of the rollup, the full one first: each event is added to all of them.
ROLLUPS: tuple[type[models.Model], ...] = (Figure, AuthorityFigure, NationalFigure)
