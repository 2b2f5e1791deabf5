"""``{% operator_type_note %}``: the filling note on sections A and B, from the data.

经营者类型 is an admin-editable list, so the note reads the active types instead of
naming them in the template, and a type renamed or added in the admin shows at once.
"""

from django import template
from django.utils.translation import gettext as _

from tradereg.filings.forms import SECTION_LABELS
from tradereg.filings.models import OperatorType, Section

register = template.Library()


def chinese_list(names: list[str]) -> str:
    """``甲、乙和丙``: the way a list of names is written in a Chinese sentence."""
    if len(names) < 2:
        return "".join(names)
    return _("%(head)s和%(last)s") % {"head": _("、").join(names[:-1]), "last": names[-1]}


@register.simple_tag
def operator_type_note() -> str:
    """Which types fill in section A and which section B; empty when no type is active."""
    names: dict[str, list[str]] = {Section.A: [], Section.B: []}
    for operator_type in OperatorType.objects.filter(is_active=True):
        names[operator_type.section].append(str(operator_type))
    a_types, b_types = chinese_list(names[Section.A]), chinese_list(names[Section.B])
    a_heading = SECTION_LABELS[Section.A]["heading"]
    b_heading = SECTION_LABELS[Section.B]["heading"]
    if a_types and b_types:
        return _("%(a)s填写“%(heading)s”部分；%(b)s填写另一部分。") % {
            "a": a_types,
            "heading": a_heading,
            "b": b_types,
        }
    if a_types:
        return _("%(a)s填写“%(heading)s”部分。") % {"a": a_types, "heading": a_heading}
    if b_types:
        return _("%(b)s填写“%(heading)s”部分。") % {"b": b_types, "heading": b_heading}
    return ""
