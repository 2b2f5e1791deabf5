"""Bar charts as inline SVG, drawn on the server: no script, no library.

A chart is a picture of a table that is on the same page (the table stays the source):
the SVG is ``role="img"`` with a ``<title>`` and a ``<desc>`` naming that table, and every
bar carries its value in a ``<title>`` for a pointer or a screen reader's exploration.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from math import ceil, log10

from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

# Colours that stay apart for the common colour-vision deficiencies (Okabe–Ito).
PALETTE = ("#0072B2", "#E69F00", "#009E73", "#CC79A7", "#D55E00", "#56B4E9")
WIDTH, HEIGHT = 760, 280
LEFT, RIGHT, TOP, BOTTOM = 48, 12, 36, 40


@dataclass(frozen=True)
class Series:
    label: str
    values: Sequence[float]


def nice_ceiling(value: float) -> float:
    """The axis top: ``value`` rounded up to 1, 2 or 5 times a power of ten."""
    if value <= 0:
        return 1
    power = 10 ** int(log10(value))
    for step in (1, 2, 5, 10):
        if value <= step * power:
            return step * power
    return 10 * power


def _f(value: float) -> str:
    return f"{value:.1f}"


def _number(value: float) -> str:
    return f"{value:g}"


def bar_chart(
    *,
    chart_id: str,
    title: str,
    description: str,
    categories: Sequence[str],
    series: Sequence[Series],
    unit: str = "",
    top: float | None = None,
) -> SafeString:
    """Grouped bars: one group per category, one bar per series, a legend above."""
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    highest = max((v for s in series for v in s.values), default=0)
    # Four gridlines at round values: counts step by whole numbers.
    axis_top = top if top is not None else 4 * max(1, nice_ceiling(highest / 4))
    group_w = plot_w / max(len(categories), 1)
    bar_w = group_w * 0.8 / max(len(series), 1)
    label_every = max(1, ceil(len(categories) / 12))
    parts: list[SafeString] = []
    for tick in range(5):
        value = axis_top * tick / 4
        y = TOP + plot_h - plot_h * tick / 4
        parts.append(
            format_html(
                '<line x1="{}" x2="{}" y1="{}" y2="{}" stroke="#d0d5dd"/>'
                '<text x="{}" y="{}" text-anchor="end" font-size="11" fill="#475467">{}</text>',
                LEFT,
                WIDTH - RIGHT,
                _f(y),
                _f(y),
                LEFT - 6,
                _f(y + 4),
                _number(round(value, 1)) + unit,
            )
        )
    for index, category in enumerate(categories):
        x0 = LEFT + group_w * index + group_w * 0.1
        for number, one in enumerate(series):
            value = one.values[index]
            height = plot_h * min(value, axis_top) / axis_top if axis_top else 0
            parts.append(
                format_html(
                    '<rect x="{}" y="{}" width="{}" height="{}" fill="{}">'
                    "<title>{} {}{}{}</title></rect>",
                    _f(x0 + bar_w * number),
                    _f(TOP + plot_h - height),
                    _f(max(bar_w - 1, 1)),
                    _f(height),
                    PALETTE[number % len(PALETTE)],
                    category,
                    one.label,
                    _("："),
                    _number(value) + unit,
                )
            )
        if index % label_every == 0:
            parts.append(
                format_html(
                    '<text x="{}" y="{}" text-anchor="middle" font-size="11" '
                    'fill="#475467">{}</text>',
                    _f(LEFT + group_w * (index + 0.5)),
                    HEIGHT - BOTTOM + 16,
                    category,
                )
            )
    legend = format_html_join(
        "",
        '<rect x="{}" y="8" width="12" height="12" fill="{}"/>'
        '<text x="{}" y="18" font-size="12" fill="#101828">{}</text>',
        (
            (LEFT + 110 * n, PALETTE[n % len(PALETTE)], LEFT + 110 * n + 16, one.label)
            for n, one in enumerate(series)
        ),
    )
    return format_html(
        '<svg class="chart" id="{}" role="img" viewBox="0 0 {} {}" '
        'aria-labelledby="{}-title {}-desc" xmlns="http://www.w3.org/2000/svg">'
        '<title id="{}-title">{}</title><desc id="{}-desc">{}</desc>{}{}</svg>',
        chart_id,
        WIDTH,
        HEIGHT,
        chart_id,
        chart_id,
        chart_id,
        title,
        chart_id,
        description,
        legend,
        mark_safe("".join(parts)),  # noqa: S308 - each part escaped by format_html
    )
