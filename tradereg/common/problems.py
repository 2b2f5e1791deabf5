"""The messages of ``tradereg.common.codes`` in the visitor's language."""

from django.utils.translation import gettext

from tradereg.common import codes


def problem_text(problem: str) -> str:
    """``codes`` stays free of Django: its ``Problem`` carries the Chinese template and
    its values, and is translated here, where it reaches a person."""
    if not isinstance(problem, codes.Problem):
        return problem
    text = gettext(problem.template)
    return text % problem.params if problem.params else text
