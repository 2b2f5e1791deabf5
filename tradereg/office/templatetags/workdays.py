"""``{% calendar_warning %}``: tells officers when working days are counted by weekday only.

A tag rather than view context, so every page that shows working-day counts can carry the
warning without its view knowing about the calendar.
"""

from datetime import date

from django import template
from django.utils.html import format_html
from django.utils.safestring import SafeString
from django.utils.timezone import localdate
from django.utils.translation import gettext as _

from tradereg.common.workdays import calendar_covers, calendar_years

register = template.Library()


@register.simple_tag
def calendar_warning(today: date | None = None) -> SafeString | str:
    """A warning paragraph when ``today`` (default: the local date) is past the calendar."""
    today = today or localdate()
    if calendar_covers(today):
        return ""
    _first, last = calendar_years()
    message = _(
        "工作日历仅覆盖至 %(year)s 年，超出部分按周一至周五计算，请更新 chinesecalendar。"
    ) % {"year": last}
    return format_html('<div class="message warning" role="status">{}</div>', message)
